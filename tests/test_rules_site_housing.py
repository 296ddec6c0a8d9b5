"""The shared site's and the FJT's rules, each checked on its own: small models, exact values.

Like tests/test_mechanism_rules.py (whose helpers it uses), each test builds the Seignanx at
scale 0.05 without its timeline, sets the state by hand (the structures' on-site staff, the
persons' housing, status and age) and calls one rule: the site's purchase, its month
(:meth:`SharedSite.settle`: areas, moves in, rents, the loan's repayment, co-location) and the
young people's housing and FJT (:class:`Housing`: draws, housing found, leavers, entrants, the
FJT's accounts, the acceptance factor). The whole-run checks are in
tests/test_institutions_site.py.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_mechanism_rules import create, model_of, scenario

from ptce_sim.config.scenario import FjtSpec, SharedSiteSpec, StructureKind
from ptce_sim.simulation.accounts import FJT, HOUSEHOLDS, REST_OF_WORLD, Flow
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.mechanisms.housing import HOUSED, IN_FJT, UNDRAWN, WITHOUT
from ptce_sim.simulation.mechanisms.site import annuity
from ptce_sim.simulation.model import PtceModel

SCALE = 0.05
SAVED_PER_ESS_POST = 0.5 * 0.15 * 2600.0  # premises share x overhead share x wage: 195 a month
SAVED_PER_INSERTION_POST = 0.5 * 0.15 * 2100.0  # 157.5 a month


def site_spec(**fields) -> SharedSiteSpec:
    """Premises of 4,000 m² (200 m² at the tests' scale: ten posts of 20 m²), rent 60 €/m²/year.

    A post's rent is 100 € a month: an ESS post saves 1.95 times its rent, an insertion post
    1.575 times.
    """
    values = {
        "type": "shared_site",
        "date": "1970",
        "name": "Site",
        "floor_area_m2": 4000.0,
        "m2_per_post": 20.0,
        "max_tenants": 6,
        "price_eur": 200_000.0,
        "works_eur": 600_000.0,
        "loan_rate_per_year": 0.03,
        "loan_term_years": 20,
        "rent_eur_per_m2_year": 60.0,
        "premises_share_of_overheads": 0.5,
        "colocation_trust_weight": 0.5,
        **fields,
    }
    return SharedSiteSpec.model_validate(values)


def staff(model: PtceModel, structure, ess: float = 0.0, insertion: float = 0.0, ge: float = 0.0):
    """Set a structure's full-time equivalents by status (what the site reads)."""
    fte = model.staff.fte[structure.org]
    fte[:] = 0.0
    fte[Status.ESS], fte[Status.INSERTION], fte[Status.GE] = ess, insertion, ge


def pole(*names: str, kind: StructureKind = StructureKind.ESS_ENTERPRISE):
    """A model with an animator (the CBE) and one structure of ``kind`` per name."""
    model = model_of()
    owner = create(model, StructureKind.ANIMATOR, name="CBE")
    return model, owner, [create(model, kind, name=name) for name in names]


# ---------------------------------------------------------------------------------------------
# The site: the loan, the purchase
# ---------------------------------------------------------------------------------------------


def test_annuity_is_the_fixed_payment_that_repays_the_loan_over_its_term():
    assert annuity(1200.0, 0.0, 1) == pytest.approx(100.0)
    assert annuity(24_000.0, 0.0, 2) == pytest.approx(1000.0)
    payment = annuity(100_000.0, 0.06, 30)
    assert payment == pytest.approx(599.5505, abs=1e-4)  # the textbook 30-year mortgage
    balance = 100_000.0
    for _ in range(360):
        balance = balance * (1 + 0.06 / 12) - payment
    assert balance == pytest.approx(0.0, abs=1e-6)
    assert annuity(100_000.0, 0.06, 15) > payment


def test_an_unbought_site_is_empty_and_does_nothing():
    model, _, (member,) = pole("E")
    staff(model, member, ess=2.0)
    site = model.site
    assert site.spec is None and site.owner is None and not site.open
    assert site.tenants == [] and site.area == {} and site.saving == {} and site.granted == set()
    assert site.loan_balance == 0.0 and site.annuity == 0.0 and site.rents_year == 0.0
    assert site.capacity() == 0.0 and site.occupancy() == 0.0 and site.posts() == 0.0
    assert site.free_area() == 0.0
    assert site.overhead_saving(member.org) == 0.0
    totals, cash = dict(model.ledger.totals), member.cash
    site.settle()
    assert site.saving == {} and site.area == {} and site.tenants == []
    assert dict(model.ledger.totals) == totals and member.cash == cash


def test_nothing_is_bought_without_an_animator_or_with_cooperation_off(monkeypatch):
    model = model_of()
    assert model.site.buy(site_spec()) is False
    assert model.site.spec is None and model.site.owner is None
    create(model, StructureKind.ANIMATOR, name="CBE")
    totals = dict(model.ledger.totals)
    monkeypatch.setattr(PtceModel, "cooperation_on", property(lambda self: False))
    assert model.site.buy(site_spec()) is False
    assert model.site.spec is None and model.site.owner is None
    assert dict(model.ledger.totals) == totals
    monkeypatch.undo()
    assert model.site.buy(site_spec()) is True


def test_the_purchase_books_the_loan_the_price_the_works_and_the_owner_s_grant():
    model, owner, (member,) = pole("E")
    ledger, tally = model.ledger, model.tally
    spec = site_spec(
        investments=[
            {"authority": "Landes departement", "eur": 300_000.0},
            {"authority": "State", "eur": 20_000.0, "structure": "E"},
        ]
    )
    owner.year.aid_eur = 500.0  # aid it had this year
    cash, aid, balances = owner.cash, owner.year.aid_eur, ledger.accounts()
    assert model.site.buy(spec) is True
    site = model.site
    assert site.spec is spec and site.owner is owner and site.open
    assert site.tenants == [owner.org]
    assert site.capacity() == pytest.approx(200.0)
    loan = (200_000.0 + 600_000.0 - 300_000.0) * SCALE  # 25,000
    assert site.loan_balance == pytest.approx(loan)
    assert site.annuity == pytest.approx(annuity(loan, 0.03, 20))
    totals = ledger.totals
    assert totals[Flow.SITE_LOAN] == pytest.approx(loan)
    assert totals[Flow.SITE_PURCHASE] == pytest.approx(10_000.0)
    assert totals[Flow.SITE_WORKS] == pytest.approx(30_000.0)
    assert totals[Flow.INVESTMENT_GRANT] == pytest.approx(15_000.0)  # E's only when it moves in
    assert totals[Flow.INVESTMENT_BUDGET] == pytest.approx(15_000.0)
    assert owner.year.aid_eur - aid == pytest.approx(15_000.0)
    assert tally.public_month_eur == pytest.approx(15_000.0)
    assert dict(tally.public_month_by_funder) == {"departement": pytest.approx(15_000.0)}
    # grant + loan pay price and works: every account ends where it was, the owner's cash too
    assert owner.cash == pytest.approx(cash)
    after = ledger.accounts()
    for account in set(after) | set(balances):
        assert after.get(account, 0.0) == pytest.approx(balances.get(account, 0.0)), account
    assert site.granted == set() and member.cash == pytest.approx(1000.0)
    # bought once: a second event does nothing
    assert site.buy(site_spec(price_eur=1.0)) is False
    assert site.spec is spec and totals[Flow.SITE_PURCHASE] == pytest.approx(10_000.0)


# ---------------------------------------------------------------------------------------------
# The site: what a structure needs and saves
# ---------------------------------------------------------------------------------------------


def test_a_structure_needs_the_area_of_its_on_site_posts_and_saves_their_premises_overheads():
    model, _, (member, empty) = pole("E", "F")
    model.site.buy(site_spec())
    site = model.site
    staff(model, member, ess=2.0, insertion=1.0, ge=5.0)  # lent GE workers work elsewhere
    assert site.wanted_area(member) == pytest.approx(60.0)
    full = 2 * SAVED_PER_ESS_POST + SAVED_PER_INSERTION_POST  # 547.5
    assert site.overhead_saved(member, 60.0) == pytest.approx(full)
    assert site.overhead_saved(member, 90.0) == pytest.approx(full)  # no more than its posts
    assert site.overhead_saved(member, 15.0) == pytest.approx(full / 4)
    assert site.overhead_saved(empty, 20.0) == 0.0  # no post, nothing saved
    staff(model, empty, ess=0.025)  # half a square metre
    assert site.wanted_area(empty) == pytest.approx(0.5)
    assert site.overhead_saved(empty, 0.5) == pytest.approx(0.025 * SAVED_PER_ESS_POST)
    assert site.monthly_rent(20.0) == pytest.approx(100.0)
    assert site.monthly_rent(7.5) == pytest.approx(37.5)


# ---------------------------------------------------------------------------------------------
# The site's month: moves in, rents, repayment, co-location
# ---------------------------------------------------------------------------------------------


def test_members_move_in_pay_their_rent_to_the_owner_and_save_their_overheads():
    model, owner, (ess, wise) = pole("E", "W")
    model.site.buy(site_spec())
    site, ledger = model.site, model.ledger
    staff(model, owner, ess=1.0)
    staff(model, ess, ess=2.0)
    staff(model, wise, insertion=3.0)
    cash = {s.org: s.cash for s in (owner, ess, wise)}
    balance = {s.org: ledger.balance(s.org) for s in (owner, ess, wise)}
    for structure in (owner, ess, wise):
        structure.year.costs_eur = 1000.0  # costs it had this year
    costs = {s.org: s.year.costs_eur for s in (owner, ess, wise)}
    sales = owner.year.sales_eur
    site.settle()
    assert site.tenants == [owner.org, ess.org, wise.org]
    assert site.area == {owner.org: 20.0, ess.org: 40.0, wise.org: 60.0}
    assert site.saving == pytest.approx(
        {owner.org: 195.0, ess.org: 390.0, wise.org: 3 * SAVED_PER_INSERTION_POST}
    )
    assert site.overhead_saving(ess.org) == pytest.approx(390.0)
    assert site.overhead_saving(owner.org) == pytest.approx(195.0)
    # the owner pays no rent; the others pay 5 € a month per m²
    assert ess.cash - cash[ess.org] == pytest.approx(-200.0)
    assert wise.cash - cash[wise.org] == pytest.approx(-300.0)
    assert ledger.balance(ess.org) - balance[ess.org] == pytest.approx(-200.0)
    assert ledger.balance(wise.org) - balance[wise.org] == pytest.approx(-300.0)
    assert ess.year.costs_eur - costs[ess.org] == pytest.approx(200.0)
    assert wise.year.costs_eur - costs[wise.org] == pytest.approx(300.0)
    assert owner.year.sales_eur - sales == pytest.approx(500.0)
    assert ledger.totals[Flow.RENT] == pytest.approx(500.0)
    assert site.rents_year == pytest.approx(500.0)
    # ... and repays the month's annuity from them
    payment = site.annuity
    assert owner.cash - cash[owner.org] == pytest.approx(500.0 - payment)
    assert ledger.balance(owner.org) - balance[owner.org] == pytest.approx(500.0 - payment)
    assert owner.year.costs_eur - costs[owner.org] == pytest.approx(payment)
    assert site.occupancy() == pytest.approx(0.6)
    assert site.posts() == pytest.approx(6.0)
    assert site.free_area() == pytest.approx(80.0)
    assert site.overhead_saving(10_000) == 0.0  # outside
    site.settle()
    assert site.rents_year == pytest.approx(1000.0)
    assert ledger.totals[Flow.RENT] == pytest.approx(1000.0)
    site.new_year()
    assert site.rents_year == 0.0


def test_those_the_site_saves_most_per_euro_of_rent_move_in_first_within_the_area():
    model, owner, (wise, ess) = pole("W", "E")  # the insertion structure asks first
    model.site.buy(site_spec(floor_area_m2=2000.0))  # 100 m²
    staff(model, wise, insertion=3.0)  # 60 m², saves 1.575 times its rent
    staff(model, ess, ess=4.0)  # 80 m², saves 1.95 times its rent
    model.site.settle()
    assert model.site.tenants == [owner.org, ess.org, wise.org]
    assert model.site.area == {owner.org: 0.0, ess.org: 80.0, wise.org: 20.0}  # what is left
    assert model.site.free_area() == 0.0
    assert model.site.occupancy() == pytest.approx(1.0)
    assert wise.cash == pytest.approx(1000.0 - 100.0)


def test_a_member_moves_in_only_when_the_site_saves_it_its_rent_and_its_cash_is_not_in_the_red():
    model, owner, members = pole("even", "dear", "short", "broke", "none")
    even, dear, short, broke, none = members
    rent = SAVED_PER_ESS_POST * 12 / 20.0  # a post's rent = what it saves: 117 € per m² a year
    model.site.buy(site_spec(rent_eur_per_m2_year=rent))
    site = model.site
    staff(model, even, ess=1.0)
    assert site.overhead_saved(even, 20.0) / site.monthly_rent(20.0) == 1.0
    staff(model, dear, insertion=1.0)  # saves 0.81 times its rent
    staff(model, short, ess=1.0)
    short.cash = 0.0  # not in the red
    staff(model, broke, ess=1.0)
    broke.cash = -0.01
    site.settle()
    assert site.tenants == [owner.org, even.org, short.org]
    assert site.area == pytest.approx({owner.org: 0.0, even.org: 20.0, short.org: 20.0})
    assert none.org not in site.area and dear.org not in site.saving


def test_the_premises_hold_no_more_structures_than_their_maximum_owner_included():
    model, owner, (first, second, third) = pole("A", "B", "C")
    model.site.buy(site_spec(max_tenants=3))
    for structure, fte in ((first, 3.0), (second, 2.0), (third, 1.0)):
        staff(model, structure, ess=fte)
    model.site.settle()
    assert model.site.tenants == [owner.org, first.org, second.org]  # by org when gains tie
    assert model.site.free_area() == pytest.approx(100.0)
    assert third.cash == pytest.approx(1000.0)


def test_occupancy_and_posts_of_small_premises():
    model, owner, (tiny,) = pole("T")
    model.site.buy(site_spec(floor_area_m2=10.0))  # half a square metre
    staff(model, tiny, ess=0.02)  # 0.4 m²
    model.site.settle()
    assert model.site.area == pytest.approx({owner.org: 0.0, tiny.org: 0.4})
    assert model.site.occupancy() == pytest.approx(0.8)
    assert model.site.posts() == pytest.approx(0.02)


def test_a_full_site_takes_no_one_more():
    model, owner, (first, second) = pole("A", "B")
    model.site.buy(site_spec(floor_area_m2=1200.0))  # 60 m²
    staff(model, first, ess=3.0)
    staff(model, second, ess=1.0)
    model.site.settle()
    assert model.site.area == {owner.org: 0.0, first.org: 60.0}
    assert model.site.tenants == [owner.org, first.org]


def test_tenants_keep_their_area_in_order_of_moving_in_and_leave_without_room_or_posts():
    model, owner, (ess, tiny, wise) = pole("E", "T", "W")
    model.site.buy(site_spec())  # 200 m²
    staff(model, ess, ess=2.0)
    staff(model, tiny, ess=0.04)
    staff(model, wise, insertion=3.0)
    site = model.site
    site.settle()
    assert site.tenants == [owner.org, ess.org, tiny.org, wise.org]
    staff(model, ess, ess=7.0)  # 140 m²: the insertion structure keeps what is left
    site.settle()
    assert site.tenants == [owner.org, ess.org, tiny.org, wise.org]
    assert site.area == pytest.approx(
        {owner.org: 0.0, ess.org: 140.0, tiny.org: 0.8, wise.org: 59.2}
    )
    staff(model, ess, ess=10.0)  # 200 m²: no room left for the others
    cash = wise.cash
    site.settle()
    assert site.tenants == [owner.org, ess.org]
    assert site.area == {owner.org: 0.0, ess.org: 200.0}
    assert wise.cash == cash  # outside: no rent
    assert site.overhead_saving(wise.org) == 0.0
    staff(model, ess)  # no post left
    site.settle()
    assert ess.org not in site.area
    assert site.tenants == [owner.org, tiny.org, wise.org]  # room again: they move back in
    tiny.alive = False  # a failed tenant leaves
    site.settle()
    assert site.tenants == [owner.org, wise.org]


def test_a_tenant_s_investment_grant_is_paid_when_it_first_moves_in_and_only_then():
    model, owner, (ess, other) = pole("E", "O")
    model.site.buy(
        site_spec(
            investments=[
                {"authority": "State", "eur": 20_000.0, "structure": "E"},
                {"authority": "Commune of Tarnos", "eur": 40_000.0, "structure": "Nobody"},
            ]
        )
    )
    site, totals = model.site, model.ledger.totals
    assert totals[Flow.INVESTMENT_GRANT] == 0.0
    staff(model, ess, ess=2.0)
    staff(model, other, ess=1.0)
    aid = ess.year.aid_eur
    site.settle()
    assert totals[Flow.INVESTMENT_GRANT] == pytest.approx(1000.0)
    assert totals[Flow.INVESTMENT_BUDGET] == pytest.approx(1000.0)
    assert ess.year.aid_eur - aid == pytest.approx(1000.0)
    assert ess.cash == pytest.approx(1000.0 + 1000.0 - 200.0)
    assert other.cash == pytest.approx(1000.0 - 100.0)
    assert dict(model.tally.public_month_by_funder) == {"state": pytest.approx(1000.0)}
    assert site.granted == {"E", "O"}
    staff(model, ess)  # moves out...
    site.settle()
    assert ess.org not in site.area
    staff(model, ess, ess=2.0)  # ... and in again: no second grant
    site.settle()
    assert ess.org in site.area
    assert totals[Flow.INVESTMENT_GRANT] == pytest.approx(1000.0)


def test_the_owner_repays_interest_then_principal_each_month():
    model, owner, _ = pole()
    model.site.buy(site_spec())
    site = model.site
    loan = 40_000.0
    payment = site.annuity
    owner.year.costs_eur = 1000.0
    cash, costs = owner.cash, owner.year.costs_eur
    world = model.ledger.balance(REST_OF_WORLD)
    site.settle()
    interest = loan * 0.03 / 12  # 100
    assert site.loan_balance == pytest.approx(loan - (payment - interest))
    assert owner.cash - cash == pytest.approx(-payment)
    assert owner.year.costs_eur - costs == pytest.approx(payment)
    assert model.ledger.totals[Flow.SITE_REPAYMENT] == pytest.approx(payment)
    assert model.ledger.balance(REST_OF_WORLD) - world == pytest.approx(payment)  # the bank
    first = site.loan_balance
    site.settle()
    assert site.loan_balance == pytest.approx(first - (payment - first * 0.03 / 12))
    assert model.ledger.totals[Flow.SITE_REPAYMENT] == pytest.approx(2 * payment)


def test_the_last_payment_repays_what_is_left_and_nothing_is_paid_once_repaid():
    model, owner, _ = pole()
    model.site.buy(site_spec(loan_rate_per_year=0.0))
    site, totals = model.site, model.ledger.totals
    assert site.annuity == pytest.approx(40_000.0 / 240)
    site.loan_balance = 0.5
    site.settle()
    assert site.loan_balance == 0.0
    assert totals[Flow.SITE_REPAYMENT] == pytest.approx(0.5)
    site.settle()
    assert totals[Flow.SITE_REPAYMENT] == pytest.approx(0.5)
    cash = owner.cash
    site.loan_balance, site.annuity = 0.005, 0.0  # the last cent is not below half a cent
    site.settle()
    assert site.loan_balance == 0.005 and owner.cash == cash
    site.loan_balance = 0.004
    site.settle()
    assert site.loan_balance == 0.0


def test_structures_inside_tie_and_gain_trust_each_month(monkeypatch):
    model, owner, (first, second, outside) = pole("A", "B", "C")
    model.site.buy(site_spec(max_tenants=3))
    staff(model, first, ess=1.0)
    staff(model, second, ess=1.0)
    staff(model, outside, ess=1.0)
    network = model.network

    def tie(a, b):
        return network.graph.get_edge_data(a.org, b.org)

    assert tie(first, second) is None and tie(owner, first)["kinds"] == {"board"}
    model.site.settle()
    gain = 0.04 * 0.5
    assert tie(first, second)["kinds"] == {"site"}
    assert network.trust[tie(first, second)["idx"]] == pytest.approx(0.2 + gain * 0.8)
    assert tie(owner, first)["kinds"] == {"board", "site"}
    assert network.trust[tie(owner, second)["idx"]] == pytest.approx(0.5 + gain * 0.5)
    assert tie(first, outside) is None
    model.site.settle()
    trust = 0.2 + gain * 0.8
    assert network.trust[tie(first, second)["idx"]] == pytest.approx(trust + gain * (1 - trust))
    # without cooperation, a structure moving in ties with no one
    monkeypatch.setattr(PtceModel, "cooperation_on", property(lambda self: False))
    model.site.spec = site_spec(max_tenants=4)
    before = network.trust.copy()
    model.site.settle()
    assert outside.org in model.site.area
    assert tie(first, outside) is None and np.array_equal(network.trust, before)


def test_two_structures_inside_are_enough_to_tie():
    model, owner, (first,) = pole("A")
    model.site.buy(site_spec())
    model.network.graph.remove_edge(owner.org, first.org)  # no board tie
    staff(model, first, ess=1.0)
    model.site.settle()
    data = model.network.graph.get_edge_data(owner.org, first.org)
    assert data["kinds"] == {"site"}
    assert model.network.trust[data["idx"]] == pytest.approx(0.2 + 0.02 * 0.8)


# ---------------------------------------------------------------------------------------------
# Young people's housing
# ---------------------------------------------------------------------------------------------


def fjt_spec(**fields) -> FjtSpec:
    """100 places (5 at the tests' scale), stays of 24 months."""
    values = {
        "type": "fjt",
        "date": "1970",
        "name": "FJT",
        "places": 100,
        "stay_months": 24,
        "rent_eur_per_month": 300.0,
        "cost_eur_per_place_month": 700.0,
        "staff_share_of_cost": 0.6,
        "funder": "State",
        **fields,
    }
    return FjtSpec.model_validate(values)


def housing_model(**rule) -> PtceModel:
    """Every person housed, young (20) and a job seeker since month 0, in month 30."""
    model = model_of(scenario(lambda data: data["housing"].update(rule)))
    people = model.people
    people.housing[:] = HOUSED
    people.age[:] = 20.0
    people.status[:] = Status.SEEKER
    people.since[:] = 0
    people.resident[:] = True
    model.month_index = 30
    return model


def test_newcomers_draw_once_whether_the_young_residents_among_them_have_housing():
    model = model_of(scenario(lambda data: data["housing"].update(young_without_housing_share=0.4)))
    people = model.people
    n = people.housing.size
    assert (people.housing == UNDRAWN).all()
    people.age[:5] = 26.0  # no longer young
    people.age[5:] = 20.0
    people.resident[5:10] = False  # not living here
    replay = copy.deepcopy(model.streams.housing)
    draws = replay.random(n)
    model.housing._draw()
    expected = (np.arange(n) >= 10) & (draws < 0.4)
    assert 0 < expected.sum() < n - 10
    assert np.array_equal(people.housing, np.where(expected, WITHOUT, HOUSED))
    assert model.housing.without_housing() == expected.sum()
    # drawn once: nothing drawn again, nothing changed
    model.housing._draw()
    assert np.array_equal(people.housing, np.where(expected, WITHOUT, HOUSED))
    assert model.streams.housing.random() == replay.random()
    # a single newcomer draws alone
    people.housing[12] = UNDRAWN
    draw = copy.deepcopy(model.streams.housing).random(1)[0]
    model.housing._draw()
    assert people.housing[12] == (WITHOUT if draw < 0.4 else HOUSED)
    assert model.streams.housing.random() != draw  # the draw was taken


def test_with_no_young_without_housing_everyone_is_housed_and_nothing_is_drawn():
    model = model_of(scenario(lambda data: data["housing"].update(young_without_housing_share=0.0)))
    people = model.people
    people.age[:] = 20.0
    replay = copy.deepcopy(model.streams.housing)
    model.housing._draw()
    assert (people.housing == HOUSED).all()
    assert model.streams.housing.random() == replay.random()


def test_a_share_of_one_leaves_every_young_resident_without_housing():
    model = model_of(scenario(lambda data: data["housing"].update(young_without_housing_share=1.0)))
    people = model.people
    people.age[:] = 30.0
    people.age[3:6] = [18.0, 25.9, 26.0]
    model.housing._draw()
    assert list(np.flatnonzero(people.housing == WITHOUT)) == [3, 4]


def test_young_people_find_housing_after_months_in_work_or_once_no_longer_young():
    model = housing_model(months_in_work_to_own_housing=12)
    people = model.people
    rows = np.arange(8)
    people.housing[rows] = WITHOUT
    people.status[0:2] = Status.CLASSIC
    people.since[0], people.since[1] = 18, 19  # 12 and 11 months in work
    people.status[2] = Status.INSERTION
    people.since[2] = 10
    people.since[3] = -50  # a long job seeker
    people.age[4] = 26.0
    people.age[5] = 25.9
    people.housing[6] = IN_FJT
    people.status[6] = Status.ESS
    people.since[6] = 0
    people.since[7] = 30
    model.housing._find_housing()
    assert list(people.housing[rows]) == [
        HOUSED,
        WITHOUT,
        HOUSED,
        WITHOUT,
        HOUSED,
        WITHOUT,
        IN_FJT,
        WITHOUT,
    ]
    assert (people.housing[8:] == HOUSED).all()


def test_fjt_residents_leave_at_the_end_of_their_stay_or_when_no_longer_young():
    model = housing_model()
    housing, people = model.housing, model.people
    housing.open_fjt(fjt_spec())
    rows = np.arange(7)
    people.housing[rows] = IN_FJT
    people.housing_until[rows] = [30, 30, 31, 40, 40, -1, -1]
    people.status[0] = Status.GE  # in work: housed
    people.age[3] = 26.0  # no longer young, out of work: housed
    people.age[4] = 25.9
    people.housing[5] = WITHOUT  # not a resident
    people.status[5] = Status.ESS
    people.housing[6] = HOUSED
    housing._leave()
    assert list(people.housing[rows]) == [HOUSED, WITHOUT, IN_FJT, HOUSED, IN_FJT, WITHOUT, HOUSED]
    assert list(people.housing_until[rows]) == [-1, -1, 31, -1, 40, -1, -1]


def test_free_places_go_to_job_seekers_then_trainees_then_workers_longest_waiting_first():
    model = housing_model()
    housing, people = model.housing, model.people
    housing.open_fjt(fjt_spec())  # 5 places
    assert housing.places() == 5
    seekers, trainees, workers = [10, 11], [20, 21], [30, 31, 32]
    people.housing[seekers + trainees + workers + [40, 41]] = WITHOUT
    people.status[11] = Status.LONG_TERM
    people.status[trainees] = Status.TRAINING
    people.status[workers] = Status.ESS
    people.since[workers] = [9, 3, 5]
    people.resident[40] = False  # a seeker living elsewhere
    people.status[41] = Status.INACTIVE
    housing.admitted_year = 2
    housing._admit()
    admitted = list(np.flatnonzero(people.housing == IN_FJT))
    assert admitted == [10, 11, 20, 21, 31]
    assert list(people.housing_until[admitted]) == [54] * 5
    assert housing.admitted_year == 7
    assert housing.residents() == 5 and housing.occupancy() == 1.0
    assert housing.without_housing() == 4
    housing._admit()  # full
    assert housing.residents() == 5 and housing.admitted_year == 7


def test_a_few_free_places_go_to_the_longest_waiting_of_the_first_group():
    model = housing_model()
    housing, people = model.housing, model.people
    housing.open_fjt(fjt_spec())
    people.housing[:3] = IN_FJT
    people.housing[[10, 11, 12, 20]] = WITHOUT
    people.since[[10, 11, 12]] = [7, 2, 4]
    people.status[20] = Status.TRAINING
    housing._admit()
    assert list(np.flatnonzero(people.housing == IN_FJT)) == [0, 1, 2, 11, 12]
    assert housing.admitted_year == 2
    assert housing.occupancy() == pytest.approx(1.0)
    people.housing[:6] = IN_FJT  # more residents than places (a guard): no one enters
    housing._admit()
    assert housing.residents() == 8 and people.housing[10] == WITHOUT


def test_ties_in_waiting_time_go_in_the_order_of_the_persons():
    model = housing_model()
    housing, people = model.housing, model.people
    housing.open_fjt(fjt_spec())
    rows = np.arange(people.housing.size)  # every one a job seeker without housing
    people.housing[:] = WITHOUT
    people.since[:] = np.where(rows % 2 == 0, 2, 5)
    housing._admit()
    assert list(np.flatnonzero(people.housing == IN_FJT)) == [0, 2, 4, 6, 8]


def test_the_fjt_s_rents_running_costs_and_the_funder_s_grant_for_the_deficit():
    model = housing_model()
    housing, ledger, tally = model.housing, model.ledger, model.tally
    housing.open_fjt(fjt_spec())
    model.people.housing[:4] = IN_FJT
    households, world = ledger.balance(HOUSEHOLDS), ledger.balance(REST_OF_WORLD)
    state = next(a for a in model.authorities if a.name == "State")
    funder = ledger.balance(state.org)
    wages, purchases = ledger.totals[Flow.WAGES], ledger.totals[Flow.PURCHASES]
    housing._accounts()
    # rents 1,200, costs 2,800 (wages 1,680, purchases 1,120), the State pays 1,600
    assert ledger.totals[Flow.FJT_RENT] == pytest.approx(1200.0)
    assert ledger.totals[Flow.HOUSING_BUDGET] == pytest.approx(1600.0)
    assert ledger.totals[Flow.HOUSING_GRANT] == pytest.approx(1600.0)
    assert ledger.balance(FJT) == pytest.approx(0.0)
    assert ledger.totals[Flow.WAGES] - wages == pytest.approx(1680.0)
    assert ledger.totals[Flow.PURCHASES] - purchases == pytest.approx(1120.0)
    assert ledger.balance(HOUSEHOLDS) - households == pytest.approx(-1200.0 + 1680.0)
    assert ledger.balance(REST_OF_WORLD) - world == pytest.approx(-1600.0 + 1120.0)
    assert ledger.balance(state.org) == pytest.approx(funder)
    assert dict(tally.public_month_by_funder) == {"state": pytest.approx(1600.0)}
    assert tally.public_month_eur == pytest.approx(1600.0)
    # rents above the costs: no grant, the surplus is kept ...
    housing.open_fjt(fjt_spec(rent_eur_per_month=800.0))
    housing._accounts()
    assert ledger.balance(FJT) == pytest.approx(400.0)
    assert ledger.totals[Flow.HOUSING_GRANT] == pytest.approx(1600.0)
    assert tally.public_month_eur == pytest.approx(1600.0)
    # ... and spent first
    housing.open_fjt(fjt_spec())
    housing._accounts()
    assert ledger.totals[Flow.HOUSING_GRANT] == pytest.approx(1600.0 + 1200.0)
    assert ledger.balance(FJT) == pytest.approx(0.0)


def test_a_small_deficit_is_paid_and_a_nil_one_names_no_funder():
    model = housing_model()
    housing, ledger, tally = model.housing, model.ledger, model.tally
    housing.open_fjt(fjt_spec(rent_eur_per_month=699.75))
    model.people.housing[:2] = IN_FJT
    housing._accounts()
    assert ledger.totals[Flow.HOUSING_GRANT] == pytest.approx(0.5)
    assert ledger.balance(FJT) == pytest.approx(0.0)
    housing.open_fjt(fjt_spec(rent_eur_per_month=700.0))
    tally.public_month_by_funder.clear()
    housing._accounts()
    assert ledger.totals[Flow.HOUSING_GRANT] == pytest.approx(0.5)
    assert "state" not in tally.public_month_by_funder


def test_only_young_people_without_housing_take_far_offers_less_often():
    model = housing_model(far_post_share=0.4, far_acceptance_without_housing=0.25)
    people = model.people
    people.housing[:4] = [WITHOUT, HOUSED, IN_FJT, UNDRAWN]
    factor = model.housing.acceptance(np.array([0, 1, 2, 3, 0]))
    assert factor == pytest.approx([0.7, 1.0, 1.0, 1.0, 0.7])


def test_the_fjt_houses_no_one_before_it_opens_and_admits_once_open():
    model = housing_model()
    housing, people = model.housing, model.people
    assert housing.fjt is None and housing.admitted_year == 0
    assert housing.places() == 0 and housing.occupancy() == 0.0
    people.housing[:10] = WITHOUT
    housing.step()
    assert housing.residents() == 0 and housing.without_housing() == 10
    assert model.ledger.totals[Flow.FJT_RENT] == 0.0
    spec = fjt_spec()
    housing.open_fjt(spec)
    assert housing.fjt is spec
    housing.step()
    assert housing.residents() == 5 and housing.admitted_year == 5
    assert model.ledger.totals[Flow.FJT_RENT] == pytest.approx(1500.0)
    housing.new_year()
    assert housing.admitted_year == 0
