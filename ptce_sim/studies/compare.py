"""Compare funding scenarios for policy staff: paired runs, differences with intervals, a report.

Each scenario runs with the same seeds (common random numbers: replicate ``r`` of every scenario
draws the same random numbers where the scenarios agree), so that the difference between two
scenarios on replicate ``r`` is mostly the effect of what differs between them. The first
scenario is the reference; every other one is compared with it on:

* jobs created or secured by the pole's mechanisms over the run (GE posts in place at the end,
  GEIQ hires, insertion exits to work, incubated activities, internalised posts);
* people in work and the unemployment rate (in the last year and on average);
* jobs in ESS structures in the last year;
* public money spent over the run, and the **public cost per gross job created** (the former
  divided by the jobs created, before deadweight and displacement);
* the self-financing ratio of the pole's structures in the last year (sales and fees over
  sales, fees and aid);
* **resilience** to each shock of the timeline, with the measures of Martin (2012) from
  :mod:`ptce_sim.runs.resilience`: resistance (employment below its pre-shock trend at the trough),
  recovery (months to get back to the pre-shock level, share of the loss made up after five
  years) and renewal (post-shock growth minus pre-shock growth).

Each compared scenario also gets the **gross to net** decomposition of the Additionality Guide
(:mod:`ptce_sim.studies.additionality`): gross jobs in the pole's structures and mechanisms, minus
deadweight, displacement and leakage, plus the multiplier, gives the net additional jobs (more
residents in work), by group (young people, the PLIE's public of long-term unemployed, the RSA
proxy), with the public cost per net job and per net job-year for each funder and in total; each
figure is the median over the pairs with the 5%-95% quantiles of the paired values.

Counts and money are full-scale equivalents (divided by the run's scale). Each difference is the
mean over replicates of the paired differences, with a **90% interval** for that mean (Student's
t over the paired replicates; with one replicate there is none), and is told in a plain
sentence. The report is ``report.html`` with PNG charts and a Markdown copy ``report.md``; the
figures are in ``comparison.csv``, the decomposition in ``additionality.csv`` (one row per
scenario, year or period, indicator and funder) and its paired values in
``additionality_pairs.parquet``; the runs in ``batch/`` (a batch folder, resumable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.runs.atomic import replacing, write_text
from ptce_sim.runs.i18n import (
    DEFAULT,
    N_,
    _,
    check_language,
    money,
    ngettext,
    number,
    percent,
    using,
)
from ptce_sim.runs.reference import current_stamp
from ptce_sim.studies import additionality
from ptce_sim.studies.batch import (
    BatchReport,
    Progress,
    load_batch,
    read_manifest,
    run_batch,
    run_files,
    run_metadata,
)
from ptce_sim.studies.experiment import Experiment
from ptce_sim.studies.reduced_scale import scale_note

LEVEL = 0.90
NEEDED = (
    "employed",
    "unemployment_rate",
    "classic_jobs",
    "ess_headcount",
    "public_funding_eur",
    "self_financing_ratio",
    "jobs_created_or_secured",
    "ge_posts",
)
RESILIENCE = ("resistance", "recovery_months", "recovered_share_5y", "renewal")


@dataclass(frozen=True)
class Metric:
    """An indicator compared between scenarios.

    Attributes:
        key: column of the per-run table.
        label: how the report names it.
        unit: ``jobs``, ``eur``, ``points`` (percentage points), ``months`` or ``points/year``.
    """

    key: str
    label: str
    unit: str


@dataclass
class Difference:
    """A paired difference (scenario minus reference) over the replicates.

    Attributes:
        metric: what is compared.
        reference: the reference scenario's name.
        scenario: the compared scenario's name.
        mean_reference: the reference's mean.
        mean_scenario: the scenario's mean.
        mean: mean of the paired differences.
        low: lower end of the 90% interval of ``mean`` (NaN with fewer than 2 pairs).
        high: upper end.
        spread_low: 5% quantile of the paired differences.
        spread_high: 95% quantile of the paired differences.
        pairs: replicates where both values are defined.
        replicates: replicates run.
        shock: the shock, for resilience measures.
        random_sd: standard deviation of the paired differences due to the random draws
            alone, and ``parameter_sd`` that due to the calibrated parameters
            (:func:`ptce_sim.studies.posterior.split_variance`); NaN unless the replicates
            drew from a posterior with two or more seeds per draw.
    """

    metric: Metric
    reference: str
    scenario: str
    mean_reference: float
    mean_scenario: float
    mean: float
    low: float
    high: float
    spread_low: float
    spread_high: float
    pairs: int
    replicates: int
    shock: str = ""
    random_sd: float = math.nan
    parameter_sd: float = math.nan


@dataclass
class Comparison:
    """A finished comparison: the differences, the sentences and the files written."""

    out: Path
    differences: list[Difference] = field(default_factory=list)
    sentences: dict[str, list[str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    batch: BatchReport | None = None


# --------------------------------------------------------------------------------------------
# Per-run figures
# --------------------------------------------------------------------------------------------


def _metrics(start: int, end: int) -> list[Metric]:
    """The headline indicators, labelled in the language in force."""
    span = f"{start}-{end}"
    return [
        Metric(
            "jobs_created",
            _("jobs created or secured by the pole, {span}").format(span=span),
            "jobs",
        ),
        Metric("employed_end", _("people in work in {end}").format(end=end), "jobs"),
        Metric(
            "unemployment_rate_end", _("unemployment rate in {end} (%)").format(end=end), "points"
        ),
        Metric(
            "unemployment_rate_mean",
            _("average unemployment rate, {span} (%)").format(span=span),
            "points",
        ),
        Metric("ess_jobs_end", _("ESS jobs in {end}").format(end=end), "jobs"),
        Metric("public_money_eur", _("public money spent, {span}").format(span=span), "eur"),
        Metric("cost_per_job_eur", _("public cost per gross job created"), "eur"),
        Metric(
            "self_financing_end", _("self-financing ratio in {end} (%)").format(end=end), "points"
        ),
    ]


RESILIENCE_METRICS = {
    "resistance": Metric(
        "resistance", N_("resistance: employment vs pre-shock trend (%)"), "points"
    ),
    "recovery_months": Metric("recovery_months", N_("months to recover"), "months"),
    "recovered_share_5y": Metric(
        "recovered_share_5y", N_("share of the loss made up after 5 years (%)"), "points"
    ),
    "renewal": Metric(
        "renewal", N_("renewal: post- minus pre-shock growth (% a year)"), "points/year"
    ),
}
"""The resilience indicators (labels: messages, translated when a comparison is made)."""


def headline_figures(frame: Any, scale: float) -> dict[str, float]:
    """The headline figures of one run's yearly territory table, full-scale equivalents."""
    import numpy as np

    frame = frame.sort_values("year")
    flows = float(frame["jobs_created_or_secured"].sum() - frame["ge_posts"].sum())
    jobs = (flows + float(frame["ge_posts"].iloc[-1])) / scale
    public = float(frame["public_funding_eur"].sum()) / scale
    ratio = frame["self_financing_ratio"].to_numpy(dtype=float)
    finite = ratio[np.isfinite(ratio)]
    return {
        "jobs_created": jobs,
        "employed_end": float(frame["employed"].iloc[-1]) / scale,
        "unemployment_rate_end": 100.0 * float(frame["unemployment_rate"].iloc[-1]),
        "unemployment_rate_mean": 100.0 * float(frame["unemployment_rate"].mean()),
        "ess_jobs_end": float(frame["ess_headcount"].iloc[-1]) / scale,
        "public_money_eur": public,
        "cost_per_job_eur": public / jobs if jobs > 0 else float("nan"),
        "self_financing_end": 100.0 * float(finite[-1]) if finite.size else float("nan"),
    }


