"""Experiment files (``experiments/*.toml``), declarative like NetLogo's BehaviorSpace.

An experiment says which scenarios, which parameter design, how many replicates, which seeds and
which indicators to keep.

An experiment file::

    [experiment]
    name = "funding_sweep"            # letters, digits, _ . -; names the output folder
    title = "Animator grant x insertion aid"
    replicates = 5                    # runs per design point, >= 1
    master_seed = 2026                # every run's seed derives from it (numpy SeedSequence)
    seeds = "common"                  # "common": replicate r has the same seed at every point
    start_year = 1995                 # optional: narrow the scenarios' years (timeline trimmed)
    end_year = 2015
    scale = 0.25                      # optional: the scenarios' [run] scale
    keep = ["employed", "ess_jobs"]   # optional: indicators kept (default: all)
    structure_years = [2012]          # optional: years whose structures-table rows each run
                                      # keeps (in its file's metadata; for calibration)
    posterior = "../scenarios/posteriors/seignanx_1970_2015.parquet"   # optional: each replicate
                                      # draws its calibrated parameters from this posterior sample
                                      # (relative to this file), as --posterior FILE does
    seeds_per_draw = 2                # optional, with posterior: replicates sharing one draw

    [[scenarios]]                     # one or more base scenarios
    name = "seignanx"
    file = "../scenarios/seignanx_1970_2015.toml"   # relative to this file
    without_cooperation = false       # true: every cooperation mechanism off
    set = { "mechanisms.treasury.enabled" = true }  # fixed changes (parameter paths)

    [design]
    type = "factorial"                # none | factorial | latin_hypercube | sobol | morris
    # samples = 64                    # latin_hypercube: points; sobol: base N (a power of 2,
    #                                 # N*(D+2) points); morris: trajectories ((D+1)*N points)
    # levels = 4                      # morris grid levels
    # second_order = false            # sobol: also second-order indices (N*(2D+2) points)

    [[design.parameters]]
    path = "authorities[*].animation_grant_eur_per_year"
    op = "multiply"                   # "set" (default) or "multiply" the scenario's value
    values = [0.5, 1.0, 2.0]          # factorial: the levels; other designs: bounds = [lo, hi]
    # log = true                      # other designs: sample uniformly in log(value) (lo > 0)
    name = "animator_grant_factor"    # optional column name (default: the path)

    [sensitivity]
    outcomes = ["employed", "ess_jobs:mean", "unemployment_rate@2010"]

Parameter paths are described in :mod:`ptce_sim.config.overrides` (``authorities[State].x``,
``sectors[*].trend_per_year``, ``events[3].depth``...). An **outcome** is an indicator reduced to
one number per run: ``employed`` (its value in the last year), ``employed@2010`` (in 2010) or
``employed:mean`` (``first``, ``last``, ``mean``, ``sum``, ``min``, ``max`` over the years).

Every problem is one :class:`~ptce_sim.config.scenario_io.ScenarioError` naming the file, the field
and what was expected. Seeds: replicate ``r`` of design point ``p`` runs with
``SeedSequence(master_seed, spawn_key=(0, r))`` (``seeds = "common"``, the same seed at every point:
common random numbers) or ``spawn_key=(1, p, r)`` (``"independent"``); the design's own sampling
uses ``spawn_key=(2,)``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ptce_sim.config.overrides import (
    Override,
    PathError,
    apply_overrides,
    apply_to_data,
    narrow_years,
    resolve,
)
from ptce_sim.config.scenario import FieldProblem, RunName, Scenario
from ptce_sim.config.scenario_io import (
    ScenarioError,
    format_validation_error,
    load_scenario,
    read_toml,
    scenario_digest,
)

__all__ = [
    "DesignPoint",
    "Experiment",
    "ExperimentFile",
    "Outcome",
    "apply_overrides",
    "experiment_from_data",
    "experiment_from_scenarios",
    "indicator_names",
    "load_experiment",
    "narrow_years",
    "parse_outcome",
    "run_seed",
]

DESIGNS = ("none", "factorial", "latin_hypercube", "sobol", "morris")
Value = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ExperimentSection(_Strict):
    """The ``[experiment]`` table."""

    name: RunName
    title: str = ""
    description: str = ""
    replicates: Annotated[int, Field(ge=1, le=100_000)] = Field(
        1, description="Runs per design point."
    )
    master_seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    seeds: Literal["common", "independent"] = "common"
    start_year: Annotated[int, Field(ge=1800, le=2200)] | None = None
    end_year: Annotated[int, Field(ge=1800, le=2200)] | None = None
    scale: Annotated[float, Field(gt=0.0, le=10.0)] | None = None
    keep: list[str] = Field(default_factory=list, description="Indicators kept; empty = all.")
    structure_years: list[Annotated[int, Field(ge=1800, le=2200)]] = Field(
        default_factory=list,
        description="Years whose rows of the structures table each run keeps (calibration).",
    )
    posterior: Annotated[str, Field(min_length=1)] | None = Field(
        None,
        description="A calibration's posterior sample (Parquet, relative to the experiment file) "
        "each replicate draws its calibrated parameters from, as --posterior FILE does.",
    )
    seeds_per_draw: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        None,
        description="With posterior: consecutive replicates sharing one draw (default 1).",
    )

    @model_validator(mode="after")
    def _years(self) -> ExperimentSection:
        if self.start_year is not None and self.end_year is not None:
            if self.end_year < self.start_year:
                raise FieldProblem(
                    "end_year", f"end_year {self.end_year} is before start_year {self.start_year}"
                )
        if self.seeds_per_draw is not None and self.posterior is None:
            raise FieldProblem(
                "seeds_per_draw", "seeds_per_draw needs posterior (a posterior sample's file)"
            )
        return self


class ScenarioEntry(_Strict):
    """One ``[[scenarios]]`` item: a base scenario of the experiment."""

    name: RunName
    file: str = Field(min_length=1, description="Scenario file, relative to the experiment file.")
    without_cooperation: bool = False
    set: dict[str, Value] = Field(default_factory=dict)

    @field_validator("file")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
            raise ValueError(
                f"expected a file path without line breaks or control characters, got {value!r}"
            )
        return value


class Parameter(_Strict):
    """One ``[[design.parameters]]`` item: a parameter the design varies."""

    path: str = Field(min_length=1)
    name: str | None = Field(None, min_length=1, max_length=200)
    op: Literal["set", "multiply"] = "set"
    values: list[Value] | None = Field(None, min_length=1)
    bounds: list[float] | None = Field(None, min_length=2, max_length=2)
    log: bool = Field(False, description="Sample uniformly in log(value) between the bounds.")
    keep_timeline: bool = False

    @property
    def label(self) -> str:
        """Its column name."""
        return self.name or self.path

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            raise FieldProblem(
                "bounds",
                f"bounds [{self.bounds[0]:g}, {self.bounds[1]:g}] are reversed or equal; "
                "expected [lower, upper] with lower < upper",
            )
        if self.log and (self.bounds is None or self.bounds[0] <= 0):
            raise FieldProblem("log", "log = true needs bounds = [lower, upper] with lower > 0")
        if self.values is not None:
            kinds = {_kind(v) for v in self.values}
            if len(kinds) > 1:
                raise FieldProblem(
                    "values", "values must be all numbers, all true/false or all text"
                )
            if len(set(map(repr, self.values))) != len(self.values):
                raise FieldProblem("values", "a value appears twice")
            if self.op == "multiply" and kinds != {"number"}:
                raise FieldProblem("values", "op 'multiply' needs numbers (factors)")
        return self


class Design(_Strict):
    """The ``[design]`` table."""

    type: Literal["none", "factorial", "latin_hypercube", "sobol", "morris"] = "none"
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    levels: Annotated[int, Field(ge=2, le=100)] = 4
    second_order: bool = False
    parameters: list[Parameter] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        labels = [p.label for p in self.parameters]
        for i, label in enumerate(labels):
            if label in labels[:i]:
                raise FieldProblem(
                    f"parameters[{i}].path",
                    f"parameter {label!r} appears twice (give one of them a distinct name)",
                )
        if self.type == "none":
            if self.parameters:
                raise FieldProblem(
                    "type",
                    "design type 'none' takes no parameters; expected 'factorial', "
                    "'latin_hypercube', 'sobol' or 'morris'",
                )
            return self
        if not self.parameters:
            raise FieldProblem(
                "parameters", f"design type {self.type!r} needs at least one parameter"
            )
        continuous = self.type != "factorial"
        for i, parameter in enumerate(self.parameters):
            if continuous and parameter.bounds is None:
                raise FieldProblem(
                    f"parameters[{i}].bounds",
                    f"design type {self.type!r} needs bounds = [lower, upper] for each parameter",
                )
            if continuous and parameter.values is not None:
                raise FieldProblem(
                    f"parameters[{i}].values",
                    f"design type {self.type!r} samples between bounds; 'values' is for type "
                    "'factorial'",
                )
            if not continuous and parameter.values is None:
                raise FieldProblem(
                    f"parameters[{i}].values", "design type 'factorial' needs values = [...]"
                )
            if not continuous and parameter.bounds is not None:
                raise FieldProblem(
                    f"parameters[{i}].bounds", "design type 'factorial' takes values, not bounds"
                )
        if continuous and self.samples is None:
            raise FieldProblem("samples", f"design type {self.type!r} needs samples = N")
        if self.type == "sobol" and self.samples & (self.samples - 1):
            raise FieldProblem(
                "samples",
                f"design type 'sobol' needs samples a power of 2 (e.g. 64), got {self.samples}",
            )
        if self.type == "sobol" and len(self.parameters) < 2:
            raise FieldProblem("parameters", "design type 'sobol' needs at least two parameters")
        if not continuous and self.samples is not None:
            raise FieldProblem(
                "samples", "design type 'factorial' takes no samples (it takes values)"
            )
        return self


class SensitivitySection(_Strict):
    """The ``[sensitivity]`` table: default outcomes of ``ptce-sim sensitivity``."""

    outcomes: list[str] = Field(default_factory=list)


class ExperimentFile(_Strict):
    """An experiment file, as validated data."""

    experiment: ExperimentSection
    scenarios: list[ScenarioEntry] = Field(min_length=1)
    design: Design = Design()
    sensitivity: SensitivitySection = SensitivitySection()

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentFile:
        names = [s.name for s in self.scenarios]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise FieldProblem(f"scenarios[{i}].name", f"scenario name {name!r} appears twice")
        if self.design.type in ("sobol", "morris") and len(self.scenarios) > 1:
            raise FieldProblem(
                "scenarios",
                f"design type {self.design.type!r} takes one scenario (its indices are per "
                f"scenario); got {len(self.scenarios)}",
            )
        return self


def _kind(value: Value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "text"


# --------------------------------------------------------------------------------------------
# Indicators and outcomes
# --------------------------------------------------------------------------------------------


def indicator_names() -> list[str]:
    """Indicators a run produces each year: the territory's, then the jobs by mechanism."""
    from ptce_sim.simulation import metrics  # imports the model's persons (Mesa): only when needed

    territory = [c for c in metrics.TERRITORY_COLUMNS if c != "year"]
    mechanisms = [c for c in metrics.MECHANISM_COLUMNS if c != "year" and c not in territory]
    return territory + mechanisms


