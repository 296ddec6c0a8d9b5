"""The CBE's deliberation, one rule at a time: small models, exact values, seconds.

Each test calls one step of :class:`ptce_sim.simulation.mechanisms.deliberation.Deliberation` (or
the pure :func:`votes` and :func:`decide`) on a small territory without timeline events (scale
0.05) whose state it sets by hand: where requests come from and how many, when they make a
project and what it looks like, when the colleges meet, what their decisions count and cost the
animator, and which accepted projects launch, wait or lapse. Nothing here draws at random.
"""

from __future__ import annotations

import dataclasses

import pytest
from test_mechanism_rules import create, model_of, rows_in, scenario

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.accounts import HOUSEHOLDS, Flow
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.mechanisms.deliberation import FUNDING_WAIT_MONTHS, Project, decide, votes

SCALE = 0.05
RETAIL = 3
"""Index of retail_services, the sector of ``local_ess_services`` (the launched market)."""
CONSTRUCTION = 2


def project(**changes) -> Project:
    """A project every college votes for under the scenario's rule (all sectors employers')."""
    base = Project(
        origin="firms",
        sector=0,
        market="local_ess_services",
        competes_with=RETAIL,
        displacement=0.25,
        jobs=2,
        public_cost_eur=60000.0,
        job_quality=0.7,
        social_utility=0.7,
        submitted=0,
    )
    return dataclasses.replace(base, **changes)


def weighted(rule, weights):
    """``rule`` with the colleges' weights replaced, in the order of its colleges."""
    colleges = [
        c.model_copy(update={"weight": w}) for c, w in zip(rule.colleges, weights, strict=True)
    ]
    return rule.model_copy(update={"colleges": colleges})


def deliberation_model(change=None, **cooperation):
    """A model with an animator, its cash set to ``10,000`` euros."""
    model = model_of(scenario(change, cooperation=cooperation) if cooperation or change else None)
    animator = create(model, StructureKind.ANIMATOR)
    animator.cash = 10_000.0
    return model, animator


# ---------------------------------------------------------------------------------------------
# The colleges' votes and the statutes' rule
# ---------------------------------------------------------------------------------------------


def test_each_college_votes_for_a_project_at_its_threshold():
    rule = scenario().deliberation
    every = set(range(6))
    at_limits = project(
        jobs=2,
        public_cost_eur=2 * rule.max_public_cost_per_job_eur,  # exactly the cost per job allowed
        job_quality=rule.min_job_quality,
        social_utility=rule.min_social_utility,
    )
    assert votes(at_limits, rule, every) == {
        "authorities": True,
        "employers": True,
        "unions": True,
        "civil_society": True,
    }
    # the cost per job, not the cost times the jobs
    assert votes(project(jobs=3, public_cost_eur=90000.0), rule, every)["authorities"]
    assert not votes(project(jobs=1, public_cost_eur=40000.01), rule, every)["authorities"]


def test_employers_weigh_their_sectors_need_against_the_competition():
    rule = scenario().deliberation
    every = set(range(6))
    # a need of theirs as large as the competition: still for it
    assert votes(project(displacement=1.0), rule, every)["employers"]
    # no need of theirs (no sector, or one outside the college), competing with them: against
    assert not votes(project(sector=-1), rule, every)["employers"]
    assert not votes(project(sector=0), rule, every - {0})["employers"]
    # competing with a sector outside the college, or with none: no objection
    assert votes(project(sector=-1), rule, every - {RETAIL})["employers"]
    assert votes(project(sector=-1, competes_with=-1), rule, every)["employers"]
    # the competition is the displacement: none, no objection even without a need
    assert votes(project(sector=-1, displacement=0.0), rule, every)["employers"]


def test_accepted_only_when_the_weights_for_it_exceed_the_share():
    rule = scenario().deliberation  # four colleges of 0.25, more than 0.5 needed
    every = set(range(6))
    half = project(job_quality=0.1, social_utility=0.1)  # authorities and employers only
    assert sum(votes(half, rule, every).values()) == 2
    assert not decide(half, rule, every)  # exactly half: refused
    assert decide(project(social_utility=0.1), rule, every)  # three of four
    # 0.1 + 0.2 + 0.2 adds up to a hair above 0.5 in floating point: still exactly half
    odd = weighted(rule, (0.1, 0.2, 0.2, 0.5))
    assert decide(project(social_utility=0.1), odd, every) is False
    assert decide(project(jobs=1), odd, every) is True  # 0.2 + 0.2 + 0.5


