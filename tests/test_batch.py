"""Batches of real runs (tiny: Seignanx at scale 0.05 over a few years).

* the same experiment gives byte-identical run files and the same summary with 1 or 2 local
  workers and on a Dask ``LocalCluster``;
* a worker killed with SIGKILL loses no run (its runs are tried again on a new pool);
* a batch killed with SIGKILL midway keeps every finished run; ``--resume`` runs only what is
  missing and the result equals an uninterrupted batch (no duplicate, no missing run); the
  killed batch's workers do not linger;
* a run that raises is recorded as failed with its error and seed, and the batch goes on;
* ``load_batch``, ``summary.parquet`` and ``manifest.json`` hold what they promise;
* a folder holding a batch is not overwritten without ``--resume``, nor resumed with another
  experiment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import dump_toml
from helpers import FORMER_GROWTH, growth_form

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.interfaces.cli import main
from ptce_sim.studies.batch import load_batch, load_resilience, run_batch, run_files
from ptce_sim.studies.experiment import load_experiment, run_seed

ROOT = Path(__file__).resolve().parents[1]
SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"
CONSOLE_SCRIPT = Path(sys.executable).with_name("ptce-sim")
POINTS, REPLICATES, YEARS = 2, 6, 10

EXPERIMENT = """
[experiment]
name = "tiny_batch"
replicates = {replicates}
master_seed = 42
start_year = 1999
end_year = 2008
scale = 0.05
keep = ["employed", "unemployment_rate", "ess_jobs", "public_funding_eur",
        "jobs_created_or_secured"]

[[scenarios]]
name = "seignanx"
file = "{scenario}"

[design]
type = "factorial"

[[design.parameters]]
name = "grant_factor"
path = "authorities[*].animation_grant_eur_per_year"
op = "multiply"
values = [0.5, 2.0]
"""

FAILING = """
[experiment]
name = "failing"
replicates = 1
master_seed = 5
start_year = 1999
end_year = 2001
scale = 0.05
keep = ["employed"]

[[scenarios]]
name = "seignanx"
file = "{scenario}"

# each value is valid alone; growth periods 1995 and 1995 together are not (they must be
# distinct and increasing): that design point fails when its run builds its scenario
[design]
type = "factorial"

[[design.parameters]]
path = "territory.growth[1].from_year"
values = [1990, 1995]

[[design.parameters]]
path = "territory.growth[2].from_year"
values = [2000, 1995]
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    """A copy of the Seignanx scenario, so that the module sees one version of it."""
    path = tmp_path_factory.mktemp("scenario") / "seignanx.toml"
    shutil.copyfile(SEIGNANX, path)
    return path


@pytest.fixture(scope="module")
def experiment_file(scenario: Path, tmp_path_factory) -> Path:
    """The tiny experiment, written to a file."""
    path = tmp_path_factory.mktemp("experiment") / "tiny.toml"
    path.write_text(
        EXPERIMENT.format(scenario=scenario.as_posix(), replicates=REPLICATES), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def reference(experiment_file: Path, tmp_path_factory) -> Path:
    """The tiny batch run without interruption on 2 local workers."""
    out = tmp_path_factory.mktemp("reference")
    report = run_batch(load_experiment(experiment_file), out, workers=2)
    assert report.done == report.planned == POINTS * REPLICATES and not report.failures
    return out


def contents(out: Path) -> dict[str, bytes]:
    """``{run id: file bytes}`` of a batch's runs."""
    return {p.stem: p.read_bytes() for p in run_files(out)}


def test_one_worker_gives_identical_results(
    experiment_file: Path, reference: Path, tmp_path: Path
) -> None:
    """One worker gives byte-identical run files and the same summary as two."""
    report = run_batch(load_experiment(experiment_file), tmp_path, workers=1)
    assert report.done == POINTS * REPLICATES
    assert contents(tmp_path) == contents(reference)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "summary.parquet"),
        pd.read_parquet(reference / "summary.parquet"),
    )


