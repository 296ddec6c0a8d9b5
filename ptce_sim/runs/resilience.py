"""Regional economic resilience of a monthly employment series, after Martin (2012).

Martin, R. (2012). "Regional economic resilience, hysteresis and recessionary shocks".
*Journal of Economic Geography*, 12(1), 1-32. https://doi.org/10.1093/jeg/lbr019

Martin describes how a regional economy goes through a shock along four dimensions:
**resistance** (how deep the downturn is), **recovery** (how fast and how far it comes back),
**re-orientation** (how its structure changes, not measured here) and **renewal** (whether it
resumes its former growth path or a new one). This module measures the three dimensions that
can be read from an employment series alone, for one or more dated shocks. It is pure: numpy and
pandas only, no Mesa, no I/O, no plotting.

Definitions, for a shock at month ``t`` (an index into the series):

* **Smoothing.** Everything is measured on the 12-month trailing moving average of the monthly
  series, which removes seasonality (:func:`smooth`). The first ``window - 1`` months average the
  prefix available so far, so the smoothed series has no NaN. Non-finite inputs are replaced by
  the previous finite value (the first finite one at the start, 0 if there is none) and
  negative inputs count as 0 jobs.
* **Pre-shock level.** ``pre_level`` is the smoothed employment at month ``t``.
* **Pre-shock trend.** Least-squares fit of ``log(smoothed employment)`` on the month over the
  ``pre_window`` months before the shock (``[t - pre_window, t)``), keeping only the months where
  the moving average is complete (index ``>= window - 1``): the partial averages of the first
  months lag a trending series and would bias the slope. With fewer than 12 such months the trend
  is flat at ``pre_level``. Its growth per year is ``exp(12 * slope) - 1``.
* **Zeros.** A logarithm is never taken of a non-positive value: if any month of a fit window is
  0, that fit falls back to a linear fit of the level, the trend is clipped at 0 when
  extrapolated and its relative growth per year is ``12 * slope / mean level`` (0 if the mean
  level is 0).
* **Trough.** The month of the minimum of the smoothed series over
  ``[t, t + trough_window]`` (the first one on ties). The shock month itself belongs to the
  window, so the minimum is never above ``pre_level``; when the series never goes below
  ``pre_level`` (within a relative tolerance of 1e-9) there was no loss: the trough *is* the shock
  month, ``trough_level = pre_level`` and ``drop = 0``. Every trough-based measure below is then
  taken at the shock month, which keeps them mutually consistent.
* **Expected at trough.** The pre-shock trend extrapolated to the trough month: what employment
  would have been without the shock.
* **Resistance.** ``(trough_level - expected_at_trough) / expected_at_trough``: negative when
  employment fell below its trend, positive when it stood above it (0 if nothing was expected).
* **Drop.** ``pre_level - trough_level``, the jobs lost (``>= 0``).
* **Recovery.** ``recovery_months`` counts the months from the shock month to the first month,
  from the trough on, where the smoothed series is back at or above ``pre_level`` (0 without a
  loss, ``None`` if it never is within the series). ``recovered_share_5y`` is the share of the
  drop made up ``horizon`` months (5 years by default) after the shock,
  ``(level[t + horizon] - trough_level) / drop``, not clipped (above 1 when employment overshoots,
  negative when it kept falling); ``None`` when there was no loss or the series is too short.
* **Renewal.** ``post_trend_per_year`` is the growth per year of the same log-linear fit over the
  ``horizon`` months from the trough on (``[trough, trough + horizon]``), or over what the series
  holds if that is at least 24 months, else ``None``. ``renewal = post_trend_per_year -
  pre_trend_per_year``: positive when the territory grows faster after the shock than before.
  Because the post-shock window starts at the trough, it includes the rebound of a V-shaped
  recovery; a permanent level loss with an unchanged growth rate gives a renewal of 0.

Growth rates and shares are fractions (0.02 is 2 %), months are indices into the series, levels
are in the unit of the series (jobs).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "ResilienceMeasures",
    "latest_shock_summary",
    "measure_shock",
    "measure_shocks",
    "smooth",
]

SMOOTHING_WINDOW = 12
"""Months of the trailing moving average that removes seasonality."""
MIN_PRE_MONTHS = 12
"""Fewer complete months than this before a shock and the pre-shock trend is flat."""
MIN_POST_MONTHS = 24
"""Fewer months than this after the trough and there is no post-shock trend."""
_REL_TOL = 1e-9
"""Relative tolerance when comparing a smoothed level with the pre-shock level."""
_MAX_EXPONENT = 700.0
"""``exp`` arguments are clipped to +/- this value so that no overflow can occur."""

Series = npt.ArrayLike
"""A one-dimensional monthly series: a list, a numpy array or a pandas Series (by position)."""
Shock = tuple[str, str, int]
"""``(label, kind, month)`` of one shock."""


@dataclass(frozen=True)
class ResilienceMeasures:
    """Resilience of the employment series to one shock (see the module docstring).

    Attributes:
        shock: Label of the shock.
        kind: Kind of shock, e.g. ``"sector_shock"``, ``"plant_closure"``, ``"budget_cut"``.
        shock_month: Index of the shock month in the series.
        pre_level: Smoothed employment at the shock month.
        trough_month: Index of the trough; the shock month when there was no loss.
        trough_level: Smoothed employment at the trough.
        expected_at_trough: Pre-shock trend extrapolated to the trough month.
        resistance: ``(trough_level - expected_at_trough) / expected_at_trough``.
        drop: ``pre_level - trough_level``, jobs lost (0 without a loss).
        recovery_months: Months from the shock until the smoothed series is back at
            ``pre_level``; ``None`` if it is not within the series.
        recovered_share_5y: Share of the drop made up ``horizon`` months after the shock;
            ``None`` without a loss or when the series is too short.
        pre_trend_per_year: Growth per year of the pre-shock trend.
        post_trend_per_year: Growth per year of the trend after the trough; ``None`` with
            fewer than 24 months after the trough.
        renewal: ``post_trend_per_year - pre_trend_per_year``; ``None`` when the former is.
    """

    shock: str
    kind: str
    shock_month: int
    pre_level: float
    trough_month: int
    trough_level: float
    expected_at_trough: float
    resistance: float
    drop: float
    recovery_months: float | None
    recovered_share_5y: float | None
    pre_trend_per_year: float
    post_trend_per_year: float | None
    renewal: float | None

    def as_dict(self) -> dict[str, str | int | float | None]:
        """Return the measures as a plain dict (field order, Python scalars).

        Returns:
            One key per field.
        """
        return asdict(self)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ResilienceMeasures))
"""Columns of :func:`measure_shocks`, in the order of the dataclass fields."""

_DTYPES: dict[str, str] = {
    "shock": "str",
    "kind": "str",
    "shock_month": "int64",
    "trough_month": "int64",
} | {name: "float64" for name in COLUMNS[3:] if name != "trough_month"}


# --------------------------------------------------------------------------------------------
# Smoothing
# --------------------------------------------------------------------------------------------


def _clean(series: Series) -> np.ndarray:
    """Return the series as a finite, non-negative float array.

    Args:
        series: One-dimensional monthly series.

    Returns:
        A new float array: non-finite values replaced by the previous finite one (the first
        finite one at the start, 0 if there is none), negative values by 0.

    Raises:
        ValueError: If the series is not one-dimensional.
    """
    values = np.array(series, dtype=float, copy=True)
    if values.ndim != 1:
        raise ValueError(f"expected a one-dimensional series, got shape {values.shape}")
    finite = np.isfinite(values)
    if not finite.all():
        if not finite.any():
            return np.zeros_like(values)
        last_finite = np.maximum.accumulate(np.where(finite, np.arange(values.size), -1))
        first = int(np.argmax(finite))
        values = values[np.where(last_finite >= 0, last_finite, first)]
    return np.maximum(values, 0.0)


def _trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average of a clean array, over the available prefix at the start."""
    n = values.size
    out = np.empty(n)
    head = min(window - 1, n)
    out[:head] = np.cumsum(values[:head]) / np.arange(1, head + 1)
    if n >= window:
        out[window - 1 :] = np.lib.stride_tricks.sliding_window_view(values, window).mean(axis=1)
    return out


