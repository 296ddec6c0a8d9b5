"""The labour market: lay-offs, quits, contract ends, and matching job seekers to openings.

Matching works in rounds. In each round every open post contacts one job seeker, drawn without
replacement with a weight (Efraimidis-Spirakis keys); the seeker is hired with a probability that
grows with their employability and with how their skill compares to the post's requirement, with a
bonus when a course aimed them at the post's sector (skills planning); a skilled post hires a person
not qualified in its trade less readily (:mod:`qualifications`). Posts for people far from
work (insertion posts, GEIQ contracts) are filled first, from the long-term unemployed and the
least employable, and weight the PLIE's caseload more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import HOLDER, NO_ORG, NO_SECTOR, Status, is_in
from ptce_sim.simulation.agents.structures import Openings
from ptce_sim.simulation.mechanisms import commuting, qualifications

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context

EXIT_KINDS = ("insertion", "training", "geiq", "incubation")
"""Pathways whose leavers are followed: a job found within ``FOLLOW_MONTHS`` counts for them."""
FOLLOW_MONTHS = 6
FAR_EMPLOYABILITY = 0.45
"""Seekers below this employability (or long-term unemployed, or followed by the PLIE) are
recruited by posts for people far from work."""
UNFILLED_MEMORY = 0.8
"""Monthly persistence of a firm's count of unfilled skilled posts."""
MAX_GAP = 700.0
"""Bound of the skill gap (in match widths) in the hiring probability's logistic: beyond it the
probability is 0 or the employability to machine precision, and ``exp`` would overflow."""


