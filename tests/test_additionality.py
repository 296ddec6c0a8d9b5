"""Gross to net jobs from paired runs (:mod:`ptce_sim.studies.additionality`).

Hand-made paired territory tables, where every term is known: the identity holds pair by pair;
a bigger drop of classic jobs shows as more displacement and fewer net jobs; the cost per net
job of each funder is its extra money over the net jobs; there is no cost when the net jobs'
interval includes 0; terms the tables do not record say "not modelled". Then one small real
batch of paired runs: the recorded group columns exist and stay within the persons in work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ptce_sim.config.overrides import narrow_years
from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs.runner import simulate
from ptce_sim.studies import additionality as net_jobs
from ptce_sim.studies.additionality import (
    ESTIMATED,
    NOT_MODELLED,
    NOT_SIGNIFICANT,
    decompose,
    funder_columns,
)

ROOT = Path(__file__).resolve().parents[1]
YEARS = (2010, 2011, 2012)


def territory(
    classic: list[float],
    ess: list[float],
    *,
    state: float = 0.0,
    region: float = 0.0,
    young: float = 0.0,
) -> pd.DataFrame:
    """A territory table over :data:`YEARS`: ``employed = classic + ess``, money per year."""
    frame = pd.DataFrame(
        {
            "year": YEARS,
            "classic_jobs": classic,
            "ess_jobs": ess,
            "employed": np.add(classic, ess),
            "public_state_eur": state,
            "public_region_eur": region,
            "public_funding_eur": state + region,
            "employed_young": young,
        }
    )
    return frame


def pairs(drop: float = 10.0, seeds: int = 5) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Reference and policy tables of ``seeds`` pairs (pair i: 50 + i more ESS jobs).

    The policy costs €1M of State money and €0.5M of Région money a year; firms lose ``drop``
    jobs; 5 more young people are in work.
    """
    reference, policy = [], []
    for i in range(seeds):
        reference.append(territory([1000.0 + i] * 3, [20.0] * 3, young=100.0))
        policy.append(
            territory(
                [1000.0 + i - drop] * 3,
                [70.0 + i] * 3,
                state=1e6,
                region=5e5,
                young=105.0,
            )
        )
    return reference, policy


def test_the_identity_holds_pair_by_pair():
    """Gross − deadweight − displacement − leakage + multiplier + residual = net, residual 0."""
    result = decompose(*pairs())
    p = result.pairs
    rebuilt = p["gross"] - p["deadweight"] - p["displacement"] + p["residual"]
    assert np.allclose(rebuilt, p["net"])
    assert np.allclose(p["residual"], 0.0)
    assert np.allclose(p["gross"], 70 + p["pair"])
    assert np.allclose(p["deadweight"], 20)
    assert np.allclose(p["displacement"], 10)
    assert np.allclose(p["net"], 40 + p["pair"])
    assert result.row("net", 2012)["median"] == pytest.approx(42)
    assert result.row("net")["median"] == pytest.approx(3 * 42)  # job-years over 2010-2012
    assert result.row("net_young", 2011)["median"] == pytest.approx(5)


def test_a_bigger_classic_drop_is_more_displacement_and_fewer_net_jobs():
    """Firms losing 30 jobs instead of 10: displacement +20, net −20, gross and deadweight equal."""
    small, big = decompose(*pairs(drop=10)), decompose(*pairs(drop=30))
    for term, change in (("displacement", 20), ("net", -20), ("gross", 0), ("deadweight", 0)):
        assert big.row(term, 2012)["median"] - small.row(term, 2012)["median"] == pytest.approx(
            change
        ), term


def test_the_scale_gives_full_scale_figures():
    """Counts and money of a run at scale 0.5 are doubled."""
    full, half = decompose(*pairs()), decompose(*pairs(), scale=0.5)
    assert half.row("net", 2012)["median"] == pytest.approx(2 * full.row("net", 2012)["median"])
    extra = half.row("public_extra_eur", funder="state")["median"]
    assert extra == pytest.approx(2 * 3e6)


def test_cost_per_net_job_by_funder_is_its_extra_money_over_net_jobs():
    """Each funder's and the total cost: its money over 2010-2012 / net jobs (2012), job-years."""
    result = decompose(*pairs())
    assert result.funders == ("region", "state", "total")
    net_end = 40 + np.arange(5)
    for funder, yearly in (("state", 1e6), ("region", 5e5), ("total", 1.5e6)):
        job = result.row("cost_per_net_job_eur", funder=funder)
        job_year = result.row("cost_per_net_job_year_eur", funder=funder)
        assert job["status"] == job_year["status"] == ESTIMATED
        assert job["median"] == pytest.approx(np.median(3 * yearly / net_end))
        assert job["q05"] == pytest.approx(np.quantile(3 * yearly / net_end, 0.05))
        assert job_year["median"] == pytest.approx(np.median(yearly / net_end))
        assert job["pairs"] == 5
    assert funder_columns(["public_funding_eur", "public_state_eur", "public_eu_fse_eur"]) == [
        "public_eu_fse_eur",
        "public_state_eur",
    ]


