"""Validate a scenario against observed figures: point targets, patterns and a counterfactual.

:func:`validate` runs a scenario with several seeds and, with the same seeds (common random
numbers), the same scenario with every cooperation mechanism switched off
(:meth:`~ptce_sim.config.scenario.Scenario.without_cooperation`). It returns a
:class:`ValidationResult` with three tables:

- ``table``: for every figure of the targets file (:mod:`ptce_sim.studies.targets`), the observed
  value, the simulated median and 5%-95% quantiles over the seeds, the relative error of the
  median, a pass at ±25%, a flag beyond ±50% and its kind: emergent, or an identity with its
  derivation; the fit score counts emergent figures only (:mod:`ptce_sim.studies.fit`);
- ``patterns``: qualitative patterns (pattern-oriented modelling) checked on every run: the
  1970s job losses and the slow recovery, each named structure appearing at its timeline year and
  growing, the pole's membership and project requests growing as trust accumulates,
  unemployment rising in the 2008-2009 crisis; each labelled a prediction or a check of an input;
- ``counterfactual``: the difference the pole makes in jobs and unemployment, paired seed by seed,
  with its 90% interval;

and ``additionality``, the same pairs counted the way evaluators do
(:mod:`ptce_sim.studies.additionality`): gross jobs, deadweight, displacement, leakage, net jobs,
net jobs by group and the public cost per net job by funder; and, given observed rates,
``unemployment``: the simulated unemployment rate beside France's and the Landes', year by year
(:mod:`ptce_sim.studies.unemployment`).

:func:`write_report` writes them as Markdown with PNG charts, in English or French (the tables
keep their English words: they are data); :func:`run_validate_command` is the ``ptce-sim
validate`` command's body. Runs are deterministic: the same scenario, targets and seeds
give the same tables whatever the number of worker processes.
"""

from __future__ import annotations

import math
import multiprocessing
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ptce_sim.config.overrides import apply_overrides
from ptce_sim.config.scenario import Scenario
from ptce_sim.runs import atomic
from ptce_sim.runs.atomic import replacing
from ptce_sim.runs.i18n import DEFAULT, N_, _, localise, ngettext, number, percent, using
from ptce_sim.studies import additionality, fit, unemployment
from ptce_sim.studies.additionality import Additionality
from ptce_sim.studies.posterior import PosteriorSample
from ptce_sim.studies.targets import Target, Targets, check_targets, structure_creation
from ptce_sim.studies.unemployment import ObservedRates

DEFAULT_REPLICATES = 20
PASS_BAND = 0.25
"""A figure passes when the simulated median is within ±25% of the observed value."""
FAR_BAND = 0.50
"""A figure is flagged when the simulated median is more than ±50% away from the observed value."""
GOAL_SHARE = 0.80
"""Goal of the calibration: at least 80% of the figures pass and none is flagged."""
QUANTILES = (0.05, 0.95)
"""The simulated interval: 5% and 95% quantiles over the seeds (a 90% interval)."""

TABLE_COLUMNS = (
    "label",
    "structure",
    "model_structure",
    "indicator",
    "column",
    "year",
    "period",
    "observed",
    "simulated_median",
    "simulated_q05",
    "simulated_q95",
    "relative_error",
    "passed",
    "beyond_50",
    "observed_in_interval",
    "scaled",
    "runs",
    "kind",
    "derivation",
    "note",
    "likely_reason",
)
PATTERN_COLUMNS = ("group", "pattern", "expected", "share_of_runs", "holds", "detail", "basis")
COUNTERFACTUAL_COLUMNS = (
    "year",
    "indicator",
    "unit",
    "with_cooperation",
    "without_cooperation",
    "difference_median",
    "difference_q05",
    "difference_q95",
    "runs",
)
TERRITORY = "(territory)"
"""``model_structure`` of a figure about the whole territory."""
RECOVERY_YEAR = N_("year the employment rate is back to its pre-shock level")
FIRST_ROW = N_("first year")
YEAR_VALUES = frozenset({RECOVERY_YEAR, FIRST_ROW})
"""Pattern details that are years (printed without a thousands separator; messages)."""
PREDICTION = N_("prediction")
"""Basis of a pattern the inputs do not decide: the model could miss it (none is calibrated on)."""
INPUT_CHECK = N_("check of an input")
"""Basis of a pattern that follows from the scenario's inputs (e.g. its timeline)."""
PERSON_COLUMNS = ("employees", "insertion_employees", "permanent_employees", "project_holders")
"""Structure columns drawn, with their observed points, in the structures' growth chart."""
STAFF_LABELS = {
    "employees": N_("employees"),
    "insertion_employees": N_("insertion employees"),
    "permanent_employees": N_("permanent employees"),
    "project_holders": N_("project holders"),
}
"""The structures chart's legend: person column -> label (a message)."""


@dataclass(frozen=True)
class PatternSettings:
    """Years and thresholds of the qualitative patterns and of the counterfactual.

    Attributes:
        shock_before: a year before the 1970s shock (its employment rate is the reference).
        shock_after: a year at the end of the shock (its employment rate is below the reference).
        slow_recovery_years: the recovery to the reference is slow when it does not come within
            this many years of ``shock_after`` (or never comes).
        growth_year: each named structure's headcount this year exceeds its first full year's.
        trust_years: pole members and cumulated project requests increase across these years.
        counterfactual_years: years of the jobs and unemployment difference the pole makes.
        holds_share: a pattern holds when it holds in at least this share of the runs.
        crisis_years: the 2008-2009 crisis: unemployment in each later year is above the first
            year's (checked when the scenario has a sector shock in the first year).
    """

    shock_before: int = 1973
    shock_after: int = 1979
    slow_recovery_years: int = 5
    growth_year: int = 2012
    trust_years: tuple[int, ...] = (1995, 2005, 2015)
    counterfactual_years: tuple[int, ...] = (2012, 2015)
    holds_share: float = 0.8
    crisis_years: tuple[int, ...] = (2008, 2009, 2010)


