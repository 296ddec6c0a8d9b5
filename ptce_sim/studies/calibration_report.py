"""The calibration report (``docs/calibration.md``) and its plots, from a calibration's outcome.

Sections: the run (design, scale, elapsed time), the fit's diagnostics (acceptance, tolerance,
effective sample size against the goal), the prior and posterior intervals, the marginal and
pairwise plots (PNG files next to the report), the posterior predictive of each figure, the
leave-one-structure-out table, the recovery check and the reduced-scale bias.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

MARGINALS_PNG = "calibration_marginals.png"
PAIRS_PNG = "calibration_pairs.png"


def write(calibration, outcome) -> Path:  # noqa: ANN001 - Calibration, Outcome
    """Write the report and its two plots; returns the report's path."""
    path = Path(outcome.report)
    path.parent.mkdir(parents=True, exist_ok=True)
    plot_marginals(calibration, outcome.fit, path.parent / MARGINALS_PNG)
    plot_pairs(calibration, outcome.fit, path.parent / PAIRS_PNG)
    path.write_text(markdown(calibration, outcome), encoding="utf-8")
    return path


def _table(frame: pd.DataFrame) -> list[str]:
    """A DataFrame as a Markdown table (numbers to 4 significant digits)."""
    if frame.empty:
        return ["(none)"]

    def cell(value: object) -> str:
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        if isinstance(value, float | np.floating):
            return f"{value:.4g}"
        return str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return lines


def markdown(calibration, outcome) -> str:  # noqa: ANN001
    """The report's text."""
    spec = calibration.spec
    result = outcome.fit.result
    goal = spec.abc.min_ess
    ess_line = (
        f"Effective sample size (Kish) {result.ess:.0f}: "
        + ("meets" if result.ess >= goal else "**below**")
        + f" the goal of {goal}."
    )
    coverage = outcome.recovery["inside"].mean() if not outcome.recovery.empty else float("nan")
    loo_inside = (
        outcome.leave_one_out["inside"].mean() if not outcome.leave_one_out.empty else float("nan")
    )
    lines = [
        f"# Calibration of {spec.calibration.name}",
        "",
        f"Written by `ptce-sim calibrate {_as_typed(calibration.path)}` from the definition "
        f"(SHA-256 `{calibration.digest[:12]}`). Posterior sample: `{outcome.posterior}`.",
        "",
        f"Calibrated on the model's results with reference stamp `{outcome.stamp}` (see "
        "`tests/reference/digests.json`). When the model's results change, this report and the "
        "posterior say what they were made with until `make calibrate` is rerun.",
        "",
        "## Method",
        "",
        f"- Design: a Latin hypercube of {len(outcome.fit.theta)} points over the priors, "
        f"{spec.calibration.replicates} replicate(s) each (independent seeds), at scale "
        f"{spec.calibration.scale:g}: {outcome.runs} runs, {outcome.design_s / 60:.1f} min of "
        "simulation; everything, the bias runs and the fits included, took "
        f"{outcome.elapsed_s / 60:.1f} min.",
        f"- Statistics: the {len(calibration.figures)} emergent figures (identities"
        f"{held_out_words(calibration)} left out), "
        f"each as log((simulated + {spec.abc.floor:g} x observed) / ({1 + spec.abc.floor:g} x "
        "observed)), 0 on target.",
        "- Distance: Euclidean, each statistic divided by its median absolute deviation over "
        f"the design. Rejection keeps the closest {spec.abc.accept:.0%} of the design points; "
        "Epanechnikov weights; local-linear regression adjustment (Beaumont, Zhang and Balding "
        "2002) in the logit of each parameter's position between its prior bounds.",
        "",
        "## Diagnostics",
        "",
        f"- Accepted: {result.acceptance} of {len(outcome.fit.theta)} design points "
        f"(tolerance {result.tolerance:.3g}).",
        f"- {ess_line}",
        f"- Recovery: pseudo-observed design points (known parameters, left out of the table): "
        f"{coverage:.0%} of their parameters fall in the 90% intervals (expected about 90%).",
        f"- Leave-one-structure-out: {loo_inside:.0%} of the left-out figures fall in their "
        "predicted 90% intervals.",
        "",
        "## Parameters: prior and posterior",
        "",
        "`width_share`: the 90% interval's width as a share of the prior's (log scale for "
        "log-uniform priors); near 1, the figures say little about the parameter.",
        "",
        *_table(outcome.intervals),
        "",
        f"![marginals]({MARGINALS_PNG})",
        "",
        f"![pairs]({PAIRS_PNG})",
        "",
        "## Posterior predictive of the figures",
        "",
        "Weighted 5%, 50% and 95% of the accepted runs' values (full-scale equivalents).",
        "",
        *_table(outcome.predictions),
        "",
        "## Leave-one-structure-out",
        "",
        "For each structure, the fit without its figures (same table) predicts them.",
        "",
        *_table(outcome.leave_one_out),
        "",
        "## Recovery check",
        "",
        *_table(
            outcome.recovery.groupby("parameter", sort=False)["inside"].mean().reset_index()
            if not outcome.recovery.empty
            else pd.DataFrame()
        ),
        "",
        "## Reduced-scale bias",
        "",
        f"The {spec.bias.points} accepted parameter sets of highest weight, run at scale 1 and "
        f"at scale {spec.calibration.scale:g} ({spec.bias.replicates} common seeds): the "
        "median ratio of full-scale to design-scale values (full-scale equivalents).",
        "",
        *_table(outcome.bias),
        "",
    ]
    return "\n".join(lines)


