"""Tests of the ``ptce-sim`` command.

Bad input: ``ptce_sim.interfaces.cli.main`` is called in-process; it must print ONE line on stderr
starting with ``ptce-sim: error:`` that names the file, and return 2; never a traceback. A real run:
the installed console script is run as a subprocess (three runs at once: seed 3 twice, seed 4 once),
then its output folder is checked: files, columns, empty not-applicable cells, provenance,
determinism.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from ptce_sim.config.scenario_io import load_scenario, scenario_digest
from ptce_sim.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/seignanx_1970_2015.toml"
CONSOLE_SCRIPT = Path(sys.executable).with_name("ptce-sim")


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """``main(argv)`` in-process: (exit code, stdout, stderr); a SystemExit gives its code."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects the command line
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, out: str, err: str, *names: str | tuple[str, ...]) -> str:
    """Exit 2, one stderr line ``ptce-sim: error: ...`` naming ``names``, no traceback."""
    assert "Traceback" not in err and "Traceback" not in out, err
    assert code == 2, f"exit code {code}, stderr: {err!r}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected ONE line on stderr, got: {err!r}"
    assert lines[0].startswith("ptce-sim: error: "), lines[0]
    for name in names:
        options = (name,) if isinstance(name, str) else name  # a tuple: any one of them
        assert any(o in lines[0] for o in options), f"{name!r} is not named in: {lines[0]}"
    return lines[0]


# --------------------------------------------------------------------------------------------
# Bad scenario files
# --------------------------------------------------------------------------------------------


def _add(event: dict):
    return lambda data: data["events"].append(event)


def _set(section: str, key: str, value: object):
    return lambda data: data[section].__setitem__(key, value)


def _set_mechanism(mechanism: str, key: str, value: object):
    return lambda data: data["mechanisms"][mechanism].__setitem__(key, value)


def _set_authority(key: str, value: object):
    return lambda data: data["authorities"][0].__setitem__(key, value)


def _job_shares(data: dict) -> None:
    data["sectors"][0]["job_share"] += 0.05


def _end_before_start(data: dict) -> None:
    data["run"]["end_year"] = data["run"]["start_year"] - 1


BAD_CHANGES = [
    pytest.param(
        _set("territory", "labor_force", 6700),
        ["territory.labor_force", "unknown key"],
        id="unknown-key",
    ),
    pytest.param(
        _set("territory", "labour_force", "many"),
        ["territory.labour_force", "integer"],
        id="wrong-type",
    ),
    pytest.param(
        _set("territory", "labour_force", -5),
        ["territory.labour_force", ">= 0"],
        id="negative-count",
    ),
    pytest.param(
        _set_authority("budget_eur_per_year", -1),
        ["authorities[0].budget_eur_per_year", ">= 0"],
        id="negative-budget",
    ),
    pytest.param(
        _set_mechanism("geiq", "hire_base_probability", 1.5),
        ["mechanisms.geiq.hire_base_probability", "<= 1"],
        id="probability-above-one",
    ),
    pytest.param(
        _set_mechanism("geiq", "hire_base_probability", math.nan),
        ["mechanisms.geiq.hire_base_probability", "finite"],
        id="nan",
    ),
    pytest.param(
        _set_authority("budget_eur_per_year", math.inf),
        ["authorities[0].budget_eur_per_year", "finite"],
        id="inf",
    ),
    pytest.param(
        _add({"date": 2030, "type": "plant_closure", "sector": "industry", "jobs": 10}),
        ["events[", "outside the run's years"],
        id="event-outside-run",
    ),
    pytest.param(
        _add(
            {
                "date": 2010,
                "type": "create_structure",
                "structure": {"name": "EI ITEMS", "kind": "work_integration"},
            }
        ),
        ["events[", "created twice"],
        id="structure-created-twice",
    ),
    pytest.param(
        _add({"date": 2000, "type": "earthquake"}),
        ["events[", "unknown event type"],
        id="unknown-event-type",
    ),
    pytest.param(
        _add({"date": 2000, "type": "plant_closure", "sector": "mining", "jobs": 10}),
        ["events[", "unknown sector"],
        id="unknown-sector",
    ),
    pytest.param(
        _add({"date": 2000, "type": "funding_call", "authority": "Nobody", "grant_eur": 1.0}),
        ["events[", "unknown authority"],
        id="unknown-authority",
    ),
    pytest.param(_job_shares, ["job_share", "sum to 1"], id="job-shares"),
    pytest.param(_end_before_start, ["end_year", "start_year"], id="end-year-before-start-year"),
    pytest.param(
        _add({"date": 2000, "type": "policy", "set": {"geiq.hire_prob": 0.5}}),
        ["events[", "unknown mechanism parameter"],
        id="policy-unknown-parameter",
    ),
    pytest.param(
        _add({"date": "2000-13", "type": "policy", "formalise_pole": True}),
        ["events[", ".date", "YYYY-MM"],
        id="bad-date",
    ),
]


