"""Run a scenario to its end: the model as a function of (scenario, seed) returning its tables.

No file is read or written here; :mod:`ptce_sim.runs.results` writes what :func:`simulate` returns.
Batch runners, the validation and the benchmarks all call :func:`simulate`.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ptce_sim.config.scenario import Scenario
from ptce_sim.runs import resilience
from ptce_sim.simulation.model import PtceModel


@dataclass
class RunResult:
    """What one run produced.

    Attributes:
        territory: one row per year.
        structures: one row per structure per year.
        jobs_by_mechanism: one row per year.
        monthly: monthly series (employment, unemployment, ESS jobs, pole members).
        resilience: Martin (2012) measures, one row per shock.
        events: (month, type, note) of every event applied, failures included.
        wall_time_s: seconds spent stepping the model.
        person_months: persons simulated (residents and in-commuters) summed over the months
            (the run's size, the unit of the model's work).
        mean_persons: mean number of persons over the months.
    """

    scenario: Scenario
    seed: int
    territory: pd.DataFrame
    structures: pd.DataFrame
    jobs_by_mechanism: pd.DataFrame
    monthly: pd.DataFrame
    resilience: pd.DataFrame
    events: list[tuple[int, str, str]] = field(default_factory=list)
    wall_time_s: float = 0.0
    setup_time_s: float = 0.0
    person_months: int = 0

    @property
    def mean_persons(self) -> float:
        """Mean number of persons over the months."""
        return self.person_months / max(1, len(self.monthly))


def settle_startup_objects() -> None:
    """Leave every object alive now (imported modules, loaded scenarios) out of later collections.

    A process that runs models (the ``ptce-sim run`` command, a batch worker) calls this once,
    after its imports: the garbage collector's full passes then no longer walk through the many
    objects of numpy, pandas, pydantic and Mesa, which made up a quarter of a run's CPU time and
    most of its memory traffic (two workers side by side slowed each other down by 20%).
    Results are unchanged: only when unreachable objects are freed changes, not what is computed.
    """
    gc.collect()
    gc.freeze()


def simulate(
    scenario: Scenario,
    seed: int = 0,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run ``scenario`` with ``seed`` to its end and return its tables.

    Args:
        scenario: a validated scenario.
        seed: seed of the run's only random generator.
        progress: called as ``progress(months_done, months_total)`` after each month.
    """
    start = time.perf_counter()
    model = PtceModel(scenario, seed)
    built = time.perf_counter()
    total = scenario.months
    while model.running:
        model.step()
        if progress is not None:
            progress(model.month_index, total)
    wall = time.perf_counter() - built
    return result_of(model, wall_time_s=wall, setup_time_s=built - start)


def result_of(
    model: PtceModel, *, wall_time_s: float = 0.0, setup_time_s: float = 0.0
) -> RunResult:
    """The tables of a model in its current state (a finished run, or a dashboard's)."""
    tables = model.recorder.tables()
    monthly = tables["monthly"]
    employment = monthly["employed"].to_numpy() if len(monthly) else []
    return RunResult(
        scenario=model.input_spec,
        seed=model.seed,
        territory=tables["territory"],
        structures=tables["structures"],
        jobs_by_mechanism=tables["jobs_by_mechanism"],
        monthly=monthly,
        resilience=resilience.measure_shocks(employment, model.shocks),
        events=list(model.events_applied),
        wall_time_s=wall_time_s,
        setup_time_s=setup_time_s,
        person_months=_person_months(monthly),
    )


def _person_months(monthly: pd.DataFrame) -> int:
    """Persons simulated, summed over the months.

    Residents, and the in-commuters who hold jobs of the territory (every one a row of the
    person table, stepped like the residents).
    """
    if not len(monthly):
        return 0
    persons = monthly["persons"].sum()
    if "jobs_held_by_non_residents" in monthly:
        persons += monthly["jobs_held_by_non_residents"].sum()
    return int(persons)