def run_figures(path: Path, scale: float) -> dict[str, Any]:
    """The compared figures of one run file (full-scale equivalents)."""
    import pyarrow.parquet as pq

    frame = pq.read_table(path, columns=["year", *NEEDED]).to_pandas()
    meta = run_metadata(path)
    figures: dict[str, Any] = {
        "scenario": meta["scenario"],
        "replicate": meta["replicate"],
        "seed": meta["seed"],
        **headline_figures(frame, scale),
    }
    start = int(meta.get("start_year", 0))
    for record in meta.get("resilience", []):
        month = int(record["shock_month"])
        key = f"{record['shock']} ({start + month // 12:04d}-{month % 12 + 1:02d})"
        for measure in RESILIENCE:
            value = record.get(measure)
            value = float("nan") if value is None else float(value)
            if measure != "recovery_months":
                value *= 100.0
            figures[f"{measure}|{key}"] = value
    return figures


# --------------------------------------------------------------------------------------------
# Differences
# --------------------------------------------------------------------------------------------


def paired(reference: Any, other: Any) -> tuple[float, float, float, float, float, int]:
    """Statistics of the paired differences ``other - reference`` (NaN pairs left out).

    Returns:
        Their mean, the 90% interval of the mean (Student's t), their 5% and 95% quantiles
        and the number of pairs.
    """
    import numpy as np
    from scipy import stats

    diff = np.asarray(other, dtype=float) - np.asarray(reference, dtype=float)
    diff = diff[np.isfinite(diff)]
    n = int(diff.size)
    if n == 0:
        return (math.nan,) * 5 + (0,)
    mean = float(diff.mean())
    spread = np.quantile(diff, [0.05, 0.95])
    if n < 2:
        return mean, math.nan, math.nan, float(spread[0]), float(spread[1]), n
    half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1) * diff.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, float(spread[0]), float(spread[1]), n