@pytest.mark.parametrize(("change", "phrases"), BAD_CHANGES)
def test_bad_scenario_exits_2_with_one_line(write_scenario, tmp_path, capsys, change, phrases):
    """A bad scenario: exit 2, one line naming the file and the field, no results written."""
    path = write_scenario(change)
    out_dir = tmp_path / "out"
    code, out, err = run_main(
        ["run", str(path), "--scale", "0.1", "--out", str(out_dir), "--quiet"], capsys
    )
    assert_one_line_error(code, out, err, str(path), *phrases)
    assert not out_dir.exists(), "results were written for a bad scenario"


def test_missing_file(tmp_path, capsys):
    """A missing scenario file is reported, not raised."""
    path = tmp_path / "nowhere.toml"
    code, out, err = run_main(["run", str(path), "--quiet"], capsys)
    assert_one_line_error(code, out, err, str(path), "not found")


def test_missing_file_relative_path(tmp_path, monkeypatch, capsys):
    """The file is named as the user typed it."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(["run", "scenarios/typo.toml", "--quiet"], capsys)
    assert_one_line_error(code, out, err, "scenarios/typo.toml", "not found")
    assert not (tmp_path / "results").exists()


def test_directory_instead_of_file(tmp_path, capsys):
    """A directory given as the scenario is reported in one line."""
    code, out, err = run_main(["run", str(tmp_path), "--quiet"], capsys)
    assert_one_line_error(code, out, err, str(tmp_path), "directory")


def test_invalid_toml(write_scenario, capsys):
    """A TOML syntax error is reported with its line."""
    path = write_scenario(text="[run]\nname = 'x'\nstart_year = = 1970\n")
    code, out, err = run_main(["run", str(path), "--quiet"], capsys)
    assert_one_line_error(code, out, err, str(path), "invalid TOML", "line 3")


def test_binary_file(write_scenario, capsys):
    """A binary file is reported as not UTF-8."""
    path = write_scenario(raw=bytes(range(256)) * 4, name="image.png")
    code, out, err = run_main(["run", str(path), "--quiet"], capsys)
    assert_one_line_error(code, out, err, str(path), "UTF-8")


def test_output_folder_is_a_file(tmp_path, capsys):
    """An unusable --out is reported in one line too (here after the run, at writing time)."""
    blocker = tmp_path / "results.txt"
    blocker.write_text("not a folder")
    code, out, err = run_main(
        [
            "run",
            str(ROOT / SCENARIO),
            "--scale",
            "0.01",
            "--out",
            str(blocker / "sub"),
            "--quiet",
            "--no-plots",
        ],
        capsys,
    )
    assert_one_line_error(code, out, err, str(blocker))


def test_absurd_labour_force_is_rejected_without_traceback(write_scenario, tmp_path, capsys):
    """A count too large to simulate ends in a one-line error, not a traceback."""
    path = write_scenario(lambda data: data["territory"].__setitem__("labour_force", 10**20))
    code, out, err = run_main(
        ["run", str(path), "--out", str(tmp_path / "out"), "--quiet", "--no-plots"], capsys
    )
    assert_one_line_error(code, out, err, str(path), "territory.labour_force")


# --------------------------------------------------------------------------------------------
# Bad command lines (argparse)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "named"),
    [
        pytest.param(["--scale", "0"], "--scale", id="scale-zero"),
        pytest.param(["--scale", "-1"], "--scale", id="scale-negative"),
        pytest.param(["--scale", "11"], "--scale", id="scale-above-10"),
        pytest.param(["--scale", "nan"], "--scale", id="scale-nan"),
        pytest.param(["--scale", "inf"], "--scale", id="scale-inf"),
        pytest.param(["--scale", "half"], "--scale", id="scale-not-a-number"),
        pytest.param(["--seed", "-1"], "--seed", id="seed-negative"),
        pytest.param(["--seed", "1.5"], "--seed", id="seed-fractional"),
        pytest.param(["--seed", "abc"], "--seed", id="seed-not-a-number"),
        pytest.param(["--frobnicate"], "--frobnicate", id="unknown-option"),
    ],
)
def test_bad_options_exit_2_without_traceback(tmp_path, capsys, options, named):
    """The parser rejects bad option values with exit 2 and no traceback."""
    out_dir = tmp_path / "out"
    code, out, err = run_main(["run", SCENARIO, "--out", str(out_dir), "--quiet", *options], capsys)
    assert code == 2, f"exit code {code}, stderr: {err!r}"
    assert "Traceback" not in err and "Traceback" not in out
    last = err.strip().splitlines()[-1]
    assert "error:" in last and named in last, err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    "argv", [[], ["simulate"], ["run"]], ids=["no-command", "unknown-command", "no-scenario"]
)
def test_incomplete_command_line(capsys, argv):
    """A missing command or scenario is a usage error (exit 2)."""
    code, out, err = run_main(argv, capsys)
    assert code == 2
    assert "Traceback" not in err and "error:" in err


# --------------------------------------------------------------------------------------------
# A real run of the installed console script
# --------------------------------------------------------------------------------------------

TERRITORY_COLUMNS = [
    "year",
    "population",
    "labour_force",
    "employed",
    "unemployed",
    "unemployment_rate",
    "classic_jobs",
    "ess_jobs",
    "ess_structures",
    "pole_members",
    "insertion_posts",
    "project_requests",
    "public_funding_eur",
    "self_financing_ratio",
]
STRUCTURE_COLUMNS = [
    "year",
    "structure",
    "kind",
    "employees",
    "fte",
    "member_firms",
    "hours",
    "turnover_eur",
    "contracts_started",
    "training_hours",
    "project_holders",
    "insertion_employees",
    "permanent_employees",
    "cash_eur",
]
# Cells that do not apply to a kind of structure and must be EMPTY in the CSV (not 0).
NOT_APPLICABLE = {
    "work_integration": ["member_firms", "training_hours", "project_holders"],
    "integration_restaurant": ["member_firms", "training_hours", "project_holders"],
    "employer_group": ["training_hours", "project_holders", "insertion_employees"],
    "geiq": ["project_holders", "insertion_employees"],
    "training_centre": ["member_firms", "project_holders", "insertion_employees"],
    "activity_cooperative": ["member_firms", "training_hours", "insertion_employees"],
}
# Cells that apply to a kind of structure and must be filled.
APPLICABLE = {
    "employer_group": ["member_firms", "hours"],
    "geiq": ["member_firms", "contracts_started"],
    "work_integration": ["insertion_employees"],
    "activity_cooperative": ["project_holders"],
    "training_centre": ["training_hours"],
}
ALWAYS_FILLED = ["year", "structure", "kind", "employees", "fte", "cash_eur"]
SAME_BYTES = ["territory.csv", "structures.csv", "jobs_by_mechanism.csv", "resilience.csv"]


def _command(seed: int, out: Path) -> list[str]:
    return [
        str(CONSOLE_SCRIPT),
        "run",
        SCENARIO,
        "--scale",
        "0.1",
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--quiet",
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Seed 3 twice (``a``, ``b``) and seed 4 once (``c``, without plots), all three at once.

    ``a`` and ``b`` run with different string-hash seeds (``PYTHONHASHSEED``), so that a result
    depending on the iteration order of a set or on ``hash()`` would differ between them.
    """
    assert CONSOLE_SCRIPT.exists(), f"the console script is not installed at {CONSOLE_SCRIPT}"
    base = tmp_path_factory.mktemp("cli_runs")
    plan = {
        "a": (3, base / "a", [], "1"),
        "b": (3, base / "b", [], "2718"),
        "c": (4, base / "c", ["--no-plots"], "random"),
    }
    procs = {
        key: subprocess.Popen(
            [*_command(seed, out), *extra],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for key, (seed, out, extra, hash_seed) in plan.items()
    }
    done = {}
    for key, proc in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            for other in procs.values():
                other.kill()
            pytest.fail(f"ptce-sim run {key} did not finish in 180 s")
        done[key] = (
            plan[key][1],
            subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr),
        )
    return done


