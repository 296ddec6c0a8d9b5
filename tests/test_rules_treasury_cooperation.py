"""The treasury, the cooperation network and the animator, rule by rule: the books and edge cases.

Completes tests/test_mechanism_rules.py (same small territory, same helpers) where mutation
testing found rules unchecked: what each treasury operation books in the ledger, the thresholds
of a repaid loan and of an unmet need, loans that add up, firms lending by trust to several
members in turn, requests sent to the right college, the animator's team and its member fees.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_mechanism_rules import (
    AUTHORITIES,
    charter_firms,
    create,
    firm_rates,
    member,
    model_of,
    scenario,
    treasury_model,
)

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.accounts import FIRMS, SOLIDARITY_FUND, Flow
from ptce_sim.simulation.agents.persons import NO_ORG
from ptce_sim.simulation.mechanisms.treasury import FUND, Loan

# ---------------------------------------------------------------------------------------------
# Treasury
# ---------------------------------------------------------------------------------------------


def moved(model, before: dict, *accounts) -> list[float]:
    """How much each account's balance moved since ``before`` (``ledger.accounts()``)."""
    return [model.ledger.balance(a) - before.get(a, 0.0) for a in accounts]


def test_contributions_are_booked_from_each_member_to_the_fund():
    model = treasury_model(solidarity_fund_contribution=0.1, reserve_months=0.0)
    treasury = model.treasury
    assert treasury.unmet == []
    treasury.create_fund()
    rich, short, absent = member(1, 1000.0), member(2, 0.5), member(3, 200.0)
    before, paid = model.ledger.accounts(), model.ledger.totals[Flow.FUND_CONTRIBUTION]
    treasury.step([rich, short, absent], {1: 400.0, 2: 100.0})
    # 10% of the surplus within the cash; a member without a surplus pays nothing
    assert [rich.cash, short.cash, absent.cash] == pytest.approx([960.0, 0.0, 200.0])
    assert treasury.fund == pytest.approx(40.5)
    assert moved(model, before, 1, 2, 3, SOLIDARITY_FUND) == pytest.approx([-40.0, -0.5, 0, 40.5])
    assert model.ledger.totals[Flow.FUND_CONTRIBUTION] - paid == pytest.approx(40.5)


def test_firms_out_of_the_treasury_neither_borrow_nor_count():
    model = treasury_model(
        firm_rates(0.06, 0.0), firms_take_part=False, interest_rate_per_year=0.02
    )
    row = charter_firms(model, 1)[0]
    model.firms.cash[row] = -50.0
    lender = member(1, 500.0)
    assert model.treasury.firm_members() == []
    assert model.treasury.total_cash([lender]) == 500.0
    model.treasury.step([lender], {})
    assert model.firms.cash[row] == -50.0 and lender.cash == 500.0
    # a rate equal to the bank's overdraft is no cheaper: the firm does not borrow either
    model = treasury_model(firm_rates(0.02, 0.0), firms_take_part=True, interest_rate_per_year=0.02)
    row = charter_firms(model, 1)[0]
    model.firms.cash[row] = -50.0
    lender = member(1, 500.0)
    model.treasury.step([lender], {})
    assert model.firms.cash[row] == -50.0 and lender.cash == 500.0


def test_interest_and_instalments_are_booked_from_borrower_to_lender():
    model = treasury_model(reserve_months=0.0, repayment_months=4, interest_rate_per_year=0.12)
    treasury = model.treasury
    treasury.create_fund()
    lender, borrower = member(1, 0.0), member(2, 100.0)
    treasury.loans = [Loan(1, 2, 40.0, 40.0), Loan(FUND, 2, 8.0, 8.0)]
    before = model.ledger.accounts()
    totals = dict(model.ledger.totals)
    treasury.step([lender, borrower], {})
    # to the member: 0.4 interest, 10 instalment; to the fund: 0.08 interest, 2 instalment
    assert moved(model, before, 1, 2, SOLIDARITY_FUND) == pytest.approx([10.4, -12.48, 2.08])
    assert treasury.fund == pytest.approx(2.08)
    interest = model.ledger.totals[Flow.INTEREST] - totals.get(Flow.INTEREST, 0.0)
    repaid = model.ledger.totals[Flow.REPAYMENT] - totals.get(Flow.REPAYMENT, 0.0)
    assert interest == pytest.approx(0.48) and repaid == pytest.approx(12.0)


