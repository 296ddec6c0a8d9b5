"""Property-based fuzzing (hypothesis) of the three file loaders and of the CLI's errors.

The scenario (:func:`~ptce_sim.config.scenario_io.load_scenario`), experiment
(:func:`~ptce_sim.studies.experiment.load_experiment`) and targets
(:func:`~ptce_sim.studies.targets.load_targets`, with its mapping file) loaders are fed thousands of
files made from the shipped ones (see ``tests/strategies.py``): parsed and mutated (wrong types,
NaN, ±inf, huge and negative numbers, empty strings, tables and sections, unknown keys, out-of-range
years, deleted keys, duplicated tables) then written back as TOML; or broken as bytes (truncated,
junk, binary, invalid UTF-8, nested too deeply, just over the size limit), or a directory or nothing
where the file should be.

Every file must either load into a valid object (a scenario that validates again, whose floats are
finite, whose counts are >= 0, whose years are in order; and, for a bounded number of them, that
builds and steps a model) or raise :class:`~ptce_sim.config.scenario_io.ScenarioError` whose message
is ONE line, starts with the file's path and names a field (for a single mutation: the mutated
field's dotted path or its last key). Any other exception is a bug of the loader. ``ptce-sim`` turns
those errors into one ``ptce-sim: error:`` line and exit status 2, without a traceback.

CI runs a fixed, derandomized set of examples (about 3,000 files, some 40 s). To hunt for
bugs locally, run a random (not derandomized) campaign with more examples per test::

    PTCE_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz_loaders.py -x

A failure prints the smallest failing file found (its mutations, or its bytes).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import subprocess
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import dump_toml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strategies import (
    EXPERIMENT_FILES,
    MAPPING_FILE,
    SCENARIO_FILES,
    TARGETS_FILE,
    Mutant,
    RawFile,
    extreme_scenarios,
    load_toml,
    mutants,
    positions,
    raw_files,
    value_pool,
)

from ptce_sim.config.overrides import apply_overrides
from ptce_sim.config.scenario import Scenario
from ptce_sim.config.scenario_io import MAX_FILE_BYTES, ScenarioError, load_scenario, parse_scenario
from ptce_sim.interfaces.cli import main
from ptce_sim.simulation.model import PtceModel
from ptce_sim.studies.experiment import Experiment, load_experiment
from ptce_sim.studies.targets import YEAR_RANGE, Targets, check_targets, load_targets

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------------
# Settings: deterministic in CI, random and larger on demand
# --------------------------------------------------------------------------------------------

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ptce-fuzz-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    "ptce-fuzz-campaign",
    derandomize=False,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_HEALTH,
)
CAMPAIGN_EXAMPLES = os.environ.get("PTCE_FUZZ_EXAMPLES")


def fuzz(ci_examples: int) -> settings:
    """The settings of a fuzz test.

    ``ci_examples`` derandomized examples, or, when ``PTCE_FUZZ_EXAMPLES`` is set, that many
    random ones.
    """
    if CAMPAIGN_EXAMPLES:
        return settings(
            settings.get_profile("ptce-fuzz-campaign"), max_examples=int(CAMPAIGN_EXAMPLES)
        )
    return settings(settings.get_profile("ptce-fuzz-ci"), max_examples=ci_examples)


# --------------------------------------------------------------------------------------------
# Where the generated files are written
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like the repository, where the generated files are written.

    It holds ``scenarios`` (a link to the shipped ones) and ``experiments``, so that an
    experiment's ``../scenarios/...`` paths resolve, and ``targets``.
    """
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    (folder / "experiments").mkdir()
    (folder / "targets").mkdir()
    return folder


def write_mutant(mutant: Mutant, path: Path) -> Path:
    """Write a mutant as TOML at ``path``."""
    RawFile("bytes", mutant.text().encode("utf-8")).write(path)
    return path


# --------------------------------------------------------------------------------------------
# What a loader may do: return a valid object, or raise a one-line ScenarioError
# --------------------------------------------------------------------------------------------


def attempt(load: Callable[[], Any]) -> Any:
    """``load()``, or the ScenarioError it raised (any other exception propagates: a bug)."""
    try:
        result = load()
    except ScenarioError as exc:
        event("refused")
        return exc
    event("loaded")
    return result