def smooth(series: Series, window: int = SMOOTHING_WINDOW) -> np.ndarray:
    """Trailing moving average of a monthly series, which removes seasonality.

    Month ``i`` is the mean of months ``i - window + 1`` to ``i``; the first ``window - 1``
    months use the prefix available (month 0 is itself), so the result has no NaN.

    Args:
        series: One-dimensional monthly series (non-finite values are replaced by the previous
            finite one, negative values by 0).
        window: Length of the average, in months.

    Returns:
        A float array of the same length as ``series``.

    Raises:
        ValueError: If ``window < 1`` or the series is not one-dimensional.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    return _trailing_mean(_clean(series), window)


# --------------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Trend:
    """A fitted trend: ``exp(intercept + slope * month)``, or ``intercept + slope * month``."""

    intercept: float
    slope: float
    log_linear: bool
    per_year: float

    def at(self, month: int) -> float:
        """Value of the trend at ``month`` (never negative)."""
        z = self.intercept + self.slope * month
        if self.log_linear:
            return _safe_exp(z)
        return max(z, 0.0)


def _safe_exp(z: float) -> float:
    """``exp(z)`` with ``z`` clipped so that it cannot overflow."""
    return math.exp(min(max(z, -_MAX_EXPONENT), _MAX_EXPONENT))


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares intercept and slope of ``y`` on ``x`` (at least two distinct ``x``)."""
    x_mean, y_mean = float(x.mean()), float(y.mean())
    dx = x - x_mean
    slope = float(dx @ (y - y_mean)) / float(dx @ dx)
    return y_mean - slope * x_mean, slope


