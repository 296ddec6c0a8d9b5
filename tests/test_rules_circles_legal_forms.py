"""The circles (charter, pact, trust between pairs) and the legal forms, one rule at a time.

Each test builds the small territory of ``tests/test_mechanism_rules.py`` (scale 0.05, no
timeline event), sets the state it needs by hand and calls one rule of
:mod:`ptce_sim.simulation.mechanisms.circles` or :mod:`ptce_sim.simulation.mechanisms.legal_forms`:
what the charter brings a firm and costs it, who signs, who keeps staff, whose posts go to
residents, the trust between two organisations and the trust a lender lends on; the legal form a
structure opens with and takes, the public members' share capital, the year's surplus reserved,
shared with workers and distributed.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_mechanism_rules import AUTHORITIES, create, model_of, scenario

from ptce_sim.config.scenario import LegalForm, LegalFormChangeSpec, StructureKind
from ptce_sim.simulation.accounts import HOUSEHOLDS, Flow
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.mechanisms.legal_forms import activity_votes, decide_activity

WAGE = 2600.0  # the scenario's wage cost per FTE a month


def sector_sales(**by_index):
    """A scenario change setting ``sales_eur_per_fte_month`` of sectors by index (``s4=...``)."""

    def change(data):
        assert data["finance"]["wage_cost_eur_per_fte_month"] == WAGE
        for key, value in by_index.items():
            data["sectors"][int(key[1:])]["sales_eur_per_fte_month"] = value

    return change


def quiet_firms(model):
    """No firm gains from the charter nor carries staff above its needs."""
    firms = model.firms
    firms.trust[:] = 0.0
    firms.unfilled_skilled[:] = 0.0
    firms.demand[:] = 1000.0
    firms.fills_alone[:] = False


def staffed_rows(model, n: int, at_least: int = 2) -> np.ndarray:
    """Rows of ``n`` open firms with at least ``at_least`` classic employees."""
    people, firms = model.people, model.firms
    classic = people.status == Status.CLASSIC
    headcount = np.bincount(model.orgs.firm_rows(people.employer[classic]), minlength=len(firms))
    rows = np.flatnonzero(firms.alive & (headcount >= at_least))[:n]
    assert rows.size == n
    return rows


def carry(model, row: int, extra: int) -> None:
    """Firm ``row`` wants ``extra`` whole jobs fewer than its staff."""
    firms = model.firms
    firms.demand[row] = 1000.0
    firms.fills_alone[row] = False
    staff = -model.labour.open_jobs()[row] + 1000.0
    firms.demand[row] = staff - extra
    assert model.circles.excess_staff()[row] == extra


# --------------------------------------------------------------------------------------------
# The charter
# --------------------------------------------------------------------------------------------


def test_charter_gain_from_recruitment_and_cost_of_carrying_staff():
    """Gain: share x unfilled skilled posts x margin above the wage x months; cost: excess wages."""
    spec = scenario(
        sector_sales(s4=2000.0),  # crafts: below the wage, no margin
        circles={"charter_horizon_months": 6, "recruitment_share": 0.25, "keep_staff_months": 2.0},
        treasury={"enabled": False, "firms_take_part": True},
    )
    model = model_of(spec)
    quiet_firms(model)
    firms = model.firms
    gainer, flat, carrier = staffed_rows(model, 3)
    firms.sector[[gainer, flat, carrier]] = [0, 4, 0]  # industry: 4300 a month per FTE
    firms.unfilled_skilled[[gainer, flat]] = [2.0, 3.0]
    firms.cash[gainer] = -1200.0  # no treasury: its shortfall saves nothing
    carry(model, carrier, 3)
    excess = model.circles.excess_staff()
    assert excess[gainer] == 0.0 and excess[flat] == 0.0
    assert (excess >= 0.0).all()
    gain, cost = model.circles.charter_balance()
    assert gain[gainer] == pytest.approx(0.25 * 2.0 * (4300.0 - WAGE) * 6)
    assert gain[flat] == 0.0
    assert gain[carrier] == 0.0
    assert cost[gainer] == 0.0
    assert cost[carrier] == pytest.approx(3 * WAGE * 2.0)


@pytest.mark.parametrize(
    ("enabled", "take_part", "overdraft", "saving"),
    [
        (True, True, 0.06, 0.04),  # 6% overdraft - 2% treasury interest
        (True, True, 0.01, 0.0),  # the bank is cheaper: no saving, never a loss
        (True, False, 0.06, 0.0),  # firms take no part
        (False, True, 0.06, 0.0),  # no treasury
    ],
)
def test_charter_gain_from_borrowing_the_shortfall_in_the_treasury(
    enabled, take_part, overdraft, saving
):
    def change(data):
        data["firms"]["overdraft_rate_per_year"] = overdraft

    spec = scenario(
        change,
        circles={"charter_horizon_months": 6},
        treasury={"enabled": enabled, "firms_take_part": take_part, "interest_rate_per_year": 0.02},
    )
    model = model_of(spec)
    quiet_firms(model)
    short, rich = np.flatnonzero(model.firms.alive)[:2]
    model.firms.cash[[short, rich]] = [-1200.0, 500.0]
    gain, cost = model.circles.charter_balance()
    assert gain[short] == pytest.approx(1200.0 * saving * 6 / 12.0, abs=1e-9)
    assert gain[rich] == pytest.approx(0.0, abs=1e-12)
    assert cost[short] == 0.0 and cost[rich] == 0.0


def test_a_firm_signs_when_trust_times_gain_beats_the_cost():
    spec = scenario(
        sector_sales(s0=2 * WAGE),  # a margin of one wage a month
        cooperation={"charter_trust": 0.5},
        circles={"charter_horizon_months": 12, "recruitment_share": 0.5, "keep_staff_months": 3.0},
        treasury={"enabled": False},
    )
    model = model_of(spec)
    quiet_firms(model)
    firms = model.firms
    rows = staffed_rows(model, 7)
    tiny, wins, even, wary, edge, signed, closed = rows
    firms.sector[rows] = 0
    firms.unfilled_skilled[rows] = 1.0  # a gain of 0.5 x 2600 x 12 = 15600
    firms.unfilled_skilled[tiny] = 1e-5  # a gain of 0.156 euros: still worth it
    firms.trust[rows] = [0.8, 0.8, 0.5, 0.49, 0.5, 0.9, 0.9]
    carry(model, wins, 1)  # costs 7800 < 0.8 x 15600
    carry(model, even, 1)  # costs 7800 = 0.5 x 15600: not more than the cost
    firms.charter[signed] = True
    firms.alive[closed] = False
    gain, cost = model.circles.charter_balance()
    assert gain[even] == 15600.0 and cost[even] == 7800.0
    assert 0.0 < gain[tiny] < 1.0
    assert sorted(model.circles.signing().tolist()) == sorted([int(tiny), int(wins), int(edge)])


def test_a_charter_firm_keeps_staff_its_cash_carries():
    model = model_of(scenario(circles={"keep_staff_months": 3.0}))
    firms = model.firms
    a, b, c, d = np.flatnonzero(firms.alive)[:4]
    firms.charter[[a, b, d]] = True
    excess = np.zeros(len(firms))
    excess[[a, b, c]] = 2.0  # 2 x 2600 x 3 = 15600 to carry
    firms.cash[[a, b, c, d]] = [15600.0, 15599.0, 1e9, 0.0]
    kept = model.circles.keeps_staff(excess)
    assert kept.dtype == bool
    assert np.flatnonzero(kept).tolist() == [a, d]
    half = model_of(scenario(circles={"keep_staff_months": 0.5}))
    half.firms.charter[a] = True
    half.firms.cash[a] = 2600.0  # 2 x 2600 x 0.5
    assert np.flatnonzero(half.circles.keeps_staff(excess)).tolist() == [a]
    for sections in (
        {"circles": {"keep_staff_months": 0.0}},
        {"circles": {"enabled": False}},
        {"cooperation": {"enabled": False}},
    ):
        off = model_of(scenario(**sections))
        off.firms.charter[:] = True
        off.firms.cash[:] = 1e9
        kept = off.circles.keeps_staff(excess)
        assert kept.dtype == bool and kept.shape == (len(off.firms),) and not kept.any()


def test_charter_firms_posts_go_to_residents_first():
    model = model_of(scenario())
    firms = model.firms
    structure = create(model, StructureKind.ESS_ENTERPRISE)
    firms.charter[0] = True
    orgs = np.array([firms.org[0], firms.org[1], firms.org[2], structure.org, firms.org[0]])
    assert model.circles.local_only(orgs).tolist() == [True, False, False, False, True]
    for sections in (
        {"circles": {"local_hiring": False}},
        {"circles": {"enabled": False}},
        {"cooperation": {"enabled": False}},
    ):
        off = model_of(scenario(**sections))
        off.firms.charter[:] = True
        mask = off.circles.local_only(off.firms.org[:3])
        assert mask.dtype == bool and mask.shape == (3,) and not mask.any()


# --------------------------------------------------------------------------------------------
# The pact and trust between pairs
# --------------------------------------------------------------------------------------------


def test_pair_trust_is_the_tie_or_the_best_path_through_a_common_partner():
    model = model_of(scenario())
    network, circles = model.network, model.circles
    f0, f1, f2, f3, f4, outside = (int(o) for o in model.firms.org[:6])
    network.tie(f0, f1, "test", trust=0.8)
    network.tie(f0, f2, "test", trust=0.1)
    network.tie(f1, f2, "test", trust=0.5)
    network.tie(f0, f3, "test", trust=0.3)
    network.tie(f1, f4, "test", trust=0.9)
    network.tie(f4, f3, "test", trust=0.9)
    assert circles.pair_trust(f0, f1) == pytest.approx(0.8)  # above 0.1 x 0.5 through f2
    assert circles.pair_trust(f1, f2) == pytest.approx(0.5)  # above 0.8 x 0.1 through f0
    assert circles.pair_trust(f0, f2) == pytest.approx(0.4)  # 0.8 x 0.5 through f1
    assert circles.pair_trust(f2, f3) == pytest.approx(0.03)  # no tie: 0.1 x 0.3 through f0
    assert circles.pair_trust(f3, f1) == pytest.approx(0.81)  # the best of f0 (0.24) and f4
    assert circles.pair_trust(f2, f4) == pytest.approx(0.45)
    assert circles.pair_trust(f0, outside) == 0.0
    assert circles.pair_trust(outside, f0) == 0.0
    assert circles.pair_trust(f0, f4) == pytest.approx(0.72)  # through f1 only


def lending_model(**circles):
    """Firms a..e: a trusts b 0.8, c 0.1, d 0.3 (the floor); c and e sign the pact with p."""
    model = model_of(scenario(circles={"lending_trust": 0.3, **circles}))
    a, b, c, d, e, p, outside = (int(o) for o in model.firms.org[:7])
    network = model.network
    network.tie(a, b, "test", trust=0.8)
    network.tie(a, c, "test", trust=0.1)
    network.tie(a, d, "test", trust=0.3)
    network.tie(p, c, "pact", trust=0.05)
    network.tie(p, e, "pact", trust=0.05)
    network.tie(b, d, "test", trust=0.2)
    return model, (a, b, c, d, e, p, outside)


def test_the_pact_members_are_the_ends_of_its_ties():
    model, (a, b, c, d, e, p, outside) = lending_model()
    circles = model.circles
    assert circles.in_pact(c) and circles.in_pact(e) and circles.in_pact(p)
    assert not circles.in_pact(a) and not circles.in_pact(b)  # in the network, not in the pact
    assert not circles.in_pact(outside)  # not in the network
    assert circles.pact_members() == 3
    model.network.tie(a, p, "pact")
    assert circles.in_pact(a) and circles.pact_members() == 4


def test_a_lender_lends_on_the_pair_trust_from_the_floor_and_pact_members_at_least_on_it():
    model, (a, b, c, d, e, p, outside) = lending_model()
    circles = model.circles
    assert circles.lending_trust(b, a) == pytest.approx(0.8)
    assert circles.lending_trust(a, b) == pytest.approx(0.8)
    assert circles.lending_trust(d, a) == 0.3  # exactly the floor: it lends
    assert circles.lending_trust(c, a) == 0.0  # below the floor
    assert circles.lending_trust(a, c) == 0.0  # one of them only in the pact
    assert circles.lending_trust(e, a) == 0.0  # no trust at all
    assert circles.lending_trust(outside, a) == 0.0
    assert circles.pair_trust(c, e) == pytest.approx(0.0025)
    assert circles.lending_trust(c, e) == 0.3  # both in the pact: the floor
    assert circles.lending_trust(e, c) == 0.3
    assert circles.lending_trust(b, p) == 0.0
    for circles_rule in ({"enabled": False}, {"lending_by_trust": False}):
        free, (a, _, c, *_) = lending_model(**circles_rule)
        assert free.circles.lending_trust(c, a) == 1.0


# --------------------------------------------------------------------------------------------
# Legal forms
# --------------------------------------------------------------------------------------------


def forms_model():
    return model_of(scenario(authorities=AUTHORITIES))


def change_form(name: str, form: LegalForm, members=()) -> LegalFormChangeSpec:
    return LegalFormChangeSpec(
        type="legal_form",
        date="2000-01",
        structure=name,
        legal_form=form,
        public_members=list(members),
    )


def test_a_structure_opens_with_the_form_of_its_entry_and_no_reserves():
    model = forms_model()
    forms = model.legal_forms
    plain = create(model, StructureKind.ESS_ENTERPRISE)
    geiq = create(model, StructureKind.GEIQ)
    scop = create(model, StructureKind.ESS_ENTERPRISE, legal_form="scop")
    assert forms.of(plain) == LegalForm.ASSOCIATION
    assert forms.of(geiq) == LegalForm.GEIQ
    assert forms.of(scop) == LegalForm.SCOP
    assert [forms.reserves[s.org] for s in (plain, geiq, scop)] == [0.0, 0.0, 0.0]
    assert forms.public_members[plain.org] == []


def test_public_members_subscribe_shares_once_from_their_budget():
    model = forms_model()
    forms, ledger, graph = model.legal_forms, model.ledger, model.network.graph
    auth_a, auth_b = model.authorities[:2]
    left_a, left_b = auth_a.left, auth_b.left
    capital = 10_000.0 * model.scale  # 500 euros each
    centre = create(
        model,
        StructureKind.TRAINING_CENTRE,
        name="PERF",
        legal_form="scic",
        public_members=["A"],
        cash_eur=2000.0,
    )
    assert centre.cash == pytest.approx(2000.0 * model.scale + capital)
    assert auth_a.left == pytest.approx(left_a - capital) and auth_b.left == left_b
    assert ledger.totals[Flow.SHARE_CAPITAL] == pytest.approx(capital)
    assert forms.public_members[centre.org] == ["A"]
    assert "member" in graph.edges[auth_a.org, centre.org]["kinds"]
    assert (
        not graph.has_edge(auth_b.org, centre.org)
        or "member" not in (graph.edges[auth_b.org, centre.org]["kinds"])
    )
    forms.join(centre, ["A", "B"])  # A holds its shares already
    assert centre.cash == pytest.approx(2000.0 * model.scale + 2 * capital)
    assert auth_a.left == pytest.approx(left_a - capital)
    assert auth_b.left == pytest.approx(left_b - capital)
    assert ledger.totals[Flow.SHARE_CAPITAL] == pytest.approx(2 * capital)
    assert forms.public_members[centre.org] == ["A", "B"]
    assert "member" in graph.edges[auth_b.org, centre.org]["kinds"]
    forms.join(centre, ["A", "B"])
    assert centre.cash == pytest.approx(2000.0 * model.scale + 2 * capital)
    assert forms.public_members[centre.org] == ["A", "B"]
    later = model_of(scenario(authorities=AUTHORITIES))
    later.authorities[1].active_month = 10**6  # B does not exist yet: it takes no share
    other = create(later, StructureKind.ESS_ENTERPRISE, legal_form="scic", cash_eur=0.0)
    before = later.authorities[1].left
    later.legal_forms.join(other, ["A", "B"])
    assert later.legal_forms.public_members[other.org] == ["A"]
    assert other.cash == pytest.approx(capital)
    assert later.authorities[1].left == before


def test_a_structure_changes_its_form_and_keeps_its_reserves():
    model = forms_model()
    forms = model.legal_forms
    first = create(model, StructureKind.ESS_ENTERPRISE, name="first", cash_eur=0.0)
    centre = create(model, StructureKind.TRAINING_CENTRE, name="PERF", cash_eur=0.0)
    gone = create(model, StructureKind.ESS_ENTERPRISE, name="gone", cash_eur=0.0)
    gone.alive = False
    forms.reserves[centre.org] = 123.0
    left_a = model.authorities[0].left
    forms.change(change_form("PERF", LegalForm.SCIC, ["A"]))
    assert forms.of(centre) == LegalForm.SCIC
    assert forms.of(first) == LegalForm.ASSOCIATION
    assert forms.reserves[centre.org] == 123.0
    assert forms.public_members[centre.org] == ["A"]
    assert centre.cash == pytest.approx(10_000.0 * model.scale)
    assert model.authorities[0].left == pytest.approx(left_a - 10_000.0 * model.scale)
    assert "member" in model.network.graph.edges[model.authorities[0].org, centre.org]["kinds"]
    forms.change(change_form("gone", LegalForm.SCIC, ["A", "B"]))  # failed since: nothing
    assert forms.of(gone) == LegalForm.ASSOCIATION
    assert forms.public_members[gone.org] == [] and gone.cash == 0.0
    assert model.authorities[0].left == pytest.approx(left_a - 10_000.0 * model.scale)
    forms.change(change_form("first", LegalForm.SCOP))
    assert forms.of(first) == LegalForm.SCOP and forms.of(centre) == LegalForm.SCIC


def year_of(structure, sales=0.0, fees=0.0, aid=0.0, costs=0.0, cash=0.0):
    structure.year.sales_eur, structure.year.fees_eur = sales, fees
    structure.year.aid_eur, structure.year.costs_eur = aid, costs
    structure.cash = cash


def test_the_year_surplus_is_reserved_shared_and_distributed_by_the_form():
    model = forms_model()
    forms, ledger = model.legal_forms, model.ledger
    kind = StructureKind.ESS_ENTERPRISE
    deficit = create(model, kind, legal_form="scop", cash_eur=0.0)
    scop = create(model, kind, legal_form="scop", cash_eur=0.0)
    scic = create(model, kind, legal_form="scic", cash_eur=0.0)
    short = create(model, kind, legal_form="scop", cash_eur=0.0)
    broke = create(model, kind, legal_form="scop", cash_eur=0.0)
    assoc = create(model, kind, cash_eur=0.0)
    closed = create(model, kind, legal_form="scop", cash_eur=0.0)
    year_of(deficit, sales=100.0, costs=500.0, cash=10_000.0)
    year_of(scop, sales=1000.0, fees=200.0, aid=300.0, costs=500.0, cash=10_000.0)  # 1000
    year_of(scic, sales=0.5, cash=10_000.0)  # a surplus of 50 cents
    year_of(short, sales=1000.0, cash=500.0)  # 450 + 150 owed, 500 in cash
    year_of(broke, sales=1000.0, cash=-100.0)
    year_of(assoc, sales=1000.0, cash=10_000.0)
    year_of(closed, sales=1000.0, cash=10_000.0)
    closed.alive = False
    households = ledger.balance(HOUSEHOLDS)
    accounts = {s: ledger.balance(s.org) for s in (scop, short, broke, assoc)}
    forms.close_year()
    assert forms.reserves[deficit.org] == 0.0 and deficit.cash == 10_000.0
    assert forms.reserves[scop.org] == pytest.approx(400.0)
    assert scop.cash == pytest.approx(10_000.0 - 450.0 - 150.0)
    assert forms.reserves[scic.org] == pytest.approx(0.575 * 0.5)
    assert scic.cash == 10_000.0
    assert short.cash == pytest.approx(0.0)
    assert forms.reserves[short.org] == pytest.approx(400.0)
    assert broke.cash == -100.0 and forms.reserves[broke.org] == pytest.approx(400.0)
    assert assoc.cash == 10_000.0 and forms.reserves[assoc.org] == 0.0
    assert closed.cash == 10_000.0 and forms.reserves[closed.org] == 0.0
    assert ledger.balance(HOUSEHOLDS) - households == pytest.approx(600.0 + 500.0)
    assert ledger.totals[Flow.SURPLUS_SHARING] == pytest.approx(450.0 + 450.0)
    assert ledger.totals[Flow.DIVIDENDS] == pytest.approx(150.0 + 50.0)
    assert accounts[scop] - ledger.balance(scop.org) == pytest.approx(600.0)
    assert accounts[short] - ledger.balance(short.org) == pytest.approx(500.0)
    assert ledger.balance(broke.org) == accounts[broke]
    assert ledger.balance(assoc.org) == accounts[assoc]
    forms.close_year()  # the same surplus again: reserves add up
    assert forms.reserves[scop.org] == pytest.approx(800.0)
    assert forms.reserves[scic.org] == pytest.approx(2 * 0.575 * 0.5)


def test_scic_reserves_count_the_open_scics_only():
    model = forms_model()
    forms = model.legal_forms
    kind = StructureKind.ESS_ENTERPRISE
    open_scic = create(model, kind, legal_form="scic")
    closed_scic = create(model, kind, legal_form="scic")
    scop = create(model, kind, legal_form="scop")
    assert forms.scic_reserves() == 0.0
    forms.reserves[open_scic.org] = 100.0
    forms.reserves[closed_scic.org] = 20.0
    forms.reserves[scop.org] = 3.0
    assert forms.scic_reserves() == pytest.approx(120.0)
    closed_scic.alive = False
    assert forms.scic_reserves() == pytest.approx(100.0)


# --------------------------------------------------------------------------------------------
# New activities: who decides (the SCIC's colleges)
# --------------------------------------------------------------------------------------------

COLLEGES = {"employees": 0.3, "beneficiaries": 0.3, "public": 0.2, "firms": 0.2}


def ballot(project, **state):
    """The colleges' votes on ``project`` with everything favourable unless ``state`` says."""
    given = {
        "colleges": COLLEGES,
        "keeps_reserve": True,
        "pays_wages": True,
        "earlier_pay": True,
        "min_social_utility": 0.5,
        "employer_sectors": set(),
        "public_members": True,
        **state,
    }
    return activity_votes(project, **given)