AGGREGATES = ("first", "last", "mean", "sum", "min", "max")
_OUTCOME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:@(\d{4})|:([a-z]+))?$")


@dataclass(frozen=True)
class Outcome:
    """An indicator reduced to one number per run.

    Attributes:
        text: as written (``employed``, ``employed@2010``, ``employed:mean``).
        indicator: the yearly indicator.
        year: the year read, or ``None``.
        aggregate: the reduction over years when ``year`` is ``None`` (default ``last``).
    """

    text: str
    indicator: str
    year: int | None = None
    aggregate: str = "last"

    def of(self, years: Any, values: Any) -> float:
        """The outcome of one run from its yearly ``years`` and ``values`` (numpy arrays)."""
        import numpy as np

        values = np.asarray(values, dtype=float)
        if self.year is not None:
            hit = np.flatnonzero(np.asarray(years) == self.year)
            return float(values[hit[0]]) if hit.size else float("nan")
        if values.size == 0:
            return float("nan")
        match self.aggregate:
            case "first":
                return float(values[0])
            case "last":
                return float(values[-1])
            case "mean":
                return float(np.nanmean(values))
            case "sum":
                return float(np.nansum(values))
            case "min":
                return float(np.nanmin(values))
            case _:
                return float(np.nanmax(values))


