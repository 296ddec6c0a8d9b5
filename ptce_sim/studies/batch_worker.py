"""One run of a batch, as executed in a worker process (a local pool's or a Dask worker's).

The worker builds the design point's scenario, simulates it and returns the run's table as
Parquet bytes; the parent writes them. Whatever the run raises is caught and returned as a
failure record with the error and the seed, so that one bad run never stops a batch. This module
imports only the standard library at the top, so that a worker can set its environment
(:func:`init_worker`) before numpy is loaded.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ID_COLUMNS = ("run_id", "point", "replicate", "seed", "scenario")
METADATA_KEY = b"ptce_sim"


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run (picklable, no open resources).

    Attributes:
        run_id: ``p<point>-r<replicate>``, the name of its file.
        point: the design point.
        replicate: the replicate index.
        seed: the run's seed.
        scenario: the name of its base scenario.
        params: ``{parameter label: value}`` of its design point.
        base: the base scenario's data (``Scenario.model_dump(mode="json")``).
        overrides: the design point's changes (``ptce_sim.config.overrides.Override``).
        keep: the indicators kept.
        structure_years: the years whose structures-table rows are kept (in the metadata).
        draw: the row of the posterior sample this run's calibrated parameters come from.
    """

    run_id: str
    point: int
    replicate: int
    seed: int
    scenario: str
    params: dict[str, Any]
    base: dict
    overrides: tuple = ()
    keep: tuple[str, ...] = field(default_factory=tuple)
    structure_years: tuple[int, ...] = ()
    draw: int | None = None

    def failed(self, error: str, trace: str = "") -> Outcome:
        """The outcome of this run when it failed: what to record to reproduce it."""
        return Outcome(
            self.run_id,
            failure={
                "run_id": self.run_id,
                "point": self.point,
                "replicate": self.replicate,
                "seed": self.seed,
                "scenario": self.scenario,
                "params": self.params,
                "error": error,
                "traceback": trace,
            },
        )


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the run's Parquet bytes, or a failure record."""

    run_id: str
    data: bytes | None = None
    failure: dict | None = None


def run_id(point: int, replicate: int) -> str:
    """File name (without extension) of a run."""
    return f"p{point:05d}-r{replicate:04d}"


def init_worker(nice: int = 0) -> None:
    """Worker start-up: one BLAS thread per process, Ctrl-C left to the parent.

    ``nice`` is added to the process's niceness (a lower priority: a server's live pages come
    first).

    The model's modules are imported and settled out of the garbage collector's passes (see
    :func:`ptce_sim.runs.runner.settle_startup_objects`). The worker exits when its parent dies
    (even killed with SIGKILL), instead of lingering.
    """
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice > 0:
        os.nice(nice)
    parent = os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    from ptce_sim.config import overrides, scenario_io  # noqa: F401 - imported before the settling
    from ptce_sim.runs.runner import settle_startup_objects

    settle_startup_objects()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def execute(task: Task) -> Outcome:
    """Run one task; never raises for a problem of the run itself."""
    try:
        return Outcome(task.run_id, data=_run(task))
    except Exception as exc:  # a failed run is data, not a crash of the batch
        lines = traceback.format_exception(exc)
        return task.failed(f"{type(exc).__name__}: {exc}", "".join(lines[-12:]))


def _run(task: Task) -> bytes:
    """Simulate the task's scenario and return its table as Parquet bytes."""
    from ptce_sim.config.overrides import apply_to_data
    from ptce_sim.config.scenario_io import parse_scenario
    from ptce_sim.runs.runner import simulate

    data = apply_to_data(copy.deepcopy(task.base), task.overrides)
    scenario = parse_scenario(data, source=f"design point {task.point}")
    result = simulate(scenario, task.seed)
    return to_parquet(
        run_table(task, result.territory, result.jobs_by_mechanism),
        _metadata(task, result.resilience, result.structures),
    )


def yearly_table(territory: Any, mechanisms: Any) -> Any:
    """A run's yearly territory rows with the jobs-by-mechanism columns they lack."""
    extra = [c for c in mechanisms.columns if c != "year" and c not in territory.columns]
    return territory.merge(mechanisms[["year", *extra]], on="year", how="left", sort=True)


def run_table(task: Task, territory: Any, mechanisms: Any) -> Any:
    """The run's yearly rows: id columns, parameters, year and the kept indicators."""
    import pandas as pd

    yearly = yearly_table(territory, mechanisms)
    columns = {
        "run_id": task.run_id,
        "point": task.point,
        "replicate": task.replicate,
        "seed": task.seed,
        "scenario": task.scenario,
    }
    frame = pd.DataFrame({k: [v] * len(yearly) for k, v in columns.items()})
    frame = frame.astype({"point": "int64", "replicate": "int64", "seed": "int64"})
    for label, value in task.params.items():
        frame[label] = [value] * len(yearly)
    frame["year"] = yearly["year"].to_numpy()
    for name in task.keep:
        frame[name] = yearly[name].to_numpy()
    return frame


def _metadata(task: Task, resilience: Any, structures: Any) -> dict:
    """The run's provenance, resilience measures and kept structure rows (Parquet metadata)."""
    records = json.loads(resilience.to_json(orient="records"))  # NaN -> null
    extra: dict[str, Any] = {}
    if task.structure_years:
        rows = structures[structures["year"].isin(task.structure_years)]
        extra["structures"] = json.loads(rows.to_json(orient="split", index=False))
    if task.draw is not None:
        extra["posterior_draw"] = task.draw
    return {
        **extra,
        "run_id": task.run_id,
        "point": task.point,
        "replicate": task.replicate,
        "seed": task.seed,
        "scenario": task.scenario,
        "params": task.params,
        "start_year": task.base["run"]["start_year"],
        "scale": task.base["run"]["scale"],
        "resilience": records,
    }


def to_parquet(frame: Any, metadata: dict) -> bytes:
    """``frame`` as Parquet bytes, with ``metadata`` as JSON under the key ``ptce_sim``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema_metadata = dict(table.schema.metadata or {})
    schema_metadata[METADATA_KEY] = json.dumps(metadata, sort_keys=True).encode()
    table = table.replace_schema_metadata(schema_metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()