@pytest.fixture(scope="module")
def out(runs) -> Path:
    """The output folder of the first seed-3 run (which must have succeeded)."""
    folder, proc = runs["a"]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    return folder


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file, cells as raw strings (an empty cell stays '')."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def test_run_succeeds_quietly(runs):
    """Every run exits 0, prints its summary and no progress bar."""
    for key, (_, proc) in runs.items():
        assert proc.returncode == 0, f"run {key}: {proc.stderr}"
        assert "Traceback" not in proc.stderr
        assert "%|" not in proc.stderr, "--quiet still shows a progress bar"
        assert "Results in" in proc.stdout


def test_output_files(out):
    """Tables (Parquet and CSV), run.json and the three PNG plots are written."""
    expected = {
        "territory.parquet",
        "territory.csv",
        "structures.parquet",
        "structures.csv",
        "jobs_by_mechanism.csv",
        "resilience.csv",
        "run.json",
        "employment.png",
        "unemployment.png",
        "pole_growth.png",
    }
    names = {p.name for p in out.iterdir()}
    assert expected <= names, f"missing: {sorted(expected - names)}"
    assert not [n for n in names if n.endswith(".tmp")], "temporary files left behind"
    for name in ("employment.png", "unemployment.png", "pole_growth.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000, name


def test_territory_table(out):
    """territory.csv: the required columns, one row per year 1970..2015."""
    columns, rows = read_csv(out / "territory.csv")
    missing = [c for c in TERRITORY_COLUMNS if c not in columns]
    assert not missing, f"territory.csv lacks {missing}"
    assert len(columns) == len(set(columns))
    assert [int(r["year"]) for r in rows] == list(range(1970, 2016)), (
        "not one row per year 1970..2015"
    )
    for row in rows:
        for column in TERRITORY_COLUMNS:
            if column != "self_financing_ratio":  # undefined (empty) while the pole has no revenue
                assert row[column] != "", f"{row['year']}: {column} is empty"
        rate = float(row["unemployment_rate"])
        assert 0 <= rate <= 1
        assert int(row["employed"]) + int(row["unemployed"]) <= int(row["labour_force"])


def test_parquet_matches_csv(out):
    """The Parquet and CSV copies of a table have the same columns and rows."""
    import pandas as pd

    for name in ("territory", "structures"):
        parquet = pd.read_parquet(out / f"{name}.parquet")
        frame = pd.read_csv(out / f"{name}.csv")
        assert list(parquet.columns) == list(frame.columns), name
        assert len(parquet) == len(frame), name
        assert list(parquet["year"]) == list(frame["year"]), name


def test_structures_table(out):
    """structures.csv: the required columns and the named structures from their year."""
    columns, rows = read_csv(out / "structures.csv")
    missing = [c for c in STRUCTURE_COLUMNS if c not in columns]
    assert not missing, f"structures.csv lacks {missing}"
    assert rows, "structures.csv has no rows"
    names = {r["structure"] for r in rows}
    for name in ("EI ITEMS", "GEIQ BTP", "GE GENESE", "SCIC PERF", "CBE du Seignanx"):
        assert name in names, f"{name} has no row"
    first = {}
    for row in rows:
        first.setdefault(row["structure"], int(row["year"]))
    assert first["EI ITEMS"] == 1998 and first["GEIQ BTP"] == 1999 and first["SCIC PERF"] == 1972
    for row in rows:
        for column in ALWAYS_FILLED:
            assert row[column] != "", f"{row['year']} {row['structure']}: {column} is empty"


def test_not_applicable_cells_are_empty(out):
    """Cells that do not apply to a kind are empty in the CSV, never 0."""
    _, rows = read_csv(out / "structures.csv")
    kinds = {r["kind"] for r in rows}
    assert {"work_integration", "geiq", "employer_group"} <= kinds
    for row in rows:
        where = f"{row['year']} {row['structure']} ({row['kind']})"
        for column in NOT_APPLICABLE.get(row["kind"], []):
            assert row[column] == "", f"{where}: {column} = {row[column]!r}, expected an empty cell"
        for column in APPLICABLE.get(row["kind"], []):
            assert row[column] != "", f"{where}: {column} is empty but applies to this kind"
    # whether a cell applies depends on the kind only, never on the year
    for kind in kinds:
        of_kind = [r for r in rows if r["kind"] == kind]
        for column in STRUCTURE_COLUMNS:
            empty = {r[column] == "" for r in of_kind}
            assert len(empty) == 1, f"{kind}: {column} is empty in some years only"


def test_run_json(out):
    """run.json: scenario name, hashes, seed, scale, versions and wall time."""
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["scenario"] == "seignanx_1970_2015"
    assert run["seed"] == 3
    assert run["scale"] == 0.1
    scenario_file = ROOT / SCENARIO
    assert run["scenario_file_sha256"] == hashlib.sha256(scenario_file.read_bytes()).hexdigest()
    for key in ("scenario_sha256", "scenario_file_sha256"):
        digest = run[key]
        assert isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest), (key, digest)
    # the scenario's digest, recomputed: SHA-256 of the validated scenario's JSON (scale 0.1)
    scenario = load_scenario(scenario_file).with_overrides(scale=0.1)
    assert run["scenario_sha256"] == hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
    versions = run["versions"]
    for package in ("mesa", "numpy", "pandas", "pydantic"):
        assert versions[package] == metadata.version(package), package
    assert "python" in versions
    assert isinstance(run["wall_time_s"], int | float) and run["wall_time_s"] > 0


