"""Each rule of the simulation core, checked on its own: small models, exact values, seconds.

Where tests/test_mechanisms.py compares whole runs with a mechanism switched off, this module calls
one rule at a time on a small territory (scale 0.05, a few hundred persons, no timeline event) whose
state the test sets by hand, and checks what the rule does: which persons move, by how much a
figure changes, in which direction. It is the fast test subset that mutation testing runs against
every mutant of the agents and mechanisms (``make mutation``, docs/testing.md), so it must stay
within seconds: no test here runs a model for more than a few simulated years.
"""

from __future__ import annotations

from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest
from helpers import base_scenario, growth_form

from ptce_sim.config.scenario import (
    MARKET_KINDS,
    BudgetCutSpec,
    PlantClosureSpec,
    Scenario,
    SectorShockSpec,
    StructureKind,
    StructureSpec,
)
from ptce_sim.simulation.accounts import (
    FIRMS,
    HOUSEHOLDS,
    OPCA,
    PUBLIC_BUYERS,
    REST_OF_WORLD,
    Flow,
)
from ptce_sim.simulation.agents.persons import (
    EMPLOYED,
    HOLDER,
    NO_ORG,
    NO_SECTOR,
    AgeGroup,
    Person,
    Spell,
    Status,
    age_group,
    is_in,
)
from ptce_sim.simulation.agents.structures import Openings
from ptce_sim.simulation.mechanisms import economy as economy_module
from ptce_sim.simulation.mechanisms import labour_market as labour_module
from ptce_sim.simulation.mechanisms.economy import ActiveShock
from ptce_sim.simulation.mechanisms.treasury import FUND, Loan
from ptce_sim.simulation.model import PtceModel

SCALE = 0.05

AUTHORITIES = [
    {
        "name": "A",
        "level": "commune",
        "budget_eur_per_year": 1_200_000.0,
        "animation_grant_eur_per_year": 24_000.0,
        "aid_per_insertion_post_eur_per_year": 1_200.0,
        "training_budget_eur_per_year": 48_000.0,
        "plie_aid_per_person_eur_per_year": 240.0,
        "ess_operating_grant_share": 0.25,
        "geiq_aid": True,
        "incubation_aid": False,
    },
    {
        "name": "B",
        "level": "region",
        "budget_eur_per_year": 2_400_000.0,
        "animation_grant_eur_per_year": 12_000.0,
        "aid_per_insertion_post_eur_per_year": 2_400.0,
        "training_budget_eur_per_year": 24_000.0,
        "plie_aid_per_person_eur_per_year": 120.0,
        "ess_operating_grant_share": 0.5,
        "geiq_aid": True,
        "incubation_aid": True,
    },
]


def scenario(change=None, *, scale: float = SCALE, authorities=None, **sections) -> Scenario:
    """The Seignanx scenario at ``scale`` without its timeline events nor in-commuting.

    Nothing happens unless a test does it; ``[mechanisms.<section>]`` fields come from
    ``sections``, anything else from ``change(data)``.
    """
    data = base_scenario(scale).model_dump(mode="python")
    data["events"] = []
    data["labour_market"]["in_commuter_share"] = 0.0  # tests/test_commuting.py tests it
    if authorities is not None:
        data["authorities"] = authorities
    for section, values in sections.items():
        data["mechanisms"][section].update(values)
    if change is not None:
        change(data)
    return Scenario.model_validate(data)


def model_of(spec: Scenario | None = None, seed: int = 0) -> PtceModel:
    return PtceModel(spec if spec is not None else scenario(), seed)


def create(model: PtceModel, kind: StructureKind, **fields):
    """Open a structure of the pole now (as the timeline would)."""
    if kind in MARKET_KINDS:
        fields.setdefault("market", "local_ess_services")
    spec = StructureSpec(
        name=fields.pop("name", f"{kind} {len(model.pole.structures)}"), kind=kind, **fields
    )
    return model.pole.create(spec)


def recount(model: PtceModel) -> None:
    model.staff.recount(model.people, len(model.orgs))


def rows_in(model: PtceModel, *statuses: Status) -> np.ndarray:
    return np.flatnonzero(is_in(model.people.status, statuses))


# ---------------------------------------------------------------------------------------------
# Treasury
# ---------------------------------------------------------------------------------------------


def member(org: int, cash: float, monthly_costs: float = 0.0):
    return SimpleNamespace(org=org, cash=cash, monthly_costs=monthly_costs, account=org)


def treasury_model(change=None, **values) -> PtceModel:
    """The treasury among structures, without interest unless asked (firms take no part)."""
    rule = {"enabled": True, "interest_rate_per_year": 0.0, "firms_take_part": False, **values}
    # the pooling itself; who lends to whom by trust: tests/test_institutions_circles.py
    return model_of(scenario(change, treasury=rule, circles={"lending_by_trust": False}))


def test_treasury_disabled_moves_nothing():
    model = model_of(scenario(treasury={"enabled": False}))
    members = [member(1, -100.0), member(2, 1000.0)]
    model.treasury.create_fund()
    model.treasury.fund = 50.0
    model.treasury.step(members, {2: 500.0})
    assert [m.cash for m in members] == [-100.0, 1000.0]
    assert model.treasury.fund == 50.0
    assert model.treasury.loans == []


def test_treasury_contributions_to_the_fund():
    model = treasury_model(solidarity_fund_contribution=0.1, reserve_months=0.0)
    treasury = model.treasury
    members = [member(1, 1000.0), member(2, 30.0), member(3, 500.0)]
    treasury.step(members, {1: 400.0, 2: 800.0, 3: -200.0})
    assert treasury.fund is None  # no fund yet: nothing is paid in
    assert [m.cash for m in members] == [1000.0, 30.0, 500.0]
    treasury.create_fund()
    assert treasury.fund == 0.0
    treasury.step(members, {1: 400.0, 2: 800.0, 3: -200.0})
    # 10% of the surplus, within the cash, nothing on a deficit
    assert members[0].cash == pytest.approx(960.0)
    assert members[1].cash == pytest.approx(0.0)
    assert members[2].cash == pytest.approx(500.0)
    assert treasury.fund == pytest.approx(70.0)
    treasury.fund = 5.0
    treasury.create_fund()  # opening it again does not empty it
    assert treasury.fund == 5.0


def test_treasury_lends_from_the_fund_then_members_in_proportion_to_excess():
    model = treasury_model(solidarity_fund_contribution=0.0, reserve_months=2.0)
    treasury = model.treasury
    treasury.create_fund()
    treasury.fund = 60.0
    borrower = member(1, -160.0, 10.0)
    rich = member(2, 320.0, 10.0)  # excess 300
    richer = member(3, 720.0, 10.0)  # excess 700
    poor = member(4, 15.0, 10.0)  # below its reserve: lends nothing
    members = [borrower, rich, richer, poor]
    before = treasury.total_cash(members)
    treasury.step(members, {})
    assert treasury.total_cash(members) == pytest.approx(before)
    assert borrower.cash == pytest.approx(0.0)
    assert treasury.fund == pytest.approx(0.0)
    assert rich.cash == pytest.approx(320.0 - 30.0)
    assert richer.cash == pytest.approx(720.0 - 70.0)
    assert poor.cash == 15.0
    assert sorted((loan.lender, loan.principal) for loan in treasury.loans) == [
        (FUND, pytest.approx(60.0)),
        (2, pytest.approx(30.0)),
        (3, pytest.approx(70.0)),
    ]
    assert all(loan.borrower == 1 and loan.outstanding == loan.principal for loan in treasury.loans)
    assert treasury.lent_year == pytest.approx(160.0)
    assert treasury.rescues_year == 1
    assert treasury.outstanding() == pytest.approx(160.0)


def test_treasury_lends_no_more_than_the_members_excess():
    model = treasury_model(solidarity_fund_contribution=0.0, reserve_months=1.0)
    treasury = model.treasury
    borrower = member(1, -1000.0, 10.0)
    lender = member(2, 110.0, 10.0)  # excess 100
    treasury.step([borrower, lender], {})
    assert borrower.cash == pytest.approx(-900.0)
    assert lender.cash == pytest.approx(10.0)
    assert treasury.fund is None
    assert treasury.rescues_year == 1
    # nobody with an excess: a rescue is counted, nothing lent
    treasury.step([borrower, lender], {})
    assert treasury.rescues_year == 2
    assert len(treasury.loans) == 1
    # a loan of cents is a loan
    small, lender = member(3, -0.5, 0.0), member(4, 20.0, 10.0)
    model.treasury.loans = []
    model.treasury.step([small, lender], {})
    assert small.cash == pytest.approx(0.0)
    assert [loan.principal for loan in model.treasury.loans] == [pytest.approx(0.5)]


def test_treasury_repays_in_instalments_and_rewards_trust():
    model = treasury_model(solidarity_fund_contribution=0.0, reserve_months=0.0, repayment_months=4)
    treasury = model.treasury
    animator = create(model, StructureKind.ANIMATOR, permanent_staff=0)
    other = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    edge = model.network.graph.edges[animator.org, other.org]["idx"]
    model.network.trust[edge] = 0.5
    treasury.create_fund()
    treasury.fund = 0.0
    treasury.loans = [Loan(animator.org, other.org, 40.0, 40.0), Loan(FUND, other.org, 8.0, 8.0)]
    animator.cash, other.cash = 0.0, 4.0
    members = [animator, other]
    treasury.step(members, {})
    # the first loan is due 10 a month, the borrower has 4: it pays 4, and nothing to the fund
    assert other.cash == pytest.approx(0.0)
    assert animator.cash == pytest.approx(4.0)
    assert treasury.loans[0].outstanding == pytest.approx(36.0)
    assert treasury.loans[1].outstanding == pytest.approx(8.0)
    assert treasury.repaid_year == pytest.approx(4.0)
    other.cash = 100.0
    treasury.step(members, {})
    assert treasury.loans[0].outstanding == pytest.approx(26.0)
    assert treasury.loans[1].outstanding == pytest.approx(6.0)
    assert treasury.fund == pytest.approx(2.0)
    assert other.cash == pytest.approx(88.0)
    assert model.network.trust[edge] == pytest.approx(0.5)
    for _ in range(3):
        treasury.step(members, {})
    assert len(treasury.loans) == 0
    assert animator.cash == pytest.approx(40.0)
    assert treasury.fund == pytest.approx(8.0)
    assert treasury.repaid_year == pytest.approx(48.0)
    # repaying a member's loan in full is a shared success (weight 2)
    gain = min(1.0, model.spec.mechanisms.cooperation.trust_gain * 2.0)
    assert model.network.trust[edge] == pytest.approx(0.5 + gain * 0.5)
    treasury.new_year()
    assert (treasury.lent_year, treasury.repaid_year, treasury.written_off_year) == (0, 0, 0)
    assert treasury.rescues_year == 0


def test_treasury_writes_off_loans_of_failed_lenders_and_borrowers():
    model = treasury_model(solidarity_fund_contribution=0.0, reserve_months=0.0, repayment_months=2)
    treasury = model.treasury
    borrower = member(1, 100.0)
    treasury.loans = [Loan(7, 1, 30.0, 30.0), Loan(FUND, 1, 10.0, 10.0), Loan(FUND, 9, 6.0, 6.0)]
    treasury.create_fund()
    treasury.step([borrower], {})
    # lender 7 is gone: its claim dies; the fund's loan is repaid 5; borrower 9 is not a member
    assert treasury.written_off_year == pytest.approx(30.0)
    assert borrower.cash == pytest.approx(95.0)
    assert [(loan.borrower, loan.outstanding) for loan in treasury.loans] == [
        (1, pytest.approx(5.0)),
        (9, pytest.approx(6.0)),
    ]
    assert treasury.write_off(1) == pytest.approx(5.0)
    assert treasury.written_off_year == pytest.approx(35.0)
    assert [loan.borrower for loan in treasury.loans] == [9]
    assert treasury.outstanding() == pytest.approx(6.0)
    assert treasury.total_cash([borrower]) == pytest.approx(95.0 + 5.0)


def test_treasury_charges_interest_to_the_lender_before_the_instalment():
    model = treasury_model(reserve_months=0.0, repayment_months=4, interest_rate_per_year=0.12)
    treasury = model.treasury
    lender, borrower = member(1, 0.0), member(2, 100.0)
    treasury.loans = [Loan(1, 2, 40.0, 40.0)]
    treasury.step([lender, borrower], {})
    # 1% a month on 40 owed, then a quarter of the principal
    assert lender.cash == pytest.approx(0.4 + 10.0)
    assert borrower.cash == pytest.approx(100.0 - 10.4)
    assert treasury.interest_year == pytest.approx(0.4) and treasury.repaid_year == 10.0
    assert treasury.loans[0].outstanding == pytest.approx(30.0)
    borrower.cash = 0.2  # short of cash: the interest first, what is left of it
    treasury.step([lender, borrower], {})
    assert treasury.interest_year == pytest.approx(0.6) and treasury.loans[0].outstanding == 30.0


def charter_firms(model: PtceModel, n: int, trust: float = 0.8) -> np.ndarray:
    """The first ``n`` open firms sign the charter with ``trust``; returns their rows."""
    rows = np.flatnonzero(model.firms.alive)[:n]
    model.firms.charter[rows] = True
    model.firms.trust[rows] = trust
    return rows


def firm_rates(overdraft: float, deposit: float):
    def change(data):
        data["firms"].update(overdraft_rate_per_year=overdraft, deposit_rate_per_year=deposit)

    return change


def test_a_charter_firm_short_of_cash_borrows_when_cheaper_than_its_bank():
    for overdraft, borrows in ((0.06, True), (0.01, False)):
        model = treasury_model(
            firm_rates(overdraft, 0.0),
            firms_take_part=True,
            interest_rate_per_year=0.02,
            reserve_months=0.0,
        )
        row = charter_firms(model, 1)[0]
        other = np.flatnonzero(model.firms.alive)[1]  # not of the charter: never a member
        model.firms.cash[[row, other]] = -50.0
        lender = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
        lender.cash = 500.0
        firms_before = model.ledger.balance(FIRMS)
        model.treasury.step([lender], {})
        assert model.firms.cash[other] == -50.0
        assert model.firms.cash[row] == pytest.approx(0.0 if borrows else -50.0)
        assert lender.cash == pytest.approx(450.0 if borrows else 500.0)
        assert model.ledger.balance(FIRMS) - firms_before == pytest.approx(50.0 * borrows)
        assert model.treasury.lent_to_firms_year == pytest.approx(50.0 * borrows)
    assert [loan.borrower for loan in model.treasury.loans] == []


def test_charter_firms_lend_their_excess_when_it_beats_their_owners_return():
    """An unmet need is lent by charter firms from what they would pay out, in proportion to it.

    They lend when interest minus the loss they expect (more with less trust) beats the deposit
    rate.
    """
    cases = (
        (0.005, 0.8, True),  # 2% - 1% x 1.1 > 0.5%
        (0.015, 0.8, False),  # owners earn more elsewhere
        (0.005, 0.0, False),  # 2% - 1% x (1 + risk premium 1.5) < 0.5%
    )
    for deposit, trust, lends in cases:

        def change(data, deposit=deposit):
            firm_rates(0.0, deposit)(data)
            data["firms"]["risk_premium"] = 1.5

        model = treasury_model(
            change,
            firms_take_part=True,
            interest_rate_per_year=0.02,
            expected_loss_rate=0.01,
            reserve_months=0.0,
        )
        rows = charter_firms(model, 2, trust)
        borrower = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
        borrower.cash = -90.0
        model.treasury.step([borrower], {})
        assert model.treasury.unmet == [(borrower, pytest.approx(90.0))]
        excess = np.zeros(len(model.firms))
        excess[rows] = [100.0, 200.0]
        excess[np.flatnonzero(~model.firms.charter)[0]] = 1000.0  # not a member: keeps it
        cash = model.firms.cash.copy()
        lent = model.treasury.lend_from_firms(excess)
        assert model.treasury.unmet == []
        if not lends:
            assert not lent.any() and borrower.cash == -90.0
            continue
        assert lent[rows] == pytest.approx([30.0, 60.0])
        assert lent.sum() == pytest.approx(90.0) and borrower.cash == pytest.approx(0.0)
        assert (cash - model.firms.cash)[rows] == pytest.approx([30.0, 60.0])
        assert model.treasury.lent_by_firms_year == pytest.approx(90.0)
        assert sorted(loan.lender for loan in model.treasury.loans) == sorted(
            model.firms.org[rows].tolist()
        )


def test_a_firm_lends_to_a_firm_within_the_firms_account():
    """Between two firms the cash columns move; the firms' account in the books does not."""
    model = treasury_model(
        firm_rates(0.06, 0.0), firms_take_part=True, interest_rate_per_year=0.02, reserve_months=0.0
    )
    borrower, lender = charter_firms(model, 2)
    model.firms.cash[borrower] -= model.firms.cash[borrower] + 40.0  # 40 short, booked nowhere
    balance = model.ledger.balance(FIRMS)
    model.treasury.step([], {})
    assert model.treasury.unmet[0][1] == pytest.approx(40.0)
    excess = np.zeros(len(model.firms))
    excess[lender] = 100.0
    cash = model.firms.cash[lender]
    assert model.treasury.lend_from_firms(excess)[lender] == pytest.approx(40.0)
    assert model.firms.cash[borrower] == pytest.approx(0.0)
    assert model.firms.cash[lender] == pytest.approx(cash - 40.0)
    assert model.ledger.balance(FIRMS) == balance
    assert model.treasury.lent_by_firms_year == model.treasury.lent_to_firms_year == 40.0


def test_the_loss_lenders_expect_follows_the_treasury_record():
    model = treasury_model(expected_loss_rate=0.01)
    treasury = model.treasury
    prior = 100_000.0 * model.scale
    assert treasury.expected_loss() == pytest.approx(0.01)
    treasury.lent_total, treasury.written_off_total = prior, 0.21 * prior
    assert treasury.expected_loss() == pytest.approx(0.11)


def test_a_closing_firm_leaves_its_debts_to_its_treasury_lenders():
    model = treasury_model(firm_rates(0.06, 0.0), firms_take_part=True, interest_rate_per_year=0.02)
    row = charter_firms(model, 1)[0]
    org = int(model.firms.org[row])
    model.treasury.loans = [Loan(FUND, org, 30.0, 25.0), Loan(FUND, org + 1, 5.0, 5.0)]
    model.firm_accounts.liquidate(np.array([row]))
    assert model.treasury.written_off_year == pytest.approx(25.0)
    assert [loan.borrower for loan in model.treasury.loans] == [org + 1]


def test_firms_pay_their_bank_interest_on_negative_cash():
    model = model_of(scenario(firm_rates(0.12, 0.0)))
    firms = model.firms
    rows = np.flatnonzero(firms.alive)[:2]
    firms.cash[rows] = [-1e6, 1000.0]
    paid = model.ledger.totals[Flow.INTEREST]
    model.firm_accounts.settle()
    # 1% a month on what the month's accounts leave negative: cash = c - 0.01 * (-c) = 1.01 c
    owed = -firms.cash[rows[0]] / 1.01
    assert owed > 0.9e6 and firms.cash[rows[1]] > 0
    assert model.ledger.totals[Flow.INTEREST] - paid == pytest.approx(0.01 * owed)


# ---------------------------------------------------------------------------------------------
# Funding
# ---------------------------------------------------------------------------------------------


def funded(**sections) -> PtceModel:
    return model_of(scenario(authorities=AUTHORITIES, **sections))


def test_authority_budget_pay_and_cuts():
    model = funded()
    a, b = model.authorities
    to = create(model, StructureKind.ESS_ENTERPRISE)
    assert a.left == pytest.approx(1_200_000.0 * SCALE)
    assert a.kind == "authority_commune"
    assert a.name == "A"
    model.tally.public_month_eur = 0.0
    model.tally.public_month_by_funder.clear()
    balances = model.ledger.balance(a.org), model.ledger.balance(to.org)
    aid = model.ledger.totals[Flow.PUBLIC_AID]
    assert a.pay(100.0, to) == 100.0
    assert model.ledger.balance(a.org) == pytest.approx(balances[0] - 100.0)
    assert model.ledger.balance(to.org) == pytest.approx(balances[1] + 100.0)
    assert model.ledger.totals[Flow.PUBLIC_AID] == pytest.approx(aid + 100.0)
    assert model.tally.public_month_by_funder == {"commune": 100.0}
    assert a.pay(-5.0, to) == 0.0
    assert a.left == pytest.approx(60_000.0 - 100.0)
    assert a.paid_year == 100.0
    assert model.tally.public_month_eur == 100.0
    assert a.pay(1e9, to) == pytest.approx(59_900.0)
    assert a.left == pytest.approx(0.0)
    assert a.pay(1.0, to) == 0.0
    a.new_year()
    assert a.left == pytest.approx(60_000.0)
    assert a.paid_year == 0.0
    a.cut(
        BudgetCutSpec(
            date="1970-02",
            type="budget_cut",
            authority="A",
            share=0.25,
            items=["budget", "animation_grant"],
        )
    )
    assert a.left == pytest.approx(45_000.0)
    assert a.factor["animation_grant"] == pytest.approx(0.75)
    assert a.factor["insertion_aid"] == 1.0
    assert a.rule("animation_grant", 100.0) == pytest.approx(75.0)
    assert a.rule("training_budget", 100.0) == 100.0
    ledger = model.ledger
    outside, totals = ledger.balance(REST_OF_WORLD), dict(ledger.totals)
    a.left = 1_000.0  # 1,000 left at the year's end: it goes back, the cut budget comes in
    a.sync_budget()
    a.new_year()
    assert a.left == pytest.approx(45_000.0)
    assert ledger.totals[Flow.BUDGET_WITHDRAWN] - totals.get(
        Flow.BUDGET_WITHDRAWN, 0.0
    ) == pytest.approx(45_000.0)  # 44,000 by the sync, 1,000 at the year's end
    assert ledger.totals[Flow.BUDGET] - totals[Flow.BUDGET] == pytest.approx(45_000.0)
    assert ledger.balance(REST_OF_WORLD) - outside == pytest.approx(0.0)
    assert ledger.balance(a.org) == pytest.approx(45_000.0)


def test_funding_grants_and_aids_by_rule():
    model = funded()
    f = model.funding
    animator = create(model, StructureKind.ANIMATOR)
    assert f.expected_animation_grant() == pytest.approx((24_000 + 12_000) * SCALE / 12)
    assert f.animation_grant(animator) == pytest.approx((24_000 + 12_000) * SCALE / 12)
    assert f.plie_aid_rate(10) == pytest.approx((240 + 120) * 10 / 12)
    assert f.plie_aid(animator, 10) == pytest.approx((240 + 120) * 10 / 12)
    assert f.insertion_aid(animator, 3) == pytest.approx((1_200 + 2_400) * 3 / 12)
    assert f.insertion_aid_available()
    assert f.training_seats_budget() == pytest.approx((48_000 + 24_000) * SCALE / 12)
    # the first authority pays what it can, the second the rest
    assert f.training_budget(animator, 250.0) == pytest.approx(250.0)
    a, b = model.authorities
    paid_a = a.paid_year
    assert f.training_budget(animator, 0.0) == 0.0
    assert a.paid_year == paid_a
    assert f.training_budget(animator, 0.5) == pytest.approx(0.5)  # cents too
    assert a.paid_year == paid_a + 0.5
    before_b = b.paid_year
    assert f.training_budget(animator, 1e6) == pytest.approx((48_000 + 24_000) * SCALE / 12)
    assert b.paid_year - before_b == pytest.approx(24_000 * SCALE / 12)
    geiq_rule = model.spec.mechanisms.geiq  # the funders pay what the OPCA does not
    public_share = 1.0 - geiq_rule.opca_aid_share
    expected = 2 * geiq_rule.aid_per_contract_eur * public_share
    assert f.geiq_aid(animator, 2) == pytest.approx(expected)
    paid_a, paid_b = a.paid_year, b.paid_year
    aid = f.incubation_aid(animator, 6)
    assert aid == pytest.approx(model.spec.mechanisms.incubation.aid_per_holder_eur * 6 / 12)
    assert a.paid_year == paid_a and b.paid_year == pytest.approx(paid_b + aid)  # B only
    assert f.operating_grant(animator, 100.0) == 0.0
    assert f.operating_grant(animator, 0.0) == 0.0
    assert f.operating_grant(animator, -1000.0) == pytest.approx(250.0 + 500.0)
    assert f.operating_grant(animator, -1.0) == pytest.approx(0.25 + 0.5)  # cents too


def test_funding_first_payers_stop_when_paid_and_spill_over():
    model = funded(geiq={"opca_aid_share": 0.0})  # all of the aid from the funders
    a, b = model.authorities
    a.left = 1000.0
    geiq = create(model, StructureKind.GEIQ)
    got = model.funding.geiq_aid(geiq, 1)  # A pays 1000, B the rest
    assert got == pytest.approx(model.spec.mechanisms.geiq.aid_per_contract_eur)
    assert a.left == 0.0
    assert b.paid_year == pytest.approx(got - 1000.0)
    assert model.funding._first_payers([a, b], 0.0, geiq) == 0.0
    assert b.paid_year == pytest.approx(got - 1000.0)
    a.left = got - 0.5  # half a euro is left for B to pay
    assert model.funding.geiq_aid(geiq, 1) == pytest.approx(got)
    assert b.paid_year == pytest.approx(got - 1000.0 + 0.5)