def test_dask_cluster_gives_identical_results(
    experiment_file: Path, reference: Path, tmp_path: Path
) -> None:
    """A Dask LocalCluster gives byte-identical run files and the same summary."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:
        report = run_batch(
            load_experiment(experiment_file), tmp_path, scheduler=cluster.scheduler_address
        )
    assert report.done == POINTS * REPLICATES and not report.failures
    assert contents(tmp_path) == contents(reference)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "summary.parquet"),
        pd.read_parquet(reference / "summary.parquet"),
    )
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["sessions"][0]["executor"] == "dask"


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _workers(pid: int) -> list[int]:
    """The spawned pool workers among the children of ``pid``."""
    found = []
    for child in _children(pid):
        try:
            if b"spawn_main" in (Path("/proc") / str(child) / "cmdline").read_bytes():
                found.append(child)
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
def test_resume_after_sigkill(experiment_file: Path, reference: Path, tmp_path: Path) -> None:
    """A batch killed with SIGKILL keeps its finished runs; --resume completes it exactly."""
    out = tmp_path / "batch"
    process = subprocess.Popen(
        [
            str(CONSOLE_SCRIPT),
            "batch",
            str(experiment_file),
            "--out",
            str(out),
            "--workers",
            "2",
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not run_files(out):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no run finished in 120 s"
            workers = _children(process.pid) or workers
            time.sleep(0.02)
        workers = _children(process.pid) or workers
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        done_at_kill = {p.stem for p in run_files(out)}
        assert 0 < len(done_at_kill) < POINTS * REPLICATES, "the batch was not killed midway"
        deadline = time.monotonic() + 15  # the orphaned workers notice and exit
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), "workers outlived their killed parent"
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
        for worker in workers:  # only if the test failed: never leave them behind
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
    finished = contents(out)
    for run_id, data in finished.items():  # what was kept is complete and right
        assert data == contents(reference)[run_id]
    # a write cut short by a kill leaves only a temporary, which is never read as a run
    cut_short = next(p.stem for p in run_files(reference) if p.stem not in done_at_kill)
    (out / "runs" / f".{cut_short}.parquet.tmp").write_bytes(b"PAR1 half a run")
    assert cut_short not in {p.stem for p in run_files(out)}
    with pytest.raises(ScenarioError, match="--resume"):
        run_batch(load_experiment(experiment_file), out, workers=2)
    report = run_batch(load_experiment(experiment_file), out, workers=2, resume=True)
    assert report.skipped == len(done_at_kill)
    assert report.ran == POINTS * REPLICATES - len(done_at_kill)
    assert contents(out) == contents(reference)
    assert not list(out.rglob("*.tmp"))
    frame = load_batch(out)
    assert len(frame) == POINTS * REPLICATES * YEARS
    assert not frame.duplicated(["run_id", "year"]).any()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert [s.get("resumed_with") for s in manifest["sessions"]] == [None, len(done_at_kill)]
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "summary.parquet"), pd.read_parquet(reference / "summary.parquet")
    )


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
def test_a_killed_worker_loses_no_run(
    experiment_file: Path, reference: Path, tmp_path: Path
) -> None:
    """A worker killed with SIGKILL mid-batch: its runs are tried again, nothing is lost."""
    out = tmp_path / "batch"
    process = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "batch", str(experiment_file), "--out", str(out)]
        + ["--workers", "2", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not run_files(out) or not _workers(process.pid):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no run finished in 120 s"
            time.sleep(0.02)
        assert len(run_files(out)) < POINTS * REPLICATES, "the batch ended too soon"
        os.kill(_workers(process.pid)[0], signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr.decode()
    total = POINTS * REPLICATES
    assert f"{total}/{total} runs done" in stdout.decode() and "0 failed" in stdout.decode()
    assert contents(out) == contents(reference)
    assert not list((out / "failed").iterdir())


def test_a_failing_run_is_recorded_and_the_batch_goes_on(
    scenario: Path, tmp_path: Path, capsys
) -> None:
    """A run that raises is recorded with its error and seed; the others run."""
    growth = tmp_path / "growth.toml"  # the Seignanx with growth periods instead of its census
    data = growth_form(tomllib.loads(scenario.read_text(encoding="utf-8")), *FORMER_GROWTH)
    growth.write_text(dump_toml(data), encoding="utf-8")
    path = tmp_path / "failing.toml"
    path.write_text(FAILING.format(scenario=growth.as_posix()), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["batch", str(path), "--out", str(out), "--workers", "2", "--quiet"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "p00003-r0000" in captured.err and "Traceback" not in captured.err
    failures = sorted((out / "failed").glob("*.json"))
    assert [f.stem for f in failures] == ["p00003-r0000"]  # 1995 and 1995
    record = json.loads(failures[0].read_text())
    assert record["seed"] == run_seed(5, 0)
    assert record["params"] == {
        "territory.growth[1].from_year": 1995.0,
        "territory.growth[2].from_year": 1995.0,
    }
    assert "growth" in record["error"] and "Traceback" in record["traceback"]
    assert sorted(p.stem for p in run_files(out)) == [
        "p00000-r0000",
        "p00001-r0000",
        "p00002-r0000",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete_with_failures"
    assert (manifest["runs_done"], manifest["runs_failed"]) == (3, 1)
    summary = pd.read_parquet(out / "summary.parquet")
    assert sorted(summary["point"].unique()) == [0, 1, 2]
    assert summary.groupby("point")["failed"].first().to_dict() == {0: 0, 1: 0, 2: 0}


def test_load_batch_and_summary(reference: Path) -> None:
    """load_batch holds every run and year; the summary's statistics match them."""
    frame = load_batch(reference)
    assert len(frame) == POINTS * REPLICATES * YEARS
    assert list(frame.columns[:7]) == [
        "run_id",
        "point",
        "replicate",
        "seed",
        "scenario",
        "grant_factor",
        "year",
    ]
    assert set(frame["grant_factor"]) == {0.5, 2.0}
    seeds = frame.groupby(["point", "replicate"])["seed"].first().unstack("point")
    assert (seeds[0] == seeds[1]).all()  # common random numbers: one seed per replicate
    assert seeds[0].tolist() == [run_seed(42, r) for r in range(REPLICATES)]
    summary = pd.read_parquet(reference / "summary.parquet")
    assert len(summary) == POINTS * YEARS
    assert (summary["runs"] == REPLICATES).all() and (summary["failed"] == 0).all()
    for (point, year), rows in frame.groupby(["point", "year"]):
        row = summary[(summary["point"] == point) & (summary["year"] == year)].iloc[0]
        values = rows["employed"].to_numpy(dtype=float)
        assert row["employed_mean"] == pytest.approx(values.mean())
        assert row["employed_std"] == pytest.approx(values.std(ddof=1))
        assert row["employed_q05"] == pytest.approx(np.quantile(values, 0.05))
        assert row["employed_q95"] == pytest.approx(np.quantile(values, 0.95))
    grants = summary.groupby("point")["grant_factor"].first().to_dict()
    assert grants == {0: 0.5, 1: 2.0}
    # the 2008 downturn (October, month 117 of a run from 1999) is measured in every run
    resilience = load_resilience(reference)
    assert len(resilience) == POINTS * REPLICATES, resilience
    runs = frame.groupby("run_id")[["point", "replicate", "seed"]].first()
    assert set(resilience["run_id"]) == set(runs.index)
    by_run = resilience.set_index("run_id")
    assert (by_run[["point", "replicate", "seed"]] == runs.loc[by_run.index]).all().all()
    assert (resilience["shock_date"] == "2008-10").all()
    assert (resilience["shock_month"] == 12 * (2008 - 1999) + 9).all()
    assert np.isfinite(resilience["resistance"].to_numpy(dtype=float)).all(), resilience