def differences(
    per_run: Any, names: list[str], start: int, end: int, seeds_per_draw: int = 1
) -> list[Difference]:
    """Every scenario after the first compared with the first, metric by metric.

    ``seeds_per_draw`` ≥ 2: the replicates drew their parameters from a posterior, that many
    consecutive replicates per draw; each difference's spread is then split into its random
    and parameter parts (:func:`ptce_sim.studies.posterior.split_variance`).
    """
    import numpy as np

    from ptce_sim.studies.posterior import split_variance

    reference = names[0]
    table = per_run.set_index(["scenario", "replicate"]).sort_index()
    replicates = sorted(set(per_run["replicate"]))
    result = []
    shock_columns = [c for c in per_run.columns if "|" in c]
    for name in names[1:]:
        both = [r for r in replicates if (reference, r) in table.index and (name, r) in table.index]
        a = table.loc[[(reference, r) for r in both]]
        b = table.loc[[(name, r) for r in both]]
        if not np.array_equal(a["seed"].to_numpy(), b["seed"].to_numpy()):
            raise ScenarioError("paired runs have different seeds; the batch is not a comparison")
        metrics = [(m, "") for m in _metrics(start, end)]
        for column in shock_columns:
            measure, shock = column.split("|", 1)
            metrics.append(
                (
                    Metric(
                        column,
                        _(RESILIENCE_METRICS[measure].label),
                        RESILIENCE_METRICS[measure].unit,
                    ),
                    shock,
                )
            )
        for metric, shock in metrics:
            if metric.key not in a.columns or metric.key not in b.columns:
                continue
            x = a[metric.key].to_numpy(dtype=float)
            y = b[metric.key].to_numpy(dtype=float)
            mean, low, high, s_low, s_high, n = paired(x, y)
            random_sd, parameter_sd = (
                split_variance(y - x, np.asarray(both) // seeds_per_draw)
                if seeds_per_draw >= 2
                else (math.nan, math.nan)
            )
            with np.errstate(all="ignore"):
                result.append(
                    Difference(
                        metric,
                        reference,
                        name,
                        float(np.nanmean(x)) if np.isfinite(x).any() else math.nan,
                        float(np.nanmean(y)) if np.isfinite(y).any() else math.nan,
                        mean,
                        low,
                        high,
                        s_low,
                        s_high,
                        n,
                        len(both),
                        shock,
                        random_sd,
                        parameter_sd,
                    )
                )
    return result


# --------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------


def _sig(x: float, digits: int = 2) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, -int(math.floor(math.log10(abs(x)))) + digits - 1)


def fmt(value: float, unit: str) -> str:
    """A magnitude in its unit, rounded for reading (no sign), in the language in force."""
    value = abs(value)
    if unit == "jobs":
        return number(value, 0 if value >= 10 else 1)
    if unit == "eur":
        return money(_sig(value, 2 if value >= 1000 else 3))
    if unit == "months":
        return number(value, 1)
    return number(value, 2)


def _signed(value: float, unit: str) -> str:
    sign = "−" if value < 0 else "+"
    return f"{sign}{fmt(value, unit)}"


def interval_text(d: Difference) -> str:
    """`` (90% interval 80–160)``, or why there is none, or that it includes no difference."""
    if d.pairs < 2 or not math.isfinite(d.low):
        return _(" (one replicate: no interval)") if d.pairs == 1 else ""
    unit = d.metric.unit
    if d.low > 0 or d.high < 0:
        low, high = sorted((abs(d.low), abs(d.high)))
        return _(" (90% interval {low}–{high})").format(low=fmt(low, unit), high=fmt(high, unit))
    return _(" (90% interval {low} to {high}: not clearly different from {reference})").format(
        low=_signed(d.low, unit), high=_signed(d.high, unit), reference=d.reference
    )