def test_funding_switched_off_rules_pay_nothing():
    model = funded(work_integration={"enabled": False}, cooperation={"enabled": False})
    f = model.funding
    assert f.insertion_aid(None, 5) == 0.0
    assert f.plie_aid(None, 5) == 0.0
    for a in model.authorities:
        a.left = 0.0
    assert not f.insertion_aid_available()
    assert f.training_seats_budget() == 0.0
    assert f.funding_call("A", 1000.0) == 0.0  # no animator: nothing
    animator = create(model, StructureKind.ANIMATOR)
    cash = animator.cash
    assert f.funding_call("A", 1000.0) == 0.0  # cooperation off: the pole does not apply
    assert animator.cash == cash
    model.set_parameter("cooperation.enabled", True)
    model.set_parameter("cooperation.call_win_logit", 20.0)  # a pole sure to win
    model.tally.public_month_eur = 0.0
    assert f.funding_call("A", 1000.0) == pytest.approx(1000.0 * SCALE)
    application = model.ledger.totals[Flow.CALL_APPLICATION]
    assert application == pytest.approx(
        model.spec.mechanisms.cooperation.call_application_days
        * model.spec.finance.wage_cost_eur_per_fte_month
        / 21.0
        * SCALE
    )
    assert animator.cash == pytest.approx(cash + 50.0 - application)
    assert animator.year.aid_eur == pytest.approx(50.0)
    assert model.tally.public_month_eur == pytest.approx(50.0)


def test_insertion_aid_available_needs_budget_and_rule():
    no_rule = [dict(a, aid_per_insertion_post_eur_per_year=0.0) for a in AUTHORITIES]
    model = model_of(scenario(authorities=no_rule))
    assert not model.funding.insertion_aid_available()
    model = funded()
    model.authorities[0].left = 0.0
    assert model.funding.insertion_aid_available()
    model.authorities[1].factor["insertion_aid"] = 0.0
    assert not model.funding.insertion_aid_available()
    model.authorities[1].factor["insertion_aid"] = 1e-4  # 0.24 EUR a post and a year
    model.authorities[1].left = 0.5  # and half a euro left: still some aid
    assert model.funding.insertion_aid_available()


# ---------------------------------------------------------------------------------------------
# Economy
# ---------------------------------------------------------------------------------------------


def test_shock_loss_profile():
    shock = ActiveShock(np.array([0]), start=10, depth=0.4, onset=4, recovery=10, permanent=0.25)
    assert shock.loss(9) == 0.0
    assert shock.loss(10) == pytest.approx(0.1)
    assert shock.loss(13) == pytest.approx(0.4)
    assert shock.loss(14) == pytest.approx(0.4)
    assert shock.loss(19) == pytest.approx(0.4 - 0.3 * 5 / 10)
    assert shock.loss(24) == pytest.approx(0.1)
    assert shock.loss(100) == pytest.approx(0.1)


def flat_sectors(data):
    for s in data["sectors"]:
        s.update(
            trend_per_year=0.0,
            cycle_amplitude=0.0,
            seasonal_amplitude=0.0,
            follows_population=0.0,
            firm_noise=0.0,
        )


def test_sector_index_trend_season_cycle_population_and_shocks():
    def change(data):
        flat_sectors(data)
        data["sectors"][0].update(trend_per_year=0.1)
        data["sectors"][1].update(seasonal_amplitude=0.2, peak_month=3)
        data["sectors"][2].update(cycle_amplitude=0.1, cycle_period_years=4.0)
        data["sectors"][3].update(follows_population=0.5)
        data["households"]["earnings_share_of_residential_demand"] = 0.0

    model = model_of(scenario(change))
    economy = model.economy
    economy.phase[:] = 0.0
    model.month_index = 24  # January, two years in
    index = economy.sector_index()
    assert index[0] == pytest.approx(np.exp(0.2))
    assert index[1] == pytest.approx(1 + 0.2 * np.cos(2 * np.pi * -2 / 12))
    assert index[2] == pytest.approx(1 + 0.1 * np.sin(np.pi))
    assert index[3] == pytest.approx(1.0 - 0.5 + 0.5 * model.demography.labour_force_ratio())
    assert index[4:] == pytest.approx(1.0)
    model.month_index = 26  # March: the season's peak
    assert economy.sector_index()[1] == pytest.approx(1.2)
    model.month_index = 32  # September: its trough
    assert economy.sector_index()[1] == pytest.approx(0.8)
    model.month_index = 12  # a quarter of the cycle
    assert economy.sector_index()[2] == pytest.approx(1.1)
    # the population share: twice the labour force, 1.5 times the index
    model.demography.labour_force0 = len(model.people) / 2
    assert economy.sector_index()[3] == pytest.approx(1.5)
    economy.start_shock(
        SectorShockSpec(
            date="1970-01",
            type="sector_shock",
            sectors=[model.spec.sectors[5].name],
            depth=0.5,
            onset_months=1,
            recovery_months=2,
            permanent_share=0.5,
        )
    )
    assert economy.shocks[0].start == 12
    assert list(economy.shocks[0].sectors) == [5]
    assert economy.sector_index()[5] == pytest.approx(0.5)
    assert economy.sector_index()[4] == pytest.approx(1.0)
    model.month_index = 14
    assert economy.sector_index()[5] == pytest.approx(1 - 0.375)
    model.month_index = 20
    assert economy.sector_index()[5] == pytest.approx(0.75)


def earnings_model(share: float) -> PtceModel:
    """Flat sectors but the fourth, half residential; ``share`` of that half lives on earnings."""

    def change(data):
        flat_sectors(data)
        data["sectors"][3].update(follows_population=0.5)
        data["households"].update(
            earnings_share_of_residential_demand=share, benefit_replacement=0.4
        )

    return model_of(scenario(change))


def test_residents_earnings_count_work_by_fte_and_seeking_by_benefit():
    model = earnings_model(0.5)
    people, economy = model.people, model.economy
    assert economy.earnings0 == pytest.approx(economy.resident_earnings())
    working = rows_in(model, *EMPLOYED)
    seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM, Status.TRAINING)
    assert economy.resident_earnings() == pytest.approx(
        people.fte[working].sum() + 0.4 * seekers.size
    )
    employed = rows_in(model, Status.CLASSIC)
    before = economy.resident_earnings()
    people.move(employed[:10], Status.SEEKER, 0)  # ten full-time jobs lost: 0.6 wage each
    assert economy.resident_earnings() == pytest.approx(before - 10 * 0.6)
    people.resident[employed[10:15]] = False  # in-commuters earn outside the territory's books
    assert economy.resident_earnings() == pytest.approx(
        before - 6.0 - people.fte[employed[10:15]].sum()
    )


