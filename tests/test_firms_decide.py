"""Classic firms keep accounts and choose.

What they pay, when they join or leave an employer group, when they close, and who pays the GE
and the GEIQ.

Small models (scale 0.05, no timeline event) whose state each test sets by hand, as in
tests/test_mechanism_rules.py; then short runs of the shipped scenario over a few seeds for the
books (:mod:`ptce_sim.simulation.mechanisms.firm_accounts`,
:mod:`ptce_sim.simulation.mechanisms.firm_choices`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import SCENARIO_PATH, base_scenario
from test_mechanism_rules import create, hire, model_of, rows_in, scenario

from ptce_sim.config.overrides import Override, apply_overrides, narrow_years
from ptce_sim.config.scenario import StructureKind
from ptce_sim.config.scenario_io import ScenarioError, load_scenario
from ptce_sim.simulation.accounts import FIRMS, OPCA, REST_OF_WORLD, Flow
from ptce_sim.simulation.agents.persons import NO_ORG, Status
from ptce_sim.simulation.model import PtceModel

FRACTION = 0.8


def ge_market(billing: float, *, risk_premium: float = 0.0, trust: float = 1.0, seed: int = 3):
    """A model with one GE, every firm with a part-time need of ``FRACTION`` it cannot fill alone.

    Every firm hears of the GE every month; the firms' trust in the pole is set to ``trust``.
    """

    def change(data):  # one attitude to risk for all firms: only trust sets their premium here
        data["firms"].update(risk_premium=risk_premium, risk_aversion_dispersion=0.0)

    model = model_of(
        scenario(change, shared_employment={"contact_rate": 1.0, "billing_eur_per_hour": billing}),
        seed,
    )
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    firms = model.firms
    firms.demand[:] = np.floor(firms.demand) + FRACTION
    firms.fills_alone[:] = False
    model.network.trust[:] = trust
    model.network.refresh()
    return model, ge


def break_even_billing(model) -> np.ndarray:
    """The hourly price at which the GE's price equals each firm's cost of its post left unfilled.

    ``F (v - w) = F (h b - w) + fee / 12``.
    """
    rule = model.spec.mechanisms.shared_employment
    value = model.firms.value_per_fte(model.spec)
    return (FRACTION * value - rule.member_fee_eur_per_year / 12.0) / (
        FRACTION * model.hours_per_month
    )


def test_a_firm_joins_a_ge_only_when_its_price_is_below_the_cost_of_an_unfilled_post():
    probe, _ = ge_market(20.0)
    sector = int(probe.firms.sector[0])
    price = float(break_even_billing(probe)[0])
    joined = {}
    for label, billing in (("above", price * 1.01), ("below", price * 0.99)):
        model, ge = ge_market(billing)  # same seed: the same firms hear of the GE
        model.network.firms_join()
        same_sector = model.firms.sector == sector
        joined[label] = (model.firms.ge == ge.org) & same_sector
    assert not joined["above"].any()
    assert joined["below"].sum() == np.count_nonzero(probe.firms.sector == sector)


def test_trust_lowers_the_risk_premium_on_the_price():
    probe, _ = ge_market(20.0)
    even = break_even_billing(probe)
    billing = float(even.min()) * 0.9  # worth it without risk for every firm
    # a premium that lifts the price above even the firm that values the post most
    premium = 1.1 * float(even.max()) / billing - 1.0
    members = {}
    for trust in (0.0, 1.0):
        model, ge = ge_market(billing, risk_premium=premium, trust=trust)
        model.network.firms_join()
        members[trust] = int(np.count_nonzero(model.firms.ge == ge.org))
    assert members[0.0] == 0  # the price looks too high to every firm that distrusts
    assert members[1.0] == np.count_nonzero(probe.firms.alive)


def test_members_leave_once_the_benefit_stays_negative():
    def change(data):
        data["firms"]["leave_after_months"] = 3

    model = model_of(scenario(change, shared_employment={"billing_eur_per_hour": 1e4}))
    ge = create(model, StructureKind.EMPLOYER_GROUP)
    firms, people = model.firms, model.people
    firms.demand[:] = np.floor(firms.demand) + FRACTION
    firms.ge[:2] = ge.org
    firms.ge_need[:2] = FRACTION
    model.network.tie(ge.org, int(firms.org[0]), "member")
    lent = hire(model, ge, Status.GE, 1, fte=0.5)
    people.host[lent] = firms.org[0]
    for _ in range(2):
        model.network.firms_join()
    assert (firms.ge[:2] == ge.org).all() and list(firms.ge_loss_months[:2]) == [2, 2]
    model.network.firms_join()
    assert (firms.ge[:2] == NO_ORG).all() and (firms.ge_need[:2] == 0.0).all()
    assert people.host[lent[0]] == NO_ORG  # its worker goes back to the GE, to be lent again
    assert "member" not in model.network.graph.edges[ge.org, int(firms.org[0])]["kinds"]


def test_a_firm_broke_for_longer_than_the_limit_closes():
    def change(data):
        data["firms"]["negative_cash_months"] = 3

    model = model_of(scenario(change))
    firms, people, ledger = model.firms, model.people, model.ledger
    staff = np.flatnonzero(people.employer == firms.org[0])
    assert staff.size
    debt = 1e6
    moved = float(firms.cash[:2].sum()) + 2 * debt
    firms.cash[:2] = -debt
    ledger.transfer(FIRMS, REST_OF_WORLD, moved, Flow.LIQUIDATION)  # keep the books matching
    for _ in range(3):
        model.firm_accounts.close_broke()
    firms.cash[1] = 0.0  # firm 1 is back to zero cash: it starts counting again
    ledger.transfer(REST_OF_WORLD, FIRMS, debt, Flow.LIQUIDATION)
    assert firms.alive[:2].all()
    model.firm_accounts.close_broke()
    assert not firms.alive[0] and firms.alive[1]
    assert (people.status[staff] == Status.SEEKER).all()
    assert firms.cash[0] == 0.0  # its debts written off by its creditors
    assert math.isclose(math.fsum(firms.cash), ledger.balance(FIRMS), abs_tol=0.01)


def test_the_month_accounts_of_a_firm():
    model = model_of(scenario())
    firms, spec = model.firms, model.spec
    model.labour.to_seeking(rows_in(model, Status.CLASSIC))
    row = 0
    firms.demand[row] = 3.4
    firms.fills_alone[row] = True  # a part-time job it fills alone, paid its fraction
    rows = rows_in(model, Status.SEEKER)[:4]
    model.people.move(rows, Status.CLASSIC, 0, employer=int(firms.org[row]), fte=1.0)
    model.staff.recount(model.people, len(model.orgs))
    cash = firms.cash[row]
    model.firm_accounts.charge(np.array([row]), 100.0)
    model.ledger.transfer(FIRMS, REST_OF_WORLD, 100.0, Flow.SALES)  # the group's side of it
    model.firm_accounts.settle()
    value = firms.value_per_fte(spec)[row]
    wage = spec.finance.wage_cost_eur_per_fte_month
    assert firms.sales[row] == pytest.approx(3.4 * value)  # staffed up to its demand
    assert firms.wages[row] == pytest.approx(3.4 * wage)
    assert firms.training[row] == pytest.approx(0.01 * 3.4 * wage)
    assert firms.pole_bills[row] == 100.0
    assert firms.profit[row] == pytest.approx(3.4 * (value - 1.01 * wage) - 100.0)
    reserve = spec.firms.cash_reserve_months * wage * 3.4
    assert firms.cash[row] == pytest.approx(min(reserve, cash + firms.profit[row]))
    local = np.array([s.local_consumption_share for s in spec.sectors])[firms.sector]
    totals = model.ledger.totals
    assert totals[Flow.CONSUMPTION] == pytest.approx(float(np.sum(firms.sales * local)))
    assert totals[Flow.EXPORTS] == pytest.approx(float(np.sum(firms.sales * (1 - local))))
    assert model.ledger.balance(OPCA) == pytest.approx(firms.training.sum())
    assert totals[Flow.WAGES] == pytest.approx(firms.wages.sum())
    assert math.isclose(math.fsum(firms.cash), model.ledger.balance(FIRMS), abs_tol=0.01)


def test_a_geiq_trainee_fills_the_vacancy_of_its_host():
    model = model_of(scenario())
    firms, people = model.firms, model.people
    geiq = create(model, StructureKind.GEIQ)
    before = model.labour.open_jobs()
    row = int(np.argmax(before))
    firms.fills_alone[:] = False
    firms.demand[row] += 1.0  # one more job wanted
    wanted = model.labour.open_jobs()[row]
    trainee = hire(model, geiq, Status.GEIQ, 1)
    people.host[trainee] = firms.org[row]
    assert model.labour.hosted_trainees()[row] == 1.0
    gap = np.maximum(model.labour.open_jobs() - model.labour.hosted_trainees(), 0)
    assert gap[row] == max(wanted - 1.0, 0.0)


def test_hiring_and_internalising_need_a_post_worth_its_wage():
    def cheap(data):
        for sector in data["sectors"]:
            sector["sales_eur_per_fte_month"] = 1000.0  # below the wage cost

    for change, hires in ((None, True), (cheap, False)):
        model = model_of(
            scenario(
                change,
                geiq={"hire_base_probability": 1.0},
                shared_employment={"internalisation_rate": 1.0},
            ),
            seed=1,
        )
        model.labour.to_seeking(rows_in(model, Status.CLASSIC))
        firms, people = model.firms, model.people
        firms.demand[0] = 5.0
        geiq = create(model, StructureKind.GEIQ, permanent_staff=0)
        rows = hire(model, geiq, Status.GEIQ, 20)
        people.skill[rows] = 1.0
        people.host[rows] = firms.org[0]
        geiq.end_contracts(rows)
        assert (people.status[rows] == Status.CLASSIC).any() == hires
        ge = create(model, StructureKind.EMPLOYER_GROUP)
        lent = hire(model, ge, Status.GE, 1, fte=0.5)
        people.host[lent] = firms.org[1]
        gap = np.zeros(len(firms))
        gap[1] = 2.0
        assert (model.labour.internalise(gap)[1] == 1.0) == hires
    model = model_of(scenario(geiq={"hire_base_probability": 1.0}), seed=1)
    model.labour.to_seeking(rows_in(model, Status.CLASSIC))
    model.firms.demand[0] = 0.2  # no job left for the trainee once the contract ends
    model.firms.fills_alone[0] = False
    geiq = create(model, StructureKind.GEIQ, permanent_staff=0)
    rows = hire(model, geiq, Status.GEIQ, 20)
    model.people.host[rows] = model.firms.org[0]
    geiq.end_contracts(rows)
    assert not (model.people.status[rows] == Status.CLASSIC).any()


# -- runs: the books and who pays the groups ----------------------------------------------------

SEEDS = range(3)


def books_run(seed: int, scale: float = 0.05) -> tuple[PtceModel, list]:
    """The Seignanx scenario 2005-2012, with the GE and both GEIQs open.

    The GE is heard of more often; every transfer is recorded and the firms' books checked every
    month.
    """
    busy_ge = Override("mechanisms.shared_employment.contact_rate", 0.05)  # members at any scale
    spec = apply_overrides(narrow_years(base_scenario(scale), 2005, 2012), [busy_ge])
    model = PtceModel(spec, seed)
    transfers: list[tuple] = []
    original = model.ledger.transfer

    def record(source, destination, amount, flow):
        transfers.append((source, destination, amount, flow))
        original(source, destination, amount, flow)

    model.ledger.transfer = record
    while model.running:
        model.step()
        gap = math.fsum(model.firms.cash) - model.ledger.balance(FIRMS)
        assert abs(gap) < 0.01, f"month {model.month_index}: firms' cash off the books by {gap}"
    return model, transfers


@pytest.mark.parametrize("seed", SEEDS)
def test_firms_books_close_and_members_pay_their_groups(seed: int) -> None:
    model, transfers = books_run(seed)
    groups = {s.org for s in model.pole.structures if s.kind_name in ("employer_group", "geiq")}
    assert len(groups) == 3
    from_outside = [
        t
        for t in transfers
        if t[1] in groups and t[0] == REST_OF_WORLD and t[3] in (Flow.SALES, Flow.MEMBER_FEES)
    ]
    assert not from_outside
    paid = {(t[3], t[1]) for t in transfers if t[0] == FIRMS and t[1] in groups and t[2] > 0}
    assert {flow for flow, _ in paid} == {Flow.SALES, Flow.MEMBER_FEES}
    for structure in model.pole.structures:
        if structure.org in groups and structure.member_count():
            fees = [t for t in transfers if t[1] == structure.org and t[3] == Flow.MEMBER_FEES]
            assert fees and all(t[0] == FIRMS for t in fees), structure.name


def test_uptake_is_an_unknown_key(tmp_path) -> None:
    text = SCENARIO_PATH.read_text().replace(
        "[mechanisms.shared_employment]\n", "[mechanisms.shared_employment]\nuptake = 2.0\n"
    )
    path = tmp_path / "old.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "old.toml" in message and "uptake" in message and "unknown key" in message
    assert "\n" not in message