def _partial(d: Difference) -> str:
    if 0 < d.pairs < d.replicates:
        return _(" [in the {pairs} of {replicates} replicates where it is defined]").format(
            pairs=d.pairs, replicates=d.replicates
        )
    return ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


SENTENCES = {
    "employed_end": (
        N_("{b} has {size} more people in work than {a} at the end{ci}."),
        N_("{b} has {size} fewer people in work than {a} at the end{ci}."),
    ),
    "unemployment_rate_end": (
        N_("Unemployment at the end is {size} points higher in {b} than in {a}{ci}."),
        N_("Unemployment at the end is {size} points lower in {b} than in {a}{ci}."),
    ),
    "unemployment_rate_mean": (
        N_(
            "Over the whole period, unemployment averages {size} points higher in "
            "{b} than in {a}{ci}."
        ),
        N_(
            "Over the whole period, unemployment averages {size} points lower in "
            "{b} than in {a}{ci}."
        ),
    ),
    "ess_jobs_end": (
        N_(
            "{b} has {size} more jobs in the social and solidarity economy (ESS) "
            "than {a} at "
            "the end{ci}."
        ),
        N_(
            "{b} has {size} fewer jobs in the social and solidarity economy (ESS) "
            "than {a} at "
            "the end{ci}."
        ),
    ),
    "public_money_eur": (
        N_("{b} spends {size} more public money than {a} over the period{ci}."),
        N_("{b} spends {size} less public money than {a} over the period{ci}."),
    ),
    "cost_per_job_eur": (
        N_("Each job created costs {size} more public money in {b} than in {a}{ci}."),
        N_("Each job created costs {size} less public money in {b} than in {a}{ci}."),
    ),
    "self_financing_end": (
        N_(
            "At the end, the pole's structures in {b} earn {size} points more of "
            "their income "
            "from their own sales and fees than in {a}{ci}."
        ),
        N_(
            "At the end, the pole's structures in {b} earn {size} points less of "
            "their income "
            "from their own sales and fees than in {a}{ci}."
        ),
    ),
    "resistance": (
        N_(
            "When {shock} hits, employment in {b} ends up {size} points less below its "
            "pre-shock trend than in {a}{ci}."
        ),
        N_(
            "When {shock} hits, employment in {b} ends up {size} points further below its "
            "pre-shock trend than in {a}{ci}."
        ),
    ),
    "recovery_months": (
        N_(
            "After {shock}, {b} gets back to its pre-shock employment {size} "
            "months later than {a}{ci}."
        ),
        N_(
            "After {shock}, {b} gets back to its pre-shock employment {size} "
            "months sooner than {a}{ci}."
        ),
    ),
    "recovered_share_5y": (
        N_(
            "Five years after {shock}, {b} has made up {size} points more of the "
            "jobs lost than {a}{ci}."
        ),
        N_(
            "Five years after {shock}, {b} has made up {size} points less of the "
            "jobs lost than {a}{ci}."
        ),
    ),
    "renewal": (
        N_(
            "After {shock}, employment in {b} grows {size} points a year faster "
            "relative to its "
            "pre-shock trend than in {a}{ci}."
        ),
        N_(
            "After {shock}, employment in {b} grows {size} points a year slower "
            "relative to its "
            "pre-shock trend than in {a}{ci}."
        ),
    ),
}
"""The sentence of each indicator (resilience ones by measure): (when it is more, when less)."""


