"""Markets of the ESS structures: finite demand, paid by named buyers, displacing classic firms.

The rule-level checks (shares of a market, buyers, the displaced FTE) are in
tests/test_mechanism_rules.py; here whole runs with common random numbers show the effect.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import base_scenario

from ptce_sim.config.scenario import Scenario
from ptce_sim.runs.runner import simulate

pytestmark = pytest.mark.timeout(900)

SEEDS = (0, 1, 2)
YEARS = slice(2000, 2015)


def with_displacement(share: float) -> Scenario:
    """The Seignanx at scale 0.1 with every market's and incubated firms' displacement set."""
    data = base_scenario(0.1).model_dump(mode="python")
    for market in data["markets"]:
        market["displacement"] = share
    data["mechanisms"]["incubation"]["firm_displacement"] = share
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def paired() -> dict[float, list]:
    """Territory tables of the same seeds with no displacement and with high displacement."""
    return {
        share: [
            simulate(with_displacement(share), seed).territory.set_index("year") for seed in SEEDS
        ]
        for share in (0.0, 0.75)
    }


def _paired_difference(paired, column: str) -> np.ndarray:
    """Per seed, the mean over 2000-2015 of (no displacement - high displacement)."""
    return np.array(
        [
            (low.loc[YEARS, column] - high.loc[YEARS, column]).mean()
            for low, high in zip(paired[0.0], paired[0.75], strict=True)
        ]
    )


def test_without_displacement_nothing_is_displaced(paired):
    """Displacement 0: the markets sell, and no classic FTE is taken."""
    for territory in paired[0.0]:
        assert (territory["displaced_jobs"] == 0).all()
        assert (territory["displacing_sales_eur"] == 0).all()
        assert (territory["ess_market_sales_eur"] > 0).all()


def test_high_displacement_takes_classic_jobs_and_lowers_employment(paired):
    """Displacement 0.75: the same seeds have fewer classic jobs and fewer people in work."""
    for territory in paired[0.75]:
        sales = territory["ess_market_sales_eur"]
        assert territory["displacing_sales_eur"].to_numpy() == pytest.approx(
            0.75 * sales.to_numpy()
        )
        assert (territory.loc[YEARS, "displaced_jobs"] > 0).all()
    classic = _paired_difference(paired, "classic_jobs")
    employed = _paired_difference(paired, "employed")
    assert classic.mean() > 0, classic
    assert employed.mean() > 0, employed