def check_message(exc: ScenarioError, files: Sequence[Path]) -> str:
    """The error's message is one line that starts with the path of one of ``files``."""
    message = str(exc)
    assert message, "empty message"
    assert message.splitlines() == [message], f"expected ONE line, got {message!r}"
    assert "Traceback" not in message, message
    starts = [f"{path}: " for path in files]
    assert any(message.startswith(start) for start in starts), (
        f"the message does not start with the file's path ({starts}): {message!r}"
    )
    return message


def check_names_field(message: str, mutant: Mutant, files: Sequence[Path]) -> None:
    """The message names a field (TOML was valid); for one mutation, the mutated one."""
    heads = [f"{path}: field '" for path in files] + [f"{path}: top level: " for path in files]
    assert any(message.startswith(head) for head in heads), (
        f"the message names no field ({mutant}): {message!r}"
    )
    if len(mutant.mutations) == 1:
        names = mutant.mutations[0].names
        assert any(name in message for name in names), (
            f"none of {names} is named ({mutant}): {message!r}"
        )


def walk(value: object, path: str = "") -> list[tuple[str, object]]:
    """Every leaf of dumped data, with its path."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in walk(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in walk(item, f"{path}[{i}]")]
    return [(path, value)]


def check_scenario(scenario: Scenario) -> None:
    """A loaded scenario is valid.

    It validates again, its numbers are finite, its counts >= 0, its years in order, every event
    inside them, its sectors' job shares sum to 1.
    """
    assert isinstance(scenario, Scenario)
    for where, value in walk(scenario.model_dump(mode="python")):
        if isinstance(value, float):
            assert math.isfinite(value), f"{where} = {value!r}"
        if isinstance(value, int) and not isinstance(value, bool) and ".set." not in where:
            assert value >= 0, f"{where} = {value!r}"  # counts, months, years are all >= 0
    run = scenario.run
    assert 1800 <= run.start_year <= run.end_year <= 2200
    assert 0 < run.scale <= 10
    assert scenario.months >= 12
    assert all(run.start_year <= event.year <= run.end_year for event in scenario.events)
    assert all(1 <= event.month <= 12 for event in scenario.events)
    assert math.isclose(sum(s.job_share for s in scenario.sectors), 1.0, abs_tol=1e-6)
    assert Scenario.model_validate_json(scenario.model_dump_json()) == scenario


def tiny(scenario: Scenario) -> Scenario:
    """The scenario at scale 0.01 (at most) over two years, every event in the first month.

    The timeline keeps its order, so that the first steps apply every event; every funder exists
    from the start (events may use it).
    """
    data = scenario.model_dump(mode="json")
    start = data["run"]["start_year"]
    data["run"]["end_year"] = min(data["run"]["end_year"], start + 1)
    data["run"]["scale"] = min(data["run"]["scale"], 0.01)
    data["events"] = sorted(data["events"], key=lambda e: e["date"])
    for item in data["events"]:
        item["date"] = f"{start}-01"
    for authority in data["authorities"]:
        authority["active_from"] = None
    return parse_scenario(data, source="<tiny>")


def check_model(scenario: Scenario, steps: int = 14) -> None:
    """The scenario builds a model that steps without an exception."""
    model = PtceModel(tiny(scenario), seed=1)
    for _ in range(steps):
        model.step()
    assert model.month_index == steps


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

SCENARIO_POOL = value_pool([load_toml(p) for p in SCENARIO_FILES])


@fuzz(1000)
@given(mutant=mutants(SCENARIO_FILES, SCENARIO_POOL))
def test_mutated_scenario_loads_or_names_the_field(fuzz_dir: Path, mutant: Mutant) -> None:
    """A mutated scenario loads into a valid scenario, or its one-line error names the field.

    One in eight of those that load (chosen by the mutation, so that a failure replays) also
    builds and steps a model.
    """
    path = write_mutant(mutant, fuzz_dir / "scenario.toml")
    result = attempt(lambda: load_scenario(path))
    if isinstance(result, ScenarioError):
        check_names_field(check_message(result, [path]), mutant, [path])
        return
    check_scenario(result)
    if zlib.crc32(str(mutant).encode()) % 8 == 0:
        check_model(result)


@fuzz(400)
@given(raw=raw_files(SCENARIO_FILES))
def test_broken_scenario_file_gives_one_line(fuzz_dir: Path, raw: RawFile) -> None:
    """Broken bytes, a directory or no file: a valid scenario or a one-line ScenarioError."""
    path = fuzz_dir / "raw_scenario.toml"
    raw.write(path)
    result = attempt(lambda: load_scenario(path))
    if isinstance(result, ScenarioError):
        check_message(result, [path])
        assert not raw.valid, f"a valid file was refused: {result}"
    else:
        check_scenario(result)


@fuzz(80)
@given(mutant=extreme_scenarios())
def test_extreme_but_valid_scenario_builds_a_model(fuzz_dir: Path, mutant: Mutant) -> None:
    """Numbers at the bounds of the schema: refused with a one-line error, or they run."""
    path = write_mutant(mutant, fuzz_dir / "extreme.toml")
    result = attempt(lambda: load_scenario(path))
    if isinstance(result, ScenarioError):
        check_names_field(check_message(result, [path]), mutant, [path])
        return
    check_scenario(result)
    check_model(result)


def test_subnormal_skill_mean_builds_a_model() -> None:
    """A skill mean just above 0 (valid: a probability) builds a model like 0 does.

    Too close to 0 for a Beta law, it gives every person that skill, as a mean of 0 gives every
    person 0; both models then run the same months.
    """
    data = load_scenario(SCENARIO_FILES[0]).model_dump(mode="json")
    models = {}
    for mean in (5e-324, 0.0):
        data["territory"]["skill_mean"] = mean
        model = PtceModel(tiny(parse_scenario(data)), seed=1)
        assert len(model.people) > 0
        assert (model.people.skill == mean).all(), (mean, np.unique(model.people.skill)[:5])
        for _ in range(3):
            model.step()
        assert model.month_index == 3
        skill = model.people.skill
        assert np.isfinite(skill).all() and ((skill >= 0) & (skill <= 1)).all()
        models[mean] = model
    tiny_one, zero = models[5e-324], models[0.0]
    assert len(tiny_one.people) == len(zero.people)
    assert (tiny_one.people.status == zero.people.status).all()


# --------------------------------------------------------------------------------------------
# Experiments
# --------------------------------------------------------------------------------------------

EXPERIMENT_EXTRAS = [
    # scenario files: other ones, files of another kind, folders, nothing, impossible names
    "../scenarios/innovales_like_2000_2020.toml",
    "../scenarios/targets/seignanx.toml",
    "../scenarios/targets/seignanx_mapping.toml",
    "experiment.toml",
    "../experiments/experiment.toml",
    ".",
    "../scenarios",
    "missing.toml",
    "/dev/null",
    "a" * 300,
    "a/" * 3000,
    "a\nb.toml",
    "a\x00b.toml",
    # parameter paths
    "sectors[*].trend_per_year",
    "authorities[Nobody].budget_eur_per_year",
    "authorities[\n].budget_eur_per_year",
    "events[999].depth",
    "events[-1].depth",
    "events[*].date",
    "events[0].type",
    "events[*].structure.name",
    "territory",
    "territory.growth",
    "territory.growth[*].rate_per_year",
    "territory.labour_force",
    "territory.age_shares.young",
    "run.start_year",
    "run.scale",
    "mechanisms.treasury.enabled",
    "mechanisms",
    "sectors[0]",
    "sectors[]",
    "a[",
    "a..b",
    "[*]",
    "other_ess.count",
    "authorities[*].level",
    # outcomes and indicators
    "employed",
    "employed@1799",
    "employed@2015",
    "employed@99999",
    "employed:median",
    "employed:mean",
    "@2010",
    "employed\n",
    "ess_jobs:sum",
    # design types and seeds
    "none",
    "factorial",
    "latin_hypercube",
    "sobol",
    "morris",
    "independent",
    "common",
    [0.0, 1.0],
    [1.0, 0.0],
    [0.0, 10**30],
    [1e-300, 1e300],
    [-1e308, 1e308],
    [10**400, 10**401],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [True, False],
    ["a", "b"],
    [1, "a"],
    2**63,
    2**20,
]
EXPERIMENT_POOL = value_pool([load_toml(p) for p in EXPERIMENT_FILES], EXPERIMENT_EXTRAS)


def check_experiment(experiment: Experiment) -> None:
    """A loaded experiment is usable.

    Its scenarios are valid, its seeds and digest are computed, its outcomes are kept, and its
    first design points give a valid scenario or a one-line ScenarioError.
    """
    assert isinstance(experiment, Experiment)
    assert experiment.scenarios and experiment.replicates >= 1
    for scenario in experiment.scenarios.values():
        check_scenario(scenario)
    assert all(outcome.indicator in experiment.keep for outcome in experiment.outcomes)
    assert len(experiment.digest()) == 64
    assert 0 <= experiment.seed(0, 0) < 2**63
    design = experiment.design
    size = math.prod(len(p.values or ()) for p in design.parameters)
    if design.type in ("latin_hypercube", "sobol", "morris"):
        size = (design.samples or 0) * (len(design.parameters) + 2)
    if size > 2000:
        return  # sampling a huge design is slow, not wrong
    points = experiment.points()
    for point in points[:2] + points[-1:]:
        outcome = attempt(
            lambda p=point: apply_overrides(
                experiment.scenarios[p.scenario], p.overrides, source="<point>"
            )
        )
        if isinstance(outcome, ScenarioError):
            check_message(outcome, [Path("<point>")])
        else:
            check_scenario(outcome)


@fuzz(450)
@given(mutant=mutants(EXPERIMENT_FILES, EXPERIMENT_POOL))
def test_mutated_experiment_loads_or_names_the_field(fuzz_dir: Path, mutant: Mutant) -> None:
    """A mutated experiment loads (and is usable), or its one-line error names the field."""
    path = write_mutant(mutant, fuzz_dir / "experiments" / "experiment.toml")
    result = attempt(lambda: load_experiment(path))
    if isinstance(result, ScenarioError):
        check_names_field(check_message(result, [path]), mutant, [path])
    else:
        check_experiment(result)


@fuzz(250)
@given(raw=raw_files(EXPERIMENT_FILES))
def test_broken_experiment_file_gives_one_line(fuzz_dir: Path, raw: RawFile) -> None:
    """Broken bytes, a directory or no file: a usable experiment or a one-line ScenarioError."""
    path = fuzz_dir / "experiments" / "raw_experiment.toml"
    raw.write(path)
    result = attempt(lambda: load_experiment(path))
    if isinstance(result, ScenarioError):
        check_message(result, [path])
        assert not raw.valid, f"a valid file was refused: {result}"
    else:
        check_experiment(result)


# --------------------------------------------------------------------------------------------
# Targets and their mapping
# --------------------------------------------------------------------------------------------

TARGETS_EXTRAS = [
    "population",
    "classic_jobs",
    "employed",
    "insertion_employees",
    "turnover_eur",
    "structure",
    "value",
    "growth_rate",
    "peak_to_trough",
    "mean",
    "EI ITEMS",
    "GEIQ BTP",
    "Nobody",
    [2000, 2015],
    [2015, 2000],
    [2000, 2000],
    [1799, 2015],
    [2000, 2201],
]
TARGETS_POOL = value_pool([load_toml(TARGETS_FILE), load_toml(MAPPING_FILE)], TARGETS_EXTRAS)
SEIGNANX = load_scenario(SCENARIO_FILES[0])


def check_targets_object(targets: Targets) -> None:
    """Loaded targets are usable.

    Their figures are positive and finite, their years in range and in order; checking them
    against the Seignanx scenario passes or gives a one-line ScenarioError.
    """
    assert isinstance(targets, Targets)
    assert len(targets) > 0
    for target in targets.targets:
        assert math.isfinite(target.observed) and target.observed > 0, target
        first, last = target.years
        assert YEAR_RANGE[0] <= first <= last <= YEAR_RANGE[1], target
    for _, value, reason in targets.not_compared:
        assert math.isfinite(value) and value > 0 and reason
    outcome = attempt(lambda: check_targets(targets, SEIGNANX))
    if isinstance(outcome, ScenarioError):
        check_message(outcome, [targets.path, targets.mapping_path])


@fuzz(450)
@given(
    mutant=st.one_of(mutants([TARGETS_FILE], TARGETS_POOL), mutants([MAPPING_FILE], TARGETS_POOL))
)
def test_mutated_targets_load_or_name_the_field(fuzz_dir: Path, mutant: Mutant) -> None:
    """A mutated targets or mapping file loads, or its one-line error names the field."""
    path = fuzz_dir / "targets" / "case.toml"
    mapping = fuzz_dir / "targets" / "case_mapping.toml"
    mutated = path if mutant.base == TARGETS_FILE else mapping
    other = mapping if mutated == path else path
    write_mutant(mutant, mutated)
    RawFile("bytes", (MAPPING_FILE if other == mapping else TARGETS_FILE).read_bytes()).write(other)
    result = attempt(lambda: load_targets(path))
    if isinstance(result, ScenarioError):
        # a change to one file may be reported in the other (a structure no target uses)
        check_names_field(check_message(result, [path, mapping]), mutant, [path, mapping])
    else:
        check_targets_object(result)


@fuzz(250)
@given(raw=raw_files([TARGETS_FILE, MAPPING_FILE]))
def test_broken_targets_file_gives_one_line(fuzz_dir: Path, raw: RawFile) -> None:
    """Broken bytes in the targets file or its mapping: loaded, or a one-line ScenarioError."""
    path = fuzz_dir / "targets" / "raw.toml"
    mapping = fuzz_dir / "targets" / "raw_mapping.toml"
    broken_is_mapping = "mapping" in raw.how
    broken = mapping if broken_is_mapping else path
    other = path if broken_is_mapping else mapping
    RawFile("bytes", (TARGETS_FILE if other == path else MAPPING_FILE).read_bytes()).write(other)
    raw.write(broken)
    result = attempt(lambda: load_targets(path))
    if isinstance(result, ScenarioError):
        check_message(result, [path, mapping])
        assert not raw.valid, f"a valid file was refused: {result}"
    else:
        check_targets_object(result)


# --------------------------------------------------------------------------------------------
# Edge cases every loader meets the same way
# --------------------------------------------------------------------------------------------

LOADERS = {
    "scenario": (SCENARIO_FILES[0], load_scenario),
    "experiment": (EXPERIMENT_FILES[0], load_experiment),
    "targets": (TARGETS_FILE, load_targets),
}


def _place(folder: Path, kind: str) -> tuple[Path, Callable[[Path], Any], Path]:
    """A folder ready for a ``kind`` file: (path to write, loader, shipped file)."""
    shipped, loader = LOADERS[kind]
    if kind == "experiment":
        (folder / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
        (folder / "experiments").mkdir()
        return folder / "experiments" / "case.toml", loader, shipped
    if kind == "targets":
        (folder / "case_mapping.toml").write_bytes(MAPPING_FILE.read_bytes())
    return folder / "case.toml", loader, shipped


@pytest.mark.parametrize("kind", list(LOADERS))
def test_file_exactly_at_the_size_limit_loads(tmp_path: Path, kind: str) -> None:
    """A file of exactly the size limit loads; one byte more is refused, naming the limit.

    The file is a shipped one padded with a comment.
    """
    path, loader, shipped = _place(tmp_path, kind)
    text = shipped.read_bytes()
    padding = b"\n#" + b"x" * (MAX_FILE_BYTES - len(text) - 3) + b"\n"
    path.write_bytes(text + padding)
    assert path.stat().st_size == MAX_FILE_BYTES
    loader(path)
    path.write_bytes(text + padding + b"\n")
    message = check_message(pytest.raises(ScenarioError, loader, path).value, [path])
    assert str(MAX_FILE_BYTES) in message and "larger" in message


def test_scenario_with_a_very_long_valid_timeline_loads(tmp_path: Path) -> None:
    """A big but valid scenario (thousands of events, about a megabyte) loads and is valid."""
    data = load_toml(SCENARIO_FILES[0])
    sector = data["sectors"][0]["name"]
    start, end = data["run"]["start_year"], data["run"]["end_year"]
    for i in range(6000):
        data["events"].append(
            {
                "date": f"{start + i % (end - start + 1)}-{1 + i % 12:02d}",
                "type": "plant_closure",
                "sector": sector,
                "jobs": 1 + i % 50,
                "note": f"closure {i} " + "x" * 80,
            }
        )
    path = tmp_path / "long.toml"
    path.write_text(dump_toml(data), encoding="utf-8")
    assert path.stat().st_size > 1_000_000
    scenario = load_scenario(path)
    check_scenario(scenario)
    assert len(scenario.events) == len(data["events"])


@pytest.mark.parametrize("kind", list(LOADERS))
@pytest.mark.parametrize("depth", [40, 1000, 100_000])
@pytest.mark.parametrize("form", ["array", "inline", "dotted"])
def test_deep_nesting_is_refused_with_one_line(
    tmp_path: Path, kind: str, depth: int, form: str
) -> None:
    """Arrays or tables nested deeper than any input needs: one line, never a RecursionError."""
    path, loader, shipped = _place(tmp_path, kind)
    nested = {
        "array": b"bogus = " + b"[" * depth + b"]" * depth,
        "inline": b"bogus = " + b"{a = " * depth + b"1" + b"}" * depth,
        "dotted": b"bogus." + b"a." * depth + b"a = 1",
    }[form]
    path.write_bytes(nested + b"\n" + shipped.read_bytes())
    message = check_message(pytest.raises(ScenarioError, loader, path).value, [path])
    assert "bogus" in message or "nested" in message, message


@pytest.mark.parametrize("kind", list(LOADERS))
@pytest.mark.parametrize("what", ["missing", "directory", "fifo", "broken-link", "no-permission"])
def test_no_readable_file_gives_one_line(tmp_path: Path, kind: str, what: str) -> None:
    """No file, a folder, a named pipe, a dangling link or an unreadable file: one line.

    The line names the path; the pipe is not opened (no hang).
    """
    path, loader, _ = _place(tmp_path, kind)
    if what == "directory":
        path.mkdir()
    elif what == "fifo":
        os.mkfifo(path)
    elif what == "broken-link":
        path.symlink_to(tmp_path / "nowhere.toml")
    elif what == "no-permission":
        if os.geteuid() == 0:
            pytest.skip("root reads any file")
        path.write_text("[run]\n", encoding="utf-8")
        path.chmod(0)
    message = check_message(pytest.raises(ScenarioError, loader, path).value, [path])
    assert "expected" in message or "not found" in message or "cannot be read" in message


def test_strategies_cover_every_section() -> None:
    """Guards the generators: every section of every shipped file can be mutated."""
    for path in (*SCENARIO_FILES, *EXPERIMENT_FILES, TARGETS_FILE, MAPPING_FILE):
        data = load_toml(path)
        assert {p[0] for p in positions(data)} == set(data), path


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``main(argv)`` in-process: (exit code, stdout, stderr)."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_exit_2(code: int, out: str, err: str, message: str | None = None) -> str:
    """Exit 2, one stderr line ``ptce-sim: error: ...`` (``message`` when given), no traceback."""
    assert "Traceback" not in err and "Traceback" not in out, err
    assert code == 2, f"exit code {code}, stderr: {err!r}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected ONE line on stderr, got {err!r}"
    assert lines[0].startswith("ptce-sim: error: "), lines[0]
    if message is not None:
        assert lines[0] == f"ptce-sim: error: {message}", lines[0]
    return lines[0]


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    """One broken file of each kind (and a good targets file beside a bad mapping)."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    (tmp_path / "experiments").mkdir()
    scenario = load_toml(SCENARIO_FILES[0])
    scenario["territory"]["labour_force"] = math.nan
    experiment = load_toml(EXPERIMENT_FILES[0])
    experiment["experiment"]["replicates"] = -3
    targets = load_toml(TARGETS_FILE)
    targets["target"][0]["year"] = 1799
    mapping = load_toml(MAPPING_FILE)
    mapping["indicators"]["fte"]["scaled"] = "yes"
    files = {
        "scenario": tmp_path / "bad_scenario.toml",
        "binary": tmp_path / "binary.toml",
        "experiment": tmp_path / "experiments" / "bad_experiment.toml",
        "targets": tmp_path / "bad_targets.toml",
        "mapping_targets": tmp_path / "mapped.toml",
    }
    files["scenario"].write_text(dump_toml(scenario), encoding="utf-8")
    files["binary"].write_bytes(bytes(range(256)) * 4)
    files["experiment"].write_text(dump_toml(experiment), encoding="utf-8")
    files["targets"].write_text(dump_toml(targets), encoding="utf-8")
    (tmp_path / "bad_targets_mapping.toml").write_bytes(MAPPING_FILE.read_bytes())
    files["mapping_targets"].write_bytes(TARGETS_FILE.read_bytes())
    (tmp_path / "mapped_mapping.toml").write_text(dump_toml(mapping), encoding="utf-8")
    return files


