"""Trade qualifications: what makes a skilled post wait for want of qualified people.

A person holds at most one qualification, the trade (sector) they are qualified in
(``people.qualification``, ``NO_SECTOR`` for none). A skilled post (a classic post whose skill
requirement is at least :data:`SKILLED_POST`) wants a person qualified in its sector: the
employer hires an unqualified person it meets with ``labour_market.unqualified_hire_factor`` times
the chance it would hire a qualified one (1: qualifications do not matter; 0: never).

Qualifications come from:

* schooling and earlier careers: residents at the start and newcomers (young entrants, adults
  moving in) skilled enough for a skilled post hold the qualification of a trade drawn in
  proportion to the sectors' posts (ASSUMPTION: people are trained in the trades of the area);
  in-commuters hold that of the post they come for;
* experience: ``labour_market.qualification_months`` in a row in a classic post of a trade
  qualify for it (the experience the VAE, *validation des acquis de l'expérience*, asked for);
* the GEIQ: a work-study contract ends with the qualification of the host's trade (the
  *qualification* of *groupement d'employeurs pour l'insertion et la qualification*);
* skills planning: a course aimed at a sector's declared needs ends with its qualification
  (:meth:`~ptce_sim.simulation.mechanisms.gpec.SkillsPlanning.qualify`).

Where few job seekers hold a trade's qualification, its skilled posts wait: the firms' smoothed
count of unfilled skilled posts grows, which is what makes them ask a GEIQ for trainees and
declare needs to the skills planning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import NO_SECTOR, Status

MONTH_WEIGHT = 1 / 12
"""Weight of the current month in a year-long smoothing: the skilled posts per sector (here) and
the openings per sector that skills planning reads (``LabourMarket.sector_openings``)."""
WAIT_CAP_MONTHS = 12.0
"""Longest wait of a skilled post a firm counts (ASSUMPTION: it looks a year ahead)."""

if TYPE_CHECKING:
    from ptce_sim.config.scenario import Scenario
    from ptce_sim.simulation.interface import Context

SKILLED_POST = 0.4
"""Skill requirement from which a classic post is skilled: it wants a qualified person."""


def skilled_sectors(spec: Scenario) -> np.ndarray:
    """Whether each sector's posts are skilled (their requirement is at least ``SKILLED_POST``)."""
    return np.array([s.skill_requirement >= SKILLED_POST for s in spec.sectors], dtype=bool)


