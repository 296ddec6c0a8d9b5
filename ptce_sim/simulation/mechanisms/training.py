"""Training: courses for job seekers, hours sold to firms, and territorial skills planning (GPEC).

Job seekers ask for a course at a monthly rate; the training centre admits as many as the training
budgets pay for. A course lasts ``course_months``; at its end the trainee's skill rises with the
hours followed, their employability rises, and they seek work again. Firms buy hours for their
employees, whose skills rise a little. Under skills planning (run by the animator once it
exists, see :mod:`~ptce_sim.simulation.mechanisms.gpec`), a course aims at a sector the
employers declared needs in, the centre invites job seekers to such courses, and a trainee is
then more likely to be hired in that sector (see the labour market's matching).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.agents.persons import NO_SECTOR, Status, is_in

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context


class TrainingMechanism:
    """Courses, firm training and skills planning."""

    def __init__(self, model: Context) -> None:
        self.model = model

    def centre(self) -> Structure | None:
        """The territory's training centre, if one is open."""
        return self.model.pole.first(StructureKind.TRAINING_CENTRE)

    @property
    def on(self) -> bool:
        """Whether training runs: enabled, with a training centre open."""
        return self.model.spec.mechanisms.training.enabled and self.centre() is not None

    def planning_on(self) -> bool:
        """Skills planning runs when enabled and an animator exists to run it."""
        rule = self.model.spec.mechanisms.training
        return self.on and rule.skills_planning and self.model.pole.animator() is not None

    def planning_bonus(self) -> float:
        """Extra chance of hiring a trainee whose course aimed at the post's sector."""
        return (
            self.model.spec.mechanisms.training.planning_match_bonus if self.planning_on() else 0.0
        )

    def step(self) -> None:
        """End courses due this month, then admit new trainees within the budget."""
        self._finish_courses()  # even when training stops, courses under way end
        self.model.gpec.declare()
        if self.on:
            self._admit()

    def free_seats(self) -> int:
        """Seats of the centre the training budgets pay for this month, less those taken."""
        model = self.model
        rule = model.spec.mechanisms.training
        cost = rule.hours_per_month_in_course * rule.price_eur_per_hour
        budget = model.funding.training_seats_budget()
        people = model.people
        # free (or nearly free) courses: the budgets do not limit the seats, the persons do
        seats = len(people) if budget >= cost * len(people) else int(budget / cost)
        return max(0, seats - model.staff.trainees_of(self.centre().org))

    def _admit(self) -> None:
        model = self.model
        rule = model.spec.mechanisms.training
        people = model.people
        seats = self.free_seats()
        if seats <= 0:
            return
        seekers = np.flatnonzero(is_in(people.status, (Status.SEEKER, Status.LONG_TERM)))
        accept = model.housing.acceptance(seekers)  # young people without housing
        asking = seekers[
            model.streams.training.random(seekers.size) < rule.seeker_entry_rate * accept
        ]
        invited, aims = model.gpec.invite(np.setdiff1d(seekers, asking, assume_unique=True))
        if asking.size > seats:
            asking = np.sort(model.streams.training.choice(asking, size=seats, replace=False))
        invited, aims = invited[: seats - asking.size], aims[: seats - asking.size]
        self.enrol(asking)
        self.enrol(invited, aims)

    def enrol(self, rows: np.ndarray, sectors: np.ndarray | None = None) -> np.ndarray:
        """Job seekers ``rows`` start a course, as many as the centre has free seats for.

        The first ones enter; ``sectors``: the sectors their courses aim at (by default drawn by
        the skills planning). Returns the rows enrolled.
        """
        if rows.size == 0 or not self.on:
            return rows[:0]
        rows = rows[: self.free_seats()]
        if rows.size == 0:
            return rows
        model = self.model
        rule = model.spec.mechanisms.training
        centre = self.centre()
        model.people.move(
            rows,
            Status.TRAINING,
            model.month_index,
            host=centre.org,
            contract_end=model.month_index + rule.course_months,
        )
        aims = self._course_sectors(rows.size) if sectors is None else sectors[: rows.size]
        model.people.trained_sector[rows] = aims
        centre.year.contracts_started += int(rows.size)
        model.tally.count("training_courses", int(rows.size))
        return rows

    def _course_sectors(self, n: int) -> np.ndarray:
        if not self.planning_on():
            return np.full(n, NO_SECTOR, dtype=np.int16)
        return self.model.gpec.course_sectors(n)

    def _finish_courses(self) -> None:
        model = self.model
        rule = model.spec.mechanisms.training
        people = model.people
        done = np.flatnonzero(
            (people.status == Status.TRAINING) & (people.contract_end <= model.month_index)
        )
        if done.size == 0:
            return
        hours = rule.course_months * rule.hours_per_month_in_course
        people.skill[done] = np.minimum(
            1.0, people.skill[done] + rule.skill_gain_per_100_hours * hours / 100
        )
        model.gpec.qualify(done)
        people.employability[done] = np.minimum(
            1.0, people.employability[done] + rule.employability_gain_per_course
        )
        model.labour.to_seeking(done, exit_kind="training")

    def firm_hours(self) -> float:
        """Hours firms buy this month; their employees' skills rise accordingly."""
        if not self.on:
            return 0.0
        model = self.model
        rule = model.spec.mechanisms.training
        people = model.people
        employed = np.flatnonzero(people.status == Status.CLASSIC)
        if employed.size == 0:
            return 0.0
        firm_row = model.orgs.firm_rows(people.employer[employed])
        intensity = np.where(model.firms.trust[firm_row] > 0, 1.0, 0.3)
        hours = rule.firm_hours_per_employee_per_year / 12.0 * intensity
        people.skill[employed] = np.minimum(
            1.0, people.skill[employed] + rule.skill_gain_per_100_hours * hours / 100
        )
        return float(hours.sum())

    def sell_hours(self, hours: float) -> float:
        """``hours`` of training for another structure's trainees; returns their price.

        They are paid to the centre by the training funds (OPCA, see
        :meth:`Funding.from_training_funds`).
        """
        rule = self.model.spec.mechanisms.training
        cost = hours * rule.price_eur_per_hour
        centre = self.centre()
        if centre is not None and hours > 0:
            centre.sold(hours, cost)
        return cost