def _flat_trend(level: float) -> _Trend:
    """A trend that stays at ``level``."""
    if level > 0.0:
        return _Trend(math.log(level), 0.0, log_linear=True, per_year=0.0)
    return _Trend(0.0, 0.0, log_linear=False, per_year=0.0)


def _fit_trend(months: np.ndarray, levels: np.ndarray) -> _Trend:
    """Log-linear least-squares trend, or a linear one if any level is 0.

    Args:
        months: Month indices (at least two distinct values).
        levels: Smoothed employment at these months (non-negative).

    Returns:
        The fitted trend with its growth per year.
    """
    x = months.astype(float)
    if bool(np.all(levels > 0.0)):
        intercept, slope = _ols(x, np.log(levels))
        return _Trend(intercept, slope, log_linear=True, per_year=_safe_exp(12.0 * slope) - 1.0)
    intercept, slope = _ols(x, levels)
    mean_level = float(levels.mean())
    per_year = 12.0 * slope / mean_level if mean_level > 0.0 else 0.0
    return _Trend(intercept, slope, log_linear=False, per_year=per_year)


def _pre_trend(smoothed: np.ndarray, shock_month: int, pre_window: int, window: int) -> _Trend:
    """Trend of the complete moving averages over the ``pre_window`` months before the shock."""
    start = max(shock_month - pre_window, window - 1, 0)
    months = np.arange(start, shock_month)
    if months.size < MIN_PRE_MONTHS:
        return _flat_trend(float(smoothed[shock_month]))
    return _fit_trend(months, smoothed[months])


def _post_trend(smoothed: np.ndarray, trough_month: int, horizon: int) -> _Trend | None:
    """Trend over ``[trough, trough + horizon]``, or ``None`` with under 24 months after it."""
    end = min(trough_month + horizon, smoothed.size - 1)
    if end - trough_month < MIN_POST_MONTHS:
        return None
    months = np.arange(trough_month, end + 1)
    return _fit_trend(months, smoothed[months])