def parse_outcome(text: str, known: list[str] | None = None) -> Outcome:
    """Parse ``indicator``, ``indicator@YEAR`` or ``indicator:AGGREGATE``.

    Raises:
        ValueError: malformed text, unknown aggregate or (with ``known``) unknown indicator.
    """
    match = _OUTCOME.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"malformed outcome {text!r}; expected 'indicator', 'indicator@YEAR' or "
            f"'indicator:AGGREGATE' with AGGREGATE among {', '.join(AGGREGATES)}"
        )
    indicator, year, aggregate = match.groups()
    if aggregate is not None and aggregate not in AGGREGATES:
        raise ValueError(
            f"unknown aggregate {aggregate!r} in outcome {text!r}; "
            f"expected one of {', '.join(AGGREGATES)}"
        )
    if known is not None and indicator not in known:
        raise ValueError(f"unknown indicator {indicator!r} in outcome {text!r}")
    return Outcome(text.strip(), indicator, int(year) if year else None, aggregate or "last")


# --------------------------------------------------------------------------------------------
# Seeds and design points
# --------------------------------------------------------------------------------------------


def run_seed(master_seed: int, replicate: int, point: int | None = None) -> int:
    """Seed of a run, from the master seed through numpy's SeedSequence (63 bits).

    Args:
        master_seed: the experiment's master seed.
        replicate: the replicate index.
        point: the design point for independent seeds, ``None`` for common random numbers.
    """
    import numpy as np

    key = (0, replicate) if point is None else (1, point, replicate)
    state = np.random.SeedSequence(master_seed, spawn_key=key).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def design_seed(master_seed: int) -> int:
    """Seed of the design's own sampling (Latin hypercube, Sobol, Morris)."""
    import numpy as np

    state = np.random.SeedSequence(master_seed, spawn_key=(2,)).generate_state(1, np.uint32)
    return int(state[0])