def test_repayments_go_on_past_a_non_member_and_a_broke_borrower():
    model = treasury_model(reserve_months=0.0, repayment_months=2)
    treasury = model.treasury
    treasury.create_fund()
    broke, payer, small = member(1, 0.0), member(2, 100.0), member(3, 50.0)
    treasury.loans = [
        Loan(FUND, 9, 6.0, 6.0),  # 9 is not a member this month
        Loan(FUND, 1, 10.0, 10.0),  # 1 cannot pay
        Loan(FUND, 2, 10.0, 10.0),
        Loan(FUND, 3, 1.0, 1.0),  # an instalment of 0.5
    ]
    treasury.step([broke, payer, small], {})
    assert [loan.outstanding for loan in treasury.loans] == pytest.approx([6.0, 10.0, 5.0, 0.5])
    assert payer.cash == pytest.approx(95.0) and small.cash == pytest.approx(49.5)
    assert treasury.fund == pytest.approx(5.5) and treasury.repaid_year == pytest.approx(5.5)


def test_a_loan_is_repaid_when_less_than_a_billionth_is_left():
    model = treasury_model(reserve_months=0.0, repayment_months=2)
    network, treasury = model.network, model.treasury
    a, b = (int(o) for o in model.firms.org[:2])
    network.tie(a, b, "member", trust=0.5)
    lender, borrower = member(a, 0.0), member(b, 100.0)
    treasury.loans = [Loan(a, b, 1.0, 1.0)]
    treasury.step([lender, borrower], {})
    assert [loan.outstanding for loan in treasury.loans] == pytest.approx([0.5])
    assert network.trust[0] == 0.5  # half repaid: no success yet
    treasury.step([lender, borrower], {})
    assert treasury.loans == [] and network.trust[0] > 0.5
    network.trust[0] = 0.5
    treasury.loans = [Loan(a, b, 2e-9, 2e-9)]  # one instalment leaves exactly 1e-9
    treasury.step([lender, borrower], {})
    assert treasury.loans == [] and network.trust[0] > 0.5


def test_needs_met_partly_or_not_at_all_are_left_unmet():
    model = treasury_model(reserve_months=0.0)
    treasury = model.treasury
    zero = member(1, 0.0)
    treasury.step([zero, member(2, 100.0)], {})
    assert treasury.rescues_year == 0 and treasury.loans == [] and treasury.unmet == []
    short, lender = member(3, -100.0), member(4, 30.0)
    treasury.step([short, lender], {})
    assert treasury.unmet == [(short, pytest.approx(70.0))]
    met, cents = member(5, -10.0), member(6, 0.5)  # an excess of cents is lent
    treasury.step([met, cents], {})
    assert met.cash == pytest.approx(-9.5) and cents.cash == pytest.approx(0.0)
    assert treasury.unmet == [(met, pytest.approx(9.5))]
    tiny, alone = member(7, -1e-9), member(8, -0.5)  # no lender
    treasury.step([tiny, alone], {})
    assert treasury.unmet == [(alone, 0.5)]
    fully = member(9, -10.0)
    treasury.step([fully, member(10, 100.0)], {})
    assert treasury.unmet == []


def test_the_fund_first_then_no_member_loan_of_nothing():
    model = treasury_model(reserve_months=0.0)
    treasury = model.treasury
    treasury.create_fund()
    treasury.fund = 100.0
    borrower, rich = member(1, -40.0), member(2, 500.0)
    treasury.step([borrower, rich], {})
    assert rich.cash == 500.0 and borrower.cash == pytest.approx(0.0)
    assert [(loan.lender, loan.outstanding) for loan in treasury.loans] == [(FUND, 40.0)]
    assert treasury.lent_by_firms_year == 0.0 and treasury.lent_to_firms_year == 0.0


