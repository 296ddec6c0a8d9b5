"""Calibration with uncertainty: one table of simulations over the prior, reused by every fit.

A calibration definition (``experiments/calibration/seignanx.toml``) names the scenario, its
observed figures, the calibrated parameters with their priors, the design and the ABC settings.
``ptce-sim calibrate DEF.toml`` then runs three stages:

1. **Design** (:func:`run_design`): a Latin hypercube over the priors, at a reduced scale, run
   through the batch machinery (:mod:`ptce_sim.studies.batch`: resumable, local processes or a
   Dask cluster). Each run also keeps its structures' rows in the observed figures' years.
2. **Fit** (:func:`fit_table`): every run's emergent figures (identities excluded) become
   statistics, the log-ratio of simulated to observed; rejection ABC with local-linear
   regression adjustment (:mod:`ptce_sim.studies.abc`) gives the posterior sample, written with
   its provenance (:mod:`ptce_sim.studies.posterior`). The same table, without refitting the
   model, gives the leave-one-structure-out predictions and the recovery check (pseudo-observed
   design points with known parameters).
3. **Report** (:mod:`ptce_sim.studies.calibration_report`): acceptance, effective sample size,
   prior and posterior intervals, marginal and pairwise plots, the reduced-scale bias (a few
   parameter sets run at full scale and at the design scale), the leave-one-out table.

Why regression ABC on a stored table rather than ABC-SMC (pyabc): ABC-SMC spends new
simulations at every generation and again for each left-out structure; a run costs seconds,
so that is days on 2 cores. One space-filling table costs a fixed budget (about two hours),
can be completed after an interruption, and every later fit (the leave-one-out fits, recovery
checks, other tolerances) is a matter of seconds on it. The regression adjustment corrects most
of the bias of a wide tolerance, which is what lets a table of a few thousand runs give a
posterior with an effective sample size in the hundreds.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ptce_sim.config.scenario import FieldProblem, RunName
from ptce_sim.config.scenario_io import ScenarioError, format_validation_error, read_toml
from ptce_sim.studies import abc
from ptce_sim.studies.targets import Target, Targets, load_targets

QUANTILES = [0.05, 0.5, 0.95]
TERRITORY = "(territory)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CalibrationSection(_Strict):
    """The ``[calibration]`` table: what is calibrated against what, and the design."""

    name: RunName
    scenario: str = Field(min_length=1, description="Scenario file, relative to this file.")
    targets: str = Field(min_length=1, description="Targets file, relative to this file.")
    posterior: str = Field(min_length=1, description="Posterior sample written (Parquet).")
    report: str = Field(min_length=1, description="Markdown report written.")
    table: str = Field(min_length=1, description="Folder of the design's batch.")
    points: Annotated[int, Field(ge=8, le=1_000_000)]
    scale: Annotated[float, Field(gt=0.0, le=1.0)]
    replicates: Annotated[int, Field(ge=1, le=100)] = 1
    master_seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    exclude: list[str] = Field(default_factory=list, description="Figures left out (labels).")


class AbcSection(_Strict):
    """The ``[abc]`` table: the fit's settings."""

    method: Literal["rejection_regression"] = "rejection_regression"
    statistic: Literal["log_ratio"] = "log_ratio"
    distance: Literal["mad_euclidean"] = "mad_euclidean"
    kernel: Literal["epanechnikov"] = "epanechnikov"
    accept: Annotated[float, Field(gt=0.0, le=1.0)]
    floor: Annotated[float, Field(gt=0.0, le=1.0)] = 0.05
    min_ess: Annotated[int, Field(ge=1)] = 500
    recovery_points: Annotated[int, Field(ge=0, le=1000)] = 20


class BiasSection(_Strict):
    """The ``[bias]`` table: parameter sets run at full scale to measure the design scale's bias."""

    points: Annotated[int, Field(ge=0, le=100)] = 4
    replicates: Annotated[int, Field(ge=1, le=100)] = 2


class PriorSpec(_Strict):
    """One ``[[parameters]]`` item: a calibrated parameter and its prior."""

    path: str = Field(min_length=1)
    name: str | None = Field(None, min_length=1, max_length=120)
    prior: Literal["uniform", "log_uniform"]
    bounds: list[float] = Field(min_length=2, max_length=2)
    why: str = Field(min_length=1, description="One line: why these bounds.")

    @property
    def label(self) -> str:
        """Its column name."""
        return self.name or self.path

    @model_validator(mode="after")
    def _bounds(self) -> PriorSpec:
        low, high = self.bounds
        if not low < high:
            raise FieldProblem("bounds", f"bounds [{low:g}, {high:g}] are reversed or equal")
        if self.prior == "log_uniform" and low <= 0:
            raise FieldProblem("bounds", "a log_uniform prior needs a lower bound above 0")
        return self