@dataclass(frozen=True)
class DesignPoint:
    """One point of the design: a scenario and the values of the varied parameters.

    Attributes:
        index: the point's number (0, 1, ...), in the design's order.
        scenario: the name of its base scenario.
        params: ``{parameter label: value}`` (sampled values, before rounding).
        overrides: the changes that turn the base scenario into this point's.
    """

    index: int
    scenario: str
    params: dict[str, Value]
    overrides: tuple[Override, ...] = ()


@dataclass
class Experiment:
    """A loaded experiment: its file, its base scenarios ready to run, its design.

    Attributes:
        spec: the validated file.
        path: the file (``None`` when built in code).
        file_sha256: SHA-256 of the file's bytes.
        scenarios: ``{name: scenario}`` after ``without_cooperation``, years, scale and ``set``.
        scenario_files: ``{name: (path, sha256 of its bytes)}``.
        keep: the indicators kept, in order.
        outcomes: the default outcomes of the sensitivity analysis.
        posterior: a calibration's posterior sample
            (:class:`ptce_sim.studies.posterior.PosteriorSample`): each replicate draws its
            calibrated parameters from it, or ``None``.
    """

    spec: ExperimentFile
    path: Path | None
    file_sha256: str | None
    scenarios: dict[str, Scenario]
    scenario_files: dict[str, tuple[str, str]] = field(default_factory=dict)
    keep: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    posterior: Any = None

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.spec.experiment.name

    @property
    def replicates(self) -> int:
        """Runs per design point."""
        return self.spec.experiment.replicates

    @property
    def master_seed(self) -> int:
        """The master seed."""
        return self.spec.experiment.master_seed

    @property
    def design(self) -> Design:
        """The design table."""
        return self.spec.design

    def with_options(
        self,
        *,
        replicates: int | None = None,
        scale: float | None = None,
        master_seed: int | None = None,
        posterior: Any = None,
    ) -> Experiment:
        """A copy with the replicates, the scale, the master seed or the posterior replaced."""
        section = self.spec.experiment.model_copy(
            update={
                k: v
                for k, v in {
                    "replicates": replicates,
                    "scale": scale,
                    "master_seed": master_seed,
                }.items()
                if v is not None
            }
        )
        scenarios = self.scenarios
        if scale is not None:
            scenarios = {n: s.with_overrides(scale=scale) for n, s in scenarios.items()}
        return Experiment(
            spec=self.spec.model_copy(update={"experiment": section}),
            path=self.path,
            file_sha256=self.file_sha256,
            scenarios=scenarios,
            scenario_files=self.scenario_files,
            keep=self.keep,
            outcomes=self.outcomes,
            posterior=posterior if posterior is not None else self.posterior,
        )

    def seed(self, point: int, replicate: int) -> int:
        """Seed of replicate ``replicate`` of design point ``point``."""
        common = self.spec.experiment.seeds == "common"
        return run_seed(self.master_seed, replicate, None if common else point)

    def problem(self) -> dict:
        """The SALib problem of a continuous design (names and bounds; log bounds if ``log``)."""
        parameters = self.design.parameters
        bounds = [list(p.bounds or (0.0, 1.0)) for p in parameters]
        return {
            "num_vars": len(parameters),
            "names": [p.label for p in parameters],
            "bounds": [
                [math.log(lo), math.log(hi)] if p.log else [lo, hi]
                for p, (lo, hi) in zip(parameters, bounds, strict=True)
            ],
        }

    def samples(self) -> list[tuple[Value, ...]]:
        """The design's parameter values, one tuple per point of one scenario."""
        design = self.design
        if design.type == "none":
            return [()]
        if design.type == "factorial":
            return list(itertools.product(*(p.values or [] for p in design.parameters)))
        problem = self.problem()
        seed = design_seed(self.master_seed)
        try:
            import SALib  # noqa: F401
        except ImportError:
            raise ScenarioError(
                f"a {design.type} design needs SALib: pip install 'ptce-sim[batch]'"
            ) from None
        if design.type == "latin_hypercube":
            from SALib.sample import latin

            matrix = latin.sample(problem, design.samples, seed=seed)
        elif design.type == "sobol":
            from SALib.sample import sobol

            matrix = sobol.sample(
                problem, design.samples, calc_second_order=design.second_order, seed=seed
            )
        else:
            from SALib.sample import morris

            matrix = morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
        logs = [p.log for p in design.parameters]
        return [
            tuple(math.exp(x) if log else float(x) for x, log in zip(row, logs, strict=True))
            for row in matrix
        ]

    def points(self) -> list[DesignPoint]:
        """Every design point: each scenario crossed with the design's samples."""
        samples = self.samples()
        continuous = self.design.type not in ("none", "factorial")
        parameters = self.design.parameters
        points = []
        for s, name in enumerate(self.scenarios):
            for i, values in enumerate(samples):
                overrides = tuple(
                    Override(p.path, v, p.op, p.keep_timeline, round_int=continuous)
                    for p, v in zip(parameters, values, strict=True)
                )
                params = {p.label: v for p, v in zip(parameters, values, strict=True)}
                points.append(DesignPoint(s * len(samples) + i, name, params, overrides))
        return points

    def digest(self) -> str:
        """SHA-256 of what determines the runs (checked by ``--resume``).

        The design, seeds, years, scale, replicates, kept indicators and the base scenarios'
        content count; titles, the files' comments and where the scenario files sit do not (a
        batch started from one checkout resumes from another with the same scenarios).
        """
        spec = self.spec.model_dump(mode="json", exclude={"sensitivity": True})
        for entry in spec.get("scenarios", []):
            entry.pop("file", None)  # its content counts, below, not its path
        for key in ("posterior", "seeds_per_draw"):  # the sample's use counts, below
            spec["experiment"].pop(key, None)
        content = {
            "spec": spec,
            "scenarios": {n: scenario_digest(s) for n, s in self.scenarios.items()},
            "keep": self.keep,
        }
        if self.posterior is not None:
            content["posterior"] = self.posterior.usage_digest()
        for key in ("title", "description"):
            content["spec"]["experiment"].pop(key, None)
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file, and the scenario files it names.

    Raises:
        ScenarioError: a problem with the experiment file or a scenario it names.
    """
    path = Path(path)
    data = read_toml(path, "experiment")
    source = str(path)
    try:
        spec = ExperimentFile.model_validate_json(
            json.dumps(data, default=str, allow_nan=True), strict=True
        )
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    return _build(spec, source, path.parent, path=path, file_sha256=file_hash)


def experiment_from_data(data: dict, source: str, folder: Path) -> Experiment:
    """An experiment from the content of an experiment file built in code (e.g. a calibration).

    Raises:
        ScenarioError: the content is invalid, located at ``source``.
    """
    try:
        spec = ExperimentFile.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None
    return _build(spec, source, Path(folder))


def experiment_from_scenarios(
    paths: list[str | Path],
    *,
    name: str = "comparison",
    replicates: int = 1,
    master_seed: int = 0,
    scale: float | None = None,
) -> Experiment:
    """An experiment without a parameter design that runs each scenario file (for comparisons).

    Scenario labels are the scenarios' ``[run] name``, or the file names when those repeat.

    Raises:
        ScenarioError: a scenario file is missing or invalid.
    """
    scenarios = [load_scenario(p) for p in paths]
    labels = [s.run.name for s in scenarios]
    if len(set(labels)) < len(labels):
        labels = [Path(p).stem for p in paths]
    if len(set(labels)) < len(labels):
        labels = [f"{label}_{i + 1}" for i, label in enumerate(labels)]
    labels = [re.sub(r"[^A-Za-z0-9_.-]", "_", label)[:80] for label in labels]
    entries = [
        {"name": label, "file": str(Path(p).resolve())}
        for label, p in zip(labels, paths, strict=True)
    ]
    spec = {
        "experiment": {
            "name": name,
            "replicates": replicates,
            "master_seed": master_seed,
            **({"scale": scale} if scale is not None else {}),
        },
        "scenarios": entries,
    }
    try:
        validated = ExperimentFile.model_validate(spec, strict=True)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, "<comparison>")) from None
    return _build(validated, "<comparison>", Path.cwd())


def _build(
    spec: ExperimentFile,
    source: str,
    folder: Path,
    *,
    path: Path | None = None,
    file_sha256: str | None = None,
) -> Experiment:
    """Load the scenarios, check the paths and values, the kept indicators and outcomes."""
    section = spec.experiment
    known = indicator_names()
    keep = list(section.keep) or known
    for name in section.keep:
        if name not in known:
            raise ScenarioError(
                f"{source}: field 'experiment.keep': unknown indicator {name!r}; "
                f"expected some of: {', '.join(known)}"
            )
    if len(set(keep)) < len(keep):
        raise ScenarioError(f"{source}: field 'experiment.keep': an indicator appears twice")
    outcomes = []
    for i, text in enumerate(spec.sensitivity.outcomes):
        try:
            outcome = parse_outcome(text, known)
        except ValueError as exc:
            raise ScenarioError(f"{source}: field 'sensitivity.outcomes[{i}]': {exc}") from None
        if outcome.indicator not in keep:
            raise ScenarioError(
                f"{source}: field 'sensitivity.outcomes[{i}]': indicator "
                f"{outcome.indicator!r} is not kept (add it to experiment.keep)"
            )
        outcomes.append(outcome)
    scenarios: dict[str, Scenario] = {}
    files: dict[str, tuple[str, str]] = {}
    for i, entry in enumerate(spec.scenarios):
        file = Path(entry.file)
        file = file if file.is_absolute() else folder / file
        where = f"{source}: field 'scenarios[{i}]"
        try:
            scenario = load_scenario(file)
        except ScenarioError as exc:
            raise ScenarioError(f"{where}.file': {exc}") from None
        files[entry.name] = (str(file), hashlib.sha256(file.read_bytes()).hexdigest())
        if entry.without_cooperation:
            scenario = scenario.without_cooperation()
        if section.start_year is not None or section.end_year is not None:
            start = section.start_year or scenario.run.start_year
            end = section.end_year or scenario.run.end_year
            if end < start:
                raise ScenarioError(
                    f"{source}: field 'experiment.start_year': the years {start}-{end} are "
                    f"reversed for scenario {entry.name!r}"
                )
            try:
                scenario = narrow_years(scenario, start, end)
            except ScenarioError as exc:
                raise ScenarioError(f"{where}': cannot narrow to {start}-{end}: {exc}") from None
        if section.scale is not None:
            scenario = scenario.with_overrides(scale=section.scale)
        for key, value in entry.set.items():
            scenario = _checked(scenario, Override(key, value), f"{where}.set.{key}'", "value")
        scenarios[entry.name] = scenario
        _check_parameters(spec.design, scenario, entry.name, source)
    return Experiment(
        spec=spec,
        path=path,
        file_sha256=file_sha256,
        scenarios=scenarios,
        scenario_files=files,
        keep=keep,
        outcomes=outcomes,
        posterior=_posterior(section, source, folder),
    )


def _posterior(section: ExperimentSection, source: str, folder: Path) -> Any:  # noqa: ANN401
    """The posterior sample the ``[experiment]`` table names, if any (loaded and checked)."""
    if section.posterior is None:
        return None
    from ptce_sim.studies.posterior import load_posterior

    file = Path(section.posterior)
    file = file if file.is_absolute() else folder / file
    try:
        return load_posterior(file, section.seeds_per_draw or 1)
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: field 'experiment.posterior': {exc}") from None


def _checked(scenario: Scenario, override: Override, where: str, what: str) -> Scenario:
    """``scenario`` with ``override`` applied, or a ScenarioError located at ``where``."""
    data = scenario.model_dump(mode="json")
    try:
        apply_to_data(data, [override])
    except PathError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    try:
        return apply_overrides(scenario, [override], source="<scenario>")
    except ScenarioError as exc:
        problem = str(exc).removeprefix("<scenario>: ")
        raise ScenarioError(
            f"{where}: {what} {override.value!r} for {override.path} is not accepted by "
            f"scenario {scenario.run.name!r}: {problem}"
        ) from None


def _check_parameters(design: Design, scenario: Scenario, name: str, source: str) -> None:
    """Each parameter's path exists in ``scenario`` and each value (or bound) alone fits it."""
    continuous = design.type not in ("none", "factorial")
    for i, parameter in enumerate(design.parameters):
        where = f"{source}: field 'design.parameters[{i}]"
        data = scenario.model_dump(mode="json")
        try:
            leaves = resolve(data, parameter.path)
        except PathError as exc:
            raise ScenarioError(f"{where}.path': {exc} (scenario {name!r})") from None
        for parent, key, concrete in leaves:
            if isinstance(parent[key], bool) and continuous:
                raise ScenarioError(
                    f"{where}.path': {concrete} is true/false; design type {design.type!r} "
                    "varies numbers (use type 'factorial')"
                )
        checks = parameter.values if parameter.values is not None else parameter.bounds or []
        field_name = "values" if parameter.values is not None else "bounds"
        for value in checks:
            override = Override(
                parameter.path,
                value,
                parameter.op,
                parameter.keep_timeline,
                round_int=continuous,
            )
            _checked(scenario, override, f"{where}.{field_name}'", "value")