def test_manifest_records_provenance(
    scenario: Path, experiment_file: Path, reference: Path
) -> None:
    """The manifest records hashes, versions, machine, seeds and sessions."""
    import hashlib

    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["experiment_sha256"] == hashlib.sha256(experiment_file.read_bytes()).hexdigest()
    assert (
        manifest["scenarios"]["seignanx"]["file_sha256"]
        == hashlib.sha256(scenario.read_bytes()).hexdigest()
    )
    assert {"python", "mesa", "numpy", "pandas", "SALib", "distributed"} <= set(
        manifest["versions"]
    )
    assert manifest["machine"]["platform"] and manifest["created_at"]
    assert manifest["replicate_seeds"] == [run_seed(42, r) for r in range(REPLICATES)]
    assert manifest["runs_done"] == POINTS * REPLICATES and manifest["status"] == "complete"
    session = manifest["sessions"][0]
    assert session["executor"] == "local" and session["workers"] == 2
    assert session["started_at"] <= session["finished_at"]


def test_resume_refuses_another_experiment(experiment_file: Path, reference: Path, capsys) -> None:
    """A folder is neither resumed with other options nor overwritten without --resume."""
    code = main(
        [
            "batch",
            str(experiment_file),
            "--out",
            str(reference),
            "--resume",
            "--replicates",
            "3",
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "different experiment" in err
    code = main(["batch", str(experiment_file), "--out", str(reference), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "already holds a batch" in err and "--resume" in err


def test_resume_of_a_finished_batch_runs_nothing(experiment_file: Path, reference: Path) -> None:
    """Resuming a finished batch runs nothing and changes no run file."""
    before = contents(reference)
    report = run_batch(load_experiment(experiment_file), reference, workers=1, resume=True)
    assert report.ran == 0 and report.skipped == POINTS * REPLICATES
    assert contents(reference) == before


def test_resume_refuses_runs_of_a_model_with_other_results(
    experiment_file: Path, reference: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """A batch started before the model's results changed is not completed by the new model."""
    from ptce_sim.runs.reference import current_stamp
    from ptce_sim.studies import batch

    out = tmp_path / "copy"
    shutil.copytree(reference, out)
    recorded = json.loads((out / "manifest.json").read_text())["sessions"][0]["reference_stamp"]
    assert recorded == current_stamp() and recorded  # each session says which model ran it
    before = contents(out)
    monkeypatch.setattr(batch, "current_stamp", lambda: "0123456789ab")
    code = main(["batch", str(experiment_file), "--out", str(out), "--resume", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert f"reference stamp {recorded}" in err and "0123456789ab" in err and "another --out" in err
    assert contents(out) == before
    monkeypatch.setattr(batch, "current_stamp", lambda: recorded)  # same results: resumes
    assert run_batch(load_experiment(experiment_file), out, workers=1, resume=True).ran == 0