@dataclass(frozen=True)
class RunTables:
    """What validation keeps of one run: its yearly territory and structures tables."""

    seed: int
    cooperation: bool
    territory: pd.DataFrame
    structures: pd.DataFrame


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of :func:`validate`.

    Attributes:
        scenario: the scenario as run (at the validation's scale).
        targets: the observed figures.
        seeds: the seeds, shared by the runs with and without cooperation.
        table: one row per figure (columns :data:`TABLE_COLUMNS`).
        patterns: one row per pattern (columns :data:`PATTERN_COLUMNS`).
        counterfactual: one row per year and indicator (columns :data:`COUNTERFACTUAL_COLUMNS`).
        runs: the runs with cooperation, in seed order.
        counterfactual_runs: the runs without cooperation, in seed order.
        settings: the patterns' years and thresholds.
        additionality: gross to net jobs with cooperation against without, paired seed by seed
            (:func:`net_effects`); ``None`` when not computed.
        unemployment: the simulated unemployment rate beside the observed ones, year by year
            (:func:`ptce_sim.studies.unemployment.comparison_table`); ``None`` without them.
        rates: the observed unemployment rates it was compared with.
        posterior: where the calibrated parameters came from when each seed drew them from a
            posterior sample (:meth:`ptce_sim.studies.posterior.PosteriorSample.describe`, plus
            ``rows``: the particle of each seed and ``master_seed``); ``None``: the scenario's own
            values for every seed.
    """

    scenario: Scenario
    targets: Targets
    seeds: tuple[int, ...]
    table: pd.DataFrame
    patterns: pd.DataFrame
    counterfactual: pd.DataFrame
    runs: tuple[RunTables, ...]
    counterfactual_runs: tuple[RunTables, ...]
    settings: PatternSettings = field(default_factory=PatternSettings)
    additionality: Additionality | None = None
    unemployment: pd.DataFrame | None = None
    rates: ObservedRates | None = None
    posterior: dict | None = None

    @property
    def scale(self) -> float:
        """The runs' scale."""
        return self.scenario.run.scale

    @property
    def share_passed(self) -> float:
        """Share of the emergent figures within ±25% (identities do not count)."""
        return fit.share_passed(self.table)

    @property
    def beyond_50_count(self) -> int:
        """Number of emergent figures more than ±50% away."""
        return fit.beyond_count(self.table)

    @property
    def goal_met(self) -> bool:
        """At least 80% of the emergent figures within ±25% and none beyond ±50%."""
        return self.share_passed >= GOAL_SHARE and self.beyond_50_count == 0

    def summary(self) -> str:
        """A few lines saying how well the scenario fits."""
        n = len(fit.emergent(self.table))
        passed = fit.passed_count(self.table)
        applicable = self.patterns[self.patterns["holds"].notna()]
        holding = int(applicable["holds"].astype(bool).sum())
        lines = [
            f"{self.scenario.run.name}: {len(self.seeds)} seeds at scale {self.scale:g}",
            fit.count_line(self.table),
            f"emergent figures within ±25%: {passed} of {n} ({100 * self.share_passed:.0f}%; goal "
            f">= {100 * GOAL_SHARE:.0f}%); beyond ±50%: {self.beyond_50_count} (goal: none) -> "
            f"goal {'met' if self.goal_met else 'NOT met'}",
            f"patterns holding: {holding} of {len(applicable)}",
        ]
        for row in self.counterfactual.itertuples():
            lines.append(f"cooperation effect in {_effect(row)}")
        if self.additionality is not None:
            lines.append(additionality.headline(self.additionality, *map(_, NET_NAMES)))
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Running


def validate(
    scenario: Scenario,
    targets: Targets,
    replicates: int | None = None,
    seeds: Sequence[int] | None = None,
    scale: float | None = None,
    *,
    workers: int = 1,
    counterfactual: Scenario | None = None,
    settings: PatternSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
    rates: ObservedRates | None = None,
    posterior: PosteriorSample | None = None,
    master_seed: int = 0,
) -> ValidationResult:
    """Run a scenario and its no-cooperation counterfactual and compare them with the targets.

    Args:
        scenario: the scenario to validate.
        targets: observed figures (:func:`ptce_sim.studies.targets.load_targets`).
        replicates: number of seeds; default the length of ``seeds``, or 20.
        seeds: the seeds; default ``0 .. replicates-1``.
        scale: the runs' scale; default the scenario's.
        workers: worker processes (1 = run in this process). Results do not depend on it.
        counterfactual: the scenario without the pole (e.g. ``seignanx_no_cooperation.toml``),
            run at the same scale and with the same seeds; default
            ``scenario.without_cooperation()``.
        settings: years and thresholds of the patterns; default :class:`PatternSettings`.
        progress: called as ``progress(runs_done, runs_total)`` after each run.
        rates: observed unemployment rates (:func:`ptce_sim.studies.unemployment.load_rates`)
            to set the simulated rate beside, year by year; ``None``: no such comparison.
        posterior: a calibration's posterior sample: the ``r``-th seed runs with the particle
            :meth:`~ptce_sim.studies.posterior.PosteriorSample.draw` gives replicate ``r`` under
            ``master_seed`` (as ``batch`` and ``compare`` do), in both runs of the pair, so the
            intervals cover what the calibration leaves uncertain; ``None``: the scenario's values.
        master_seed: the seed of the posterior's draws.

    Returns:
        The tables of the comparison and the runs.

    Raises:
        ScenarioError: the targets cannot be produced by the scenario.
        ValueError: ``replicates`` and ``seeds`` disagree, or no seed is given.
    """
    settings = settings or PatternSettings()
    if seeds is None:
        seeds = tuple(range(DEFAULT_REPLICATES if replicates is None else replicates))
    else:
        seeds = tuple(int(s) for s in seeds)
        if replicates is not None and replicates != len(seeds):
            raise ValueError(f"replicates={replicates} but {len(seeds)} seeds were given")
    if not seeds:
        raise ValueError("validation needs at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {list(seeds)}")
    if scale is not None:
        scenario = scenario.with_overrides(scale=scale)
    check_targets(targets, scenario)
    if counterfactual is None:
        counterfactual = scenario.without_cooperation()
    else:
        counterfactual = counterfactual.with_overrides(scale=scenario.run.scale)
        if (counterfactual.run.start_year, counterfactual.run.end_year) != (
            scenario.run.start_year,
            scenario.run.end_year,
        ):
            raise ValueError(
                f"the counterfactual {counterfactual.run.name!r} must cover the same years as "
                f"{scenario.run.name!r} ({scenario.run.start_year}-{scenario.run.end_year})"
            )

    scenarios, counterfactuals, drawn = _paired_scenarios(
        scenario, counterfactual, len(seeds), posterior, master_seed
    )
    jobs = list(zip(scenarios, seeds, strict=True)) + list(zip(counterfactuals, seeds, strict=True))
    tables = _run_jobs(jobs, workers, progress)
    runs = tuple(
        RunTables(seed, True, territory, structures)
        for seed, (territory, structures) in zip(seeds, tables[: len(seeds)], strict=True)
    )
    cf_runs = tuple(
        RunTables(seed, False, territory, structures)
        for seed, (territory, structures) in zip(seeds, tables[len(seeds) :], strict=True)
    )
    scale_used = scenario.run.scale
    return ValidationResult(
        scenario=scenario,
        targets=targets,
        seeds=seeds,
        table=target_table(targets, runs, scale_used),
        patterns=pattern_table(scenario, targets, runs, settings),
        counterfactual=counterfactual_table(runs, cf_runs, scale_used, settings),
        runs=runs,
        counterfactual_runs=cf_runs,
        settings=settings,
        additionality=net_effects(runs, cf_runs, scale_used, settings),
        unemployment=None
        if rates is None
        else unemployment.comparison_table(rates, [run.territory for run in runs]),
        rates=rates,
        posterior=drawn,
    )


def _paired_scenarios(
    scenario: Scenario,
    counterfactual: Scenario,
    count: int,
    posterior: PosteriorSample | None,
    master_seed: int,
) -> tuple[list[Scenario], list[Scenario], dict | None]:
    """Each seed's scenario and counterfactual, with its posterior particle when there is one.

    Raises:
        ScenarioError: a calibrated parameter's path does not exist in the counterfactual given.
    """
    if posterior is None:
        return [scenario] * count, [counterfactual] * count, None
    rows: list[int] = []
    scenarios: list[Scenario] = []
    counterfactuals: list[Scenario] = []
    for replicate in range(count):
        row, overrides = posterior.draw(master_seed, replicate)
        rows.append(row)
        scenarios.append(apply_overrides(scenario, overrides))
        counterfactuals.append(apply_overrides(counterfactual, overrides))
    return (
        scenarios,
        counterfactuals,
        {**posterior.describe(), "rows": rows, "master_seed": master_seed},
    )


def _simulate_tables(job: tuple[Scenario, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run one (scenario, seed) and keep its territory and structures tables (picklable)."""
    from ptce_sim.runs.runner import simulate

    result = simulate(*job)
    return result.territory, result.structures


def _run_jobs(
    jobs: list[tuple[Scenario, int]],
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Run the jobs in order, in this process or in ``workers`` spawned processes."""
    total = len(jobs)
    results: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    if workers <= 1:
        for job in jobs:
            results.append(_simulate_tables(job))
            if progress is not None:
                progress(len(results), total)
        return results
    # spawned, not forked: the caller may hold threads (BLAS, a dashboard, pytest plugins)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, total), mp_context=context) as pool:
        for outcome in pool.map(_simulate_tables, jobs):
            results.append(outcome)
            if progress is not None:
                progress(len(results), total)
    return results


# ------------------------------------------------------------------------------------------------
# Point targets


def simulated_value(target: Target, run: RunTables, scale: float) -> float:
    """The simulated counterpart of one observed figure in one run (full-scale if a count).

    A structure with no row in the target's year (closed after a failure) counts as zero; a
    column that does not apply gives ``nan``.
    """
    if target.table == "structures":
        frame = run.structures
        rows = frame[(frame["structure"] == target.structure) & (frame["year"] == target.year)]
        value = 0.0 if rows.empty else _float(rows[target.column].iloc[0])
    else:
        series = _territory_series(run.territory, target.column)
        first, last = target.years
        if target.method == "value":
            value = float(series.get(last, math.nan))
        elif target.method == "growth_rate":
            start, end = float(series.get(first, math.nan)), float(series.get(last, math.nan))
            value = (end / start) ** (1.0 / (last - first)) - 1.0 if start > 0 else math.nan
        else:  # peak_to_trough
            value = peak_to_trough(series.loc[first:last])
    return value / scale if target.scaled else value


def peak_to_trough(series: pd.Series) -> float:
    """Drop from the highest value before the lowest one to the lowest one (0 if none)."""
    values = series.to_numpy(dtype=float)
    if values.size == 0:
        return math.nan
    trough = int(np.nanargmin(values))
    return float(np.nanmax(values[: trough + 1]) - values[trough])


def target_table(targets: Targets, runs: Sequence[RunTables], scale: float) -> pd.DataFrame:
    """One row per figure: observed, simulated median and interval, relative error, pass."""
    rows = []
    for target in targets.targets:
        values = np.array([simulated_value(target, run, scale) for run in runs], dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size:
            median = float(np.median(finite))
            q05, q95 = (float(q) for q in np.quantile(finite, QUANTILES))
            error = (median - target.observed) / target.observed
        else:
            median = q05 = q95 = error = math.nan
        found = math.isfinite(error)
        rows.append(
            {
                "label": target.label,
                "structure": target.source_name,
                "model_structure": target.structure or TERRITORY,
                "indicator": target.indicator,
                "column": target.column,
                "year": target.year,
                "period": target.period,
                "observed": target.observed,
                "simulated_median": median,
                "simulated_q05": q05,
                "simulated_q95": q95,
                "relative_error": error,
                "passed": bool(found and abs(error) <= PASS_BAND),
                "beyond_50": bool(not found or abs(error) > FAR_BAND),
                "observed_in_interval": bool(found and q05 <= target.observed <= q95),
                "scaled": target.scaled,
                "runs": int(finite.size),
                "kind": target.kind,  # fit.EMERGENT, fit.HELD_OUT or fit.IDENTITY
                "derivation": target.identity,
                "note": target.note if target.held_out else "",
                "likely_reason": target.likely_reason,
            }
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


# ------------------------------------------------------------------------------------------------
# Patterns


@dataclass(frozen=True)
class _Pattern:
    """A pattern's words (in the language in force when made) and its check on one run."""

    group: str
    name: str
    expected: str
    check: Callable[[RunTables], tuple[bool, dict[str, float]]]
    basis: str


def pattern_table(
    scenario: Scenario,
    targets: Targets,
    runs: Sequence[RunTables],
    settings: PatternSettings,
) -> pd.DataFrame:
    """One row per qualitative pattern: the share of runs where it holds and whether it holds.

    A pattern whose years fall outside the run is listed with ``holds`` empty. Its words are in
    the language in force (:func:`~ptce_sim.runs.i18n.using`; English for the result's table).
    """
    rows = []
    years = {_(name) for name in YEAR_VALUES}
    for pattern in _patterns(scenario, targets, settings):
        outcomes = [pattern.check(run) for run in runs]
        share = float(np.mean([ok for ok, _values in outcomes]))
        values = pd.DataFrame([v for _ok, v in outcomes])
        detail = ", ".join(
            f"{name} {_number(values[name].median(), year=name in years)}"
            for name in values.columns
        )
        rows.append(
            {
                "group": pattern.group,
                "pattern": pattern.name,
                "expected": pattern.expected,
                "share_of_runs": share,
                "holds": share >= settings.holds_share,
                "detail": _("median over runs: {values}").format(values=detail) if detail else "",
                "basis": pattern.basis,
            }
        )
    for group, name, reason in _skipped_patterns(scenario, settings):
        rows.append(
            {
                "group": group,
                "pattern": name,
                "expected": reason,
                "share_of_runs": math.nan,
                "holds": None,
                "detail": _("not applicable"),
                "basis": "",
            }
        )
    frame = pd.DataFrame(rows, columns=list(PATTERN_COLUMNS))
    frame["holds"] = frame["holds"].astype("boolean")
    return frame


def _patterns(scenario: Scenario, targets: Targets, settings: PatternSettings) -> list[_Pattern]:
    first, last = scenario.run.start_year, scenario.run.end_year
    scale = scenario.run.scale
    patterns: list[_Pattern] = []
    before, after = settings.shock_before, settings.shock_after
    if first <= before < after <= last:

        def losses(run: RunTables) -> tuple[bool, dict[str, float]]:
            rate = employment_rate(run.territory)
            return bool(rate[after] < rate[before]), {
                _("employment rate {year}").format(year=before): rate[before],
                _("employment rate {year}").format(year=after): rate[after],
            }

        def slow_recovery(run: RunTables) -> tuple[bool, dict[str, float]]:
            rate = employment_rate(run.territory)
            later = rate.loc[after + 1 :]
            back = later[later >= rate[before]]
            year = float(back.index[0]) if len(back) else math.nan
            quick = math.isfinite(year) and year < after + settings.slow_recovery_years
            return bool(rate[after] < rate[before] and not quick), {_(RECOVERY_YEAR): year}

        shock = _("1970s shock")
        patterns += [
            _Pattern(
                shock,
                _("job losses"),
                _(
                    "employment rate (residents in work / labour force) in {after} below {before}"
                ).format(after=after, before=before),
                losses,
                _("{input_check}: the scenario's plant closures and sector shocks").format(
                    input_check=_(INPUT_CHECK)
                ),
            ),
            _Pattern(
                shock,
                _("slow recovery"),
                ngettext(
                    "employment rate not back to its {before} level within {years} year of {after}",
                    "employment rate not back to its {before} level within {years} years of "
                    "{after}",
                    settings.slow_recovery_years,
                ).format(before=before, years=settings.slow_recovery_years, after=after),
                slow_recovery,
                _(PREDICTION),
            ),
        ]

    for name, (year, month) in structure_creation(scenario).items():
        source_year = targets.created.get(name)
        expected = (
            _("first row in {year} (timeline)").format(year=year)
            if source_year is None
            else _("first row in {year} (timeline; sources: {sources})").format(
                year=year, sources=source_year
            )
        )
        patterns.append(
            _Pattern(
                _("timeline"),
                _("{name} appears").format(name=name),
                expected,
                _appears(name, year),
                _("{input_check}: the scenario's timeline").format(input_check=_(INPUT_CHECK)),
            )
        )
        full_year = year if month == 1 else year + 1
        if full_year < settings.growth_year <= last:
            patterns.append(
                _Pattern(
                    _("growth"),
                    _("{name} grows").format(name=name),
                    _("employees in {year} above {first} (first full year)").format(
                        year=settings.growth_year, first=full_year
                    ),
                    _grows(name, full_year, settings.growth_year, scale),
                    _(PREDICTION),
                )
            )

    patterns += _crisis_patterns(scenario, settings)
    years = [y for y in settings.trust_years if first <= y <= last]
    if len(years) >= 2:
        span = " < ".join(str(y) for y in years)
        patterns += [
            _Pattern(
                _("trust"),
                _("pole membership grows"),
                _("pole members increase: {years}").format(years=span),
                _increasing("pole_members", years, cumulative=False),
                _(PREDICTION),
            ),
            _Pattern(
                _("trust"),
                _("project requests accumulate"),
                _("cumulated project requests increase: {years}").format(years=span),
                _increasing("project_requests", years, cumulative=True),
                _(PREDICTION),
            ),
        ]
    return patterns


def _crisis_patterns(scenario: Scenario, settings: PatternSettings) -> list[_Pattern]:
    """The 2008-2009 crisis: unemployment rises, when the scenario has a shock that year.

    The shock's depth is an input; how far it raises the residents' unemployment is the model's.
    """
    start, *later = settings.crisis_years
    shocked = any(event.type == "sector_shock" and event.year == start for event in scenario.events)
    if not later or not shocked or later[-1] > scenario.run.end_year:
        return []

    def rises(run: RunTables) -> tuple[bool, dict[str, float]]:
        rate = _territory_series(run.territory, "unemployment_rate") * 100.0
        values = {
            _("unemployment % {year}").format(year=y): float(rate[y]) for y in settings.crisis_years
        }
        return all(rate[y] > rate[start] for y in later), values

    return [
        _Pattern(
            _("2008-2009 crisis"),
            _("unemployment rises"),
            _("unemployment rate in {years} above {start}").format(
                years=", ".join(map(str, later)), start=start
            ),
            rises,
            _(
                "{prediction}: the sector shock of {start} is an input, its effect on "
                "unemployment is the model's"
            ).format(prediction=_(PREDICTION), start=start),
        )
    ]


def _skipped_patterns(scenario: Scenario, settings: PatternSettings) -> list[tuple[str, str, str]]:
    first, last = scenario.run.start_year, scenario.run.end_year
    skipped = []
    outside = _("years outside the run {first}-{last}").format(first=first, last=last)
    if not first <= settings.shock_before < settings.shock_after <= last:
        skipped.append((_("1970s shock"), _("job losses and slow recovery"), outside))
    if len([y for y in settings.trust_years if first <= y <= last]) < 2:
        skipped.append((_("trust"), _("pole growth"), outside))
    return skipped


def _appears(name: str, year: int) -> Callable[[RunTables], tuple[bool, dict[str, float]]]:
    def check(run: RunTables) -> tuple[bool, dict[str, float]]:
        years = run.structures.loc[run.structures["structure"] == name, "year"]
        first_row = float(years.min()) if len(years) else math.nan
        return first_row == year, {_(FIRST_ROW): first_row}

    return check


def _grows(
    name: str, full_year: int, growth_year: int, scale: float
) -> Callable[[RunTables], tuple[bool, dict[str, float]]]:
    def check(run: RunTables) -> tuple[bool, dict[str, float]]:
        series = _structure_series(run.structures, name, "employees") / scale
        start = float(series.get(full_year, 0.0))
        end = float(series.get(growth_year, 0.0))
        return end > start, {
            _("employees {year}").format(year=full_year): start,
            _("employees {year}").format(year=growth_year): end,
        }

    return check


def _increasing(
    column: str, years: list[int], *, cumulative: bool
) -> Callable[[RunTables], tuple[bool, dict[str, float]]]:
    def check(run: RunTables) -> tuple[bool, dict[str, float]]:
        series = _territory_series(run.territory, column)
        if cumulative:
            series = series.cumsum()
        values = [float(series[y]) for y in years]
        ok = all(b > a for a, b in zip(values, values[1:], strict=False))
        return ok, {str(y): v for y, v in zip(years, values, strict=True)}

    return check


# ------------------------------------------------------------------------------------------------
# Counterfactual


def counterfactual_table(
    runs: Sequence[RunTables],
    counterfactual_runs: Sequence[RunTables],
    scale: float,
    settings: PatternSettings,
) -> pd.DataFrame:
    """Jobs and unemployment with minus without cooperation, paired seed by seed.

    Jobs are employed persons (full-scale equivalent); unemployment is the rate in percentage
    points. The interval is the 5%-95% quantiles of the paired differences.
    """
    rows = []
    for year in settings.counterfactual_years:
        for column, indicator, unit, factor in (
            ("employed", N_("jobs (employed persons)"), N_("persons"), 1.0 / scale),
            ("unemployment_rate", N_("unemployment rate"), N_("points"), 100.0),
        ):
            with_coop = _yearly_values(runs, column, year) * factor
            without = _yearly_values(counterfactual_runs, column, year) * factor
            if not (np.isfinite(with_coop).all() and np.isfinite(without).all()):
                continue  # the year is outside the run
            difference = with_coop - without
            q05, q95 = np.quantile(difference, QUANTILES)
            rows.append(
                {
                    "year": year,
                    "indicator": indicator,
                    "unit": unit,
                    "with_cooperation": float(np.median(with_coop)),
                    "without_cooperation": float(np.median(without)),
                    "difference_median": float(np.median(difference)),
                    "difference_q05": float(q05),
                    "difference_q95": float(q95),
                    "runs": len(difference),
                }
            )
    return pd.DataFrame(rows, columns=list(COUNTERFACTUAL_COLUMNS))


NET_NAMES = (N_("the run without cooperation"), N_("the run with cooperation"))
"""How the gross-to-net section names the reference and the policy case (messages)."""


def net_effects(
    runs: Sequence[RunTables],
    counterfactual_runs: Sequence[RunTables],
    scale: float,
    settings: PatternSettings,
) -> Additionality:
    """Gross to net jobs with minus without cooperation, paired seed by seed.

    Shown for the counterfactual years within the run (the last year if none is); the period
    runs from the first year to the last of them.
    """
    years = sorted(int(y) for y in runs[0].territory["year"])
    shown = [y for y in settings.counterfactual_years if y in years] or [years[-1]]
    return additionality.decompose(
        [run.territory for run in counterfactual_runs],
        [run.territory for run in runs],
        scale=scale,
        years=shown,
        period=(years[0], max(shown)),
    )


def _yearly_values(runs: Sequence[RunTables], column: str, year: int) -> np.ndarray:
    return np.array(
        [float(_territory_series(run.territory, column).get(year, math.nan)) for run in runs]
    )


# ------------------------------------------------------------------------------------------------
# Helpers on run tables


def employment_rate(territory: pd.DataFrame) -> pd.Series:
    """Residents in work over the labour force, by year: the 1970s shock's measure.

    The census's fast growth of the residents (3% a year in 1968-1982) hides job losses in counts.
    """
    return _territory_series(territory, "employed") / _territory_series(territory, "labour_force")


def _territory_series(territory: pd.DataFrame, column: str) -> pd.Series:
    return pd.Series(
        territory[column].to_numpy(dtype=float), index=territory["year"].to_numpy(dtype=int)
    )


def _structure_series(structures: pd.DataFrame, name: str, column: str) -> pd.Series:
    rows = structures[structures["structure"] == name]
    return pd.Series(
        rows[column].to_numpy(dtype=float, na_value=np.nan),
        index=rows["year"].to_numpy(dtype=int),
    )


def _float(value: object) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def _number(value: float, *, year: bool = False) -> str:
    """A figure for people to read: thousands separated, 3 significant digits below 100.

    In the language in force (:func:`~ptce_sim.runs.i18n.localise`).
    """
    if value is None or not math.isfinite(value):
        return _("n/a")
    if year:
        return f"{value:.0f}"
    if abs(value) >= 100:
        return localise(f"{value:,.0f}")
    if value == int(value):
        return localise(f"{value:.0f}")
    return localise(f"{value:.3g}")


def _signed(value: float) -> str:
    if value is None or not math.isfinite(value):
        return _("n/a")
    text = _number(value)
    return text if text.startswith(localise("-")) else localise("+") + text


def _effect(row: object) -> str:
    """One counterfactual row as text: year, indicator, median difference and interval."""
    return _("{year}: {indicator} {median} {unit} (90% interval {low} to {high})").format(
        year=row.year,
        indicator=_(row.indicator),
        median=_signed(row.difference_median),
        unit=_(row.unit),
        low=_signed(row.difference_q05),
        high=_signed(row.difference_q95),
    )


def _share(value: float) -> str:
    """A share as a whole percentage (``54%``), in the language in force."""
    return localise(f"{100 * value:.0f}%")


def _percent(value: float) -> str:
    return _("n/a") if not math.isfinite(value) else localise(f"{100 * value:+.0f}%")


# ------------------------------------------------------------------------------------------------
# Report


REPORT_NAME = "validation.md"
TARGETS_PNG = "validation_targets.png"
STRUCTURES_PNG = "validation_structures.png"
COUNTERFACTUAL_PNG = "validation_counterfactual.png"
UNEMPLOYMENT_PNG = "validation_unemployment.png"
UNEMPLOYMENT_CSV = "validation_unemployment.csv"
ADDITIONALITY_CSV = "validation_additionality.csv"


def write_report(
    result: ValidationResult,
    out_dir: str | Path,
    *,
    stamp: str | None = None,
    lang: str = DEFAULT,
) -> list[Path]:
    """Write the validation report: Markdown, PNG charts and the three tables as CSV.

    Args:
        result: what :func:`validate` returned.
        out_dir: the folder (created if needed).
        stamp: the reference stamp of the code's results (:mod:`ptce_sim.runs.reference`), stated
            in the report so that a stale report can be told.
        lang: the language (``en`` or ``fr``) of the Markdown text and the charts; the CSV tables
            keep the result's English words.

    Returns:
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with using(lang):
        written = [
            _plot_targets(result, out / TARGETS_PNG),
            _plot_structures(result, out / STRUCTURES_PNG),
            _plot_counterfactual(result, out / COUNTERFACTUAL_PNG),
        ]
        if result.unemployment is not None and result.rates is not None:
            title = _("{scenario}: unemployment beside France and the Landes").format(
                scenario=result.scenario.run.name
            )
            written.append(
                unemployment.plot(result.unemployment, result.rates, out / UNEMPLOYMENT_PNG, title)
            )
        text = markdown(result, stamp=stamp)
    for name, frame in (
        ("validation_targets.csv", result.table),
        ("validation_patterns.csv", result.patterns),
        ("validation_counterfactual.csv", result.counterfactual),
        *(
            [(ADDITIONALITY_CSV, result.additionality.table)]
            if result.additionality is not None
            else []
        ),
        *([(UNEMPLOYMENT_CSV, result.unemployment)] if result.unemployment is not None else []),
    ):
        path = out / name
        atomic.write_text(path, frame.to_csv(index=False, float_format="%.6g"))
        written.append(path)
    report = out / REPORT_NAME
    atomic.write_text(report, text)
    return [report, *written]


def markdown(result: ValidationResult, *, stamp: str | None = None) -> str:
    """The report's Markdown text (pure); ``stamp``: the reference stamp it is made with.

    In the language in force (:func:`~ptce_sim.runs.i18n.using`). The patterns' words are made
    again from the runs in that language (:func:`pattern_table`).
    """
    import ptce_sim
    from ptce_sim.runs.reference import stamp_line

    scenario, targets, table = result.scenario, result.targets, result.table
    seeds = result.seeds
    seed_text = (
        f"{seeds[0]}-{seeds[-1]}"
        if list(seeds) == list(range(seeds[0], seeds[-1] + 1))
        else ", ".join(str(s) for s in seeds)
    )
    # rebuilt from the runs in the language in force (the result's table is English); a result
    # without runs (made by hand) keeps its own table
    patterns = (
        pattern_table(scenario, targets, result.runs, result.settings)
        if result.runs
        else result.patterns
    )
    passed = fit.passed_count(table)
    emergent = fit.emergent(table)
    applicable = patterns[patterns["holds"].notna()]
    holding = int(applicable["holds"].astype(bool).sum())
    predictions = applicable[applicable["basis"].str.startswith(_(PREDICTION))]
    holds_share = _share(result.settings.holds_share)
    near, far = _share(PASS_BAND), _share(FAR_BAND)
    lines = [
        _("# Validation: {title}").format(title=scenario.run.title or scenario.run.name),
        "",
        ngettext(
            "Scenario `{name}` at scale {scale}, {n} seed ({seeds}); targets `{targets}` read "
            "through `{mapping}`; ptce-sim {version}.",
            "Scenario `{name}` at scale {scale}, {n} seeds ({seeds}); targets `{targets}` read "
            "through `{mapping}`; ptce-sim {version}.",
            len(seeds),
        ).format(
            name=scenario.run.name,
            scale=localise(f"{result.scale:g}"),
            n=len(seeds),
            seeds=seed_text,
            targets=_display_path(targets.path),
            mapping=_display_path(targets.mapping_path),
            version=ptce_sim.__version__,
        ),
        "",
        stamp_line(stamp) if stamp else _("Made without reference digests (no stamp)."),
        "",
        posterior_line(result.posterior, stamp),
        "",
        _("## Summary"),
        "",
        f"- {fit.count_line(table)}.",
        _(
            "- **{passed} of {n} emergent figures** ({share}) are within ±{near} of the observed "
            "value (goal: at least {goal})."
        ).format(
            passed=passed,
            n=len(emergent),
            share=_share(result.share_passed),
            near=near,
            goal=_share(GOAL_SHARE),
        ),
        ngettext(
            "- **{n}** is more than ±{far} away (goal: none).",
            "- **{n}** are more than ±{far} away (goal: none).",
            result.beyond_50_count,
        ).format(n=result.beyond_50_count, far=far),
        _("- Goal **met** (emergent figures only).")
        if result.goal_met
        else _("- Goal **not met** (emergent figures only)."),
        _(
            "- **{holding} of {n} patterns** hold (in at least {share} of the runs), of which "
            "{predicted} of {predictions} predictions."
        ).format(
            holding=holding,
            n=len(applicable),
            share=holds_share,
            predicted=int(predictions["holds"].astype(bool).sum()),
            predictions=len(predictions),
        ),
    ]
    for row in result.counterfactual.itertuples():
        lines.append(_("- Cooperation effect in {effect}.").format(effect=_effect(row)))
    lines += [
        "",
        _("## Observed figures and simulated values (emergent figures)"),
        "",
        _(
            "The figures the model could get wrong, the only ones the fit score counts. "
            "Simulated: median and 5%-95% quantiles over the seeds; counts are full-scale (the "
            "simulated value divided by the scale). Error: relative error of the median. ✅ "
            "within ±{near}, ⚠️ within ±{far}, ❌ beyond."
        ).format(near=near, far=far),
        "",
        _(
            "| structure | indicator | year | observed | simulated median | 90% interval | error "
            "| fit |"
        ),
        "|---|---|---|---:|---:|---:|---:|:---:|",
    ]
    lines += [_figure_row(row) for row in emergent.itertuples()]
    lines += [
        "",
        _("![simulated interval against observed value]({file})").format(file=TARGETS_PNG),
        "",
        *held_out_section(table),
        *misses_section(table),
        *identities_section(table),
        _("## Patterns"),
        "",
        _(
            "Qualitative patterns the model must produce (pattern-oriented modelling), checked on "
            "every run; a pattern holds when it holds in at least {share} of the runs. None was "
            "used in calibration. A *prediction* is a pattern the inputs do not decide, so the "
            "model could miss it; a *check of an input* follows from the scenario (its timeline, "
            "its shocks) and only shows that the input is read as meant."
        ).format(share=holds_share),
        "",
        _("| group | pattern | expected | basis | runs where it holds | holds | detail |"),
        "|---|---|---|---|---:|:---:|---|",
    ]
    for row in patterns.itertuples():
        holds = _("n/a") if pd.isna(row.holds) else ("✅" if row.holds else "❌")
        share = _("n/a") if not math.isfinite(row.share_of_runs) else _share(row.share_of_runs)
        lines.append(
            f"| {row.group} | {row.pattern} | {row.expected} | {row.basis} | {share} | {holds} "
            f"| {row.detail} |"
        )
    lines += [
        "",
        _("![structures' employees over time]({file})").format(file=STRUCTURES_PNG),
        "",
        *(
            unemployment.markdown(result.unemployment, result.rates, UNEMPLOYMENT_PNG)
            if result.unemployment is not None and result.rates is not None
            else []
        ),
        _("## What the pole changes (counterfactual)"),
        "",
        _(
            "The same territory with every cooperation mechanism switched off "
            "(`Scenario.without_cooperation()`), run with the same seeds; differences are paired "
            "seed by seed (with minus without), with the 5%-95% quantiles of the paired "
            "differences."
        ),
        "",
        _("| year | indicator | with cooperation | without | difference (median) | 90% interval |"),
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in result.counterfactual.itertuples():
        unit = localise("%") if row.unit == "points" else ""
        lines.append(
            f"| {row.year} | {_(row.indicator)} | {_number(row.with_cooperation)}{unit} | "
            f"{_number(row.without_cooperation)}{unit} | {_signed(row.difference_median)} "
            f"{_(row.unit)} | "
            + _("{low} to {high}").format(
                low=_signed(row.difference_q05), high=_signed(row.difference_q95)
            )
            + " |"
        )
    lines += [
        "",
        _("![employment with and without cooperation]({file})").format(file=COUNTERFACTUAL_PNG),
        "",
    ]
    if result.additionality is not None:
        lines += net_section(result.additionality, result.settings)
    if targets.not_compared:
        lines += [_("## Figures not compared"), ""]
        for label, value, reason in targets.not_compared:
            lines.append(
                _("- `{label}` = {value}: {reason}.").format(
                    label=label, value=_number(value), reason=reason
                )
            )
        lines.append("")
    return "\n".join(lines)


def posterior_line(posterior: dict | None, stamp: str | None = None) -> str:
    """Where the calibrated parameters of the runs came from, for the report's head.

    ``stamp``: the reference stamp the report is made with; a posterior calibrated on other
    results is said to be (:func:`ptce_sim.studies.posterior.stale_note`).
    """
    from ptce_sim.studies.posterior import stale_note

    if posterior is None:
        return _(
            "Parameters: the scenario's own values for every seed (no posterior sample); the "
            "intervals cover the runs' randomness only, not what the calibration leaves uncertain."
        )
    rows = posterior["rows"]
    text = _(
        "Parameters: each seed draws its calibrated parameters from the posterior sample "
        "`{file}` (SHA-256 {sha}, {particles} particles, master seed {master_seed}), the same "
        "particle in both runs of a pair; {distinct} distinct particles over {seeds} seeds. The "
        "intervals cover the calibration's uncertainty as well as the runs' randomness."
    ).format(
        file=_display_path(Path(posterior["file"])),
        sha=posterior["sha256"][:12],
        particles=posterior["particles"],
        master_seed=posterior["master_seed"],
        distinct=len(set(rows)),
        seeds=len(rows),
    )
    stale = stale_note(posterior.get("reference_stamp"), stamp)
    return text if stale is None else f"{text} {stale}"


def held_out_section(table: pd.DataFrame) -> list[str]:
    """The report's out-of-sample figures: emergent, kept out of the calibration."""
    rows = fit.held_out(table)
    if rows.empty:
        return []
    near, far = _share(PASS_BAND), _share(FAR_BAND)
    lines = [
        _("## Out-of-sample figures (held out of the calibration)"),
        "",
        _(
            "Emergent figures the calibration does not use (the mapping file's `[notes]` with "
            "`held_out = true`): a test of the model on what it was not tuned to, not counted in "
            "the in-sample fit score above. Each is a number a source states in words; the quoted "
            "words are given. ✅ within ±{near}, ⚠️ within ±{far}, ❌ beyond."
        ).format(near=near, far=far),
        "",
        _(
            "| structure | indicator | year | observed | simulated median | 90% interval | error "
            "| fit | the source's words |"
        ),
        "|---|---|---|---:|---:|---:|---:|:---:|---|",
    ]
    lines += [f"{_figure_row(row)} “{row.note}” |" for row in rows.itertuples()]
    return [*lines, ""]


def misses_section(table: pd.DataFrame) -> list[str]:
    """What the model does not reproduce: each emergent figure beyond ±25%, with why, in words.

    The likely reason comes from the mapping file's ``[misses]``; a miss without one says so.
    """
    emergent = table[table["kind"] != fit.IDENTITY]
    missed = emergent[~emergent["passed"].astype(bool)]
    if missed.empty:
        return []
    lines = [
        _("## What the model does not reproduce"),
        "",
        _(
            "Every emergent figure (in the fit or held out) off by more than ±{near}, with the "
            "likely reason in words (the mapping file's `[misses]`)."
        ).format(near=_share(PASS_BAND)),
        "",
        _("| structure | indicator | year | observed | simulated median | error | likely reason |"),
        "|---|---|---|---:|---:|---:|---|",
    ]
    unknown = _("none recorded yet (the mapping file has no [misses] entry for it)")
    for row in missed.itertuples():
        lines.append(
            f"| {row.structure} | {row.indicator} | {row.period} | {_number(row.observed)} | "
            f"{_number(row.simulated_median)} | {_percent(row.relative_error)} | "
            f"{row.likely_reason or unknown} |"
        )
    return [*lines, ""]


def _figure_row(row) -> str:  # noqa: ANN001 - a row of the target table (itertuples)
    """A compared figure's row: observed, simulated median and interval, error and its mark."""
    mark = "✅" if row.passed else ("❌" if row.beyond_50 else "⚠️")
    return (
        f"| {row.structure} | {row.indicator} | {row.period} | {_number(row.observed)} | "
        f"{_number(row.simulated_median)} | {_number(row.simulated_q05)} - "
        f"{_number(row.simulated_q95)} | {_percent(row.relative_error)} | {mark} |"
    )


def identities_section(table: pd.DataFrame) -> list[str]:
    """The report's list of identities: each figure with its derivation and simulated value."""
    rows = fit.identities(table)
    if rows.empty:
        return []
    lines = [
        _("## Identities (not counted in the fit)"),
        "",
        _(
            "Figures that follow from the scenario's inputs or from another figure, as the model "
            "is written: they cannot tell whether the model is right, so the fit score leaves "
            "them out. Each is given with its derivation (from the mapping file's "
            "`[identities]`)."
        ),
        "",
        _("| structure | indicator | year | observed | simulated median | error | derivation |"),
        "|---|---|---|---:|---:|---:|---|",
    ]
    for row in rows.itertuples():
        lines.append(
            f"| {row.structure} | {row.indicator} | {row.period} | {_number(row.observed)} | "
            f"{_number(row.simulated_median)} | {_percent(row.relative_error)} | "
            f"{row.derivation} |"
        )
    return [*lines, ""]


def net_section(net: Additionality, settings: PatternSettings) -> list[str]:
    """The gross-to-net section of the report: a sentence, three tables and how to read them."""
    years = [y for y in settings.counterfactual_years if net.first_year <= y <= net.last_year]
    lines = [
        _("### Gross and net jobs (additionality)"),
        "",
        _(
            "The same pairs of runs counted the way evaluators do: gross jobs are the jobs in the "
            "pole's structures and mechanisms, net jobs the extra residents in work."
        )
        + " "
        + additionality.headline(net, *map(_, NET_NAMES)),
        "",
    ]
    for table in additionality.report_tables(net, years or [net.last_year]):
        lines += table.markdown()
    lines += [f"- {_(note)}" for note in additionality.NOTES]
    lines += [_("- The figures are in `{file}`.").format(file=ADDITIONALITY_CSV), ""]
    return lines


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "figure.dpi": 110}
COLOURS = {
    "passed": "#1b7837",
    "near": "#e08214",
    "far": "#b2182b",
    "observed": "#000000",
    "identity": "#999999",
}


def _plot_targets(result: ValidationResult, path: Path) -> Path:
    """Simulated median and interval over the observed value, one line per figure (log scale)."""
    plt = _pyplot()
    table = result.table
    low, high = 0.1, 10.0
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 0.32 * len(table) + 1.6))
        ax.axvspan(1 - FAR_BAND, 1 + FAR_BAND, color="#fee0b6", alpha=0.5, lw=0)
        ax.axvspan(1 - PASS_BAND, 1 + PASS_BAND, color="#d9f0d3", alpha=0.9, lw=0)
        ax.axvline(1.0, color=COLOURS["observed"], lw=1)
        for i, row in enumerate(table.itertuples()):
            y = len(table) - 1 - i
            ratios = np.clip(
                np.array([row.simulated_q05, row.simulated_median, row.simulated_q95])
                / row.observed,
                low,
                high,
            )
            if not np.isfinite(ratios).all():
                ax.text(low, y, " " + _("no simulated value"), va="center", color=COLOURS["far"])
                continue
            colour = COLOURS["passed" if row.passed else ("far" if row.beyond_50 else "near")]
            if row.kind == fit.IDENTITY:
                colour = COLOURS["identity"]
            ax.plot([ratios[0], ratios[2]], [y, y], color=colour, lw=2, solid_capstyle="butt")
            ax.plot(ratios[1], y, "o", color=colour, ms=6)
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.set_yticks(range(len(table)))
        ax.set_yticklabels(
            [
                (
                    f"{r.indicator} ({r.period})"
                    if r.model_structure == TERRITORY
                    else f"{r.model_structure}: {r.indicator} ({r.period})"
                )
                + (" " + _("[identity]") if r.kind == fit.IDENTITY else "")
                for r in table.iloc[::-1].itertuples()
            ]
        )
        ticks = [0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 4, 10]
        ax.set_xticks(ticks)
        ax.set_xticklabels([number(t, None) for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel(
            _(
                "simulated / observed: dot = median, line = 5%-95% over seeds\n"
                "shaded: within ±{near} (green) and ±{far} (orange); grey: identities, not "
                "counted in the fit"
            ).format(near=percent(PASS_BAND, 0), far=percent(FAR_BAND, 0))
        )
        ax.set_title(
            ngettext(
                "{scenario}: {n} seed, scale {scale}",
                "{scenario}: {n} seeds, scale {scale}",
                len(result.seeds),
            ).format(
                scenario=result.scenario.run.name,
                n=len(result.seeds),
                scale=number(result.scale, None),
            )
        )
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)
    return path


def _plot_structures(result: ValidationResult, path: Path) -> Path:
    """Each named structure's employees over time (median and 5%-95%), with observed points."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    created = structure_creation(result.scenario)
    last = result.scenario.run.end_year
    names = list(created)
    ncols = min(4, max(1, len(names)))
    nrows = max(1, math.ceil(len(names) / ncols))
    observed = result.table[result.table["column"].isin(PERSON_COLUMNS)]
    palette = dict(zip(PERSON_COLUMNS, ("#2166ac", "#762a83", "#1b7837", "#e08214"), strict=True))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 2.8 * nrows), squeeze=False)
        for ax in axes.flat[len(names) :]:
            ax.set_visible(False)
        for ax, name in zip(axes.flat, names, strict=False):
            first = created[name][0]
            years = np.arange(first, last + 1)
            own = observed[observed["model_structure"] == name]
            columns = ["employees", *[c for c in own["column"].unique() if c != "employees"]]
            for column in columns:
                stack = (
                    np.array(
                        [
                            _structure_series(run.structures, name, column)
                            .reindex(years, fill_value=0.0)
                            .to_numpy(dtype=float)
                            for run in result.runs
                        ]
                    )
                    / result.scale
                )
                colour = palette[column]
                ax.fill_between(
                    years,
                    np.nanquantile(stack, QUANTILES[0], axis=0),
                    np.nanquantile(stack, QUANTILES[1], axis=0),
                    color=colour,
                    alpha=0.2,
                    lw=0,
                )
                ax.plot(
                    years,
                    np.nanmedian(stack, axis=0),
                    color=colour,
                    lw=1.5,
                    label=_(STAFF_LABELS.get(column, column)),
                )
            for row in own.itertuples():
                ax.plot(row.year, row.observed, "D", color=palette[row.column], mec="black", ms=6)
            ax.set_title(name)
            ax.set_xlim(min(first, last - 1), last)
            ax.set_ylim(bottom=0)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
            ax.grid(alpha=0.3)
            if len(columns) > 1:
                ax.legend(fontsize=7, frameon=False, loc="best")
        fig.supxlabel(_("year"))
        fig.supylabel(_("persons (full-scale equivalent)"))
        fig.suptitle(
            _(
                "Named structures' staff: simulated median (line) and 5%-95% over seeds (band); "
                "◆ observed"
            )
        )
        fig.tight_layout()
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)
    return path


def _plot_counterfactual(result: ValidationResult, path: Path) -> Path:
    """Employment and unemployment rate over time, with and without cooperation."""
    plt = _pyplot()
    years = result.runs[0].territory["year"].to_numpy(dtype=int)
    variants = (
        (_("with cooperation"), result.runs, "#2166ac"),
        (_("without cooperation"), result.counterfactual_runs, "#b2182b"),
    )
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
        for label, runs, colour in variants:
            for ax, column, factor in (
                (top, "employed", 1.0 / result.scale),
                (bottom, "unemployment_rate", 100.0),
            ):
                stack = (
                    np.array(
                        [
                            _territory_series(run.territory, column).reindex(years).to_numpy()
                            for run in runs
                        ]
                    )
                    * factor
                )
                ax.fill_between(
                    years,
                    np.quantile(stack, QUANTILES[0], axis=0),
                    np.quantile(stack, QUANTILES[1], axis=0),
                    color=colour,
                    alpha=0.2,
                    lw=0,
                )
                ax.plot(years, np.median(stack, axis=0), color=colour, lw=1.5, label=label)
        for year in result.settings.counterfactual_years:
            for ax in (top, bottom):
                ax.axvline(year, color="grey", lw=0.8, ls=":")
        top.set(ylabel=_("employed persons (full scale)"), title=_("Employment"))
        bottom.set(ylabel=_("unemployment rate (%)"), xlabel=_("year"), title=_("Unemployment"))
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
            ax.legend(frameon=False)
        fig.suptitle(
            ngettext(
                "{scenario}: with and without cooperation (same {n} seed; median and 5%-95%)",
                "{scenario}: with and without cooperation (same {n} seeds; median and 5%-95%)",
                len(result.seeds),
            ).format(scenario=result.scenario.run.name, n=len(result.seeds))
        )
        fig.tight_layout()
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)
    return path


# ------------------------------------------------------------------------------------------------
# Command


EXIT_FIT_OK = 0
EXIT_FIT_NOT_MET = 1
EXIT_BAD_INPUT = 2


RATES_NAME = "unemployment_france_landes.toml"
"""The observed unemployment rates read, by default, beside the targets file."""


def _stamp(reference_path: str | Path | None) -> str | None:
    """The stamp of the reference digests, if the file is there."""
    from ptce_sim.runs.reference import current_stamp

    return current_stamp(reference_path)


def _bad_run_options(replicates: int | None, workers: int, scale: float | None) -> str | None:
    """What is wrong with a command's replicates, workers and scale (``None``: nothing)."""
    if replicates is not None and replicates < 1:
        return f"--replicates: expected at least 1, got {replicates}"
    if workers < 1:
        return f"workers: expected at least 1, got {workers}"
    if scale is not None and not (isinstance(scale, int | float) and 0 < scale <= 10):
        return f"--scale: expected a number in (0, 10], got {scale!r}"
    return None


def run_validate_command(
    scenario_path: str | Path,
    targets_path: str | Path,
    replicates: int | None = None,
    scale: float | None = None,
    out: str | Path | None = None,
    workers: int = 1,
    *,
    mapping_path: str | Path | None = None,
    reference_path: str | Path | None = None,
    show_progress: bool = True,
    lang: str = DEFAULT,
    unemployment_path: str | Path | None = None,
    posterior_path: str | Path | None = None,
) -> int:
    """Body of ``ptce-sim validate SCENARIO TARGETS [--replicates N] [--scale X] [--out DIR]``.

    Validates the scenario, writes the report and prints a summary.

    Args:
        scenario_path: the scenario file.
        targets_path: the targets file (its mapping is ``<stem>_mapping.toml`` beside it).
        replicates: number of seeds (0 .. N-1); default 20.
        scale: the runs' scale; default the scenario's.
        out: the report's folder; default ``results/<scenario name>/validation``.
        workers: worker processes.
        mapping_path: the mapping file, if not beside the targets file.
        reference_path: the reference digests whose stamp the report states (default
            ``tests/reference/digests.json`` when it exists).
        show_progress: draw a progress bar on standard error.
        lang: the report's and the charts' language (see :func:`write_report`).
        unemployment_path: observed unemployment rates to set the simulated rate beside
            (default :data:`RATES_NAME` beside the targets file, when it exists).
        posterior_path: a calibration's posterior sample each seed draws its calibrated
            parameters from (see :func:`validate`); ``None``: the scenario's values.

    Returns:
        0 when the report is written and the fit meets the goal (at least 80% of the figures
        within ±25%, none beyond ±50%); 1 when the report is written but the goal is not met;
        2 when an input is invalid (the message is printed on standard error).
    """
    from ptce_sim.config.scenario_io import ScenarioError, load_scenario
    from ptce_sim.studies.posterior import load_posterior
    from ptce_sim.studies.targets import load_targets

    problem = _bad_run_options(replicates, workers, scale)
    if problem:
        print(f"ptce-sim: error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        scenario = load_scenario(scenario_path)
        targets = load_targets(targets_path, mapping_path)
        if unemployment_path is None:
            unemployment_path = Path(targets_path).with_name(RATES_NAME)
            unemployment_path = unemployment_path if unemployment_path.is_file() else None
        rates = None if unemployment_path is None else unemployment.load_rates(unemployment_path)
        posterior = None if posterior_path is None else load_posterior(posterior_path)
        if scale is not None:
            scenario = scenario.with_overrides(scale=scale)
        check_targets(targets, scenario)
        out_dir = (
            Path(out) if out is not None else Path("results") / scenario.run.name / "validation"
        )
        out_dir.mkdir(parents=True, exist_ok=True)  # a bad --out is reported before the runs
    except ScenarioError as exc:
        print(f"ptce-sim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"ptce-sim: error: {exc.filename or out}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT

    from tqdm import tqdm

    n = DEFAULT_REPLICATES if replicates is None else replicates
    with tqdm(
        total=2 * n, unit="run", disable=not show_progress, file=sys.stderr, desc="validate"
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        result = validate(
            scenario,
            targets,
            replicates=n,
            workers=workers,
            progress=progress,
            rates=rates,
            posterior=posterior,
        )
    files = write_report(result, out_dir, stamp=_stamp(reference_path), lang=lang)
    print(result.summary())
    print(f"report: {files[0]}")
    return EXIT_FIT_OK if result.goal_met else EXIT_FIT_NOT_MET


def run_displacement_command(
    scenario_path: str | Path,
    replicates: int = 10,
    scale: float | None = None,
    out: str | Path | None = None,
    workers: int = 1,
    *,
    reference_path: str | Path | None = None,
    show_progress: bool = True,
    lang: str = DEFAULT,
) -> int:
    """Body of ``ptce-sim displacement SCENARIO [--replicates N] [--scale X] [--out DIR]``.

    Net jobs of the pole at each level of displacement (:mod:`ptce_sim.studies.displacement`),
    the report in ``lang`` (``en`` or ``fr``).

    Returns:
        0 when the report is written; 2 when an input is invalid (the message is printed on
        standard error).
    """
    from ptce_sim.config.scenario_io import ScenarioError, load_scenario
    from ptce_sim.studies import displacement

    problem = _bad_run_options(replicates, workers, scale)
    if problem:
        print(f"ptce-sim: error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        scenario = load_scenario(scenario_path)
        if scale is not None:
            scenario = scenario.with_overrides(scale=scale)
        out_dir = Path(out) if out is not None else Path("results") / scenario.run.name
        out_dir.mkdir(parents=True, exist_ok=True)
    except ScenarioError as exc:
        print(f"ptce-sim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"ptce-sim: error: {exc.filename or out}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT

    from tqdm import tqdm

    seeds = tuple(range(replicates))
    total = 2 * len(displacement.LEVELS) * replicates
    with tqdm(
        total=total, unit="run", disable=not show_progress, file=sys.stderr, desc="displacement"
    ) as bar:

        def run(jobs: list[tuple[Scenario, int]]) -> list[pd.DataFrame]:
            def progress(done: int, _: int) -> None:
                bar.update(done - bar.n)

            return [territory for territory, _ in _run_jobs(jobs, workers, progress)]

        table = displacement.sweep(scenario, seeds, run=run)
    year = scenario.run.end_year
    report = displacement.write_report(
        table,
        out_dir,
        scenario=scenario,
        seeds=replicates,
        year=year,
        stamp=_stamp(reference_path) or "unrecorded",
        lang=lang,
    )
    print(f"net jobs at each level of displacement, {year}: report: {report}")
    return 0
