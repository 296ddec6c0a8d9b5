"""Tests of :mod:`ptce_sim.runs.resilience` on synthetic series.

The series' answer is known analytically.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ptce_sim.runs.resilience import (
    COLUMNS,
    ResilienceMeasures,
    latest_shock_summary,
    measure_shock,
    measure_shocks,
    smooth,
)

pytestmark = pytest.mark.filterwarnings("error")

BASE = 1000.0
SHOCK = 72  # leaves 60 complete 12-month averages before the shock


def reference_smooth(values: list[float], window: int = 12) -> list[float]:
    """Plain-Python trailing mean over the available prefix, independent of the module."""
    out = []
    for i in range(len(values)):
        chunk = values[max(0, i - window + 1) : i + 1]
        out.append(sum(chunk) / len(chunk))
    return out


def v_dip(shock: int, down: int, up: int, depth: float, length: int) -> list[float]:
    """Flat series at BASE with a linear V dip to BASE - depth: ``down`` months down, ``up`` up."""
    values = [BASE] * length
    for k in range(down + up + 1):
        deficit = depth * k / down if k <= down else depth * (down + up - k) / up
        values[shock + k] = BASE - deficit
    return values


def growth_rate(per_year: float) -> float:
    """Monthly log growth rate of a yearly growth rate."""
    return math.log1p(per_year) / 12


def mean_discount(g: float) -> float:
    """``c`` such that the trailing 12-month mean of ``exp(g * i)`` at month j is ``c exp(g j)``."""
    return sum(math.exp(-g * k) for k in range(12)) / 12


def assert_no_nan(m: ResilienceMeasures) -> None:
    """Every numeric field is finite or None."""
    for name, value in m.as_dict().items():
        if isinstance(value, float):
            assert math.isfinite(value), name


# --------------------------------------------------------------------------------------------
# smooth
# --------------------------------------------------------------------------------------------


def test_smooth_uses_available_prefix_then_trailing_mean() -> None:
    """The first months average the prefix, later ones the last ``window`` months."""
    values = [12.0, 0.0, 6.0, 30.0, 3.0]
    assert smooth(values, window=3).tolist() == [12.0, 6.0, 6.0, 12.0, 13.0]


def test_smooth_matches_reference_and_removes_seasonality() -> None:
    """A 12-month sine averages out exactly once the window is full."""
    months = np.arange(120)
    seasonal = BASE + 50.0 * np.sin(2 * np.pi * months / 12)
    smoothed = smooth(seasonal)
    np.testing.assert_allclose(smoothed, reference_smooth(seasonal.tolist()), rtol=1e-12)
    np.testing.assert_allclose(smoothed[11:], BASE, rtol=1e-12)


def test_smooth_edge_cases() -> None:
    """Empty, short, non-finite and negative inputs; invalid arguments raise."""
    assert smooth([]).size == 0
    assert smooth([5.0, 7.0], window=12).tolist() == [5.0, 6.0]
    assert smooth([np.nan, 4.0, np.inf, -2.0], window=1).tolist() == [4.0, 4.0, 4.0, 0.0]
    assert smooth([np.nan, np.nan]).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        smooth([1.0], window=0)
    with pytest.raises(ValueError):
        smooth(np.ones((3, 3)))


# --------------------------------------------------------------------------------------------
# V-shaped dip on a flat series
# --------------------------------------------------------------------------------------------


def test_v_dip_exact_values() -> None:
    """A V dip on a flat series, with every measure worked out by hand."""
    # Deficit below BASE at shock + k: 20k up to k = 6 (120 jobs), then 5 (30 - k) back to 0 at
    # k = 30. The 12-month window holding the most deficit is k = 4..15 (75 + 80 + ... = 1155,
    # vs 1140 for 3..14 and 1145 for 5..16): trough at shock + 15, 1155 / 12 = 96.25 jobs lost.
    # The smoothed series is back at BASE once the window has left the dip: shock + 30 + 11.
    shock = 60
    m = measure_shock(v_dip(shock, down=6, up=24, depth=120.0, length=200), shock)
    assert m.pre_level == BASE
    assert m.pre_trend_per_year == pytest.approx(0.0, abs=1e-12)
    assert m.trough_month == shock + 15
    assert m.trough_level == pytest.approx(903.75, rel=1e-12)
    assert m.drop == pytest.approx(96.25, rel=1e-12)
    assert m.expected_at_trough == pytest.approx(BASE, rel=1e-12)
    assert m.resistance == pytest.approx(-0.09625, rel=1e-9)
    assert m.recovery_months == 41.0
    assert m.recovered_share_5y == pytest.approx(1.0, rel=1e-12)
    # the window after the trough holds the rebound
    assert m.renewal is not None and m.renewal > 0.0


@pytest.mark.parametrize(
    ("down", "up", "depth"),
    [(1, 1, 50.0), (3, 9, 200.0), (12, 5, 300.0), (2, 40, 80.0), (20, 30, 500.0)],
)
def test_v_dip_matches_smoothing_arithmetic(down: int, up: int, depth: float) -> None:
    """Trough, drop and recovery follow the 12-month average of the V."""
    shock = 60
    values = v_dip(shock, down, up, depth, length=shock + down + up + 80)
    ref = reference_smooth(values)
    window = ref[shock : shock + 49]
    trough = shock + window.index(min(window))
    m = measure_shock(values, shock)
    assert m.trough_month == trough
    assert m.drop == pytest.approx(BASE - ref[trough], rel=1e-12)
    assert m.resistance == pytest.approx((ref[trough] - BASE) / BASE, rel=1e-9)
    # back at BASE exactly when the 12-month window has left the dip
    assert m.recovery_months == down + up + 11


def test_v_dip_not_yet_recovered_and_too_short_for_five_years() -> None:
    """Measures needing months beyond the series are None."""
    shock = 60
    values = v_dip(shock, down=6, up=24, depth=120.0, length=200)[: shock + 30]
    m = measure_shock(values, shock)
    assert m.trough_month == shock + 15
    assert m.recovery_months is None
    assert m.recovered_share_5y is None
    assert m.post_trend_per_year is None and m.renewal is None  # 14 months after the trough


# --------------------------------------------------------------------------------------------
# Trends: permanent level loss, changed growth rate, declining series
# --------------------------------------------------------------------------------------------


def level_loss_series(rate: float, loss: float, length: int) -> np.ndarray:
    """Growth at ``rate`` per year, with a permanent loss of a share ``loss`` from SHOCK on."""
    i = np.arange(length)
    g = growth_rate(rate)
    return BASE * np.exp(g * i) * np.where(i < SHOCK, 1.0, 1.0 - loss)


def test_permanent_level_loss_never_recovers_and_keeps_its_growth_rate() -> None:
    """A level loss on a growing series: no recovery in 3 years, renewal 0."""
    rate, loss = 0.02, 0.1
    g, c = growth_rate(rate), mean_discount(growth_rate(rate))
    m = measure_shock(level_loss_series(rate, loss, SHOCK + 37), SHOCK)
    # The raw loss (10 %) outweighs 12 months of growth (2 %): the smoothed series falls for
    # the 11 months it takes the window to cross the shock, then grows at the old rate.
    pre_level = BASE * math.exp(g * SHOCK) * (c - loss / 12)
    trough = (1 - loss) * c * BASE * math.exp(g * (SHOCK + 11))
    expected = c * BASE * math.exp(g * (SHOCK + 11))
    assert m.pre_level == pytest.approx(pre_level, rel=1e-12)
    assert m.trough_month == SHOCK + 11
    assert m.trough_level == pytest.approx(trough, rel=1e-12)
    assert m.expected_at_trough == pytest.approx(expected, rel=1e-9)
    assert m.drop == pytest.approx(pre_level - trough, rel=1e-9)
    assert m.resistance == pytest.approx(-loss, rel=1e-9)
    assert m.recovery_months is None
    assert m.recovered_share_5y is None
    assert m.pre_trend_per_year == pytest.approx(rate, rel=1e-9)
    assert m.post_trend_per_year == pytest.approx(rate, rel=1e-9)
    assert m.renewal == pytest.approx(0.0, abs=1e-10)


def test_permanent_level_loss_recovers_when_growth_makes_it_up() -> None:
    """Growth makes a level loss up at the analytically known month."""
    rate, loss = 0.02, 0.1
    g, c = growth_rate(rate), mean_discount(growth_rate(rate))
    m = measure_shock(level_loss_series(rate, loss, SHOCK + 200), SHOCK)
    # first month with (1 - loss) c exp(g j) >= exp(g SHOCK) (c - loss / 12), i.e. 58.73 months
    months = math.log((c - loss / 12) / ((1 - loss) * c)) / g
    assert m.recovery_months == math.ceil(months)
    trough = (1 - loss) * c * math.exp(g * (SHOCK + 11))
    at_five_years = (1 - loss) * c * math.exp(g * (SHOCK + 60))
    pre_level = (c - loss / 12) * math.exp(g * SHOCK)
    share = (at_five_years - trough) / (pre_level - trough)
    assert m.recovered_share_5y == pytest.approx(share, rel=1e-9)
    assert m.recovered_share_5y > 1.0  # back above the pre-shock level: not clipped


def test_doubled_growth_after_the_shock_gives_positive_renewal() -> None:
    """Renewal is the gap between the doubled and the old growth rate."""
    rate, loss = 0.03, 0.1
    g = growth_rate(rate)
    i = np.arange(SHOCK + 100)
    before = BASE * np.exp(g * i)
    after = (1 - loss) * BASE * np.exp(g * SHOCK + 2 * g * (i - SHOCK))
    m = measure_shock(np.where(i < SHOCK, before, after), SHOCK)
    # 0.9 exp(23 g) < 1: the smoothed series still falls until the window has crossed the shock,
    # then it is a pure exponential at twice the old rate for the 60 months after the trough.
    assert m.trough_month == SHOCK + 11
    assert m.pre_trend_per_year == pytest.approx(rate, rel=1e-9)
    assert m.post_trend_per_year == pytest.approx((1 + rate) ** 2 - 1, rel=1e-9)
    assert m.renewal == pytest.approx(rate + rate**2, rel=1e-9)


def test_growth_doubling_without_loss_has_no_trough_but_positive_renewal() -> None:
    """Without a loss the trough is the shock month."""
    g = growth_rate(0.02)
    i = np.arange(SHOCK + 100)
    values = BASE * np.exp(g * i + g * np.maximum(i - SHOCK, 0))
    m = measure_shock(values, SHOCK)
    assert m.trough_month == SHOCK
    assert m.trough_level == m.pre_level
    assert m.drop == 0.0
    assert m.recovery_months == 0.0
    assert m.recovered_share_5y is None
    assert m.resistance == pytest.approx(0.0, abs=1e-9)  # on the pre-shock trend at the shock
    assert m.renewal is not None and m.renewal > 0.01


def test_post_trend_needs_24_months_after_the_trough() -> None:
    """The post-shock trend needs 24 months from the trough on."""
    # no loss on a flat series: the trough is the shock month, the window [t, t + horizon]
    assert measure_shock([BASE] * (SHOCK + 25), SHOCK).post_trend_per_year == pytest.approx(0.0)
    assert measure_shock([BASE] * (SHOCK + 24), SHOCK).post_trend_per_year is None
    assert measure_shock([BASE] * 200, SHOCK, horizon=24).renewal == pytest.approx(0.0)
    assert measure_shock([BASE] * 200, SHOCK, horizon=23).renewal is None


def test_no_loss_above_trend_gives_positive_resistance() -> None:
    """Employment above its trend and no loss: positive resistance."""
    # flat at 1200, then 120 more jobs from the shock on: pre_level = 1200 + 120 / 12, above
    # the flat pre-shock trend, and the series never goes below it.
    values = [1200.0] * SHOCK + [1320.0] * 60
    m = measure_shock(values, SHOCK)
    assert m.pre_level == pytest.approx(1210.0, rel=1e-12)
    assert m.trough_month == SHOCK
    assert m.drop == 0.0
    assert m.expected_at_trough == pytest.approx(1200.0, rel=1e-12)
    assert m.resistance == pytest.approx(10.0 / 1200.0, rel=1e-9)


def test_decline_that_stops_loses_jobs_but_beats_the_trend() -> None:
    """A loss can still leave employment above a declining trend."""
    # -3 % a year until the shock, flat from the shock on: the lagging average still falls for
    # 11 months, but stays above the extrapolated decline.
    g = growth_rate(-0.03)
    c = mean_discount(g)
    i = np.arange(SHOCK + 40)
    values = BASE * np.exp(g * np.minimum(i, SHOCK))
    m = measure_shock(values, SHOCK)
    assert m.pre_trend_per_year == pytest.approx(-0.03, rel=1e-9)
    assert m.trough_month == SHOCK + 11
    assert m.drop == pytest.approx(BASE * math.exp(g * SHOCK) * (c - 1), rel=1e-9)
    assert m.resistance == pytest.approx(1 / (c * math.exp(11 * g)) - 1, rel=1e-9)
    assert m.resistance > 0.0


# --------------------------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "shock"),
    [
        ([BASE], 0),
        ([BASE] * 5, 4),
        ([BASE] * 100, 0),
        ([BASE] * 100, 99),
        ([0.0] * 100, 50),
        ([0.0] * 30 + [float(10 * k) for k in range(70)], 60),
        ([BASE] * 50 + [0.0] * 50, 50),
        ([np.nan, BASE, np.inf, -5.0] * 25, 40),
    ],
)
def test_edge_cases_give_finite_measures_without_warnings(values: list[float], shock: int) -> None:
    """Degenerate series give finite measures, the same through every entry point."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = measure_shock(values, shock, label="s", kind="k")
        frame = measure_shocks(values, [("s", "k", shock)])
        latest = latest_shock_summary(values, [("s", "k", shock)])
    assert_no_nan(m)
    assert latest == m
    assert frame.iloc[0].to_dict() == pytest.approx(
        {k: (np.nan if v is None else v) for k, v in m.as_dict().items()}, nan_ok=True
    )
    assert m.drop >= 0.0
    assert m.shock_month <= m.trough_month <= m.shock_month + 48
    assert m.expected_at_trough >= 0.0


