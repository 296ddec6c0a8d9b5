"""The validation of the Seignanx scenario in CI (:mod:`ptce_sim.studies.validation`).

That of `make validate`: twenty seeds at full scale drawing their parameters from the committed
posterior, with and without cooperation (forty runs, two worker processes), shared by the tests
of this module (fixture ``result``; the test names still say "reduced", as it was six seeds).
Most tests check the tables' structure and consistency; the fit itself, on the emergent figures
(none beyond ±50%, and the patterns), is asserted by
:func:`test_reduced_validation_has_no_emergent_figure_beyond_50` and
:func:`test_reduced_validation_patterns_hold`; the share within ±25% (at least 80%) is a known
failure since identities stopped counting
(:func:`test_reduced_validation_meets_the_share_within_25`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ptce_sim.config.overrides import apply_overrides
from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs.runner import simulate
from ptce_sim.studies.posterior import load_posterior, write_posterior
from ptce_sim.studies.targets import Target, load_targets, structure_creation
from ptce_sim.studies.unemployment import load_rates
from ptce_sim.studies.validation import (
    COUNTERFACTUAL_COLUMNS,
    FAR_BAND,
    GOAL_SHARE,
    PASS_BAND,
    PATTERN_COLUMNS,
    TABLE_COLUMNS,
    RunTables,
    ValidationResult,
    markdown,
    peak_to_trough,
    run_validate_command,
    simulated_value,
    validate,
    write_report,
)

# the module's validation (fixture `result`, ~75 s on an idle 2-core machine, 275 s on a slow
# one, and more than 600 s beside another test worker there) is paid by the first test that
# needs it, whichever it is: a longer limit than the default
pytestmark = pytest.mark.timeout(1200)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "seignanx_1970_2015.toml"
TARGETS = ROOT / "scenarios" / "targets" / "seignanx.toml"
RATES = ROOT / "scenarios" / "targets" / "unemployment_france_landes.toml"
POSTERIOR = ROOT / "scenarios" / "posteriors" / "seignanx_1970_2015.parquet"
SEEDS = tuple(range(20))
SCALE = 1.0
"""The calibrated scale. The module's validation is that of `make validate` (20 seeds drawing their
parameters from the committed posterior, about 75 s on a 2-core machine): the scenario's own point
values are no longer the calibration's estimate (with them the single GEIQ contact rate gives the
GEIQ interprofessionnel nearly twice its observed headcount), and six posterior draws are too few
for the ±50% band (one draw can put the CAE beyond it). At scale 0.75 the GE's member firms drift
beyond +50% (its members' part-time needs do not scale like the territory)."""


@pytest.fixture(scope="module")
def result() -> ValidationResult:
    """The validation of `make validate`: 20 seeds at full scale, drawing from the posterior."""
    return validate(
        load_scenario(SCENARIO),
        load_targets(TARGETS),
        seeds=SEEDS,
        scale=SCALE,
        workers=2,
        rates=load_rates(RATES),
        posterior=load_posterior(POSTERIOR),
    )


@pytest.fixture(scope="module")
def report(result: ValidationResult, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The report of the reduced validation, written once."""
    return write_report(result, tmp_path_factory.mktemp("validation"))


# ------------------------------------------------------------------------------------------------
# Point targets


def test_table_has_every_target_with_its_columns(result):
    """One row per figure of the targets file, with the documented columns."""
    table = result.table
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert list(table["label"]) == [t.label for t in result.targets.targets]
    assert len(table) == 24
    assert (table["runs"] == len(SEEDS)).all()
    # the number a note states (the CBE's "about 20 structures" in 2013), read off the territory
    held = table[table["kind"] == "held_out"]
    assert held[["column", "year", "observed"]].values.tolist() == [["pole_structures", 2013, 20.0]]
    assert held["note"].str.contains("about 20 structures").all()
    assert table["observed"].tolist() == [t.observed for t in result.targets.targets]


def test_quantiles_are_ordered_and_finite(result):
    """The 5% quantile, the median and the 95% quantile are finite and ordered."""
    table = result.table
    values = table[["simulated_q05", "simulated_median", "simulated_q95"]].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    assert (values[:, 0] <= values[:, 1] + 1e-9).all()
    assert (values[:, 1] <= values[:, 2] + 1e-9).all()


def test_pass_flags_follow_the_relative_error(result):
    """Pass and flag columns agree with the relative error of the median."""
    table = result.table
    error = (table["simulated_median"] - table["observed"]) / table["observed"]
    assert np.allclose(table["relative_error"], error)
    assert (table["passed"] == (error.abs() <= PASS_BAND)).all()
    assert (table["beyond_50"] == (error.abs() > FAR_BAND)).all()
    inside = (table["simulated_q05"] <= table["observed"]) & (
        table["observed"] <= table["simulated_q95"]
    )
    assert (table["observed_in_interval"] == inside).all()
    emergent = table[table["kind"] == "emergent"]
    assert result.share_passed == pytest.approx(emergent["passed"].mean())
    assert result.goal_met == (
        result.share_passed >= GOAL_SHARE and not emergent["beyond_50"].any()
    )


def test_simulated_values_are_read_as_the_mapping_says(result):
    """Recompute two figures from the runs' tables: a structure count and the shock."""
    row = result.table.set_index("label")

    def structure_value(run, name, column):
        frame = run.structures
        cell = frame.loc[(frame["structure"] == name) & (frame["year"] == 2012), column]
        return float(cell.iloc[0]) / SCALE

    hours = [structure_value(run, "GE GENESE", "hours") for run in result.runs]
    assert row.loc["target[3].hours_lent", "simulated_median"] == pytest.approx(np.median(hours))

    assert "shock[0].jobs_destroyed" not in row.index  # an input, not compared


def test_peak_to_trough():
    """The drop runs from the highest value before the trough to the trough."""
    assert peak_to_trough(pd.Series([10, 12, 11, 7, 9, 8])) == 5  # 12 -> 7, not 12 -> 8
    assert peak_to_trough(pd.Series([5, 6, 7])) == 0  # no drop: the trough is the first value
    assert peak_to_trough(pd.Series([9, 3, 20, 4])) == 6  # the peak comes before the trough
    assert math.isnan(peak_to_trough(pd.Series([], dtype=float)))


def test_growth_rate_is_the_compound_yearly_growth():
    """A territory figure with method growth_rate: compound growth between its two years."""
    target = Target(
        label="territory.growth",
        source_name="territory",
        structure=None,
        indicator="growth",
        table="territory",
        column="population",
        method="growth_rate",
        years=(2000, 2010),
        observed=0.02,
        scaled=False,
    )
    territory = pd.DataFrame({"year": [2000, 2005, 2010], "population": [100.0, 110.0, 121.0]})
    run = RunTables(seed=0, cooperation=True, territory=territory, structures=pd.DataFrame())
    assert simulated_value(target, run, scale=0.5) == pytest.approx(1.21**0.1 - 1)


def test_runs_are_those_of_simulate(result):
    """Runs in worker processes give the same tables as a run in this process."""
    scenario = load_scenario(SCENARIO).with_overrides(scale=SCALE)
    particle = apply_overrides(scenario, load_posterior(POSTERIOR).draw(0, 1)[1])
    alone = simulate(particle, SEEDS[1])
    pd.testing.assert_frame_equal(result.runs[1].territory, alone.territory)
    pd.testing.assert_frame_equal(result.runs[1].structures, alone.structures)


# ------------------------------------------------------------------------------------------------
# Patterns


def test_patterns_are_computed(result):
    """Every pattern is listed with its share of runs and whether it holds."""
    patterns = result.patterns
    assert list(patterns.columns) == list(PATTERN_COLUMNS)
    assert {"1970s shock", "timeline", "growth", "trust", "2008-2009 crisis"} <= set(
        patterns["group"]
    )
    predictions = patterns["basis"].str.startswith("prediction")
    assert predictions[patterns["group"].isin(["growth", "trust", "2008-2009 crisis"])].all()
    assert not predictions[patterns["group"] == "timeline"].any()  # the timeline is an input
    names = set(patterns["pattern"])
    for structure in structure_creation(result.scenario):
        assert f"{structure} appears" in names
        assert f"{structure} grows" in names
    assert {
        "job losses",
        "slow recovery",
        "pole membership grows",
        "project requests accumulate",
    } <= names
    shares = patterns["share_of_runs"].to_numpy(dtype=float)
    assert ((shares >= 0) & (shares <= 1)).all()
    assert (patterns["holds"] == (patterns["share_of_runs"] >= result.settings.holds_share)).all()
    assert patterns["detail"].str.startswith("median over runs:").all()


def test_shock_pattern_matches_the_runs(result):
    """The job-loss pattern's share is that of the runs (on the employment rate)."""
    losses = result.patterns.set_index("pattern").loc["job losses"]

    def rate(run, year: int) -> float:
        row = run.territory.set_index("year").loc[year]
        return row["employed"] / row["labour_force"]

    expected = np.mean([rate(run, 1979) < rate(run, 1973) for run in result.runs])
    assert losses["share_of_runs"] == pytest.approx(expected)


def test_unemployment_is_compared_year_by_year(result):
    """The simulated rate of each year 1975-2015 beside the national rate, from the runs."""
    table = result.unemployment.set_index("year")
    assert list(table.index) == list(range(1975, 2016))
    rates = [run.territory.set_index("year").loc[2009, "unemployment_rate"] for run in result.runs]
    assert table.loc[2009, "simulated_median"] == pytest.approx(100 * np.median(rates))
    assert table.loc[2009, "national"] == 9.1


def test_structures_appear_at_their_timeline_year(result):
    """The timeline is an input: every named structure's first row is its creation year."""
    appear = result.patterns[result.patterns["group"] == "timeline"]
    assert (appear["share_of_runs"] == 1.0).all(), appear


# ------------------------------------------------------------------------------------------------
# Counterfactual


def test_counterfactual_uses_the_same_seeds(result):
    """Runs with and without cooperation share their seeds."""
    assert [run.seed for run in result.runs] == list(SEEDS)
    assert [run.seed for run in result.counterfactual_runs] == list(SEEDS)
    assert all(run.cooperation for run in result.runs)
    assert not any(run.cooperation for run in result.counterfactual_runs)
    # without cooperation the GEIQ lends no hours to any member firm
    for run in result.counterfactual_runs:
        frame = run.structures
        geiq = frame[(frame["structure"] == "GEIQ BTP") & (frame["year"] == 2012)]
        assert (
            geiq.empty or float(geiq["hours"].iloc[0]) == float(geiq["member_firms"].iloc[0]) == 0
        )


def test_counterfactual_difference_with_interval(result):
    """Paired differences in 2012 and 2015 with a 5%-95% interval."""
    table = result.counterfactual
    assert list(table.columns) == list(COUNTERFACTUAL_COLUMNS)
    assert set(zip(table["year"], table["unit"], strict=True)) == {
        (2012, "persons"),
        (2012, "points"),
        (2015, "persons"),
        (2015, "points"),
    }
    assert (table["difference_q05"] <= table["difference_median"] + 1e-9).all()
    assert (table["difference_median"] <= table["difference_q95"] + 1e-9).all()
    assert (table["runs"] == len(SEEDS)).all()
    jobs = table[(table["year"] == 2015) & (table["unit"] == "persons")].iloc[0]
    paired = [
        (
            a.territory.set_index("year").loc[2015, "employed"]
            - b.territory.set_index("year").loc[2015, "employed"]
        )
        / SCALE
        for a, b in zip(result.runs, result.counterfactual_runs, strict=True)
    ]
    assert jobs["difference_median"] == pytest.approx(np.median(paired))
    assert jobs["difference_q05"] == pytest.approx(np.quantile(paired, 0.05))


def test_net_jobs_are_the_counterfactual_difference(result):
    """The gross-to-net section's net jobs are the counterfactual's paired jobs difference."""
    net = result.additionality
    assert (net.first_year, net.last_year) == (1970, 2015)
    counterfactual = result.counterfactual.set_index(["year", "unit"])
    for year in (2012, 2015):
        row = net.row("net", year)
        assert row["median"] == pytest.approx(
            counterfactual.loc[(year, "persons"), "difference_median"]
        )
        assert row["pairs"] == len(SEEDS)
    assert np.allclose(net.pairs["residual"], 0.0)


# ------------------------------------------------------------------------------------------------
# Report and command


def test_report_files_are_written(result, report):
    """Markdown, PNG and CSV files are written and list every figure."""
    names = {path.name for path in report}
    assert {
        "validation.md",
        "validation_targets.png",
        "validation_structures.png",
        "validation_counterfactual.png",
        "validation_targets.csv",
        "validation_patterns.csv",
        "validation_counterfactual.csv",
        "validation_additionality.csv",
        "validation_unemployment.png",
        "validation_unemployment.csv",
    } == names
    for path in report:
        assert path.stat().st_size > 200, path
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = next(p for p in report if p.name == "validation.md").read_text(encoding="utf-8")
    for row in result.table.itertuples():
        assert row.indicator in text
    for heading in (
        "## Summary",
        "## Identities (not counted in the fit)",
        "## Patterns",
        "## Unemployment beside France and the Landes",
        "counterfactual",
        "## Figures not compared",
    ):
        assert heading in text
    assert "![" in text and "validation_structures.png" in text
    csv = pd.read_csv(next(p for p in report if p.name == "validation_targets.csv"))
    assert list(csv["label"]) == list(result.table["label"])


def test_seeds_and_replicates_must_agree(result):
    """Inconsistent seeds and replicates are refused."""
    with pytest.raises(ValueError, match="replicates=2 but 3 seeds"):
        validate(result.scenario, result.targets, replicates=2, seeds=[0, 1, 2])
    with pytest.raises(ValueError, match="distinct"):
        validate(result.scenario, result.targets, seeds=[1, 1])


def test_counterfactual_scenario_must_cover_the_same_years(result):
    """A counterfactual given as a scenario must span the validated scenario's years."""
    other = load_scenario(ROOT / "scenarios" / "innovales_like_2000_2020.toml")
    with pytest.raises(ValueError, match="must cover the same years"):
        validate(result.scenario, result.targets, seeds=[0], counterfactual=other)


def test_command_reports_bad_input(tmp_path, capsys):
    """Bad input ends with exit status 2 and a one-line message."""
    code = run_validate_command(SCENARIO, tmp_path / "missing.toml", 2, 0.1, tmp_path / "out")
    assert code == 2
    assert "missing.toml: targets file not found" in capsys.readouterr().err
    code = run_validate_command(SCENARIO, TARGETS, 2, 50.0, tmp_path / "out")
    assert code == 2
    assert "--scale" in capsys.readouterr().err


def test_command_writes_the_report(tmp_path, capsys):
    """The command runs, prints a summary, writes the report and exits 0 or 1 with the fit goal.

    One seed at scale 0.1: a scaled figure moves in steps of 1 / 0.1 = 10 persons, so the EI
    ITEMS' 6 permanent employees of 2012 are simulated as 0 or 10 or more (an error of -100% or at
    least +67%), always beyond ±50%; but that figure is an identity (it follows from the EI's
    insertion employees), so it does not count in the goal, which counts emergent figures only.
    The exit status says whether the goal is met (0 or 1), not that the input was bad (2).
    """
    out = tmp_path / "report"
    code = run_validate_command(SCENARIO, TARGETS, 1, 0.1, out, show_progress=False)
    printed = capsys.readouterr().out
    assert "figures within ±25%" in printed and "cooperation effect in 2015" in printed
    assert "residents in work than the run without cooperation" in printed
    text = (out / "validation.md").read_text(encoding="utf-8")
    assert "### Gross and net jobs (additionality)" in text
    for words in ("gross jobs", "deadweight", "displacement", "net additional jobs", "leakage"):
        assert words in text, words
    leakage = [
        line
        for line in text.splitlines()
        if line.startswith("| − leakage (jobs taken by non-residents) |")
    ]
    assert leakage and "not modelled" not in leakage[0]  # in-commuting is modelled
    assert "| funder | extra public money | per net job (jobs in 2015) |" in text
    net = pd.read_csv(out / "validation_additionality.csv")
    assert {"net", "net_young", "net_long_term", "net_rsa"} <= set(net["indicator"])
    assert "total" in set(net["funder"].dropna())
    table = pd.read_csv(out / "validation_targets.csv")
    permanent = table.loc[table["label"] == "target[0].permanent_employees"].iloc[0]
    assert permanent["observed"] == 6 and permanent["simulated_median"] % 10 == 0, permanent
    assert permanent["beyond_50"] and permanent["kind"] == "identity", permanent
    emergent = table[table["kind"] == "emergent"]
    met = emergent["passed"].mean() >= GOAL_SHARE and not emergent["beyond_50"].any()
    assert f"beyond ±50%: {int(emergent['beyond_50'].sum())} (goal: none)" in printed, printed
    assert ("goal met" if met else "goal NOT met") in printed, printed
    assert code == (0 if met else 1), printed
    assert "## Identities (not counted in the fit)" in text
    assert "## Unemployment beside France and the Landes" in text  # the rates beside the targets
    assert (out / "validation_unemployment.png").is_file()


def test_each_seed_draws_its_particle_from_a_posterior_in_both_runs(tmp_path, capsys):
    """``--posterior``: seed r runs with the particle replicate r draws, with and without the pole.

    Two particles of the initial trust far apart (0.05 and 0.6); each run equals a plain run of
    the scenario with its particle's value, the counterfactual too (the pair stays paired), and the
    report says where the parameters came from.
    """
    frame = pd.DataFrame({"trust": [0.05, 0.6], "weight": [0.5, 0.5]})
    path = write_posterior(
        tmp_path / "posterior.parquet",
        frame,
        {"trust": "mechanisms.cooperation.initial_trust"},
        {"scale": 0.1},
    )
    posterior = load_posterior(path)
    scenario = load_scenario(SCENARIO).with_overrides(scale=0.1)
    seeds = (0, 1, 2)
    outcome = validate(scenario, load_targets(TARGETS), seeds=seeds, posterior=posterior)
    rows = outcome.posterior["rows"]
    assert rows == [posterior.draw(0, r)[0] for r in range(len(seeds))]
    assert len(set(rows)) == 2, rows  # both particles drawn: the runs differ by more than seeds
    last = len(seeds) - 1
    particle = apply_overrides(scenario, posterior.draw(0, last)[1])
    assert particle.mechanisms.cooperation.initial_trust == frame["trust"][rows[last]]
    alone = simulate(particle, seeds[last])
    pd.testing.assert_frame_equal(outcome.runs[last].territory, alone.territory)
    without = simulate(particle.without_cooperation(), seeds[last])
    pd.testing.assert_frame_equal(outcome.counterfactual_runs[last].territory, without.territory)
    text = markdown(outcome)
    assert "draws its calibrated parameters from the posterior sample" in text
    assert f"SHA-256 {posterior.digest[:12]}" in text
    assert "the scenario's own values for every seed" in markdown(
        validate(scenario, load_targets(TARGETS), seeds=(0,))
    )
    code = run_validate_command(
        SCENARIO,
        TARGETS,
        1,
        0.1,
        tmp_path / "out",
        show_progress=False,
        posterior_path=tmp_path / "missing.parquet",
    )
    assert code == 2
    assert "missing.parquet: no such posterior file" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# The fit (the calibrated scenario meets the goal on the reduced validation)


def test_reduced_validation_has_no_emergent_figure_beyond_50(result):
    """No emergent figure is beyond ±50% (identities are not counted)."""
    table = result.table[result.table["kind"] == "emergent"]
    assert not table["beyond_50"].any(), table.loc[table["beyond_50"], ["label", "relative_error"]]


@pytest.mark.xfail(
    reason="issue 12: counted on emergent figures only, the validation (20 seeds drawing from the "
    "posterior, as make validate) has 9 of 13 within ±25% (69%), all within ±36%: the GEIQ "
    "interprofessionnel 33-36% high, GE GENESE's member firms 30% high, EI ITEMS 27% high "
    "(docs/validation.md)",
    strict=False,
)
def test_reduced_validation_meets_the_share_within_25(result):
    """The issue's goal on a reduced run: at least 80% of the emergent figures within ±25%."""
    table = result.table[result.table["kind"] == "emergent"]
    failing = table.loc[
        ~table["passed"], ["label", "observed", "simulated_median", "relative_error"]
    ]
    assert result.share_passed >= GOAL_SHARE, f"within ±25%: {result.share_passed:.0%}\n{failing}"


def test_reduced_validation_patterns_hold(result):
    """The patterns hold: all those of the 1970s shock and of trust, and 90% of the others."""
    patterns = result.patterns
    failing = patterns.loc[~patterns["holds"], ["pattern", "detail"]]
    core = patterns["group"].isin(["1970s shock", "trust", "timeline"])
    assert patterns.loc[core, "holds"].all(), failing
    assert patterns["holds"].mean() >= 0.9, failing
