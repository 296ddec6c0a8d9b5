"""Shared helpers of the model and mechanism tests: scenario variants and instrumented runs.

Only the public API is used: :func:`ptce_sim.config.scenario_io.load_scenario`, the scenario's
``model_dump``/``model_validate`` round trip, :class:`ptce_sim.simulation.model.PtceModel` stepped
by hand and :func:`ptce_sim.runs.runner.result_of` for its tables.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from ptce_sim.config.scenario import Scenario
from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs.runner import RunResult, result_of
from ptce_sim.simulation import events as timeline
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


def advance(
    model: PtceModel, until: int | None = None, on_step: Callable[[PtceModel], None] | None = None
) -> int:
    """Step ``model`` to month index ``until`` (its end when ``None``).

    ``on_step(model)`` after every month. Returns the trainees whose course aimed at a sector,
    summed over those months.
    """
    planned = 0
    while model.running and (until is None or model.month_index < until):
        model.step()
        people = model.people
        planned += int(
            np.count_nonzero((people.status == Status.TRAINING) & (people.trained_sector >= 0))
        )
        if on_step is not None:
            on_step(model)
    return planned


def outcome_of(model: PtceModel, planned: int, start: float) -> Outcome:
    """A finished model's :class:`Outcome` (``start``: its ``time.perf_counter()`` at the start)."""
    return Outcome(
        result=result_of(model),
        mean_skill=float(model.people.skill.mean()),
        planned_trainees=planned,
        failures=[(m, name) for m, kind, name in model.events_applied if kind == "failure"],
        seconds=time.perf_counter() - start,
    )


def run(
    scenario: Scenario, seed: int, on_step: Callable[[PtceModel], None] | None = None
) -> Outcome:
    """Step a model to the scenario's end; ``on_step(model)`` after every month."""
    start = time.perf_counter()
    model = PtceModel(scenario, seed)
    return outcome_of(model, advance(model, on_step=on_step), start)


def branch(model: PtceModel, other: Scenario) -> PtceModel:
    """A copy of ``model`` that goes on from its current month as a run of ``other`` would.

    For a pair of scenarios that differ only in what acts from this month on: a mechanism's
    parameters, other sections (``legal_forms``...), events not due yet. The copy keeps the
    state and the random streams (common random numbers, as a dashboard fork); it takes
    ``other``'s events still to come and its values where the two scenarios differ, mechanism
    parameters through the same lever as a policy event
    (:func:`~ptce_sim.simulation.events.set_parameter`). Whether that is the run of ``other``
    from the start is for the caller to check (:func:`run_branched` does, on one seed).

    Raises:
        AssertionError: the scenarios differ in their run or in events already due.
    """
    here, month = model.input_spec, model.month_index

    def due(scenario: Scenario) -> list:
        return [e for e in scenario.events if scenario.month_index(e.year, e.month) < month]

    assert here.run == other.run, "a branch keeps the run's years and scale"
    assert due(here) == due(other), f"the scenarios' events before month {month} differ"
    twin = copy.deepcopy(model)
    twin.input_spec = other
    twin.timeline = timeline.Timeline(other)
    twin.timeline.due(month - 1)
    own = ("run", "events", "mechanisms")  # checked above, taken below, set one by one
    sections = {
        name: getattr(other, name)
        for name in type(other).model_fields
        if name not in own and getattr(other, name) != getattr(here, name)
    }
    twin.spec = twin.spec.model_copy(update=sections)
    for section in type(other.mechanisms).model_fields:
        mine, theirs = getattr(here.mechanisms, section), getattr(other.mechanisms, section)
        for name in type(theirs).model_fields:
            if getattr(mine, name) != getattr(theirs, name):
                timeline.set_parameter(twin, f"{section}.{name}", getattr(theirs, name))
    return twin