class CalibrationFile(_Strict):
    """A calibration definition file."""

    calibration: CalibrationSection
    abc: AbcSection
    bias: BiasSection = BiasSection()
    parameters: list[PriorSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> CalibrationFile:
        labels = [p.label for p in self.parameters]
        for i, label in enumerate(labels):
            if label in labels[:i]:
                raise FieldProblem(f"parameters[{i}].path", f"parameter {label!r} appears twice")
        return self


@dataclass(frozen=True)
class Calibration:
    """A loaded calibration definition, its paths resolved and its figures checked.

    Attributes:
        spec: the validated file.
        path: the file.
        digest: SHA-256 of the file's bytes.
        targets: the observed figures.
        figures: the emergent figures calibrated on (identities and ``exclude`` left out).
    """

    spec: CalibrationFile
    path: Path
    digest: str
    targets: Targets
    figures: tuple[Target, ...]

    def file(self, key: str) -> Path:
        """A path of the ``[calibration]`` table, resolved against the definition's folder."""
        value = Path(getattr(self.spec.calibration, key))
        # normalised (no "folder/../"), so that the reports name it as a reader would
        return value if value.is_absolute() else Path(os.path.normpath(self.path.parent / value))

    @property
    def prior(self) -> abc.Prior:
        """The priors' bounds."""
        params = self.spec.parameters
        return abc.Prior(
            low=np.array([p.bounds[0] for p in params]),
            high=np.array([p.bounds[1] for p in params]),
            log=np.array([p.prior == "log_uniform" for p in params]),
        )

    @property
    def labels(self) -> list[str]:
        """The parameters' column names."""
        return [p.label for p in self.spec.parameters]


def load_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration definition.

    Raises:
        ScenarioError: one line naming the file and the field.
    """
    path = Path(path)
    data = read_toml(path, "calibration")
    try:
        spec = CalibrationFile.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, str(path))) from None
    section = spec.calibration
    targets_file = Path(section.targets)
    targets_file = targets_file if targets_file.is_absolute() else path.parent / targets_file
    try:
        targets = load_targets(targets_file)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: field 'calibration.targets': {exc}") from None
    labels = {t.label for t in targets.targets}
    for i, label in enumerate(section.exclude):
        if label not in labels:
            raise ScenarioError(
                f"{path}: field 'calibration.exclude[{i}]': unknown figure {label!r}; "
                f"expected labels such as {sorted(labels)[0]!r}"
            )
    # identities and held-out figures (out-of-sample tests) are not calibrated on
    figures = tuple(t for t in targets.targets if t.calibrated and t.label not in section.exclude)
    if not figures:
        raise ScenarioError(f"{path}: field 'calibration.exclude': no emergent figure is left")
    calibration = Calibration(
        spec, path, hashlib.sha256(path.read_bytes()).hexdigest(), targets, figures
    )
    try:  # checks the scenario and every parameter's path and bounds
        design_experiment(calibration)
    except ScenarioError as exc:  # located in this file's terms
        raise ScenarioError(str(exc).replace("'design.parameters[", "'parameters[")) from None
    return calibration


# ------------------------------------------------------------------------------------------------
# Stage 1: the design table


def design_experiment(
    calibration: Calibration, *, points: int | None = None, scale: float | None = None
):  # noqa: ANN201 - an Experiment (imported lazily with the batch machinery)
    """The design as a batch experiment (a Latin hypercube over the priors)."""
    from ptce_sim.studies.experiment import experiment_from_data, indicator_names

    section = calibration.spec.calibration
    known = indicator_names()
    territory = sorted({t.column for t in calibration.figures if t.table == "territory"})
    keep = [c for c in territory if c in known] or ["employed"]
    years = sorted({y for t in calibration.figures if t.table == "structures" for y in t.years})
    data = {
        "experiment": {
            "name": f"calibration_{section.name}",
            "replicates": section.replicates,
            "master_seed": section.master_seed,
            "seeds": "independent",
            "scale": scale or section.scale,
            "keep": keep,
            "structure_years": years,
        },
        "scenarios": [{"name": section.name, "file": str(calibration.file("scenario").resolve())}],
        "design": {
            "type": "latin_hypercube",
            "samples": points or section.points,
            "parameters": [
                {
                    "path": p.path,
                    "name": p.label,
                    "bounds": list(p.bounds),
                    "log": p.prior == "log_uniform",
                }
                for p in calibration.spec.parameters
            ],
        },
    }
    return experiment_from_data(data, str(calibration.path), calibration.path.parent)


# ------------------------------------------------------------------------------------------------
# Stage 2: statistics and fits


def figure_values(out: str | Path, figures: tuple[Target, ...], scale: float) -> pd.DataFrame:
    """Each finished run's simulated figures (full-scale equivalents), one row per run."""
    from ptce_sim.studies.batch import load_batch, load_structures, read_manifest
    from ptce_sim.studies.validation import RunTables, simulated_value

    manifest = read_manifest(out)
    params = list(manifest["parameters"])
    yearly = load_batch(out)
    structures = load_structures(out)
    rows = []
    for run_id, territory in yearly.groupby("run_id", sort=True):
        tables = RunTables(0, True, territory, structures.get(run_id, _no_structures()))
        head = territory.iloc[0]
        row = {"run_id": run_id, "point": int(head["point"]), **{p: head[p] for p in params}}
        row.update({t.label: simulated_value(t, tables, scale) for t in figures})
        rows.append(row)
    return pd.DataFrame(rows)


def _no_structures() -> pd.DataFrame:
    return pd.DataFrame(columns=["year", "structure"])


def statistics(values: pd.DataFrame, figures: tuple[Target, ...], floor: float) -> np.ndarray:
    """Log-ratio of simulated to observed: ``log((v + f o) / ((1 + f) o))``, 0 on target.

    The floor ``f`` (a share of the observed value) keeps a structure absent in a run (value 0)
    at a finite distance. A figure the run cannot produce (NaN) counts as absent.
    """
    observed = np.array([t.observed for t in figures])
    simulated = values[[t.label for t in figures]].to_numpy(dtype=float)
    simulated = np.where(np.isfinite(simulated), np.maximum(simulated, 0.0), 0.0)
    return np.log((simulated + floor * observed) / ((1 + floor) * observed))


def by_point(values: pd.DataFrame, labels: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean over each design point's replicates of ``columns``, with its parameters."""
    grouped = values.groupby("point", sort=True)
    return grouped[labels].first().join(grouped[columns].mean())


def group_of(target: Target) -> str:
    """The structure a figure belongs to (the unit left out by leave-one-structure-out)."""
    return target.structure or TERRITORY


@dataclass(frozen=True)
class Fit:
    """A fit on the design table: the ABC result and the table it was made on."""

    result: abc.AbcResult
    theta: np.ndarray
    stats: np.ndarray
    values: pd.DataFrame


def fit_table(calibration: Calibration, values: pd.DataFrame, figures=None) -> Fit:  # noqa: ANN001
    """Rejection-regression ABC on the table's design points, with ``figures`` (default: all)."""
    figures = tuple(figures or calibration.figures)
    floor = calibration.spec.abc.floor
    stat_columns = [f"s:{t.label}" for t in figures]
    frame = values.copy()
    frame[stat_columns] = statistics(values, figures, floor)
    points = by_point(
        frame, calibration.labels, stat_columns + [t.label for t in calibration.figures]
    )
    theta = points[calibration.labels].to_numpy(dtype=float)
    stats = points[stat_columns].to_numpy(dtype=float)
    result = abc.fit(
        theta, stats, np.zeros(len(figures)), calibration.prior, accept=calibration.spec.abc.accept
    )
    return Fit(result, theta, stats, points)


def intervals(calibration: Calibration, fit: Fit) -> pd.DataFrame:
    """Prior bounds and posterior 5%, 50%, 95% of each parameter."""
    q = abc.weighted_quantiles(fit.result.adjusted, fit.result.weights, QUANTILES)
    rows = []
    for j, p in enumerate(calibration.spec.parameters):
        low, high = p.bounds
        rows.append(
            {
                "parameter": p.label,
                "prior": p.prior,
                "prior_low": low,
                "prior_high": high,
                "q05": q[0, j],
                "median": q[1, j],
                "q95": q[2, j],
                "width_share": _width(q[0, j], q[2, j], low, high, p.prior),
            }
        )
    return pd.DataFrame(rows)


def _width(a: float, b: float, low: float, high: float, prior: str) -> float:
    """Width of [a, b] as a share of the prior's (on log scale for a log-uniform prior)."""
    if prior == "log_uniform":
        return (math.log(b) - math.log(a)) / (math.log(high) - math.log(low))
    return (b - a) / (high - low)


def predictions(fit: Fit, figures: tuple[Target, ...]) -> pd.DataFrame:
    """Posterior predictive of each figure: weighted quantiles of the kept runs' values."""
    rows = []
    kept = fit.values.iloc[fit.result.rows]
    for t in figures:
        q = abc.weighted_quantiles(
            kept[t.label].to_numpy(dtype=float), fit.result.weights, QUANTILES
        )
        rows.append(
            {
                "structure": group_of(t),
                "figure": t.label,
                "observed": t.observed,
                "q05": q[0],
                "median": q[1],
                "q95": q[2],
                "inside": bool(q[0] <= t.observed <= q[2]),
                "relative_error": (q[1] - t.observed) / t.observed,
            }
        )
    return pd.DataFrame(rows)


def leave_one_out(calibration: Calibration, values: pd.DataFrame) -> pd.DataFrame:
    """For each structure: fit without its figures, predict them (same table, no new run)."""
    groups = sorted({group_of(t) for t in calibration.figures})
    parts = []
    for group in groups:
        held = tuple(t for t in calibration.figures if group_of(t) == group)
        kept = tuple(t for t in calibration.figures if group_of(t) != group)
        if not kept:
            continue
        fit = fit_table(calibration, values, kept)
        parts.append(predictions(fit, held))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def recovery(calibration: Calibration, fit: Fit, count: int, seed: int) -> pd.DataFrame:
    """Pseudo-observed design points with known parameters: are they in the 90% intervals?

    Each of ``count`` design points drawn at random is taken as the observation and left out of
    the table; the fit on the rest gives 90% intervals, which should hold its parameters about
    nine times in ten.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(4,)))
    n = len(fit.theta)
    rows = []
    for j in rng.choice(n, size=min(count, n), replace=False):
        mask = np.arange(n) != j
        result = abc.fit(
            fit.theta[mask],
            fit.stats[mask],
            fit.stats[j],
            calibration.prior,
            accept=calibration.spec.abc.accept,
        )
        q = abc.weighted_quantiles(result.adjusted, result.weights, [0.05, 0.95])
        for k, label in enumerate(calibration.labels):
            truth = fit.theta[j, k]
            rows.append(
                {
                    "point": int(j),
                    "parameter": label,
                    "truth": truth,
                    "q05": q[0, k],
                    "q95": q[1, k],
                    "inside": bool(q[0, k] <= truth <= q[1, k]),
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# The reduced-scale bias


def bias_points(fit: Fit, count: int) -> pd.DataFrame:
    """The ``count`` kept design points of highest weight (their parameters)."""
    order = np.argsort(-fit.result.weights, kind="stable")[:count]
    return fit.values.iloc[fit.result.rows[order]]


def bias_experiment(calibration: Calibration, chosen: pd.DataFrame, scale: float):  # noqa: ANN201
    """The chosen parameter sets as scenarios of one experiment, at ``scale``."""
    from ptce_sim.config.overrides import resolve
    from ptce_sim.config.scenario_io import load_scenario
    from ptce_sim.studies.experiment import experiment_from_data

    design = design_experiment(calibration)
    section = design.spec.experiment
    base = load_scenario(calibration.file("scenario")).model_dump(mode="json")
    whole = {
        p.path: isinstance(resolve(base, p.path)[0][0][resolve(base, p.path)[0][1]], int)
        for p in calibration.spec.parameters
    }
    entries = []
    for point, row in chosen.iterrows():
        values = {
            p.path: (round(row[p.label]) if whole[p.path] else float(row[p.label]))
            for p in calibration.spec.parameters
        }
        entries.append(
            {
                "name": f"point{int(point)}",
                "file": str(calibration.file("scenario").resolve()),
                "set": values,
            }
        )
    data = {
        "experiment": {
            "name": f"bias_{calibration.spec.calibration.name}",
            "replicates": calibration.spec.bias.replicates,
            "master_seed": section.master_seed,
            "scale": scale,
            "keep": list(section.keep),
            "structure_years": list(section.structure_years),
        },
        "scenarios": entries,
    }
    return experiment_from_data(data, str(calibration.path), calibration.path.parent)


def reduced_scale_bias(
    calibration: Calibration, fit: Fit, folder: Path, **execution
) -> pd.DataFrame:
    """Ratio, figure by figure, of full-scale values to design-scale values at the same sets.

    The chosen parameter sets run at scale 1 and at the design scale with the same seeds
    (through the batch machinery, resumable in ``folder``); counts are full-scale equivalents
    at both scales, so an unbiased reduced scale gives ratios near 1.
    """
    spec = calibration.spec
    chosen = bias_points(fit, spec.bias.points)
    if chosen.empty:
        return pd.DataFrame()
    from ptce_sim.studies.batch import run_batch

    means = {}
    for name, scale in (("full", 1.0), ("design", spec.calibration.scale)):
        experiment = bias_experiment(calibration, chosen, scale)
        where = folder / f"{name}_{experiment.digest()[:12]}"  # other sets, other folder
        run_batch(experiment, where, **execution)
        values = figure_values(where, calibration.figures, scale)
        means[name] = values.groupby("point")[[t.label for t in calibration.figures]].mean()
    rows = []
    for t in calibration.figures:
        full, design = means["full"][t.label], means["design"][t.label]
        ratio = (full / design.where(design != 0)).median()
        rows.append(
            {
                "figure": t.label,
                "observed": t.observed,
                "design_scale": design.mean(),
                "full_scale": full.mean(),
                "ratio": ratio,
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# The three stages


@dataclass
class Outcome:
    """What :func:`calibrate` produced."""

    fit: Fit
    intervals: pd.DataFrame
    predictions: pd.DataFrame
    leave_one_out: pd.DataFrame
    recovery: pd.DataFrame
    bias: pd.DataFrame
    posterior: Path
    report: Path
    elapsed_s: float
    design_s: float
    runs: int
    stamp: str = "unrecorded"
    """The reference stamp of the model's results it was calibrated on."""


def calibrate(
    calibration: Calibration, *, command: list[str] | None = None, **execution
) -> Outcome:
    """Run the design (resumable), fit, measure the bias, write the posterior and the report.

    ``execution``: ``workers``, ``scheduler``, ``resume``, ``progress`` of
    :func:`ptce_sim.studies.batch.run_batch`.
    """
    import time

    from ptce_sim.runs.reference import current_stamp
    from ptce_sim.studies import calibration_report
    from ptce_sim.studies.batch import read_manifest, run_batch
    from ptce_sim.studies.posterior import WEIGHT, write_posterior

    spec = calibration.spec
    table = calibration.file("table")
    run_batch(design_experiment(calibration), table, command=command, **execution)
    design_s = sum(float(s.get("wall_time_s") or 0) for s in read_manifest(table)["sessions"])
    start = time.perf_counter()  # the batches' time is counted over their sessions
    values = figure_values(table, calibration.figures, spec.calibration.scale)
    fit = fit_table(calibration, values)
    bias_folder = table.parent / f"{table.name}_bias"
    bias_start = time.perf_counter()
    bias = reduced_scale_bias(
        calibration, fit, bias_folder, **{**execution, "resume": True, "progress": None}
    )
    bias_now = time.perf_counter() - bias_start
    loo = leave_one_out(calibration, values)
    recovered = recovery(calibration, fit, spec.abc.recovery_points, spec.calibration.master_seed)
    bias_s = sum(
        float(s.get("wall_time_s") or 0)
        for manifest in bias_folder.glob("*/manifest.json")
        for s in read_manifest(manifest.parent)["sessions"]
    )
    elapsed = time.perf_counter() - start - bias_now + bias_s
    stamp = current_stamp() or "unrecorded"
    particles = pd.DataFrame(fit.result.adjusted, columns=calibration.labels)
    particles[WEIGHT] = fit.result.weights
    posterior = write_posterior(
        calibration.file("posterior"),
        particles,
        {p.label: p.path for p in spec.parameters},
        {
            "definition": str(calibration.path),
            "definition_sha256": calibration.digest,
            "scenario": str(calibration.file("scenario")),
            "scale": spec.calibration.scale,
            "design_points": int(len(fit.theta)),
            "runs": int(len(values)),
            "accepted": fit.result.acceptance,
            "ess": fit.result.ess,
            "tolerance": fit.result.tolerance,
            "figures": [t.label for t in calibration.figures],
            # no date nor duration: the same particles give the same file, byte for byte
            "reference_stamp": stamp,
        },
    )
    outcome = Outcome(
        fit,
        intervals(calibration, fit),
        predictions(fit, calibration.figures),
        loo,
        recovered,
        bias,
        posterior,
        calibration.file("report"),
        elapsed + design_s,
        design_s,
        len(values),
        stamp,
    )
    calibration_report.write(calibration, outcome)
    return outcome
