"""``run.json`` holds everything needed to rerun a run exactly: ``ptce-sim reproduce``.

A run is made from a scenario file that is then deleted; the rerun, in another process with
another string-hash seed, must find every table identical. A tampered record is caught: a changed
table digest exits 1 naming the table, a changed scenario exits 2 as bad input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ptce_sim.interfaces.cli import main
from ptce_sim.runs.results import TABLES

ROOT = Path(__file__).resolve().parents[1]
SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"
CONSOLE_SCRIPT = Path(sys.executable).with_name("ptce-sim")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """The run.json of a small run whose scenario file no longer exists."""
    base = tmp_path_factory.mktemp("reproduce")
    scenario = base / "edited_then_deleted.toml"
    scenario.write_bytes(SEIGNANX.read_bytes())
    out = base / "run"
    argv = ["run", str(scenario), "--scale", "0.08", "--seed", "11", "--out", str(out)]
    assert main([*argv, "--quiet", "--no-plots"]) == 0
    scenario.unlink()
    return out / "run.json"


def _edited(recorded: Path, tmp_path: Path, change) -> Path:  # noqa: ANN001
    run = json.loads(recorded.read_text(encoding="utf-8"))
    change(run)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run), encoding="utf-8")
    return path


def test_run_json_holds_the_scenario_seed_and_table_digests(recorded):
    """The record names every table's digest and holds the scenario as run (scale applied)."""
    run = json.loads(recorded.read_text(encoding="utf-8"))
    assert run["seed"] == 11
    assert run["scenario_content"]["run"]["scale"] == 0.08
    assert set(run["table_sha256"]) == set(TABLES)
    assert all(len(d) == 64 for d in run["table_sha256"].values())
    assert run["reproduce"] == f"ptce-sim reproduce {recorded}"


def test_another_process_reproduces_the_run_without_the_scenario_file(recorded):
    """A separate process, another hash seed, the scenario file gone: every table identical."""
    proc = subprocess.run(
        [str(CONSOLE_SCRIPT), "reproduce", str(recorded), "--quiet"],
        env={**os.environ, "PYTHONHASHSEED": "987"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"all {len(TABLES)} tables identical" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_reproduce_out_writes_the_same_files(recorded, tmp_path, capsys):
    """With --out the rerun's CSV tables are byte-identical to the recorded run's."""
    assert main(["reproduce", str(recorded), "--out", str(tmp_path), "--quiet"]) == 0
    for name in ("territory.csv", "structures.csv", "jobs_by_mechanism.csv", "resilience.csv"):
        assert (tmp_path / name).read_bytes() == (recorded.parent / name).read_bytes(), name


def test_a_changed_table_digest_is_reported(recorded, tmp_path, capsys):
    """A record whose territory digest differs: exit 1, the table named; versions are noted."""

    def change(run: dict) -> None:
        run["table_sha256"]["territory"] = "0" * 64
        run["versions"]["numpy"] = "0.0.1"

    assert main(["reproduce", str(_edited(recorded, tmp_path, change)), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "NOT reproduced; differing tables: territory" in out
    assert "numpy was 0.0.1" in out


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda run: run["scenario_content"]["run"].update(scale=0.5), "scenario_sha256"),
        (lambda run: run["scenario_content"]["run"].update(scale=-1), "run.scale"),
        (lambda run: run.pop("scenario_content"), "scenario_content"),
        (lambda run: run.update(seed="eleven"), "seed"),
        (lambda run: run.update(table_sha256=[]), "table_sha256"),
    ],
)
def test_a_bad_record_exits_2_with_one_line(recorded, tmp_path, capsys, change, named):
    """An edited scenario, a missing or mistyped field: one error line naming it, exit 2."""
    path = _edited(recorded, tmp_path, change)
    assert main(["reproduce", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"ptce-sim: error: {path}"), err
    assert named in err


@pytest.mark.parametrize("content", [b"", b"\xff\xfe junk", b"[1, 2]", b"{not json"])
def test_a_file_that_is_not_a_run_record_exits_2(tmp_path, capsys, content):
    """Empty, binary, a JSON list, broken JSON: exit 2 with one line naming the file."""
    path = tmp_path / "run.json"
    path.write_bytes(content)
    assert main(["reproduce", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "Traceback" not in err


def test_a_missing_record_exits_2(tmp_path, capsys):
    """A run.json that does not exist: exit 2, 'not found'."""
    assert main(["reproduce", str(tmp_path / "nowhere" / "run.json")]) == 2
    assert "run record not found" in capsys.readouterr().err