GOOD_SCENARIO = str(SCENARIO_FILES[0])
GOOD_TARGETS = str(TARGETS_FILE)

CLI_CASES = [
    # (command line with {name} for a bad file, the field or phrase the message names)
    (["run", "{scenario}"], "territory.labour_force"),
    (["run", "{binary}"], "UTF-8"),
    (["run", "{missing}"], "not found"),
    (["run", "{folder}"], "directory"),
    (["validate", "{scenario}", GOOD_TARGETS], "territory.labour_force"),
    (["validate", GOOD_SCENARIO, "{targets}"], "target[0].year"),
    (["validate", GOOD_SCENARIO, "{mapping_targets}"], "indicators.fte.scaled"),
    (["validate", GOOD_SCENARIO, "{binary}"], "UTF-8"),
    (["batch", "{experiment}"], "experiment.replicates"),
    (["batch", "{binary}"], "UTF-8"),
    (["batch", "{missing}"], "not found"),
    (["compare", "{experiment}"], "experiment.replicates"),
    (["compare", "{binary}"], "UTF-8"),
    (["compare", GOOD_SCENARIO, "{scenario}"], "territory.labour_force"),
    (["compare", "{scenario}", GOOD_SCENARIO], "territory.labour_force"),
    (["sensitivity", "{folder}"], "not a batch folder"),
    (["sensitivity", "{scenario}"], "not a batch folder"),
]


