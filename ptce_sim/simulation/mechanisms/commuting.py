"""In-commuting: posts of the territory's employers taken by people living outside it (leakage).

Out-commuting is a sector: residents hold the jobs of the sectors ``located_outside`` (the
conurbation). In-commuting goes the other way: when the matching fills a post open to
in-commuters, a draw from the labour market's stream gives it, with the chance
``labour_market.in_commuter_share``, to a person living outside the territory instead of the
resident it was about to hire (who stays a job seeker). That person is a new row of the person
table with ``resident`` False, drawn like a newcomer (age, skill from the territory's law,
employability), employed directly in the post. In-commuters count in their employer's staff,
wages and FTE like anyone, never in the territory's population; one who leaves the post (quit,
lay-off, closure, a structure's failure) leaves the table: they never seek work locally.

Posts open to in-commuters: classic firms' posts in sectors located in the territory, and the ESS
structures' permanent posts. ASSUMPTION: insertion posts, GEIQ work-study contracts, GE posts,
CAE project holders' tests and the PLIE's pathways are for residents far from work (the schemes
are run and funded for the territory's job seekers), so never open to in-commuters. Nor are the
posts of firms of the charter, which commit to hiring residents first
(:mod:`~ptce_sim.simulation.mechanisms.circles`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.accounts import HOUSEHOLDS, REST_OF_WORLD, Flow
from ptce_sim.simulation.agents.persons import Status

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context


def open_to_in_commuters(model: Context, posts: dict[str, np.ndarray]) -> np.ndarray:
    """Mask of the posts (rows of the matching's expanded posts) an in-commuter may take."""
    outside = np.array([s.located_outside for s in model.spec.sectors], dtype=bool)
    classic = posts["status"] == Status.CLASSIC
    sector = np.where(classic, posts["sector"], 0).astype(np.int64)
    local_classic = classic & ~outside[sector]
    permanent_ess = (posts["status"] == Status.ESS) & (posts["months"] <= 0)
    return (local_classic | permanent_ess) & ~model.circles.local_only(posts["org"])


def take_posts(
    model: Context, posts: dict[str, np.ndarray], filled: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """In-commuters take some of the posts the matching has just filled.

    Args:
        model: the model (its persons, the labour market's stream, the demography's newcomers).
        posts: the expanded posts of the matching.
        filled: the posts filled, one per hire.
        rows: the persons hired, one per filled post (residents, job seekers).

    Returns:
        ``rows`` with, for each post an in-commuter takes, the row of that in-commuter, added to
        the person table already in the post; the resident who would have been hired is not.
    """
    share = model.spec.labour_market.in_commuter_share
    if share <= 0.0 or filled.size == 0:
        return rows
    rng = model.streams.labour_market
    eligible = np.flatnonzero(open_to_in_commuters(model, posts)[filled])
    taken = eligible[rng.random(eligible.size) < share]
    if taken.size == 0:
        return rows
    post = filled[taken]
    arrived = model.people.add(
        model,
        {
            "status": posts["status"][post],
            "employer": posts["org"][post],
            "fte": posts["fte"][post],
            "resident": np.zeros(taken.size, dtype=bool),
            **model.demography.newcomers(taken.size, rng),
        },
    )
    model.people.qualification[arrived] = posts["sector"][post]  # they come for their trade
    rows = rows.copy()
    rows[taken] = arrived
    return rows


def send_wages_home(model: Context) -> None:
    """The in-commuters' wages of the month leave the territory's households.

    They go to the rest of the world (the in-commuters hold only classic and permanent ESS posts,
    paid the full wage cost).
    """
    people = model.people
    fte = float(people.fte[~people.resident].sum())
    wages = fte * model.spec.finance.wage_cost_eur_per_fte_month
    model.ledger.transfer(HOUSEHOLDS, REST_OF_WORLD, wages, Flow.COMMUTER_WAGES)


def jobs_held(model: Context) -> int:
    """Jobs of the territory's employers held by in-commuters now."""
    return int(np.count_nonzero(~model.people.resident))