def test_a_new_loan_between_the_same_pair_adds_to_what_is_owed():
    model = treasury_model(reserve_months=0.0, repayment_months=4)
    treasury = model.treasury
    treasury.create_fund()
    treasury.fund = 100.0
    borrower = member(1, 0.0)
    treasury.loans = [Loan(FUND, 1, 40.0, 20.0)]
    treasury.lent_total = 7.0
    before = model.ledger.accounts()
    lent = model.ledger.totals[Flow.LOAN]
    borrower.cash = -10.0
    treasury.step([borrower], {})
    assert len(treasury.loans) == 1
    assert (treasury.loans[0].outstanding, treasury.loans[0].principal) == (30.0, 30.0)
    assert treasury.lent_total == pytest.approx(17.0) and treasury.lent_year == 10.0
    assert moved(model, before, 1, SOLIDARITY_FUND) == pytest.approx([10.0, -10.0])
    assert model.ledger.totals[Flow.LOAN] - lent == pytest.approx(10.0)
    # structure to structure: nothing lent by nor to firms
    lender, other = member(2, 50.0), member(3, -5.0)
    treasury.fund = 0.0
    before = model.ledger.accounts()
    treasury.step([other, lender], {})
    assert moved(model, before, 2, 3) == pytest.approx([-5.0, 5.0])
    assert treasury.lent_by_firms_year == 0.0 and treasury.lent_to_firms_year == 0.0


def test_write_offs_add_up_since_the_start():
    model = treasury_model(reserve_months=0.0, repayment_months=2)
    treasury = model.treasury
    treasury.written_off_total = 3.0
    treasury.loans = [Loan(7, 1, 30.0, 30.0), Loan(8, 2, 5.0, 5.0)]
    treasury.step([member(1, 0.0)], {})  # lender 7 has failed
    assert treasury.written_off_total == pytest.approx(33.0)
    treasury.write_off(2)
    assert treasury.written_off_total == pytest.approx(38.0)
    assert treasury.written_off_year == pytest.approx(35.0)


def test_two_charter_firms_borrowing_in_a_year_add_up():
    model = treasury_model(
        firm_rates(0.06, 0.0), firms_take_part=True, interest_rate_per_year=0.02, reserve_months=0.0
    )
    rows = charter_firms(model, 2)
    model.firms.cash[rows] = [-30.0, -20.0]
    lender = member(1, 1000.0)
    model.treasury.step([lender], {})
    assert model.treasury.lent_to_firms_year == pytest.approx(50.0)
    assert model.treasury.lent_by_firms_year == 0.0


def trust_lending_model(deposit: float = 0.0, expected_loss_rate: float = 0.0):
    def change(data):
        firm_rates(0.0, deposit)(data)
        data["firms"]["risk_premium"] = 1.5

    rule = {
        "enabled": True,
        "firms_take_part": True,
        "interest_rate_per_year": 0.02,
        "expected_loss_rate": expected_loss_rate,
        "reserve_months": 0.0,
        "solidarity_fund_contribution": 0.0,
    }
    return model_of(scenario(change, treasury=rule, circles={"lending_trust": 0.3}))


def test_a_member_lends_its_excess_weighed_by_its_trust_in_the_borrower():
    model = trust_lending_model()
    lender = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    borrower = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    model.network.tie(lender.org, borrower.org, "test", trust=0.5)
    lender.cash, borrower.cash = 100.0, -1000.0
    lender.monthly_costs = borrower.monthly_costs = 0.0
    model.treasury.step([borrower, lender], {})
    assert lender.cash == pytest.approx(50.0) and borrower.cash == pytest.approx(-950.0)