# --------------------------------------------------------------------------------------------
# Trough and recovery
# --------------------------------------------------------------------------------------------


def _tolerance(level: float) -> float:
    """Absolute tolerance when comparing a level with ``level``."""
    return _REL_TOL * max(abs(level), 1.0)


def _trough(smoothed: np.ndarray, shock_month: int, trough_window: int) -> int:
    """Month of the minimum over ``[shock, shock + trough_window]``; the shock month if no loss."""
    end = min(shock_month + max(trough_window, 0), smoothed.size - 1)
    candidate = shock_month + int(np.argmin(smoothed[shock_month : end + 1]))
    pre_level = float(smoothed[shock_month])
    if smoothed[candidate] < pre_level - _tolerance(pre_level):
        return candidate
    return shock_month


def _recovery_months(smoothed: np.ndarray, shock_month: int, trough_month: int) -> float | None:
    """Months from the shock to the first month, from the trough on, back at ``pre_level``."""
    pre_level = float(smoothed[shock_month])
    back = np.flatnonzero(smoothed[trough_month:] >= pre_level - _tolerance(pre_level))
    if back.size == 0:
        return None
    return float(trough_month + int(back[0]) - shock_month)


def _recovered_share(
    smoothed: np.ndarray, shock_month: int, trough_level: float, drop: float, horizon: int
) -> float | None:
    """Share of the drop made up ``horizon`` months after the shock."""
    month = shock_month + horizon
    if drop <= 0.0 or month >= smoothed.size:
        return None
    return (float(smoothed[month]) - trough_level) / drop


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _measure_smoothed(
    smoothed: np.ndarray,
    shock_month: int,
    *,
    label: str,
    kind: str,
    pre_window: int,
    trough_window: int,
    horizon: int,
    window: int,
) -> ResilienceMeasures:
    """:func:`measure_shock` on an already smoothed series and a valid shock month."""
    pre_level = float(smoothed[shock_month])
    pre = _pre_trend(smoothed, shock_month, pre_window, window)
    trough_month = _trough(smoothed, shock_month, trough_window)
    trough_level = float(smoothed[trough_month]) if trough_month != shock_month else pre_level
    expected = pre.at(trough_month)
    drop = pre_level - trough_level
    post = _post_trend(smoothed, trough_month, horizon)
    return ResilienceMeasures(
        shock=str(label),
        kind=str(kind),
        shock_month=shock_month,
        pre_level=pre_level,
        trough_month=trough_month,
        trough_level=trough_level,
        expected_at_trough=expected,
        resistance=(trough_level - expected) / expected if expected > 0.0 else 0.0,
        drop=drop,
        recovery_months=_recovery_months(smoothed, shock_month, trough_month),
        recovered_share_5y=_recovered_share(smoothed, shock_month, trough_level, drop, horizon),
        pre_trend_per_year=pre.per_year,
        post_trend_per_year=None if post is None else post.per_year,
        renewal=None if post is None else post.per_year - pre.per_year,
    )


