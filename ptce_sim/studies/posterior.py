"""A calibration's posterior sample: written by ``ptce-sim calibrate``, drawn from by batches.

The file is Parquet (``scenarios/posteriors/<scenario>.parquet``): one row per posterior
particle, one column per calibrated parameter (named by its label) and a ``weight`` column (the
ABC kernel weights, summing to 1). Its metadata (key ``ptce_sim_posterior``, JSON) holds the
parameters' paths in the scenario, the definition's hash, the scale, the date, the elapsed time,
the diagnostics and the reference stamp of the model's results it was calibrated on
(:mod:`ptce_sim.runs.reference`): a report that draws from a posterior made on other results
says so (:func:`stale_note`), since its parameters were fitted to a model that has changed.

``ptce-sim batch --posterior FILE`` and ``ptce-sim compare --posterior FILE`` give each
replicate ``r`` one particle, drawn with probability its weight by
``SeedSequence(master_seed, spawn_key=(3, r // seeds_per_draw))``: reproducible, and the same
particle for every design point or scenario of that replicate (so paired comparisons stay
paired). The spread over replicates then covers what the calibration leaves uncertain as well as
the random draws. With ``seeds_per_draw`` = m ≥ 2 (``--seeds-per-draw``; ``compare`` uses 2),
replicates ``m k`` to ``m k + m − 1`` share one draw with different seeds, so that the spread
splits into the random draws' part (within a draw) and the parameters' part (between draws):
:func:`split_variance`.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ptce_sim.config.overrides import Override
from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.runs.atomic import write_bytes
from ptce_sim.runs.i18n import _

METADATA_KEY = b"ptce_sim_posterior"
WEIGHT = "weight"
COMPARE_SEEDS_PER_DRAW = 2
"""Replicates sharing one draw in a comparison (``compare --seeds-per-draw``'s default, the
funding page's): two, so that the spread splits into random and parameter parts."""


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
    seeds_per_draw: int = 1

    def draw(self, master_seed: int, replicate: int) -> tuple[int, tuple[Override, ...]]:
        """The particle of replicate ``replicate``: its row and its overrides."""
        import numpy as np

        group = replicate // self.seeds_per_draw
        rng = np.random.default_rng(np.random.SeedSequence(master_seed, spawn_key=(3, group)))
        row = int(rng.choice(len(self.weights), p=self.weights))
        return row, tuple(
            Override(path, float(value), round_int=True)
            for path, value in zip(self.paths, self.values[row], strict=True)
        )

    @property
    def stamp(self) -> str | None:
        """The reference stamp of the results it was calibrated on (None: not recorded)."""
        return self.metadata.get("reference_stamp")

    def describe(self) -> dict:
        """What a batch manifest records of it."""
        return {
            "file": str(self.path),
            "sha256": self.digest,
            "particles": len(self.weights),
            "parameters": dict(zip(self.labels, self.paths, strict=True)),
            "seeds_per_draw": self.seeds_per_draw,
            "reference_stamp": self.stamp,
        }

    def usage_digest(self) -> str:
        """What of it determines a batch's runs: the file, and how replicates share draws."""
        if self.seeds_per_draw == 1:
            return self.digest  # as before the option existed: earlier batches still resume
        return f"{self.digest}/{self.seeds_per_draw}"


def stale_note(calibrated: str | None, current: str | None) -> str | None:
    """What a report says when its posterior was calibrated on other results than the code's.

    Args:
        calibrated: the posterior's reference stamp (:attr:`PosteriorSample.stamp`); None for a
            file written before posteriors recorded it.
        current: the stamp of the code's reference digests
            (:func:`ptce_sim.runs.reference.current_stamp`); None when unknown (an installed
            package), and then nothing is said.

    Returns:
        The sentence, in the language in force, or None when the two stamps agree.
    """
    if current is None or calibrated == current:
        return None
    if calibrated is None:
        return _(
            "The posterior sample does not say which results of the model it was calibrated on "
            "(the model's reference stamp is now `{current}`): rerun `ptce-sim calibrate` to be "
            "sure its parameters fit this model."
        ).format(current=current)
    return _(
        "Caution: the posterior sample was calibrated on the model's results with reference "
        "stamp `{calibrated}`; the model's results have changed since (now `{current}`), so its "
        "parameters may no longer fit: rerun `ptce-sim calibrate` (make calibrate)."
    ).format(calibrated=calibrated, current=current)


def split_variance(values: Any, groups: Any) -> tuple[float, float]:
    """Random and parameter parts of the spread of ``values`` drawn in ``groups``.

    A one-way random-effects analysis of variance: each group is one posterior draw run with
    several seeds, so the variance within groups is the random draws' and the variance of the
    group means, less its share of that, the parameters'. Groups of unequal sizes use the
    usual ``n0`` (Searle, Casella and McCulloch 1992, 3.5). Non-finite values are left out.

    Returns:
        The random draws' standard deviation and the parameters' (0 when the estimate of the
        parameters' variance is negative); both NaN without two groups and one repeated draw.
    """
    import numpy as np

    values, groups = np.asarray(values, dtype=float), np.asarray(groups)
    keep = np.isfinite(values)
    values, groups = values[keep], groups[keep]
    labels, index, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    n, k = values.size, labels.size
    if k < 2 or n - k < 1:
        return math.nan, math.nan
    means = np.bincount(index, weights=values) / sizes
    within = float(((values - means[index]) ** 2).sum()) / (n - k)
    between = float((sizes * (means - values.mean()) ** 2).sum()) / (k - 1)
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    return math.sqrt(within), math.sqrt(max(0.0, (between - within) / n0))


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


def load_posterior(path: str | Path, seeds_per_draw: int = 1) -> PosteriorSample:
    """Read a posterior sample written by :func:`write_posterior`.

    ``seeds_per_draw``: consecutive replicates sharing one draw (see the module's text).

    Raises:
        ScenarioError: the file is missing or is not a posterior sample, or
            ``seeds_per_draw`` is below 1.
    """
    import numpy as np
    import pyarrow.parquet as pq

    path = Path(path)
    if (
        isinstance(seeds_per_draw, bool)
        or not isinstance(seeds_per_draw, int)
        or seeds_per_draw < 1
    ):
        raise ScenarioError(
            f"{path}: --seeds-per-draw {seeds_per_draw!r}: expected a whole number of at least 1"
        )
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
        seeds_per_draw=seeds_per_draw,
    )
