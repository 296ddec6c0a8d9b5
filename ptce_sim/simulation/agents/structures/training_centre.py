"""The training centre: sells training hours to firms, job seekers and the GEIQ."""

from __future__ import annotations

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.agents.structures.base import Structure


class TrainingCentre(Structure):
    """Training centre: sells hours to firms, job seekers (publicly funded) and the GEIQ.

    The hours firms buy for their employees and the GEIQ trainees' hours are paid by the OPCA,
    from the firms' training contributions; job seekers' courses by the funders' training
    budgets.
    """

    kind = StructureKind.TRAINING_CENTRE
    indicators = Structure.indicators | {"training_hours", "hours", "contracts_started"}

    def turnover(self) -> float:
        """Hours sold to firms, the GEIQ and (paid by training budgets) to job seekers."""
        return self.year.sales_eur + self.year.course_sales_eur

    def plan(self) -> None:
        """Permanent staff for the hours it gives (a moving average)."""
        self.openings = []
        hours = self.hours_rate
        self.adjust_permanent(hours / 1000.0 * self.spec.staff_per_output)

    def revenue(self) -> tuple[float, float, float]:
        """Sales: firms' training and hours bought (paid by the OPCA); aid: its courses."""
        rule = self.model.spec.mechanisms.training
        model = self.model
        course_hours = self.model.staff.trainees_of(self.org) * rule.hours_per_month_in_course
        paid = model.funding.training_budget(self, course_hours * rule.price_eur_per_hour)
        self.year.course_sales_eur += paid
        firm_hours = model.training.firm_hours()
        self.year.training_hours += course_hours + firm_hours
        self.year.hours += course_hours + firm_hours
        self.hours_rate = 0.9 * self.hours_rate + 0.1 * (
            course_hours + firm_hours + self.bought_hours
        )
        self.bought_hours = 0.0
        sales = firm_hours * rule.price_eur_per_hour + self.bought_eur
        self.booked_sales = model.funding.from_training_funds(sales, self)
        self.bought_eur = 0.0
        return sales, 0.0, paid

    bought_eur = 0.0
    bought_hours = 0.0
    hours_rate = 0.0
    """Hours sold per month, smoothed: what its team is sized for."""

    def sold(self, hours: float, eur: float) -> None:
        """Hours bought for another structure's trainees (the GEIQ's).

        They are paid by the OPCA at its next settlement and counted as its sales.
        """
        self.year.training_hours += hours
        self.year.hours += hours
        self.bought_eur += eur
        self.bought_hours += hours
