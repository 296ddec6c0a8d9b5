"""Markets of the ESS structures: finite demand, paid by named buyers, displacing classic firms.

The rule-level checks (shares of a market, buyers, the displaced FTE) are in
tests/test_mechanism_rules.py; here runs with common random numbers show the effect.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import base_scenario

from ptce_sim.config.scenario import Scenario
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.model import PtceModel

pytestmark = pytest.mark.timeout(900)

SEEDS = (0, 1, 2, 3)
MONTHS = 36


def with_displacement(share: float) -> Scenario:
    """The Seignanx at scale 0.2 from 1970, every market's displacement set to ``share``.

    Every market is ten times larger, so that what it displaces stands out of the runs' noise.
    """
    data = base_scenario(0.2).model_dump(mode="python")
    for market in data["markets"]:
        market["displacement"] = share
        market["eur_per_employed_per_year"] *= 10
    return Scenario.model_validate(data)


def _monthly(share: float, seed: int) -> dict[str, np.ndarray]:
    """Residents in work, residents in classic jobs, the FTE displaced: one value a month."""
    model = PtceModel(with_displacement(share), seed)
    series: dict[str, list[float]] = {"employed": [], "classic": [], "displaced": []}
    for _ in range(MONTHS):
        model.step()
        people = model.people
        series["employed"].append(model.employed)
        series["classic"].append(
            np.count_nonzero((people.status == Status.CLASSIC) & people.resident)
        )
        series["displaced"].append(float(model.economy.displaced.sum()))
    return {name: np.array(values) for name, values in series.items()}


@pytest.fixture(scope="module")
def paired() -> dict[float, list[dict[str, np.ndarray]]]:
    """The same seeds with no displacement and with total displacement."""
    return {share: [_monthly(share, seed) for seed in SEEDS] for share in (0.0, 1.0)}


def test_without_displacement_nothing_is_displaced(paired):
    """Displacement 0: the markets sell, and no classic FTE is taken."""
    for run in paired[0.0]:
        assert (run["displaced"] == 0).all()
    for run in paired[1.0]:
        assert (run["displaced"][1:] > 0).all()


def test_raising_displacement_lowers_classic_jobs_and_employment(paired):
    """Total displacement: the same seeds have fewer residents in classic jobs and in work.

    Fewer in classic jobs at every seed, and in work on average, from the sixth month on (the first
    months are the time the firms take to lay off).
    """
    classic = [
        (low["classic"] - high["classic"])[6:].mean()
        for low, high in zip(paired[0.0], paired[1.0], strict=True)
    ]
    employed = [
        (low["employed"] - high["employed"])[6:].mean()
        for low, high in zip(paired[0.0], paired[1.0], strict=True)
    ]
    assert min(classic) > 0, classic
    assert np.mean(employed) > 0, employed
