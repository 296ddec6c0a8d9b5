"""Write a run's results: tables as Parquet and CSV, ``run.json`` with its provenance.

Files are written under a temporary name and renamed, so that a reader never sees a half-written
file. Tables are written with fixed column order and float formatting, so the same scenario and
seed give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ptce_sim import numpy_paths_pinned
from ptce_sim.config.scenario_io import scenario_digest
from ptce_sim.runs.atomic import replacing, write_bytes
from ptce_sim.runs.runner import RunResult

PACKAGES = ("ptce-sim", "mesa", "numpy", "pandas", "pyarrow", "networkx", "pydantic", "matplotlib")


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a run depends on."""
    versions = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    # numpy's SIMD kernels change results in their last digits (see ptce_sim/__init__.py)
    versions["numpy_avx512"] = "off" if numpy_paths_pinned() else "on"
    return versions


def write_table(frame: pd.DataFrame, directory: Path, name: str, *, csv: bool = True) -> None:
    """Write ``name.parquet`` (and ``name.csv``): empty cells where a value does not apply."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with replacing(directory / f"{name}.parquet") as tmp:
        pq.write_table(table, tmp)
    if csv:
        text = frame.to_csv(index=False, float_format="%.6g", lineterminator="\n", na_rep="")
        write_bytes(directory / f"{name}.csv", text.encode())


TABLES = ("territory", "structures", "jobs_by_mechanism", "monthly", "resilience")
"""The tables of a run, as named in ``run.json``'s ``table_sha256``."""


def table_digests(result: RunResult) -> dict[str, str]:
    """SHA-256 of each table's full-precision content, to tell whether a rerun is identical.

    Computed from the values (shortest round-trip text of each float), not from the files, so it
    does not depend on the Parquet writer's version or on the CSV files' rounding.
    """
    digests = {}
    for name in TABLES:
        frame: pd.DataFrame = getattr(result, name)
        text = frame.to_csv(index=False, lineterminator="\n", na_rep="")
        digests[name] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def write_results(
    result: RunResult, out: Path, *, scenario_file: Path | None = None, file_hash: str | None = None
) -> list[Path]:
    """Write every table and ``run.json`` into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    write_table(result.territory, out, "territory")
    write_table(result.structures, out, "structures")
    write_table(result.monthly, out, "monthly", csv=False)
    write_bytes(
        out / "jobs_by_mechanism.csv",
        result.jobs_by_mechanism.to_csv(index=False, lineterminator="\n").encode(),
    )
    write_bytes(
        out / "resilience.csv",
        result.resilience.to_csv(
            index=False, float_format="%.6g", lineterminator="\n", na_rep=""
        ).encode(),
    )
    run = {
        "scenario": result.scenario.run.name,
        "title": result.scenario.run.title,
        "scenario_file": str(scenario_file) if scenario_file else None,
        "scenario_file_sha256": file_hash,
        "scenario_sha256": scenario_digest(result.scenario),
        "scale": result.scenario.run.scale,
        "seed": result.seed,
        "years": [result.scenario.run.start_year, result.scenario.run.end_year],
        "months": int(len(result.monthly)),
        "wall_time_s": round(result.wall_time_s, 3),
        "setup_time_s": round(result.setup_time_s, 3),
        "person_months": result.person_months,
        "versions": package_versions(),
        "machine": {"platform": platform.platform(), "processor": platform.machine()},
        "events": [{"month": m, "type": t, "note": n} for m, t, n in result.events],
        "table_sha256": table_digests(result),
        "reproduce": f"ptce-sim reproduce {out / 'run.json'}",
        "scenario_content": result.scenario.model_dump(mode="json"),
    }
    write_bytes(out / "run.json", (json.dumps(run, indent=2, ensure_ascii=False) + "\n").encode())
    return sorted(out.iterdir())