def test_no_cost_when_the_net_jobs_interval_includes_zero():
    """Net jobs of −10 to +30 over the pairs: the cost per net job is not significant (n/a)."""
    reference, policy = pairs()
    for i, table in enumerate(policy):
        table["employed"] = reference[i]["employed"] + (-10 + 10 * i)
    result = decompose(reference, policy)
    for funder in result.funders:
        for indicator in ("cost_per_net_job_eur", "cost_per_net_job_year_eur"):
            row = result.row(indicator, funder=funder)
            assert row["status"] == NOT_SIGNIFICANT and np.isnan(row["median"]), row
            assert net_jobs.cell(row).startswith("n/a")
    assert result.row("residual", 2012)["median"] != 0  # employed no longer adds up: shown
    text = net_jobs.headline(result, "reference", "policy")
    assert "public cost per net job: n/a (net jobs not significant)" in text


def test_terms_not_recorded_say_not_modelled():
    """No leakage, multiplier or displaced_jobs column: "not modelled", never a silent 0."""
    result = decompose(*pairs())
    for term in ("leakage", "multiplier", "displacement_product_market", "displacement_other"):
        row = result.row(term, 2012)
        assert row["status"] == NOT_MODELLED and row["pairs"] == 0, term
        assert net_jobs.cell(row) == "not modelled"
        assert result.pairs[term].isna().all()
    assert result.row("net_rsa", 2012)["status"] == "not recorded"
    markdown = "\n".join(
        line for table in net_jobs.report_tables(result, [2012]) for line in table.markdown()
    )
    assert "| − leakage (jobs taken by non-residents) | not modelled | not modelled |" in markdown


def test_recorded_terms_split_displacement_and_keep_the_identity():
    """With leakage, induced and displaced jobs recorded, each term is their paired difference."""
    reference, policy = pairs(drop=10)
    for table, (leak, induced, displaced) in (
        *((t, (0.0, 0.0, 2.0)) for t in reference),
        *((t, (6.0, 4.0, 9.0)) for t in policy),
    ):
        table["jobs_held_by_non_residents"] = leak
        table["induced_jobs"] = induced
        table["displaced_jobs"] = displaced
        table["classic_jobs"] += induced  # induced jobs are classic jobs
        table["employed"] = table["classic_jobs"] + table["ess_jobs"] - leak
    result = decompose(reference, policy)
    row = {t: result.row(t, 2012)["median"] for t in net_jobs.TERMS}
    assert row["multiplier"] == pytest.approx(4) and row["leakage"] == pytest.approx(6)
    assert row["displacement"] == pytest.approx(10)  # the drop, induced jobs set apart
    assert row["displacement_product_market"] == pytest.approx(7)
    assert row["displacement_other"] == pytest.approx(3)
    assert np.allclose(result.pairs["residual"], 0.0)
    assert row["net"] == pytest.approx(72 - 20 - 10 - 6 + 4)  # gross of the median pair, i = 2


def test_unpaired_or_incomplete_tables_are_refused():
    """Unequal numbers of runs, a missing column or a year outside the runs raise ValueError."""
    reference, policy = pairs()
    with pytest.raises(ValueError, match="paired"):
        decompose(reference, policy[:-1])
    with pytest.raises(ValueError, match="classic_jobs"):
        decompose(reference, [t.drop(columns="classic_jobs") for t in policy])
    with pytest.raises(ValueError, match="2015"):
        decompose(reference, policy, years=[2015])


# --------------------------------------------------------------------------------------------
# A small real batch of paired runs
# --------------------------------------------------------------------------------------------


def test_real_paired_runs_record_the_groups():
    """The group columns, the multiplier and the identity, at scale 0.05, 2003-2012, 2 seeds.

    The group columns exist, within employed, defined the same way with and without the pole; the
    multiplier is estimated; the identity holds.
    """
    scenario = narrow_years(
        load_scenario(ROOT / "scenarios" / "seignanx_1970_2015.toml"), 2003, 2012
    ).with_overrides(scale=0.05)
    policy = [simulate(scenario, seed).territory for seed in (0, 1)]
    reference = [simulate(scenario.without_cooperation(), seed).territory for seed in (0, 1)]
    for table in (*policy, *reference):
        for column in ("employed_young", "employed_ever_long_term", "employed_rsa"):
            assert (table[column] >= 0).all() and (table[column] <= table["employed"]).all()
        assert (table["employed_young"] > 0).all()
        # 24 months of unemployment pass through 12: the RSA group is within the PLIE's public
        assert (table["employed_rsa"] <= table["employed_ever_long_term"]).all()
    # the PLIE's public is a rule on pathways, not on being followed: it exists without a PLIE
    assert all((t["employed_ever_long_term"] > 0).any() for t in (*policy, *reference))
    assert any((t["employed_rsa"] > 0).any() for t in (*policy, *reference))
    result = decompose(reference, policy, scale=0.05)
    assert np.allclose(result.pairs["residual"], 0.0)
    assert result.row("multiplier", 2012)["status"] == ESTIMATED
    assert set(result.funders) >= {"total"} and len(result.funders) >= 2
    assert result.row("gross", 2012)["median"] > 0