def measure_shock(
    employment: Series,
    shock_month: int,
    *,
    label: str = "shock",
    kind: str = "shock",
    pre_window: int = 60,
    trough_window: int = 48,
    horizon: int = 60,
    window: int = SMOOTHING_WINDOW,
) -> ResilienceMeasures:
    """Measure the resilience of a monthly employment series to one shock.

    Args:
        employment: Monthly employment, one value per month (a pandas Series is read by
            position, not by label).
        shock_month: Index of the month the shock starts.
        label: Label of the shock, copied to the result.
        kind: Kind of the shock, copied to the result.
        pre_window: Months before the shock over which the pre-shock trend is fitted.
        trough_window: Months after the shock in which the trough is searched.
        horizon: Months after the shock for ``recovered_share_5y``, and after the trough for
            the post-shock trend.
        window: Length of the smoothing moving average, in months.

    Returns:
        The measures; see the module docstring for their definitions.

    Raises:
        ValueError: If ``shock_month`` is not an index of the series (:func:`measure_shocks`
            skips such shocks instead), ``window < 1`` or the series is not one-dimensional.
        TypeError: If ``shock_month`` is not an integer.
    """
    month = operator.index(shock_month)
    smoothed = smooth(employment, window)
    if not 0 <= month < smoothed.size:
        raise ValueError(f"shock month {month} is outside the series (0..{smoothed.size - 1})")
    return _measure_smoothed(
        smoothed,
        month,
        label=label,
        kind=kind,
        pre_window=pre_window,
        trough_window=trough_window,
        horizon=horizon,
        window=window,
    )


def _empty_frame() -> pd.DataFrame:
    """An empty frame with the columns and dtypes of :func:`measure_shocks`."""
    return pd.DataFrame({name: pd.Series(dtype=_DTYPES[name]) for name in COLUMNS})


def measure_shocks(
    employment: Series,
    shocks: Iterable[Shock],
    **kw: int,
) -> pd.DataFrame:
    """Measure the resilience of a monthly employment series to several shocks.

    Args:
        employment: Monthly employment, one value per month.
        shocks: ``(label, kind, month)`` of each shock. Shocks whose month is outside the
            series are skipped.
        **kw: ``pre_window``, ``trough_window``, ``horizon`` or ``window``, passed on to
            :func:`measure_shock`.

    Returns:
        One row per measured shock, in the order given, with one column per field of
        :class:`ResilienceMeasures` (``None`` becomes NaN). Without any shock to measure, an
        empty frame with the same columns.

    Raises:
        TypeError: If a shock month is not an integer or ``kw`` holds an unknown argument.
        ValueError: If the series is not one-dimensional, or ``window < 1`` when a shock is
            measured.
    """
    values = _clean(employment)
    rows = []
    for label, kind, month in shocks:
        month = operator.index(month)
        if 0 <= month < values.size:
            rows.append(measure_shock(values, month, label=label, kind=kind, **kw).as_dict())
    if not rows:
        return _empty_frame()
    return pd.DataFrame.from_records(rows, columns=list(COLUMNS)).astype(_DTYPES)


def latest_shock_summary(
    employment: Series,
    shocks: Iterable[Shock],
    *,
    as_of: int | None = None,
    **kw: int,
) -> ResilienceMeasures | None:
    """Measures of the most recent shock that has started, on the series so far.

    Meant for a dashboard during a run: ``employment`` holds the months simulated so far (or
    a longer series cut at ``as_of``). Measures that need months not yet simulated are
    ``None`` (e.g. ``recovery_months`` while employment has not recovered).

    Args:
        employment: Monthly employment so far.
        shocks: ``(label, kind, month)`` of each shock, started or not. On equal months, the
            last one listed wins.
        as_of: Current month; the series is cut after it. Defaults to the last month of the
            series.
        **kw: ``pre_window``, ``trough_window``, ``horizon`` or ``window``, passed on to
            :func:`measure_shock`.

    Returns:
        The measures of the latest shock whose month is in ``[0, as_of]``, or ``None`` if no
        shock has started yet (or the series is empty).

    Raises:
        TypeError: If a shock month or ``as_of`` is not an integer.
        ValueError: If the series is not one-dimensional or ``window < 1``.
    """
    values = _clean(employment)
    last = values.size - 1 if as_of is None else min(operator.index(as_of), values.size - 1)
    latest: Shock | None = None
    for label, kind, month in shocks:
        month = operator.index(month)
        if 0 <= month <= last and (latest is None or month >= latest[2]):
            latest = (label, kind, month)
    if latest is None:
        return None
    label, kind, month = latest
    return measure_shock(values[: last + 1], month, label=label, kind=kind, **kw)