def _pyplot():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def short(label: str) -> str:
    """A parameter's label shortened for a plot: its last two path segments, on two lines when long.

    Never cut inside a name: a title that does not fit goes on two lines.
    """
    parts = label.split(".")[-2:]
    joined = ".".join(parts)
    return joined if len(joined) <= 40 else ".\n".join(parts)


def _shown(calibration, values: np.ndarray) -> tuple[np.ndarray, list[str]]:  # noqa: ANN001
    """Values as plotted (log10 for log-uniform priors, so that the prior looks flat), titles."""
    params = calibration.spec.parameters
    shown = np.array(values, dtype=float, copy=True)
    titles = []
    for j, p in enumerate(params):
        if p.prior == "log_uniform":
            shown[:, j] = np.log10(shown[:, j])
            titles.append(f"log10 {short(p.label)}")
        else:
            titles.append(short(p.label))
    return shown, titles


def plot_marginals(calibration, fit, path: Path) -> Path:  # noqa: ANN001
    """One histogram per parameter: the design (prior) and the weighted posterior."""
    plt = _pyplot()
    params = calibration.spec.parameters
    prior, titles = _shown(calibration, fit.theta)
    posterior, _ = _shown(calibration, fit.result.adjusted)
    bounds, _ = _shown(calibration, np.array([p.bounds for p in params]).T)
    cols = 3
    rows = -(-len(params) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, j in zip(axes.flat, range(len(params)), strict=False):
        bins = np.linspace(bounds[0, j], bounds[1, j], 25)
        ax.hist(prior[:, j], bins=bins, density=True, alpha=0.4, label="prior (design)")
        ax.hist(
            posterior[:, j],
            bins=bins,
            weights=fit.result.weights,
            density=True,
            alpha=0.7,
            label="posterior",
        )
        ax.set_title(titles[j], fontsize=8)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(params) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_pairs(calibration, fit, path: Path, draws: int = 800) -> Path:  # noqa: ANN001
    """Pairwise scatter of a weighted resample of the posterior (lower triangle)."""
    plt = _pyplot()
    rng = np.random.default_rng(0)
    rows = rng.choice(len(fit.result.weights), size=draws, p=fit.result.weights)
    sample, titles = _shown(calibration, fit.result.adjusted[rows])
    d = sample.shape[1]
    fig, axes = plt.subplots(d, d, figsize=(1.5 * d, 1.5 * d), squeeze=False)
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j > i:
                ax.axis("off")
            elif i == j:
                ax.hist(sample[:, i], bins=20)
            else:
                ax.scatter(sample[:, j], sample[:, i], s=2, alpha=0.3)
            if i == d - 1:
                ax.set_xlabel(str(j), fontsize=7)
            if j == 0:
                ax.set_ylabel(str(i), fontsize=7)
    legend = "\n".join(f"{k}: {t}" for k, t in enumerate(titles))
    fig.text(0.6, 0.95, legend, fontsize=7, va="top")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def held_out_words(calibration) -> str:  # noqa: ANN001 - a Calibration
    """`` and the held-out figure(s) (...)``, naming what the calibration keeps out of sample."""
    held = [t for t in calibration.targets.targets if t.held_out]
    if not held:
        return ""
    names = ", ".join(f"{t.source_name} {t.indicator} {t.period}" for t in held)
    return f" and the {len(held)} held-out figure{'s' if len(held) > 1 else ''} ({names})"


def _as_typed(path: Path) -> str:
    """``path`` relative to the working directory when inside it (as the command was typed)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
