"""The PLIE's pathway and the skills planning (GPEC), one rule at a time on a small territory.

As in ``tests/test_mechanism_rules.py``: the Seignanx scenario at scale 0.05 without its timeline,
the state set by hand (who is followed, at which step since when; firms' staff, trust and needs),
one rule called, exact values checked; where the rule draws, the model's own stream is replayed.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_mechanism_rules import create, model_of, recount, rows_in, scenario

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.agents.persons import NO_SECTOR, Status
from ptce_sim.simulation.mechanisms.plie import DIAGNOSIS, EXIT_KINDS, PLACEMENT, SEARCH

# ---------------------------------------------------------------------------------------------
# The PLIE
# ---------------------------------------------------------------------------------------------


def plie_model(**pathway):
    """A model whose animator runs the PLIE, free courses, and no long-term job seeker yet."""
    model = model_of(
        scenario(
            cooperation={"plie": True},
            plie_pathway=pathway,
            training={"price_eur_per_hour": 0.0, "seeker_entry_rate": 0.0},
        )
    )
    create(model, StructureKind.ANIMATOR, permanent_staff=1, capacity=400.0)
    people = model.people
    people.move(rows_in(model, Status.LONG_TERM), Status.SEEKER, 0)
    recount(model)
    return model


def long_term(model, n: int) -> np.ndarray:
    """``n`` job seekers made long-term (none followed yet)."""
    rows = rows_in(model, Status.SEEKER)[:n]
    assert rows.size == n
    model.people.move(rows, Status.LONG_TERM, 0)
    return rows


def follow(model, rows, step: int, step_month: int, entry_month: int) -> None:
    """Persons ``rows`` followed by the PLIE, at ``step`` since ``step_month``."""
    people = model.people
    people.plie[rows] = True
    people.plie_step[rows] = step
    people.plie_step_month[rows] = step_month
    people.plie_entry_month[rows] = entry_month


def exits(model) -> dict[str, int]:
    return {kind: model.plie.exits_year[kind] for kind in EXIT_KINDS}


def test_a_new_plie_counts_nothing_and_a_new_year_resets_the_counts():
    model = plie_model(dropout_rate=0.0)
    plie = model.plie
    assert plie.entries_year == 0 and exits(model) == dict.fromkeys(EXIT_KINDS, 0)
    assert plie.caseload() == 0
    long_term(model, 3)
    plie.step(1.0, 2.0)
    assert plie.entries_year == 2 and plie.caseload() == 2
    plie.exits_year["end"] = 4
    plie.new_year()
    assert plie.entries_year == 0
    assert exits(model) == dict.fromkeys(EXIT_KINDS, 0) and sum(plie.exits_year.values()) == 0
    assert plie.caseload() == 2  # those followed still are


def test_long_term_seekers_enter_while_the_caseload_has_room():
    model = plie_model(dropout_rate=0.0, diagnosis_months=2)
    people, plie = model.people, model.plie
    candidates = long_term(model, 8)
    model.month_index = 3
    rng = copy.deepcopy(model.streams.accompaniment)
    plie.step(2.0, 2.0)  # 2 advisers following 2 persons each
    rng.random(0), rng.random(0)  # nobody followed drops out nor is diagnosed
    first = np.sort(rng.choice(candidates, size=4, replace=False))
    followed = np.flatnonzero(people.plie_step >= 0)
    assert np.array_equal(followed, first)
    assert people.plie[first].all() and people.plie.sum() == 4
    assert (people.plie_step[first] == DIAGNOSIS).all()
    assert (people.plie_step_month[first] == 3).all() and (
        people.plie_entry_month[first] == 3
    ).all()
    assert plie.caseload() == 4 and plie.entries_year == 4
    # one more seat: one more enters
    plie.step(2.5, 2.0)
    assert plie.caseload() == 5 and plie.entries_year == 5
    assert np.setdiff1d(np.flatnonzero(people.plie_step >= 0), first).size == 1
    # the caseload is full: nobody enters, nobody leaves
    plie.step(2.5, 2.0)
    plie.step(1.0, 2.0)  # fewer advisers: those followed stay followed
    assert plie.caseload() == 5 and plie.entries_year == 5
    assert exits(model) == dict.fromkeys(EXIT_KINDS, 0)
    assert people.plie[candidates].sum() == 5
    rest = np.setdiff1d(np.arange(len(people)), candidates)
    assert (people.plie_step[rest] == -1).all() and not people.plie[rest].any()


def test_every_candidate_enters_once_when_there_is_room_for_all():
    model = plie_model(dropout_rate=0.0)
    people, plie = model.people, model.plie
    candidates = long_term(model, 10)
    plie.step(1.0, 10.0)
    assert np.array_equal(np.flatnonzero(people.plie_step >= 0), candidates)
    assert plie.entries_year == 10 and plie.caseload() == 10
    plie.step(1.0, 50.0)  # they are all followed already
    assert plie.entries_year == 10 and plie.caseload() == 10


def test_a_pathway_ended_may_start_again_only_pathway_months_later():
    model = plie_model(dropout_rate=0.0, pathway_months=6)
    people, plie = model.people, model.plie
    again = long_term(model, 1)
    people.plie_entry_month[again] = 0  # entered in month 0, ended in month 2
    people.plie_step_month[again] = 2
    model.month_index = 7
    plie.step(1.0, 10.0)
    assert plie.entries_year == 0 and plie.caseload() == 0 and not people.plie[again].any()
    model.month_index = 8
    plie.step(1.0, 10.0)
    assert plie.entries_year == 1 and people.plie[again].all()
    assert people.plie_step[again][0] == DIAGNOSIS and people.plie_entry_month[again][0] == 8


def test_exits_recorded_by_kind_when_other_rules_end_the_pathway():
    model = plie_model()
    people, plie = model.people, model.plie
    rows = long_term(model, 7)
    model.month_index = 4
    steps = (DIAGNOSIS, PLACEMENT, SEARCH, DIAGNOSIS, SEARCH, DIAGNOSIS, SEARCH)
    for row, step in zip(rows, steps, strict=True):
        follow(model, [row], step, 2, 1)
    hired, trained, inactive, unflagged, _, seeking, later = ([row] for row in rows)
    firm = int(model.firms.org[0])
    people.move(np.array(hired), Status.CLASSIC, 4, employer=firm, fte=1.0)
    people.move(np.array(trained), Status.TRAINING, 4)
    people.move(np.array(inactive), Status.INACTIVE, 4)
    people.plie[unflagged] = False  # the demography cleared the flag: a drop-out
    people.move(np.array(seeking), Status.SEEKER, 4)  # still looking for work: still followed
    plie.record_exits()
    # those never followed (not looking for work, or seeking without the flag) are no exit
    assert exits(model) == {"work": 1, "training": 1, "dropout": 2, "end": 0}
    gone = rows[:4]
    assert (people.plie_step[gone] == -1).all() and not people.plie[gone].any()
    assert (people.plie_step_month[gone] == 4).all()
    kept = rows[4:]
    assert people.plie[kept].all() and list(people.plie_step[kept]) == [SEARCH, DIAGNOSIS, SEARCH]
    assert (people.plie_step_month[kept] == 2).all() and plie.caseload() == 3
    # one more hired later: the counts add up
    model.month_index = 5
    people.move(np.array(later), Status.CLASSIC, 5, employer=firm, fte=1.0)
    plie.record_exits()
    assert exits(model) == {"work": 2, "training": 1, "dropout": 2, "end": 0}
    assert people.plie_step[later] == -1 and people.plie_step_month[later] == 5
    assert plie.caseload() == 2
    plie.record_exits()  # nobody else left
    assert exits(model) == {"work": 2, "training": 1, "dropout": 2, "end": 0}


def test_the_plie_switched_off_ends_every_pathway():
    model = plie_model(dropout_rate=0.0)
    people, plie = model.people, model.plie
    rows = long_term(model, 5)
    for row, step in zip(rows[:3], (DIAGNOSIS, PLACEMENT, SEARCH), strict=True):
        follow(model, [row], step, 0, 0)
    model.month_index = 1
    model.set_parameter("cooperation.plie", False)
    assert not plie.on
    plie.step(1.0, 10.0)
    assert exits(model) == {"work": 0, "training": 0, "dropout": 0, "end": 3}
    assert plie.caseload() == 0 and not people.plie.any() and plie.entries_year == 0
    assert (people.plie_step == -1).all() and (people.plie_step_month[rows[:3]] == 1).all()


def test_steps_advance_and_raise_employability():
    model = plie_model(
        dropout_rate=0.0,
        training_share=0.0,
        diagnosis_months=2,
        placement_months=1,
        placement_gain=0.2,
        search_gain_per_month=0.1,
        pathway_months=24,
    )
    people, plie = model.people, model.plie
    rows = long_term(model, 5)
    model.month_index = 10
    diagnosed, diagnosing, placed, placing, searching = rows
    follow(model, [diagnosed], DIAGNOSIS, 8, 8)
    follow(model, [diagnosing], DIAGNOSIS, 9, 9)
    follow(model, [placed], PLACEMENT, 9, 7)
    follow(model, [placing], PLACEMENT, 10, 8)
    follow(model, [searching], SEARCH, 3, 1)
    people.employability[:] = 0.5
    plie.step(1.0, 5.0)
    assert list(people.plie_step[rows]) == [PLACEMENT, DIAGNOSIS, SEARCH, PLACEMENT, SEARCH]
    assert list(people.plie_step_month[rows]) == [10, 9, 10, 10, 3]
    assert people.employability[rows] == pytest.approx([0.5, 0.5, 0.6, 0.5, 0.55])
    others = np.setdiff1d(np.arange(len(people)), rows)
    assert (people.employability[others] == 0.5).all()
    assert exits(model) == dict.fromkeys(EXIT_KINDS, 0) and plie.caseload() == 5
    model.month_index = 11
    plie.step(1.0, 5.0)
    assert list(people.plie_step[rows]) == [SEARCH, PLACEMENT, SEARCH, SEARCH, SEARCH]
    assert people.employability[rows] == pytest.approx([0.6, 0.5, 0.64, 0.6, 0.595])


def test_steps_do_not_advance_when_the_pathway_is_off():
    model = plie_model(enabled=False, dropout_rate=1.0, diagnosis_months=1)
    people, plie = model.people, model.plie
    rows = long_term(model, 2)
    follow(model, rows[:1], DIAGNOSIS, 0, 0)
    follow(model, rows[1:], SEARCH, 0, 0)
    people.employability[:] = 0.5
    model.month_index = 3
    plie.step(1.0, 2.0)
    assert list(people.plie_step[rows]) == [DIAGNOSIS, SEARCH]
    assert (people.employability == 0.5).all() and exits(model)["dropout"] == 0


def test_followed_persons_drop_out_at_the_rate_drawn():
    model = plie_model(dropout_rate=0.5, training_share=0.0, diagnosis_months=6)
    people, plie = model.people, model.plie
    rows = long_term(model, 12)
    steps = np.array([DIAGNOSIS, PLACEMENT, SEARCH] * 4)
    for row, step in zip(rows, steps, strict=True):
        follow(model, [row], int(step), 2, 2)
    model.month_index = 3
    rng = copy.deepcopy(model.streams.accompaniment)
    plie.step(1.0, 12.0)
    dropping = rows[rng.random(rows.size) < 0.5]
    assert 0 < dropping.size < rows.size
    assert exits(model) == {"work": 0, "training": 0, "dropout": dropping.size, "end": 0}
    assert (people.plie_step[dropping] == -1).all() and not people.plie[dropping].any()
    assert (people.plie_step_month[dropping] == 3).all()
    staying = np.setdiff1d(rows, dropping)
    assert people.plie[staying].all() and (people.plie_step[staying] >= 0).all()


def test_a_share_of_those_diagnosed_is_sent_to_a_course():
    model = plie_model(dropout_rate=0.0, training_share=0.5, diagnosis_months=2)
    people, plie = model.people, model.plie
    centre = create(model, StructureKind.TRAINING_CENTRE)
    rows = long_term(model, 12)
    follow(model, rows, DIAGNOSIS, 0, 0)
    recount(model)
    model.month_index = 2
    rng = copy.deepcopy(model.streams.accompaniment)
    plie.step(1.0, 12.0)
    rng.random(rows.size)  # nobody drops out
    sent = rows[rng.random(rows.size) < 0.5]
    assert 0 < sent.size < rows.size
    assert exits(model) == {"work": 0, "training": sent.size, "dropout": 0, "end": 0}
    assert (people.status[sent] == Status.TRAINING).all() and (
        people.host[sent] == centre.org
    ).all()
    assert (people.plie_step[sent] == -1).all() and not people.plie[sent].any()
    placed = np.setdiff1d(rows, sent)
    assert (people.plie_step[placed] == PLACEMENT).all() and people.plie[placed].all()
    assert (people.status[placed] == Status.LONG_TERM).all()
    # the course ends the pathway once: nobody counted again the next month
    model.month_index = 3
    plie.step(1.0, 12.0)
    assert exits(model)["training"] == sent.size


def test_pathways_end_after_pathway_months():
    model = plie_model(enabled=False, pathway_months=6)
    people, plie = model.people, model.plie
    rows = long_term(model, 4)
    model.month_index = 10
    follow(model, rows[:1], DIAGNOSIS, 4, 4)  # six months: ends
    follow(model, rows[1:2], SEARCH, 5, 5)  # five months: goes on
    follow(model, rows[2:3], PLACEMENT, 3, 3)  # seven months: ends
    plie.step(1.0, 0.0)  # no room: nobody enters
    assert exits(model) == {"work": 0, "training": 0, "dropout": 0, "end": 2}
    ended = rows[[0, 2]]
    assert (people.plie_step[ended] == -1).all() and not people.plie[ended].any()
    assert (people.plie_step_month[ended] == 10).all()
    assert people.plie_step[rows[1]] == SEARCH and people.plie[rows[1]]
    assert plie.caseload() == 1 and plie.entries_year == 0


# ---------------------------------------------------------------------------------------------
# Skills planning (GPEC)
# ---------------------------------------------------------------------------------------------


def gpec_model(**gpec):
    """A model whose animator and training centre run the skills planning; nobody is hired."""
    model = model_of(scenario(training={"skills_planning": True}, gpec=gpec))
    create(model, StructureKind.TRAINING_CENTRE)
    animator = create(model, StructureKind.ANIMATOR, permanent_staff=1)
    recount(model)
    return model, animator


def staff_firm(model, firm: int, ages) -> np.ndarray:
    """Seekers hired into classic firm row ``firm``, of ``ages``."""
    people = model.people
    rows = rows_in(model, Status.SEEKER)[: len(ages)]
    people.move(rows, Status.CLASSIC, 0, employer=int(model.firms.org[firm]), fte=1.0)
    people.age[rows] = ages
    return rows


def declaring_territory(model):
    """Firms staffed by hand: three employers in two sectors speak for them (see the test)."""
    people, firms = model.people, model.firms
    people.move(rows_in(model, Status.CLASSIC), Status.SEEKER, 0)
    retire = model.spec.territory.retirement_age
    firms.trust[:] = 0.0
    firms.demand[:] = 0.0
    firms.unfilled_skilled[:] = 0.0
    firms.alive[firms.sector == 5] = False  # no open firm in the last sector
    construction, retail = 2, 3
    a, b, d, g = np.flatnonzero(firms.sector == retail)[:4]
    c, e = np.flatnonzero(firms.sector == construction)[:2]
    assert max(a, b, c, d, e, g) < len(firms) - 1
    staff_firm(model, a, [40.0, retire - 2.0])  # one retires within the two-year horizon
    staff_firm(model, b, [40.0, retire - 1.9, retire - 2.1])
    staff_firm(model, c, [30.0])
    staff_firm(model, d, [30.0] * 5)
    staff_firm(model, e, [50.0, 55.0])
    staff_firm(model, g, [30.0] * 4)
    firms.alive[g] = False  # closed: neither declares nor counts
    firms.trust[14:36] = 0.5  # trusting, but with nothing to declare
    firms.trust[[a, b, c, g]] = [0.9, 0.8, 0.5, 0.99]
    firms.demand[[a, b, c]] = [5.5, 2.0, 1.0]  # a wants three more whole jobs, b fewer
    firms.unfilled_skilled[[a, c]] = [0.5, 2.0]
    return (a, b, c), (retail, construction)


def test_employers_declare_retirements_growth_and_unfilled_posts_scaled_to_their_sector():
    model, animator = gpec_model(horizon_months=24)
    gpec, firms = model.gpec, model.firms
    # before any declaration: no employer, no need
    assert firms.sector[gpec.employers].size == 0 and animator.employers_involved() == 0
    assert np.array_equal(gpec.needs, np.zeros(6)) and gpec.total_needs() == 0.0
    (a, b, c), (retail, construction) = declaring_territory(model)
    model.month_index = 5  # the first month it runs, whatever the month
    gpec.declare()
    assert list(gpec.employers) == sorted([a, b, c]) and animator.employers_involved() == 3
    # retail: a declares 1 + 3 + 0.5, b 1; their 5 employees speak for the sector's 10
    # construction: c declares 2 unfilled posts; its employee speaks for the sector's 3
    expected = np.zeros(6)
    expected[retail] = 2.0 * (4.5 + 1.0)
    expected[construction] = 3.0 * 2.0
    assert np.array_equal(gpec.needs, expected)
    assert gpec.total_needs() == pytest.approx(17.0)
    # no new declaration before January
    firms.unfilled_skilled[a] = 2.5
    model.month_index = 6
    gpec.declare()
    assert np.array_equal(gpec.needs, expected)
    model.month_index = 12  # January
    gpec.declare()
    expected[retail] = 2.0 * (6.5 + 1.0)
    assert np.array_equal(gpec.needs, expected)
    # switched off: nobody declares; switched on again: they declare at once
    model.set_parameter("gpec.enabled", False)
    model.month_index = 13
    gpec.declare()
    assert animator.employers_involved() == 0 and firms.sector[gpec.employers].size == 0
    assert np.array_equal(gpec.needs, np.zeros(6)) and gpec.total_needs() == 0.0
    model.set_parameter("gpec.enabled", True)
    model.month_index = 14
    gpec.declare()
    assert list(gpec.employers) == sorted([a, b, c])
    assert np.array_equal(gpec.needs, expected)


def test_an_employer_takes_part_when_the_posts_filled_sooner_outweigh_its_time():
    """``trust × gain > cost``: gain, the declared needs filled a course sooner at its margin."""
    model, animator = gpec_model(horizon_months=24, invitations_share=0.5)
    gpec, firms, spec = model.gpec, model.firms, model.spec
    (a, b, c), _ = declaring_territory(model)
    needs, _ = gpec.firms_needs()
    assert needs[[a, b, c]].tolist() == [4.5, 1.0, 2.0]  # the willing others need nothing
    wage = spec.finance.wage_cost_eur_per_fte_month
    margin = np.array([s.sales_eur_per_fte_month for s in spec.sectors])[firms.sector] - wage
    months = spec.mechanisms.training.course_months
    gain, cost = gpec.balance(needs)
    assert gain == pytest.approx(0.5 * needs * np.maximum(margin, 0.0) * months)
    hour = wage / model.hours_per_month
    assert cost == pytest.approx(np.full(len(firms), 14.0 * 2 * hour))  # two years' hours
    gpec.declare()
    assert list(gpec.employers) == sorted([a, b, c])
    # weighed with trust: a (0.9 x 4.5 posts) before b (0.8 x 1 post) before c (0.5 x 2 posts
    # of a sector with a lower margin); each one's time, priced just above its weight, keeps it out
    weight = firms.trust * gain
    assert weight[a] > weight[b] > weight[c] > 0
    for month, (row, expected) in enumerate(((b, [a]), (c, [a, b])), start=1):
        model.set_parameter("gpec.hours_per_employer_per_year", weight[row] / (2 * hour) * 1.001)
        model.month_index = 12 * month
        gpec.declare()
        assert list(gpec.employers) == sorted(expected)
    model.set_parameter("gpec.hours_per_employer_per_year", weight[c] / (2 * hour) * 0.999)
    model.month_index = 36
    gpec.declare()
    assert list(gpec.employers) == sorted([a, b, c])
    # a firm that does not trust the pole at all does not take part, however much it needs
    firms.trust[a] = 0.0
    model.month_index = 48
    gpec.declare()
    assert list(gpec.employers) == sorted([b, c]) and animator.employers_involved() == 2
    # while nobody takes part, the animator asks again every month; once one does, in January
    trust = firms.trust.copy()
    firms.trust[:] = 0.0
    model.month_index = 60
    gpec.declare()
    assert gpec.employers.size == 0 and gpec.total_needs() == 0.0
    firms.trust[:] = trust
    model.month_index = 61
    gpec.declare()
    assert list(gpec.employers) == sorted([b, c])
    firms.trust[a] = 0.9
    model.month_index = 62
    gpec.declare()
    assert list(gpec.employers) == sorted([b, c])


def test_courses_aim_at_the_needs_else_at_the_openings():
    model, _ = gpec_model()
    gpec = model.gpec
    gpec.needs[:] = 0.0
    model.labour.sector_openings[:] = 0.0
    sectors = gpec.course_sectors(5)
    assert list(sectors) == [NO_SECTOR] * 5
    model.labour.sector_openings[3] = 2.0
    gpec.needs[1] = 0.5  # half a post declared is enough
    rng = copy.deepcopy(model.streams.training)
    sectors = gpec.course_sectors(20)
    assert (sectors == 1).all() and np.zeros(6)[sectors].size == 20
    rng.choice(6, size=20, p=gpec.needs / gpec.needs.sum())
    assert rng.bit_generator.state == model.streams.training.bit_generator.state
    gpec.needs[:] = 0.0
    sectors = gpec.course_sectors(20)
    assert (sectors == 3).all() and np.zeros(6)[sectors].size == 20
    gpec.needs[[0, 4]] = [1.0, 3.0]
    rng = copy.deepcopy(model.streams.training)
    sectors = gpec.course_sectors(40)
    drawn = rng.choice(6, size=40, p=[0.25, 0, 0, 0, 0.75, 0])
    assert np.array_equal(sectors, drawn) and set(sectors) == {0, 4}


def test_seekers_are_invited_for_the_needs_spread_over_the_horizon():
    model, _ = gpec_model(horizon_months=2, invitations_share=1.0)
    gpec = model.gpec
    seekers = rows_in(model, Status.SEEKER)[:10]
    gpec.needs[:] = [0.0, 4.0, 0.0, 2.0, 0.0, 0.0]  # two invited a month to sector 1, one to 3
    rng = copy.deepcopy(model.streams.training)
    rows, aims = gpec.invite(seekers)
    per_sector = model.stochastic_round(gpec.needs / 2, rng)
    assert list(per_sector) == [0, 2, 0, 1, 0, 0]
    expected = np.sort(rng.choice(seekers, size=3, replace=False))
    assert np.array_equal(rows, expected) and np.isin(rows, seekers).all()
    assert np.array_equal(aims, rng.permutation(np.array([1, 1, 3])))
    assert np.zeros(6)[aims].size == 3
    # fewer seekers than invitations: all of them, each to one course
    rows, aims = gpec.invite(seekers[:2])
    assert np.array_equal(rows, seekers[:2]) and aims.size == 2 and set(aims) <= {1, 3}
    rows, aims = gpec.invite(seekers[:1])
    assert np.array_equal(rows, seekers[:1]) and aims.size == 1
    # a share of the needs
    model, _ = gpec_model(horizon_months=1, invitations_share=0.5)
    model.gpec.needs[:] = [0.0, 0.0, 2.0, 0.0, 0.0, 0.0]
    rows, aims = model.gpec.invite(rows_in(model, Status.SEEKER))
    assert rows.size == 1 and list(aims) == [2]


def test_nobody_is_invited_without_needs_seekers_or_planning():
    model, _ = gpec_model(horizon_months=1)
    gpec = model.gpec
    seekers = rows_in(model, Status.SEEKER)
    stream = model.streams.training

    def nobody(rows, aims):
        assert rows.size == 0 and aims.size == 0 and np.zeros(6)[aims].size == 0

    before = copy.deepcopy(stream.bit_generator.state)
    gpec.needs[:] = 0.0
    nobody(*gpec.invite(seekers))  # no needs: no draw either
    gpec.needs[2] = 3.0
    nobody(*gpec.invite(seekers[:0]))  # no seekers
    assert stream.bit_generator.state == before
    gpec.needs[2] = 1.0  # one post a month
    rows, aims = gpec.invite(seekers)
    assert rows.size == 1 and list(aims) == [2]
    model.set_parameter("gpec.enabled", False)
    gpec.needs[2] = 3.0
    nobody(*gpec.invite(seekers))  # skills planning off


def test_an_aimed_course_brings_the_skill_up_to_the_sector_requirement():
    model, _ = gpec_model()
    people, gpec = model.people, model.gpec
    rows = rows_in(model, Status.SEEKER)[:5]
    requirement = [s.skill_requirement for s in model.spec.sectors]
    people.trained_sector[rows] = [0, 1, 3, NO_SECTOR, 1]
    people.skill[rows] = [0.1, 0.2, 0.1, 0.1, 0.9]
    gpec.qualify(rows)
    assert people.skill[rows] == pytest.approx(
        [requirement[0], requirement[1], requirement[3], 0.1, 0.9]
    )
    one = rows[:1]
    people.skill[one] = 0.2
    gpec.qualify(one)
    assert people.skill[one][0] == pytest.approx(requirement[0])
    people.skill[rows] = 0.05
    gpec.qualify(rows[3:4])  # a course aimed at no sector
    model.set_parameter("gpec.enabled", False)
    gpec.qualify(rows)  # skills planning off: no sector's requirement
    assert (people.skill[rows] == 0.05).all()