def test_firms_lend_by_trust_to_each_member_in_turn():
    model = trust_lending_model()
    firms, network, treasury = model.firms, model.network, model.treasury
    rows = charter_firms(model, 3)  # the third one closes
    outsider = np.flatnonzero(firms.alive & ~firms.charter)[0]
    untrusted = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    first = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    second = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    for s in (first, second):
        network.tie(int(firms.org[rows[0]]), s.org, "test", trust=0.8)
        network.tie(int(firms.org[rows[1]]), s.org, "test", trust=0.5)
        network.tie(int(firms.org[rows[2]]), s.org, "test", trust=0.9)
        network.tie(int(firms.org[outsider]), s.org, "test", trust=0.9)
    for s in (untrusted, first, second):
        s.cash, s.monthly_costs = -1000.0, 0.0
    treasury.step([untrusted, first, second], {})
    assert [m for m, _ in treasury.unmet] == [untrusted, first, second]
    firms.alive[rows[2]] = False
    excess = np.zeros(len(firms))
    excess[rows] = [100.0, 200.0, 500.0]
    excess[outsider] = 1000.0  # not of the charter: keeps it
    lent = treasury.lend_from_firms(excess)
    # its excess weighed by trust, to the first; what is left, weighed again, to the second
    assert lent[rows] == pytest.approx([80.0 + 16.0, 100.0 + 50.0, 0.0])
    assert lent[outsider] == 0.0 and untrusted.cash == -1000.0
    assert first.cash == pytest.approx(-820.0) and second.cash == pytest.approx(-934.0)
    assert treasury.lent_by_firms_year == pytest.approx(246.0)


def test_firms_lend_cents_but_not_when_it_only_matches_their_owners_return():
    for deposit, lends in ((0.0, True), (0.02, False)):
        model = treasury_model(
            firm_rates(0.0, deposit),
            firms_take_part=True,
            interest_rate_per_year=0.02,
            expected_loss_rate=0.0,
            reserve_months=0.0,
        )
        row = charter_firms(model, 1)[0]
        borrower = member(1, -90.0)
        model.treasury.step([borrower], {})
        excess = np.zeros(len(model.firms))
        excess[row] = 0.5
        lent = model.treasury.lend_from_firms(excess)
        assert lent[row] == pytest.approx(0.5 * lends)
        assert borrower.cash == pytest.approx(-90.0 + 0.5 * lends)


# ---------------------------------------------------------------------------------------------
# Cooperation network
# ---------------------------------------------------------------------------------------------


def test_requests_go_to_the_firms_college_by_sector_and_the_structures_apart():
    model = model_of(scenario(cooperation={"request_rate": 1.0, "initial_trust": 1.0}))
    firms = model.firms
    animator = create(model, StructureKind.ANIMATOR)
    firms.demand[:] = 3.0
    firms.demand[0] = 3.3  # a part-time need of 0.3 (in floats, just below) is no need
    last = np.flatnonzero(firms.sector == firms.sector.max())[0]
    firms.demand[last] = 3.5
    firms.trust[:] = 0.0
    animator.cash = -1.0
    assert model.network.requests() == 2
    sector = int(firms.sector[last])
    assert dict(model.deliberation.pending) == {("firms", sector): 1, ("structures", -1): 1}


def test_firms_join_a_geiq_listed_after_other_structures():
    model = model_of(scenario(geiq={"contact_rate": 1.0}, shared_employment={"enabled": False}))
    create(model, StructureKind.ANIMATOR)
    create(model, StructureKind.EMPLOYER_GROUP)  # its rule is off
    geiq = create(model, StructureKind.GEIQ)
    model.network.trust[:] = 1.0
    model.network.refresh()
    model.firms.unfilled_skilled[:] = 2.0
    model.network.firms_join()
    assert (model.firms.geiq == geiq.org).any()


def test_sign_charter_waits_for_cooperation():
    model = model_of(scenario(cooperation={"enabled": False, "charter_trust": 0.0}))
    create(model, StructureKind.ANIMATOR)
    model.network.formalised = True
    model.firms.unfilled_skilled[:3] = 5.0
    model.firms.demand[:3] = 1000.0
    model.network.sign_charter()
    assert not model.firms.charter.any()