def test_each_college_votes_by_its_interest_and_the_statutes_decide():
    project = forms_model().deliberation.project("structures")  # social utility 0.6
    assert project.social_utility == 0.6
    everyone = ballot(project)
    assert everyone == dict.fromkeys(COLLEGES, True)
    assert decide_activity(everyone, COLLEGES, 0.5)
    # the employees want cash left, a paying activity and the earlier ones paying
    for state in ({"keeps_reserve": False}, {"earlier_pay": False}, {"pays_wages": False}):
        assert not ballot(project, **state)["employees"]
    # alone against it, the employees are outvoted (0.7 for it)...
    assert decide_activity(ballot(project, keeps_reserve=False), COLLEGES, 0.5)
    # ...but with the member firms against (it competes with their sectors) they decide it
    competing = {"employer_sectors": {project.competes_with}}
    assert not ballot(project, **competing)["firms"]
    assert decide_activity(ballot(project, **competing), COLLEGES, 0.5)  # 0.8 for it
    assert not decide_activity(ballot(project, keeps_reserve=False, **competing), COLLEGES, 0.5)
    # an activity that would not pay its wages loses the public members too: 0.5 is not above 0.5
    votes = ballot(project, pays_wages=False)
    assert votes == {"employees": False, "beneficiaries": True, "public": False, "firms": True}
    assert not decide_activity(votes, COLLEGES, 0.5)
    assert decide_activity(votes, COLLEGES, 0.49)
    # the beneficiaries vote for its social utility
    assert not ballot(project, min_social_utility=0.7)["beneficiaries"]
    # without public members their college does not vote: the others' weights are shared out
    votes = ballot(project, public_members=False, pays_wages=False)
    assert votes == {"employees": False, "beneficiaries": True, "firms": True}
    assert decide_activity(votes, COLLEGES, 0.5)  # 0.5 of the 0.8 present
    assert not decide_activity(votes, COLLEGES, 0.625)
    assert not decide_activity({}, COLLEGES, 0.0)  # nobody votes: nothing is decided


