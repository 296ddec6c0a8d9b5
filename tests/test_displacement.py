"""Net jobs at each displacement level (ptce_sim.studies.displacement).

The sweep's bookkeeping on made-up paired tables, and the command's refusals of bad input.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from helpers import base_scenario

from ptce_sim.config.scenario import Scenario
from ptce_sim.interfaces.cli import main
from ptce_sim.studies import displacement


def _territory(scenario: Scenario, seed: int) -> pd.DataFrame:
    """A made-up territory table, with or without the pole.

    With the pole, 100 ESS jobs and classic jobs that fall with the markets' displacement; without
    it, 20 ESS jobs.
    """
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


def _sweep() -> tuple[Scenario, pd.DataFrame]:
    """The sweep of the made-up tables: 3 pairs at scale 0.05, figures of 2015."""
    scenario = base_scenario(0.05).model_copy()
    table = displacement.sweep(
        scenario,
        seeds=(0, 1, 2),
        year=2015,
        run=lambda jobs: [_territory(s, seed) for s, seed in jobs],
    )
    return scenario, table


def test_the_report_in_english_keeps_its_lines():
    """The English report (the default) is what it was before the report spoke French."""
    scenario, table = _sweep()
    report = displacement.markdown(table, scenario=scenario, seeds=3, year=2015, stamp="abc")
    lines = report.split("\n")
    assert lines[0] == f"# Net jobs at each level of displacement: {scenario.run.title}"
    assert (
        lines[2]
        == "Made by `ptce-sim displacement` with reference stamp `abc` (see `docs/CHANGES.md`)."
    )
    assert lines[4].startswith("3 pairs of runs (the pole, and the same territory without it:")
    assert "at scale 0.05, counted at full scale" in lines[4]
    for line in (
        "| | none (0%) | low (25%) | medium (50%) | high (75%) |",
        "| = net additional jobs (more residents in work) | 1,600 [1,600; 1,600] | 600 [600; 600] "
        "| -400 [-400; -400] | -1,400 [-1,400; -1,400] |",
        "| − leakage (jobs taken by non-residents) | not modelled | not modelled | not modelled "
        "| not modelled |",
        "| public cost per net additional job (all funders) | €25,000 [€25,000; €25,000] "
        "| €66,667 [€66,667; €66,667] | not significant | not significant |",
    ):
        assert line in lines


def test_the_report_in_french(tmp_path):
    """``--lang fr``: French words, levels, numbers and euros; the CSV keeps its English labels."""
    scenario, table = _sweep()
    path = displacement.write_report(
        table, tmp_path, scenario=scenario, seeds=3, year=2015, stamp="abc", lang="fr"
    )
    report = path.read_text(encoding="utf-8").replace("\u202f", " ").replace("\xa0", " ")
    lines = report.split("\n")
    assert lines[0].startswith("# Emplois nets à chaque niveau d'effet de déplacement : ")
    assert lines[4].startswith("3 paires de simulations (le pôle, et le même territoire sans lui")
    assert "à l'échelle 0,05, comptées à taille réelle" in lines[4]
    for line in (
        "| | aucun (0 %) | faible (25 %) | moyen (50 %) | élevé (75 %) |",
        "| = emplois nets supplémentaires (résidents en emploi en plus) | 1 600 [1 600 ; 1 600] "
        "| 600 [600 ; 600] | -400 [-400 ; -400] | -1 400 [-1 400 ; -1 400] |",
        "| − fuites (emplois pris par des non-résidents) | non modélisé | non modélisé "
        "| non modélisé | non modélisé |",
        "| coût public par emploi net supplémentaire (tous financeurs) | 25 000 € [25 000 € ; "
        "25 000 €] | 66 667 € [66 667 € ; 66 667 €] | non significatif | non significatif |",
    ):
        assert line in lines
    text = report.replace(scenario.run.title, "").replace("Additionality Guide", "")
    words = set(re.findall(r"[a-zà-ÿ]+", re.sub(r"`[^`]*`", "", text).lower()))
    english = {"the", "and", "of", "with", "jobs", "pairs", "runs", "none", "level"}
    assert not words & english, (words & english, scenario.run.title)
    csv = (tmp_path / "displacement.csv").read_text(encoding="utf-8")
    assert "residents in work, with the pole" in csv and "none" in csv


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
