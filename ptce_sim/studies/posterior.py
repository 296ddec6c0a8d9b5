"""A calibration's posterior sample: written by ``ptce-sim calibrate``, drawn from by batches.

The file is Parquet (``scenarios/posteriors/<scenario>.parquet``): one row per posterior
particle, one column per calibrated parameter (named by its label) and a ``weight`` column (the
ABC kernel weights, summing to 1). Its metadata (key ``ptce_sim_posterior``, JSON) holds the
parameters' paths in the scenario, the definition's hash, the scale, the date, the elapsed time
and the diagnostics.

``ptce-sim batch --posterior FILE`` and ``ptce-sim compare --posterior FILE`` give each
replicate ``r`` one particle, drawn with probability its weight by
``SeedSequence(master_seed, spawn_key=(3, r))``: reproducible, and the same particle for every
design point or scenario of that replicate (so paired comparisons stay paired). The spread over
replicates then covers what the calibration leaves uncertain as well as the random draws.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ptce_sim.config.overrides import Override
from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.runs.atomic import write_bytes

METADATA_KEY = b"ptce_sim_posterior"
WEIGHT = "weight"


@dataclass(frozen=True)
class PosteriorSample:
    """A loaded posterior sample.

    Attributes:
        path: its file.
        digest: SHA-256 of the file's bytes.
        labels: the parameters' column names.
        paths: their paths in the scenario (``ptce_sim.config.overrides``).
        values: the particles, one row each (a numpy array).
        weights: their weights (sum 1).
        metadata: the file's metadata.
    """

    path: Path
    digest: str
    labels: tuple[str, ...]
    paths: tuple[str, ...]
    values: Any
    weights: Any
    metadata: dict

    def draw(self, master_seed: int, replicate: int) -> tuple[int, tuple[Override, ...]]:
        """The particle of replicate ``replicate``: its row and its overrides."""
        import numpy as np

        rng = np.random.default_rng(np.random.SeedSequence(master_seed, spawn_key=(3, replicate)))
        row = int(rng.choice(len(self.weights), p=self.weights))
        return row, tuple(
            Override(path, float(value), round_int=True)
            for path, value in zip(self.paths, self.values[row], strict=True)
        )

    def describe(self) -> dict:
        """What a batch manifest records of it."""
        return {
            "file": str(self.path),
            "sha256": self.digest,
            "particles": len(self.weights),
            "parameters": dict(zip(self.labels, self.paths, strict=True)),
        }


def write_posterior(path: str | Path, frame: Any, paths: dict[str, str], metadata: dict) -> Path:
    """Write a posterior sample: ``frame`` has one column per label and ``weight``.

    Args:
        path: the Parquet file.
        frame: the particles (pandas DataFrame).
        paths: ``{label: path in the scenario}`` for each parameter column.
        metadata: provenance and diagnostics, stored as JSON.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    content = {**metadata, "parameters": paths}
    schema = dict(table.schema.metadata or {})
    schema[METADATA_KEY] = json.dumps(content, sort_keys=True, default=str).encode()
    table = table.replace_schema_metadata(schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, sink.getvalue().to_pybytes())
    return path


def load_posterior(path: str | Path) -> PosteriorSample:
    """Read a posterior sample written by :func:`write_posterior`.

    Raises:
        ScenarioError: the file is missing or is not a posterior sample.
    """
    import numpy as np
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such posterior file (run 'ptce-sim calibrate')")
    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot be read as Parquet ({exc})") from None
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise ScenarioError(
            f"{path}: not a posterior sample (no '{METADATA_KEY.decode()}' metadata)"
        )
    metadata = json.loads(raw)
    paths = metadata.get("parameters") or {}
    frame = table.replace_schema_metadata(None).to_pandas()
    missing = [c for c in [*paths, WEIGHT] if c not in frame.columns]
    if missing or frame.empty:
        raise ScenarioError(f"{path}: posterior sample without rows or columns {missing}")
    weights = frame[WEIGHT].to_numpy(dtype=float)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ScenarioError(f"{path}: field 'weight': expected non-negative finite weights")
    return PosteriorSample(
        path=path,
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
        labels=tuple(paths),
        paths=tuple(paths.values()),
        values=frame[list(paths)].to_numpy(dtype=float),
        weights=weights / weights.sum(),
        metadata=metadata,
    )
