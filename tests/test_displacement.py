"""Net jobs at each displacement level (ptce_sim.studies.displacement): the sweep's bookkeeping
on made-up paired tables, and the command's refusals of bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import base_scenario

from ptce_sim.config.scenario import Scenario
from ptce_sim.interfaces.cli import main
from ptce_sim.studies import displacement


def _territory(scenario: Scenario, seed: int) -> pd.DataFrame:
    """A made-up territory table: with the pole, 100 ESS jobs and classic jobs that fall with
    the markets' displacement; without it, 20 ESS jobs."""
    pole = scenario.mechanisms.cooperation.enabled
    share = scenario.markets[0].displacement
    ess = 100.0 if pole else 20.0
    classic = 1000.0 - (200.0 * share if pole else 0.0) + seed
    return pd.DataFrame(
        {
            "year": [2014, 2015],
            "employed": [ess + classic] * 2,
            "classic_jobs": [classic] * 2,
            "ess_jobs": [ess] * 2,
            "public_funding_eur": [1e6 if pole else 0.0] * 2,
            "public_state_eur": [1e6 if pole else 0.0] * 2,
        }
    )


def test_net_jobs_fall_as_displacement_rises():
    """Each level's pairs are decomposed apart; more displacement, fewer net jobs."""
    scenario = base_scenario(0.05).model_copy()
    table = displacement.sweep(
        scenario,
        seeds=(0, 1, 2),
        year=2015,
        run=lambda jobs: [_territory(s, seed) for s, seed in jobs],
    )
    net = table[table["indicator"] == "net"].set_index("displacement")["median"]
    # gross 80 more ESS jobs, less 200 x share classic jobs, counted at full scale (/ 0.05)
    expected = {share: (80.0 - 200.0 * share) / 0.05 for share in displacement.LEVELS}
    assert net.to_dict() == pytest.approx(expected)
    assert list(net.index) == list(displacement.LEVELS)
    levels = table.drop_duplicates("displacement")["level"].tolist()
    assert levels == ["none", "low", "medium", "high"]
    lost = table[table["indicator"] == "displacement"].set_index("displacement")["median"]
    assert lost[0.75] == pytest.approx(150.0 / 0.05)
    report = displacement.markdown(table, scenario=scenario, seeds=3, year=2015, stamp="abc")
    assert "none (0%)" in report and "high (75%)" in report and "`abc`" in report
    assert "= net additional jobs" in report
    # the paired contrast: seed by seed, each level's net jobs minus those at no displacement
    contrast = table[table["indicator"] == "net_vs_none"].set_index("displacement")
    assert contrast["median"].to_dict() == pytest.approx(
        {share: -200.0 * share / 0.05 for share in displacement.LEVELS}
    )
    assert (contrast["q95"] - contrast["q05"]).max() == pytest.approx(0.0)  # the seed cancels
    assert "net jobs minus those at no displacement (same seeds)" in report


def test_at_displacement_sets_every_market_and_the_incubated_firms():
    changed = displacement.at_displacement(base_scenario(0.05), 0.25)
    assert {m.displacement for m in changed.markets} == {0.25}
    assert changed.mechanisms.incubation.firm_displacement == 0.25


@pytest.mark.parametrize(
    ("arguments", "phrase"),
    [
        (["--replicates", "0"], "--replicates"),
        (["--scale", "-1"], "--scale"),
    ],
)
def test_bad_options_are_refused_in_one_line(capsys, arguments, phrase):
    with pytest.raises(SystemExit) as exit_info:
        main(["displacement", "scenarios/seignanx_1970_2015.toml", *arguments])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert phrase in error[-1] and "Traceback" not in "\n".join(error)


def test_a_missing_scenario_is_refused(capsys, tmp_path):
    code = main(["displacement", str(tmp_path / "nowhere.toml"), "--out", str(tmp_path)])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert "nowhere.toml" in error and "\n" not in error
