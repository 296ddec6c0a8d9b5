"""Run an experiment's batch: every design point times every replicate, streamed to files.

Layout of a batch folder ``DIR``:

* ``runs/<run id>.parquet``: one file per finished run, its yearly indicators with the columns
  ``run_id, point, replicate, seed, scenario``, one column per varied parameter, ``year`` and
  the kept indicators. The run's resilience measures (Martin 2012) are in the file's metadata
  (:func:`load_resilience`). Each file is written under a temporary name and renamed, so a file
  that exists is complete.
* ``failed/<run id>.json``: a run that raised: its error, traceback, seed and parameters.
* ``design.parquet``: the design points (point, scenario, parameter values).
* ``manifest.json``: provenance (experiment file and hash, scenarios and hashes, design, seeds,
  package versions, machine, and for each session its start, end, executor, command and the
  hash of the model's code), counts.
* ``summary.parquet``: per design point and year, ``<indicator>_mean``, ``_std``, ``_q05`` and
  ``_q95`` over the replicates (the 90% interval), with the numbers of runs done and failed.

Runs execute on a local pool of spawned processes (the global multiprocessing state is not
touched), or on a Dask distributed cluster. The parent alone writes files, so results are the
same whatever the number of workers or the executor. An interrupted batch loses no finished
run; ``resume=True`` runs only the runs without a file (failed runs are tried again).
"""

from __future__ import annotations

import json
import os
import platform
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.runs.atomic import write_bytes
from ptce_sim.runs.reference import current_stamp
from ptce_sim.studies.batch_worker import ID_COLUMNS, METADATA_KEY, Outcome, Task, execute, run_id
from ptce_sim.studies.experiment import Experiment

MAX_ATTEMPTS = 3
"""Times a run is tried when its worker process dies (a crash, not an error of the run)."""

Progress = Callable[[int, int, int], None]
"""``progress(runs done, runs failed, runs planned)``, called after each finished run."""


@dataclass
class BatchReport:
    """What a call to :func:`run_batch` did.

    Attributes:
        out: the batch folder.
        planned: runs in the experiment.
        done: runs with a result file (this session and earlier ones).
        ran: runs finished in this session.
        skipped: runs already done before this session (``--resume``).
        failures: failure records of this session.
        wall_time_s: duration of this session.
        interrupted: the session was interrupted.
    """

    out: Path
    planned: int
    done: int = 0
    ran: int = 0
    skipped: int = 0
    failures: list[dict] = field(default_factory=list)
    wall_time_s: float = 0.0
    interrupted: bool = False


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _write_json(path: Path, content: dict) -> None:
    write_bytes(path, (json.dumps(content, indent=2, ensure_ascii=False) + "\n").encode())


def run_files(out: Path) -> list[Path]:
    """The finished runs' files of a batch folder, sorted by run id."""
    folder = Path(out) / "runs"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("p*.parquet") if not p.name.startswith("."))


MANIFEST_FIELDS = {
    "experiment": str,
    "design": dict,
    "replicates": int,
    "keep": list,
    "parameters": list,
    "scenarios": dict,
    "sessions": list,
}
"""The fields of a batch manifest that readers rely on, and their JSON types."""
MANIFEST_KINDS = {str: "a string", dict: "an object", int: "an integer", list: "a list"}


def read_manifest(out: str | Path) -> dict:
    """The manifest of a batch folder.

    Raises:
        ScenarioError: the folder is not a batch folder.
    """
    path = Path(out) / "manifest.json"
    if not path.is_file():
        raise ScenarioError(f"{out}: not a batch folder (no manifest.json); run 'ptce-sim batch'")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise ScenarioError(f"{path}: expected a JSON object (a batch manifest)")
    for field_name, kind in MANIFEST_FIELDS.items():
        if not isinstance(manifest.get(field_name), kind):
            raise ScenarioError(
                f"{path}: field '{field_name}' is missing or not {MANIFEST_KINDS[kind]}; expected "
                "a manifest written by ptce-sim batch"
            )
    if not isinstance(manifest["design"].get("type"), str):
        raise ScenarioError(f"{path}: field 'design.type' is missing or not a string")
    return manifest


# --------------------------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------------------------


class WorkerLost(Exception):
    """A worker process died while it held a run (not an error of the run)."""


