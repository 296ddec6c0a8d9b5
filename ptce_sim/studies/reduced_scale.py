"""How far rescaled results at a reduced scale are from full scale: measured, stored, stated.

A run at scale ``s`` simulates a fraction ``s`` of the territory's people and firms; its counts
and amounts are divided by ``s`` to give full-scale equivalents. Whether those match full scale
is an empirical question (integer persons, firms and structures round differently at every
scale), so it is measured: ``benchmarks/scale_bias.py --write`` runs the shipped Seignanx
1970-2015 at full scale and at the reduced scales over several seeds, computes each run's
headline figures (:func:`ptce_sim.studies.compare.headline_figures`) and stores, for each scale
and figure, the ratio of the means to full scale, its standard error and the **stated
tolerance** (:func:`tolerance_of`) in :data:`MEASURED` (``reduced_scales.json`` next to this
module). The comparison report and the funding page quote it (:func:`scale_note`), and
``tests/test_reduced_scale.py`` checks fresh seeds against it.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs.atomic import write_text
from ptce_sim.runs.i18n import _, number
from ptce_sim.runs.runner import RunResult, simulate
from ptce_sim.studies.batch_worker import yearly_table

MEASURED = Path(__file__).with_name("reduced_scales.json")
"""The stored measurement (written by ``benchmarks/scale_bias.py --write``)."""

FIGURES = (
    "employed_end",
    "unemployment_rate_end",
    "unemployment_rate_mean",
    "ess_jobs_end",
    "jobs_created",
    "public_money_eur",
)
"""The headline figures measured (keys of :func:`~ptce_sim.studies.compare.headline_figures`)."""


def _labels() -> dict[str, str]:
    return {
        "employed_end": _("people in work at the end"),
        "unemployment_rate_end": _("unemployment rate at the end"),
        "unemployment_rate_mean": _("mean unemployment rate"),
        "ess_jobs_end": _("ESS jobs at the end"),
        "jobs_created": _("jobs created or secured"),
        "public_money_eur": _("public money"),
    }


def run_figures(job: tuple[str, float, int]) -> dict[str, float]:
    """One run's headline figures (full-scale equivalents); ``job``: (scenario, scale, seed)."""
    path, scale, seed = job
    return figures_of(simulate(load_scenario(path).with_overrides(scale=scale), seed))


def figures_of(result: RunResult) -> dict[str, float]:
    """The headline figures of a finished run (full-scale equivalents), with its scale and seed."""
    from ptce_sim.studies.compare import headline_figures  # compare quotes this module

    scale = result.scenario.run.scale
    yearly = yearly_table(result.territory, result.jobs_by_mechanism)
    return {"scale": scale, "seed": result.seed, **headline_figures(yearly, scale)}


def tolerance_of(ratio: float, se: float) -> float:
    """The stated tolerance: the measured bias plus two standard errors, up to the next 5%."""
    return math.ceil((abs(ratio - 1.0) + 2.0 * se) * 20.0 - 1e-9) / 20.0


def ratios(frame: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Ratio of the mean at ``scale`` to the mean at full scale, figure by figure.

    Args:
        frame: one row per run, with columns ``scale`` and :data:`FIGURES` (full-scale
            equivalents), runs at scale 1 and at ``scale`` among them.
        scale: the reduced scale.

    Returns:
        One row per figure: ``ratio``, ``se`` (its standard error, from the two samples'
        standard errors of the mean, first order) and ``tolerance`` (:func:`tolerance_of`),
        with the numbers of seeds ``n_full`` and ``n_reduced``.
    """
    full = frame[np.isclose(frame["scale"], 1.0)]
    reduced = frame[np.isclose(frame["scale"], scale)]
    if len(full) < 2 or len(reduced) < 2:
        raise ValueError(f"need at least two runs at scale 1 and at scale {scale}")
    rows = {}
    for figure in FIGURES:
        a, b = reduced[figure].to_numpy(float), full[figure].to_numpy(float)
        ratio = a.mean() / b.mean()
        relative = (a.std(ddof=1) / a.mean()) ** 2 / a.size + (
            b.std(ddof=1) / b.mean()
        ) ** 2 / b.size
        se = abs(ratio) * math.sqrt(relative)
        rows[figure] = {
            "ratio": ratio,
            "se": se,
            "tolerance": tolerance_of(ratio, se),
            "n_full": b.size,
            "n_reduced": a.size,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def write(frame: pd.DataFrame, scenario: str, path: Path = MEASURED) -> dict[str, Any]:
    """Store the measurement of every reduced scale in ``frame`` (see :func:`ratios`)."""
    scales = sorted((float(s) for s in frame["scale"].unique() if s < 1.0), reverse=True)
    measured = {
        "scenario": scenario,
        "scales": {
            repr(s): {
                f: {k: float(v) for k, v in row.items()} for f, row in ratios(frame, s).iterrows()
            }
            for s in scales
        },
    }
    write_text(path, json.dumps(measured, indent=1) + "\n")
    stated.cache_clear()
    return measured


@cache
def stated(path: Path = MEASURED) -> dict[float, dict[str, dict[str, float]]]:
    """The stored measurement: ``{scale: {figure: {ratio, se, tolerance, ...}}}`` (read once)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {float(s): figures for s, figures in data["scales"].items()}


def scale_note(scale: float, path: Path = MEASURED) -> str:
    """What a reader must know about a reduced scale's figures, in the current language."""
    measured = stated(path)
    found = next((figures for s, figures in measured.items() if math.isclose(s, scale)), None)
    head = _(
        "Reduced scale ({scale}): the runs simulate a fraction of the territory's people and "
        "firms, and figures are rescaled to the whole territory; differences are noisier and "
        "intervals wider than at full scale."
    ).format(scale=number(scale, None))
    if found is None:
        return (
            head
            + " "
            + _(
                "How far rescaled figures are from full scale was not measured at this scale "
                "(measured at {scales}: benchmarks/scale_bias.py); rerun at scale 1 before quoting "
                "a figure."
            ).format(scales=", ".join(number(s, None) for s in sorted(measured)))
        )
    labels = _labels()
    within = ", ".join(
        _("{figure} ±{tolerance}%").format(
            figure=labels[f], tolerance=number(100 * found[f]["tolerance"], 0)
        )
        for f in FIGURES
    )
    return (
        head
        + " "
        + _(
            "Measured against full scale on the Seignanx 1970-2015 (benchmarks/scale_bias.py), "
            "rescaled figures at this scale are within: {within} (the measured bias plus two "
            "standard errors); quote a figure with its bound, or rerun at scale 1."
        ).format(within=within)
    )