def _jobs_sentence(
    d: Difference, cost: Difference | None, money_diff: Difference | None, ci: str
) -> str:
    """The sentence of the jobs created, with the public cost per job (or the extra money)."""
    a, b, size = d.reference, d.scenario, fmt(d.mean, d.metric.unit)
    if abs(d.mean) < 1e-12:
        text = _("{b} creates as many jobs as {a}").format(a=a, b=b)
    elif d.mean > 0:
        text = _("{b} creates {size} more jobs than {a}{ci}").format(a=a, b=b, size=size, ci=ci)
    else:
        text = _("{b} creates {size} fewer jobs than {a}{ci}").format(a=a, b=b, size=size, ci=ci)
    if cost is not None and cost.pairs > 0:
        if abs(cost.mean) < 1e-9:
            text += _(" at the same public cost per job created")
        else:
            more = _(" at {size} more per job created{ci}")
            less = _(" at {size} less per job created{ci}")
            text += (more if cost.mean > 0 else less).format(
                size=fmt(cost.mean, "eur"), ci=interval_text(cost) + _partial(cost)
            )
    elif cost is not None:
        none = a if not math.isfinite(cost.mean_reference) else b
        text += _(
            "; {none} creates no job through the pole, so costs per job differ in kind"
        ).format(none=none)
        if math.isfinite(cost.mean_scenario):
            text += _("; in {b} the public cost is {cost} per job").format(
                b=b, cost=fmt(cost.mean_scenario, "eur")
            )
        if money_diff is not None and d.mean > 0 and math.isfinite(money_diff.mean):
            text += _("; the extra public money comes to {amount} per extra job").format(
                amount=fmt(money_diff.mean / d.mean, "eur")
            )
    return text + "."


def sentence(d: Difference, cost: Difference | None = None, money: Difference | None = None) -> str:
    """The plain-language sentence of one difference, in the language in force.

    Jobs created take the public cost per job along (``cost``); when that cannot be compared
    (a scenario creates no job through the pole), the extra public money (``money``) per extra
    job is given instead.
    """
    label = _capital(d.metric.label)
    if d.pairs == 0:
        if d.shock:
            return _(
                "{label} after {shock}: not measurable in these runs (no loss, or the run ends "
                "too soon after the shock)."
            ).format(label=label, shock=d.shock)
        return _("{label}: not defined in {b} or {a}.").format(
            label=label, b=d.scenario, a=d.reference
        )
    ci = interval_text(d) + _partial(d)
    if d.metric.key == "jobs_created":
        return _jobs_sentence(d, cost, money, ci)
    if abs(d.mean) < 1e-12:
        return _("{b} and {a} do not differ in {label}.").format(
            b=d.scenario, a=d.reference, label=d.metric.label
        )
    more, less = SENTENCES[d.metric.key.split("|", 1)[0]]
    return _(more if d.mean > 0 else less).format(
        a=d.reference, b=d.scenario, size=fmt(d.mean, d.metric.unit), ci=ci, shock=d.shock
    )


def sentences(diffs: list[Difference]) -> dict[str, list[str]]:
    """Sentences per compared scenario, headline first."""
    result: dict[str, list[str]] = {}
    for d in diffs:
        if d.metric.key == "cost_per_job_eur":
            continue

        def find(key: str, scenario: str = d.scenario) -> Difference | None:
            return next((c for c in diffs if c.scenario == scenario and c.metric.key == key), None)

        if d.metric.key == "jobs_created":
            text = sentence(d, find("cost_per_job_eur"), find("public_money_eur"))
        else:
            text = sentence(d)
        result.setdefault(d.scenario, []).append(text)
    return result


def write_report(batch_dir: str | Path, out: str | Path, lang: str = DEFAULT) -> Comparison:
    """Compare the scenarios of a finished comparison batch and write the report into ``out``.

    The report (its pages, charts and ``comparison.csv``'s labels) is in ``lang`` (``en`` or
    ``fr``, see :mod:`ptce_sim.runs.i18n`).

    Raises:
        ScenarioError: the batch is not a comparison (a parameter design, one scenario, or
            indicators it needs were not kept) or has no finished run.
        ValueError: a language not offered.
    """
    with using(lang):
        return _write_report(Path(batch_dir), Path(out))


@dataclass
class Analysis:
    """The figures of a finished comparison batch, in the language in force when made.

    Attributes:
        manifest: the batch's manifest.
        names: the scenarios, the reference first.
        scales: each scenario's scale.
        start: the reference's first year.
        end: its last year.
        per_run: the compared figures of each run (:func:`run_figures`).
        differences: the paired differences.
        sentences: plain sentences per compared scenario (gross to net first).
        net: gross to net jobs of each compared scenario.
    """

    manifest: dict
    names: list[str]
    scales: dict[str, float]
    start: int
    end: int
    per_run: Any
    differences: list[Difference]
    sentences: dict[str, list[str]]
    net: dict[str, additionality.Additionality]