def test_residential_demand_follows_earnings_and_induces_jobs():
    """The earnings' share of the residential demand follows the residents' earnings.

    The rest follows their number; the jobs that part adds or removes are the induced jobs.
    """
    for share in (0.0, 0.5):
        model = earnings_model(share)
        economy, people = model.economy, model.people
        # at the start the residents are the census's labour force, to the person
        assert economy.sector_index()[3] == pytest.approx(1.0, abs=1e-3)
        assert economy.induced_jobs() == pytest.approx(0.0, abs=0.01)
        employed = rows_in(model, Status.CLASSIC)
        people.move(employed[: employed.size // 5], Status.SEEKER, 0)
        earnings = economy.resident_earnings() / economy.earnings0
        population = model.demography.labour_force_ratio()
        assert earnings < 0.9 and population == pytest.approx(1.0, abs=1e-3)
        residential = 0.5 + 0.5 * population + 0.5 * share * (earnings - population)
        economy.index = economy.sector_index()
        assert economy.index[3] == pytest.approx(residential)
        assert economy.index[[0, 1, 2, 4]] == pytest.approx(1.0)  # not residential
        model.firms.demand = model.firms.base * economy.index[model.firms.sector]
        in_sector = model.firms.sector == 3
        induced = (
            model.firms.demand[in_sector].sum()
            * 0.5
            * share
            * (earnings - population)
            / residential
        )
        assert economy.induced_jobs() == pytest.approx(induced)
        assert (economy.induced_jobs() < 0) == (share > 0)


def test_demand_follows_the_index_and_noise_persists():
    def change(data):
        flat_sectors(data)
        data["firms"]["exit_rate_per_year"] = 0.0

    model = model_of(scenario(change))
    firms = model.firms
    firms.noise[:] = 0.4
    firms.alive[0] = False
    model.economy.base_jobs[:] = 0.0  # no entries
    model.economy.update_demand()
    assert firms.noise == pytest.approx(np.full(len(firms), 0.4 * economy_module.NOISE_PERSISTENCE))
    assert firms.demand[0] == 0.0
    expected = firms.base[1:] * np.exp(0.4 * economy_module.NOISE_PERSISTENCE)
    assert firms.demand[1:] == pytest.approx(expected)
    assert firms.alive[1:].all()


def test_firms_exit_more_in_a_downturn():
    def change(data):
        flat_sectors(data)
        data["firms"]["exit_rate_per_year"] = 0.6

    closed = []
    for decline in (0.0, 0.2):
        model = model_of(scenario(change, scale=0.5))
        firms = model.firms
        n = len(firms)
        model.economy.base_jobs[:] = 0.0
        previous = np.full(len(model.spec.sectors), 1.0 / (1.0 - decline))
        model.economy._exits(previous)
        closed.append(np.count_nonzero(~firms.alive) / n)
        assert not np.isin(model.people.employer, firms.org[~firms.alive]).any()
    assert closed[0] == pytest.approx(0.05, abs=0.03)
    assert closed[1] == pytest.approx(0.25, abs=0.07)


def test_firms_enter_where_demand_exceeds_what_firms_offer():
    model = model_of(scenario(flat_sectors, scale=0.5))
    economy, firms = model.economy, model.firms
    n = len(firms)
    offered = np.bincount(firms.sector, weights=firms.base, minlength=len(model.spec.sectors))
    economy.base_jobs[:] = offered
    economy.base_jobs[2] += 3.0  # below the threshold (4 jobs at scale 0.5 -> 2): ...
    economy.base_jobs[2] -= 2.0  # ... a gap of 1 job: no entry
    economy._entries()
    assert len(firms) == n
    economy.base_jobs[3] += 200.0
    economy._entries()
    new = np.arange(n, len(firms))
    assert new.size > 0 and (firms.sector[new] == 3).all()
    assert firms.base[new].sum() == pytest.approx(200.0, rel=0.5)
    assert (firms.created[new] == model.month_index).all()


def test_new_firm_sizes_fill_the_room_exactly():
    model = model_of(scenario(scale=0.5))
    economy = model.economy
    draws = [economy.sizes_for(1, 100.0) for _ in range(300)]
    assert all(d.sum() == pytest.approx(100.0, abs=1e-9) for d in draws)
    # sizes vary (drawn), and none is below the smallest firm unless it is the only one
    assert np.std([d.size for d in draws]) > 0
    assert all(d.min() >= 0.6 - 1e-12 for d in draws)
    sizes = economy.draw_sizes(4, 4000)
    assert sizes.min() >= 0.6
    assert sizes.mean() == pytest.approx(model.spec.sectors[4].mean_firm_size, rel=0.1)
    small = economy.sizes_for(2, 0.5)  # room for less than one firm: one firm of that size
    assert small.tolist() == [0.5]
    assert economy.sizes_for(2, 0.0).size == 0
    many = economy.sizes_for(0, 10_000.0)  # more than the first draw: drawn again
    assert many.sum() == pytest.approx(10_000.0)


def test_plant_closure_removes_the_largest_firms_for_good():
    model = model_of(scenario(scale=0.5))
    economy, firms = model.economy, model.firms
    sector = 0
    rows = np.flatnonzero(firms.sector == sector)
    base_before = economy.base_jobs[sector]
    name = model.spec.sectors[sector].name
    largest = rows[np.argmax(firms.demand[rows])]
    size = firms.demand[largest]
    workers = np.count_nonzero(model.people.employer == firms.org[largest])
    jobs = economy.close_plants(
        PlantClosureSpec(date="1970-01", type="plant_closure", sector=name, jobs=int(size / 0.5))
    )
    assert not firms.alive[largest]
    assert np.count_nonzero(~firms.alive) == 1
    assert jobs == workers > 0
    assert economy.base_jobs[sector] == pytest.approx(base_before - firms.base[largest])
    assert not (model.people.employer == firms.org[largest]).any()
    economy.base_jobs_remove(rows, permanent=True)
    assert economy.base_jobs[sector] == 0.0
    other = economy.base_jobs[1]
    economy.base_jobs_remove(np.flatnonzero(firms.sector == 1), permanent=False)
    assert economy.base_jobs[1] == other


def test_plant_closure_does_not_overshoot_by_more_than_half_a_plant():
    model = model_of(scenario(scale=0.5))
    firms = model.firms
    rows = np.flatnonzero(firms.sector == 0)
    rows = rows[np.argsort(-firms.demand[rows], kind="stable")]
    sizes = firms.demand[rows]
    # ask for a bit more than the largest plant: the second closes only if it fits within 1.5x
    wanted = sizes[0] + 0.8 * sizes[1]
    model.economy.close_plants(
        PlantClosureSpec(
            date="1970-01",
            type="plant_closure",
            sector=model.spec.sectors[0].name,
            jobs=int(wanted / 0.5),
        )
    )
    assert not firms.alive[rows[0]]
    assert not firms.alive[rows[1]]
    model = model_of(scenario(scale=0.5))
    model.economy.close_plants(
        PlantClosureSpec(
            date="1970-01",
            type="plant_closure",
            sector=model.spec.sectors[0].name,
            jobs=int((sizes[0] + 0.4 * sizes[1]) / 0.5),
        )
    )
    assert not model.firms.alive[rows[0]]
    assert model.firms.alive[rows[1]]


# ---------------------------------------------------------------------------------------------
# Demography
# ---------------------------------------------------------------------------------------------


def test_skills_follow_the_territory_mean_and_spread():
    model = model_of(scenario())
    skills = model.demography.draw_skills(20_000, model.streams.demography)
    territory = model.spec.territory
    assert skills.mean() == pytest.approx(territory.skill_mean, abs=0.01)
    assert skills.std() == pytest.approx(territory.skill_sd, abs=0.01)

    def degenerate(data):
        data["territory"].update(skill_mean=1.0, skill_sd=0.1)

    flat = model_of(scenario(degenerate))
    assert (flat.demography.draw_skills(5, flat.streams.demography) == 1.0).all()

    def wide(data):  # a spread too wide for a Beta law: the shape is floored (k = 0.5)
        data["territory"].update(skill_mean=0.5, skill_sd=0.5)

    spread = model_of(scenario(wide))
    skills = spread.demography.draw_skills(20_000, spread.streams.demography)
    assert skills.mean() == pytest.approx(0.5, abs=0.01)
    assert skills.var() == pytest.approx(0.25 / 1.5, abs=0.01)


def test_target_labour_force_compounds_the_growth_periods():
    def change(data):
        growth_form(data, (1970, 0.1), (1972, -0.2), labour_force=6700)

    model = model_of(scenario(change))
    demography = model.demography
    lf0 = demography.labour_force0
    assert lf0 == pytest.approx(model.spec.territory.labour_force * SCALE)
    assert demography.target_labour_force() == pytest.approx(lf0)
    model.month_index = 1  # one month of growth already
    assert demography.target_labour_force() == pytest.approx(lf0 * 1.1 ** (1 / 12))
    model.month_index = 6
    assert demography.target_labour_force() == pytest.approx(lf0 * 1.1**0.5)
    model.month_index = 24
    assert demography.target_labour_force() == pytest.approx(lf0 * 1.1**2)
    model.month_index = 36
    assert demography.target_labour_force() == pytest.approx(lf0 * 1.1**2 * 0.8)
    assert demography.labour_force_ratio() == pytest.approx(len(model.people) / lf0)

    def three(data):
        growth_form(data, (1970, 0.1), (1972, -0.2), (1974, 0.05), labour_force=6700)

    model = model_of(scenario(three))
    model.month_index = 60  # 1975: two years of each of the first two periods, one of the third
    expected = model.demography.labour_force0 * 1.1**2 * 0.8**2 * 1.05
    assert model.demography.target_labour_force() == pytest.approx(expected)


def test_ageing_retirement_and_newcomers():
    def change(data):
        growth_form(data, (1970, 0.0), labour_force=6700)

    model = model_of(scenario(change, scale=0.5))
    people = model.people
    n = len(people)
    old = np.flatnonzero(people.age >= model.spec.territory.retirement_age - 1 / 12)
    people.age[:5] = model.spec.territory.retirement_age - 0.5 / 12  # retire this month
    retiring = set(people.uid[:5].tolist()) | set(people.uid[old].tolist())
    ages = people.age.copy()
    uids = people.uid.copy()
    model.month_index = 120
    model.demography.age_and_renew()
    assert len(people) == pytest.approx(n, abs=1)
    assert not retiring & set(people.uid.tolist())
    assert model.demography.flows["retired"] == len(retiring)
    stayed = np.isin(uids, people.uid)
    assert people.age[: stayed.sum()] == pytest.approx(ages[stayed] + 1 / 12)
    new = people.uid > uids.max()
    assert new.sum() == pytest.approx(len(retiring), abs=1)
    assert model.demography.flows["moved_in"] == new.sum()
    assert (people.status[new] == Status.SEEKER).all()
    # a bigger wave of newcomers: mostly young entrants, the others adults moving in
    model.demography.labour_force0 *= 2
    model.demography.age_and_renew()
    new = people.uid > uids.max()
    entry = model.spec.territory.entry_age
    young = people.age[new] < entry + 4
    assert young.mean() == pytest.approx(economy_share := 0.6, abs=0.06)
    assert (people.age[new] >= entry).all() and (people.age[new] < 50.0).all()
    assert (people.age[new][~young] >= 25.0).all()
    assert (people.employability[new] >= 0.05).all() and (people.employability[new] <= 1).all()
    assert people.employability[new].mean() == pytest.approx(5 / 8, abs=0.03)
    assert 0 <= people.skill[new].min() and people.skill[new].max() <= 1
    assert economy_share == 0.6


def test_young_entrants_are_more_skilled_later():
    def change(data):
        growth_form(data, (1970, 0.0), labour_force=6700)
        data["territory"].update(skill_sd=0.01)

    model = model_of(scenario(change, scale=0.5))
    people = model.people
    top = people.uid.max()
    model.month_index = 12 * 40
    model.demography.labour_force0 *= 1.5
    model.demography.age_and_renew()
    new = people.uid > top
    entry = model.spec.territory.entry_age
    young = new & (people.age < entry + 4)
    adults = new & (people.age >= 25.0)
    gain = people.skill[young].mean() - people.skill[adults].mean()
    assert gain == pytest.approx(0.002 * 40 + 0.0, abs=0.01)


def test_census_path_is_log_linear_between_censuses_and_goes_on_at_the_nearest_rate():
    """The census path: constant growth between censuses, the nearest rate beyond."""
    census = base_scenario(SCALE).territory.census
    assert census is not None
    assert census.population_at(1968) == pytest.approx(10_547)
    assert census.population_at(1975) == pytest.approx(13_202)
    # constant growth between two censuses: the geometric mean halfway
    assert census.population_at(1971.5) == pytest.approx((10_547 * 13_202) ** 0.5)
    # after the last census: the 2015-2021 rate; before the first: the 1968-1975 rate
    assert census.population_at(2027) == pytest.approx(29_212**2 / 26_580)
    assert census.population_at(1961) == pytest.approx(10_547**2 / 13_202)
    # one year of age: its range's share spread over the range's years, at the nearest census
    ages = census.age_ranges
    assert ages.share_per_age(0, 1970) == pytest.approx(0.19 / 15)  # 2010, the first given
    assert ages.share_per_age(20, 2020) == pytest.approx(0.144 / 15)  # 15-29 in 2021
    assert ages.share_per_age(80, 2015) is None  # "75+" is open


def test_census_sets_the_start_and_the_residents_path():
    """The run starts on the census path and its residents follow it month by month."""
    model = model_of()
    spec = model.spec
    census, rate = spec.territory.census, spec.territory.activity_rate
    demography = model.demography
    assert demography.labour_force0 == pytest.approx(census.population_at(1970) * rate * SCALE)
    assert len(model.people) == round(demography.labour_force0)
    model.month_index = 60
    assert demography.target_labour_force() == pytest.approx(13_202 * rate * SCALE)
    demography.age_and_renew()
    assert model.people.residents() == pytest.approx(demography.target_labour_force(), abs=1)
    flows = demography.flows
    assert flows["moved_in"] > 0 and flows["moved_out"] == 0
    # young entrants: a fifteenth of the 0-14 year-olds (their 2010 share, the nearest given)
    # times the entrants' activity, in a month
    expected = 13_202 * SCALE * 0.19 / 15 * 0.8 / 12
    assert demography.cohort_per_month() == pytest.approx(expected)
    new = model.people.uid > model.people.uid.max() - flows["entered"] - flows["moved_in"]
    # the young seek work; adults moving in seek work or hold their job in the conurbation
    status = model.people.status[new]
    assert set(status) <= {Status.SEEKER, Status.CLASSIC}
    employed = new & (model.people.status == Status.CLASSIC)
    rows = model.orgs.firm_rows(model.people.employer[employed])
    outside = {i for i, sector in enumerate(spec.sectors) if sector.located_outside}
    assert set(model.firms.sector[rows]) <= outside
    assert np.count_nonzero(employed) <= flows["moved_in"]


def test_movers_with_their_job_bring_their_post_to_the_conurbation():
    """Adults moving in with their job: CLASSIC in a firm of a sector located outside.

    The firm's demand grows by their post; with a share of 0 all seek work.
    """
    for share in (1.0, 0.0):

        def change(data, share=share):
            data["territory"]["movers_with_job_share"] = share

        model = model_of(scenario(change))
        model.month_index = 60
        firms, economy = model.firms, model.economy
        outside = np.array([s.located_outside for s in model.spec.sectors])[firms.sector]
        demand, base_jobs = firms.demand[outside].sum(), economy.base_jobs.copy()
        model.demography.age_and_renew()
        movers = model.demography.flows["moved_in"]
        assert movers > 10
        arrived = model.people.uid > model.people.uid.max() - movers
        employed = np.count_nonzero(arrived & (model.people.status == Status.CLASSIC))
        assert employed == (movers if share else 0)
        assert firms.demand[outside].sum() == pytest.approx(demand + employed)
        grew = economy.base_jobs - base_jobs
        assert grew[~np.isin(np.arange(grew.size), np.unique(firms.sector[outside]))].sum() == 0
        assert (grew > 0).any() == bool(share)


def test_a_falling_census_sends_residents_away_the_unemployed_and_young_first():
    """A falling census: out-migrants, the unemployed and the young likelier, no in-commuter."""

    def change(data):
        data["territory"]["census"] = {"years": [1970, 1980], "population": [20_000, 10_000]}

    model = model_of(scenario(change, scale=0.5))
    people, demography = model.people, model.demography
    model.month_index = 12  # the path fell by 7% in a year
    before = people.residents()
    demography.age_and_renew()
    assert demography.flows["moved_out"] > 0 and demography.flows["moved_in"] == 0
    assert people.residents() == pytest.approx(demography.target_labour_force(), abs=1)
    assert people.residents() < 0.95 * before
    # who leaves: the unemployed and the under-30s likelier; in-commuters never
    people.status[: len(people) // 2] = Status.SEEKER
    people.resident[-50:] = False
    leaving = demography._out_migrants(len(people) // 4)
    seekers = people.status[leaving] == Status.SEEKER
    assert seekers.mean() > 0.6
    assert (people.age[leaving] < 30).mean() > (people.age[people.resident] < 30).mean()
    assert people.resident[leaving].all()


def test_out_migration_draws_once_per_resident_whatever_its_size():
    """Paired runs stay paired: the out-migrants' draws do not depend on how many leave."""
    streams = []
    for n in (0, 40):
        model = model_of(seed=3)
        model.demography._out_migrants(n)
        streams.append(model.streams.demography.random())
    assert streams[0] == streams[1]


def drift_model(**labour):
    def change(data):
        data["labour_market"].update(labour)

    return model_of(scenario(change))


def test_seekers_become_long_term_at_the_threshold():
    model = drift_model(long_term_months=12, discouragement_rate=0.0, reentry_rate=0.0)
    people = model.people
    seekers = rows_in(model, Status.SEEKER)
    model.month_index = 20
    people.since[seekers] = 20
    people.since[seekers[:3]] = 8  # exactly 12 months
    people.since[seekers[3:6]] = 9  # 11 months
    model.demography.drift()
    assert (people.status[seekers[:3]] == Status.LONG_TERM).all()
    assert (people.status[seekers[3:]] == Status.SEEKER).all()
    assert (people.since[seekers[:3]] == 20).all()


def test_discouragement_and_reentry():
    model = drift_model(discouragement_rate=1.0, reentry_rate=0.0)
    people = model.people
    lt = rows_in(model, Status.SEEKER)[:10]
    people.move(lt, Status.LONG_TERM, 0)
    people.plie[lt] = True
    model.month_index = 1
    model.demography.drift()
    assert (people.status[lt] == Status.INACTIVE).all()
    assert not people.plie[lt].any()
    model = drift_model(discouragement_rate=0.0, reentry_rate=1.0)
    people = model.people
    inactive = rows_in(model, Status.INACTIVE)
    assert inactive.size > 2
    model.month_index = 3
    people.since[inactive[:2]] = 3  # inactive since this month: not back yet
    model.demography.drift()
    assert (people.status[inactive[:2]] == Status.INACTIVE).all()
    assert (people.status[inactive[2:]] == Status.SEEKER).all()
    model = drift_model(discouragement_rate=0.0, reentry_rate=0.0)
    inactive = rows_in(model, Status.INACTIVE)
    lt = rows_in(model, Status.SEEKER)[:5]
    model.people.move(lt, Status.LONG_TERM, 0)
    model.demography.drift()
    assert (model.people.status[inactive] == Status.INACTIVE).all()
    assert (model.people.status[lt] == Status.LONG_TERM).all()


def test_employability_and_skills_drift_with_work_and_unemployment():
    model = drift_model(
        discouragement_rate=0.0,
        reentry_rate=0.0,
        employability_gain_employed=0.1,
        employability_loss_unemployed=0.2,
        skill_gain_on_job_per_year=0.12,
    )
    people = model.people
    people.employability[:] = 0.5
    people.skill[:] = 0.5
    employed = rows_in(model, Status.CLASSIC)
    seekers = rows_in(model, Status.SEEKER)
    inactive = rows_in(model, Status.INACTIVE)
    geiq, insertion = seekers[:2], seekers[2:4]
    people.move(geiq, Status.GEIQ, 0, employer=0)
    people.move(insertion, Status.INSERTION, 0, employer=0)
    seekers = seekers[4:]
    people.skill[employed[0]] = 0.999
    people.employability[seekers[0]] = 0.011
    model.demography.drift()
    assert people.employability[employed[1:]] == pytest.approx(0.55)
    assert people.skill[employed[1:]] == pytest.approx(0.51)
    assert people.skill[employed[0]] == 1.0
    assert people.employability[seekers[1:]] == pytest.approx(0.4)
    assert people.employability[seekers[0]] == pytest.approx(0.01)
    assert people.skill[seekers] == pytest.approx(0.5)
    assert people.employability[inactive] == pytest.approx(0.5)
    mech = model.spec.mechanisms
    assert people.skill[geiq] == pytest.approx(0.5 + mech.geiq.skill_gain_per_year / 12 + 0.01)
    assert people.employability[geiq] == pytest.approx(
        0.55 + mech.geiq.employability_gain_per_year / 12
    )
    assert people.skill[insertion] == pytest.approx(
        0.5 + mech.work_integration.skill_gain_per_year / 12 + 0.01
    )
    assert people.employability[insertion] == pytest.approx(
        0.55 + mech.work_integration.employability_gain_per_year / 12
    )
    people.skill[geiq] = 0.999
    people.employability[geiq] = 0.999
    model.demography.drift()
    assert people.skill[geiq] == pytest.approx(1.0)
    assert people.employability[geiq] == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

SEAT_AUTHORITIES = [
    dict(AUTHORITIES[0], training_budget_eur_per_year=2_100.0 * 12 / SCALE),
    dict(AUTHORITIES[1], training_budget_eur_per_year=0.0),
]


def training_model(**training) -> PtceModel:
    return model_of(scenario(authorities=SEAT_AUTHORITIES, training=training))


def test_training_is_on_only_with_a_centre_and_planning_only_with_an_animator():
    model = training_model(skills_planning=True, planning_match_bonus=0.3)
    training = model.training
    assert training.centre() is None and not training.on
    assert training.planning_bonus() == 0.0
    assert training.firm_hours() == 0.0
    centre = create(model, StructureKind.TRAINING_CENTRE)
    assert training.centre() is centre and training.on
    assert not training.planning_on()
    create(model, StructureKind.ANIMATOR)
    assert training.planning_on()
    assert training.planning_bonus() == pytest.approx(0.3)
    model = training_model(skills_planning=False)
    create(model, StructureKind.TRAINING_CENTRE)
    create(model, StructureKind.ANIMATOR)
    assert model.training.on and not model.training.planning_on()
    model = training_model(enabled=False)
    create(model, StructureKind.TRAINING_CENTRE)
    assert not model.training.on
    centre.alive = False


def test_courses_admit_as_many_seekers_as_the_budget_pays_for():
    model = training_model(
        seeker_entry_rate=1.0,
        hours_per_month_in_course=100.0,
        price_eur_per_hour=7.0,
        course_months=4,
    )
    centre = create(model, StructureKind.TRAINING_CENTRE)
    model.month_index = 5
    recount(model)
    model.training.step()
    trainees = rows_in(model, Status.TRAINING)
    assert trainees.size == 3  # 2,100 EUR a month, 700 a seat
    people = model.people
    assert (people.host[trainees] == centre.org).all()
    assert (people.contract_end[trainees] == 9).all()
    assert (people.trained_sector[trainees] == NO_SECTOR).all()
    assert centre.year.contracts_started == 3
    assert model.tally.jobs["training_courses"] == 3
    recount(model)
    model.training.step()  # the seats are taken
    assert rows_in(model, Status.TRAINING).size == 3
    model.authorities[0].left = 1_400.0  # less left this year: fewer seats
    model.staff.counts[centre.org, Status.TRAINING] = 0
    model.training.step()
    assert rows_in(model, Status.TRAINING).size == 3 + 2
    assert centre.year.contracts_started == 5


def test_free_courses_are_limited_by_the_persons_only():
    model = training_model(seeker_entry_rate=1.0, price_eur_per_hour=0.0)
    create(model, StructureKind.TRAINING_CENTRE)
    seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
    recount(model)
    model.training.step()
    assert rows_in(model, Status.TRAINING).size == seekers.size
    model = training_model(seeker_entry_rate=0.0, price_eur_per_hour=0.0)
    create(model, StructureKind.TRAINING_CENTRE)
    recount(model)
    model.training.step()
    assert rows_in(model, Status.TRAINING).size == 0


def test_skills_planning_aims_courses_at_hiring_sectors():
    model = training_model(seeker_entry_rate=1.0, price_eur_per_hour=0.0, skills_planning=True)
    create(model, StructureKind.TRAINING_CENTRE)
    create(model, StructureKind.ANIMATOR)
    model.labour.sector_openings[:] = 0.0
    recount(model)
    model.training.step()
    trainees = rows_in(model, Status.TRAINING)
    assert (model.people.trained_sector[trainees] == NO_SECTOR).all()  # nobody hires
    model.people.move(trainees, Status.SEEKER, 0)
    model.labour.sector_openings[2] = 0.5  # half an opening a month is enough
    recount(model)
    model.training.step()
    trainees = rows_in(model, Status.TRAINING)
    assert trainees.size > 0 and (model.people.trained_sector[trainees] == 2).all()


def test_courses_end_with_skill_and_employability_gains():
    model = training_model(
        course_months=4,
        hours_per_month_in_course=50.0,
        skill_gain_per_100_hours=0.1,
        employability_gain_per_course=0.2,
        seeker_entry_rate=0.0,
    )
    centre = create(model, StructureKind.TRAINING_CENTRE)
    people = model.people
    rows = rows_in(model, Status.SEEKER)[:4]
    people.move(rows, Status.TRAINING, 0, host=centre.org, contract_end=6)
    people.move(rows[3:], Status.TRAINING, 0, host=centre.org, contract_end=7)
    people.skill[rows] = [0.3, 0.9, 0.5, 0.5]
    people.employability[rows] = [0.3, 0.9, 0.5, 0.5]
    model.month_index = 6
    model.training.step()
    done = rows[:3]
    assert (people.status[done] == Status.SEEKER).all()
    assert people.status[rows[3]] == Status.TRAINING
    assert people.skill[done] == pytest.approx([0.5, 1.0, 0.7])
    assert people.employability[done] == pytest.approx([0.5, 1.0, 0.7])
    assert (people.exit_kind[done] == labour_module.EXIT_KINDS.index("training")).all()
    # training switched off: the courses under way still end
    model.month_index = 7
    centre.alive = False
    model.training.step()
    assert people.status[rows[3]] == Status.SEEKER


def test_firms_buy_training_hours_that_raise_their_employees_skills():
    model = training_model(firm_hours_per_employee_per_year=24.0, skill_gain_per_100_hours=0.5)
    create(model, StructureKind.TRAINING_CENTRE)
    people, firms = model.people, model.firms
    employed = rows_in(model, Status.CLASSIC)
    people.skill[:] = 0.5
    firms.trust[:] = 0.0
    trusting = model.orgs.firm_rows(people.employer[employed[0]])
    firms.trust[trusting] = 0.1
    in_trusting = employed[model.orgs.firm_rows(people.employer[employed]) == trusting]
    others = np.setdiff1d(employed, in_trusting)
    hours = model.training.firm_hours()
    assert hours == pytest.approx(2.0 * in_trusting.size + 0.6 * others.size)
    assert people.skill[in_trusting] == pytest.approx(0.51)
    assert people.skill[others] == pytest.approx(0.503)
    assert people.skill[rows_in(model, Status.SEEKER)] == pytest.approx(0.5)
    people.move(employed, Status.SEEKER, 0)
    assert model.training.firm_hours() == 0.0
    people.move(employed[:1], Status.CLASSIC, 0, employer=int(firms.org[trusting]))
    people.skill[employed[0]] = 0.999  # one employee left, near the top: capped at 1
    assert model.training.firm_hours() == pytest.approx(2.0)
    assert people.skill[employed[0]] == 1.0


def test_hours_sold_to_other_structures_are_paid_by_training_funds():
    model = training_model(price_eur_per_hour=7.0)
    assert model.training.sell_hours(10.0) == pytest.approx(70.0)  # no centre: priced anyway
    centre = create(model, StructureKind.TRAINING_CENTRE)
    assert model.training.sell_hours(10.0) == pytest.approx(70.0)
    assert model.training.sell_hours(0.0) == 0.0
    assert model.training.sell_hours(0.5) == pytest.approx(3.5)
    assert centre.bought_hours == pytest.approx(10.5)
    centre.bought_hours -= 0.5
    centre.bought_eur -= 3.5
    centre.year.training_hours -= 0.5
    assert centre.bought_hours == pytest.approx(10.0)
    assert centre.bought_eur == pytest.approx(70.0)
    assert centre.year.training_hours == pytest.approx(10.0)


# ---------------------------------------------------------------------------------------------
# Labour market
# ---------------------------------------------------------------------------------------------


def labour_model(change=None, **sections) -> PtceModel:
    return model_of(scenario(change, **sections))


def firm_rules(**values):
    def change(data):
        data["firms"].update(values)

    return change


def test_to_seeking_records_the_pathway_left():
    model = labour_model(work_integration={"exit_priority": 3.0})
    people, labour = model.people, model.labour
    rows = rows_in(model, Status.CLASSIC)[:6]
    model.month_index = 7
    labour.to_seeking(rows[:2])
    labour.to_seeking(rows[2:4], exit_kind="insertion")
    labour.to_seeking(rows[4:], exit_kind="geiq")
    labour.to_seeking(np.array([], dtype=np.int64), exit_kind="geiq")
    assert (people.status[rows] == Status.SEEKER).all()
    assert (people.employer[rows] == NO_ORG).all()
    assert (people.since[rows] == 7).all()
    assert list(people.exit_kind[rows]) == [-1, -1, 0, 0, 2, 2]
    assert list(people.exit_month[rows[2:]]) == [7] * 4
    assert list(people.priority[rows]) == [1.0, 1.0, 3.0, 3.0, 1.0, 1.0]


def test_release_keeps_the_number_asked_and_hire_into_firm_counts():
    model = labour_model()
    people, labour = model.people, model.labour
    rows = rows_in(model, Status.CLASSIC)[:10]
    labour.release(rows, 7)
    assert np.count_nonzero(people.status[rows] == Status.CLASSIC) == 7
    labour.release(rows, 20)
    assert np.count_nonzero(people.status[rows] == Status.CLASSIC) == 7
    seekers = rows_in(model, Status.SEEKER)[:3]
    people.priority[seekers] = 2.0
    people.plie[seekers] = True
    org = int(model.firms.org[0])
    labour.hire_into_firm(seekers, np.full(3, org), mechanism="geiq_hires")
    assert (people.status[seekers] == Status.CLASSIC).all()
    assert (people.employer[seekers] == org).all()
    assert (people.fte[seekers] == 1.0).all()
    assert (people.priority[seekers] == 1.0).all() and not people.plie[seekers].any()
    assert model.tally.jobs["geiq_hires"] == 3
    labour.hire_into_firm(np.array([], dtype=np.int64), np.array([]), mechanism="geiq_hires")
    assert model.tally.jobs["geiq_hires"] == 3


def test_quits_everywhere_but_on_fixed_terms():
    model = labour_model(firm_rules(quit_rate=1.0, layoff_speed=0.0))
    people = model.people
    holders = rows_in(model, Status.SEEKER)[:3]
    people.move(holders, Status.ESS, 0, employer=0, contract_end=12)
    people.contract_end[holders[2]] = 0  # a fixed term ending this month: no quit either
    permanent = rows_in(model, Status.ESS)
    permanent = permanent[people.contract_end[permanent] < 0]
    classic = rows_in(model, Status.CLASSIC)
    model.labour.firm_separations()
    assert (people.status[classic] == Status.SEEKER).all()
    assert (people.status[permanent] == Status.SEEKER).all()
    assert (people.status[holders] == Status.ESS).all()
    model = labour_model(firm_rules(quit_rate=0.0, layoff_speed=0.0))
    classic = rows_in(model, Status.CLASSIC)
    model.labour.firm_separations()
    assert (model.people.status[classic] == Status.CLASSIC).all()


def test_layoffs_in_firms_above_their_target_none_in_a_charter_firm_that_carries_them():
    """A charter firm whose cash covers its excess staff's wages lays nobody off.

    Its cash must cover ``keep_staff_months`` of those wages (the charter's commitment); without
    cash, cooperation or months, it does lay off.
    """
    for cooperation, months, cash, charter_kept in (
        (True, 3.0, 1e6, True),
        (False, 3.0, 1e6, False),
        (True, 0.0, 1e6, False),
        (True, 3.0, 100.0, False),
    ):
        model = labour_model(
            firm_rules(quit_rate=0.0, layoff_speed=1.0),
            cooperation={"enabled": cooperation},
            circles={"keep_staff_months": months},
        )
        people, firms = model.people, model.firms
        employers = people.employer[rows_in(model, Status.CLASSIC)]
        headcount = np.bincount(model.orgs.firm_rows(employers), minlength=len(firms))
        a, b = np.flatnonzero(headcount >= 2)[:2]
        firms.fills_alone[[a, b]] = False
        firms.demand[[a, b]] = 0.0  # no job wanted: every employee goes
        firms.charter[b] = True
        firms.cash[b] = cash
        staff_a = np.flatnonzero(people.employer == firms.org[a])
        staff_b = np.flatnonzero(people.employer == firms.org[b])
        model.labour.firm_separations()
        assert (people.status[staff_a] == Status.SEEKER).all()
        kept = (people.status[staff_b] == Status.CLASSIC).all()
        gone = (people.status[staff_b] == Status.SEEKER).all()
        assert kept if charter_kept else gone
    # half the target: half the excess is laid off at layoff_speed 1... in expectation
    model = labour_model(firm_rules(quit_rate=0.0, layoff_speed=0.5))
    people, firms = model.people, model.firms
    firms.fills_alone[:] = False
    firms.demand[:] = 0.0
    classic = rows_in(model, Status.CLASSIC)
    model.labour.firm_separations()
    assert np.mean(people.status[classic] == Status.SEEKER) == pytest.approx(0.5, abs=0.08)


def test_part_time_jobs_where_a_firm_fills_its_fraction_alone():
    model = labour_model()
    firms = model.firms
    firms.demand[:4] = [2.6, 2.6, 2.4, 2.6]
    firms.fills_alone[:4] = [True, False, True, True]
    firms.ge[3] = 5
    whole, fraction = firms.jobs_target()
    assert list(whole[:4]) == [2, 2, 2, 2]
    assert fraction[:4] == pytest.approx([0.6, 0.6, 0.4, 0.6])
    assert list(model.labour.part_time_jobs(whole)[:4]) == [1.0, 0.0, 0.0, 0.0]
    model = labour_model(shared_employment={"enabled": False})
    firms = model.firms
    firms.demand[:1] = 2.6
    firms.fills_alone[:1] = True
    firms.ge[0] = 5
    assert model.labour.part_time_jobs(firms.jobs_target()[0])[0] == 1.0


def test_closing_firms_sends_staff_seeking_and_hosted_workers_back():
    model = labour_model()
    people, firms = model.people, model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    lent = rows_in(model, Status.SEEKER)[:2]
    people.move(lent, Status.GE, 0, employer=ge.org, host=int(firms.org[0]))
    elsewhere = rows_in(model, Status.SEEKER)[2:3]  # hosted by a firm that stays open
    people.move(elsewhere, Status.GE, 0, employer=ge.org, host=int(firms.org[1]))
    model.network.tie(ge.org, int(firms.org[0]), "member")
    staff = np.flatnonzero(people.employer == firms.org[0])
    other = np.flatnonzero(people.employer == firms.org[1])
    model.labour.close_firms(np.array([0]))
    assert not firms.alive[0] and firms.alive[1]
    assert (people.status[staff] == Status.SEEKER).all()
    assert (people.status[other] == Status.CLASSIC).all()
    assert (people.status[lent] == Status.GE).all()
    assert (people.host[lent] == NO_ORG).all()
    assert people.host[elsewhere[0]] == firms.org[1]
    assert not model.network.is_member(int(firms.org[0]))
    model.labour.close_firms(np.array([], dtype=np.int64))


def test_firm_openings_fill_the_gap_to_the_target():
    model = labour_model(firm_rules(hiring_speed=1.0))
    people, firms = model.people, model.firms
    classic = rows_in(model, Status.CLASSIC)
    headcount = np.bincount(model.orgs.firm_rows(people.employer[classic]), minlength=len(firms))
    firms.fills_alone[:] = False
    firms.demand[:] = headcount  # at target: no opening
    assert model.labour.firm_openings() == []
    firms.demand[:3] = headcount[:3] + [2.0, 0.6, 3.0]
    firms.fills_alone[1] = True  # a fractional need filled alone: one part-time job
    firms.alive[2] = False
    openings = model.labour.firm_openings()
    assert [(o.org, o.count) for o in openings] == [(firms.org[0], 2), (firms.org[1], 1)]
    sector = int(firms.sector[0])
    assert openings[0].status == Status.CLASSIC and openings[0].sector == sector
    assert openings[0].skill_requirement == model.spec.sectors[sector].skill_requirement
    assert openings[0].fte == 1.0
    expected = np.bincount(firms.sector[:2], weights=[2, 1], minlength=len(model.spec.sectors))
    assert model.labour.sector_openings == pytest.approx(expected / 12)
    firms.demand[:3] = headcount[:3] - 1.0  # above target: no negative opening
    assert model.labour.firm_openings() == []
    new = firms.add(model, np.array([0], dtype=np.int16), np.array([2.0]))  # nobody yet
    firms.fills_alone[new] = False
    assert [(o.org, o.count) for o in model.labour.firm_openings()] == [(firms.org[new[0]], 2)]


def test_internalisation_hires_the_hosted_ge_worker():
    model = labour_model(shared_employment={"internalisation_rate": 1.0})
    people, firms = model.people, model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    host = int(firms.org[0])
    model.network.tie(ge.org, host, "member", trust=0.5)
    lent = rows_in(model, Status.SEEKER)[:3]
    people.move(lent, Status.GE, 0, employer=ge.org, host=host)
    people.move(lent[2:], Status.GE, 0, employer=ge.org, host=int(firms.org[1]))
    gap = np.zeros(len(firms))
    gap[0] = 2.0
    gap[1] = 0.5
    after = model.labour.internalise(gap)
    assert gap[0] == 2.0  # a copy
    assert after[0] == 1.0 and after[1] == 0.5
    hired = people.status[lent] == Status.CLASSIC
    assert list(hired) == [True, False, False] or list(hired) == [False, True, False]
    assert people.employer[lent[hired]][0] == host
    assert model.tally.jobs["internalised_posts"] == 1
    edge = model.network.graph.edges[ge.org, host]["idx"]
    gain = min(1.0, 2 * model.spec.mechanisms.cooperation.trust_gain)
    assert model.network.trust[edge] == pytest.approx(0.5 + 0.5 * gain)
    off = labour_model(shared_employment={"enabled": False, "internalisation_rate": 1.0})
    assert off.labour.internalise(gap) is gap
    none = labour_model(shared_employment={"internalisation_rate": 0.0})
    assert none.labour.internalise(gap)[0] == 2.0


def post(org, count, **fields):
    return Openings(org, fields.pop("status", Status.CLASSIC), count, **fields)


def test_matching_hires_the_employable_and_skilled_into_ordinary_posts():
    model = labour_model()
    people, firms = model.people, model.firms
    seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
    people.employability[:] = 0.0
    good = seekers[:5]
    people.employability[good] = 1.0
    people.skill[good] = 1.0
    org = int(firms.org[0])
    firms.unfilled_skilled[:] = 1.0
    hires = model.labour.match([post(org, 5, skill_requirement=0.0, fte=0.5)])
    assert hires == {(org, int(Status.CLASSIC)): 5}
    assert (people.status[good] == Status.CLASSIC).all()
    assert (people.employer[good] == org).all()
    assert (people.fte[good] == 0.5).all()
    assert (people.contract_end[good] == -1).all()
    assert firms.unfilled_skilled == pytest.approx(0.8)  # every month, decayed
    # nobody employable: nobody hired; the skilled posts stay unfilled and are remembered
    more = model.labour.match(
        [post(org, 2, skill_requirement=0.5), post(org, 3, skill_requirement=0.3)]
    )
    assert more == {}
    assert firms.unfilled_skilled[0] == pytest.approx(0.64 + 2)
    assert firms.unfilled_skilled[1:] == pytest.approx(0.64)
    assert model.labour.match([]) == {}
    assert firms.unfilled_skilled[1] == pytest.approx(0.512)


def test_matching_probability_grows_with_skill_and_employability():
    rates = {}
    for skill in (0.2, 0.4, 0.6):
        model = model_of(scenario(scale=0.1))  # about 500 persons: rates within a few points
        people = model.people
        model.labour.to_seeking(rows_in(model, Status.CLASSIC))
        seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
        people.employability[seekers] = 0.8
        people.skill[seekers] = skill
        posts = [post(int(model.firms.org[0]), 1000, skill_requirement=0.4)]
        spec = model.spec.labour_market
        n = min(seekers.size, 1000)
        hires = sum(model.labour.match(posts).values())
        rates[skill] = hires / n
        p = 0.8 / (1 + np.exp(-(skill - 0.4) / spec.skill_match_width))
        rounds = round(spec.contacts_per_vacancy)
        assert rates[skill] == pytest.approx(1 - (1 - p) ** rounds, abs=0.06)
    assert rates[0.2] < rates[0.4] < rates[0.6]


def test_far_posts_recruit_people_far_from_work():
    model = labour_model()
    people = model.people
    seekers = rows_in(model, Status.SEEKER)
    people.employability[seekers] = 0.9
    far_lt = seekers[:3]
    people.move(far_lt, Status.LONG_TERM, 0)
    low = seekers[3:5]
    people.employability[low] = 0.3
    followed = seekers[5:7]
    people.plie[followed] = True
    ei = create(model, StructureKind.WORK_INTEGRATION)
    model.month_index = 2
    hires = model.labour.match(
        [post(ei.org, 50, status=Status.INSERTION, far_from_work=True, contract_months=24)]
    )
    hired = np.flatnonzero(people.status == Status.INSERTION)
    eligible = np.concatenate([far_lt, low, followed])
    assert set(hired.tolist()) <= set(eligible.tolist())
    assert hired.size >= 5  # 0.9 a contact, three rounds
    assert (people.contract_end[hired] == 26).all()
    assert hires == {(ei.org, int(Status.INSERTION)): hired.size}
    assert not people.plie[hired].any()


def test_far_pool_weights_low_employability_and_the_plie_caseload():
    chosen = {"plie": 0, "other": 0}
    for seed in range(6):
        model = model_of(scenario(cooperation={"plie_priority": 10.0}), seed=seed)
        people = model.people
        seekers = rows_in(model, Status.SEEKER)[:40]
        people.move(seekers, Status.LONG_TERM, 0)
        people.employability[seekers] = 0.5
        people.plie[seekers[:20]] = True
        ei = create(model, StructureKind.WORK_INTEGRATION)
        model.labour.match([post(ei.org, 5, status=Status.INSERTION, far_from_work=True)])
        hired = people.status[seekers] == Status.INSERTION
        chosen["plie"] += int(hired[:20].sum())
        chosen["other"] += int(hired[20:].sum())
    assert chosen["plie"] > 3 * chosen["other"]
    assert model.network.plie_weight() == 10.0
    off = model_of(scenario(cooperation={"enabled": False, "plie_priority": 10.0}))
    assert off.network.plie_weight() == 1.0


def test_a_course_aimed_at_the_sector_raises_the_hiring_chance():
    """A bonus of 1 doubles each contact's chance: about 0.39 hired in three rounds, 0.66 with it.

    A territory at scale 0.05 has a few dozen job seekers: eight seeds pooled, and the rise must
    stand four standard errors above the noise.
    """
    hired, offered = np.zeros(2), np.zeros(2)
    for seed in range(8):
        for planning in (False, True):
            model = model_of(
                scenario(
                    authorities=SEAT_AUTHORITIES,
                    training={"skills_planning": planning, "planning_match_bonus": 1.0},
                ),
                seed=seed,
            )
            create(model, StructureKind.TRAINING_CENTRE)
            create(model, StructureKind.ANIMATOR)
            people, firms = model.people, model.firms
            seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
            people.employability[seekers] = 0.3
            people.skill[seekers] = 0.4
            sector = int(firms.sector[0])
            people.trained_sector[seekers] = sector
            org = int(firms.org[0])
            opening = post(org, seekers.size, skill_requirement=0.4, sector=sector)
            hired[int(planning)] += sum(model.labour.match([opening]).values())
            offered[int(planning)] += seekers.size
    rates = hired / offered
    se = np.sqrt((rates * (1 - rates) / offered).sum())
    assert rates[1] - rates[0] > 4 * se, (rates, se)
    assert rates[1] > rates[0] * 1.3


def test_hires_after_a_pathway_are_counted_and_fixed_term_ess_posts_are_holders():
    model = labour_model()
    people = model.people
    cae = create(model, StructureKind.ACTIVITY_COOPERATIVE)
    seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
    people.employability[:] = 0.0
    rows = seekers[:4]
    people.employability[rows] = 1.0
    people.skill[rows] = 1.0
    model.month_index = 20
    people.exit_kind[rows] = [0, 1, 1, 3]
    people.exit_month[rows] = [20 - 6, 19, 13, 20]  # the third left too long ago
    people.priority[rows] = 3.0
    hires = model.labour.match(
        [post(cae.org, 4, status=Status.ESS, contract_months=12, skill_requirement=0.0)]
    )
    assert hires == {(cae.org, HOLDER): 4}
    assert model.tally.jobs["insertion_exits_to_work"] == 1
    assert model.tally.jobs["training_exits_to_work"] == 1
    assert model.tally.jobs["incubation_exits_to_work"] == 1
    assert "geiq_exits_to_work" not in model.tally.jobs
    assert (people.exit_kind[rows] == -1).all()
    assert (people.priority[rows] == 1.0).all()
    assert (people.contract_end[rows] == 32).all()


def test_expand_caps_each_employer_at_the_persons():
    posts = labour_module._expand([post(3, 10**12, fte=0.5), post(4, 2, status=Status.GE)], 7)
    assert list(posts["org"]) == [3] * 7 + [4, 4]
    assert list(posts["status"]) == [Status.CLASSIC] * 7 + [Status.GE] * 2
    assert list(posts["fte"]) == [0.5] * 7 + [1.0] * 2


# ---------------------------------------------------------------------------------------------
# Cooperation network
# ---------------------------------------------------------------------------------------------


def test_ties_kinds_trust_and_removal():
    model = model_of(scenario(cooperation={"initial_trust": 0.3}))
    network = model.network
    a, b, c = (int(o) for o in model.firms.org[:3])
    network.tie(a, a, "member")
    assert not network.is_member(a)
    network.tie(a, b, "member")
    network.tie(b, a, "charter", trust=0.9)  # an existing tie gains a kind, keeps its trust
    network.tie(a, c, "board", trust=0.6)
    assert network.graph.edges[a, b]["kinds"] == {"member", "charter"}
    assert network.graph.nodes[a]["kind"] == "classic_firm"
    assert network.graph.nodes[a]["name"] == model.orgs[a].name
    assert list(network.trust) == pytest.approx([0.3, 0.6])
    assert list(network.u) == [a, a] and list(network.v) == [b, c]
    assert network.mean_trust() == pytest.approx(0.45)
    snap = network.snapshot()
    assert snap.edges[a, c]["trust"] == pytest.approx(0.6)
    assert "trust" not in network.graph.edges[a, c]
    network.refresh()
    assert network.reputation(a) == pytest.approx(0.45)
    assert network.reputation(b) == pytest.approx(0.3)
    assert network.reputation(10**6) == 0.0
    assert model.firms.trust[:3] == pytest.approx([0.45, 0.3, 0.6])
    network.remove(c)
    network.remove(c)
    assert not network.is_member(c) and network.is_member(a)
    assert list(network.alive) == [True, False]
    assert network.mean_trust() == pytest.approx(0.3)
    network.remove(a)
    assert network.mean_trust() == 0.0
    structure = create(model, StructureKind.GEIQ)
    assert network.graph.nodes[structure.org]["kind"] == "geiq"


def test_successes_close_part_of_the_gap_to_full_trust():
    model = model_of(scenario(cooperation={"trust_gain": 0.1}))
    network = model.network
    a, b, c = (int(o) for o in model.firms.org[:3])
    network.tie(a, b, "member", trust=0.5)
    network.succeed_pairs([a, c], [b, a])  # c is not tied to a: nothing
    assert network.trust[0] == pytest.approx(0.55)
    network.succeed(b, np.array([a, a]), weight=2.0)
    assert network.trust[0] == pytest.approx(1 - 0.45 * 0.8 * 0.8)
    network.succeed_pairs([a], [b], weight=50.0)  # at most the whole gap
    assert network.trust[0] == pytest.approx(1.0)
    off = model_of(scenario(cooperation={"enabled": False, "trust_gain": 0.1}))
    off.network.tie(a, b, "member", trust=0.5)
    off.network.succeed_pairs([a], [b])
    assert off.network.trust[0] == 0.5


def test_trust_decays_monthly_and_lent_workers_and_healthy_members_renew_it():
    model = model_of(scenario(cooperation={"trust_decay_per_year": 0.19, "trust_gain": 0.1}))
    network, people, firms = model.network, model.people, model.firms
    animator = create(model, StructureKind.ANIMATOR)
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    poor = create(model, StructureKind.ESS_ENTERPRISE)
    host = int(firms.org[0])
    network.tie(ge.org, host, "member")
    network.trust[:] = 0.5
    lent = rows_in(model, Status.SEEKER)[:2]  # two workers, one success for the pair
    people.move(lent, Status.GE, 0, employer=ge.org, host=host)
    unhosted = rows_in(model, Status.SEEKER)[:1]
    people.move(unhosted, Status.GE, 0, employer=ge.org)
    poor.cash = -1.0
    network.monthly()
    decayed = 0.5 * 0.81 ** (1 / 12)
    idx = {
        key: network.graph.edges[key]["idx"]
        for key in [(ge.org, host), (animator.org, ge.org), (animator.org, poor.org)]
    }
    assert network.trust[idx[ge.org, host]] == pytest.approx(decayed + 0.1 * (1 - decayed))
    assert network.trust[idx[animator.org, ge.org]] == pytest.approx(decayed + 0.05 * (1 - decayed))
    assert network.trust[idx[animator.org, poor.org]] == pytest.approx(decayed)
    assert firms.trust[0] == pytest.approx(network.trust[idx[ge.org, host]])
    off = model_of(scenario(cooperation={"enabled": False, "trust_decay_per_year": 0.19}))
    a, b = (int(o) for o in off.firms.org[:2])
    off.network.tie(a, b, "member", trust=0.5)
    off.network.monthly()
    assert off.network.trust[0] == pytest.approx(decayed)
    assert off.firms.trust[0] == pytest.approx(decayed)


def geiq_model(scale: float = SCALE, **cooperation):
    model = model_of(
        scenario(
            cooperation=cooperation,
            geiq={"contact_rate": 1.0, "billing_eur_per_hour": 10.0},
            scale=scale,
        )
    )
    geiq = create(model, StructureKind.GEIQ, sectors=[model.spec.sectors[2].name])
    return model, geiq


def test_firms_short_of_skilled_staff_join_the_geiq_of_their_sector():
    model, geiq = geiq_model()
    network, firms = model.network, model.firms
    network.trust[:] = 1.0
    network.refresh()
    construction = np.flatnonzero(firms.sector == 2)
    firms.unfilled_skilled[:] = 2.0
    firms.unfilled_skilled[construction[0]] = 0.0
    firms.alive[construction[1]] = False
    network.firms_join()
    joined = np.flatnonzero(firms.geiq == geiq.org)
    assert set(joined.tolist()) == set(construction[2:].tolist())
    assert all(network.graph.has_edge(geiq.org, int(firms.org[r])) for r in joined)
    assert "member" in network.graph.edges[geiq.org, int(firms.org[joined[0]])]["kinds"]
    assert geiq.members().tolist() == sorted(joined.tolist())
    assert geiq.member_count() == joined.size


def test_joining_is_rarer_without_trust_and_stops_when_switched_off():
    model, geiq = geiq_model(0.2, enabled=False)  # a few dozen construction firms
    firms = model.firms
    firms.unfilled_skilled[:] = 0.5
    model.network.firms_join()
    construction = np.count_nonzero(firms.sector == 2)
    joined = np.count_nonzero(firms.geiq == geiq.org)
    assert 0 < joined < construction  # 0.5 * 0.5 a month
    model = model_of(scenario(geiq={"contact_rate": 1.0, "enabled": False}))
    create(model, StructureKind.GEIQ)
    model.firms.unfilled_skilled[:] = 2.0
    model.network.trust[:] = 1.0
    model.network.firms_join()
    assert (model.firms.geiq == NO_ORG).all()
    # every GEIQ joins at its kind's rate: a structure has none of its own
    model = model_of(scenario(geiq={"contact_rate": 0.0}))
    create(model, StructureKind.GEIQ)
    model.firms.unfilled_skilled[:] = 2.0
    model.network.trust[:] = 1.0
    model.network.firms_join()
    assert (model.firms.geiq == NO_ORG).all()


def test_firms_with_a_part_time_need_join_the_ge():
    model = model_of(scenario(shared_employment={"contact_rate": 1.0}))
    network, firms = model.network, model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    network.trust[:] = 1.0
    network.refresh()
    firms.fills_alone[:] = False
    firms.demand[:] = 3.0
    firms.demand[:4] = [3.6, 3.6, 3.4, 3.6]
    firms.fills_alone[1] = True
    firms.ge[3] = 99  # already a member elsewhere
    network.firms_join()
    assert list(firms.ge[:4]) == [ge.org, NO_ORG, NO_ORG, 99]
    assert (firms.ge[4:] == NO_ORG).all()
    assert ge.member_count() == 1
    assert firms.ge_need[0] == pytest.approx(0.6)  # it contracts the need it has on joining
    assert (firms.ge_need[1:3] == 0.0).all()


def test_requests_from_unmet_needs_and_distressed_members():
    model = model_of(scenario(cooperation={"request_rate": 1.0, "initial_trust": 0.0}))
    network, firms = model.network, model.firms
    assert network.requests() == 0  # no animator
    animator = create(model, StructureKind.ANIMATOR)
    firms.demand[:] = 3.0
    firms.trust[:] = 0.0
    assert network.requests() == 0  # no trust: nobody asks
    firms.trust[:] = 1.0
    firms.demand[:3] = [3.4, 3.2, 3.0]  # a part-time need above 0.3
    firms.unfilled_skilled[:3] = [0.0, 2.0, 1.0]  # or more than one unfilled skilled post
    firms.geiq[1] = 77
    firms.alive[4] = False
    firms.demand[4] = 3.5
    assert network.requests() == 1
    assert animator.pending_requests == 1
    firms.geiq[1] = NO_ORG
    firms.ge[0] = 77
    assert network.requests() == 1
    firms.ge[0] = NO_ORG
    animator.cash = -5.0  # a distressed member asks too
    assert network.requests() == 3
    assert animator.pending_requests == 5
    off = model_of(scenario(cooperation={"enabled": False, "request_rate": 1.0}))
    create(off, StructureKind.ANIMATOR)
    off.firms.demand[:] = 3.4
    assert off.network.requests() == 0


def test_cooperate_counts_requests_in_the_tally():
    model = model_of(scenario(cooperation={"request_rate": 1.0, "initial_trust": 1.0}))
    create(model, StructureKind.ANIMATOR)
    model.firms.demand[:] = 3.0
    model.firms.demand[:2] = 3.4
    model.network.cooperate()
    assert model.tally.project_requests == 2


def test_pact_and_charter():
    model = model_of(scenario(cooperation={"charter_trust": 0.5}))
    network, firms = model.network, model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    network.formalise()  # no animator: nothing but the flag
    assert network.formalised
    network.formalised = False
    animator = create(model, StructureKind.ANIMATOR)
    firms.trust[:] = 0.0
    firms.trust[:3] = [0.5, 0.49, 0.9]
    firms.unfilled_skilled[:3] = 5.0  # what the pole's recruitment would fill for them
    firms.demand[:3] = 1000.0  # no staff above their needs: the commitments cost nothing
    firms.alive[2] = False
    network.sign_charter()  # not formalised yet
    assert not firms.charter.any()
    network.formalise()
    assert "pact" in network.graph.edges[animator.org, ge.org]["kinds"]
    for authority in model.authorities:
        assert "pact" in network.graph.edges[animator.org, authority.org]["kinds"]
    network.sign_charter()
    assert list(firms.charter[:3]) == [True, False, False]
    assert "charter" in network.graph.edges[animator.org, int(firms.org[0])]["kinds"]
    assert animator.member_count() == 1
    later = create(model, StructureKind.GEIQ)  # created after the pact: in it
    assert "pact" in network.graph.edges[animator.org, later.org]["kinds"]
    off = model_of(scenario(cooperation={"enabled": False, "charter_trust": 0.0}))
    create(off, StructureKind.ANIMATOR)
    off.network.formalise()
    off.network.sign_charter()
    assert not off.firms.charter.any()


def test_other_ess_structures_join_the_pole_once_it_has_an_animator():
    def change(data):
        data["other_ess"].update(count=60, join_rate=1.0)

    model = model_of(scenario(change))
    others = [s for s in model.pole.structures if not s.in_pole]
    assert others
    model.network.structures_join()
    assert not any(s.in_pole for s in others)
    animator = create(model, StructureKind.ANIMATOR)
    others[0].alive = False
    model.network.structures_join()
    assert all(s.in_pole for s in others[1:]) and not others[0].in_pole
    assert all(model.network.graph.has_edge(animator.org, s.org) for s in others[1:])


def test_pole_jobs_count_the_network_members_staff():
    model = model_of(scenario())
    people, firms = model.people, model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    assert model.network.pole_jobs() == 0.0
    model.network.tie(ge.org, int(firms.org[0]), "member")
    staff = np.count_nonzero(people.employer == firms.org[0])
    workers = rows_in(model, Status.SEEKER)[:2]
    people.move(workers, Status.GE, 0, employer=ge.org)
    assert model.network.pole_jobs() == staff + 2
    assert isinstance(model.network.snapshot(), nx.Graph)


# ---------------------------------------------------------------------------------------------
# Agents: persons and firms
# ---------------------------------------------------------------------------------------------


def test_status_masks_and_age_groups():
    status = np.array([Status.CLASSIC, Status.SEEKER, Status.GE, Status.INACTIVE])
    assert list(is_in(status, EMPLOYED)) == [True, False, True, False]
    assert list(is_in(status, (Status.SEEKER,))) == [False, True, False, False]
    assert list(age_group(np.array([18.0, 25.99, 26.0, 49.9, 50.0, 61.0]))) == [0, 0, 1, 1, 2, 2]


def test_person_moves_flows_and_pathway():
    model = model_of(scenario())
    people = model.people
    row = int(rows_in(model, Status.SEEKER)[0])
    uid = int(people.uid[row])
    people.take_flows()
    people.move(
        np.array([row]),
        Status.CLASSIC,
        3,
        employer=int(model.firms.org[0]),
        fte=0.5,
        contract_end=9,
    )
    people.move(np.array([row]), Status.SEEKER, 7)
    people.move(np.array([], dtype=np.int64), Status.GE, 8)
    flows = people.take_flows()
    assert flows[Status.SEEKER, Status.CLASSIC] == 1 and flows[Status.CLASSIC, Status.SEEKER] == 1
    assert flows.sum() == 2
    assert people.take_flows().sum() == 0
    assert people.since[row] == 7 and people.fte[row] == 0.0 and people.contract_end[row] == -1
    path = people.pathway(uid, 10)
    assert path == [
        Spell(Status.SEEKER, NO_ORG, 0, 3),
        Spell(Status.CLASSIC, int(model.firms.org[0]), 3, 4),
        Spell(Status.SEEKER, NO_ORG, 7, 3),
    ]
    person = people.person(model, uid)
    assert person == Person(model, uid)
    assert person.status == Status.SEEKER and person.employer is None
    assert person.skill == people.skill[row] and person.employability == people.employability[row]
    assert person.age == people.age[row]
    assert person.age_group == AgeGroup(int(age_group(people.age[row : row + 1])[0]))
    model.month_index = 10
    assert person.pathway == path
    employed = int(rows_in(model, Status.CLASSIC)[0])
    employer = model.orgs[int(people.employer[employed])]
    assert Person(model, int(people.uid[employed])).employer is employer
    assert people.row_of(uid) == row
    assert list(people.in_status(Status.SEEKER)) == list(rows_in(model, Status.SEEKER))
    assert list(people.counts()) == list(np.bincount(people.status, minlength=len(Status)))
    people.remove(np.array([row]), 12)
    people.remove(np.array([], dtype=np.int64), 12)
    with pytest.raises(KeyError):
        people.row_of(uid)
    with pytest.raises(KeyError):
        people.person(model, uid)
    with pytest.raises(KeyError):
        people.row_of(int(people.uid.max()) + 1)
    assert people.pathway(uid, 20)[-1] == Spell(Status.SEEKER, NO_ORG, 7, 5)


def test_firms_table_and_views():
    model = model_of(scenario())
    firms = model.firms
    n = len(firms)
    model.month_index = 4
    rows = firms.add(
        model,
        np.array([1, 2], dtype=np.int16),
        np.array([2.5, 1.0]),
        incubated=np.array([True, False]),
    )
    assert list(rows) == [n, n + 1]
    assert list(firms.sector[rows]) == [1, 2] and list(firms.demand[rows]) == [2.5, 1.0]
    assert list(firms.created[rows]) == [4, 4] and list(firms.incubated[rows]) == [True, False]
    assert (firms.ge[rows] == NO_ORG).all() and (firms.trust[rows] == 0.0).all()
    assert model.orgs[int(firms.org[n])].row == n
    firms.alive[n] = False
    assert n not in firms.alive_rows() and n + 1 in firms.alive_rows()
    firm = model.orgs[int(firms.org[0])]
    assert firm.kind == "classic_firm"
    assert firm.sector == model.spec.sectors[int(firms.sector[0])].name
    assert firm.name == f"{firm.sector} firm 0"
    assert firm.alive and firm.demand == firms.demand[0]
    assert firm.employer_groups == [] and not firm.charter
    ge = create(model, StructureKind.EMPLOYER_GROUP, name="GE x")
    firms.ge[0] = ge.org
    firms.charter[0] = True
    assert firm.employer_groups == ["GE x"] and firm.charter
    fractions = [model_of(scenario(), seed=s).firms.fills_alone.mean() for s in range(3)]
    assert np.mean(fractions) == pytest.approx(model.spec.firms.fractional_fill_without_ge, abs=0.1)


def test_a_firm_view_counts_its_own_employees():
    model = model_of(scenario())
    firms = model.firms
    create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    recount(model)
    firm = model.orgs[int(firms.org[0])]
    assert firm.employees == np.count_nonzero(model.people.employer == firms.org[0])


# ---------------------------------------------------------------------------------------------
# Agents: ESS structures
# ---------------------------------------------------------------------------------------------


def hire(model, structure, status, n, **move):
    rows = rows_in(model, Status.SEEKER)[:n]
    model.people.move(
        rows, status, model.month_index, employer=structure.org, fte=move.pop("fte", 1.0), **move
    )
    recount(model)
    return rows


def test_structure_sizes_its_permanent_staff_and_opens_or_sheds_posts():
    model = model_of(scenario(scale=1.0))
    s = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=2)
    recount(model)
    s.adjust_permanent(0.5)
    assert [(o.status, o.count, o.fte) for o in s.openings] == [(Status.ESS, 2, 1.0)]
    s.openings = []
    s.adjust_permanent(3.5)
    assert [(o.count, o.fte) for o in s.openings] == [(4, pytest.approx(0.875))]
    s.openings = []
    staff = hire(model, s, Status.ESS, 5)
    s.adjust_permanent(2.0)
    recount(model)
    assert s.openings == [] and s.staff() == 2
    assert np.count_nonzero(model.people.status[staff] == Status.ESS) == 2
    zero = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    recount(model)
    zero.adjust_permanent(0.0)
    assert zero.openings == []
    small = model_of(scenario(scale=0.1))
    tiny = create(small, StructureKind.ESS_ENTERPRISE, permanent_staff=2)
    recount(small)
    tiny.adjust_permanent(0.0)  # 0.2 FTE: one person part-time
    assert [(o.count, o.fte) for o in tiny.openings] == [(1, pytest.approx(0.2))]


def test_structure_in_difficulty_sheds_one_post_a_month_and_opens_none():
    model = model_of(scenario())
    s = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    hire(model, s, Status.ESS, 3)
    s.monthly_costs = 100.0
    s.cash = -40.0  # not healthy, but within half its overdraft: keeps its staff
    s.adjust(Status.ESS, 5)
    assert s.openings == [] and s.staff() == 3
    s.cash = -60.0
    s.adjust(Status.ESS, 5)
    recount(model)
    assert s.openings == [] and s.staff() == 2
    s.cash = 0.0
    s.adjust(Status.ESS, 4, fte=0.5, skill=0.6, far=True, contract_months=6)
    assert s.openings == [Openings(s.org, Status.ESS, 2, 0.5, 0.6, -1, True, 6)]
    s.openings = []
    s.adjust(Status.ESS, 0, contract_months=6)  # fixed terms are not shed
    recount(model)
    assert s.staff() == 2
    empty = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    recount(model)
    empty.cash = -1.0  # nobody yet: it may still open its first posts
    empty.adjust(Status.ESS, 1)
    assert [o.count for o in empty.openings] == [1]
    assert s.healthy() is False or s.cash >= 0


def test_structure_wages_settlement_and_distress():
    def change(data):
        data["finance"].update(
            wage_cost_eur_per_fte_month=2000.0,
            insertion_wage_cost_eur_per_fte_month=1000.0,
            work_study_wage_cost_eur_per_fte_month=500.0,
            overhead_share=0.5,
            overdraft_months=2.0,
            failure_grace_months=1,
        )
        with_market("no_demand")(data)  # it sells nothing

    model = model_of(scenario(change, authorities=[]))
    s = create(
        model, StructureKind.ESS_ENTERPRISE, permanent_staff=0, cash_eur=0.0, market="no_demand"
    )
    hire(model, s, Status.ESS, 1, fte=0.5)
    hire(model, s, Status.INSERTION, 2)
    hire(model, s, Status.GEIQ, 1)
    hire(model, s, Status.GE, 1)
    assert s.wages() == pytest.approx(1.5 * 2000 + 2 * 1000 + 500)
    assert s.staff_fte(Status.ESS) == 0.5 and s.staff(Status.INSERTION) == 2
    s.settle()
    costs = 5500 * 1.5
    assert s.monthly_costs == pytest.approx(costs)
    assert s.cash == pytest.approx(-costs)
    assert s.year.costs_eur == pytest.approx(costs) and s.year.sales_eur == 0.0
    assert s.year.fte_months == pytest.approx(4.5)
    assert s.overdraft() == pytest.approx(2 * costs)
    assert not s.check_distress() and s.distress_months == 0
    s.cash = -2 * costs - 1
    assert not s.check_distress() and s.distress_months == 1
    assert s.check_distress() and s.distress_months == 2
    s.cash = -2 * costs
    assert not s.check_distress() and s.distress_months == 0
    row = s.row(7, 0)
    assert row["employees"] == 7 and row["fte"] == pytest.approx(4.5 / 12)
    assert row["costs_eur"] == pytest.approx(costs) and row["member_firms"] is None
    assert row["insertion_employees"] is None and row["cash_eur"] == s.cash
    assert s.turnover() == 0.0 and s.member_count() == 0 and s.employers_involved() == 0
    s.fail()
    assert not s.alive and not (model.people.employer == s.org).any()
    assert model.events_applied[-1][1:] == ("failure", s.name)
    assert s.kind_name == "ess_enterprise"


def test_operating_grants_cover_part_of_a_deficit():
    model = model_of(scenario(with_market("no_demand"), authorities=AUTHORITIES))
    s = create(
        model, StructureKind.ESS_ENTERPRISE, permanent_staff=0, cash_eur=0.0, market="no_demand"
    )
    hire(model, s, Status.ESS, 1)
    s.settle()
    deficit = s.monthly_costs
    assert s.year.aid_eur == pytest.approx(0.75 * deficit)
    assert s.cash == pytest.approx(-0.25 * deficit)


def with_market(name: str = "m", **fields):
    """A ``change`` for :func:`scenario` that adds a market (retail sector, households pay)."""
    market = {
        "name": name,
        "sector": "retail_services",
        "buyers": {"households": 1.0},
        "displacement": "medium",
        "displacement_reason": "test",
        **fields,
    }

    def change(data):
        data["markets"].append(market)

    return change


def test_market_structures_share_a_finite_market_within_their_staff():
    model = model_of(
        scenario(
            with_market(eur_per_employed_per_year=120.0, growth_with_trust=1.0),
            authorities=AUTHORITIES,
        )
    )
    s = create(
        model,
        StructureKind.ESS_ENTERPRISE,
        permanent_staff=0,
        market="m",
        sales_eur_per_fte_month=1000.0,
        purchases_share=0.25,
    )
    employed = model.employed
    network = model.network
    network.trust[:] = 0.5
    network.refresh()
    trust = network.reputation(s.org)
    assert trust == pytest.approx(0.5)
    assert s.market_eur_month() == pytest.approx(10.0 * employed * 1.5)
    assert s.production_fte() == pytest.approx(0.015 * employed)
    recount(model)
    s.plan()
    assert sum(o.count for o in s.openings) >= 1
    hire(model, s, Status.ESS, 2)
    assert s.revenue() == (pytest.approx(min(15.0 * employed, 2000.0)), 0.0, 0.0)
    s.month_sales = 400.0
    assert s.extra_costs() == pytest.approx(100.0)
    # a second supplier of the market takes half of it: the demand does not grow
    t = create(model, StructureKind.ESS_ENTERPRISE, market="m")
    network.trust[:] = 0.5
    network.refresh()
    total = 10.0 * model.employed * 1.5
    assert s.market_eur_month() + t.market_eur_month() == pytest.approx(total)
    assert s.market_eur_month() == pytest.approx(t.market_eur_month())
    off = model_of(
        scenario(with_market(eur_per_employed_per_year=120.0), cooperation={"enabled": False})
    )
    u = create(off, StructureKind.ESS_ENTERPRISE, market="m")
    off.network.trust[:] = 0.5
    off.network.refresh()
    assert u.market_eur_month() == pytest.approx(10.0 * off.employed)


def test_market_sales_are_paid_by_its_buyers_and_displace_the_sector_next_month():
    change = with_market(
        eur_per_employed_per_year=120.0,
        displacement=0.5,
        buyers={"households": 0.25, "firms": 0.25, "public": 0.25, "outside": 0.25},
    )
    model = model_of(scenario(change))
    s = create(model, StructureKind.ESS_ENTERPRISE, market="m", purchases_share=0.2)
    firms = model.firms
    cash = firms.cash.sum()
    paid = {account: amount for account, amount, _ in model.markets.sell(s, 1000.0)}
    assert paid == {
        HOUSEHOLDS: pytest.approx(250.0),
        FIRMS: pytest.approx(250.0),
        PUBLIC_BUYERS: pytest.approx(250.0),
        REST_OF_WORLD: pytest.approx(250.0),
    }
    model.firm_accounts.share_out_purchases()  # at the firms' settlement, the same month
    assert firms.cash.sum() == pytest.approx(cash - 250.0)  # the open firms paid their share
    model.markets.close_month()
    retail = [x.name for x in model.spec.sectors].index("retail_services")
    per_fte = model.spec.sectors[retail].sales_eur_per_fte_month
    displaced = model.markets.displaced_fte()
    # half of the value it adds (its sales less its purchases) was the retail firms'
    assert displaced[retail] == pytest.approx(0.5 * 800.0 / per_fte)
    assert displaced.sum() == pytest.approx(displaced[retail])
    in_retail = firms.alive & (firms.sector == retail)
    demand = firms.demand[in_retail].sum()
    model.economy._displace(displaced)
    assert firms.demand[in_retail].sum() == pytest.approx(demand - 400.0 / per_fte)


def test_work_integration_enterprise_opens_insertion_posts_and_earns_aid():
    model = model_of(
        scenario(
            with_market("w"),
            authorities=AUTHORITIES,
            work_integration={"insertion_productivity": 0.5, "post_months": 24},
        )
    )
    model.markets.demand_eur_month = lambda market: 100.0  # a market of EUR 100 a month
    ei = create(
        model,
        StructureKind.WORK_INTEGRATION,
        permanent_staff=0,
        market="w",
        sales_eur_per_fte_month=100.0,
        insertion_share=0.5,
    )
    recount(model)
    assert ei.production_fte() == pytest.approx(1.0)
    ei.plan()
    insertion = [o for o in ei.openings if o.status == Status.INSERTION]
    assert [(o.count, o.far_from_work, o.contract_months) for o in insertion] == [(1, True, 24)]
    hire(model, ei, Status.INSERTION, 2, contract_end=30)
    hire(model, ei, Status.ESS, 1)
    sales, fees, aid = ei.revenue()
    assert sales == pytest.approx(min(ei.market_eur_month(), (1 + 0.5 * 2) * 100.0))
    assert sales < 200.0
    assert aid == pytest.approx((1200 + 2400) * 2 / 12)
    assert ei.year.hours == pytest.approx(2 * model.hours_per_month)
    rows = np.flatnonzero(model.people.status == Status.INSERTION)
    ei.end_contracts(rows)
    assert (model.people.status[rows] == Status.SEEKER).all()
    priority = model.spec.mechanisms.work_integration.exit_priority
    assert (model.people.priority[rows] == priority).all()
    for a in model.authorities:
        a.left = 0.0
    recount(model)
    ei.plan()  # no aid left: no new insertion post
    assert not [o for o in ei.openings if o.status == Status.INSERTION]
    off = model_of(scenario(work_integration={"enabled": False}))
    ei = create(off, StructureKind.WORK_INTEGRATION, insertion_share=0.5)
    recount(off)
    ei.plan()
    assert not [o for o in ei.openings if o.status == Status.INSERTION]


def test_integration_restaurant_serves_the_pole_workforce():
    lunches = with_market(
        "lunch",
        eur_per_pole_worker_per_year=650.0 * 12,
        eur_per_employed_per_year=0.25 * 650.0 * 12,
        growth_with_trust=0.0,
    )
    model = model_of(scenario(lunches, authorities=AUTHORITIES))
    r = create(
        model,
        StructureKind.INTEGRATION_RESTAURANT,
        permanent_staff=0,
        market="lunch",
        sales_eur_per_fte_month=1e9,
    )
    assert r.market_eur_month() == pytest.approx(650.0 * 0.25 * model.employed)
    hire(model, r, Status.ESS, 1)
    assert model.network.pole_jobs() == 1  # its own cook, in the network
    sales, _, _ = r.revenue()
    assert sales == pytest.approx(650.0 * (1 + 0.25 * model.employed))
    assert r.year.meals == pytest.approx(sales / 6.5)
    assert r.row(0, 0)["meals_per_day"] == pytest.approx(sales / 6.5 / 12 / 21)


def test_employer_group_pools_members_part_time_needs():
    model = model_of(
        scenario(
            shared_employment={
                "worker_fte": 0.5,
                "member_fee_eur_per_year": 120.0,
                "billing_eur_per_hour": 10.0,
            }
        )
    )
    firms = model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP, permanent_staff=0)
    firms.demand[:3] = [2.5, 1.75, 3.0]
    firms.ge[:3] = ge.org
    firms.ge_need[:3] = [0.5, 0.75, 0.9]  # the needs they contracted on joining
    firms.alive[2] = False
    assert ge.pooled_need_fte() == pytest.approx(1.25)
    firms.demand[:2] = [4.0, 1.6]  # their needs move, not their contracts
    assert ge.pooled_need_fte() == pytest.approx(1.25)
    ge.smoothed_need = 12.0
    recount(model)
    ge.plan()
    assert ge.smoothed_need == pytest.approx(12.0 + (1.25 - 12.0) / 12)
    ge_posts = [o for o in ge.openings if o.status == Status.GE]
    assert [(o.count, o.fte) for o in ge_posts] == [(round(ge.smoothed_need / 0.5), 0.5)]
    assert ge.host_weights(np.array([0, 1])) == pytest.approx([0.501, 0.751])
    lent = hire(model, ge, Status.GE, 3, fte=0.5)
    model.people.host[lent[:2]] = firms.org[:2]  # the third is not lent: not billed
    cash = firms.cash[:2].copy()
    sales, fees, aid = ge.revenue()
    assert sales == pytest.approx(1.0 * model.hours_per_month * 10.0)
    assert fees == pytest.approx(2 * 10.0) and aid == 0.0
    assert firms.pole_bills[:2] == pytest.approx([0.5 * model.hours_per_month * 10.0 + 10.0] * 2)
    assert firms.cash[:2] == pytest.approx(cash - firms.pole_bills[:2])
    assert ge.turnover() == 0.0
    ge.hired(Status.GE, 3)
    ge.hired(Status.ESS, 1)
    assert ge.year.contracts_started == 3 and model.tally.jobs["ge_hires"] == 3
    off = model_of(scenario(shared_employment={"enabled": False}))
    ge = create(off, StructureKind.EMPLOYER_GROUP, permanent_staff=0)
    ge.smoothed_need = 5.0
    recount(off)
    ge.plan()
    assert not [o for o in ge.openings if o.status == Status.GE]


def test_geiq_recruits_for_members_short_of_skilled_staff_and_earns_aid():
    model = model_of(
        scenario(
            authorities=AUTHORITIES,
            geiq={
                "recruitment_rate": 1.0,
                "trainees_per_member": 2.0,
                "training_share": 0.25,
                "billing_eur_per_hour": 10.0,
                "aid_per_contract_eur": 100.0,
                "member_fee_eur_per_year": 240.0,
                "local_training_share": 0.5,
                "contract_months": 18,
            },
        )
    )
    firms = model.firms
    centre = create(model, StructureKind.TRAINING_CENTRE)
    geiq = create(model, StructureKind.GEIQ, permanent_staff=0)
    firms.geiq[:3] = geiq.org
    firms.unfilled_skilled[:3] = [0.2, 2.0, 0.1]
    assert list(geiq.trainees_wanted()) == [1.0, 2.0, 0.0]
    rows = hire(model, geiq, Status.GEIQ, 1)
    model.people.host[rows] = firms.org[1]
    assert list(geiq.trainees_wanted()) == [1.0, 1.0, 0.0]
    assert geiq.host_weights(geiq.members()) == pytest.approx([1.001, 1.001, 0.001])
    firms.unfilled_skilled[0] = 9.0  # more than its tutor can follow
    assert list(geiq.trainees_wanted()) == [
        model.spec.mechanisms.geiq.trainees_per_member,
        1.0,
        0.0,
    ]
    firms.unfilled_skilled[0] = 0.2
    geiq.plan()
    assert [
        (o.status, o.count, o.far_from_work, o.contract_months)
        for o in geiq.openings
        if o.status == Status.GEIQ
    ] == [(Status.GEIQ, 2, True, 18)]
    sales, fees, aid = geiq.revenue()
    hours = model.hours_per_month
    assert sales == pytest.approx(0.75 * hours * 10.0)
    assert fees == pytest.approx(3 * 20.0)
    assert geiq.training_hours_due == pytest.approx(0.25 * hours)
    assert geiq.extra_costs() == 0.0
    assert centre.bought_hours == pytest.approx(0.125 * hours)
    cash = geiq.cash
    geiq.hired(Status.GEIQ, 2)
    public = 200.0 * (1.0 - model.spec.mechanisms.geiq.opca_aid_share)  # the rest: the OPCA's
    assert geiq.cash == pytest.approx(cash + 200.0) and geiq.year.aid_eur == pytest.approx(public)
    assert geiq.year.contracts_started == 2 and model.tally.jobs["geiq_contracts"] == 2
    geiq.hired(Status.ESS, 1)
    assert geiq.year.contracts_started == 2
    geiq.cash = -1.0
    geiq.plan()  # not healthy: no recruitment
    assert not [o for o in geiq.openings if o.status == Status.GEIQ]


def test_geiq_contract_ends_in_hiring_by_the_host_more_often_when_skilled():
    import copy

    rates = []
    for skill in (0.0, 1.0):
        model = model_of(scenario(geiq={"hire_base_probability": 0.5}), seed=1)
        model.labour.to_seeking(rows_in(model, Status.CLASSIC))
        firms, people = model.firms, model.people
        geiq = create(model, StructureKind.GEIQ, permanent_staff=0)
        rows = hire(model, geiq, Status.GEIQ, 200)
        people.skill[rows] = skill
        firms.demand[0] = 5.0  # the post the trainees held is still wanted once they leave
        host = int(firms.org[0])
        people.host[rows] = host
        people.host[rows[:10]] = int(firms.org[1])
        firms.alive[1] = False  # a closed host hires nobody
        stream = copy.deepcopy(model.streams.geiq)
        geiq.end_contracts(rows)
        hired = people.status[rows] == Status.CLASSIC
        p = np.where(np.arange(rows.size) < 10, 0.0, 0.5 * (0.5 + skill))  # base 0.5, demand 1
        assert (hired == (stream.random(rows.size) < p)).all()
        assert not hired[:10].any()
        assert (people.employer[rows[hired]] == host).all()
        assert (people.exit_kind[rows[~hired]] == 2).all()
        assert geiq.year.hires_at_end == hired.sum()
        rates.append(hired[10:].mean())
    assert rates[0] < rates[1]


def test_activity_cooperative_tests_projects_and_incubates():
    model = model_of(
        scenario(
            authorities=AUTHORITIES,
            incubation={
                "intake_rate": 1.0,
                "test_months": 12,
                "holder_turnover_eur_per_month": 1000.0,
                "contribution_share": 0.1,
                "aid_per_holder_eur": 1200.0,
            },
        )
    )
    cae = create(model, StructureKind.ACTIVITY_COOPERATIVE, permanent_staff=0)
    recount(model)
    cae.plan()
    # every job seeker brings a project (intake_rate 1): no capacity caps how many it takes on
    seekers = len(rows_in(model, Status.SEEKER)) + len(rows_in(model, Status.LONG_TERM))
    holders = [o for o in cae.openings if o.contract_months == 12]
    assert seekers > 0 and [(o.status, o.count) for o in holders] == [(Status.ESS, seekers)]
    rows = hire(model, cae, Status.ESS, 2, contract_end=12)
    assert cae.staff(HOLDER) == 2
    sales, fees, aid = cae.revenue()
    assert sales == pytest.approx(0.1 * 2000.0) and aid == pytest.approx(2 * 1200.0 / 12)
    assert cae.turnover() == pytest.approx(2000.0)
    cae.hired(HOLDER, 2)
    assert cae.year.contracts_started == 2
    firms = len(model.firms)
    model.people.skill[rows] = 1.0
    ok = model_of(scenario(incubation={"activity_success": 1.0, "ess_structure_share": 0.0}))
    cae2 = create(ok, StructureKind.ACTIVITY_COOPERATIVE, permanent_staff=0)
    rows2 = hire(ok, cae2, Status.ESS, 3, contract_end=12)
    n = len(ok.firms)
    cae2.end_contracts(rows2)
    assert len(ok.firms) == n + 3 and (ok.people.status[rows2] == Status.CLASSIC).all()
    fail = model_of(scenario(incubation={"activity_success": 0.0}))
    cae3 = create(fail, StructureKind.ACTIVITY_COOPERATIVE, permanent_staff=0)
    rows3 = hire(fail, cae3, Status.ESS, 3, contract_end=12)
    cae3.end_contracts(rows3)
    assert (fail.people.status[rows3] == Status.SEEKER).all()
    assert (fail.people.exit_kind[rows3] == 3).all()
    ess = model_of(scenario(incubation={"activity_success": 1.0, "ess_structure_share": 1.0}))
    cae4 = create(ess, StructureKind.ACTIVITY_COOPERATIVE, permanent_staff=0)
    rows4 = hire(ess, cae4, Status.ESS, 2, contract_end=12)
    before = len(ess.pole.structures)
    cae4.end_contracts(rows4)
    assert len(ess.pole.structures) == before + 2
    assert firms == len(model.firms)
    off = model_of(scenario(incubation={"enabled": False}))
    cae5 = create(off, StructureKind.ACTIVITY_COOPERATIVE, permanent_staff=0)
    recount(off)
    cae5.plan()
    assert not [o for o in cae5.openings if o.contract_months]


def test_training_centre_sells_courses_and_hours_and_sizes_its_team():
    model = model_of(
        scenario(
            authorities=SEAT_AUTHORITIES,
            training={
                "hours_per_month_in_course": 100.0,
                "price_eur_per_hour": 7.0,
                "firm_hours_per_employee_per_year": 0.0,
            },
        )
    )
    centre = create(model, StructureKind.TRAINING_CENTRE, permanent_staff=0, staff_per_output=2.0)
    rows = rows_in(model, Status.SEEKER)[:2]
    model.people.move(rows, Status.TRAINING, 0, host=centre.org, contract_end=4)
    recount(model)
    centre.sold(10.0, 70.0)
    sales, fees, aid = centre.revenue()
    assert aid == pytest.approx(1400.0)
    assert sales == pytest.approx(70.0)
    assert centre.hours_rate == pytest.approx(0.1 * 210.0)
    assert centre.bought_hours == 0.0 and centre.bought_eur == 0.0
    assert centre.year.training_hours == pytest.approx(210.0)
    assert centre.turnover() == pytest.approx(1400.0)
    centre.plan()
    assert [(o.count, o.fte) for o in centre.openings] == [(1, pytest.approx(0.042))]


def test_animator_sizes_its_team_on_grants_and_runs_the_plie():
    model = model_of(
        scenario(
            authorities=AUTHORITIES, cooperation={"plie": True, "member_fee_eur_per_year": 120.0}
        )
    )
    people = model.people
    animator = create(model, StructureKind.ANIMATOR, permanent_staff=1, capacity=40.0)
    lt = rows_in(model, Status.SEEKER)[:5]
    people.move(lt, Status.LONG_TERM, 0)
    recount(model)
    animator.plan()
    assert people.plie[lt].sum() == min(5, int(40 * max(0.0, SCALE)))
    model.network.tie(animator.org, int(model.firms.org[0]), "member")
    model.network.tie(animator.org, int(model.firms.org[1]), "member")
    fees = animator.member_fees()
    members = model.network.graph.number_of_nodes() - 1
    assert fees == pytest.approx(members * 10.0)
    followed = int(people.plie.sum())
    sales, fee_in, grants = animator.revenue()
    assert fee_in == pytest.approx(fees) and sales == 0.0
    assert grants == pytest.approx(36_000 * SCALE / 12 + 360 * followed / 12)
    off = model_of(scenario(cooperation={"enabled": False, "plie": True}))
    a2 = create(off, StructureKind.ANIMATOR, capacity=40.0)
    off.people.move(rows_in(off, Status.SEEKER)[:3], Status.LONG_TERM, 0)
    recount(off)
    a2.plan()
    assert not off.people.plie.any() and a2.member_fees() == 0.0


def test_accepted_projects_launch_when_the_animator_can_fund_them():
    def no_hours(data):
        data["deliberation"]["hours_per_project"] = 0.0

    model = model_of(
        scenario(
            no_hours, scale=1.0, cooperation={"requests_per_launch": 3, "launch_cost_eur": 1000.0}
        )
    )
    animator = create(model, StructureKind.ANIMATOR, cash_eur=5000.0)
    deliberation = model.deliberation
    n = len(model.pole.structures)
    deliberation.receive("firms", 2, sector=0)
    deliberation._form_projects()
    assert not deliberation.agenda and animator.pending_requests == 2
    deliberation.receive("firms", 2, sector=0)
    deliberation._form_projects()
    assert len(deliberation.agenda) == 1 and deliberation.pending[("firms", 0)] == 1
    animator.cash = 999.0
    deliberation._meet(animator)  # accepted (firms' projects: 3 colleges of 4), not funded yet
    deliberation._launch(animator)
    assert len(model.pole.structures) == n and len(deliberation.accepted) == 1
    animator.cash = 1000.0
    deliberation._launch(animator)
    assert len(model.pole.structures) == n + 1
    launched = model.pole.structures[-1]
    assert launched.cash == pytest.approx(1000.0) and animator.cash == 0.0
    assert deliberation.launched == 1 and not deliberation.accepted
    assert model.tally.jobs["launched_structures"] == 1
    assert launched.kind == StructureKind.ESS_ENTERPRISE and launched.in_pole
    assert launched.spec.permanent_staff == model.spec.deliberation.origins.firms.jobs


# ---------------------------------------------------------------------------------------------
# Added against mutants that survived the checks above (docs/testing.md)
# ---------------------------------------------------------------------------------------------


def test_firm_noise_is_an_ar1_on_the_economy_stream():
    import copy

    def change(data):
        flat_sectors(data)
        for s in data["sectors"]:
            s["firm_noise"] = 0.2
        data["firms"]["exit_rate_per_year"] = 0.0

        for s in data["sectors"]:
            s["trend_per_year"] = 0.2

    model = model_of(scenario(change))
    firms = model.firms
    firms.noise[:] = 0.1
    model.economy.base_jobs[:] = 0.0  # no entries
    model.month_index = 12
    stream = copy.deepcopy(model.streams.economy)
    model.economy.update_demand()
    draws = stream.normal(0.0, 1.0, len(firms))
    assert firms.noise == pytest.approx(0.95 * 0.1 + 0.2 * draws)
    assert firms.demand == pytest.approx(firms.base * np.exp(0.2) * np.exp(firms.noise))


def test_yearly_and_monthly_sums_accumulate():
    model = funded(cooperation={"call_win_logit": 20.0})  # a pole sure to win its calls
    a = model.authorities[0]
    cut = BudgetCutSpec(
        date="1970-02", type="budget_cut", authority="A", share=0.5, items=["operating_grant"]
    )
    a.cut(cut)
    a.cut(cut)
    assert a.factor["operating_grant"] == pytest.approx(0.25)
    animator = create(model, StructureKind.ANIMATOR)
    animator.year.aid_eur = 10.0
    model.tally.public_month_eur = 7.0
    model.funding.funding_call("A", 20.0)
    assert animator.year.aid_eur == pytest.approx(10.0 + 20.0 * SCALE)
    assert model.tally.public_month_eur == pytest.approx(7.0 + 20.0 * SCALE)
    model.tally.project_requests = 5
    model.firms.demand[:] = 3.0
    model.network.cooperate()
    assert model.tally.project_requests >= 5


def test_successes_with_a_default_weight_and_the_animator_only_when_there_is_one():
    model = model_of(scenario(cooperation={"trust_gain": 0.1}))
    network = model.network
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    host = int(model.firms.org[0])
    network.tie(ge.org, host, "member", trust=0.5)
    network.succeed(ge.org, np.array([host]))
    assert network.trust[network.graph.edges[ge.org, host]["idx"]] == pytest.approx(0.55)
    network.monthly()  # members but no animator: no success with it, and no error
    half = create(model, StructureKind.ESS_ENTERPRISE)
    animator = create(model, StructureKind.ANIMATOR)
    network.formalise()  # the pact ties the animator to the others
    ge.cash, half.cash, animator.cash = 0.0, 0.5, 0.0
    network.trust[:] = 0.5
    network.monthly()
    for s in (ge, half):
        i = network.graph.edges[animator.org, s.org]["idx"]
        decayed = 0.5 * (1 - model.spec.mechanisms.cooperation.trust_decay_per_year) ** (1 / 12)
        assert network.trust[i] == pytest.approx(decayed + 0.05 * (1 - decayed))
    other = model_of(scenario(lambda d: d["other_ess"].update(count=20, join_rate=1.0)))
    animator = create(other, StructureKind.ANIMATOR)
    other.network.structures_join()
    joined = [s for s in other.pole.structures if s.in_pole and s is not animator]
    assert joined and all(
        other.network.graph.edges[animator.org, s.org]["kinds"] == {"member"} for s in joined
    )


def test_request_chances_follow_the_rule_on_the_cooperation_stream():
    import copy

    model = model_of(scenario(scale=0.5, cooperation={"request_rate": 0.05, "initial_trust": 0.5}))
    firms = model.firms
    animator = create(model, StructureKind.ANIMATOR)
    distressed = [create(model, StructureKind.ESS_ENTERPRISE) for _ in range(30)]
    for s in distressed:
        s.cash = -1.0
    create(model, StructureKind.ESS_ENTERPRISE).cash = 0.0  # not distressed
    create(model, StructureKind.ESS_ENTERPRISE).cash = 0.5
    firms.demand[:] = 3.0
    firms.demand[: len(firms) // 2] = 3.5
    firms.demand[-1] = 0.3  # a fraction of exactly 0.3 is no unmet need
    firms.trust[:] = 0.0
    firms.trust[:10] = 0.5
    stream = copy.deepcopy(model.streams.cooperation)
    count = model.network.requests()
    _, fraction = firms.jobs_target()
    unmet = (fraction > 0.3) & firms.alive
    p = 0.05 * (0.5 + firms.trust)
    expected = int(np.count_nonzero(unmet & (stream.random(len(firms)) < p)))
    expected += int(stream.binomial(30, 0.5))
    assert count == expected
    assert animator.pending_requests == count


def test_entries_follow_the_index_and_the_scaled_threshold():
    model = model_of(scenario(flat_sectors, scale=0.5))
    economy, firms = model.economy, model.firms
    offered = np.bincount(firms.sector, weights=firms.base, minlength=len(model.spec.sectors))
    economy.base_jobs[:] = offered
    economy.index[:] = 2.0
    n = len(firms)
    economy._entries()
    assert len(firms) == n  # demand and offer both doubled: no gap
    economy.base_jobs[3] += 100.0
    economy._entries()
    new = np.arange(n, len(firms))
    assert (firms.sector[new] == 3).all()
    assert firms.base[new].sum() == pytest.approx(100.0, rel=0.5)
    # the last sector lost all its firms: new ones open there
    last = len(model.spec.sectors) - 1
    model = model_of(scenario(flat_sectors, scale=0.5))
    economy, firms = model.economy, model.firms
    offered = np.bincount(firms.sector, weights=firms.base, minlength=len(model.spec.sectors))
    economy.base_jobs[:] = offered
    firms.alive[firms.sector == last] = False
    n = len(firms)
    economy._entries()
    assert len(firms) > n and (firms.sector[n:] == last).all()
    # the threshold: 4 jobs at full scale and above, scaled down below
    for scale, gap, opens in ((0.5, 5.0, True), (2.0, 6.0, True), (2.0, 3.9, False)):
        model = model_of(scenario(flat_sectors, scale=scale))
        economy, firms = model.economy, model.firms
        offered = np.bincount(firms.sector, weights=firms.base, minlength=len(model.spec.sectors))
        economy.base_jobs[:] = offered
        economy.base_jobs[4] += gap
        n = len(firms)
        economy._entries()
        assert (len(firms) > n) == opens, (scale, gap)


def test_no_layoffs_at_target_and_smoothed_openings_over_months():
    model = labour_model(firm_rules(quit_rate=0.0, layoff_speed=1.0, hiring_speed=0.5))
    people, firms = model.people, model.firms
    classic = rows_in(model, Status.CLASSIC)
    headcount = np.bincount(model.orgs.firm_rows(people.employer[classic]), minlength=len(firms))
    firms.fills_alone[:] = False
    firms.demand[:] = headcount
    busy = np.flatnonzero(headcount >= 2)[0]
    firms.fills_alone[busy] = True
    firms.demand[busy] = headcount[busy] - 1 + 0.6  # a part-time job filled alone
    firms.add(model, np.array([0], dtype=np.int16), np.array([4.0]))  # nobody yet
    firms.fills_alone[-1] = False
    model.labour.firm_separations()
    assert (people.status[classic] == Status.CLASSIC).all()
    openings = model.labour.firm_openings()
    assert [(o.org, o.count) for o in openings] == [(firms.org[-1], 2)]  # half the gap of 4
    first = model.labour.sector_openings.copy()
    assert first[0] == pytest.approx(2 / 12)
    model.labour.firm_openings()
    assert model.labour.sector_openings[0] == pytest.approx(first[0] + (2 - first[0]) / 12)


# ---------------------------------------------------------------------------------------------
# Added in the second mutation run (docs/testing.md): funders' budget years, in-commuting,
# markets, firms' accounts and choices
# ---------------------------------------------------------------------------------------------


def test_a_funder_opens_with_the_months_left_and_renews_its_budget_in_january():
    late = [
        dict(AUTHORITIES[0], active_from="1970-04"),
        dict(AUTHORITIES[1], active_from="1971-07"),
    ]
    model = model_of(scenario(authorities=late))
    a, b = model.authorities
    ledger = model.ledger
    assert (a.left, b.left) == (0.0, 0.0) and ledger.balance(a.org) == 0.0
    b.factor["budget"] = 0.5
    model.month_index = 3  # April 1970: A comes in with 9 months of its 60,000
    a.start_month()
    b.start_month()
    assert a.left == pytest.approx(45_000.0) and ledger.balance(a.org) == pytest.approx(45_000.0)
    assert b.left == 0.0 and ledger.balance(b.org) == 0.0
    a.left = 100.0
    model.month_index = 5  # June: nothing to do
    a.start_month()
    assert a.left == 100.0 and ledger.balance(a.org) == pytest.approx(45_000.0)
    model.month_index = 12  # January 1971: a new year for A, still nothing for B
    a.start_month()
    b.start_month()
    assert a.left == pytest.approx(60_000.0) and ledger.balance(a.org) == pytest.approx(60_000.0)
    assert b.left == 0.0
    model.month_index = 18  # July 1971: B comes in with half its budget for 6 months
    b.start_month()
    assert b.left == pytest.approx(120_000.0 * 0.5 * 6 / 12)
    assert ledger.balance(b.org) == pytest.approx(30_000.0)


def test_a_funder_books_a_change_of_its_budget_left():
    model = funded()
    a = model.authorities[0]
    ledger = model.ledger
    withdrawn, granted = ledger.totals[Flow.BUDGET_WITHDRAWN], ledger.totals[Flow.BUDGET]
    outside = ledger.balance(REST_OF_WORLD)
    a.left = 100.0
    a.sync_budget()
    assert ledger.balance(a.org) == pytest.approx(100.0)
    assert ledger.balance(REST_OF_WORLD) - outside == pytest.approx(60_000.0 - 100.0)
    assert ledger.totals[Flow.BUDGET_WITHDRAWN] - withdrawn == pytest.approx(60_000.0 - 100.0)
    assert ledger.totals[Flow.BUDGET] == granted
    a.left = 250.0
    a.sync_budget()
    assert ledger.balance(a.org) == pytest.approx(250.0)
    assert ledger.totals[Flow.BUDGET] - granted == pytest.approx(150.0)
    assert ledger.balance(REST_OF_WORLD) - outside == pytest.approx(60_000.0 - 250.0)
    a.sync_budget()  # nothing changed: nothing booked
    assert ledger.totals[Flow.BUDGET] - granted == pytest.approx(150.0)
    assert ledger.totals[Flow.BUDGET_WITHDRAWN] - withdrawn == pytest.approx(59_900.0)
    a.left = 250.5  # less than a euro more
    a.sync_budget()
    assert ledger.balance(a.org) == pytest.approx(250.5)


def commuting_posts(model: PtceModel) -> dict[str, np.ndarray]:
    """Seven posts of the matching's kind, open to in-commuters or not.

    Classic in a local sector and in the conurbation, a permanent and a fixed-term ESS post, an
    insertion post, a GE post, an ESS post of one month.
    """
    firms = model.firms
    outside = [s.located_outside for s in model.spec.sectors].index(True)
    local = int(firms.sector[0])
    ess = create(model, StructureKind.ESS_ENTERPRISE)
    return {
        "status": np.array(
            [
                Status.CLASSIC,
                Status.CLASSIC,
                Status.ESS,
                Status.ESS,
                Status.INSERTION,
                Status.GE,
                Status.ESS,
            ]
        ),
        "sector": np.array([local, outside, NO_SECTOR, NO_SECTOR, NO_SECTOR, NO_SECTOR, NO_SECTOR]),
        "months": np.array([0, 0, 0, 12, 12, 0, 1]),
        "org": np.array([firms.org[0], firms.org[1], ess.org, ess.org, ess.org, ess.org, ess.org]),
        "fte": np.array([1.0, 1.0, 0.8, 1.0, 1.0, 0.5, 1.0]),
    }


def test_only_local_classic_and_permanent_ess_posts_are_open_to_in_commuters():
    from ptce_sim.simulation.mechanisms import commuting

    model = model_of()
    posts = commuting_posts(model)
    open_ = commuting.open_to_in_commuters(model, posts)
    assert open_.tolist() == [True, False, True, False, False, False, False]


def test_in_commuters_take_the_open_posts_they_draw_and_leave_with_their_wages():
    import copy

    from ptce_sim.simulation.mechanisms import commuting

    model = model_of(scenario(lambda d: d["labour_market"].update(in_commuter_share=1.0)))
    people = model.people
    posts = commuting_posts(model)
    filled = np.array([0, 1, 2, 3])
    seekers = rows_in(model, Status.SEEKER)[:4]
    n = len(people)
    held = commuting.jobs_held(model)  # in-commuters of the start
    assert held == np.count_nonzero(~people.resident) > 0
    rows = commuting.take_posts(model, posts, filled, seekers)
    assert rows[[1, 3]].tolist() == seekers[[1, 3]].tolist()  # closed posts: the residents
    assert rows[[0, 2]].tolist() == [n, n + 1]  # open posts: two in-commuters
    assert len(people) == n + 2 and commuting.jobs_held(model) == held + 2
    assert not people.resident[n:].any()
    assert people.status[n:].tolist() == [Status.CLASSIC, Status.ESS]
    assert people.employer[n:].tolist() == [posts["org"][0], posts["org"][2]]
    assert people.fte[n:].tolist() == [1.0, 0.8]
    assert (people.status[seekers] == Status.SEEKER).all()
    assert commuting.take_posts(model, posts, filled[:0], seekers[:0]).size == 0
    households = model.ledger.balance(HOUSEHOLDS)
    outside = model.ledger.balance(REST_OF_WORLD)
    commuting.send_wages_home(model)
    wages = people.fte[~people.resident].sum() * model.spec.finance.wage_cost_eur_per_fte_month
    assert wages > 0
    assert model.ledger.totals[Flow.COMMUTER_WAGES] == pytest.approx(wages)
    assert model.ledger.balance(HOUSEHOLDS) == pytest.approx(households - wages)
    assert model.ledger.balance(REST_OF_WORLD) == pytest.approx(outside + wages)
    one = commuting.take_posts(model, posts, np.array([0]), seekers[:1])  # a single post
    assert one.tolist() == [len(people) - 1] and not people.resident[-1]
    none = model_of(scenario(lambda d: d["labour_market"].update(in_commuter_share=0.0)))
    posts = commuting_posts(none)
    stream = copy.deepcopy(none.streams.labour_market)
    assert commuting.take_posts(none, posts, filled, seekers) is seekers
    assert none.streams.labour_market.random() == stream.random()  # no share: no draw


def test_in_commuters_are_drawn_with_their_share_on_the_labour_market_stream():
    import copy

    from ptce_sim.simulation.mechanisms import commuting

    model = model_of(scenario(lambda d: d["labour_market"].update(in_commuter_share=0.4)))
    posts = commuting_posts(model)
    filled = np.array([0, 1, 2, 0, 2, 0, 0, 2, 0, 2] * 5)
    seekers = np.arange(filled.size)
    stream = copy.deepcopy(model.streams.labour_market)
    rows = commuting.take_posts(model, posts, filled, seekers)
    eligible = np.flatnonzero(filled != 1)
    taken = eligible[stream.random(eligible.size) < 0.4]
    assert 0 < taken.size < eligible.size
    assert np.flatnonzero(rows != seekers).tolist() == taken.tolist()


def test_markets_turn_the_month_into_displaced_demand_and_yearly_totals():
    model = model_of()
    markets = model.markets
    markets.sales_month[:] = [150.0, 300.0, 500.0]
    markets.value_added_month[:] = [100.0, 200.0, 400.0]
    markets.close_month()
    # insertion services (construction, half displaced), catering and local services (retail,
    # a quarter each)
    assert markets.displaced_eur.tolist() == pytest.approx([0, 0, 50.0, 150.0, 0, 0])
    assert markets.sales_year == pytest.approx(950.0)
    assert markets.displacing_year == pytest.approx(75.0 + 75.0 + 125.0)
    assert markets.sales_month.tolist() == [0.0] * 3
    assert markets.value_added_month.tolist() == [0.0] * 3
    fte = markets.displaced_fte()
    assert fte.tolist() == pytest.approx([0, 0, 50.0 / 3470.0, 150.0 / 3700.0, 0, 0])
    assert markets.displaced_jobs() == pytest.approx(fte.sum())  # one month so far
    markets.displaced_fte()
    assert markets.months == 2
    assert markets.displaced_fte_months == pytest.approx(2 * fte.sum())
    markets.incubation_displaced_fte = 0.5
    assert markets.displaced_jobs() == pytest.approx(fte.sum() + 0.5)
    markets.sales_month[:] = [10.0, 0.0, 0.0]
    markets.close_month()
    assert markets.sales_year == pytest.approx(960.0)
    assert markets.displacing_year == pytest.approx(275.0 + 5.0)
    assert markets.displaced_eur.tolist() == pytest.approx([0.0] * 6)  # last month's, not kept
    markets.new_year()
    assert (markets.sales_year, markets.displacing_year) == (0.0, 0.0)
    assert (markets.displaced_fte_months, markets.months) == (0.0, 0)
    assert markets.displaced_jobs() == pytest.approx(0.5)


def test_firms_host_the_working_time_of_ge_workers_and_geiq_trainees():
    model = model_of()
    people, firms = model.people, model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    people.host[:] = NO_ORG
    rows = np.arange(7)
    hosts = [firms.org[0], firms.org[0], NO_ORG, ge.org, firms.org[1], firms.org[1], firms.org[2]]
    statuses = [
        Status.GE,
        Status.GEIQ,
        Status.GE,
        Status.GEIQ,
        Status.SEEKER,
        Status.CLASSIC,
        Status.GE,
    ]
    people.status[rows] = statuses
    people.host[rows] = hosts
    people.fte[rows] = [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8]
    working = 1.0 - model.spec.mechanisms.geiq.training_share
    expected = np.zeros(len(firms))
    expected[0] = 0.5 + working
    expected[2] = 0.8
    assert model.firm_accounts.hosted_fte() == pytest.approx(expected)


def test_firms_pay_their_staff_and_a_part_time_job_its_fraction():
    model = model_of()
    model.firms.demand[:] = 3.4
    direct = np.zeros(len(model.firms))
    direct[:5] = [2.0, 3.2, 4.0, 5.5, 3.0]
    paid = model.firm_accounts.paid_fte(direct)
    assert paid[:5] == pytest.approx([2.0, 3.2, 3.4, 4.9, 3.0])
    assert (paid[5:] == 0.0).all()


def test_firms_settle_sales_wages_training_interest_and_payouts_in_the_books():
    model = model_of(scenario(firm_rates(0.12, 0.0)))
    firms, ledger, staff = model.firms, model.ledger, model.staff
    spec = model.spec
    model.people.host[:] = NO_ORG
    a, b, c, dead = np.flatnonzero(firms.alive)[:4]
    firms.alive[:] = False
    firms.alive[[a, b, c]] = True
    firms.demand[[a, b, c]] = [3.4, 2.0, 1.0]
    staff.fte[:, Status.CLASSIC] = 1.0  # the closed firms' too: they earn and pay nothing
    staff.fte[firms.org[[a, b, c]], Status.CLASSIC] = [4.0, 1.0, 0.0]
    firms.cash[[a, b, c, dead]] = [0.0, 1e6, -1000.0, 7.0]
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    model.people.move(np.array([0]), Status.GE, 0, employer=ge.org, host=int(firms.org[b]))
    model.people.fte[0] = 0.5  # half a job lent to b: b staffs 1.5 of its 2 jobs
    accounts = model.firm_accounts
    accounts.charge(np.array([a]), 10.0)  # its GE's bill
    before = {k: ledger.balance(k) for k in (HOUSEHOLDS, REST_OF_WORLD, FIRMS, OPCA)}
    totals = dict(ledger.totals)
    cash = firms.cash.sum()
    accounts.settle()
    wage = spec.finance.wage_cost_eur_per_fte_month
    value = firms.value_per_fte(spec)
    local = np.array([s.local_consumption_share for s in spec.sectors])[firms.sector]
    sales = np.array([3.4 * value[a], 1.5 * value[b], 0.0])
    wages = np.array([3.4, 1.0, 0.0]) * wage
    training = wages * spec.firms.training_contribution_share
    assert firms.sales[[a, b, c, dead]] == pytest.approx([*sales, 0.0])
    assert firms.wages[[a, b, c, dead]] == pytest.approx([*wages, 0.0])
    assert firms.training[[a, b, c]] == pytest.approx(training)
    assert firms.profit[[a, c, dead]] == pytest.approx(
        [sales[0] - wages[0] - training[0] - 10.0, -10.0, 0.0]
    )
    assert firms.cash[a] == pytest.approx(sales[0] - wages[0] - training[0] - 10.0)
    assert 0 < firms.cash[a] < 2 * wage * 3.4  # below its reserve: nothing paid out
    assert firms.cash[b] == pytest.approx(2 * wage * 2.0)  # its reserve, the rest paid out
    assert firms.cash[c] == pytest.approx(-1010.0)  # 1% a month to its bank
    assert firms.cash[dead] == 7.0
    payout = 1e6 + sales[1] - wages[1] - training[1] - 2 * wage * 2.0
    consumption = sales[0] * local[a] + sales[1] * local[b]
    exports = sales.sum() - consumption

    def moved(flow):
        return ledger.totals[flow] - totals.get(flow, 0.0)

    assert moved(Flow.CONSUMPTION) == pytest.approx(consumption)
    assert moved(Flow.EXPORTS) == pytest.approx(exports)
    assert moved(Flow.WAGES) == pytest.approx(wages.sum())
    assert moved(Flow.TRAINING_CONTRIBUTION) == pytest.approx(training.sum())
    assert moved(Flow.INTEREST) == pytest.approx(10.0)
    assert moved(Flow.DIVIDENDS) == pytest.approx(payout)
    assert ledger.balance(HOUSEHOLDS) - before[HOUSEHOLDS] == pytest.approx(
        wages.sum() + payout - consumption
    )
    assert ledger.balance(REST_OF_WORLD) - before[REST_OF_WORLD] == pytest.approx(10.0 - exports)
    assert ledger.balance(FIRMS) - before[FIRMS] == pytest.approx(firms.cash.sum() - cash)
    assert ledger.balance(OPCA) - before[OPCA] == pytest.approx(training.sum())


def test_firms_that_stay_broke_too_long_close():
    model = model_of()
    firms = model.firms
    months = model.spec.firms.negative_cash_months
    x, y, z, w, dead = np.flatnonzero(firms.alive)[:5]
    firms.alive[dead] = False
    firms.cash[[x, y, z, w, dead]] = [-1.0, -1.0, 0.0, 0.5, -1.0]
    firms.broke_months[[x, y, z, w]] = [months, months - 1, 5, 5]
    model.firm_accounts.close_broke()
    assert firms.broke_months[[y, z, w, dead]].tolist() == [months, 0, 0, 0]
    assert not firms.alive[x] and firms.alive[[y, z, w]].all()
    assert firms.cash[x] == 0.0  # liquidated


def test_firms_buy_from_ess_markets_in_proportion_to_their_demand():
    model = model_of()
    firms, accounts = model.firms, model.firm_accounts
    alive = firms.alive_rows()
    firms.demand[alive] = 1.0
    firms.demand[alive[0]] = 3.0
    total = firms.demand[alive].sum()
    cash = firms.cash.copy()
    assert accounts.buy(60.0) and accounts.buy(40.0)
    accounts.share_out_purchases()
    assert (cash - firms.cash)[alive[0]] == pytest.approx(100.0 * 3.0 / total)
    assert (cash - firms.cash)[alive[1]] == pytest.approx(100.0 / total)
    assert firms.pole_bills.sum() == pytest.approx(100.0)
    accounts.share_out_purchases()  # shared once
    assert firms.pole_bills.sum() == pytest.approx(100.0)
    firms.demand[:] = 0.0
    accounts.buy(10.0 * alive.size)
    accounts.share_out_purchases()  # no demand: equal shares
    assert (cash - firms.cash)[alive[1]] == pytest.approx(100.0 / total + 10.0)
    firms.alive[:] = False
    firms.alive[alive[2]] = True  # one firm open, with half a job: it buys it all
    firms.demand[alive[2]] = 0.5
    bills = firms.pole_bills[alive[2]]
    accounts.buy(1.0)
    accounts.share_out_purchases()
    assert firms.pole_bills[alive[2]] == pytest.approx(bills + 1.0)
    firms.alive[alive[3]] = True  # two firms with less than a job between them
    firms.demand[alive[3]] = 0.25
    bills = firms.pole_bills[alive[[2, 3]]]
    accounts.buy(3.0)
    accounts.share_out_purchases()
    assert firms.pole_bills[alive[[2, 3]]] - bills == pytest.approx([2.0, 1.0])
    firms.alive[:] = False
    assert not accounts.buy(5.0)
    assert accounts._purchases == 0.0


def test_the_chance_to_win_a_call_is_logistic_in_years_structures_and_trust():
    rule = {
        "call_win_logit": -1.0,
        "call_win_logit_per_year": 0.5,
        "call_win_logit_per_structure": 0.25,
        "call_win_logit_per_trust": 2.0,
    }
    model = funded(cooperation=rule)
    funding, network = model.funding, model.network

    def logistic(x):
        return 1.0 / (1.0 + np.exp(-x))

    assert funding.call_win_chance() == pytest.approx(logistic(-1.0))  # no pole yet
    model.month_index = 6
    animator = create(model, StructureKind.ANIMATOR)
    members = [create(model, StructureKind.ESS_ENTERPRISE) for _ in range(3)]
    members[2].in_pole = False  # outside the pole: no track record
    members[0].in_pole = members[1].in_pole = True
    network.tie(animator.org, members[0].org, "member", trust=0.6)
    model.month_index = 36  # the animator is 2.5 years old
    trust = network.mean_trust()
    assert trust > 0.0
    expected = logistic(-1.0 + 0.5 * 2.5 + 0.25 * 2 + 2.0 * trust)
    assert funding.call_win_chance() == pytest.approx(expected)
    model.set_parameter("cooperation.call_win_logit_per_year", 20.0)  # a logit above 50
    assert funding.call_win_chance() == 1.0
    model.set_parameter("cooperation.call_win_logit_per_year", -20.0)
    model.set_parameter("cooperation.call_win_logit_per_structure", -20.0)  # -91: cut at -50
    assert funding.call_win_chance() == pytest.approx(logistic(-50.0))


def test_a_call_is_won_from_the_funder_that_launches_it_and_costs_the_application():
    late = [AUTHORITIES[0], dict(AUTHORITIES[1], active_from="1980")]
    model = model_of(scenario(authorities=late, cooperation={"call_win_logit": 20.0}))
    funding, ledger = model.funding, model.ledger
    a, b = model.authorities
    animator = create(model, StructureKind.ANIMATOR)
    cost = (
        model.spec.mechanisms.cooperation.call_application_days
        * model.spec.finance.wage_cost_eur_per_fte_month
        / 21.0
        * SCALE
    )
    assert funding.funding_call("B", 1000.0) == 0.0  # B does not exist yet: no application
    assert ledger.totals[Flow.CALL_APPLICATION] == 0.0
    animator.year.costs_eur = 100.0
    households = ledger.balance(HOUSEHOLDS)
    animator_balance = ledger.balance(animator.org)
    balance_a = ledger.balance(a.org)
    cash = animator.cash
    model.tally.public_month_by_funder.clear()
    outside = ledger.balance(REST_OF_WORLD)
    assert funding.funding_call("A", 1000.0) == pytest.approx(50.0)
    assert ledger.balance(REST_OF_WORLD) - outside == pytest.approx(-50.0)
    assert animator.year.costs_eur == pytest.approx(100.0 + cost)
    assert animator.cash == pytest.approx(cash + 50.0 - cost)
    assert ledger.balance(HOUSEHOLDS) - households == pytest.approx(cost)
    assert ledger.balance(animator.org) - animator_balance == pytest.approx(50.0 - cost)
    assert ledger.balance(a.org) == pytest.approx(balance_a)  # brought for the call, paid on
    assert ledger.totals[Flow.CALL_BUDGET] == ledger.totals[Flow.CALL_GRANT] == pytest.approx(50.0)
    assert model.tally.public_month_by_funder == {"commune": pytest.approx(50.0)}
    model.set_parameter("cooperation.call_win_logit", -20.0)  # a call lost
    assert funding.funding_call("A", 1000.0) == 0.0
    assert ledger.totals[Flow.CALL_GRANT] == pytest.approx(50.0)
    assert ledger.totals[Flow.CALL_APPLICATION] == pytest.approx(2 * cost)


def test_a_ge_is_worth_the_value_of_the_part_time_need_less_its_price_marked_up_for_risk():
    from ptce_sim.simulation.mechanisms.firm_choices import ge_benefit

    def change(data):
        data["firms"]["risk_premium"] = 0.5

    model = model_of(
        scenario(
            change,
            shared_employment={"billing_eur_per_hour": 20.0, "member_fee_eur_per_year": 120.0},
        )
    )
    n = len(model.firms)
    need = np.full(n, 0.5)
    trust = np.zeros(n)
    trust[1], trust[2] = 0.5, 2.0
    value = 0.5 * model.firms.value_per_fte(model.spec)
    price = 0.5 * model.hours_per_month * 20.0 + 10.0
    benefit = ge_benefit(model, need, trust)
    aversion = model.firms.risk_aversion[:3]  # each firm's own attitude to risk (mean 1)
    markup = 1.0 + 0.5 * aversion * np.array([1.0, 0.5, 0.0])
    assert benefit[:3] == pytest.approx(value[:3] - price * markup)
    assert not np.allclose(aversion, 1.0)  # the Seignanx's firms differ in it


def test_hosted_geiq_trainees_fill_the_openings_they_were_taken_for():
    model = labour_model(firm_rules(hiring_speed=1.0))
    people, firms, labour = model.people, model.firms, model.labour
    geiq = create(model, StructureKind.GEIQ)
    people.host[:] = NO_ORG
    rows = rows_in(model, Status.SEEKER)[:6]
    people.status[rows] = [
        Status.GEIQ,
        Status.GEIQ,
        Status.GEIQ,
        Status.GEIQ,
        Status.GE,
        Status.SEEKER,
    ]
    people.host[rows] = [
        firms.org[0],
        firms.org[0],
        firms.org[3],
        geiq.org,
        firms.org[1],
        firms.org[2],
    ]
    people.status[rows[5]] = Status.GEIQ  # a trainee not lent yet
    people.host[rows[5]] = NO_ORG
    expected = np.zeros(len(firms))
    expected[[0, 3]] = [2.0, 1.0]
    assert labour.hosted_trainees() == pytest.approx(expected)
    assert labour.hosted_trainees().dtype == np.float64
    classic = rows_in(model, Status.CLASSIC)
    headcount = np.bincount(model.orgs.firm_rows(people.employer[classic]), minlength=len(firms))
    firms.fills_alone[:] = False
    firms.demand[:] = headcount
    firms.demand[[0, 3]] += 3.0
    last = len(model.spec.sectors) - 1
    firms.sector[firms.sector == last] = 0  # a sector without firms still counts its openings
    openings = labour.firm_openings()
    assert [(o.org, o.count) for o in openings] == [(firms.org[0], 1), (firms.org[3], 2)]
    assert labour.sector_openings.size == len(model.spec.sectors)
    assert labour.sector_openings[last] == 0.0


def choices_model(**values) -> tuple[PtceModel, object]:
    """A GEIQ for construction with a reputation, firms' trust set by hand (0)."""

    def change(data):  # one attitude to risk for all: the benefit's arithmetic reads plainly
        data["firms"].update(risk_premium=0.5, leave_after_months=2, risk_aversion_dispersion=0.0)

    geiq_rule = {
        "contact_rate": 1.0,
        "billing_eur_per_hour": 10.0,
        "training_share": 0.25,
        "tutoring_fte_per_trainee": 0.1,
        "member_fee_eur_per_year": 240.0,
        "trainees_per_member": 3.0,
        **values,
    }
    model = model_of(scenario(change, geiq=geiq_rule))
    geiq = create(model, StructureKind.GEIQ, sectors=[model.spec.sectors[2].name])
    other = create(model, StructureKind.ESS_ENTERPRISE)
    model.network.tie(geiq.org, other.org, "partner", trust=0.4)
    model.network.refresh()
    model.firms.trust[:] = 0.0
    return model, geiq


def test_firms_see_a_group_through_its_reputation_and_their_trust_and_price_its_risk():
    from ptce_sim.simulation.mechanisms import firm_choices

    model, geiq = choices_model()
    model.firms.trust[:3] = [0.0, 0.3, 0.9]
    reputation = model.network.reputation(geiq.org)
    assert reputation > 0.0
    trust = firm_choices.trust_in(model, geiq)
    assert trust[:3] == pytest.approx(reputation + np.array([0.0, 0.3, 0.9]))
    rows = np.arange(3)
    markup = firm_choices.risk_markup(model, np.array([0.0, 0.5, 1.3]), rows)
    assert markup == pytest.approx([1.5, 1.25, 1.0])
    model.firms.risk_aversion[:3] = [2.0, 0.5, 3.0]  # each firm's own attitude to risk
    markup = firm_choices.risk_markup(model, np.array([0.0, 0.5, 1.3]), rows)
    assert markup == pytest.approx([2.0, 1.125, 1.0])  # full trust: no premium, whoever weighs it
    model.set_parameter("cooperation.enabled", False)
    assert (firm_choices.trust_in(model, geiq) == 0.0).all()


def test_firms_risk_aversion_is_their_own_draw_of_mean_one_and_splits_a_sector_s_choice():
    """Log-normal of mean 1 and log-sd ``risk_aversion_dispersion``, drawn at creation.

    Two firms of one sector, with the same trust and the same skilled posts unfilled, weigh a
    GEIQ differently: the more averse may stay out while the other joins.
    """
    from ptce_sim.simulation.mechanisms import firm_choices

    def firms(dispersion: float):
        return lambda data: data["firms"].update(
            risk_aversion_dispersion=dispersion, risk_premium=1.0
        )

    model = model_of(scenario(firms(0.7), scale=1.0))
    aversion = model.firms.risk_aversion[model.firms.alive]
    assert aversion.size > 500
    assert aversion.mean() == pytest.approx(1.0, abs=0.08)
    assert np.log(aversion).std() == pytest.approx(0.7, abs=0.05)
    flat = model_of(scenario(firms(0.0)))
    assert (flat.firms.risk_aversion == 1.0).all()
    n = len(model.firms)
    posts = np.ones(n)
    trust = np.zeros(n)
    model.firms.sector[:] = model.firms.sector[0]
    benefit = firm_choices.geiq_benefit(model, posts, trust)
    order = np.argsort(model.firms.risk_aversion)
    assert np.all(np.diff(benefit[order]) <= 1e-9)  # the more averse, the less it is worth
    assert benefit.max() > 0 > benefit.min()  # one sector, one price, two decisions


def test_a_geiq_is_worth_its_trainees_working_time_less_their_price_tutoring_and_fee():
    from ptce_sim.simulation.mechanisms import firm_choices

    model, geiq = choices_model()
    firms = model.firms
    firms.unfilled_skilled[:5] = [0.0, 0.16, 0.14, 1.2, 10.0]
    assert firm_choices.trainee_posts(model)[:5].tolist() == [0.0, 1.0, 0.0, 2.0, 3.0]
    trust = np.zeros(len(firms))
    trust[1] = 1.0
    posts = np.zeros(len(firms))
    posts[:3] = [0.0, 2.0, 2.0]
    value = 0.75 * firms.value_per_fte(model.spec)
    price = (
        0.75 * model.hours_per_month * 10.0 + 0.1 * model.spec.finance.wage_cost_eur_per_fte_month
    )
    benefit = firm_choices.geiq_benefit(model, posts, trust)
    assert benefit[:3] == pytest.approx(
        [
            -20.0 * 1.5,
            2 * (value[1] - price) - 20.0,
            2 * (value[2] - price * 1.5) - 20.0 * 1.5,
        ]
    )


def test_a_group_counts_the_workers_each_firm_hosts_and_weighs_needs_and_benefits():
    from ptce_sim.simulation.mechanisms import firm_choices

    model, geiq = choices_model()
    people, firms = model.people, model.firms
    people.host[:] = NO_ORG
    rows = np.arange(4)
    people.status[rows] = Status.GEIQ
    people.employer[rows] = [geiq.org, geiq.org, geiq.org, geiq.org + 1]
    people.host[rows] = [firms.org[0], firms.org[0], firms.org[2], firms.org[3]]
    hosted = firm_choices.hosted_by(model, geiq)
    assert hosted[:4].tolist() == [2.0, 0.0, 1.0, 0.0] and hosted.sum() == 3.0
    firms.unfilled_skilled[:] = 0.0
    firms.unfilled_skilled[:3] = [0.0, 1.2, 0.5]
    trust = np.zeros(len(firms))
    need, prospect, member = firm_choices.needs_and_benefits(model, geiq, trust)
    assert need[:3].tolist() == [0.0, 1.2, 0.5]
    posts = firm_choices.trainee_posts(model)
    assert prospect == pytest.approx(firm_choices.geiq_benefit(model, posts, trust))
    member_posts = np.maximum(np.maximum(posts, hosted), 1.0)  # at least one
    assert member_posts[:3].tolist() == [2.0, 2.0, 1.0]
    assert member == pytest.approx(firm_choices.geiq_benefit(model, member_posts, trust))
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    firms.demand[:4] = [3.6, 3.6, 3.4, 3.5]
    firms.fills_alone[:4] = [False, True, False, False]
    need, prospect, member = firm_choices.needs_and_benefits(model, ge, trust)
    assert need[:4] == pytest.approx([0.6, 0.0, 0.0, 0.0])
    _, fraction = firms.jobs_target()
    assert prospect == pytest.approx(firm_choices.ge_benefit(model, fraction, trust))
    assert member is prospect


def test_firms_hear_of_a_group_on_its_stream_and_join_when_it_pays():
    import copy

    from ptce_sim.simulation.mechanisms import firm_choices

    model, geiq = choices_model(
        contact_rate=0.5, billing_eur_per_hour=1.0, member_fee_eur_per_year=0.0
    )
    firms = model.firms
    construction = np.flatnonzero(firms.sector == 2)
    firms.unfilled_skilled[:] = np.linspace(0.1, 3.0, len(firms))
    firms.unfilled_skilled[construction[-1]] = 0.0  # no need: not looking
    firms.trust[::2] = 0.5
    firms.geiq[construction[0]] = 99  # a member of another group
    firms.geiq_loss_months[:] = 4
    serves = firms.sector != 3  # the group serves all sectors but one
    trust = firm_choices.trust_in(model, geiq)
    need, prospect, _ = firm_choices.needs_and_benefits(model, geiq, trust)
    eligible = firms.alive & (firms.geiq == NO_ORG) & (need > 0) & serves
    stream = copy.deepcopy(model.streams.geiq)
    joining = firm_choices.choose(model, geiq, 0.5, serves)
    p = 0.5 * np.minimum(1.0, need) * (0.5 + trust)
    expected = np.flatnonzero(eligible & (stream.random(len(firms)) < p) & (prospect > 0.0))
    assert joining.tolist() == expected.tolist() and joining.size > 1
    assert (eligible & (prospect > 0)).sum() > joining.size  # some did not hear of it
    assert (eligible & (prospect == 0)).any()  # and some lose nothing nor gain: they decline
    assert not (firms.geiq[~serves] == geiq.org).any()
    assert (firms.geiq[joining] == geiq.org).all()
    assert (firms.geiq_loss_months[joining] == 0).all()
    others = np.setdiff1d(np.arange(len(firms)), joining)
    assert (firms.geiq_loss_months[others] == 4).all()
    assert firms.geiq[construction[0]] == 99


def test_members_leave_a_group_after_months_of_losses_and_send_its_workers_back():
    from ptce_sim.simulation.mechanisms import firm_choices

    model, geiq = choices_model()
    people, firms, network = model.people, model.firms, model.network
    a, b, c, d = np.flatnonzero(firms.alive)[:4]
    firms.geiq[[a, b, c, d]] = geiq.org
    firms.alive[d] = False
    for row in (a, b, c):
        network.tie(geiq.org, int(firms.org[row]), "member")
    firms.geiq_loss_months[[a, b, c, d]] = [1, 0, 1, 1]
    people.host[:] = NO_ORG
    worker, other = 0, 1
    people.status[[worker, other]] = Status.GEIQ
    people.employer[[worker, other]] = geiq.org
    people.host[[worker, other]] = [firms.org[a], firms.org[b]]
    benefit = np.full(len(firms), -1.0)
    benefit[c] = 0.0  # no loss: its count starts again
    firm_choices.leave(model, geiq, benefit)
    assert firms.geiq[[a, b, c, d]].tolist() == [NO_ORG, geiq.org, geiq.org, geiq.org]
    assert firms.geiq_loss_months[[a, b, c, d]].tolist() == [0, 1, 0, 1]
    assert people.host[worker] == NO_ORG and people.host[other] == firms.org[b]
    assert "member" not in network.graph.edges[geiq.org, int(firms.org[a])]["kinds"]
    assert "member" in network.graph.edges[geiq.org, int(firms.org[b])]["kinds"]
    firm_choices.leave(model, geiq, benefit)  # b's second month of losses
    assert firms.geiq[b] == NO_ORG and people.host[other] == NO_ORG


def test_market_sales_are_recorded_and_paid_by_the_buyers_in_their_shares():
    model = model_of()
    markets = model.markets
    seller = create(model, StructureKind.ESS_ENTERPRISE, market="local_ess_services")
    market = markets.index["local_ess_services"]
    kept = 1.0 - seller.spec.purchases_share
    payers = markets.sell(seller, 100.0)
    assert payers == [
        (HOUSEHOLDS, pytest.approx(60.0), Flow.SALES),
        (FIRMS, pytest.approx(10.0), Flow.SALES),
        (PUBLIC_BUYERS, pytest.approx(30.0), Flow.SALES),
        (REST_OF_WORLD, 0.0, Flow.SALES),
    ]
    markets.sell(seller, 50.0)
    assert markets.sales_month[market] == pytest.approx(150.0)
    assert markets.value_added_month[market] == pytest.approx(150.0 * kept)
    assert model.firm_accounts._purchases == pytest.approx(15.0)
    model.firms.alive[:] = False  # no firm to buy: the households do
    payers = markets.sell(seller, 100.0)
    assert payers[:2] == [(HOUSEHOLDS, pytest.approx(70.0), Flow.SALES), (FIRMS, 0.0, Flow.SALES)]
    assert markets.sales_month[market] == pytest.approx(250.0)


def test_market_suppliers_share_its_demand_widened_by_their_reputation():
    model = model_of()
    markets, network = model.markets, model.network
    market = markets.index["catering"]
    spec = model.spec.markets[market]
    pole = network.pole_jobs()
    demand = (
        spec.eur_per_employed_per_year * model.employed + spec.eur_per_pole_worker_per_year * pole
    ) / 12
    assert markets.demand_eur_month(market) == pytest.approx(demand)
    first = create(model, StructureKind.INTEGRATION_RESTAURANT, market="catering")
    assert markets.suppliers(market) == [first]
    assert markets.suppliers(markets.index["insertion_services"]) == []  # nobody sells there
    assert markets.reach(first) == pytest.approx(demand * markets.weight(first))
    second = create(model, StructureKind.INTEGRATION_RESTAURANT, market="catering")
    other = create(model, StructureKind.ESS_ENTERPRISE, market="local_ess_services")
    model.month_index = 1  # the suppliers are counted again
    assert markets.suppliers(market) == [first, second]
    network.tie(first.org, other.org, "partner", trust=0.5)
    network.refresh()
    reputation = network.reputation(first.org)
    assert reputation > 0
    assert markets.weight(first) == pytest.approx(1.0 + spec.growth_with_trust * reputation)
    assert markets.reach(first) == pytest.approx(
        markets.demand_eur_month(market) * (1.0 + spec.growth_with_trust * reputation) / 2
    )
    model.set_parameter("cooperation.enabled", False)
    assert markets.weight(first) == 1.0
    second.alive = False
    model.month_index = 2
    assert markets.suppliers(market) == [first]


def test_funders_not_yet_there_count_in_no_expected_grant():
    late = [AUTHORITIES[0], dict(AUTHORITIES[1], active_from="1975")]
    model = model_of(scenario(authorities=late))
    f = model.funding
    assert f.expected_animation_grant() == pytest.approx(24_000 * SCALE / 12)
    assert f.plie_aid_rate(10) == pytest.approx(240 * 10 / 12)
    model.month_index = 60
    assert f.expected_animation_grant() == pytest.approx((24_000 + 12_000) * SCALE / 12)
    assert f.plie_aid_rate(10) == pytest.approx((240 + 120) * 10 / 12)


def test_the_opca_pays_from_local_contributions_then_from_firms_elsewhere():
    model = funded(geiq={"opca_aid_share": 0.25})
    f, ledger = model.funding, model.ledger
    geiq = create(model, StructureKind.GEIQ)
    ledger.transfer(FIRMS, OPCA, 100.0 - ledger.balance(OPCA), Flow.TRAINING_CONTRIBUTION)
    contributions = ledger.totals[Flow.TRAINING_CONTRIBUTION]
    received = ledger.balance(geiq.org)
    outside = ledger.balance(REST_OF_WORLD)
    assert f.from_training_funds(60.0, geiq) == 60.0
    assert ledger.balance(OPCA) == pytest.approx(40.0)
    assert ledger.totals[Flow.TRAINING_CONTRIBUTION] == contributions  # covered locally
    assert f.from_training_funds(100.0, geiq) == 100.0
    assert ledger.balance(OPCA) == pytest.approx(0.0)
    assert ledger.totals[Flow.TRAINING_CONTRIBUTION] - contributions == pytest.approx(60.0)
    assert ledger.balance(geiq.org) - received == pytest.approx(160.0)
    assert ledger.balance(REST_OF_WORLD) == pytest.approx(outside - 60.0)
    assert ledger.totals[Flow.OPCA_FUNDING] == pytest.approx(160.0)
    cash = geiq.cash
    a, b = model.authorities
    aid = model.spec.mechanisms.geiq.aid_per_contract_eur * 2
    assert f.geiq_aid(geiq, 2) == pytest.approx(0.75 * aid)  # the funders' part
    assert geiq.cash == pytest.approx(cash + 0.25 * aid)  # the OPCA's, straight in
    assert a.paid_year + b.paid_year == pytest.approx(0.75 * aid)


def test_displaced_demand_lowers_each_firm_of_the_sector_in_proportion_and_never_below_zero():
    model = model_of()
    firms, economy = model.firms, model.economy
    n_sectors = len(model.spec.sectors)
    last = n_sectors - 1
    firms.sector[firms.sector == last] = 0  # the last sector has no firm
    firms.demand[:] = 2.0
    in_3 = np.flatnonzero(firms.sector == 3)
    firms.demand[in_3[0]] = 6.0
    total_3 = firms.demand[in_3].sum()
    in_2 = np.flatnonzero(firms.sector == 2)
    displaced = np.zeros(n_sectors)
    displaced[3] = total_3 / 4
    displaced[2] = 1e9  # more than the sector has
    displaced[last] = 5.0  # nobody to displace
    in_0 = np.flatnonzero(firms.sector == 0)
    firms.demand[in_0] = 0.0
    firms.demand[in_0[0]] = 0.8  # less than a job in the sector
    displaced[0] = 0.2
    economy._displace(displaced)
    assert firms.demand[in_0[0]] == pytest.approx(0.6)
    assert economy.displaced is displaced
    assert firms.demand[in_3[0]] == pytest.approx(4.5)
    assert firms.demand[in_3[1]] == pytest.approx(1.5)
    assert (firms.demand[in_2] == 0.0).all()
    assert (firms.demand[firms.sector == 1] == 2.0).all()


def test_incubated_firms_take_part_of_their_demand_from_the_sector_and_add_the_rest():
    model = model_of()
    firms, economy, markets = model.firms, model.economy, model.markets
    firms.alive[firms.sector >= 4] = False  # no open firm in sectors 4, 5: nothing to take
    dead = np.flatnonzero(~firms.alive)
    base, base_jobs = firms.base.copy(), economy.base_jobs.copy()
    in_1 = np.flatnonzero(firms.alive & (firms.sector == 1))
    firms.base[in_1] = 0.0
    firms.base[in_1[0]] = base[in_1[0]] = 0.8  # less than a job in the sector
    held = np.bincount(firms.sector[firms.alive], weights=firms.base[firms.alive], minlength=6)
    markets.incubation_displaced_fte = 0.25
    economy.take_market_share(np.array([3, 3, 2, 4, 1]), np.array([1.0, 2.0, 1.0, 4.0, 0.4]), 0.5)
    assert firms.base[in_1[0]] == pytest.approx(0.6)
    in_3 = firms.alive & (firms.sector == 3)
    assert firms.base[in_3] == pytest.approx(base[in_3] * (1 - 1.5 / held[3]))
    in_2 = firms.alive & (firms.sector == 2)
    assert firms.base[in_2] == pytest.approx(base[in_2] * (1 - 0.5 / held[2]))
    assert firms.base[dead] == pytest.approx(base[dead])
    assert economy.base_jobs - base_jobs == pytest.approx([0, 0.2, 0.5, 1.5, 2.0, 0])
    assert markets.incubation_displaced_fte == pytest.approx(0.25 + 2.2)


def test_only_ge_workers_are_internalised_not_hosted_geiq_trainees():
    model = labour_model(shared_employment={"internalisation_rate": 1.0})
    people, firms = model.people, model.firms
    geiq = create(model, StructureKind.GEIQ)
    trainee = rows_in(model, Status.SEEKER)[:1]
    people.move(trainee, Status.GEIQ, 0, employer=geiq.org, host=int(firms.org[0]))
    gap = np.zeros(len(firms))
    gap[0] = 2.0
    assert model.labour.internalise(gap)[0] == 2.0
    assert people.status[trainee[0]] == Status.GEIQ


def test_a_charter_firm_lends_part_of_its_excess_and_pays_out_the_rest():
    model = treasury_model(
        firm_rates(0.06, 0.0), firms_take_part=True, interest_rate_per_year=0.02, reserve_months=0.0
    )
    firms = model.firms
    row = charter_firms(model, 1)[0]
    firms.cash[row] = 1e6
    borrower = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    borrower.cash = -90.0
    model.treasury.step([borrower], {})
    assert model.treasury.unmet == [(borrower, pytest.approx(90.0))]
    model.firm_accounts.settle()
    assert model.treasury.lent_by_firms_year == pytest.approx(90.0)
    reserve = model.spec.firms.cash_reserve_months * model.spec.finance.wage_cost_eur_per_fte_month
    assert firms.cash[row] == pytest.approx(reserve * firms.demand[row])


def test_long_term_seekers_are_marked_and_two_years_without_work_counts_for_the_rsa():
    model = drift_model(long_term_months=30, discouragement_rate=0.0, reentry_rate=0.0)
    people = model.people
    seekers = rows_in(model, Status.SEEKER)[:4]
    lt = rows_in(model, Status.SEEKER)[4:5]
    people.move(lt, Status.LONG_TERM, 34)
    employed = rows_in(model, Status.CLASSIC)[:2]
    people.ever_unemployed_24m[:] = False
    people.ever_long_term[:] = False
    people.ever_unemployed_24m[employed[0]] = True  # once, long ago: it stays
    people.since[employed[1]] = 0  # long in work: never counts
    model.month_index = 40
    people.since[seekers] = [10, 17, 16, 39]  # 30 months (long-term now), 23, 24, 1
    model.demography.drift()
    assert people.status[seekers[0]] == Status.LONG_TERM and people.ever_long_term[seekers[0]]
    assert not people.ever_long_term[seekers[1:]].any()
    assert people.ever_unemployed_24m[seekers].tolist() == [True, False, True, False]
    assert people.ever_unemployed_24m[lt[0]]  # 6 months long-term after 30 seeking
    assert people.ever_unemployed_24m[employed].tolist() == [True, False]


def test_inactive_residents_come_back_on_the_demography_stream_and_nobody_else_moves():
    import copy

    model = drift_model(discouragement_rate=0.0, reentry_rate=0.5)
    people = model.people
    people.move(rows_in(model, Status.CLASSIC)[:40], Status.INACTIVE, 0)
    model.month_index = 3
    inactive = people.status == Status.INACTIVE
    employed = rows_in(model, *EMPLOYED)
    stream = copy.deepcopy(model.streams.demography)
    model.demography.drift()
    draws = np.ones((2, len(people)))
    draws[0, people.resident] = stream.random(people.residents())  # discouragement
    draws[1, people.resident] = stream.random(people.residents())  # re-entry
    back = inactive & (draws[1] < 0.5)
    assert 0 < np.count_nonzero(back) < np.count_nonzero(inactive)
    assert (people.status[back] == Status.SEEKER).all()
    assert (people.status[inactive & ~back] == Status.INACTIVE).all()
    assert is_in(people.status[employed], EMPLOYED).all()


def test_a_firm_with_one_employee_above_its_target_lays_it_off():
    model = labour_model(firm_rules(quit_rate=0.0, layoff_speed=1.0))
    people, firms = model.people, model.firms
    classic = rows_in(model, Status.CLASSIC)
    rows = model.orgs.firm_rows(people.employer[classic])
    headcount = np.bincount(rows, minlength=len(firms))
    single = np.flatnonzero(headcount == 1)[0]
    firms.fills_alone[single] = False
    firms.demand[single] = 0.0
    model.labour.firm_separations()
    assert people.status[classic[rows == single][0]] == Status.SEEKER


def one_seat_left(model: PtceModel, euros: float) -> None:
    """The funders have ``euros`` left for courses this month."""
    for a in model.authorities:
        a.left = 0.0
    model.authorities[0].left = euros


def test_courses_need_a_seat_and_draw_nothing_without_one():
    import copy

    model = training_model(
        seeker_entry_rate=1.0, hours_per_month_in_course=100.0, price_eur_per_hour=7.0
    )
    create(model, StructureKind.TRAINING_CENTRE)
    recount(model)
    one_seat_left(model, 699.0)  # less than a seat: nobody, and no draw
    stream = copy.deepcopy(model.streams.training)
    model.training.step()
    assert rows_in(model, Status.TRAINING).size == 0
    assert model.streams.training.random() == stream.random()
    one_seat_left(model, 700.0)  # one seat
    model.training.step()
    assert rows_in(model, Status.TRAINING).size == 1


def test_as_many_seekers_as_seats_enter_without_a_second_draw():
    import copy

    model = training_model(
        seeker_entry_rate=1.0, hours_per_month_in_course=100.0, price_eur_per_hour=7.0
    )
    create(model, StructureKind.TRAINING_CENTRE)
    seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
    model.people.move(seekers[2:], Status.INACTIVE, 0)
    recount(model)
    one_seat_left(model, 1_400.0)  # two seats, two seekers
    stream = copy.deepcopy(model.streams.training)
    model.training.step()
    assert sorted(rows_in(model, Status.TRAINING).tolist()) == sorted(seekers[:2].tolist())
    stream.random(len(seekers[:2]))  # the entry draws, and no choice among them
    assert model.streams.training.random() == stream.random()
    model.people.move(seekers[1:2], Status.SEEKER, 0)  # one seeker asks for two seats
    model.people.move(seekers[:1], Status.INACTIVE, 0)
    recount(model)
    one_seat_left(model, 1_400.0)
    model.training.step()
    assert model.people.status[seekers[1]] == Status.TRAINING


def test_free_courses_need_no_budget():
    model = training_model(seeker_entry_rate=1.0, price_eur_per_hour=0.0)
    create(model, StructureKind.TRAINING_CENTRE)
    seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
    one_seat_left(model, 0.0)
    recount(model)
    model.training.step()
    assert rows_in(model, Status.TRAINING).size == seekers.size


def test_firms_hear_of_a_ge_on_the_shared_employment_stream():
    import copy

    from ptce_sim.simulation.mechanisms import firm_choices

    model = model_of(
        scenario(shared_employment={"billing_eur_per_hour": 1.0, "member_fee_eur_per_year": 0.0})
    )
    firms = model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    firms.fills_alone[:] = False
    firms.demand[:] = 3.0 + np.linspace(0.0, 0.99, len(firms))
    serves = np.ones(len(firms), dtype=bool)
    trust = firm_choices.trust_in(model, ge)
    need, prospect, _ = firm_choices.needs_and_benefits(model, ge, trust)
    eligible = firms.alive & (firms.ge == NO_ORG) & (need > 0)
    stream = copy.deepcopy(model.streams.shared_employment)
    joining = firm_choices.choose(model, ge, 0.3, serves)
    p = 0.3 * np.minimum(1.0, need) * (0.5 + trust)
    expected = np.flatnonzero(eligible & (stream.random(len(firms)) < p) & (prospect > 0.0))
    assert joining.tolist() == expected.tolist()
    assert 0 < joining.size < np.count_nonzero(eligible & (prospect > 0))
    assert (firms.ge[joining] == ge.org).all()
    assert firms.ge_need[joining] == pytest.approx(need[joining])


def test_young_entrants_follow_the_nearest_census_share_of_the_youngest_range():
    model = model_of()
    demography = model.demography
    model.month_index = 45 * 12  # 2015: the 0-14 were 17.8% of the residents
    expected = demography.population_now() * 0.178 / 15 * 0.8 * SCALE / 12
    assert demography.cohort_per_month() == pytest.approx(expected)

    def no_ranges(data):
        data["territory"]["census"]["age_ranges"] = None

    model = model_of(scenario(no_ranges))
    model.month_index = 45 * 12  # no age ranges: 19% of the residents are under 15
    expected = model.demography.population_now() * 0.19 / 15 * 0.8 * SCALE / 12
    assert model.demography.cohort_per_month() == pytest.approx(expected)


def test_census_flows_add_to_the_month_and_movers_arrive_as_adults():
    def change(data):
        data["territory"]["movers_with_job_share"] = 0.5

    model = model_of(scenario(change))
    demography, people = model.demography, model.people
    model.month_index = 60
    demography.flows = {"retired": 7}
    first = people.uid.max()
    demography._follow_census()
    flows = demography.flows
    assert flows["retired"] == 7 and flows["moved_in"] > 10
    assert set(flows) == {"retired", "died", "entered", "moved_in", "moved_out"}
    new = people.uid > first
    assert np.count_nonzero(new) == flows["entered"] + flows["moved_in"]
    movers = new & (people.age >= 25.0)
    assert np.count_nonzero(movers) == flows["moved_in"]  # adults, all of them
    employed = new & (people.status == Status.CLASSIC)
    assert 0 < np.count_nonzero(employed) < flows["moved_in"]
    assert (people.fte[employed] == 1.0).all()
    rows = model.orgs.firm_rows(people.employer[employed])
    assert (rows >= 0).all()
    assert np.array([model.spec.sectors[s].located_outside for s in model.firms.sector[rows]]).all()
    assert (people.status[new & ~employed] == Status.SEEKER).all()


def test_posts_outside_go_to_conurbation_firms_drawn_by_baseline_and_raise_their_demand():
    import copy

    model = model_of()
    firms, economy = model.firms, model.economy
    outside = np.array([s.located_outside for s in model.spec.sectors])
    sector = int(np.flatnonzero(outside)[0])
    candidates = np.flatnonzero(firms.alive & outside[firms.sector])
    assert candidates.size > 2
    firms.noise[candidates] = 0.3
    economy.index[sector] = 1.2
    base, base_jobs = firms.base.copy(), economy.base_jobs.copy()
    stream = copy.deepcopy(model.streams.demography)
    rows = economy.posts_outside(5, model.streams.demography)
    weights = base[candidates]
    expected = candidates[stream.choice(candidates.size, size=5, p=weights / weights.sum())]
    assert rows.tolist() == expected.tolist()
    post = 1.0 / (1.2 * np.exp(0.3))
    added = np.zeros(len(firms))
    np.add.at(added, rows, post)
    assert firms.base == pytest.approx(base + added)
    assert economy.base_jobs[sector] == pytest.approx(base_jobs[sector] + 5 * post)
    assert firms.demand[rows] == pytest.approx(firms.base[rows] * 1.2 * np.exp(0.3))
    firms.alive[candidates[1:]] = False  # one firm left outside: it takes every post
    assert economy.posts_outside(1, model.streams.demography).tolist() == [candidates[0]]
    assert economy.posts_outside(2, model.streams.demography).tolist() == [candidates[0]] * 2
    firms.alive[candidates[0]] = False  # none left: the movers come without a post
    assert economy.posts_outside(1, model.streams.demography).size == 0


def test_plant_closures_take_equal_plants_in_row_order_and_stop_exactly_at_the_jobs():
    model = model_of()
    economy, firms = model.economy, model.firms
    firms.sector[:] = 0  # every firm in one sector: many plants of two sizes
    firms.demand[:] = np.where(np.arange(len(firms)) % 2, 2.0, 1.0)
    name = model.spec.sectors[0].name
    # 220 jobs at scale 0.05: 11 FTE, five plants of 2 then a sixth of 2 for the last 1 FTE
    # (exactly half a plant over), none of 1
    economy.close_plants(
        PlantClosureSpec(date="1970-01", type="plant_closure", sector=name, jobs=220)
    )
    big = np.flatnonzero(firms.demand == 2.0)
    assert np.flatnonzero(~firms.alive).tolist() == big[:6].tolist()
    firms.alive[:] = False  # no plant left to close: nothing happens
    assert (
        economy.close_plants(
            PlantClosureSpec(date="1970-01", type="plant_closure", sector=name, jobs=220)
        )
        == 0
    )


def test_firm_exits_replayed_on_the_economy_stream_grow_with_the_decline():
    import copy

    def change(data):
        flat_sectors(data)
        data["firms"]["exit_rate_per_year"] = 0.6

    model = model_of(scenario(change, scale=0.5))
    firms, economy = model.firms, model.economy
    n_sectors = len(model.spec.sectors)
    firms.alive[7] = False
    base_jobs = economy.base_jobs.copy()
    economy.index = np.linspace(0.5, 1.0, n_sectors)
    previous = np.full(n_sectors, 0.9)
    previous[0] = 0.4  # below 1: the decline is measured from it, not from 1
    alive = firms.alive.copy()
    stream = copy.deepcopy(model.streams.economy)
    economy._exits(previous)
    decline = np.maximum(0.0, 1.0 - economy.index / previous)
    p = 0.6 / 12.0 * (1.0 + 20.0 * decline[firms.sector])
    closing = alive & (stream.random(len(firms)) < p)
    assert np.flatnonzero(alive & ~firms.alive).tolist() == np.flatnonzero(closing).tolist()
    assert closing.sum() > 10
    assert economy.base_jobs == pytest.approx(base_jobs)  # not for good: demand stays


def test_skilled_posts_filled_at_their_requirement_and_left_unfilled_are_counted():
    model = model_of()
    firms = model.firms
    firms.unfilled_skilled[:] = 0.5
    ess = create(model, StructureKind.ESS_ENTERPRISE)
    orgs = firms.org[[0, 0, 1, 2, 3, 3]]
    sector = firms.sector[[0, 0, 1, 2, 3, 3]]
    posts = {
        "org": np.array([*orgs, ess.org]),
        "status": np.array([Status.CLASSIC] * 6 + [Status.ESS]),
        "skill": np.array([0.4, 0.9, 0.39, 0.8, 0.6, 0.7, 0.9]),
        "sector": np.array([*sector, -1], dtype=np.int16),
    }
    hired = np.array([3, 8])
    # the first holds its post's trade, the second another one (skills do not decide)
    model.people.qualification[hired] = [sector[3], (sector[5] + 1) % len(model.spec.sectors)]
    model.people.skill[hired] = [0.1, 0.99]
    model.labour.skilled.record(model, posts, np.array([3, 5]), hired)  # two posts filled
    assert firms.unfilled_skilled[:5] == pytest.approx([2.5, 0.5, 0.5, 1.5, 0.5])
    assert (firms.unfilled_skilled[5:] == 0.5).all()
    # the year's tally: 2 skilled hires, 1 qualified in its trade; 3 skilled posts left (not the
    # 0.39 one, nor the ESS post)
    assert dict(model.tally.skilled) == {"hires": 2, "at_requirement": 1, "vacant_months": 3}
    vacant, filled = model.labour.skilled.month_counts()  # per sector, this month
    n = len(model.spec.sectors)
    assert vacant.tolist() == np.bincount(sector[[0, 1, 4]], minlength=n).tolist()
    assert filled.tolist() == np.bincount(sector[[3, 5]], minlength=n).tolist()
    model.labour.skilled.record(model, posts, np.array([], dtype=np.int64), hired[:0])
    assert dict(model.tally.skilled) == {"hires": 2, "at_requirement": 1, "vacant_months": 8}


def test_the_month_s_bills_start_from_zero_each_month():
    model = model_of()
    firms, accounts = model.firms, model.firm_accounts
    rows = np.array([0, 1])
    accounts.charge(rows, np.array([10.0, 4.0]))
    accounts.charge(rows[:1], 1.0)
    assert firms.pole_bills[:2] == pytest.approx([11.0, 4.0])
    model.month_index = 1
    accounts.charge(rows[1:], 5.0)
    assert firms.pole_bills[:2] == pytest.approx([0.0, 5.0])


def test_out_migrants_are_the_largest_weighted_keys_replayed_on_the_demography_stream():
    import copy

    model = model_of()
    people, demography = model.people, model.demography
    people.age[:20] = 30.0  # exactly 30: not young any more
    people.age[20:40] = 29.9
    people.resident[-10:] = False
    stream = copy.deepcopy(model.streams.demography)
    leaving = demography._out_migrants(60)
    draws = np.ones(len(people))
    draws[people.resident] = stream.random(people.residents())
    unemployed = is_in(people.status, (Status.SEEKER, Status.LONG_TERM))
    weight = np.where(unemployed, 2.0, 1.0) * np.where(people.age < 30.0, 2.0, 1.0)
    keys = np.where(people.resident, draws ** (1.0 / weight), -1.0)
    assert leaving.tolist() == np.sort(np.argsort(-keys)[:60]).tolist()
    assert demography._out_migrants(10**6).size == people.residents()  # at most everyone


def test_internalisation_needs_a_whole_open_job_a_paying_post_and_one_per_firm():
    import copy

    def change(data):
        data["finance"]["wage_cost_eur_per_fte_month"] = 3700.0  # retail's value: it just pays

    model = labour_model(change, shared_employment={"internalisation_rate": 0.6})
    people, firms = model.people, model.firms
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    value = firms.value_per_fte(model.spec)
    retail = np.flatnonzero(value == 3700.0)[:6]
    cheap = np.flatnonzero(value < 3700.0)[:2]  # their work is worth less than the wage
    hosts = np.array([*retail, *cheap, retail[0], retail[1], retail[2]])
    lent = np.arange(hosts.size)
    for row, host in zip(lent, hosts, strict=True):
        people.move(np.array([row]), Status.GE, 0, employer=ge.org, host=int(firms.org[host]))
    gap = np.zeros(len(firms))
    gap[retail] = [1.0, 3.0, 1.0, 0.9, 2.0, 5.0]
    gap[cheap] = 4.0
    # replayed: each lent worker draws; one per firm among those drawn, in row order
    order = np.sort(lent)
    host_of = dict(zip(lent.tolist(), hosts.tolist(), strict=True))
    stream = copy.deepcopy(model.streams.shared_employment)
    draws = stream.random(order.size)
    chosen, taken = [], set()
    for row, u in zip(order.tolist(), draws.tolist(), strict=True):
        host = host_of[row]
        if gap[host] >= 1.0 and value[host] >= 3700.0 and u < 0.6 and host not in taken:
            chosen.append(row)
            taken.add(host)
    after = model.labour.internalise(gap)
    hired = np.flatnonzero(people.status == Status.CLASSIC)
    assert sorted(set(hired.tolist()) & set(lent.tolist())) == sorted(chosen)
    assert 1 < len(chosen) < 6
    expected = gap.copy()
    expected[list(taken)] -= 1.0
    assert after == pytest.approx(expected)
    single = labour_model(change, shared_employment={"internalisation_rate": 1.0})
    worker = rows_in(single, Status.SEEKER)[:1]  # one lent worker only
    ge = create(single, StructureKind.EMPLOYER_GROUP)
    single.people.move(worker, Status.GE, 0, employer=ge.org, host=int(single.firms.org[retail[1]]))
    gap = np.zeros(len(single.firms))
    gap[retail[1]] = 1.0
    assert single.labour.internalise(gap)[retail[1]] == 0.0
    assert single.people.status[worker[0]] == Status.CLASSIC


def test_entries_need_a_gap_above_the_threshold_net_of_displaced_demand():
    model = model_of(scenario(flat_sectors))
    economy, firms = model.economy, model.firms
    firms.alive[firms.sector == 4] = False  # nothing offered in sector 4
    economy.base_jobs[:] = np.bincount(
        firms.sector[firms.alive], weights=firms.base[firms.alive], minlength=6
    )
    economy.index[:] = 1.0
    n = len(firms)
    economy.base_jobs[4] = 0.2  # exactly the threshold at scale 0.05 (4 jobs x 0.05): no entry
    economy._entries()
    assert len(firms) == n
    economy.base_jobs[4] = 5.0
    economy.displaced[4] = 4.9  # the ESS took most of it: 0.1 left, no entry either
    economy._entries()
    assert len(firms) == n
    economy.displaced[4] = 0.0
    economy._entries()
    assert len(firms) > n and (firms.sector[n:] == 4).all()


def test_matching_pools_weights_and_rounds_passed_to_the_draws(monkeypatch):
    """What the matching hands to its draws, the draws themselves stubbed.

    The far pool (long-term, low employability, the PLIE's), its weights favouring people far
    from work and the PLIE's caseload; the ordinary pool weighted by employability and priority;
    the number of contact rounds; in-commuters only on ordinary posts.
    """

    def change(data):
        data["labour_market"].update(contacts_per_vacancy=0.4, in_commuter_share=0.3)

    model = labour_model(change)
    people, firms, labour = model.people, model.firms, model.labour
    seekers = rows_in(model, Status.SEEKER)[:6]
    people.status[seekers[5]] = Status.LONG_TERM
    people.employability[seekers] = [0.45, 0.44, 0.9, 0.9, 0.3, 0.8]
    people.plie[seekers] = [False, False, True, False, False, False]
    people.priority[seekers] = [1.0, 2.0, 1.0, 0.0, 3.0, 1.0]
    calls, taken = [], []

    def rounds(posts, candidates, weight, far_pool, n_rounds):
        calls.append((posts, candidates, weight.copy(), far_pool, n_rounds))
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    def take_posts(model, posts, filled, rows):
        taken.append((posts, filled))
        return rows

    monkeypatch.setattr(labour, "_rounds", rounds)
    monkeypatch.setattr(labour_module.commuting, "take_posts", take_posts)
    ei = create(model, StructureKind.WORK_INTEGRATION)
    labour.match([post(int(firms.org[0]), 2), post(ei.org, 1, far_from_work=True)])
    (far_posts, far, far_weight, is_far, n), (posts, ordinary, weight, not_far, m) = calls
    assert is_far and not not_far and n == m == 1
    assert set(seekers[[1, 2, 4, 5]]) <= set(far.tolist()) and seekers[0] not in far
    assert seekers[3] not in far  # 0.9 employable, not long-term, not followed
    plie = model.network.plie_weight()
    assert far_weight[seekers[[1, 2]]] == pytest.approx([1.05 - 0.44, (1.05 - 0.9) * plie])
    assert seekers[3] not in ordinary  # priority 0: no weight
    assert weight[seekers[[0, 1, 4]]] == pytest.approx([0.45, 0.88, 0.9])
    assert (far_posts["org"] == ei.org).all() and (posts["org"] == firms.org[0]).all()
    assert len(taken) == 1 and taken[0][0] is posts and taken[0][1].size == 0


def test_a_single_post_is_filled_over_the_rounds():
    def change(data):
        data["labour_market"]["contacts_per_vacancy"] = 20.0

    model = labour_model(change)
    firms = model.firms
    hires = model.labour.match([post(int(firms.org[0]), 1, skill_requirement=0.0)])
    assert hires == {(int(firms.org[0]), int(Status.CLASSIC)): 1}


def test_census_deaths_are_drawn_per_resident_on_the_demography_stream():
    import copy

    model = model_of()
    people = model.people
    model.month_index = 43
    model.streams.new_month(43)  # a month in which one resident dies (replayed below)
    stream = copy.deepcopy(model.streams.demography)
    draws = np.ones(len(people))
    draws[people.resident] = stream.random(people.residents())
    dying = people.uid[draws < 0.002 / 12]
    assert dying.size == 1
    model.demography.flows = {}
    model.demography._follow_census()
    assert model.demography.flows["died"] == 1
    assert not np.isin(dying, people.uid).any()


def test_contacts_go_to_the_heaviest_weights_and_a_filled_post_stays_filled():
    def rounds(n):
        def change(data):
            data["labour_market"]["contacts_per_vacancy"] = n

        return change

    model = labour_model(rounds(1.0))
    people, firms = model.people, model.firms
    seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
    people.priority[seekers] = 1e-6  # weights of a millionth...
    people.skill[seekers] = 1.0
    people.employability[seekers] = 1.0
    best = seekers[3]
    people.priority[best] = 1.0  # ...but one: it is the one contacted for the single post
    model.labour.match([post(int(firms.org[0]), 1, skill_requirement=0.0)])
    hired = np.flatnonzero(people.status[seekers] == Status.CLASSIC)
    assert seekers[hired].tolist() == [best]
    model = labour_model(rounds(5.0))  # five rounds for three posts anyone fills
    people = model.people
    people.employability[:] = 1.0
    people.skill[:] = 1.0
    hires = model.labour.match([post(int(model.firms.org[0]), 3, skill_requirement=0.0)])
    assert hires == {(int(model.firms.org[0]), int(Status.CLASSIC)): 3}


def test_far_posts_are_taken_nine_times_in_ten_a_contact():
    def change(data):
        data["labour_market"]["contacts_per_vacancy"] = 1.0

    hired, offered = 0, 0
    for seed in range(8):  # about 15 seekers a model: pooled, so that "not all" can be seen
        model = model_of(scenario(change), seed)
        people = model.people
        seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
        people.move(seekers, Status.LONG_TERM, 0)
        ei = create(model, StructureKind.WORK_INTEGRATION)
        posts = [post(ei.org, seekers.size, status=Status.INSERTION, far_from_work=True)]
        hired += model.labour.match(posts)[(ei.org, int(Status.INSERTION))]
        offered += seekers.size
    assert 0.75 * offered < hired < 0.98 * offered  # one round: about 90%


def test_hires_are_counted_per_employer_and_column_across_far_and_ordinary_posts():
    def change(data):
        data["labour_market"]["contacts_per_vacancy"] = 20.0

    model = labour_model(change)
    people, firms = model.people, model.firms
    seekers = rows_in(model, Status.SEEKER, Status.LONG_TERM)
    people.move(seekers[: seekers.size // 2], Status.LONG_TERM, 0)
    people.employability[seekers] = 1.0
    people.skill[seekers] = 1.0
    org = int(firms.org[0])
    ess = create(model, StructureKind.ESS_ENTERPRISE)
    model.month_index = 4
    hires = model.labour.match(
        [
            post(org, 2, skill_requirement=0.0),
            post(org, 2, far_from_work=True),
            post(ess.org, 1, status=Status.ESS, skill_requirement=0.0),
            post(ess.org, 1, status=Status.ESS, skill_requirement=0.0, contract_months=1),
        ]
    )
    at_org = np.count_nonzero(people.employer[seekers] == org)
    assert hires[(org, int(Status.CLASSIC))] == at_org == 4
    assert hires[(ess.org, int(Status.ESS))] == 1  # the permanent post
    assert hires[(ess.org, HOLDER)] == 1  # a fixed term of one month: a holder
    one_month = seekers[people.contract_end[seekers] == 5]
    assert one_month.size == 1 and people.employer[one_month[0]] == ess.org


def test_a_closed_firm_s_cash_goes_to_its_owners_or_its_debts_are_written_off():
    model = model_of()
    firms, ledger = model.firms, model.ledger
    rows = np.array([0, 1, 2, 3])
    firms.cash[rows] = [100.0, -40.0, 0.5, -0.5]
    firms.broke_months[rows] = 5
    before = {k: ledger.balance(k) for k in (HOUSEHOLDS, REST_OF_WORLD, FIRMS)}
    total = ledger.totals[Flow.LIQUIDATION]
    model.firm_accounts.liquidate(rows)
    assert ledger.balance(HOUSEHOLDS) - before[HOUSEHOLDS] == pytest.approx(100.5)
    assert ledger.balance(REST_OF_WORLD) - before[REST_OF_WORLD] == pytest.approx(-40.5)
    assert ledger.balance(FIRMS) - before[FIRMS] == pytest.approx(-100.5 + 40.5)
    assert ledger.totals[Flow.LIQUIDATION] - total == pytest.approx(141.0)
    assert (firms.cash[rows] == 0.0).all() and (firms.broke_months[rows] == 0).all()


def test_newcomers_ages_skills_and_employability_replayed_on_their_stream():
    import copy

    model = model_of()
    demography, territory = model.demography, model.spec.territory
    model.month_index = 40 * 12
    rng = model.streams.demography
    replay = copy.deepcopy(rng)
    got = demography.newcomers(300, rng)
    young = replay.random(300) < 0.6
    age = np.where(
        young,
        territory.entry_age + replay.uniform(0, 4, 300),
        replay.uniform(max(25.0, territory.entry_age), 50.0, 300),
    )
    skill = np.clip(demography.draw_skills(300, replay) + 0.002 * 40 * young, 0.0, 1.0)
    employability = np.clip(replay.beta(5, 3, 300), 0.05, 1.0)
    assert got["age"] == pytest.approx(age)
    assert got["skill"] == pytest.approx(skill)
    assert got["employability"] == pytest.approx(employability)


def test_residents_spend_in_the_territory_s_sectors_only_and_half_a_job_is_no_part_time_job():
    def change(data):
        for sector in data["sectors"]:
            if sector["located_outside"]:
                sector["follows_population"] = 0.5

    model = model_of(scenario(change))
    outside = np.array([s.located_outside for s in model.spec.sectors])
    follows = np.array([s.follows_population for s in model.spec.sectors])
    assert follows[outside].all()  # the conurbation follows the residents' number...
    assert (model.economy.spending[outside] == 0.0).all()  # ...but not their spending here
    assert model.economy.spending[~outside] == pytest.approx(follows[~outside])
    firms = model.firms
    firms.fills_alone[:] = True
    firms.ge[:] = NO_ORG
    firms.demand[:3] = [3.5, 3.51, 3.49]
    whole, _ = firms.jobs_target()
    assert model.labour.part_time_jobs(whole)[:3].tolist() == [0.0, 1.0, 0.0]
