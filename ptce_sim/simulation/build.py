"""Building the territory at the start of a run: authorities, persons, firms, other ESS structures.

Called once by :class:`~ptce_sim.simulation.model.PtceModel`. Persons are drawn from the
territory's stream (ages by age group, skills, employability, initial inactivity); firms are sized
so that they employ the initially employed persons, who are then placed in them, the most
employable first, qualified in their post's trade (the others draw theirs); the territory's other
ESS structures start outside the pole. No file is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.config.scenario import StructureKind, StructureSpec
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.mechanisms import qualifications
from ptce_sim.simulation.mechanisms.funding import Authority

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel

OTHER_ESS_CASH_EUR = 10_000.0
"""Starting cash of each of the territory's other ESS structures. ASSUMPTION."""


def build_territory(model: PtceModel) -> None:
    """Create the run's authorities, persons, firms and other ESS structures."""
    spec = model.spec
    territory = spec.territory
    rng = model.streams.territory
    for authority in spec.authorities:
        model.authorities.append(Authority(model, authority))
    n = max(1, round(model.demography.labour_force0))
    shares = territory.age_shares
    group = rng.choice(3, size=n, p=[shares.young, shares.adult, shares.senior])
    # young, adult, senior; within the working years when they do not span 26 and 50
    bounds = np.clip(
        [[territory.entry_age, 26.0], [26.0, 50.0], [50.0, territory.retirement_age]],
        territory.entry_age,
        territory.retirement_age,
    )
    age = rng.uniform(bounds[group, 0], bounds[group, 1])
    skill = model.demography.draw_skills(n, rng)
    employability = np.clip(rng.beta(6, 3, n), 0.05, 1.0)
    status = np.full(n, Status.SEEKER, dtype=np.int8)
    inactive = rng.random(n) < territory.initial_inactive_share
    status[inactive] = Status.INACTIVE
    model.people.add(
        model, {"status": status, "age": age, "skill": skill, "employability": employability}
    )
    _build_firms(model, inactive)
    _qualify(model, rng)
    _build_other_ess(model)
    model.economy.earnings0 = model.economy.resident_earnings()
    model.staff.recount(model.people, len(model.orgs))
    model.network.refresh()


def _build_firms(model: PtceModel, inactive: np.ndarray) -> None:
    """Firms sized to employ the initially employed persons, who are then placed in them.

    The sectors' job shares are shares of the residents' jobs. With in-commuting
    (``labour_market.in_commuter_share`` = c), a sector located in the territory has ``1 / (1 - c)``
    times its residents' jobs, and a share c of its posts (drawn at random) is held by
    in-commuters from the start (:mod:`~ptce_sim.simulation.mechanisms.commuting`).
    """
    spec = model.spec
    economy, firms, people = model.economy, model.firms, model.people
    active = np.flatnonzero(~inactive)
    employed_n = round(active.size * (1 - spec.territory.initial_unemployment_rate))
    jobs = employed_n * spec.firms.jobs_per_employed
    commuting = spec.labour_market.in_commuter_share
    for s, sector in enumerate(spec.sectors):
        # (at most ten times the residents' jobs, when nearly every post goes to in-commuters)
        held = 1.0 if sector.located_outside else 1.0 - min(commuting, 0.9)
        target = jobs * sector.job_share / held
        economy.base_jobs[s] = target
        sizes = economy.sizes_for(s, target)
        firms.add(model, np.full(sizes.size, s, dtype=np.int16), sizes)
    economy.index = economy.sector_index()
    firms.demand = firms.base * economy.index[firms.sector]
    whole, _ = firms.jobs_target()
    jobs = whole + model.labour.part_time_jobs(whole)
    slots = np.repeat(np.arange(len(firms)), jobs.astype(int))
    model.streams.territory.shuffle(slots)
    if commuting > 0:
        slots = _seed_in_commuters(model, slots, commuting)
    order = active[np.argsort(-people.employability[active], kind="stable")]
    hired = order[: min(employed_n, slots.size)]
    people.move(hired, Status.CLASSIC, 0, employer=firms.org[slots[: hired.size]], fte=1.0)


def _qualify(model: PtceModel, rng: np.random.Generator) -> None:
    """Qualifications at the start: the trade of their post for the employed.

    For the others, a trade drawn by the sectors' posts when skilled enough
    (:func:`~ptce_sim.simulation.mechanisms.qualifications.draw`).
    """
    people = model.people
    people.qualification[:] = qualifications.draw(
        people.skill, qualifications.posts_by_sector(model), rng
    )
    qualifications.hold_posts_trade(model, np.flatnonzero(people.status == Status.CLASSIC))


def _seed_in_commuters(model: PtceModel, slots: np.ndarray, share: float) -> np.ndarray:
    """In-commuters take a share of the local sectors' slots.

    Returns the slots left to residents.
    """
    firms = model.firms
    rng = model.streams.territory
    outside = np.array([s.located_outside for s in model.spec.sectors], dtype=bool)
    local = ~outside[firms.sector[slots]]
    taken = local & (rng.random(slots.size) < share)
    n = int(np.count_nonzero(taken))
    model.people.add(
        model,
        {
            "status": np.full(n, Status.CLASSIC, dtype=np.int8),
            "employer": firms.org[slots[taken]],
            "fte": np.ones(n),
            "resident": np.zeros(n, dtype=bool),
            **model.demography.newcomers(n, rng),
        },
    )
    return slots[~taken]


def _build_other_ess(model: PtceModel) -> None:
    """The territory's other ESS structures (associations...), outside the pole at first."""
    other = model.spec.other_ess
    for i in range(round(other.count * model.scale)):
        spec = StructureSpec(
            name=f"ESS association {i + 1}",
            kind=StructureKind.ESS_ENTERPRISE,
            permanent_staff=max(1, round(model.streams.territory.exponential(other.staff_mean))),
            market=other.market,
            sales_eur_per_fte_month=other.sales_eur_per_fte_month,
            cash_eur=OTHER_ESS_CASH_EUR,
        )
        structure = model.pole.add_outside(spec)
        founders = model.people.in_status(Status.SEEKER)[: spec.permanent_staff]
        model.people.move(founders, Status.ESS, 0, employer=structure.org, fte=1.0)
