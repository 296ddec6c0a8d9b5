"""Net jobs at each level of displacement: the pole against no pole, same seeds, per level.

How many net jobs the pole makes depends most on how much of what its structures sell was
bought from classic firms before (displacement). This study sets every market's displacement, and
the incubated micro firms', to each level of the Additionality Guide's ready reckoner (none 0,
low 0.25, medium 0.5, high 0.75), runs the scenario and its counterfactual without the pole
(:meth:`~ptce_sim.config.scenario.Scenario.without_cooperation`) with the same seeds, and
decomposes each pair from gross to net jobs (:mod:`ptce_sim.studies.additionality`). The table
says, per level: residents in work with and without the pole, gross jobs, deadweight,
displacement, leakage and net jobs in a year, net job-years over the run, and the public cost per
net job; medians and 90% intervals over the pairs, counted at full scale. Since every level runs
the same seeds, it also gives, seed by seed, the net jobs at a level minus those at no
displacement: a paired contrast, much sharper than comparing the levels' intervals.

``ptce-sim displacement SCENARIO --replicates N --scale S --out DIR`` writes
``DIR/displacement.md`` and ``DIR/displacement.csv`` (``make validate`` runs it); ``--lang fr``
writes the report in French (the CSV keeps its English labels).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ptce_sim.config.scenario import DISPLACEMENT_LEVELS, Scenario
from ptce_sim.runs.atomic import write_text
from ptce_sim.runs.i18n import DEFAULT, N_, _, localise, ngettext, using
from ptce_sim.studies import additionality

LEVELS = (0.0, 0.25, 0.5, 0.75)
"""The levels of the ready reckoner that are studied (total displacement, 1, is left out)."""
ROWS = (
    ("with_pole", N_("residents in work, with the pole"), "persons"),
    ("without_pole", N_("residents in work, without the pole"), "persons"),
    ("gross", N_("gross jobs in the pole's structures and mechanisms"), "jobs"),
    ("deadweight", N_("− deadweight (the same jobs without the pole)"), "jobs"),
    ("displacement", N_("− displacement (classic jobs lost)"), "jobs"),
    ("leakage", N_("− leakage (jobs taken by non-residents)"), "jobs"),
    ("multiplier", N_("+ multiplier (local jobs induced by the new earnings)"), "jobs"),
    ("net", N_("= net additional jobs (more residents in work)"), "jobs"),
    ("net_vs_none", N_("net jobs minus those at no displacement (same seeds)"), "jobs"),
    ("net_job_years", N_("net job-years over the run"), "job-years"),
    ("cost_per_net_job", N_("public cost per net additional job (all funders)"), "EUR"),
)
"""One row of the report per indicator: name, label (a message, English in the table), unit."""
LEVEL_LABELS = {"none": N_("none"), "low": N_("low"), "medium": N_("medium"), "high": N_("high")}
"""The ready reckoner's level names as the report shows them (messages)."""
STATUS_LABELS = {
    additionality.NOT_MODELLED: N_("not modelled"),
    additionality.NOT_RECORDED: N_("not recorded"),
    additionality.NOT_SIGNIFICANT: N_("not significant"),
    additionality.SPENDS_LESS: N_("spends less"),
    additionality.NOT_AVAILABLE: N_("n/a"),
}
"""A cell without a figure shows its status (:mod:`ptce_sim.studies.additionality`) as a word."""


def at_displacement(scenario: Scenario, share: float) -> Scenario:
    """``scenario`` with every market's and the incubated firms' displacement set to ``share``."""
    data = scenario.model_dump(mode="python")
    for market in data["markets"]:
        market["displacement"] = share
    data["mechanisms"]["incubation"]["firm_displacement"] = share
    return Scenario.model_validate(data)


def sweep(
    scenario: Scenario,
    seeds: Sequence[int],
    *,
    year: int | None = None,
    levels: Sequence[float] = LEVELS,
    run: Callable[[list[tuple[Scenario, int]]], list[pd.DataFrame]],
) -> pd.DataFrame:
    """The pole against no pole at each displacement level.

    Args:
        scenario: the scenario (at the scale wanted).
        seeds: the pairs' seeds.
        year: the year of the yearly figures; default the run's last.
        levels: the displacement shares.
        run: runs ``(scenario, seed)`` jobs and returns their territory tables, in order.

    Returns:
        One row per level and indicator of :data:`ROWS`: ``displacement``, ``level``,
        ``indicator``, ``label``, ``unit``, ``status``, ``median``, ``q05``, ``q95``, ``pairs``.
    """
    year = scenario.run.end_year if year is None else year
    jobs: list[tuple[Scenario, int]] = []
    for share in levels:
        with_pole = at_displacement(scenario, share)
        jobs += [(with_pole.without_cooperation(), seed) for seed in seeds]
        jobs += [(with_pole, seed) for seed in seeds]
    tables = run(jobs)
    scale = scenario.run.scale

    def employed(start: int) -> list[float]:
        return [
            t.set_index("year").loc[year, "employed"] / scale for t in tables[start:][: len(seeds)]
        ]

    rows: list[dict[str, object]] = []
    baseline: pd.Series | None = None
    for i, share in enumerate(levels):
        start = 2 * i * len(seeds)
        reference = tables[start : start + len(seeds)]
        policy = tables[start + len(seeds) : start + 2 * len(seeds)]
        result = additionality.decompose(reference, policy, scale=scale, years=[year])
        values = {"with_pole": employed(start + len(seeds)), "without_pole": employed(start)}
        net = pd.Series(values["with_pole"]) - pd.Series(values["without_pole"])
        baseline = net if baseline is None else baseline
        values["net_vs_none"] = list(net - baseline)
        for indicator, label, unit in ROWS:
            rows.append(
                {
                    "displacement": share,
                    "level": _level_name(share),
                    "indicator": indicator,
                    "label": label,
                    "unit": unit,
                    **_figure(result, indicator, year, values),
                }
            )
    return pd.DataFrame(rows)


