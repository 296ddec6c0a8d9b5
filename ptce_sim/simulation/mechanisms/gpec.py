"""Territorial skills planning (GPEC): employers declare their needs, courses are aimed at them.

While skills planning runs (an animator runs it with the training centre, see
:meth:`TrainingMechanism.planning_on`), every January (the first month it runs, and every month
while no employer takes part: the animator asks again) each open firm weighs taking part for the
next ``horizon_months`` and takes part when ``trust × gain > cost``, its trust in the pole
weighing what the pole promises (:meth:`SkillsPlanning.balance`; a firm that does not trust the
pole at all does not take part):

* its needs: the posts its employees' retirements will free (employees within the horizon of the
  retirement age), its growth (whole jobs it needs above its staff) and the skilled posts it
  cannot fill (its smoothed count of unfilled skilled posts);
* gain: the centre trains for ``invitations_share`` of the declared needs ahead of time, so each
  of those posts is filled a course's length (``course_months``) sooner, each month worth the
  firm's value per FTE above the wage;
* cost: the hours its manager spends declaring and in the planning's meetings
  (``hours_per_employer_per_year`` over the horizon) at the wage cost of an hour.

How many employers take part thus follows from their needs, margins and trust, not from a
capacity nor from a threshold. The planning turns their declared needs into a territorial
forecast: each sector's declared needs are scaled up by the sector's staff over the declaring
employers' staff (ASSUMPTION: the employers taking part speak for their sector; a sector none of
them is in is not forecast).

The training centre aims its courses at the declared needs ahead of time: a course's sector is
drawn in proportion to the needs, and the centre invites job seekers to courses for
``invitations_share`` of the needs, spread over the horizon (within its free seats). A course
aimed at a sector ends with the trainee's skill at least that sector's requirement and its trade's
qualification (the course is designed with the sector's employers: ASSUMPTION), and the trainee is
more likely to be hired in that sector (``planning_match_bonus``, in the labour market's
matching). The labour market counts
the skilled posts filled by a person qualified in the post's trade
(``skilled_hires_at_requirement``): the sectors' skill requirements met; a skilled post waits
longer for want of one (:mod:`~ptce_sim.simulation.mechanisms.qualifications`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import Status

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context


class SkillsPlanning:
    """The employers taking part and their declared needs.

    Attributes:
        employers: firm rows taking part in the last declaration.
        needs: posts per sector declared for the horizon (persons).
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.employers = np.zeros(0, dtype=np.int64)
        self.needs = np.zeros(len(model.spec.sectors))

    def declare(self) -> None:
        """Every January (and while nobody takes part), the employers it pays off for declare."""
        model = self.model
        if not self.on:
            self.employers = np.zeros(0, dtype=np.int64)
            self.needs = np.zeros(len(model.spec.sectors))
            return
        if self.employers.size and model.month_of_year != 1:
            return
        firms = model.firms
        needs, headcount = self.firms_needs()
        gain, cost = self.balance(needs)
        self.employers = np.flatnonzero(firms.alive & (firms.trust * gain > cost))
        sectors = len(model.spec.sectors)
        alive = np.flatnonzero(firms.alive)
        staff = np.bincount(firms.sector[alive], weights=headcount[alive], minlength=sectors)
        sampled = np.bincount(
            firms.sector[self.employers], weights=headcount[self.employers], minlength=sectors
        )
        coverage = np.divide(staff, sampled, out=np.zeros(sectors), where=sampled > 0)
        self.needs = coverage * np.bincount(
            firms.sector[self.employers], weights=needs[self.employers], minlength=sectors
        )

    def firms_needs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every firm's needs over the horizon (retirements, growth, unfilled skilled posts).

        Returns:
            ``(needs, headcount)`` per firm row, in persons.
        """
        model = self.model
        firms, people = model.firms, model.people
        horizon = model.spec.mechanisms.gpec.horizon_months / 12.0
        retiring_age = model.spec.territory.retirement_age - horizon
        classic = np.flatnonzero(people.status == Status.CLASSIC)
        rows = model.orgs.firm_rows(people.employer[classic])
        retiring = np.bincount(
            rows[people.age[classic] >= retiring_age], minlength=len(firms)
        ).astype(np.float64)
        headcount = np.bincount(rows, minlength=len(firms)).astype(np.float64)
        whole_jobs, _ = firms.jobs_target()
        growth = np.maximum(0.0, whole_jobs - headcount)
        return retiring + growth + firms.unfilled_skilled, headcount

    def balance(self, needs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What taking part would bring each firm and what it would cost it, over the horizon.

        Args:
            needs: each firm's needs over the horizon (persons).

        Returns:
            ``(gain, cost)`` per firm row, in euros.
        """
        model = self.model
        rule = model.spec.mechanisms.gpec
        wage = model.spec.finance.wage_cost_eur_per_fte_month
        sooner = model.spec.mechanisms.training.course_months
        gain = rule.invitations_share * needs * model.firms.margin_per_fte(model.spec) * sooner
        hours = rule.hours_per_employer_per_year * rule.horizon_months / 12.0
        cost = np.full(needs.size, hours * wage / model.hours_per_month)
        return gain, cost

    @property
    def on(self) -> bool:
        """Skills planning runs and its employers declare their needs."""
        model = self.model
        return model.spec.mechanisms.gpec.enabled and model.training.planning_on()

    def total_needs(self) -> float:
        """Posts declared for the horizon, all sectors."""
        return float(self.needs.sum())

    def course_sectors(self, n: int) -> np.ndarray:
        """Sectors ``n`` courses aim at, drawn in proportion to the declared needs.

        When nobody declared any, in proportion to the sectors' recent openings.
        """
        model = self.model
        weights = self.needs if self.needs.sum() > 0 else model.labour.sector_openings
        if weights.sum() <= 0:
            return np.full(n, -1, dtype=np.int16)
        return model.streams.training.choice(
            len(weights), size=n, p=weights / weights.sum()
        ).astype(np.int16)

    def invite(self, seekers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Job seekers the centre invites this month to courses aimed at the declared needs.

        Returns:
            The rows invited and each course's sector (none while skills planning does not run).
        """
        model = self.model
        none = (seekers[:0], np.zeros(0, dtype=np.int16))
        if not self.on or self.needs.sum() <= 0 or seekers.size == 0:
            return none
        rule = model.spec.mechanisms.gpec
        rng = model.streams.training
        per_sector = model.stochastic_round(
            rule.invitations_share * self.needs / rule.horizon_months, rng
        )
        total = min(int(per_sector.sum()), seekers.size)
        if total == 0:
            return none
        rows = np.sort(rng.choice(seekers, size=total, replace=False))
        aims = np.repeat(np.arange(self.needs.size), per_sector)[:total]
        return rows, rng.permutation(aims).astype(np.int16)

    def qualify(self, rows: np.ndarray) -> None:
        """Trainees ``rows`` end their course.

        One aimed at a sector brings their skill up to that sector's requirement and qualifies
        them in its trade (the course was designed with its employers).
        """
        people = self.model.people
        aimed = rows[people.trained_sector[rows] >= 0]
        if aimed.size == 0 or not self.on:
            return
        requirement = np.array([s.skill_requirement for s in self.model.spec.sectors])
        wanted = requirement[people.trained_sector[aimed]]
        people.skill[aimed] = np.maximum(people.skill[aimed], wanted)
        people.qualification[aimed] = people.trained_sector[aimed]
