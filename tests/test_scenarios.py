"""The shipped scenario files: each loads, and the variants stay in step with the main one."""

from pathlib import Path

import pytest

from ptce_sim.config.scenario_io import load_scenario, read_toml
from ptce_sim.runs.census import census_gaps
from ptce_sim.runs.runner import simulate

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MAIN = SCENARIOS / "seignanx_1970_2015.toml"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_loads_and_runs(path):
    """Each scenario file validates and runs a few years at a small scale."""
    scenario = load_scenario(path)
    assert scenario.run.name == path.stem
    short = scenario.with_overrides(scale=0.05)
    model_years = short.run.end_year - short.run.start_year + 1
    result = simulate(short, seed=1)
    assert len(result.territory) == model_years
    assert result.territory["employed"].gt(0).all()


def test_no_cooperation_file_is_the_main_scenario_without_cooperation():
    """The counterfactual file equals ``without_cooperation()`` of the main scenario."""
    main = load_scenario(MAIN)
    counterfactual = load_scenario(SCENARIOS / "seignanx_no_cooperation.toml")
    derived = main.without_cooperation()
    assert counterfactual.mechanisms == derived.mechanisms
    for section in (
        "territory",
        "sectors",
        "firms",
        "labour_market",
        "other_ess",
        "finance",
        "authorities",
    ):
        assert getattr(counterfactual, section) == getattr(main, section), section
    assert not any(
        e.type == "policy" and any(k.endswith(".enabled") and v for k, v in e.set.items())
        for e in counterfactual.events
    )


def test_funding_cut_variant_matches_the_main_scenario_until_2015():
    """Same territory and timeline to 2015; from 2016 animation grants and insertion aid halve."""
    main = load_scenario(MAIN)
    cut = load_scenario(SCENARIOS / "seignanx_funding_cut_2016_2025.toml")
    assert cut.run.end_year == 2025
    for section in (
        "territory",
        "sectors",
        "firms",
        "labour_market",
        "mechanisms",
        "other_ess",
        "finance",
        "authorities",
    ):
        assert getattr(cut, section) == getattr(main, section), section
    assert [e for e in cut.events if e.year <= 2015] == list(main.events)
    later = [e for e in cut.events if e.year > 2015]
    assert {e.authority for e in later} == {a.name for a in main.authorities}
    assert all(e.type == "budget_cut" and e.share == 0.5 for e in later)
    assert all(set(e.items) == {"animation_grant", "insertion_aid"} for e in later)


def test_funding_cut_lowers_public_funding_after_2016():
    """Paired runs (same seed): the cut variant spends less public money after 2016."""
    main = simulate(load_scenario(MAIN).with_overrides(scale=0.1), seed=3).territory
    cut = simulate(
        load_scenario(SCENARIOS / "seignanx_funding_cut_2016_2025.toml").with_overrides(scale=0.1),
        seed=3,
    ).territory
    both = main.merge(cut, on="year", suffixes=("_main", "_cut"))
    before = both[both.year <= 2015]
    assert (before.public_funding_eur_main == before.public_funding_eur_cut).all()
    assert cut[cut.year >= 2016].public_funding_eur.mean() < before.public_funding_eur_cut.iloc[-1]


def test_variant_files_are_up_to_date():
    """The variant files are what scenarios/derive_variants.py writes from the main file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "derive_variants", SCENARIOS / "derive_variants.py"
    )
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    text = MAIN.read_text(encoding="utf-8")
    for name, make in derive.VARIANTS.items():
        assert (SCENARIOS / name).read_text(encoding="utf-8") == make(text), (
            f"{name} is stale: run scenarios/derive_variants.py"
        )


def test_census_of_the_scenario_is_the_copied_source():
    """[territory.census] holds the figures of scenarios/sources/seignanx_census.toml."""
    source = read_toml(SCENARIOS / "sources" / "seignanx_census.toml", "census")
    census = load_scenario(MAIN).territory.census
    assert census is not None
    assert dict(zip(census.years, census.population, strict=True)) == {
        int(year): count for year, count in source["population"].items()
    }
    ages = source["age_ranges_percent"]
    assert census.age_ranges is not None and census.age_ranges.years == ages["years"]
    assert census.age_ranges.percent == {k: v for k, v in ages.items() if k != "years"}


@pytest.fixture(scope="module")
def seignanx_small():
    """The Seignanx run at a tenth of its scale."""
    return simulate(load_scenario(MAIN).with_overrides(scale=0.1), seed=2)


def test_residents_follow_the_census(seignanx_small):
    """The population is within 3% of the census at every census year of the run."""
    gaps = census_gaps(seignanx_small).set_index("year")
    assert list(gaps.index) == [1975, 1982, 1990, 1999, 2010, 2015]
    assert gaps["gap"].abs().max() < 0.03, gaps
    start = seignanx_small.monthly["persons"].iloc[0] / 0.1 / 0.45
    assert start == pytest.approx(10_547 * (13_202 / 10_547) ** (2 / 7), rel=0.03)


def test_residents_change_smoothly(seignanx_small):
    """No jump: the residents change by less than 1% from one month to the next."""
    persons = seignanx_small.monthly["persons"]
    assert (persons.pct_change().iloc[1:].abs() < 0.01).all()
    assert persons.iloc[-1] > 2 * persons.iloc[0]  # and they do grow (census: x2.3)


def test_growth_form_scenario_has_no_census_to_compare():
    """A territory without a census (growth periods) reports no census gaps."""
    path = SCENARIOS / "innovales_like_2000_2020.toml"
    result = simulate(load_scenario(path).with_overrides(scale=0.05), seed=1)
    assert census_gaps(result).empty
