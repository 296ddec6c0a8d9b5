"""Shared helpers of the model and mechanism tests: scenario variants and instrumented runs.

Only the public API is used: :func:`ptce_sim.config.scenario_io.load_scenario`, the scenario's
``model_dump``/``model_validate`` round trip, :class:`ptce_sim.simulation.model.PtceModel` stepped
by hand and :func:`ptce_sim.runs.runner.result_of` for its tables.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from ptce_sim.config.scenario import Scenario
from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs.runner import RunResult, result_of
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.model import PtceModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_PATH = ROOT / "scenarios" / "seignanx_1970_2015.toml"


FORMER_GROWTH = ((1970, 0.008), (1990, 0.010), (2000, 0.026))
"""The Seignanx's labour-force growth periods before it followed the census (year, rate)."""


def growth_form(data: dict, *periods: tuple[int, float], labour_force: int = 5100) -> dict:
    """Scenario data whose territory has ``labour_force`` and growth periods, not a census.

    For tests of the growth-period form (and of designs over ``territory.labour_force``); the
    default labour force is the Seignanx's census path in 1970 times its activity rate.
    """
    territory = data["territory"]
    territory.pop("census", None)
    territory["labour_force"] = labour_force
    territory["growth"] = [{"from_year": y, "rate_per_year": r} for y, r in periods]
    return data


@cache
def base_scenario(scale: float) -> Scenario:
    """The Seignanx 1970-2015 scenario at ``scale``."""
    return load_scenario(SCENARIO_PATH).with_overrides(scale=scale)


def with_mechanism(scenario: Scenario, section: str, **values: object) -> Scenario:
    """``scenario`` with ``[mechanisms.<section>]`` fields replaced from the start.

    Policy events of the timeline that would set the same fields later are stripped of them (and
    dropped when nothing is left), so that the change holds for the whole run.
    """
    data = scenario.model_dump(mode="python")
    data["mechanisms"][section].update(values)
    paths = {f"{section}.{name}" for name in values}
    events = []
    for event in data["events"]:
        if event["type"] == "policy":
            event["set"] = {k: v for k, v in event["set"].items() if k not in paths}
            if not (event["set"] or event["formalise_pole"] or event["create_solidarity_fund"]):
                continue
        events.append(event)
    data["events"] = events
    return Scenario.model_validate(data)


def switched_off(scenario: Scenario, section: str) -> Scenario:
    """``scenario`` with one mechanism switched off for the whole run."""
    return with_mechanism(scenario, section, enabled=False)


def structure_of(data: dict, name: str) -> dict:
    """The ``structure`` table of the timeline event creating ``name`` (in a scenario's data)."""
    return next(
        e["structure"]
        for e in data["events"]
        if e["type"] == "create_structure" and e["structure"]["name"] == name
    )


def with_events(scenario: Scenario, *events: dict) -> Scenario:
    """``scenario`` with extra timeline events (given as scenario-file dicts)."""
    data = scenario.model_dump(mode="python")
    data["events"] = [*data["events"], *events]
    return Scenario.model_validate(data)


@dataclass
class Outcome:
    """A finished run's tables and a few person-level figures the tables do not hold."""

    result: RunResult
    mean_skill: float
    """Mean skill of the persons at the end of the run."""
    planned_trainees: int
    """Trainees whose course aimed at a sector (skills planning), summed over the months."""
    failures: list[tuple[int, str]] = field(default_factory=list)
    """(month, structure name) of every structure failure."""
    seconds: float = 0.0

    @property
    def territory(self):
        """The run's yearly territory table."""
        return self.result.territory

    @property
    def mechanisms(self):
        """The run's yearly jobs-by-mechanism table."""
        return self.result.jobs_by_mechanism

    def total(
        self, column: str, *, table: str = "jobs_by_mechanism", since: int | None = None
    ) -> float:
        """Sum of a yearly column (from year ``since`` on)."""
        frame = getattr(self.result, table)
        if since is not None:
            frame = frame[frame["year"] >= since]
        return float(frame[column].sum())

    def at(self, year: int, column: str, *, table: str = "territory") -> float:
        """A yearly indicator."""
        frame = getattr(self.result, table)
        return float(frame.loc[frame["year"] == year, column].iloc[0])


def run(
    scenario: Scenario, seed: int, on_step: Callable[[PtceModel], None] | None = None
) -> Outcome:
    """Step a model to the scenario's end; ``on_step(model)`` after every month."""
    start = time.perf_counter()
    model = PtceModel(scenario, seed)
    planned = 0
    while model.running:
        model.step()
        people = model.people
        planned += int(
            np.count_nonzero((people.status == Status.TRAINING) & (people.trained_sector >= 0))
        )
        if on_step is not None:
            on_step(model)
    return Outcome(
        result=result_of(model),
        mean_skill=float(model.people.skill.mean()),
        planned_trainees=planned,
        failures=[(m, name) for m, kind, name in model.events_applied if kind == "failure"],
        seconds=time.perf_counter() - start,
    )


WORKERS = 2
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _run_job(job: tuple[Scenario, int]) -> Outcome:
    return run(*job)


def run_many(jobs: dict[object, tuple[Scenario, int]]) -> dict[object, Outcome]:
    """Run ``{key: (scenario, seed)}`` two at a time; returns ``{key: Outcome}``.

    Workers are spawned (not forked: the test process may have threads), and import this module
    by the path pytest put on ``sys.path``.
    """
    keys = list(jobs)
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))  # one BLAS thread per worker
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            outcomes = list(pool.map(_run_job, [jobs[k] for k in keys]))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return dict(zip(keys, outcomes, strict=True))
