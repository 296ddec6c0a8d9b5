"""Sensitivity indices of a batch's outcomes: Sobol (first and total order) or Morris, by SALib.

A batch made with a ``sobol`` design (Saltelli's sampling) gives Sobol indices; one made with a
``morris`` design gives Morris's elementary-effect measures. Each outcome (see
:func:`ptce_sim.studies.experiment.parse_outcome`) is reduced to one number per run, averaged over
the replicates of each design point, and analysed in the design's order. The indices are written as
a table (``sobol.csv`` or ``morris.csv``) and a bar chart (``sobol.png`` or ``morris.png``).

* Sobol: ``S1`` is the share of the outcome's variance due to the parameter alone, ``ST`` the
  share due to it with all its interactions; ``*_conf`` are 95% bootstrap half-widths. Values
  slightly outside [0, 1] are estimation noise; small samples make them noisy.
* Morris: ``mu_star`` is the mean absolute elementary effect (importance), ``sigma`` its
  standard deviation (non-linearity or interactions), ``mu_star_conf`` a 95% bootstrap
  half-width.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.runs.atomic import replacing, write_text
from ptce_sim.studies.batch import read_manifest, run_files
from ptce_sim.studies.experiment import Outcome, parse_outcome

DEFAULT_OUTCOMES = ("employed", "ess_jobs", "unemployment_rate:mean", "jobs_created_or_secured:sum")
RESAMPLES = 200
BOOTSTRAP_SEED = 12345


@dataclass
class SensitivityResult:
    """The indices of one analysis.

    Attributes:
        method: ``"sobol"`` or ``"morris"``.
        table: one row per outcome and parameter.
        files: the files written.
        notes: remarks for the reader (e.g. an outcome that does not vary).
    """

    method: str
    table: Any
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _outcomes(manifest: dict, texts: list[str] | None, out: Path) -> list[Outcome]:
    keep = list(manifest["keep"])
    if not texts:
        spec = manifest.get("experiment_spec") or {}
        texts = list((spec.get("sensitivity") or {}).get("outcomes") or [])
        texts = texts or [t for t in DEFAULT_OUTCOMES if t.split(":")[0].split("@")[0] in keep]
    if not texts:
        raise ScenarioError(f"{out}: no outcome given; use --outcome INDICATOR")
    outcomes = []
    for text in texts:
        try:
            outcomes.append(parse_outcome(text))
        except ValueError as exc:
            raise ScenarioError(f"--outcome: {exc}") from None
        if outcomes[-1].indicator not in keep:
            raise ScenarioError(
                f"--outcome: indicator {outcomes[-1].indicator!r} is not in the batch {out}; "
                f"expected one of: {', '.join(keep)}"
            )
    return outcomes


def outcome_matrix(out: str | Path, outcomes: list[Outcome]) -> Any:
    """Each outcome per design point, averaged over its finished replicates.

    Returns:
        A float array of shape (points, outcomes); NaN where a point has no finished run.
    """
    import numpy as np
    import pyarrow.parquet as pq

    manifest = read_manifest(out)
    points = int(manifest["design"]["points"])
    total = np.zeros((points, len(outcomes)))
    count = np.zeros((points, len(outcomes)))
    columns = sorted({o.indicator for o in outcomes})
    for path in run_files(Path(out)):
        frame = pq.read_table(path, columns=["point", "year", *columns]).to_pandas()
        point = int(frame["point"].iloc[0])
        years = frame["year"].to_numpy()
        for j, outcome in enumerate(outcomes):
            value = outcome.of(years, frame[outcome.indicator].to_numpy())
            if np.isfinite(value):
                total[point, j] += value
                count[point, j] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def analyse(
    out: str | Path,
    outcomes: list[str] | None = None,
    *,
    dest: str | Path | None = None,
) -> SensitivityResult:
    """Compute the indices of a batch made with a Sobol or Morris design; write table and chart.

    Args:
        out: the batch folder.
        outcomes: outcomes to analyse (default: the experiment's ``[sensitivity] outcomes``, or
            a few headline ones).
        dest: folder of the table and chart (default ``<out>/sensitivity``).

    Raises:
        ScenarioError: not a batch folder, a design without indices, missing design points or
            an unknown outcome.
    """
    import numpy as np
    import pandas as pd

    out = Path(out)
    manifest = read_manifest(out)
    method = manifest["design"]["type"]
    if method not in ("sobol", "morris"):
        raise ScenarioError(
            f"{out}: the batch was made with a {method!r} design; Sobol indices need a batch "
            "made with a 'sobol' design, Morris measures one made with a 'morris' design"
        )
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise ScenarioError(
            "sensitivity indices need SALib: pip install 'ptce-sim[batch]'"
        ) from None
    chosen = _outcomes(manifest, outcomes, out)
    matrix = outcome_matrix(out, chosen)
    missing = np.flatnonzero(np.isnan(matrix).any(axis=1))
    if missing.size:
        raise ScenarioError(
            f"{out}: {missing.size} of {matrix.shape[0]} design points have no value "
            f"(e.g. point {int(missing[0])}: no finished run, or an outcome year outside the "
            "run); finish the batch with 'ptce-sim batch EXPERIMENT --out DIR --resume' or "
            "choose another outcome"
        )
    problem = manifest["problem"]
    problem = {**problem, "bounds": [list(b) for b in problem["bounds"]]}
    design = pd.read_parquet(out / "design.parquet").sort_values("point")
    x = design[problem["names"]].to_numpy(dtype=float)
    rows, notes = [], []
    for j, outcome in enumerate(chosen):
        y = matrix[:, j]
        if float(np.nanstd(y)) == 0.0:
            notes.append(f"{outcome.text} does not vary across the design: its indices are empty")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            rows.extend(_indices(method, problem, manifest, x, y, outcome.text))
    table = pd.DataFrame(rows)
    dest = Path(dest) if dest is not None else out / "sensitivity"
    dest.mkdir(parents=True, exist_ok=True)
    csv_path = dest / f"{method}.csv"
    write_text(csv_path, table.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    png_path = dest / f"{method}.png"
    plot_indices(table, method, png_path, title=manifest.get("title") or manifest["experiment"])
    return SensitivityResult(method, table, [csv_path, png_path], notes)


COLUMNS = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
}
"""The index columns of each method's table, in order."""


