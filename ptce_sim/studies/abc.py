"""Rejection ABC with local-linear regression adjustment (Beaumont, Zhang and Balding 2002).

Works on one table of simulations over the prior: ``theta`` (one row per simulation, one column
per parameter) and ``stats`` (the same rows, one column per summary statistic), and the observed
statistics. The steps:

1. **Distance**: each statistic is divided by its median absolute deviation over the table (so
   that no statistic dominates by its units), and the distance of a simulation is the Euclidean
   distance of its scaled statistics to the observed ones.
2. **Rejection**: the ``accept`` share of the table closest to the observation is kept; the
   tolerance ``h`` is the largest distance kept.
3. **Kernel**: each kept simulation is weighted by the Epanechnikov kernel ``1 - (d/h)^2``.
4. **Regression adjustment**: in a transformed parameter space where the prior's bounds are at
   infinity (logit of the position between the bounds, of its logarithm for a log-uniform prior),
   the kept parameters are regressed on the statistics by weighted least squares, and each is
   moved to what it would be had its simulation hit the observation exactly:
   ``u* = u - (s - s_obs) beta``. Back-transformed, the adjusted values stay within the bounds.

The weighted, adjusted sample is the posterior sample; its **effective sample size** is Kish's
``(sum w)^2 / sum w^2``. Pure numpy, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-9


@dataclass(frozen=True)
class Prior:
    """Bounds of a uniform (or log-uniform, ``log=True``) prior for each parameter."""

    low: np.ndarray
    high: np.ndarray
    log: np.ndarray

    def to_unbounded(self, theta: np.ndarray) -> np.ndarray:
        """Logit of each value's position between its bounds (on log scale if ``log``)."""
        lo, hi, x = self._scaled(self.low), self._scaled(self.high), self._scaled(theta)
        p = np.clip((x - lo) / (hi - lo), EPS, 1 - EPS)
        return np.log(p / (1 - p))

    def from_unbounded(self, u: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`to_unbounded`."""
        lo, hi = self._scaled(self.low), self._scaled(self.high)
        x = lo + (hi - lo) / (1 + np.exp(-u))
        value = np.where(self.log, np.exp(np.where(self.log, x, 0.0)), x)
        return np.clip(value, self.low, self.high)  # exp(log(high)) may round above high

    def _scaled(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        return np.where(self.log, np.log(np.where(self.log, np.maximum(values, EPS), 1.0)), values)


@dataclass(frozen=True)
class AbcResult:
    """The posterior sample of one ABC fit.

    Attributes:
        rows: the table rows kept (indices into ``theta``).
        weights: their kernel weights (sum 1).
        raw: their parameters as simulated.
        adjusted: their parameters after the regression adjustment (the posterior sample).
        distances: their distances to the observation.
        tolerance: the largest distance kept.
        ess: Kish's effective sample size of the weights.
    """

    rows: np.ndarray
    weights: np.ndarray
    raw: np.ndarray
    adjusted: np.ndarray
    distances: np.ndarray
    tolerance: float
    ess: float

    @property
    def acceptance(self) -> int:
        """Number of simulations kept."""
        return int(self.rows.size)


def mad_scale(stats: np.ndarray) -> np.ndarray:
    """Median absolute deviation of each statistic over the table (1 where it is zero)."""
    centred = np.abs(stats - np.median(stats, axis=0))
    mad = np.median(centred, axis=0) * 1.4826
    return np.where(mad > EPS, mad, 1.0)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (0 for no weight)."""
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    return float(total**2 / np.sum(weights**2)) if total > 0 else 0.0


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles ``qs`` of each column of ``values`` under ``weights`` (interpolated)."""
    values = np.asarray(values, dtype=float)
    flat = values.ndim == 1
    values = values[:, None] if flat else values
    out = np.empty((len(qs), values.shape[1]))
    for j in range(values.shape[1]):
        order = np.argsort(values[:, j])
        w = np.asarray(weights, dtype=float)[order]
        cum = (np.cumsum(w) - 0.5 * w) / w.sum()
        out[:, j] = np.interp(qs, cum, values[order, j])
    return out[:, 0] if flat else out


def fit(
    theta: np.ndarray,
    stats: np.ndarray,
    observed: np.ndarray,
    prior: Prior,
    *,
    accept: float,
    regression: bool = True,
    scale: np.ndarray | None = None,
) -> AbcResult:
    """Rejection ABC with an Epanechnikov kernel and local-linear regression adjustment.

    Args:
        theta: parameters of the simulations, shape ``(n, p)``.
        stats: their summary statistics, shape ``(n, k)``.
        observed: the observed statistics, shape ``(k,)``.
        prior: the prior's bounds (for the transformation of the adjustment).
        accept: share of the table kept (0-1].
        regression: apply the regression adjustment (``False``: plain rejection).
        scale: the statistics' scales (default: their MAD over ``stats``).

    Raises:
        ValueError: fewer kept simulations than parameters and statistics plus two.
    """
    theta, stats = np.asarray(theta, dtype=float), np.asarray(stats, dtype=float)
    scale = mad_scale(stats) if scale is None else scale
    z = (stats - observed) / scale
    distance = np.sqrt(np.sum(z**2, axis=1))
    count = max(1, int(round(accept * len(distance))))
    rows = np.sort(np.argsort(distance, kind="stable")[:count])
    tolerance = float(distance[rows].max())
    weights = 1.0 - (distance[rows] / tolerance) ** 2 if tolerance > 0 else np.ones(count)
    weights = np.maximum(weights, 0.0)
    if weights.sum() <= 0:  # every kept distance equals the tolerance
        weights = np.ones(count)
    weights = weights / weights.sum()
    raw = theta[rows]
    adjusted = raw
    if regression:
        if count < theta.shape[1] + stats.shape[1] + 2:
            raise ValueError(
                f"regression ABC needs more kept simulations ({count}) than parameters "
                f"({theta.shape[1]}) plus statistics ({stats.shape[1]}); raise the design size "
                "or the accepted share"
            )
        u = prior.to_unbounded(raw)
        design = np.column_stack([np.ones(count), z[rows]])
        root = np.sqrt(weights)[:, None]
        beta, *_ = np.linalg.lstsq(design * root, u * root, rcond=None)
        adjusted = prior.from_unbounded(u - z[rows] @ beta[1:])
    return AbcResult(
        rows=rows,
        weights=weights,
        raw=raw,
        adjusted=adjusted,
        distances=distance[rows],
        tolerance=tolerance,
        ess=effective_sample_size(weights),
    )