def analyse(batch_dir: str | Path) -> Analysis:
    """The figures of a finished comparison batch (see :func:`write_report`).

    Its texts are in the language in force.

    Raises:
        ScenarioError: as :func:`write_report`.
    """
    import pandas as pd

    batch_dir = Path(batch_dir)
    manifest = read_manifest(batch_dir)
    names = list(manifest["scenarios"])
    if manifest["design"]["type"] != "none" or len(names) < 2:
        raise ScenarioError(
            f"{batch_dir}: a comparison needs two or more scenarios and no parameter design"
        )
    missing = [c for c in NEEDED if c not in manifest["keep"]]
    if missing:
        raise ScenarioError(f"{batch_dir}: a comparison needs the indicators {missing} kept")
    scales = {n: float(s["scale"]) for n, s in manifest["scenarios"].items()}
    files = run_files(batch_dir)
    if not files:
        raise ScenarioError(f"{batch_dir}: no finished run to compare")
    per_run = pd.DataFrame([run_figures(p, scales[run_metadata(p)["scenario"]]) for p in files])
    reference = manifest["scenarios"][names[0]]
    start, end = int(reference["start_year"]), int(reference["end_year"])
    diffs = differences(per_run, names, start, end, seeds_per_draw(manifest))
    words = sentences(diffs)
    used = ["scenario", "replicate", *additionality.columns_used(manifest["keep"])]
    net = net_effects(load_batch(batch_dir, columns=used), names, scales)
    for name, result in net.items():
        words.setdefault(name, []).insert(0, additionality.headline(result, names[0], name))
    return Analysis(manifest, names, scales, start, end, per_run, diffs, words, net)


def _write_report(batch_dir: Path, out: Path) -> Comparison:
    """:func:`write_report` in the language in force."""
    import pandas as pd

    from ptce_sim.studies import compare_report as render

    found = analyse(batch_dir)
    manifest, names, scales = found.manifest, found.names, found.scales
    start, end, per_run = found.start, found.end, found.per_run
    diffs, words, net = found.differences, found.sentences, found.net
    tables = {name: additionality.report_tables(result, [end]) for name, result in net.items()}
    if seeds_per_draw(manifest) >= 2:
        for name in names[1:]:
            tables.setdefault(name, []).append(uncertainty_table(diffs, name, start, end))
    out.mkdir(parents=True, exist_ok=True)
    yearly = load_batch(batch_dir, columns=["scenario", "replicate", "year", *NEEDED])
    images = ["trajectories.png", "differences.png"]
    render.plot_trajectories(yearly, names, scales, out / "trajectories.png")
    headline = [m.key for m in _metrics(start, end)]
    render.plot_differences(diffs, headline, out / "differences.png")
    if render.plot_resilience(per_run, names, out / "resilience.png"):
        images.append("resilience.png")
    replicates = int(manifest["replicates"])
    title = _("Comparison of {scenarios} with {reference}").format(
        scenarios=", ".join(names[1:]), reference=names[0]
    )
    scale_text = ", ".join(
        _("{scenario} at scale {scale}").format(scenario=n, scale=number(s, None))
        for n, s in scales.items()
    )
    intro = [
        ngettext(
            "{n} scenarios, {replicates} paired replicate each, {span}. The reference is "
            "{reference}.",
            "{n} scenarios, {replicates} paired replicates each, {span}. The reference is "
            "{reference}.",
            replicates,
        ).format(n=len(names), replicates=replicates, span=f"{start}-{end}", reference=names[0]),
        _(
            "Each replicate runs every scenario with the same seed (common random "
            "numbers), so a "
            "difference between scenarios on one replicate comes from what differs "
            "between them, "
            "not from chance."
        ),
    ]
    notes = [
        _(
            "Numbers of jobs and amounts of money are full-scale equivalents: "
            "simulated with "
            "{scales}, then divided by the scale."
        ).format(scales=scale_text),
        *([scale_note(min(scales.values()))] if min(scales.values()) < 1 else []),
        _(
            "A difference is the mean, over the replicates, of the paired "
            "difference (scenario "
            "minus reference). Its 90% interval is Student's t interval for that "
            "mean: with the "
            "same inputs and more replicates, the mean would fall in it 9 times "
            "out of 10. When "
            "it includes zero the scenarios are not clearly different at this number of "
            "replicates."
        ),
        _(
            "Jobs created or secured by the pole: GE posts in place at the end, GEIQ hires, "
            "insertion exits to work, incubated activities and internalised posts over the "
            "period. Public cost per gross job created: public money spent over the period "
            "divided by them, before deadweight and displacement (the net figures "
            "are in the "
            "gross-to-net tables)."
        ),
        posterior_note(manifest.get("posterior"), current_stamp()),
        *(_(note) for note in additionality.NOTES),
        _(
            "Self-financing ratio: sales and fees of the pole's structures over "
            "their sales, "
            "fees and public aid, in the last year."
        ),
        _(
            "Resilience (Martin 2012), on the 12-month moving average of "
            "employment: resistance "
            "is employment at the trough relative to the pre-shock trend; recovery "
            "the months "
            "until the pre-shock level is back and the share of the loss made up after five "
            "years; renewal the post-shock growth rate minus the pre-shock one (see "
            "ptce_sim/runs/resilience.py)."
        ),
        _(
            "The runs are in batch/ (one Parquet file each, with their seeds); "
            "comparison.csv "
            "holds the differences of this report, additionality.csv the gross and net jobs "
            "(every year and the period) and additionality_pairs.parquet their "
            "values pair by "
            "pair."
        ),
    ]
    write_text(
        out / "report.md", render.markdown(title, intro, diffs, words, images, notes, tables)
    )
    write_text(out / "report.html", render.page(title, intro, diffs, words, images, notes, tables))
    table = pd.DataFrame(
        [
            {
                "reference": d.reference,
                "scenario": d.scenario,
                "indicator": d.metric.key.split("|")[0],
                "shock": d.shock,
                "label": d.metric.label,
                "unit": d.metric.unit,
                "reference_mean": d.mean_reference,
                "scenario_mean": d.mean_scenario,
                "difference": d.mean,
                "interval_low": d.low,
                "interval_high": d.high,
                "spread_q05": d.spread_low,
                "spread_q95": d.spread_high,
                "pairs": d.pairs,
                "replicates": d.replicates,
                "random_sd": d.random_sd,
                "parameter_sd": d.parameter_sd,
            }
            for d in diffs
        ]
    )
    write_text(
        out / "comparison.csv", table.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    )
    written = [
        out / "report.html",
        out / "report.md",
        out / "comparison.csv",
        *write_net_effects(net, names[0], out),
        *[out / i for i in images],
    ]
    return Comparison(out=out, differences=diffs, sentences=words, files=written)


