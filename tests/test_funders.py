"""The funders: each pays its own lines within its budget, from the date it exists.

The OPCA's money is firms', never public; calls for projects are won, not given; without the pole
nothing of the pole's money flows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import ROOT

from ptce_sim.config.scenario import BudgetCutSpec, Scenario
from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.simulation.accounts import OPCA, Flow
from ptce_sim.simulation.model import PtceModel

SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"
SCALE = 0.05


@pytest.fixture(scope="module")
def seignanx() -> Scenario:
    return load_scenario(SEIGNANX).with_overrides(scale=SCALE)


def _step_to(model: PtceModel, year: int, month: int = 1) -> None:
    """Step until the model is at the start of ``year``-``month``."""
    while model.month_index < model.spec.month_index(year, month):
        model.step()


def _funder(model: PtceModel, level: str):
    return next(a for a in model.authorities if a.spec.level == level)


def test_the_intercommunality_pays_nothing_before_it_exists(seignanx: Scenario) -> None:
    """Created on 23 December 1993: no budget and no payment before January 1994, then both."""
    model = PtceModel(seignanx, 0)
    interco = _funder(model, "intercommunality")
    while model.year < 1994:
        model.step()
        assert interco.left == 0.0 and interco.paid_year == 0.0, model.year
        assert model.ledger.balance(interco.org) == 0.0
    assert model.pole.animator() is not None  # the CBE exists in 1993, funded by others
    paid = 0.0
    while model.year < 1995:
        model.step()
        paid = max(paid, interco.paid_year)
    assert paid > 0.0


def test_a_funder_coming_into_existence_mid_year_gets_the_rest_of_its_budget(
    seignanx: Scenario,
) -> None:
    data = seignanx.model_dump(mode="python")
    data["authorities"][1]["active_from"] = "1994-07"
    model = PtceModel(Scenario.model_validate(data), 0)
    interco = model.authorities[1]
    _step_to(model, 1994, 7)
    assert interco.left == 0.0
    model.step()  # July 1994: half a year's budget, some of it already paid
    budget = interco.spec.budget_eur_per_year * SCALE / 2
    assert interco.left + interco.paid_year == pytest.approx(budget)


def test_public_money_is_what_the_funders_paid_and_the_opca_is_not_in_it(
    seignanx: Scenario,
) -> None:
    """Over a run, the territory's public money is exactly what left the funders' accounts.

    That is budgets, call, investment and FJT money in, minus what they took back and still hold;
    the OPCA's payments (which flow) are outside it.
    """
    model = PtceModel(seignanx, 1)
    model.run()
    territory = model.recorder.tables()["territory"]
    totals = model.ledger.totals
    held = sum(a.left for a in model.authorities)
    out_of_funders = (
        totals[Flow.BUDGET]
        + totals[Flow.CALL_BUDGET]
        + totals[Flow.INVESTMENT_BUDGET]
        + totals[Flow.HOUSING_BUDGET]
        - totals[Flow.BUDGET_WITHDRAWN]
        - held
    )
    assert totals[Flow.INVESTMENT_BUDGET] > 0 and totals[Flow.HOUSING_BUDGET] > 0
    public = territory["public_funding_eur"].sum()
    assert public == pytest.approx(out_of_funders, rel=1e-9)
    assert totals[Flow.OPCA_FUNDING] > 0
    # the OPCA holds what the firms paid in and it has not paid out (never less than nothing)
    opca = totals[Flow.TRAINING_CONTRIBUTION] - totals[Flow.OPCA_FUNDING]
    assert model.ledger.balance(OPCA) == pytest.approx(opca, rel=1e-9)
    assert model.ledger.balance(OPCA) >= 0.0


def test_the_opca_share_of_the_geiq_aid_is_not_public_money(seignanx: Scenario) -> None:
    model = PtceModel(seignanx, 0)
    _step_to(model, 2001)
    geiq = next(s for s in model.pole.structures if s.kind_name == "geiq" and s.alive)
    public_before = model.tally.public_month_eur
    opca_before = model.ledger.totals[Flow.OPCA_FUNDING]
    cash = geiq.cash
    public = model.funding.geiq_aid(geiq, 3)  # the public part, which the GEIQ adds to its cash
    rule = model.spec.mechanisms.geiq
    from_opca = model.ledger.totals[Flow.OPCA_FUNDING] - opca_before
    assert from_opca == pytest.approx(rule.opca_aid_share * 3 * rule.aid_per_contract_eur)
    assert from_opca > 0
    assert public == pytest.approx(3 * rule.aid_per_contract_eur - from_opca)
    assert geiq.cash - cash == pytest.approx(from_opca)
    assert model.tally.public_month_eur - public_before == pytest.approx(public)
    assert model.tally.public_month_by_funder["state"] >= public


def test_the_animator_member_fees_are_paid_by_the_members(seignanx: Scenario) -> None:
    """Structures pay from their cash, funders from their budget, firms from the firms' account.

    A funder's budget is public money; nobody is paid from nowhere.
    """
    model = PtceModel(seignanx, 0)
    _step_to(model, 2014)  # the pact ties the funders to the animator (2013)
    animator = model.pole.animator()
    funders = [a for a in model.authorities if a.org in model.network.graph]
    assert funders
    left = {a.name: a.left for a in funders}
    firms_before = model.ledger.balance("firms")
    fee = model.spec.mechanisms.cooperation.member_fee_eur_per_year / 12.0
    collected = animator.collect_fees()
    assert 0 < collected <= (model.network.graph.number_of_nodes() - 1) * fee + 1e-9
    for a in funders:
        assert left[a.name] - a.left == pytest.approx(min(fee, left[a.name]))
    assert model.ledger.balance("firms") < firms_before


def test_the_chance_to_win_a_call_grows_with_track_record_and_trust(seignanx: Scenario) -> None:
    model = PtceModel(seignanx, 0)
    _step_to(model, 2013, 6)
    chance = model.funding.call_win_chance()
    assert 0.0 < chance < 1.0
    model.network.trust[:] = np.minimum(1.0, model.network.trust + 0.3)
    trusted = model.funding.call_win_chance()
    model.pole.animator().created = model.month_index  # the same pole with a new animator
    assert model.funding.call_win_chance() < chance < trusted


def test_a_call_is_won_or_lost_from_the_funder_s_call_budget(seignanx: Scenario) -> None:
    """The pole applies (at a cost) to the first national call.

    The grant, when won, is what the funder brought for the call.
    """
    won = []
    for seed in range(3):
        model = PtceModel(seignanx, seed)
        _step_to(model, 2013, 7)  # after the first national call (June 2013)
        won.append(model.ledger.totals[Flow.CALL_GRANT] > 0)
        assert model.ledger.totals[Flow.CALL_APPLICATION] > 0  # it applied, at a cost
        assert model.ledger.totals[Flow.CALL_GRANT] == model.ledger.totals[Flow.CALL_BUDGET]
    assert any(won)


def test_without_the_pole_no_call_fee_or_treasury_money_flows(seignanx: Scenario) -> None:
    """The validation's counterfactual (the same scenario with every mechanism off)."""
    model = PtceModel(seignanx.without_cooperation(), 0)
    model.run()
    totals = model.ledger.totals
    pole_flows = (Flow.CALL_BUDGET, Flow.CALL_GRANT, Flow.CALL_APPLICATION, Flow.MEMBER_FEES)
    pole_flows += (Flow.LAUNCH, Flow.LOAN, Flow.REPAYMENT, Flow.FUND_CONTRIBUTION)
    assert {flow: totals.get(flow, 0.0) for flow in pole_flows} == dict.fromkeys(pole_flows, 0.0)


