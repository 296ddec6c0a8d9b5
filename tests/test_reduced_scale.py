"""Reduced scales against full scale: the tolerance the reports state holds on fresh seeds.

``ptce_sim/studies/reduced_scales.json`` (written by ``benchmarks/scale_bias.py --write`` on
seeds 0-11) states, for each reduced scale and headline figure, how far rescaled figures are
from full scale. Here seeds the measurement did not use run at the funding page's default scale
and at full scale, and every figure's ratio must fall within the stated tolerance, widened by
this sample's own noise (two standard errors).
"""

from __future__ import annotations

import pandas as pd
import pytest

from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.interfaces.dashboard.funding import DEFAULT_SCALE
from ptce_sim.runs.i18n import using
from ptce_sim.runs.runner import simulate
from ptce_sim.studies.reduced_scale import (
    FIGURES,
    figures_of,
    ratios,
    scale_note,
    stated,
    tolerance_of,
)
from tests.helpers import ROOT

SEIGNANX = str(ROOT / "scenarios/seignanx_1970_2015.toml")
FRESH_FULL = (100, 101)
FRESH_REDUCED = range(100, 106)


@pytest.fixture(scope="module")
def fresh_runs() -> list:
    """Runs on seeds the stored measurement did not use, at full and at the default scale."""
    scenario = load_scenario(SEIGNANX)
    jobs = [(1.0, s) for s in FRESH_FULL] + [(DEFAULT_SCALE, s) for s in FRESH_REDUCED]
    return [simulate(scenario.with_overrides(scale=scale), seed) for scale, seed in jobs]


@pytest.fixture(scope="module")
def fresh(fresh_runs) -> pd.DataFrame:
    """Their headline figures (full-scale equivalents)."""
    return pd.DataFrame([figures_of(result) for result in fresh_runs])


def test_the_default_scale_is_measured_and_every_figure_has_a_tolerance():
    measured = stated()
    assert DEFAULT_SCALE in measured
    for scale, figures in measured.items():
        assert 0 < scale < 1
        assert set(figures) == set(FIGURES)
        for row in figures.values():
            assert row["tolerance"] == tolerance_of(row["ratio"], row["se"])
            assert row["n_full"] >= 4 and row["n_reduced"] >= 10


def test_fresh_seeds_at_the_default_scale_stay_within_the_stated_tolerance(fresh):
    tolerance = stated()[DEFAULT_SCALE]
    measured = ratios(fresh, DEFAULT_SCALE)
    outside = {
        figure: (round(row["ratio"], 3), tolerance[figure]["tolerance"], round(row["se"], 3))
        for figure, row in measured.iterrows()
        if abs(row["ratio"] - 1) > tolerance[figure]["tolerance"] + 2 * row["se"]
    }
    assert not outside, f"ratio to full scale, stated tolerance, this sample's SE: {outside}"


def test_the_stated_tolerance_reflects_the_bias_of_the_stored_measurement():
    """A larger bias gives a larger tolerance: the stated figure is not a fixed allowance."""
    assert tolerance_of(1.0, 0.0) == 0.0
    assert tolerance_of(1.045, 0.029) == 0.15
    assert tolerance_of(0.574, 0.093) == 0.65
    assert tolerance_of(1.27, 0.0) > tolerance_of(1.04, 0.0)


def test_reports_state_the_tolerance_of_their_scale_in_both_languages():
    tolerance = stated()[0.1]
    percent = round(100 * tolerance["unemployment_rate_end"]["tolerance"])
    with using("en"):
        english = scale_note(0.1)
        unmeasured = scale_note(0.3)
    with using("fr"):
        french = scale_note(0.1)
    assert f"unemployment rate at the end ±{percent}%" in english
    assert f"±{percent} %" in french or f"±{percent}%" in french
    assert "Échelle réduite (0,1)" in french
    assert "was not measured at this scale" in unmeasured


def test_ess_headcount_is_the_ess_jobs_at_full_scale_and_less_below(fresh_runs):
    """At scale 1 the full-scale headcount is the holders' count, year by year.

    At a reduced scale a part-time founder of a small structure counts as the share of a person
    it stands for, so the headcount is below the holders' count once the pole has structures.
    """
    for result in fresh_runs:
        territory = result.territory
        if result.scenario.run.scale == 1.0:
            assert (territory["ess_headcount"] == territory["ess_jobs"]).all()
        else:
            assert (territory["ess_headcount"] <= territory["ess_jobs"] + 1e-9).all()
            assert (territory["ess_headcount"] < territory["ess_jobs"] - 0.5).any()
