"""Rerun a finished run from its ``run.json`` alone, and say whether the result is identical.

``run.json`` (written by :mod:`ptce_sim.runs.results`) holds the validated scenario as it was run
(``scenario_content``, scale and overrides applied), the seed, the package versions and a digest
of each result table (``table_sha256``). Nothing else is needed: the scenario file may since have
been edited or deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ptce_sim.config.scenario import Scenario
from ptce_sim.config.scenario_io import ScenarioError, parse_scenario, scenario_digest
from ptce_sim.runs.results import package_versions, table_digests
from ptce_sim.runs.runner import RunResult, simulate

MAX_RUN_JSON_BYTES = 5_000_000


@dataclass(frozen=True)
class Recorded:
    """What a ``run.json`` says about a run."""

    path: Path
    scenario: Scenario
    seed: int
    table_sha256: dict[str, str]
    versions: dict[str, str]


@dataclass(frozen=True)
class Reproduction:
    """A rerun and how it compares with the record."""

    recorded: Recorded
    result: RunResult
    differing: list[str]
    """Tables whose content differs from the recorded run's (empty: identical)."""
    version_changes: dict[str, tuple[str, str]]
    """Packages whose version differs: name -> (recorded, now)."""

    @property
    def identical(self) -> bool:
        """Whether every table is identical to the recorded run's."""
        return not self.differing


def read_run_json(path: str | Path) -> Recorded:
    """Read a ``run.json`` and the scenario it holds.

    Raises:
        ScenarioError: the file is missing, not JSON, lacks a field, or its scenario is invalid or
            does not match its recorded digest.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: run record not found; expected the run.json of a run")
    if path.stat().st_size > MAX_RUN_JSON_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_RUN_JSON_BYTES} bytes; expected a run.json")
    try:
        run = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"{path}: not a JSON run record ({exc})") from None
    if not isinstance(run, dict):
        kind = type(run).__name__
        raise ScenarioError(f"{path}: expected a JSON object (a run.json), got {kind}")
    content = _field(run, "scenario_content", dict, path)
    seed = _field(run, "seed", int, path)
    digests = _field(run, "table_sha256", dict, path)
    versions = run.get("versions") if isinstance(run.get("versions"), dict) else {}
    scenario = parse_scenario(content, source=f"{path}: scenario_content")
    recorded_digest = run.get("scenario_sha256")
    if recorded_digest is not None and recorded_digest != scenario_digest(scenario):
        raise ScenarioError(
            f"{path}: scenario_content does not match scenario_sha256; the record was edited"
        )
    return Recorded(path, scenario, seed, {str(k): str(v) for k, v in digests.items()}, versions)


def reproduce(recorded: Recorded, progress=None) -> Reproduction:  # noqa: ANN001
    """Rerun a recorded run and compare its tables with the recorded digests.

    Args:
        recorded: what a ``run.json`` says (:func:`read_run_json`).
        progress: passed on to :func:`ptce_sim.runs.runner.simulate`.
    """
    result = simulate(recorded.scenario, recorded.seed, progress=progress)
    now = table_digests(result)
    differing = [name for name, digest in recorded.table_sha256.items() if now.get(name) != digest]
    current = package_versions()
    changes = {
        name: (str(version), current.get(name, "not installed"))
        for name, version in recorded.versions.items()
        if current.get(name, "not installed") != version
    }
    return Reproduction(recorded, result, differing, changes)


def _field(run: dict, name: str, kind: type, path: Path) -> object:
    value = run.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        expected = {dict: "an object", int: "an integer"}[kind]
        raise ScenarioError(
            f"{path}: field '{name}' is missing or not {expected}; expected a run.json written by "
            "ptce-sim run"
        )
    return value