def draw(skill: np.ndarray, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Qualifications of persons with ``skill``: a trade drawn by ``shares`` for the skilled.

    Every person draws (the stream's use does not depend on skills); those below
    ``SKILLED_POST`` hold none.

    Args:
        skill: the persons' skills.
        shares: each sector's weight (the sectors' posts); all zero: nobody is qualified.
        rng: the caller's stream.
    """
    n = skill.size
    total = float(shares.sum())
    if n == 0 or total <= 0.0:
        return np.full(n, NO_SECTOR, dtype=np.int16)
    trade = rng.choice(shares.size, size=n, p=shares / total).astype(np.int16)
    return np.where(skill >= SKILLED_POST, trade, NO_SECTOR).astype(np.int16)


def posts_by_sector(model: Context) -> np.ndarray:
    """Each sector's classic posts held now (the weights of newcomers' trades)."""
    people = model.people
    employed = np.flatnonzero(people.status == Status.CLASSIC)
    rows = model.orgs.firm_rows(people.employer[employed])
    rows = rows[rows >= 0]
    return np.bincount(model.firms.sector[rows], minlength=len(model.spec.sectors)).astype(
        np.float64
    )


def by_experience(model: Context) -> None:
    """Persons ``qualification_months`` in a row in a classic post qualify in its trade."""
    people = model.people
    months = model.spec.labour_market.qualification_months
    hold_posts_trade(
        model,
        np.flatnonzero(
            (people.status == Status.CLASSIC) & (model.month_index - people.since >= months)
        ),
    )


def hold_posts_trade(model: Context, rows: np.ndarray) -> None:
    """Persons ``rows``, employed by classic firms, hold their employer's sector's trade."""
    firm = model.orgs.firm_rows(model.people.employer[rows])
    known = firm >= 0
    model.people.qualification[rows[known]] = model.firms.sector[firm[known]]


def hire_factor(
    model: Context, rows: np.ndarray, skill: np.ndarray, sector: np.ndarray
) -> np.ndarray:
    """What multiplies the chance that persons ``rows`` are hired into posts (one each).

    ``unqualified_hire_factor`` for a skilled post (requirement ``skill``, sector ``sector``) and
    a person not qualified in its sector, 1 otherwise.
    """
    factor = model.spec.labour_market.unqualified_hire_factor
    wanted = (skill >= SKILLED_POST) & (sector != NO_SECTOR)
    unqualified = wanted & (model.people.qualification[rows] != sector)
    return np.where(unqualified, factor, 1.0)


class SkilledPosts:
    """The labour market's skilled posts: filled (by the qualified or not) and left waiting.

    Attributes:
        vacant: skilled posts left unfilled per sector and month, smoothed over about a year.
        filled: skilled posts filled per sector and month, smoothed likewise.
    """

    def __init__(self, sectors: int) -> None:
        self.vacant = np.zeros(sectors)
        self.filled = np.zeros(sectors)
        self._month = (np.zeros(sectors), np.zeros(sectors))

    def record(
        self, model: Context, posts: dict[str, np.ndarray], filled: np.ndarray, rows: np.ndarray
    ) -> None:
        """Count the ordinary posts of a matching: ``filled`` posts went to persons ``rows``.

        The year's tally counts the skilled hires, those by a person qualified in the post's trade
        and the skilled posts left unfilled; the unfilled ones add to their firms' smoothed count
        and, with the hires, to the month's counts per sector.
        """
        firms = model.firms
        skilled = (posts["status"] == Status.CLASSIC) & (posts["skill"] >= SKILLED_POST)
        unfilled = np.ones(posts["org"].size, dtype=bool)
        unfilled[filled] = False
        hired = skilled[filled]
        met = model.people.qualification[rows[hired]] == posts["sector"][filled[hired]]
        tally = model.tally.skilled
        tally["hires"] += int(np.count_nonzero(hired))
        tally["at_requirement"] += int(np.count_nonzero(met))
        tally["vacant_months"] += int(np.count_nonzero(unfilled & skilled))
        count = np.zeros(len(firms))
        np.add.at(count, model.orgs.firm_rows(posts["org"][unfilled & skilled]), 1.0)
        firms.unfilled_skilled += count
        traded = skilled & (posts["sector"] >= 0)  # classic firms' posts all have their sector
        vacant, filled_now = self._month
        n = vacant.size
        vacant += np.bincount(posts["sector"][unfilled & traded], minlength=n)
        filled_now += np.bincount(posts["sector"][filled[traded[filled]]], minlength=n)

    def close_month(self) -> None:
        """The month's counts enter the smoothed ones (every month, openings or not)."""
        vacant, filled = self._month
        self.vacant += MONTH_WEIGHT * (vacant - self.vacant)
        self.filled += MONTH_WEIGHT * (filled - self.filled)
        self._month = (np.zeros_like(vacant), np.zeros_like(filled))

    def month_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """This month's skilled posts left unfilled and filled per sector, so far."""
        return self._month

    def mean_wait(self) -> float:
        """Months a skilled post waits, all sectors together (:func:`little` on the sums)."""
        return float(little(self.vacant.sum(keepdims=True), self.filled.sum(keepdims=True))[0])

    def wait(self) -> np.ndarray:
        """Months a skilled post of each sector waits, on average, before it is filled."""
        return little(self.vacant, self.filled)


def little(waiting: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Little's law on smoothed monthly counts: months a post waits, posts waiting over filled.

    0 where none waits; where some wait and none is filled, ``WAIT_CAP_MONTHS``, the most it
    gives.
    """
    wait = np.divide(
        waiting, filled, out=np.where(waiting > 0, WAIT_CAP_MONTHS, 0.0), where=filled > 0
    )
    return np.minimum(wait, WAIT_CAP_MONTHS)