class LabourMarket:
    """Moves persons in and out of jobs; all rules are vectorised over persons and firms."""

    def __init__(self, model: Context) -> None:
        self.model = model
        self.sector_openings = np.zeros(len(model.spec.sectors))
        """Classic firms' openings per sector and month, smoothed over about a year."""
        self.skilled = qualifications.SkilledPosts(len(model.spec.sectors))
        """Skilled posts filled and left waiting, the year's and per sector (smoothed)."""

    # -- leaving jobs ---------------------------------------------------------------------------

    def to_seeking(self, rows: np.ndarray, *, exit_kind: str | None = None) -> None:
        """Send persons back to job seeking; leavers of a pathway get its matching priority.

        In-commuters among them leave the territory's table instead (last: the other rows must
        not shift before they move).
        """
        model = self.model
        if rows.size == 0:
            return
        people = model.people
        in_commuters = rows[~people.resident[rows]]
        rows = rows[people.resident[rows]]
        people.move(rows, Status.SEEKER, model.month_index)
        if exit_kind is not None:
            people.exit_kind[rows] = EXIT_KINDS.index(exit_kind)
            people.exit_month[rows] = model.month_index
            if exit_kind == "insertion":
                people.priority[rows] = model.spec.mechanisms.work_integration.exit_priority
        people.remove(in_commuters, model.month_index)

    def release(self, rows: np.ndarray, keep: int) -> None:
        """Lay off staff at random so that ``keep`` of ``rows`` remain."""
        excess = rows.size - keep
        if excess > 0:
            self.to_seeking(
                self.model.streams.labour_market.choice(rows, size=excess, replace=False)
            )

    def hire_into_firm(self, rows: np.ndarray, orgs: np.ndarray, *, mechanism: str) -> None:
        """Persons hired by classic firms outside the matching (GEIQ end, internalisation)."""
        if rows.size == 0:
            return
        model = self.model
        model.people.move(rows, Status.CLASSIC, model.month_index, employer=orgs, fte=1.0)
        model.people.priority[rows] = 1.0
        model.people.plie[rows] = False
        model.tally.count(mechanism, int(rows.size))

    def firm_separations(self) -> None:
        """Quits everywhere; lay-offs in firms above their job target.

        None in a charter firm whose cash carries its excess staff (:meth:`Circles.keeps_staff`).
        """
        model = self.model
        people, firms = model.people, model.firms
        rule = model.spec.firms
        whole_jobs, _ = firms.jobs_target()
        classic = np.flatnonzero(people.status == Status.CLASSIC)
        firm = model.orgs.firm_rows(people.employer[classic])
        headcount = np.bincount(firm, minlength=len(firms)).astype(np.float64)
        excess = np.maximum(0.0, headcount - whole_jobs - self.part_time_jobs(whole_jobs))
        p_layoff = np.divide(
            excess * rule.layoff_speed, headcount, out=np.zeros_like(headcount), where=headcount > 0
        )
        p_layoff = np.where(model.circles.keeps_staff(excess), 0.0, p_layoff)
        p = p_layoff[firm] + rule.quit_rate
        permanent_ess = np.flatnonzero((people.status == Status.ESS) & (people.contract_end < 0))
        leaving = np.concatenate(
            [
                classic[model.streams.labour_market.random(classic.size) < p],
                permanent_ess[
                    model.streams.labour_market.random(permanent_ess.size) < rule.quit_rate
                ],
            ]
        )
        self.to_seeking(np.sort(leaving))

    def part_time_jobs(self, whole_jobs: np.ndarray) -> np.ndarray:
        """One extra (part-time) job where a firm fills its fractional need alone."""
        firms = self.model.firms
        pooled = (firms.ge != NO_ORG) & self.model.spec.mechanisms.shared_employment.enabled
        fills = firms.fills_alone & ~pooled & (firms.demand - whole_jobs > 0.5)
        return fills.astype(np.float64)

    def close_firms(self, rows: np.ndarray) -> None:
        """Firms close: their cash is liquidated, their employees seek work.

        The GE and GEIQ workers they host come back.
        """
        model = self.model
        if rows.size == 0:
            return
        model.firms.alive[rows] = False
        model.firm_accounts.liquidate(rows)
        orgs = model.firms.org[rows]
        people = model.people
        self.to_seeking(np.flatnonzero(np.isin(people.employer, orgs)))
        hosted = np.flatnonzero(
            np.isin(people.host, orgs) & is_in(people.status, (Status.GE, Status.GEIQ))
        )
        people.host[hosted] = NO_ORG
        for org in orgs:
            model.network.remove(int(org))

    # -- filling posts --------------------------------------------------------------------------

    def open_jobs(self) -> np.ndarray:
        """Each firm's job target less its own staff (may be negative).

        The job target is its whole jobs and a part-time job it fills alone.
        """
        model = self.model
        firms, people = model.firms, model.people
        whole_jobs, _ = firms.jobs_target()
        classic = people.status == Status.CLASSIC
        headcount = np.bincount(
            model.orgs.firm_rows(people.employer[classic]), minlength=len(firms)
        )
        return (whole_jobs + self.part_time_jobs(whole_jobs)) - headcount

    def hosted_trainees(self) -> np.ndarray:
        """GEIQ trainees each firm hosts: each fills the skilled vacancy it was taken for."""
        model = self.model
        people = model.people
        trainees = np.flatnonzero((people.status == Status.GEIQ) & (people.host != NO_ORG))
        rows = model.orgs.firm_rows(people.host[trainees])
        return np.bincount(rows[rows >= 0], minlength=len(model.firms)).astype(np.float64)

    def firm_openings(self) -> list[Openings]:
        """Openings of the classic firms below their job target, after internalisations.

        The GEIQ trainees they host count in.
        """
        model = self.model
        firms = model.firms
        rule = model.spec.firms
        gap = self.open_jobs() - self.hosted_trainees()
        gap = np.where(firms.alive, np.maximum(gap, 0.0), 0.0)
        gap = self.internalise(gap)
        vacancies = model.stochastic_round(gap * rule.hiring_speed, model.streams.labour_market)
        per_sector = np.bincount(firms.sector, weights=vacancies, minlength=len(model.spec.sectors))
        self.sector_openings += qualifications.MONTH_WEIGHT * (per_sector - self.sector_openings)
        rows = np.flatnonzero(vacancies > 0)
        sectors = model.spec.sectors
        return [
            Openings(
                int(firms.org[r]),
                Status.CLASSIC,
                int(vacancies[r]),
                1.0,
                sectors[int(firms.sector[r])].skill_requirement,
                int(firms.sector[r]),
            )
            for r in rows
        ]

    def internalise(self, gap: np.ndarray) -> np.ndarray:
        """A member firm with an open job whose value beats the wage hires the GE worker it hosts.

        That is an internalised post.
        """
        model = self.model
        rule = model.spec.mechanisms.shared_employment
        if not rule.enabled:
            return gap
        people = model.people
        lent = np.flatnonzero((people.status == Status.GE) & (people.host != NO_ORG))
        if lent.size == 0:
            return gap
        host_row = model.orgs.firm_rows(people.host[lent])
        wage = model.spec.finance.wage_cost_eur_per_fte_month
        pays = model.firms.value_per_fte(model.spec)[host_row] >= wage
        candidates = lent[
            (gap[host_row] >= 1.0)
            & pays
            & (model.streams.shared_employment.random(lent.size) < rule.internalisation_rate)
        ]
        if candidates.size == 0:
            return gap
        # at most one internalisation per firm and month
        _, first = np.unique(people.host[candidates], return_index=True)
        chosen = candidates[np.sort(first)]
        gap = gap.copy()
        gap[model.orgs.firm_rows(people.host[chosen])] -= 1.0
        hosts = people.host[chosen].copy()
        model.network.succeed_pairs(people.employer[chosen], hosts, weight=2.0)
        self.hire_into_firm(chosen, hosts, mechanism="internalised_posts")
        return gap

    def match(self, openings: list[Openings]) -> dict[tuple[int, int], int]:
        """Fill openings from the job seekers.

        Returns hires per (organisation id, status column).
        """
        model = self.model
        model.firms.unfilled_skilled *= UNFILLED_MEMORY  # every month, openings or not
        hires = self._match(openings)
        self.skilled.close_month()
        return hires

    def _match(self, openings: list[Openings]) -> dict[tuple[int, int], int]:
        model = self.model
        people = model.people
        if not openings:
            return {}
        spec = model.spec.labour_market
        far = [o for o in openings if o.far_from_work]
        ordinary = [o for o in openings if not o.far_from_work]
        hires: dict[tuple[int, int], int] = {}
        for group, far_pool in ((far, True), (ordinary, False)):
            if not group:
                continue
            posts = _expand(group, len(people))
            seekers = is_in(people.status, (Status.SEEKER, Status.LONG_TERM))
            if far_pool:
                seekers &= (
                    (people.status == Status.LONG_TERM)
                    | (people.employability < FAR_EMPLOYABILITY)
                    | people.plie
                )
                weight = (1.05 - people.employability) * np.where(
                    people.plie, model.network.plie_weight(), 1.0
                )
            else:
                weight = people.employability * people.priority
            candidates = np.flatnonzero(seekers & (weight > 0))
            filled_post, hired_row = self._rounds(
                posts, candidates, weight, far_pool, max(1, round(spec.contacts_per_vacancy))
            )
            if not far_pool:
                hired_row = commuting.take_posts(model, posts, filled_post, hired_row)
            self._apply(posts, filled_post, hired_row, hires)
            if not far_pool:
                self.skilled.record(model, posts, filled_post, hired_row)
        return hires

    def _rounds(
        self,
        posts: dict[str, np.ndarray],
        candidates: np.ndarray,
        weight: np.ndarray,
        far_pool: bool,
        rounds: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        model = self.model
        rng = model.streams.labour_market
        people = model.people
        spec = model.spec.labour_market
        n_posts = posts["org"].size
        open_posts = np.arange(n_posts)
        available = candidates
        filled_post: list[np.ndarray] = []
        hired_row: list[np.ndarray] = []
        for _ in range(rounds):
            k = min(open_posts.size, available.size)
            if k == 0:
                break
            keys = np.log(rng.random(available.size)) / weight[available]
            contacted = (
                available[np.argpartition(-keys, k - 1)[:k]] if k < available.size else available
            )
            contacted = rng.permutation(contacted)[:k]
            trying = rng.permutation(open_posts)[:k]
            if far_pool:
                p = np.full(k, 0.9)
            else:
                gap = (people.skill[contacted] - posts["skill"][trying]) / spec.skill_match_width
                gap = np.clip(gap, -MAX_GAP, MAX_GAP)  # a very narrow width must not overflow
                p = people.employability[contacted] / (1.0 + np.exp(-gap))
                trained = (people.trained_sector[contacted] == posts["sector"][trying]) & (
                    posts["sector"][trying] != NO_SECTOR
                )
                p = np.where(trained, p * (1.0 + model.training.planning_bonus()), p)
                p = p * qualifications.hire_factor(
                    model, contacted, posts["skill"][trying], posts["sector"][trying]
                )
            p = p * model.housing.acceptance(contacted)  # young people without housing
            ok = rng.random(k) < np.clip(p, 0.0, 1.0)
            filled_post.append(trying[ok])
            hired_row.append(contacted[ok])
            open_posts = np.setdiff1d(open_posts, trying[ok], assume_unique=True)
            available = np.setdiff1d(available, contacted[ok], assume_unique=True)
        if not filled_post:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(filled_post), np.concatenate(hired_row)

    def _apply(
        self,
        posts: dict[str, np.ndarray],
        filled: np.ndarray,
        rows: np.ndarray,
        hires: dict[tuple[int, int], int],
    ) -> None:
        model = self.model
        people = model.people
        now = model.month_index
        order = np.argsort(rows)
        filled, rows = filled[order], rows[order]
        recent = (now - people.exit_month[rows] <= FOLLOW_MONTHS) & (people.exit_kind[rows] >= 0)
        for kind_index, kind in enumerate(EXIT_KINDS):
            count = int(np.count_nonzero(recent & (people.exit_kind[rows] == kind_index)))
            if count:
                model.tally.count(f"{kind}_exits_to_work", count)
        people.exit_kind[rows] = -1
        for status in np.unique(posts["status"][filled]):
            # in-commuters arrive already in their post (see commuting.take_posts)
            sel = (posts["status"][filled] == status) & people.resident[rows]
            chosen, post = rows[sel], filled[sel]
            months = posts["months"][post]
            people.move(
                chosen,
                Status(int(status)),
                now,
                employer=posts["org"][post],
                fte=posts["fte"][post],
                contract_end=np.where(months > 0, now + months, -1),
            )
        people.priority[rows] = 1.0
        people.plie[rows] = False
        # hires per (employer, status column); ESS posts with a fixed term are the HOLDER column
        column = posts["status"][filled].astype(np.int64)
        column[(column == Status.ESS) & (posts["months"][filled] > 0)] = HOLDER
        keys, counts = np.unique(
            np.stack([posts["org"][filled], column]), axis=1, return_counts=True
        )
        for (org, col), count in zip(keys.T.tolist(), counts.tolist(), strict=True):
            hires[(org, col)] = hires.get((org, col), 0) + count


def _expand(openings: list[Openings], most: int) -> dict[str, np.ndarray]:
    """One row per post of ``openings``.

    An employer opens at most ``most`` posts (the persons of the territory): more could never be
    filled.
    """
    counts = np.array([min(o.count, most) for o in openings], dtype=np.int64)  # no overflow

    def col(attr: str, dtype: type) -> np.ndarray:
        return np.repeat(np.array([getattr(o, attr) for o in openings], dtype=dtype), counts)

    return {
        "org": col("org", np.int32),
        "status": col("status", np.int8),
        "fte": col("fte", np.float64),
        "skill": col("skill_requirement", np.float64),
        "sector": col("sector", np.int16),
        "months": col("contract_months", np.int32),
    }