# ---------------------------------------------------------------------------------------------
# Requests and projects
# ---------------------------------------------------------------------------------------------


def test_unfollowed_long_term_seekers_and_the_animation_funders_make_requests():
    def tiny_grant(data):
        aquitaine = next(a for a in data["authorities"] if a["name"] == "Aquitaine region")
        aquitaine["animation_grant_eur_per_year"] = 0.5  # any grant makes a funder

    model = model_of(scenario(tiny_grant))
    people = model.people
    seekers = rows_in(model, Status.SEEKER)[:10]
    people.move(seekers, Status.LONG_TERM, 0)
    people.plie[seekers[:4]] = True  # followed by the PLIE: no request
    people.plie[rows_in(model, Status.CLASSIC)[:5]] = True  # followed, not long-term seekers
    grants = {a.name: (a.active, a.spec.animation_grant_eur_per_year) for a in model.authorities}
    assert grants["Seignanx intercommunality"][0] is False  # inactive: not a funder
    assert grants["European Social Fund"] == (True, 0.0)  # no grant: not a funder
    funders = sum(1 for active, grant in grants.values() if active and grant > 0)
    assert funders == 4
    model.deliberation._seekers_and_funders()
    rule = model.spec.deliberation
    assert dict(model.deliberation.pending) == {
        ("seekers", -1): pytest.approx(6 / rule.seekers_per_request / 12),
        ("authorities", -1): pytest.approx(4 * rule.authority_requests_per_year * SCALE / 12),
    }
    assert rule.seekers_per_request == 50.0 and rule.authority_requests_per_year == 0.5


def test_no_unfollowed_seeker_no_funder_no_request():
    def no_grants(data):
        for authority in data["authorities"]:
            authority["animation_grant_eur_per_year"] = 0.0

    model = model_of(scenario(no_grants))
    assert not (model.people.status == Status.LONG_TERM).any()
    model.deliberation._seekers_and_funders()
    assert dict(model.deliberation.pending) == {}


def test_requests_of_one_origin_and_sector_make_a_project_every_threshold():
    model = model_of()
    model.month_index = 7
    deliberation = model.deliberation
    needed = model.spec.mechanisms.cooperation.requests_per_launch * SCALE
    assert needed == pytest.approx(0.6)
    deliberation.receive("firms", needed * 0.5, sector=RETAIL)
    deliberation.receive("firms", needed * 0.5, sector=0)  # another sector: not bundled
    deliberation.receive("structures", needed * 0.5)
    deliberation.receive("seekers", 0)  # nothing: no key
    deliberation._form_projects()
    assert deliberation.agenda == []
    assert deliberation.pending[("firms", RETAIL)] == pytest.approx(0.3)
    deliberation.receive("firms", needed * 0.5, sector=RETAIL)
    deliberation.receive("structures", needed * 2.25)
    deliberation.receive("authorities", needed)  # exactly the threshold: a project
    deliberation._form_projects()
    assert [(p.origin, p.sector) for p in deliberation.agenda] == [
        ("authorities", -1),
        ("firms", RETAIL),
        ("structures", -1),
        ("structures", -1),
    ]
    assert deliberation.pending[("structures", -1)] == pytest.approx(needed * 0.75)
    assert deliberation.pending[("firms", 0)] == pytest.approx(0.3)
    assert deliberation.pending[("firms", RETAIL)] == pytest.approx(0.0)
    assert ("seekers", -1) not in deliberation.pending
    origins = model.spec.deliberation.origins
    assert deliberation.agenda[1] == Project(
        origin="firms",
        sector=RETAIL,
        market="local_ess_services",
        competes_with=RETAIL,
        displacement=0.25,
        jobs=origins.firms.jobs,
        public_cost_eur=model.spec.mechanisms.cooperation.launch_cost_eur,
        job_quality=origins.firms.job_quality,
        social_utility=origins.firms.social_utility,
        submitted=7,
    )
    assert deliberation.agenda[0].jobs == origins.authorities.jobs == 2
    assert deliberation.agenda[2].social_utility == origins.structures.social_utility