def _spending(model: PtceModel) -> dict[str, float]:
    """What each funder has paid so far this year."""
    return {a.name: a.paid_year for a in model.authorities}


def test_cutting_one_funder_s_line_changes_that_funder_first(seignanx: Scenario) -> None:
    """Paired runs with the same seed: the Département halves its aid per insertion post in 2005.

    It then spends less; no other funder's spending moves before the Département's does.
    """
    base, cut = PtceModel(seignanx, 3), PtceModel(seignanx, 3)
    _step_to(base, 2005)
    _step_to(cut, 2005)
    departement = _funder(cut, "departement").name
    cut.apply_event(
        BudgetCutSpec(
            date="2005-01",
            type="budget_cut",
            authority=departement,
            share=0.5,
            items=["insertion_aid"],
        )
    )
    first_change = None
    spent = {"base": 0.0, "cut": 0.0}
    while base.running and base.year < 2011:
        paid_base, paid_cut = _spending(base), _spending(cut)
        january = base.month_of_year == 1  # budgets (and what was paid) start again
        base.step()
        cut.step()
        month_base = {k: v - (0.0 if january else paid_base[k]) for k, v in _spending(base).items()}
        month_cut = {k: v - (0.0 if january else paid_cut[k]) for k, v in _spending(cut).items()}
        changed = {k for k in month_base if not math.isclose(month_base[k], month_cut[k])}
        if first_change is None and changed:
            first_change = changed
        spent["base"] += month_base[departement]
        spent["cut"] += month_cut[departement]
    assert first_change is not None and departement in first_change
    assert spent["cut"] < spent["base"]