class _LocalBackend:
    """A pool of spawned processes, restarted if a worker dies."""

    def __init__(self, workers: int, nice: int = 0) -> None:
        self.workers = workers
        self.nice = nice
        self.capacity = 2 * workers
        self.generation = 0
        self.pool = self._start()

    def _start(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from ptce_sim.studies.batch_worker import init_worker

        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self.nice,),
        )

    def describe(self) -> dict:
        described = {"executor": "local", "workers": self.workers, "start_method": "spawn"}
        return {**described, "nice": self.nice} if self.nice else described

    def submit(self, task: Task) -> Any:
        future = self.pool.submit(execute, task)
        future.generation = self.generation  # type: ignore[attr-defined]
        return future

    def wait_any(self, futures: list) -> set:
        from concurrent.futures import FIRST_COMPLETED, wait

        return wait(futures, return_when=FIRST_COMPLETED).done

    def result(self, future: Any) -> Outcome:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool as exc:
            if future.generation == self.generation:  # first sign: start a new pool
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.generation += 1
                self.pool = self._start()
            raise WorkerLost(f"worker process died ({exc})") from None

    def close(self, *, cancel: bool) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _DaskBackend:
    """A Dask distributed cluster reached through its scheduler's address."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ScenarioError(
                "--scheduler needs dask[distributed]: pip install 'ptce-sim[batch]'"
            ) from None
        try:
            self.client = Client(address, timeout="15s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ScenarioError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
        from distributed import as_completed

        self.address = address
        self.completed = as_completed(loop=self.client.loop)
        threads = sum(self.client.nthreads().values())
        self.capacity = 2 * max(1, threads)
        self.threads = threads

    def describe(self) -> dict:
        return {"executor": "dask", "scheduler": self.address, "threads": self.threads}

    def submit(self, task: Task) -> Any:
        future = self.client.submit(execute, task, pure=False)
        self.completed.add(future)
        return future

    def wait_any(self, futures: list) -> set:
        return set(self.completed.next_batch(block=True))

    def result(self, future: Any) -> Outcome:
        try:
            return future.result()
        except Exception as exc:  # KilledWorker, CommClosedError...: the cluster's problem
            raise WorkerLost(f"{type(exc).__name__}: {exc}") from None

    def close(self, *, cancel: bool) -> None:
        if cancel:
            self.completed.clear()
        self.client.close()


class _NoBackend:
    """Nothing left to run."""

    capacity = 1

    def describe(self) -> dict:
        return {"executor": "none (nothing left to run)"}

    def close(self, *, cancel: bool) -> None:
        return None


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------


def _param_value(value: Any) -> Any:
    """Parameter values as stored in columns: numbers as floats (one dtype per column)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def tasks(experiment: Experiment, skip: set[str] = frozenset()) -> Iterator[Task]:
    """The batch's runs, point by point, without those in ``skip``; built lazily."""
    bases = {name: s.model_dump(mode="json") for name, s in experiment.scenarios.items()}
    keep = tuple(experiment.keep)
    years = tuple(experiment.spec.experiment.structure_years)
    posterior = experiment.posterior
    for point in experiment.points():
        params = {k: _param_value(v) for k, v in point.params.items()}
        for replicate in range(experiment.replicates):
            rid = run_id(point.index, replicate)
            if rid in skip:
                continue
            draw, drawn = (
                (None, ())
                if posterior is None
                else posterior.draw(experiment.master_seed, replicate)
            )
            yield Task(
                run_id=rid,
                point=point.index,
                replicate=replicate,
                seed=experiment.seed(point.index, replicate),
                scenario=point.scenario,
                params=params,
                base=bases[point.scenario],
                overrides=(*drawn, *point.overrides),  # the design's values win
                keep=keep,
                structure_years=years,
                draw=draw,
            )


def design_table(experiment: Experiment) -> Any:
    """The design points as a DataFrame: ``point``, ``scenario`` and one column per parameter."""
    import pandas as pd

    labels = [p.label for p in experiment.design.parameters]
    rows = [
        {"point": p.index, "scenario": p.scenario, **{k: _param_value(p.params[k]) for k in labels}}
        for p in experiment.points()
    ]
    return pd.DataFrame(rows, columns=["point", "scenario", *labels])