def test_a_project_competes_with_the_sector_of_the_launched_market():
    def insertion_market(data):
        data["mechanisms"]["cooperation"]["launched_market"] = "insertion_services"

    model = model_of(scenario(insertion_market))
    seekers = model.deliberation.project("seekers")
    assert (seekers.market, seekers.competes_with, seekers.displacement) == (
        "insertion_services",
        CONSTRUCTION,
        0.5,
    )
    assert (seekers.origin, seekers.sector, seekers.jobs) == ("seekers", -1, 3)

    def no_market(data):
        data["mechanisms"]["cooperation"]["launched_market"] = None

    free = model_of(scenario(no_market)).deliberation.project("structures")
    assert (free.market, free.competes_with, free.displacement) == (None, -1, 0.0)


def test_the_employers_college_speaks_for_its_sectors_or_all():
    assert model_of().deliberation.employer_sectors() == set(range(6))

    def two(data):
        data["deliberation"]["employer_sectors"] = ["construction", "retail_services"]

    assert model_of(scenario(two)).deliberation.employer_sectors() == {CONSTRUCTION, RETAIL}


# ---------------------------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "months"),
    [
        (1, {1}),
        (4, {1, 4, 7, 10}),
        (5, {1, 3, 5, 8, 10}),
        (12, set(range(1, 13))),
    ],
)
def test_meetings_are_spread_over_the_year_from_january(n, months):
    def meetings(data):
        data["deliberation"]["meetings_per_year"] = n

    assert model_of(scenario(meetings)).deliberation.meeting_months() == months


def test_a_meeting_decides_the_agenda_counts_and_pays_the_animators_hours():
    model, animator = deliberation_model()
    deliberation = model.deliberation
    model.month_index = 15  # April 1971
    firms = deliberation.project("firms", 0)  # 3 colleges of 4: accepted
    seekers = deliberation.project("seekers")  # authorities and civil society: refused
    structures = deliberation.project("structures")  # unions and civil society: refused
    authorities = deliberation.project("authorities")  # all but the employers: accepted
    deliberation.agenda = [firms, seekers, structures, authorities]
    deliberation.counts[1971]["accepted"] = 1  # earlier this year
    animator.year.costs_eur = 100.0
    books = model.ledger.balance(animator.org), model.ledger.balance(HOUSEHOLDS)
    deliberation._meet(animator)
    assert deliberation.decisions == [
        (15, firms, True),
        (15, seekers, False),
        (15, structures, False),
        (15, authorities, True),
    ]
    assert deliberation.accepted == [(15, firms), (15, authorities)]
    assert deliberation.agenda == []
    assert deliberation.year_counts(1971) == {
        "deliberated": 4,
        "accepted": 3,
        "refused": 2,
        "lapsed": 0,
    }
    assert deliberation.year_counts(1970) == dict.fromkeys(
        ("deliberated", "accepted", "refused", "lapsed"), 0
    )
    hourly = model.spec.finance.wage_cost_eur_per_fte_month / model.hours_per_month
    assert hourly == pytest.approx(2600.0 / (model.spec.finance.hours_per_fte_year / 12))
    cost = 4 * model.spec.deliberation.hours_per_project * hourly * SCALE
    assert cost == pytest.approx(4 * 14.0 * hourly * 0.05)
    assert animator.cash == pytest.approx(10_000.0 - cost)
    assert animator.year.costs_eur == pytest.approx(100.0 + cost)
    assert model.ledger.totals[Flow.DELIBERATION] == pytest.approx(cost)
    assert model.ledger.balance(animator.org) == pytest.approx(books[0] - cost)
    assert model.ledger.balance(HOUSEHOLDS) == pytest.approx(books[1] + cost)
    deliberation._meet(animator)  # an empty agenda: no decision, no cost
    assert len(deliberation.decisions) == 4 and animator.cash == pytest.approx(10_000.0 - cost)


def test_step_meets_only_in_meeting_months_and_launches():
    model, animator = deliberation_model()
    deliberation = model.deliberation
    needed = model.spec.mechanisms.cooperation.requests_per_launch * SCALE
    model.month_index = 13  # February: no meeting
    deliberation.receive("firms", needed, sector=0)
    deliberation.step(animator)
    assert [p.origin for p in deliberation.agenda] == ["firms"] and not deliberation.decisions
    assert animator.cash == 10_000.0
    model.month_index = 15  # April: the colleges meet, the accepted project launches
    n = len(model.pole.structures)
    deliberation.step(animator)
    assert [(m, p.origin, a) for m, p, a in deliberation.decisions] == [(15, "firms", True)]
    assert deliberation.agenda == [] and deliberation.accepted == []
    assert len(model.pole.structures) == n + 1
    assert deliberation.year_counts(1971)["accepted"] == 1
    # the agenda's hours and the project's public cost at this scale
    assert model.ledger.totals[Flow.DELIBERATION] > 0
    assert model.ledger.totals[Flow.LAUNCH] == pytest.approx(60000.0 * SCALE)