def test_shock_at_month_zero_has_a_flat_trend() -> None:
    """Without any history the expected level is the pre-shock level."""
    values = v_dip(0, down=6, up=24, depth=120.0, length=120)
    m = measure_shock(values, 0)
    assert m.pre_trend_per_year == 0.0
    assert m.expected_at_trough == pytest.approx(BASE, rel=1e-12)
    assert m.trough_month == 15
    assert m.drop == pytest.approx(96.25, rel=1e-12)


def test_short_history_before_the_shock_gives_a_flat_trend_at_pre_level() -> None:
    """Fewer than 12 complete months before the shock: a flat trend."""
    # 11 complete averages before the shock (months 11..21): fewer than 12, so a flat trend.
    values = [float(100 + k) for k in range(40)]
    m = measure_shock(values, 22)
    assert m.pre_trend_per_year == 0.0
    assert m.expected_at_trough == pytest.approx(m.pre_level, rel=1e-12)
    assert measure_shock(values, 23).pre_trend_per_year > 0.0


def test_zeros_in_the_pre_window_fall_back_to_a_linear_trend() -> None:
    """The log of a zero level is never taken: the trend becomes linear."""
    # zero for 30 months, then +10 jobs a month: the log of the zero months is never taken.
    values = [0.0] * 30 + [float(10 * k) for k in range(70)]
    m = measure_shock(values, 60)
    smoothed = smooth(values)
    months = np.arange(11, 60)
    slope, intercept = np.polyfit(months, smoothed[months], 1)
    assert m.pre_trend_per_year == pytest.approx(12 * slope / smoothed[months].mean(), rel=1e-9)
    assert m.expected_at_trough == pytest.approx(intercept + slope * 60, rel=1e-9)