@pytest.mark.parametrize(
    ("argv", "named"), CLI_CASES, ids=[f"{argv[0]}-{i}" for i, (argv, _) in enumerate(CLI_CASES)]
)
def test_cli_bad_file_exits_2_with_one_line(
    bad_files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    named: str,
) -> None:
    """Each command that reads a file turns its problem into one line and exit status 2."""
    names = {k: str(v) for k, v in bad_files.items()}
    names["missing"] = str(tmp_path / "missing.toml")
    names["folder"] = str(tmp_path / "experiments")
    args = [a.format(**names) for a in argv]
    if args[0] != "sensitivity":
        args += ["--out", str(tmp_path / "out")]
    line = assert_exit_2(*run_main(args, capsys))
    assert named in line, line
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@fuzz(120)
@given(
    case=st.one_of(
        st.tuples(st.just("run"), mutants(SCENARIO_FILES, SCENARIO_POOL, max_mutations=1)),
        st.tuples(st.just("batch"), mutants(EXPERIMENT_FILES, EXPERIMENT_POOL, max_mutations=1)),
        st.tuples(st.just("validate"), mutants([TARGETS_FILE], TARGETS_POOL, max_mutations=1)),
    )
)
def test_cli_prints_the_loaders_message(fuzz_dir: Path, case: tuple[str, Mutant]) -> None:
    """For a generated bad file, the command prints the loader's own message and exits 2.

    Files that load are not given to the command (it would start running them): they must be
    valid and usable, as the loader tests require.
    """
    command, mutant = case
    if command == "run":
        path = write_mutant(mutant, fuzz_dir / "cli_scenario.toml")
        load: Callable[[], Any] = lambda: load_scenario(path)  # noqa: E731
        argv = ["run", str(path)]
    elif command == "batch":
        path = write_mutant(mutant, fuzz_dir / "experiments" / "cli_experiment.toml")
        load = lambda: load_experiment(path)  # noqa: E731
        argv = ["batch", str(path)]
    else:
        path = write_mutant(mutant, fuzz_dir / "targets" / "cli.toml")
        (fuzz_dir / "targets" / "cli_mapping.toml").write_bytes(MAPPING_FILE.read_bytes())
        load = lambda: load_targets(path)  # noqa: E731
        argv = ["validate", GOOD_SCENARIO, str(path)]
    result = attempt(load)
    if not isinstance(result, ScenarioError):
        {"run": check_scenario, "batch": check_experiment, "validate": check_targets_object}[
            command
        ](result)
        return
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, "--out", str(fuzz_dir / "cli_out")])
    assert_exit_2(code, out.getvalue(), err.getvalue(), str(result))


def test_cli_subprocess_exits_2_without_traceback(bad_files: dict[str, Path]) -> None:
    """The real command, in its own process: exit status 2, one line, no traceback."""
    for argv in (["run", str(bad_files["scenario"])], ["batch", str(bad_files["binary"])]):
        done = subprocess.run(
            [sys.executable, "-m", "ptce_sim.interfaces.cli", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=bad_files["scenario"].parent,
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr + done.stdout, done.stderr
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("ptce-sim: error: "), done.stderr
        assert str(bad_files["scenario" if argv[0] == "run" else "binary"]) in lines[0]