def test_step_does_nothing_when_cooperation_is_off():
    model, animator = deliberation_model(enabled=False)
    deliberation = model.deliberation
    model.month_index = 3  # April: a meeting month
    needed = model.spec.mechanisms.cooperation.requests_per_launch * SCALE
    deliberation.receive("firms", needed, sector=0)
    deliberation.agenda = [deliberation.project("authorities")]
    deliberation.accepted = [(0, deliberation.project("firms", 0))]
    deliberation.step(animator)
    assert deliberation.pending[("firms", 0)] == needed
    assert len(deliberation.agenda) == 1 and len(deliberation.accepted) == 1
    assert not deliberation.decisions and deliberation.launched == 0
    assert animator.cash == 10_000.0


# ---------------------------------------------------------------------------------------------
# Launching and lapsing
# ---------------------------------------------------------------------------------------------


def test_accepted_projects_launch_in_order_within_the_cash_or_lapse_after_a_year():
    model, animator = deliberation_model()
    deliberation = model.deliberation
    first = deliberation.project("firms", 0)
    late = deliberation.project("seekers")
    waits = deliberation.project("authorities")
    cheap = dataclasses.replace(deliberation.project("structures"), public_cost_eur=1000.0)
    cost = first.public_cost_eur * SCALE  # 3,000 euros at this scale
    assert FUNDING_WAIT_MONTHS == 12
    model.month_index = 20  # September 1971
    deliberation.accepted = [(2, first), (8, late), (8, late), (9, waits), (14, cheap)]
    animator.cash = 1.5 * cost
    n = len(model.pole.structures)
    deliberation._launch(animator)
    # the first opens; two more, a year old, lapse; one waits, and a cheaper one waits behind it
    assert len(model.pole.structures) == n + 1 and deliberation.launched == 1
    assert deliberation.accepted == [(9, waits), (14, cheap)]
    assert deliberation.year_counts(1971)["lapsed"] == 2
    assert animator.cash == pytest.approx(0.5 * cost)
    model.month_index = 21  # a year after its acceptance the one waiting lapses; the cheap opens
    deliberation._launch(animator)
    assert deliberation.year_counts(1971)["lapsed"] == 3
    assert deliberation.accepted == [] and deliberation.launched == 2
    assert animator.cash == pytest.approx(0.5 * cost - 1000.0 * SCALE)


def test_an_accepted_project_with_exactly_its_cost_opens_as_a_pole_structure():
    model, animator = deliberation_model()
    deliberation = model.deliberation
    model.month_index = 26  # March 1972
    deliberation.launched = 3
    accepted = deliberation.project("authorities")
    deliberation.accepted = [(24, accepted)]
    cost = accepted.public_cost_eur * SCALE
    animator.cash = cost
    books = model.ledger.balance(animator.org)
    deliberation._launch(animator)
    opened = model.pole.structures[-1]
    assert opened.name == "Pole project 4 (1972)" and deliberation.launched == 4
    assert opened.kind == StructureKind.ESS_ENTERPRISE and opened.in_pole
    assert opened.spec.market == "local_ess_services"
    assert opened.spec.permanent_staff == accepted.jobs == 2
    assert opened.cash == pytest.approx(cost) and animator.cash == pytest.approx(0.0)
    assert model.ledger.totals[Flow.LAUNCH] == pytest.approx(cost)
    assert model.ledger.balance(animator.org) == pytest.approx(books - cost)
    assert model.ledger.balance(opened.org) == pytest.approx(cost)
    assert model.tally.jobs["launched_structures"] == 1
    assert "board" in model.network.graph.edges[animator.org, opened.org]["kinds"]


def test_the_funding_animator_founds_the_structure_it_opens():
    model, animator = deliberation_model()
    other = create(model, StructureKind.ANIMATOR, name="second animator")
    assert model.pole.animator() is animator
    opened = model.deliberation.open(other, model.deliberation.project("firms", 0), 100.0)
    assert model.network.graph.has_edge(other.org, opened.org)  # its board seat
    assert other.cash == pytest.approx(1000.0 - 100.0)
    assert opened.cash == pytest.approx(100.0)
