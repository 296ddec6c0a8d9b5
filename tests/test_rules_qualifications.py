"""Trade qualifications, one rule at a time on a small territory.

As in ``tests/test_mechanism_rules.py``: the Seignanx scenario at scale 0.05 without its timeline,
the state set by hand (who holds which trade, for how long in a post), one rule called, exact
values checked (ptce_sim/simulation/mechanisms/qualifications.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_mechanism_rules import create, model_of, recount, rows_in, scenario

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.agents.persons import NO_ORG, NO_SECTOR, Status
from ptce_sim.simulation.agents.structures import Openings
from ptce_sim.simulation.mechanisms import commuting, firm_choices, qualifications


def with_factor(factor: float, **sections):
    """A model whose skilled posts hire the unqualified at ``factor`` times the chance."""
    return model_of(
        scenario(lambda d: d["labour_market"].update(unqualified_hire_factor=factor), **sections)
    )


def sector_index(model, name: str) -> int:
    return [s.name for s in model.spec.sectors].index(name)


def first_firm(model, sector: int) -> int:
    """Row of the first open firm of ``sector``."""
    firms = model.firms
    return int(np.flatnonzero(firms.alive & (firms.sector == sector))[0])


# ---------------------------------------------------------------------------------------------
# Who holds a trade
# ---------------------------------------------------------------------------------------------


def test_at_the_start_the_employed_hold_their_post_s_trade_and_the_unskilled_none():
    model = model_of()
    people, firms = model.people, model.firms
    employed = rows_in(model, Status.CLASSIC)
    rows = model.orgs.firm_rows(people.employer[employed])
    assert employed.size > 0 and (people.qualification[employed] == firms.sector[rows]).all()
    others = np.setdiff1d(np.arange(len(people)), employed)
    unskilled = others[people.skill[others] < qualifications.SKILLED_POST]
    skilled = others[people.skill[others] >= qualifications.SKILLED_POST]
    assert unskilled.size > 0 and (people.qualification[unskilled] == NO_SECTOR).all()
    assert skilled.size > 0 and (people.qualification[skilled] != NO_SECTOR).all()


def test_a_trade_is_drawn_by_the_sectors_posts_for_the_skilled_only():
    rng = np.random.default_rng(3)
    skill = np.array([0.1, 0.39, 0.4, 0.9] * 500)
    shares = np.array([0.0, 3.0, 0.0, 1.0])
    drawn = qualifications.draw(skill, shares, rng)
    skilled = skill >= qualifications.SKILLED_POST
    assert (drawn[~skilled] == NO_SECTOR).all()
    assert set(drawn[skilled].tolist()) == {1, 3}  # only sectors with posts
    assert np.mean(drawn[skilled] == 1) == pytest.approx(0.75, abs=0.05)
    # every person draws, skilled or not: the stream's use does not depend on skills
    again = np.random.default_rng(3)
    qualifications.draw(np.zeros(2000), shares, again)
    assert again.random() == rng.random()
    assert (qualifications.draw(skill, np.zeros(4), rng) == NO_SECTOR).all()


def test_newcomers_hold_a_trade_of_the_area_and_in_commuters_that_of_their_post():
    model = model_of()
    posts = qualifications.posts_by_sector(model)
    drawn = model.demography.newcomers(400, np.random.default_rng(5))
    trades = drawn["qualification"]
    assert (trades[drawn["skill"] < qualifications.SKILLED_POST] == NO_SECTOR).all()
    held = trades[trades != NO_SECTOR]
    assert held.size > 0 and (posts[held] > 0).all()
    # an in-commuter takes a post of the construction sector: qualified in its trade
    data = model.spec.model_dump(mode="python")
    data["labour_market"]["in_commuter_share"] = 1.0
    commuter_model = model_of(type(model.spec).model_validate(data))
    construction = sector_index(commuter_model, "construction")
    firm = first_firm(commuter_model, construction)
    post = {
        "org": np.array([commuter_model.firms.org[firm]], dtype=np.int32),
        "status": np.array([Status.CLASSIC], dtype=np.int8),
        "fte": np.ones(1),
        "skill": np.array([0.45]),
        "sector": np.array([construction], dtype=np.int16),
        "months": np.zeros(1, dtype=np.int32),
    }
    resident = rows_in(commuter_model, Status.SEEKER)[:1]
    rows = commuting.take_posts(commuter_model, post, np.zeros(1, dtype=np.int64), resident)
    assert rows[0] != resident[0]
    assert commuter_model.people.qualification[rows[0]] == construction


def test_years_in_a_post_qualify_for_its_trade():
    model = model_of()
    people, firms = model.people, model.firms
    months = model.spec.labour_market.qualification_months
    construction = sector_index(model, "construction")
    firm = first_firm(model, construction)
    seasoned, novice = rows_in(model, Status.SEEKER)[:2]
    model.month_index = months + 10
    people.move(np.array([seasoned]), Status.CLASSIC, 10, employer=firms.org[firm], fte=1.0)
    people.move(np.array([novice]), Status.CLASSIC, 11, employer=firms.org[firm], fte=1.0)
    people.qualification[[seasoned, novice]] = NO_SECTOR
    qualifications.by_experience(model)
    assert people.qualification[seasoned] == construction  # `months` months in the post
    assert people.qualification[novice] == NO_SECTOR  # one month short


def test_a_geiq_contract_ends_with_the_qualification_of_the_host_s_trade():
    model = model_of()
    people, firms = model.people, model.firms
    geiq = create(model, StructureKind.GEIQ, permanent_staff=0, sectors=["construction"])
    construction = sector_index(model, "construction")
    host = first_firm(model, construction)
    rows = rows_in(model, Status.SEEKER)[:3]
    people.move(rows, Status.GEIQ, 0, employer=geiq.org, fte=1.0, contract_end=0)
    people.host[rows[:2]] = firms.org[host]
    people.host[rows[2]] = NO_ORG  # back from a member that left: no host, no trade
    people.qualification[rows] = NO_SECTOR
    recount(model)
    geiq.end_contracts(rows)
    assert (people.qualification[rows[:2]] == construction).all()  # hired or not
    assert people.qualification[rows[2]] == NO_SECTOR


# ---------------------------------------------------------------------------------------------
# Hiring into skilled posts
# ---------------------------------------------------------------------------------------------


def test_the_hire_factor_applies_to_the_unqualified_in_skilled_posts_only():
    model = with_factor(0.25)
    construction = sector_index(model, "construction")
    retail = sector_index(model, "retail_services")
    assert model.spec.sectors[retail].skill_requirement < qualifications.SKILLED_POST
    rows = rows_in(model, Status.SEEKER)[:4]
    model.people.qualification[rows] = [construction, NO_SECTOR, NO_SECTOR, retail]
    skill = np.array([0.45, 0.45, 0.30, 0.45])
    sector = np.array([construction, construction, retail, NO_SECTOR])
    factor = qualifications.hire_factor(model, rows, skill, sector)
    # qualified; unqualified in a skilled post; an unskilled post; an ESS post (no trade)
    assert factor.tolist() == [1.0, 0.25, 1.0, 1.0]


@pytest.mark.parametrize("factor", [0.0, 1.0])
def test_a_skilled_post_never_hires_the_unqualified_at_factor_zero(factor):
    model = with_factor(factor)
    people, firms = model.people, model.firms
    construction = sector_index(model, "construction")
    firm = first_firm(model, construction)
    seekers = np.flatnonzero(people.status == Status.SEEKER)
    qualified = seekers[::2]
    people.qualification[seekers] = NO_SECTOR
    people.qualification[qualified] = construction
    people.skill[seekers] = 0.6
    people.employability[seekers] = 0.9
    model.labour.match(
        [Openings(int(firms.org[firm]), Status.CLASSIC, 60, 1.0, 0.45, construction)]
    )
    hired = seekers[people.status[seekers] == Status.CLASSIC]
    from_qualified = np.isin(hired, qualified)
    assert from_qualified.sum() > 0
    if factor == 0.0:
        assert from_qualified.all()
    else:
        assert (~from_qualified).sum() > 0


def test_the_skilled_wait_is_little_s_law_on_the_smoothed_counts():
    model = model_of()
    labour = model.labour
    n = len(model.spec.sectors)
    labour.skilled.vacant = np.array([6.0, 0.0, 2.0, 50.0, 3.0, 0.0][:n])
    labour.skilled.filled = np.array([3.0, 4.0, 0.0, 1.0, 3.0, 0.0][:n])
    assert labour.skilled.wait().tolist() == [2.0, 0.0, 12.0, 12.0, 1.0, 0.0][:n]


def test_skilled_counts_are_smoothed_every_month_and_the_year_s_tally_starts_again():
    model = model_of()
    labour = model.labour
    for _ in range(12):
        model.step()
    territory = model.recorder.tables()["territory"]
    assert territory["skilled_hires"].iloc[0] > 0
    assert sum(model.tally.skilled.values()) == 0  # emptied when the year closed
    labour.skilled.vacant[:] = 12.0
    labour.skilled.filled[:] = 12.0
    labour.match([])  # a month without openings: the counts decay
    assert labour.skilled.vacant == pytest.approx(np.full(len(model.spec.sectors), 11.0))
    assert labour.skilled.filled == pytest.approx(np.full(len(model.spec.sectors), 11.0))


def test_a_geiq_trainee_is_worth_the_wait_for_a_qualified_person_it_saves():
    model = model_of()
    labour, firms = model.labour, model.firms
    rule = model.spec.mechanisms.geiq
    skilled = qualifications.skilled_sectors(model.spec)
    labour.skilled.vacant = np.full(len(model.spec.sectors), 8.0)
    labour.skilled.filled = np.full(len(model.spec.sectors), 2.0)  # a 4-month wait
    value = firm_choices.qualified_hire_value(model)
    margin = firms.margin_per_fte(model.spec)
    expected = rule.hire_base_probability * 4.0 * margin / rule.contract_months
    assert value == pytest.approx(np.where(skilled[firms.sector], expected, 0.0))
    assert (value[skilled[firms.sector] & (margin > 0)] > 0).all()
    labour.skilled.vacant[:] = 0.0  # no post waits: no wait to save
    assert (firm_choices.qualified_hire_value(model) == 0).all()