def test_run_json_hash_is_the_input_scenarios(out):
    """scenario_sha256 identifies the scenario that was run (the input)."""
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    scenario = load_scenario(ROOT / SCENARIO).with_overrides(scale=0.1)
    assert run["scenario_sha256"] == scenario_digest(scenario)


def test_same_seed_gives_byte_identical_tables(runs):
    """The same command in two processes (other string-hash seeds) gives byte-identical tables."""
    (a, _), (b, _) = runs["a"], runs["b"]
    for name in SAME_BYTES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), (
            f"{name} differs between two runs of seed 3"
        )


def test_another_seed_gives_another_run(runs):
    """Another seed gives another trajectory."""
    (a, _), (c, proc) = runs["a"], runs["c"]
    assert proc.returncode == 0, proc.stderr
    assert (a / "territory.csv").read_bytes() != (c / "territory.csv").read_bytes()
    assert json.loads((c / "run.json").read_text())["seed"] == 4


@pytest.mark.parametrize("command", ["validate", "displacement"])
def test_validate_and_displacement_write_their_report_in_a_language(capsys, command):
    """``--lang fr|en`` chooses the language of the whole report (not only of its charts)."""
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--lang {en,fr}" in text and "language of the report" in text
    assert "English" not in text
    with pytest.raises(SystemExit) as exit_info:
        main([command, "scenarios/seignanx_1970_2015.toml", "x.toml", "--lang", "de"])
    assert exit_info.value.code == 2
