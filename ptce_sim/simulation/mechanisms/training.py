"""Training: courses for job seekers, hours sold to firms, and territorial skills planning (GPEC).

Job seekers ask for a course at a monthly rate; the training centre admits as many as the training
budgets pay for. A course lasts ``course_months``; at its end the trainee's skill rises with the
hours followed, their employability rises, and they seek work again. Firms buy hours for their
employees, whose skills rise a little. Under skills planning (run by the animator once it exists),
a course aims at a sector, drawn in proportion to the firms' openings over the past year; a
trainee is then more likely to be hired in that sector (see the labour market's matching).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.agents.persons import NO_SECTOR, Status, is_in

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context

PLANNING_TRUST = 0.25
"""Trust in the pole above which a firm takes part in the skills planning."""


class TrainingMechanism:
    """Courses, firm training and skills planning."""

    def __init__(self, model: Context) -> None:
        self.model = model

    def centre(self) -> Structure | None:
        """The territory's training centre, if one is open."""
        return self.model.pole.first(StructureKind.TRAINING_CENTRE)

    @property
    def on(self) -> bool:
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

    def planning_employers(self) -> int:
        """Employers taking part in the skills planning: open firms trusting the pole enough, as
        many as the animator's team can involve.
        """
        if not self.planning_on():
            return 0
        firms = self.model.firms
        willing = int(np.count_nonzero(firms.alive & (firms.trust >= PLANNING_TRUST)))
        animator = self.model.pole.animator()
        reach = self.model.spec.mechanisms.training.planning_employers_per_animator_fte * float(
            self.model.staff.fte[animator.org, Status.ESS]
        )
        return min(willing, int(reach))

    def step(self) -> None:
        """End courses due this month, then admit new trainees within the budget."""
        self._finish_courses()  # even when training stops, courses under way end
        if self.on:
            self._admit()

    def _admit(self) -> None:
        model = self.model
        rule = model.spec.mechanisms.training
        centre = self.centre()
        people = model.people
        cost = rule.hours_per_month_in_course * rule.price_eur_per_hour
        budget = model.funding.training_seats_budget()
        # free (or nearly free) courses: the budgets do not limit the seats, the persons do
        seats = len(people) if budget >= cost * len(people) else int(budget / cost)
        seats -= model.staff.trainees_of(centre.org)
        if seats <= 0:
            return
        seekers = np.flatnonzero(is_in(people.status, (Status.SEEKER, Status.LONG_TERM)))
        accept = model.housing.acceptance(seekers)  # young people without housing
        asking = seekers[
            model.streams.training.random(seekers.size) < rule.seeker_entry_rate * accept
        ]
        if asking.size > seats:
            asking = np.sort(model.streams.training.choice(asking, size=seats, replace=False))
        if asking.size == 0:
            return
        people.move(
            asking,
            Status.TRAINING,
            model.month_index,
            host=centre.org,
            contract_end=model.month_index + rule.course_months,
        )
        people.trained_sector[asking] = self._course_sectors(asking.size)
        centre.year.contracts_started += int(asking.size)
        model.tally.count("training_courses", int(asking.size))

    def _course_sectors(self, n: int) -> np.ndarray:
        model = self.model
        if not self.planning_on():
            return np.full(n, NO_SECTOR, dtype=np.int16)
        hiring = model.labour.sector_openings  # the sectors that hire, as the planning foresees
        if hiring.sum() <= 0:
            return np.full(n, NO_SECTOR, dtype=np.int16)
        return model.streams.training.choice(len(hiring), size=n, p=hiring / hiring.sum()).astype(
            np.int16
        )

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
        """``hours`` of training for another structure's trainees, paid to the centre by the
        training funds (OPCA, see :meth:`Funding.from_training_funds`); returns their price.
        """
        rule = self.model.spec.mechanisms.training
        cost = hours * rule.price_eur_per_hour
        centre = self.centre()
        if centre is not None and hours > 0:
            centre.sold(hours, cost)
        return cost