def scic_with_cash(model, cash: float, **fields):
    """An open SCIC selling in the pole's market, with ``cash`` euros (model scale)."""
    scic = create(model, StructureKind.ESS_ENTERPRISE, legal_form="scic", **fields)
    scic.cash = cash
    return scic


def decide_and_open(forms) -> None:
    """The colleges decide at the year's close; what they decide opens in January."""
    forms.new_activities()
    forms.open_decided()


def new_activities_model(**legal_forms):
    def change(data):
        data["legal_forms"].update(legal_forms)

    return model_of(scenario(change, authorities=AUTHORITIES))


def test_a_scic_funds_the_new_activity_its_colleges_decide():
    model = new_activities_model()
    forms, ledger = model.legal_forms, model.ledger
    cost = model.spec.mechanisms.cooperation.launch_cost_eur * model.scale
    assert model.spec.legal_forms.scic.colleges == COLLEGES
    scic = scic_with_cash(model, 10 * cost, name="EOLE", public_members=["A"])
    forms.reserves[scic.org] = 2 * cost
    plain = create(model, StructureKind.ESS_ENTERPRISE)  # an association: no colleges
    plain.cash = 10 * cost
    before = len(model.pole.structures)
    cash = scic.cash
    decide_and_open(forms)
    opened = model.pole.structures[before:]
    assert [s.name for s in opened] == [f"EOLE activity 1 ({model.year})"]
    activity = opened[0]
    assert activity.spec.market == model.spec.mechanisms.cooperation.launched_market
    assert activity.cash == pytest.approx(cost) and scic.cash == pytest.approx(cash - cost)
    assert forms.reserves[scic.org] == pytest.approx(cost)  # its reserves paid first
    assert ledger.totals[Flow.LAUNCH] == pytest.approx(cost)
    assert plain.cash == pytest.approx(10 * cost)
    assert forms.activity_counts(model.year) == {"decided": 1, "refused": 0}
    assert model.network.graph.has_edge(scic.org, activity.org)  # its founder sits on its board
    # the next January its employees wait for the new activity to pay its way
    year_of(activity, sales=1.0, costs=2.0, cash=activity.cash)
    decide_and_open(forms)
    assert len(model.pole.structures) == before + 1
    assert forms.activity_counts(model.year) == {"decided": 1, "refused": 1}
    year_of(activity, sales=2.0, costs=2.0, cash=activity.cash)
    decide_and_open(forms)
    assert len(model.pole.structures) == before + 2