def test_all_zero_series() -> None:
    """Nothing to lose: every measure is 0, none is NaN."""
    m = measure_shock([0.0] * 100, 50)
    assert (m.pre_level, m.drop, m.resistance, m.expected_at_trough) == (0.0, 0.0, 0.0, 0.0)
    assert m.recovery_months == 0.0
    assert m.renewal == 0.0


def test_pandas_series_is_read_by_position() -> None:
    """A pandas Series gives the same measures as its values."""
    values = v_dip(60, down=6, up=24, depth=120.0, length=200)
    series = pd.Series(values, index=pd.date_range("2000-01-01", periods=200, freq="MS"))
    assert measure_shock(series, 60) == measure_shock(values, 60)


def test_invalid_shock_month_raises() -> None:
    """measure_shock rejects a month outside the series or not an integer."""
    with pytest.raises(ValueError):
        measure_shock([BASE] * 10, 10)
    with pytest.raises(ValueError):
        measure_shock([BASE] * 10, -1)
    with pytest.raises(ValueError):
        measure_shock([], 0)
    with pytest.raises(TypeError):
        measure_shock([BASE] * 10, 2.5)  # type: ignore[arg-type]


def test_measures_are_frozen_and_convert_to_a_dict() -> None:
    """The measures are immutable and export Python scalars in field order."""
    m = measure_shock([BASE] * 100, 50, label="crisis", kind="sector_shock")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.drop = 1.0  # type: ignore[misc]
    d = m.as_dict()
    assert list(d) == list(COLUMNS)
    assert (d["shock"], d["kind"], d["shock_month"]) == ("crisis", "sector_shock", 50)
    assert all(type(v) in (str, int, float, type(None)) for v in d.values())


