"""Reference results: digests of a few runs' tables that lock the model's results.

A change of code that changes results must say so: the reference runs (:data:`REFERENCE_RUNS`)
are rerun by ``tests/test_reference.py`` and their digests compared with the committed ones
(``tests/reference/digests.json``). A refactor keeps them identical; a change of the model's
rules regenerates them (``make reference``) in the same commit and adds a line to
``docs/CHANGES.md``.

A digest covers a table's content, never a file's bytes: column names, column types, and every
value as its shortest round-trip text (so it does not depend on the Parquet writer's metadata or
the CSV files' rounding). The digests depend on the packages that compute or format the values
(numpy, pandas, networkx, mesa), whose versions are recorded beside them.

Documents that report results (``docs/validation.md``, ``docs/sensitivity/``, the README's
figures) carry the *reference stamp* they were made with: a short digest of every reference
digest together (:func:`reference_stamp`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs.i18n import _
from ptce_sim.runs.results import package_versions
from ptce_sim.runs.runner import RunResult, simulate

TABLES = ("territory", "structures", "jobs_by_mechanism", "monthly", "resilience")
"""The tables of a run that the digests cover."""


@dataclass(frozen=True)
class ReferenceRun:
    """One run of the reference set: a scenario file of ``scenarios/``, a scale and a seed."""

    scenario: str
    scale: float
    seed: int

    @property
    def key(self) -> str:
        """The run's name in the digests file, e.g. ``seignanx_1970_2015@0.25#1``."""
        return f"{Path(self.scenario).stem}@{self.scale:g}#{self.seed}"


REFERENCE_RUNS = (
    ReferenceRun("seignanx_1970_2015.toml", 0.25, 0),
    ReferenceRun("seignanx_1970_2015.toml", 0.25, 1),
    ReferenceRun("seignanx_1970_2015.toml", 1.0, 0),
    ReferenceRun("seignanx_no_cooperation.toml", 0.25, 0),
    ReferenceRun("seignanx_funding_cut_2016_2025.toml", 0.25, 0),
    ReferenceRun("innovales_like_2000_2020.toml", 0.5, 0),
)
"""Every shipped scenario, the Seignanx at two seeds and at full scale."""

DIGEST_PACKAGES = ("python", "ptce-sim", "mesa", "numpy", "pandas", "networkx", "pydantic")
"""The versions the digests depend on, recorded beside them."""

STAMP_PATTERN = re.compile(
    r"(?:reference stamp|empreinte de référence)\s+`([0-9a-f]{12}|unrecorded)`"
)
"""How a document, in English or French, states the reference stamp it was made with
(``unrecorded``: made before the first reference digests)."""


def table_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's column names, column types and values (full precision)."""
    header = "\n".join(f"{name}\t{dtype}" for name, dtype in frame.dtypes.items())
    values = frame.to_csv(index=False, lineterminator="\n", na_rep="")
    return hashlib.sha256(f"{header}\n--\n{values}".encode()).hexdigest()


def result_digests(result: RunResult) -> dict[str, str]:
    """The digest of each table of a run."""
    return {name: table_digest(getattr(result, name)) for name in TABLES}


def compute_digests(scenarios_dir: Path) -> dict[str, dict[str, str]]:
    """Run every reference run and return ``{run key: {table: digest}}``."""
    digests = {}
    for run in REFERENCE_RUNS:
        scenario = load_scenario(scenarios_dir / run.scenario).with_overrides(scale=run.scale)
        digests[run.key] = result_digests(simulate(scenario, run.seed))
    return digests


def stamp_of(digests: dict[str, dict[str, str]]) -> str:
    """A short digest of a whole set of reference digests (12 hex digits)."""
    text = json.dumps(digests, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def reference_record(digests: dict[str, dict[str, str]]) -> dict:
    """What the committed digests file holds: the stamp, the digests and the versions."""
    versions = package_versions()
    return {
        "stamp": stamp_of(digests),
        "versions": {name: versions.get(name, "unknown") for name in DIGEST_PACKAGES},
        "runs": {run.key: run.__dict__ for run in REFERENCE_RUNS},
        "digests": digests,
    }


def read_record(path: Path) -> dict:
    """Read a committed digests file."""
    return json.loads(path.read_text(encoding="utf-8"))


def reference_stamp(path: Path) -> str:
    """The stamp of the committed reference digests at ``path``."""
    return read_record(path)["stamp"]


DEFAULT_DIGESTS = Path(__file__).resolve().parents[2] / "tests" / "reference" / "digests.json"
"""The committed reference digests of a source checkout (absent from an installed wheel)."""


def current_stamp(path: str | Path | None = None) -> str | None:
    """The stamp of the reference digests at ``path`` (default :data:`DEFAULT_DIGESTS`).

    None when the file is not there (an installed package has no ``tests/``).
    """
    path = Path(path) if path is not None else DEFAULT_DIGESTS
    return reference_stamp(path) if path.is_file() else None


def stamp_line(stamp: str) -> str:
    """The sentence a report carries to say which reference results it was made with.

    In the language in force; :data:`STAMP_PATTERN` finds the stamp in either language.
    """
    return _("Made with reference stamp `{stamp}` (see `tests/reference/digests.json`).").format(
        stamp=stamp
    )


def stamp_in(text: str) -> str | None:
    """The reference stamp a document states, if any."""
    match = STAMP_PATTERN.search(text)
    return match.group(1) if match else None


def differences(recorded: dict[str, dict[str, str]], now: dict[str, dict[str, str]]) -> list[str]:
    """``run: table`` for every digest that differs (or is missing on either side)."""
    missing = object()
    keys = sorted(set(recorded) | set(now))
    return [
        f"{key}: {table}"
        for key in keys
        for table in TABLES
        if recorded.get(key, {}).get(table, missing) != now.get(key, {}).get(table, missing)
        or key not in recorded
        or key not in now
    ]


def main(argv: list[str] | None = None) -> int:
    """Write (or check) the reference digests.

    ``python -m ptce_sim.runs.reference [--check] FILE``.
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m ptce_sim.runs.reference", description=main.__doc__
    )
    parser.add_argument("file", type=Path, help="the digests file (tests/reference/digests.json)")
    parser.add_argument("--scenarios", type=Path, default=Path("scenarios"))
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    digests = compute_digests(args.scenarios)
    if args.check:
        differing = differences(read_record(args.file)["digests"], digests)
        for line in differing:
            print(f"differs: {line}")
        print("identical" if not differing else f"{len(differing)} tables differ")
        return 1 if differing else 0
    from ptce_sim.runs.atomic import write_text

    record = reference_record(digests)
    args.file.parent.mkdir(parents=True, exist_ok=True)
    write_text(args.file, json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.file}: stamp {record['stamp']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