def uncertainty_table(
    diffs: list[Difference], scenario: str, start: int, end: int
) -> additionality.ReportTable:
    """The headline differences' spread split into random and parameter parts (one scenario)."""
    headline = {m.key for m in _metrics(start, end)}
    rows = []
    for d in diffs:
        if d.scenario != scenario or d.metric.key not in headline:
            continue
        total = d.random_sd**2 + d.parameter_sd**2
        share = d.parameter_sd**2 / total if total > 0 else math.nan
        rows.append(
            (
                d.metric.label,
                fmt(d.random_sd, d.metric.unit) if math.isfinite(d.random_sd) else _("n/a"),
                fmt(d.parameter_sd, d.metric.unit) if math.isfinite(d.parameter_sd) else _("n/a"),
                percent(share, 0) if math.isfinite(share) else _("n/a"),
            )
        )
    return additionality.ReportTable(
        _("Random and parameter uncertainty"),
        (
            _("difference"),
            _("standard deviation from the random draws"),
            _("standard deviation from the calibrated parameters"),
            _("parameters' share of the variance"),
        ),
        tuple(rows),
    )


def net_effects(
    yearly: Any, names: list[str], scales: dict[str, float]
) -> dict[str, additionality.Additionality]:
    """Gross to net jobs of each scenario after the first against the first, paired by replicate.

    Args:
        yearly: the batch's rows (``scenario``, ``replicate``, ``year`` and the indicators).
        names: the scenarios, the reference first.
        scales: each scenario's scale.
    """
    runs = {key: frame for key, frame in yearly.groupby(["scenario", "replicate"])}
    reference = names[0]
    result = {}
    for name in names[1:]:
        both = sorted(r for s, r in runs if s == name and (reference, r) in runs)
        if both:
            result[name] = additionality.decompose(
                [runs[(reference, r)] for r in both],
                [runs[(name, r)] for r in both],
                scale=scales[reference],
                policy_scale=scales[name],
                pair_ids=both,
            )
    return result