# --------------------------------------------------------------------------------------------
# measure_shocks and latest_shock_summary
# --------------------------------------------------------------------------------------------

SERIES = v_dip(60, down=6, up=24, depth=120.0, length=300)
SHOCKS = [
    ("late", "budget_cut", 200),
    ("early", "sector_shock", 60),
    ("closure", "plant_closure", 150),
]


def test_measure_shocks_one_row_per_shock_in_order() -> None:
    """One row per shock in the order given, with typed columns."""
    frame = measure_shocks(SERIES, SHOCKS)
    assert list(frame.columns) == list(COLUMNS)
    assert frame["shock"].tolist() == ["late", "early", "closure"]
    assert frame["kind"].tolist() == ["budget_cut", "sector_shock", "plant_closure"]
    assert frame["shock_month"].tolist() == [200, 60, 150]
    early = frame.iloc[1]
    assert early["drop"] == pytest.approx(96.25, rel=1e-12)
    assert early["recovery_months"] == 41.0
    assert np.isnan(frame.iloc[0]["recovered_share_5y"])  # no loss: None becomes NaN
    assert frame["drop"].dtype == np.float64
    assert frame["trough_month"].dtype == np.int64


def test_measure_shocks_passes_options_on() -> None:
    """Keyword options reach measure_shock."""
    frame = measure_shocks(SERIES, SHOCKS[1:2], trough_window=10)
    assert frame.iloc[0]["trough_month"] == 70
    assert frame.iloc[0]["trough_month"] == measure_shock(SERIES, 60, trough_window=10).trough_month