def test_a_scic_short_of_cash_puts_nothing_and_one_below_prudence_is_refused():
    model = new_activities_model(prudence_months=6.0)
    forms = model.legal_forms
    cost = model.spec.mechanisms.cooperation.launch_cost_eur * model.scale
    poor = scic_with_cash(model, 0.99 * cost)
    decide_and_open(forms)
    assert forms.activity_counts(model.year) == {"decided": 0, "refused": 0}
    poor.alive = False
    # costs of 12 x cost a year: six months of them are 6 x cost; the firms' college is against
    # (the pole's market competes with every sector of the employers' college)
    careful = scic_with_cash(model, 7 * cost - 1.0)
    careful.year.costs_eur = 12 * cost
    decide_and_open(forms)
    assert forms.activity_counts(model.year) == {"decided": 0, "refused": 1}
    careful.cash = 7 * cost
    decide_and_open(forms)
    assert forms.activity_counts(model.year) == {"decided": 1, "refused": 1}


def test_without_colleges_no_structure_opens_activities_of_its_own():
    model = new_activities_model(scic={"reserve_share": 0.575})
    cost = model.spec.mechanisms.cooperation.launch_cost_eur * model.scale
    scic_with_cash(model, 100 * cost)
    before = len(model.pole.structures)
    decide_and_open(model.legal_forms)
    assert len(model.pole.structures) == before
    assert model.legal_forms.activity_counts(model.year) == {"decided": 0, "refused": 0}


def test_an_activity_pays_its_wages_while_one_more_supplier_gets_enough_of_the_market():
    model = new_activities_model()
    forms, markets = model.legal_forms, model.markets
    project = model.deliberation.project("structures")
    market = markets.index[project.market]
    wages = project.jobs * model.scale * model.spec.finance.wage_cost_eur_per_fte_month
    demand = markets.demand_eur_month(market)
    room = int(demand // wages)  # suppliers the market can pay one activity's wages each
    assert room >= 2
    while len(markets.suppliers(market)) + 1 < room:
        create(model, StructureKind.ESS_ENTERPRISE)
    assert forms.pays_wages(project)
    create(model, StructureKind.ESS_ENTERPRISE)
    assert not forms.pays_wages(project)