def _run_branches(
    job: tuple[Scenario, tuple[tuple[str, Scenario], ...], int, int],
) -> dict[str, Outcome]:
    trunk, branches, seed, month = job
    start = time.perf_counter()
    model = PtceModel(trunk, seed)
    shared = advance(model, month)
    twins = {name: branch(model, scenario) for name, scenario in branches if scenario != trunk}
    outcomes = {}
    for name, _ in branches:
        twin = twins.get(name, model)
        outcomes[name] = outcome_of(twin, shared + advance(twin), start)
        start = time.perf_counter()
    return outcomes


def same_results(a: Outcome, b: Outcome) -> bool:
    """Two outcomes have identical tables, events and person-level figures."""
    tables = ("territory", "structures", "jobs_by_mechanism", "monthly", "resilience")
    return (
        all(getattr(a.result, t).equals(getattr(b.result, t)) for t in tables)
        and a.result.events == b.result.events
        and (a.mean_skill, a.planned_trainees, a.failures)
        == (b.mean_skill, b.planned_trainees, b.failures)
    )


def run_branches(
    trunk: Scenario, branches: dict[str, Scenario], seeds: Iterable[int], date: str
) -> dict[int, dict[str, Outcome]]:
    """Runs ``{seed: {name: outcome}}`` of ``branches`` that share their months before ``date``.

    Each seed runs ``trunk`` to ``date`` (``"YYYY-MM"``), then goes on once for each branch: a
    :func:`branch` of it for a scenario other than ``trunk``, the trunk itself (at most one
    branch) for ``trunk``. Each branch other than ``trunk`` is also run from the start on the
    first seed, and must give the same results: the scenarios do not differ from ``trunk``
    before ``date``, and a branch is the run of its scenario. Branches cost one shared history
    plus their months from ``date``.
    """
    seeds = list(seeds)
    assert sum(scenario == trunk for scenario in branches.values()) <= 1, "one trunk branch"
    year, month = (int(part) for part in date.split("-"))
    at = trunk.month_index(year, month)
    jobs: list[tuple[Callable, tuple]] = [
        (_run_branches, (trunk, tuple(branches.items()), seed, at)) for seed in seeds
    ]
    checked = [name for name, scenario in branches.items() if scenario != trunk]
    jobs += [(_run_job, (branches[name], seeds[0])) for name in checked]
    outcomes = _pool_map(jobs)
    runs = dict(zip(seeds, outcomes[: len(seeds)], strict=True))
    for name, whole in zip(checked, outcomes[len(seeds) :], strict=True):
        assert same_results(runs[seeds[0]][name], whole), (
            f"branch {name!r} at {date} is not the run of its scenario (seed {seeds[0]})"
        )
    return runs


def run_branched(
    first: Scenario, second: Scenario, seeds: Iterable[int], date: str
) -> dict[int, tuple[Outcome, Outcome]]:
    """Paired runs ``{seed: (first, second)}`` that share their months before ``date``.

    ``second`` is a branch of ``first`` (:func:`run_branches`).
    """
    runs = run_branches(first, {"first": first, "second": second}, seeds, date)
    return {seed: (arms["first"], arms["second"]) for seed, arms in runs.items()}


WORKERS = 2
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _run_job(job: tuple[Scenario, int]) -> Outcome:
    return run(*job)


def _call(job: tuple[Callable, tuple]) -> object:
    function, arguments = job
    return function(arguments)


def _pool_map(jobs: list[tuple[Callable, tuple]]) -> list:
    """``[function(arguments) for function, arguments in jobs]``, two processes at a time.

    Workers are spawned (not forked: the test process may have threads), and import this module
    by the path pytest put on ``sys.path``.
    """
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))  # one BLAS thread per worker
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            return list(pool.map(_call, jobs))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_many(jobs: dict[object, tuple[Scenario, int]]) -> dict[object, Outcome]:
    """Run ``{key: (scenario, seed)}`` two at a time; returns ``{key: Outcome}``."""
    keys = list(jobs)
    outcomes = _pool_map([(_run_job, jobs[k]) for k in keys])
    return dict(zip(keys, outcomes, strict=True))
