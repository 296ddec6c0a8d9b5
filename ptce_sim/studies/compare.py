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

LEVEL = 0.90
NEEDED = (
    "employed",
    "unemployment_rate",
    "classic_jobs",
    "ess_jobs",
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
    span = f"{start}-{end}"
    return [
        Metric("jobs_created", f"jobs created or secured by the pole, {span}", "jobs"),
        Metric("employed_end", f"people in work in {end}", "jobs"),
        Metric("unemployment_rate_end", f"unemployment rate in {end} (%)", "points"),
        Metric("unemployment_rate_mean", f"average unemployment rate, {span} (%)", "points"),
        Metric("ess_jobs_end", f"ESS jobs in {end}", "jobs"),
        Metric("public_money_eur", f"public money spent, {span}", "eur"),
        Metric("cost_per_job_eur", "public cost per gross job created", "eur"),
        Metric("self_financing_end", f"self-financing ratio in {end} (%)", "points"),
    ]


RESILIENCE_METRICS = {
    "resistance": Metric("resistance", "resistance: employment vs pre-shock trend (%)", "points"),
    "recovery_months": Metric("recovery_months", "months to recover", "months"),
    "recovered_share_5y": Metric(
        "recovered_share_5y", "share of the loss made up after 5 years (%)", "points"
    ),
    "renewal": Metric("renewal", "renewal: post- minus pre-shock growth (% a year)", "points/year"),
}


def run_figures(path: Path, scale: float) -> dict[str, Any]:
    """The compared figures of one run file (full-scale equivalents)."""
    import numpy as np
    import pyarrow.parquet as pq

    frame = pq.read_table(path, columns=["year", *NEEDED]).to_pandas().sort_values("year")
    meta = run_metadata(path)
    flows = float(frame["jobs_created_or_secured"].sum() - frame["ge_posts"].sum())
    jobs = (flows + float(frame["ge_posts"].iloc[-1])) / scale
    public = float(frame["public_funding_eur"].sum()) / scale
    ratio = frame["self_financing_ratio"].to_numpy(dtype=float)
    finite = ratio[np.isfinite(ratio)]
    figures: dict[str, Any] = {
        "scenario": meta["scenario"],
        "replicate": meta["replicate"],
        "seed": meta["seed"],
        "jobs_created": jobs,
        "employed_end": float(frame["employed"].iloc[-1]) / scale,
        "unemployment_rate_end": 100.0 * float(frame["unemployment_rate"].iloc[-1]),
        "unemployment_rate_mean": 100.0 * float(frame["unemployment_rate"].mean()),
        "ess_jobs_end": float(frame["ess_jobs"].iloc[-1]) / scale,
        "public_money_eur": public,
        "cost_per_job_eur": public / jobs if jobs > 0 else float("nan"),
        "self_financing_end": 100.0 * float(finite[-1]) if finite.size else float("nan"),
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


def differences(per_run: Any, names: list[str], start: int, end: int) -> list[Difference]:
    """Every scenario after the first compared with the first, metric by metric."""
    import numpy as np

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
                        column, RESILIENCE_METRICS[measure].label, RESILIENCE_METRICS[measure].unit
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
    """A magnitude in its unit, rounded for reading (no sign)."""
    value = abs(value)
    if unit == "jobs":
        return f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"
    if unit == "eur":
        return f"€{_sig(value, 2 if value >= 1000 else 3):,.0f}"
    if unit == "months":
        return f"{value:.1f}"
    return f"{value:.2f}"


def _signed(value: float, unit: str) -> str:
    sign = "−" if value < 0 else "+"
    return f"{sign}{fmt(value, unit)}"


def interval_text(d: Difference) -> str:
    """`` (90% interval 80–160)``, or why there is none, or that it includes no difference."""
    if d.pairs < 2 or not math.isfinite(d.low):
        return " (one replicate: no interval)" if d.pairs == 1 else ""
    unit = d.metric.unit
    if d.low > 0 or d.high < 0:
        low, high = sorted((abs(d.low), abs(d.high)))
        return f" (90% interval {fmt(low, unit)}–{fmt(high, unit)})"
    return (
        f" (90% interval {_signed(d.low, unit)} to {_signed(d.high, unit)}: "
        f"not clearly different from {d.reference})"
    )


def _partial(d: Difference) -> str:
    if 0 < d.pairs < d.replicates:
        return f" [in the {d.pairs} of {d.replicates} replicates where it is defined]"
    return ""


def _words(d: Difference, more: str, less: str) -> str:
    return more if d.mean > 0 else less


def sentence(d: Difference, cost: Difference | None = None, money: Difference | None = None) -> str:
    """The plain-language sentence of one difference.

    Jobs created take the public cost per job along (``cost``); when that cannot be compared
    (a scenario creates no job through the pole), the extra public money (``money``) per extra
    job is given instead.
    """
    if d.pairs == 0:
        return (
            f"{d.metric.label[0].upper()}{d.metric.label[1:]}"
            f"{' after ' + d.shock if d.shock else ''}: not measurable in these runs "
            "(no loss, or the run ends too soon after the shock)."
            if d.shock
            else f"{d.metric.label[0].upper()}{d.metric.label[1:]}: not defined in "
            f"{d.scenario} or {d.reference}."
        )
    a, b, unit, key = d.reference, d.scenario, d.metric.unit, d.metric.key
    size = fmt(d.mean, unit)
    ci = interval_text(d) + _partial(d)
    same = abs(d.mean) < 1e-12
    if key == "jobs_created":
        text = (
            f"{b} creates as many jobs as {a}"
            if same
            else f"{b} creates {size} {_words(d, 'more', 'fewer')} jobs than {a}{ci}"
        )
        if cost is not None and cost.pairs > 0:
            if abs(cost.mean) < 1e-9:
                text += " at the same public cost per job created"
            else:
                text += (
                    f" at {fmt(cost.mean, 'eur')} {_words(cost, 'more', 'less')} per job "
                    f"created{interval_text(cost)}{_partial(cost)}"
                )
        elif cost is not None:
            none = a if not math.isfinite(cost.mean_reference) else b
            text += f"; {none} creates no job through the pole, so costs per job differ in kind"
            if math.isfinite(cost.mean_scenario):
                text += f"; in {b} the public cost is {fmt(cost.mean_scenario, 'eur')} per job"
            if money is not None and d.mean > 0 and math.isfinite(money.mean):
                text += (
                    f"; the extra public money comes to {fmt(money.mean / d.mean, 'eur')} "
                    "per extra job"
                )
        return text + "."
    if same:
        return f"{b} and {a} do not differ in {d.metric.label}."
    templates = {
        "employed_end": f"{b} has {size} {_words(d, 'more', 'fewer')} people in work than {a} "
        f"at the end{ci}.",
        "unemployment_rate_end": f"Unemployment at the end is {size} points "
        f"{_words(d, 'higher', 'lower')} in {b} than in {a}{ci}.",
        "unemployment_rate_mean": f"Over the whole period, unemployment averages {size} points "
        f"{_words(d, 'higher', 'lower')} in {b} than in {a}{ci}.",
        "ess_jobs_end": f"{b} has {size} {_words(d, 'more', 'fewer')} jobs in the social and "
        f"solidarity economy (ESS) than {a} at the end{ci}.",
        "public_money_eur": f"{b} spends {size} {_words(d, 'more', 'less')} public money than "
        f"{a} over the period{ci}.",
        "cost_per_job_eur": f"Each job created costs {size} {_words(d, 'more', 'less')} public "
        f"money in {b} than in {a}{ci}.",
        "self_financing_end": f"At the end, the pole's structures in {b} earn {size} points "
        f"{_words(d, 'more', 'less')} of their income from their own sales and fees than in "
        f"{a}{ci}.",
    }
    if key in templates:
        return templates[key]
    measure = key.split("|", 1)[0]
    shock = d.shock
    return {
        "resistance": f"When {shock} hits, employment in {b} ends up {size} points "
        f"{_words(d, 'less', 'further')} below its pre-shock trend than in {a}{ci}.",
        "recovery_months": f"After {shock}, {b} gets back to its pre-shock employment {size} "
        f"months {_words(d, 'later', 'sooner')} than {a}{ci}.",
        "recovered_share_5y": f"Five years after {shock}, {b} has made up {size} points "
        f"{_words(d, 'more', 'less')} of the jobs lost than {a}{ci}.",
        "renewal": f"After {shock}, employment in {b} grows {size} points a year "
        f"{_words(d, 'faster', 'slower')} relative to its pre-shock trend than in {a}{ci}.",
    }[measure]


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


def write_report(batch_dir: str | Path, out: str | Path) -> Comparison:
    """Compare the scenarios of a finished comparison batch and write the report into ``out``.

    Raises:
        ScenarioError: the batch is not a comparison (a parameter design, one scenario, or
            indicators it needs were not kept) or has no finished run.
    """
    import pandas as pd

    from ptce_sim.studies import compare_report as render

    batch_dir, out = Path(batch_dir), Path(out)
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
    diffs = differences(per_run, names, start, end)
    words = sentences(diffs)
    used = ["scenario", "replicate", *additionality.columns_used(manifest["keep"])]
    net = net_effects(load_batch(batch_dir, columns=used), names, scales)
    for name, result in net.items():
        words.setdefault(name, []).insert(0, additionality.headline(result, names[0], name))
    tables = {name: additionality.report_tables(result, [end]) for name, result in net.items()}
    out.mkdir(parents=True, exist_ok=True)
    yearly = load_batch(batch_dir, columns=["scenario", "replicate", "year", *NEEDED])
    images = ["trajectories.png", "differences.png"]
    render.plot_trajectories(yearly, names, scales, out / "trajectories.png")
    headline = [m.key for m in _metrics(start, end)]
    render.plot_differences(diffs, headline, out / "differences.png")
    if render.plot_resilience(per_run, names, out / "resilience.png"):
        images.append("resilience.png")
    replicates = int(manifest["replicates"])
    title = f"Comparison of {', '.join(names[1:])} with {names[0]}"
    scale_text = ", ".join(f"{n} at scale {s:g}" for n, s in scales.items())
    intro = [
        f"{len(names)} scenarios, {replicates} paired replicate{'s' if replicates > 1 else ''} "
        f"each, {start}-{end}. The reference is {names[0]}.",
        "Each replicate runs every scenario with the same seed (common random numbers), so a "
        "difference between scenarios on one replicate comes from what differs between them, "
        "not from chance.",
    ]
    notes = [
        "Numbers of jobs and amounts of money are full-scale equivalents: simulated with "
        f"{scale_text}, then divided by the scale.",
        "A difference is the mean, over the replicates, of the paired difference (scenario "
        "minus reference). Its 90% interval is Student's t interval for that mean: with the "
        "same inputs and more replicates, the mean would fall in it 9 times out of 10. When it "
        "includes zero the scenarios are not clearly different at this number of replicates.",
        "Jobs created or secured by the pole: GE posts in place at the end, GEIQ hires, "
        "insertion exits to work, incubated activities and internalised posts over the period. "
        "Public cost per gross job created: public money spent over the period divided by them, "
        "before deadweight and displacement (the net figures are in the gross-to-net tables).",
        *additionality.NOTES,
        "Self-financing ratio: sales and fees of the pole's structures over their sales, fees "
        "and public aid, in the last year.",
        "Resilience (Martin 2012), on the 12-month moving average of employment: resistance is "
        "employment at the trough relative to the pre-shock trend; recovery the months until "
        "the pre-shock level is back and the share of the loss made up after five years; "
        "renewal the post-shock growth rate minus the pre-shock one "
        "(see ptce_sim/runs/resilience.py).",
        "The runs are in batch/ (one Parquet file each, with their seeds); comparison.csv holds "
        "the differences of this report, additionality.csv the gross and net jobs (every year "
        "and the period) and additionality_pairs.parquet their values pair by pair.",
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


def compare(
    experiment: Experiment,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    command: list[str] | None = None,
) -> Comparison:
    """Run the paired comparison of the experiment's scenarios and write its report.

    The runs go to ``<out>/batch`` (see :func:`ptce_sim.studies.batch.run_batch`; ``resume``
    completes them), the report to ``out``.

    Raises:
        ScenarioError: fewer than two scenarios, a parameter design, or a batch problem.
    """
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
    )
    comparison = write_report(out / "batch", out)
    comparison.batch = batch
    return comparison