def write_net_effects(
    net: dict[str, additionality.Additionality], reference: str, out: Path
) -> list[Path]:
    """``additionality.csv`` (the summaries) and ``additionality_pairs.parquet`` (paired values)."""
    import pandas as pd

    def labelled(frame: Any, name: str) -> Any:
        frame = frame.rename(columns={"pair": "replicate"}) if "pair" in frame else frame
        return frame.assign(reference=reference, scenario=name)[
            ["reference", "scenario", *(c for c in frame.columns)]
        ]

    if not net:
        return []
    summary = pd.concat([labelled(r.table, n) for n, r in net.items()], ignore_index=True)
    pairs = pd.concat([labelled(r.pairs, n) for n, r in net.items()], ignore_index=True)
    csv, parquet = out / "additionality.csv", out / "additionality_pairs.parquet"
    write_text(csv, summary.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    with replacing(parquet) as tmp:
        pairs.to_parquet(tmp, index=False)
    return [csv, parquet]


def seeds_per_draw(manifest: dict) -> int:
    """Consecutive replicates sharing one posterior draw (1 without a posterior)."""
    return int((manifest.get("posterior") or {}).get("seeds_per_draw", 1))


def posterior_note(posterior: dict | None, stamp: str | None = None) -> str:
    """Which uncertainty the report's intervals include: with or without a posterior sample.

    ``stamp``: the reference stamp of the code making the report; a posterior calibrated on
    other results is said to be (:func:`ptce_sim.studies.posterior.stale_note`).
    """
    if posterior:
        from ptce_sim.studies.posterior import stale_note

        stale = stale_note(posterior.get("reference_stamp"), stamp)
        return _posterior_text(posterior) + ("" if stale is None else f" {stale}")
    return _(
        "The calibrated parameters are the scenarios' own values: the 90% intervals and the "
        "5-95% spreads cover the random draws only, not what the calibration leaves uncertain "
        "(compare with --posterior FILE to include it)."
    )


def _posterior_text(posterior: dict) -> str:
    """:func:`posterior_note` for a posterior sample, without what is said of its stamp."""
    text = _(
        "Each replicate drew the calibrated parameters from the posterior sample {file} "
        "(the same draw for every scenario of the replicate): the 90% intervals and the "
        "5-95% spreads include what the calibration leaves uncertain as well as the "
        "random draws."
    ).format(file=Path(posterior["file"]).name)
    per_draw = int(posterior.get("seeds_per_draw", 1))
    if per_draw >= 2:
        split = ngettext(
            "Each draw ran with {m} seed, so the table 'Random and parameter uncertainty' "
            "splits the spread of each difference into the random draws' part (within a "
            "draw) and the parameters' part (between draws).",
            "Each draw ran with {m} seeds, so the table 'Random and parameter uncertainty' "
            "splits the spread of each difference into the random draws' part (within a "
            "draw) and the parameters' part (between draws).",
            per_draw,
        ).format(m=per_draw)
    else:
        split = _(
            "Each replicate drew its own parameters, so the two kinds of uncertainty cannot be "
            "told apart (compare with --seeds-per-draw 2 or more to split them)."
        )
    return f"{text} {split}"


def compare(
    experiment: Experiment,
    out: str | Path,
    *,
    lang: str = DEFAULT,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    command: list[str] | None = None,
    nice: int = 0,
) -> Comparison:
    """Run the paired comparison of the experiment's scenarios and write its report.

    The runs go to ``<out>/batch`` (see :func:`ptce_sim.studies.batch.run_batch`; ``resume``
    completes them), the report to ``out``, in ``lang`` (see :func:`write_report`); ``nice``
    lowers the local workers' priority.

    Raises:
        ScenarioError: fewer than two scenarios, a parameter design, or a batch problem.
    """
    check_language(lang)  # before the runs, not after
    if len(experiment.scenarios) < 2 or experiment.design.type != "none":
        raise ScenarioError(
            f"{experiment.path or experiment.name}: a comparison needs two or more scenarios "
            "and no parameter design"
        )
    if experiment.spec.experiment.seeds != "common":
        raise ScenarioError(
            f"{experiment.path or experiment.name}: field 'experiment.seeds': a comparison "
            'needs seeds = "common" (paired runs)'
        )
    missing = [c for c in NEEDED if c not in experiment.keep]
    if missing:
        raise ScenarioError(
            f"{experiment.path or experiment.name}: field 'experiment.keep': a comparison "
            f"needs the indicators {missing}"
        )
    out = Path(out)
    batch = run_batch(
        experiment,
        out / "batch",
        workers=workers,
        scheduler=scheduler,
        resume=resume,
        progress=progress,
        command=command,
        nice=nice,
    )
    comparison = write_report(out / "batch", out, lang)
    comparison.batch = batch
    return comparison