def _figure(
    result: additionality.Additionality,
    indicator: str,
    year: int,
    paired: dict[str, list[float]],
) -> dict[str, object]:
    """Median, 90% interval, pairs and status of one indicator.

    ``paired``: the indicators computed here, one value per pair.
    """
    if indicator in paired:
        values = pd.Series(paired[indicator], dtype=float)
        return {
            "status": additionality.ESTIMATED,
            "median": float(values.median()),
            "q05": float(values.quantile(0.05)),
            "q95": float(values.quantile(0.95)),
            "pairs": int(values.size),
        }
    if indicator == "net_job_years":
        row = result.row("net", None)
    elif indicator == "cost_per_net_job":
        row = result.row("cost_per_net_job_eur", None, additionality.TOTAL)
    else:
        row = result.row(indicator, year)
    return {k: row[k] for k in ("status", "median", "q05", "q95", "pairs")}


def _level_name(share: float) -> str:
    """The ready reckoner's name of a level (``medium``), or the share itself."""
    names = {v: k for k, v in DISPLACEMENT_LEVELS.items()}
    return names.get(share, f"{share:g}")


def markdown(table: pd.DataFrame, *, scenario: Scenario, seeds: int, year: int, stamp: str) -> str:
    """The report, in the language in force: a column per displacement level, a row per figure."""
    levels = list(dict.fromkeys(table["displacement"]))
    header = " | ".join(f"{_level_label(share)} ({localise(f'{share:.0%}')})" for share in levels)
    lines = [
        _("# Net jobs at each level of displacement: {title}").format(
            title=scenario.run.title or scenario.run.name
        ),
        "",
        _(
            "Made by `ptce-sim displacement` with reference stamp `{stamp}` (see "
            "`docs/CHANGES.md`)."
        ).format(stamp=stamp),
        "",
        ngettext(
            "{pairs} pair of runs (the pole, and the same territory without it: every "
            "cooperation mechanism off), same seed, at scale {scale}, counted at full scale.",
            "{pairs} pairs of runs (the pole, and the same territory without it: every "
            "cooperation mechanism off), same seeds, at scale {scale}, counted at full scale.",
            seeds,
        ).format(pairs=seeds, scale=localise(f"{scenario.run.scale:g}"))
        + " "
        + _(
            "Every market's displacement and the incubated micro firms' are set to the level of "
            "the column (the Additionality Guide's ready reckoner); the scenario's own levels are "
            "given in its file, market by market. Figures are for {year} unless said otherwise: "
            "median over the pairs, 90% interval in brackets. Gross jobs are the jobs of the "
            "pole's structures and mechanisms; net jobs are the residents in work the pole adds "
            "(with the pole minus without it, pair by pair)."
        ).format(year=year),
        "",
        f"| | {header} |",
        "|---|" + "---:|" * len(levels),
    ]
    for indicator, label, unit in ROWS:
        cells = []
        for share in levels:
            row = table[(table["displacement"] == share) & (table["indicator"] == indicator)]
            cells.append(_cell(row.iloc[0], unit))
        lines.append(f"| {_(label)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        _(
            "The first level ({level}) is the base of the paired contrast: at each other level, "
            "pair by pair (same seed), its net jobs minus the base level's. A cost per net job is "
            "given only when the net jobs' 90% interval lies above 0 (else *not significant*)."
        ).format(level=_level_label(levels[0])),
        "",
    ]
    return "\n".join(lines)


def _level_label(share: float) -> str:
    """The name of a level in the language in force (the share itself when it has none)."""
    name = _level_name(share)
    return _(LEVEL_LABELS[name]) if name in LEVEL_LABELS else localise(name)


def _cell(row: pd.Series, unit: str) -> str:
    """A figure as ``median [q05; q95]``, or its status when there is no figure."""
    status = row["status"]
    if status != additionality.ESTIMATED or not math.isfinite(row["median"]):
        return _(STATUS_LABELS.get(status, str(status)))
    return _("{median} [{low}; {high}]").format(
        median=_number(row["median"], unit),
        low=_number(row["q05"], unit),
        high=_number(row["q95"], unit),
    )


def _number(value: float, unit: str) -> str:
    """A rounded figure, in euros when ``unit`` is EUR, in the language in force."""
    figure = localise(f"{value:,.0f}")
    return _("€{amount}").format(amount=figure) if unit == "EUR" else figure


def write_report(
    table: pd.DataFrame,
    out: str | Path,
    *,
    scenario: Scenario,
    seeds: int,
    year: int,
    stamp: str,
    lang: str = DEFAULT,
) -> Path:
    """Write ``displacement.md`` (in ``lang``) and ``displacement.csv`` into ``out``; the report."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "displacement.csv", table.to_csv(index=False))
    report = folder / "displacement.md"
    with using(lang):
        text = markdown(table, scenario=scenario, seeds=seeds, year=year, stamp=stamp)
    write_text(report, text)
    return report