def _versions() -> dict[str, str]:
    from importlib import metadata

    from ptce_sim.runs.results import package_versions

    versions = package_versions()
    for name in ("SALib", "dask", "distributed", "scipy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def code_digest() -> str:
    """SHA-256 of the ``ptce_sim`` package's Python sources (which model code made the runs)."""
    import hashlib

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_manifest(experiment: Experiment) -> dict:
    """The manifest of a new batch (its provenance)."""
    from ptce_sim.config.scenario_io import scenario_digest

    design = experiment.design
    return {
        "format": "ptce-sim batch 1",
        "experiment": experiment.name,
        "title": experiment.spec.experiment.title,
        "experiment_file": str(experiment.path) if experiment.path else None,
        "experiment_sha256": experiment.file_sha256,
        "experiment_spec": experiment.spec.model_dump(mode="json"),
        "plan_digest": experiment.digest(),
        "design": {
            "type": design.type,
            "samples": design.samples,
            "levels": design.levels,
            "second_order": design.second_order,
            "parameters": [
                {
                    "label": p.label,
                    "path": p.path,
                    "op": p.op,
                    "values": p.values,
                    "bounds": p.bounds,
                    "log": p.log,
                }
                for p in design.parameters
            ],
            "points": len(experiment.points()),
        },
        "problem": experiment.problem() if design.type not in ("none", "factorial") else None,
        "replicates": experiment.replicates,
        "master_seed": experiment.master_seed,
        "seeds": experiment.spec.experiment.seeds,
        "replicate_seeds": [experiment.seed(0, r) for r in range(min(experiment.replicates, 1000))]
        if experiment.spec.experiment.seeds == "common"
        else None,
        "keep": experiment.keep,
        "posterior": experiment.posterior.describe() if experiment.posterior else None,
        "parameters": [p.label for p in design.parameters],
        "id_columns": list(ID_COLUMNS),
        "scenarios": {
            name: {
                "file": experiment.scenario_files.get(name, (None, None))[0],
                "file_sha256": experiment.scenario_files.get(name, (None, None))[1],
                "scenario_sha256": scenario_digest(scenario),
                "run_name": scenario.run.name,
                "title": scenario.run.title,
                "start_year": scenario.run.start_year,
                "end_year": scenario.run.end_year,
                "scale": scenario.run.scale,
            }
            for name, scenario in experiment.scenarios.items()
        },
        "versions": _versions(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "node": socket.gethostname(),
            "cpus": os.cpu_count(),
        },
        "created_at": _now(),
        "sessions": [],
        "status": "running",
    }


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _prepare(experiment: Experiment, out: Path, resume: bool) -> tuple[dict, set[str]]:
    """Check the folder, load or create the manifest; returns it and the runs already done."""
    manifest_path = out / "manifest.json"
    done = {p.stem for p in run_files(out)}
    if manifest_path.exists():
        if not resume:
            raise ScenarioError(
                f"{out}: already holds a batch ({len(done)} runs done); add --resume to "
                "complete it, or choose another --out"
            )
        manifest = read_manifest(out)
        if manifest.get("plan_digest") != experiment.digest():
            raise ScenarioError(
                f"{out}: was made by a different experiment or options "
                f"(experiment {manifest.get('experiment')!r}, "
                f"{manifest.get('replicates')} replicates); --resume needs the same "
                "experiment file, scenarios, --replicates and --scale"
            )
        _same_results(manifest, out)
    else:
        if done:
            raise ScenarioError(f"{out}: holds runs but no manifest.json; choose another --out")
        manifest = _new_manifest(experiment)
    for folder in (out / "runs", out / "failed"):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(".*.tmp"):  # a write cut short by an interruption
            stale.unlink()
    return manifest, done


def _same_results(manifest: dict, out: Path) -> None:
    """Refuse to resume a batch whose runs were made by a model giving other results.

    Each session records the reference stamp of the code that ran it
    (:func:`ptce_sim.runs.reference.current_stamp`, the digests of the reference runs); a change
    of the model's results changes it, and the runs already done would then mix two models.
    Sessions without a stamp (older batches, an installed package) are not checked.
    """
    now = current_stamp()
    stamps = {s.get("reference_stamp") for s in manifest["sessions"]}
    before = sorted(stamp for stamp in stamps if stamp)
    if now is None or not before or before == [now]:
        return
    raise ScenarioError(
        f"{out}: its runs were made by a model with reference stamp {', '.join(before)}, and the "
        f"code now gives {now} (its results changed, see docs/CHANGES.md); resuming would mix two "
        "models: start the batch again in another --out"
    )


def run_batch(
    experiment: Experiment,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    command: list[str] | None = None,
    nice: int = 0,
) -> BatchReport:
    """Run every missing run of ``experiment`` into the folder ``out``.

    Args:
        experiment: the loaded experiment (see :func:`ptce_sim.studies.experiment.load_experiment`).
        out: the batch folder (created if needed).
        workers: local worker processes (default: the cores available); ignored with
            ``scheduler``.
        scheduler: address of a Dask distributed scheduler (``tcp://host:8786``).
        resume: complete the batch already in ``out`` (same experiment and options).
        progress: called after each finished run.
        command: the command line, recorded in the manifest.
        nice: added to the local workers' niceness (a lower priority; see
            :func:`ptce_sim.studies.batch_worker.init_worker`).

    Returns:
        What this session did. A run that raised is in ``failures``; the batch went on.

    Raises:
        ScenarioError: ``out`` holds another batch, or the scheduler cannot be reached.
        KeyboardInterrupt: the batch was interrupted; finished runs are kept and the
            manifest says so.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest, done = _prepare(experiment, out, resume)
    planned = len(experiment.points()) * experiment.replicates
    from ptce_sim.runs.results import write_table

    write_table(design_table(experiment), out, "design", csv=False)
    report = BatchReport(out=out, planned=planned, done=len(done), skipped=len(done))
    failed_dir = out / "failed"
    failed_before = {p.stem for p in failed_dir.glob("p*.json")}
    if planned == len(done):  # nothing to run: no pool, no cluster
        backend: _LocalBackend | _DaskBackend | _NoBackend = _NoBackend()
    elif scheduler:
        backend = _DaskBackend(scheduler)
    else:
        backend = _LocalBackend(workers or default_workers(), nice)
    session = {
        "started_at": _now(),
        **backend.describe(),
        "command": command,
        "code_sha256": code_digest(),
        "reference_stamp": current_stamp(),
        "resumed_with": len(done) if resume else None,
    }
    manifest["sessions"].append(session)
    manifest["status"] = "running"
    _write_json(out / "manifest.json", manifest)
    start = time.perf_counter()
    failed_count = len(failed_before)

    def record(outcome: Outcome) -> None:
        nonlocal failed_count
        failure_file = failed_dir / f"{outcome.run_id}.json"
        if outcome.data is not None:
            write_bytes(out / "runs" / f"{outcome.run_id}.parquet", outcome.data, durable=True)
            if outcome.run_id in failed_before:
                failure_file.unlink(missing_ok=True)
                failed_before.discard(outcome.run_id)
                failed_count -= 1
            report.done += 1
        else:
            _write_json(failure_file, outcome.failure or {})
            if outcome.run_id not in failed_before:
                failed_count += 1
                failed_before.add(outcome.run_id)
            report.failures.append(outcome.failure or {})
        report.ran += 1
        if progress is not None:
            progress(report.done, failed_count, planned)

    try:
        _drive(backend, tasks(experiment, skip=done), record)
    except BaseException:
        report.interrupted = True
        backend.close(cancel=True)
        _finish(manifest, out, report, session, start, failed_count, status="interrupted")
        raise
    backend.close(cancel=False)
    status = "complete" if failed_count == 0 else "complete_with_failures"
    write_summary(out)
    _finish(manifest, out, report, session, start, failed_count, status=status)
    return report


def _finish(
    manifest: dict,
    out: Path,
    report: BatchReport,
    session: dict,
    start: float,
    failed: int,
    *,
    status: str,
) -> None:
    report.wall_time_s = time.perf_counter() - start
    session.update(
        finished_at=_now(),
        wall_time_s=round(report.wall_time_s, 3),
        runs_finished=report.ran,
        runs_failed=len(report.failures),
        status=status,
    )
    manifest.update(
        status=status, runs_planned=report.planned, runs_done=report.done, runs_failed=failed
    )
    _write_json(out / "manifest.json", manifest)


def _drive(backend: Any, pending: Iterator[Task], record: Callable[[Outcome], None]) -> None:
    """Keep the backend busy with at most ``capacity`` runs in flight; record each outcome."""
    in_flight: dict[Any, Task] = {}
    retry: deque[Task] = deque()
    attempts: dict[str, int] = {}
    exhausted = False
    while True:
        while len(in_flight) < backend.capacity and (retry or not exhausted):
            if retry:
                task = retry.popleft()
            else:
                task = next(pending, None)
                if task is None:
                    exhausted = True
                    break
            in_flight[backend.submit(task)] = task
        if not in_flight:
            return
        for future in backend.wait_any(list(in_flight)):
            task = in_flight.pop(future)
            try:
                outcome = backend.result(future)
            except WorkerLost as exc:
                attempts[task.run_id] = attempts.get(task.run_id, 0) + 1
                if attempts[task.run_id] < MAX_ATTEMPTS:
                    retry.append(task)
                    continue
                outcome = task.failed(f"WorkerLost: {exc} (tried {MAX_ATTEMPTS} times)")
            record(outcome)


# --------------------------------------------------------------------------------------------
# Reading a batch
# --------------------------------------------------------------------------------------------


def _point_of(path: Path) -> int:
    return int(path.stem[1:].split("-r")[0])


def load_batch(out: str | Path, columns: list[str] | None = None) -> Any:
    """Every finished run of a batch as one pandas DataFrame (one row per run and year).

    Args:
        out: the batch folder.
        columns: read only these columns (default: all).

    Raises:
        ScenarioError: the folder is not a batch folder.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    read_manifest(out)
    files = run_files(Path(out))
    if not files:
        return pd.DataFrame()
    tables = [pq.read_table(f, columns=columns).replace_schema_metadata(None) for f in files]
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def run_metadata(path: Path) -> dict:
    """The provenance and resilience measures stored in one run file."""
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    return json.loads(metadata.get(METADATA_KEY, b"{}"))


def load_resilience(out: str | Path) -> Any:
    """Resilience measures of every finished run: one row per run and shock.

    Columns: ``run_id, point, replicate, seed, scenario``, the parameters, ``shock_date``
    (``YYYY-MM``) and the measures of :func:`ptce_sim.runs.resilience.measure_shocks`.
    """
    import pandas as pd

    manifest = read_manifest(out)
    rows = []
    for path in run_files(Path(out)):
        meta = run_metadata(path)
        start = meta.get("start_year", 0)
        ids = {k: meta.get(k) for k in ID_COLUMNS}
        params = {k: meta.get("params", {}).get(k) for k in manifest.get("parameters", [])}
        for record in meta.get("resilience", []):
            month = int(record["shock_month"])
            date = f"{start + month // 12:04d}-{month % 12 + 1:02d}"
            rows.append({**ids, **params, "shock_date": date, **record})
    return pd.DataFrame(rows)


def load_structures(out: str | Path) -> dict[str, Any]:
    """The structures-table rows each run kept (``structure_years``), by run id."""
    import pandas as pd

    tables = {}
    for path in run_files(Path(out)):
        kept = run_metadata(path).get("structures")
        if kept is not None:
            tables[path.stem] = pd.DataFrame(kept["data"], columns=kept["columns"])
    return tables


def _chunks(by_point: dict[int, list[Path]], size: int) -> Iterator[list[int]]:
    """Design points in groups of about ``size`` run files (whole points)."""
    chunk: list[int] = []
    files = 0
    for point in sorted(by_point):
        chunk.append(point)
        files += len(by_point[point])
        if files >= size:
            yield chunk
            chunk, files = [], 0
    if chunk:
        yield chunk


def write_summary(out: str | Path, *, chunk_files: int = 256) -> Path:
    """Write ``summary.parquet``, the statistics of each design point and year.

    Per design point and year: mean, std, 5% and 95% quantiles of each kept indicator over the
    finished replicates, and the numbers of runs done and failed. Runs are read about
    ``chunk_files`` at a time, so memory does not grow with the batch.

    Returns:
        The summary file.
    """
    import pandas as pd
    import pyarrow.parquet as pq

    from ptce_sim.runs.results import write_table

    out = Path(out)
    manifest = read_manifest(out)
    indicators = list(manifest["keep"])
    parameters = list(manifest["parameters"])
    failed: dict[int, int] = {}
    for path in (out / "failed").glob("p*.json"):
        failed[_point_of(path)] = failed.get(_point_of(path), 0) + 1
    by_point: dict[int, list[Path]] = {}
    for path in run_files(out):
        by_point.setdefault(_point_of(path), []).append(path)
    parts = []
    for chunk in _chunks(by_point, chunk_files):
        frame = pd.concat(
            [
                pq.read_table(p).replace_schema_metadata(None).to_pandas()
                for point in chunk
                for p in by_point[point]
            ],
            ignore_index=True,
        )
        values = frame[["point", "year", *indicators]].astype({c: "float64" for c in indicators})
        grouped = values.groupby(["point", "year"], sort=True)
        stats = {
            "mean": grouped.mean(),
            "std": grouped.std(ddof=1),
            "q05": grouped.quantile(0.05),
            "q95": grouped.quantile(0.95),
        }
        summary = pd.DataFrame(
            {f"{name}_{stat}": table[name] for name in indicators for stat, table in stats.items()},
            index=stats["mean"].index,
        )
        heads = frame.groupby("point", sort=True).agg(
            scenario=("scenario", "first"),
            **{p: (p, "first") for p in parameters},
            runs=("run_id", "nunique"),
        )
        heads["failed"] = [failed.get(int(p), 0) for p in heads.index]
        summary = heads.join(summary.reset_index(level="year"), how="inner").reset_index()
        parts.append(summary)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    write_table(table, out, "summary", csv=False)
    return out / "summary.parquet"