def test_removed_ties_drop_out_of_reputations():
    model = model_of(scenario())
    network = model.network
    a, b, c = (int(o) for o in model.firms.org[:3])
    network.tie(a, b, "member", trust=0.2)
    network.tie(a, c, "member", trust=0.8)
    network.remove(c)
    assert network.alive.dtype == bool and network.alive.tolist() == [True, False]
    network.refresh()
    assert network.reputation(a) == pytest.approx(0.2)


def test_only_hosted_ge_and_geiq_workers_are_shared_successes():
    model = model_of(scenario(cooperation={"trust_gain": 0.1, "trust_decay_per_year": 0.0}))
    network, people = model.network, model.people
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    host = int(model.firms.org[0])
    network.tie(ge.org, host, "member", trust=0.5)
    seekers = np.flatnonzero(people.employer == NO_ORG)[:1]
    people.host[seekers] = host  # a host recorded for someone not lent: no success
    people.employer[seekers] = ge.org
    network.monthly()
    assert network.trust[network.graph.edges[ge.org, host]["idx"]] == pytest.approx(0.5)


# ---------------------------------------------------------------------------------------------
# The animator
# ---------------------------------------------------------------------------------------------


def test_the_animator_sizes_its_team_on_grants_plie_aid_and_fees():
    model = model_of(
        scenario(authorities=AUTHORITIES, cooperation={"member_fee_eur_per_year": 120.0})
    )
    animator = create(model, StructureKind.ANIMATOR, permanent_staff=0)
    model.network.tie(animator.org, int(model.firms.org[0]), "member")
    model.network.tie(animator.org, int(model.firms.org[1]), "member")
    model.people.plie[:] = False
    model.people.plie[:4] = True
    animator.cash = 1e6
    animator.plan()
    finance = model.spec.finance
    grants = 36_000 * model.scale / 12 + 360 * 4 / 12 + 4 * 10.0  # 2 funders, 2 firms
    wanted = grants / finance.wage_cost_eur_per_fte_month / (1 + finance.overhead_share)
    assert wanted < 1.0
    assert sum(o.count for o in animator.openings) == 1
    assert animator.openings[0].fte == pytest.approx(wanted)


def test_member_fees_are_paid_by_members_that_have_the_cash_and_booked():
    model = model_of(
        scenario(authorities=AUTHORITIES, cooperation={"member_fee_eur_per_year": 120.0})
    )
    network, firms = model.network, model.firms
    alone = model_of(scenario(authorities=[], cooperation={"member_fee_eur_per_year": 120.0}))
    assert create(alone, StructureKind.ANIMATOR).collect_fees() == 0.0  # no member
    animator = create(model, StructureKind.ANIMATOR, permanent_staff=0)
    rich = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    exact = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    poor = create(model, StructureKind.ESS_ENTERPRISE, permanent_staff=0)
    for s, cash in ((rich, 100.0), (exact, 10.0), (poor, 5.0)):
        network.tie(animator.org, s.org, "member")
        s.cash = cash
    row = np.flatnonzero(firms.alive)[0]
    firms.cash[row] = 10.0
    network.tie(animator.org, int(firms.org[row]), "member")
    rich.year.costs_eur = costs = 5.0
    before = model.ledger.accounts()
    fees = model.ledger.totals[Flow.MEMBER_FEES]
    assert animator.collect_fees() == pytest.approx(50.0)  # the two funders pay too
    assert [rich.cash, exact.cash, poor.cash] == pytest.approx([90.0, 0.0, 5.0])
    assert rich.year.costs_eur - costs == pytest.approx(10.0)
    assert firms.cash[row] == pytest.approx(0.0)
    accounts = (rich.org, exact.org, poor.org, FIRMS, animator.org)
    assert moved(model, before, *accounts) == pytest.approx([-10.0, -10.0, 0.0, -10.0, 50.0])
    assert model.ledger.totals[Flow.MEMBER_FEES] - fees == pytest.approx(50.0)
    off = model_of(scenario(cooperation={"enabled": False}))
    assert create(off, StructureKind.ANIMATOR).collect_fees() == 0.0