def _indices(
    method: str, problem: dict, manifest: dict, x: Any, y: Any, outcome: str
) -> list[dict]:
    """One row per parameter of the indices of ``y``."""
    if method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(
            problem,
            y,
            calc_second_order=bool(manifest["design"]["second_order"]),
            num_resamples=RESAMPLES,
            conf_level=0.95,
            seed=BOOTSTRAP_SEED,
        )
    else:
        from SALib.analyze import morris

        si = morris.analyze(
            problem,
            x,
            y,
            num_resamples=RESAMPLES,
            conf_level=0.95,
            num_levels=int(manifest["design"]["levels"]),
            seed=BOOTSTRAP_SEED,
        )
    return [
        {"outcome": outcome, "parameter": name, **{c: float(si[c][i]) for c in COLUMNS[method]}}
        for i, name in enumerate(problem["names"])
    ]


def plot_indices(table: Any, method: str, path: Path, *, title: str = "") -> None:
    """A horizontal bar chart per outcome: S1 and ST (Sobol) or mu* and sigma (Morris)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    outcomes = list(dict.fromkeys(table["outcome"]))
    parameters = list(dict.fromkeys(table["parameter"]))
    if method == "sobol":
        bars = [
            ("S1", "S1_conf", "first order (S1)", "#2166ac"),
            ("ST", "ST_conf", "total order (ST)", "#b2182b"),
        ]
        xlabel = "share of the outcome's variance"
    else:
        bars = [
            ("mu_star", "mu_star_conf", "importance (mu*)", "#2166ac"),
            ("sigma", None, "interactions (sigma)", "#b2182b"),
        ]
        xlabel = "elementary effect (outcome's unit)"
    height = 0.8 + 0.45 * len(parameters)
    fig, axes = plt.subplots(
        len(outcomes), 1, figsize=(9, height * len(outcomes) + 0.6), squeeze=False
    )
    y = np.arange(len(parameters))
    width = 0.38
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        rows = table[table["outcome"] == outcome].set_index("parameter").reindex(parameters)
        for k, (column, conf, label, colour) in enumerate(bars):
            values = rows[column].to_numpy(dtype=float)
            errors = rows[conf].to_numpy(dtype=float) if conf else None
            ax.barh(
                y + (k - 0.5) * width,
                np.nan_to_num(values),
                height=width,
                color=colour,
                xerr=None if errors is None else np.nan_to_num(errors),
                capsize=3,
                label=label,
            )
        ax.set_yticks(y, parameters)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(outcome, fontsize=11, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1, 0].set_xlabel(xlabel)
    axes[0, 0].legend(frameon=False, loc="lower right", fontsize=9)
    name = "Sobol indices" if method == "sobol" else "Morris measures"
    fig.suptitle(f"{name} - {title}" if title else name, fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))  # room for the title
    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