def test_measure_shocks_skips_shocks_outside_the_series() -> None:
    """Shocks before or after the series are skipped."""
    frame = measure_shocks(SERIES, [("before", "k", -1), ("early", "k", 60), ("after", "k", 300)])
    assert frame["shock"].tolist() == ["early"]


@pytest.mark.parametrize("shocks", [[], [("after", "k", 300)]])
def test_measure_shocks_empty_has_the_columns(shocks: list[tuple[str, str, int]]) -> None:
    """No shock to measure: an empty frame that still has the columns."""
    frame = measure_shocks(SERIES, shocks)
    assert frame.empty
    assert list(frame.columns) == list(COLUMNS)
    assert frame["drop"].dtype == np.float64
    assert measure_shocks([], [("s", "k", 0)]).columns.tolist() == list(COLUMNS)


def test_latest_shock_summary_picks_the_most_recent_started_shock() -> None:
    """The latest shock not after the end of the series is measured."""
    m = latest_shock_summary(SERIES[:170], SHOCKS)
    assert m is not None and m.shock == "closure"
    assert m == measure_shock(SERIES[:170], 150, label="closure", kind="plant_closure")
    full = latest_shock_summary(SERIES, SHOCKS)
    assert full is not None and full.shock == "late"
    tie = latest_shock_summary(SERIES, [("first", "k", 60), ("second", "k", 60)])
    assert tie is not None and tie.shock == "second"  # same month: the last one listed


def test_latest_shock_summary_on_the_series_so_far() -> None:
    """Cut at ``as_of``, a shock still under way has no recovery yet."""
    during = latest_shock_summary(SERIES, SHOCKS, as_of=80)
    assert during is not None and during.shock == "early"
    assert during.trough_month == 75
    assert during.recovery_months is None  # back at BASE at month 101 only
    assert during.post_trend_per_year is None
    after = latest_shock_summary(SERIES[:120], SHOCKS)
    assert after is not None and after.recovery_months == 41.0


def test_latest_shock_summary_without_started_shock() -> None:
    """No shock started yet, or no series: None."""
    assert latest_shock_summary(SERIES, SHOCKS, as_of=59) is None
    assert latest_shock_summary(SERIES, []) is None
    assert latest_shock_summary([], SHOCKS) is None


def test_no_warning_on_any_entry_point() -> None:
    """No numpy or pandas warning on any public function."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        smooth(SERIES)
        measure_shocks(SERIES, SHOCKS)
        measure_shocks([], [])
        latest_shock_summary(SERIES, SHOCKS, as_of=100)
        measure_shock([0.0, 0.0, 1e-300, 1e300], 2)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(0.0, 1e6), st.just(0.0), st.just(float("nan"))),
        min_size=1,
        max_size=150,
    ),
    data=st.data(),
)
def test_any_series_gives_finite_measures(values: list[float], data: st.DataObject) -> None:
    """Any non-negative series with zeros and NaN gives finite, coherent measures."""
    shock = data.draw(st.integers(0, len(values) - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = measure_shock(values, shock)
    assert_no_nan(m)
    assert m.drop >= 0.0
    assert m.trough_level <= m.pre_level
    assert m.shock_month <= m.trough_month <= min(shock + 48, len(values) - 1)
    if m.recovery_months is not None:
        assert m.recovery_months >= m.trough_month - m.shock_month
