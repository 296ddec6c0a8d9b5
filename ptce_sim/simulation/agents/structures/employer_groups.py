"""Employer groups: the GE pools members' part-time needs into shared jobs; the GEIQ hires people
far from work on work-study contracts and lends them to members that need skilled staff.
"""

from __future__ import annotations

import numpy as np

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.agents.persons import NO_ORG, Status
from ptce_sim.simulation.agents.structures.base import Openings, Structure

NEED_SMOOTHING = 1 / 12
"""Weight of the current month in a GE's smoothed pooled need."""
SKILLED_SHORTAGE = 0.15
"""A firm's smoothed count of unfilled skilled posts above which it wants a GEIQ trainee."""


class EmployerGroup(Structure):
    """GE: pools the fractional needs of member firms into stable, shared jobs."""

    kind = StructureKind.EMPLOYER_GROUP
    contract_status = Status.GE
    indicators = Structure.indicators | {"member_firms", "hours", "contracts_started"}

    def members(self) -> np.ndarray:
        """Rows of its member firms still open."""
        firms = self.model.firms
        return np.flatnonzero((firms.ge == self.org) & firms.alive)

    def member_count(self) -> int:
        return int(self.members().size)

    def pooled_need_fte(self) -> float:
        """Members' fractional needs that it turns into shared jobs."""
        rule = self.model.spec.mechanisms.shared_employment
        _, fraction = self.model.firms.jobs_target()
        return rule.uptake * float(fraction[self.members()].sum())

    def plan(self) -> None:
        self.openings = []
        rule = self.model.spec.mechanisms.shared_employment
        self.adjust_permanent(self.staff(Status.GE) * self.spec.staff_per_output)
        # the GE plans on its members' need over the past year, so a seasonal dip does not
        # break the stable jobs it exists to create
        self.smoothed_need += NEED_SMOOTHING * (self.pooled_need_fte() - self.smoothed_need)
        target = round(self.smoothed_need / rule.worker_fte) if rule.enabled else 0
        self.adjust(Status.GE, target, fte=rule.worker_fte, skill=0.3)

    smoothed_need = 0.0
    """Members' pooled need (FTE), exponentially smoothed over about a year."""

    def host_weights(self, members: np.ndarray) -> np.ndarray:
        """New GE workers go to members in proportion to their part-time need."""
        _, fraction = self.model.firms.jobs_target()
        return fraction[members] + 1e-3

    def hired(self, column: int, count: int) -> None:
        """New shared jobs (GE workers hired through the labour market)."""
        super().hired(column, count)
        if column == Status.GE:
            self.model.tally.count("ge_hires", count)

    def revenue(self) -> tuple[float, float, float]:
        rule = self.model.spec.mechanisms.shared_employment
        lent = self.staff_fte(Status.GE) * self.model.hours_per_month
        self.year.hours += lent
        fees = self.member_count() * rule.member_fee_eur_per_year / 12.0
        return float(lent * rule.billing_eur_per_hour), fees, 0.0

    def turnover(self) -> float:
        return self.year.sales_eur + self.year.fees_eur


class Geiq(Structure):
    """GEIQ: work-study contracts for people far from work, lent to members, ending in hiring."""

    kind = StructureKind.GEIQ
    contract_status = Status.GEIQ
    indicators = Structure.indicators | {
        "member_firms",
        "hours",
        "contracts_started",
        "training_hours",
    }
    training_hours_due = 0.0

    def members(self) -> np.ndarray:
        """Rows of its member firms still open."""
        firms = self.model.firms
        return np.flatnonzero((firms.geiq == self.org) & firms.alive)

    def member_count(self) -> int:
        return int(self.members().size)

    def plan(self) -> None:
        self.openings = []
        rule = self.model.spec.mechanisms.geiq
        self.adjust_permanent(self.staff(Status.GEIQ) * self.spec.staff_per_output)
        if not rule.enabled or not self.healthy():
            return
        new = self.model.stochastic_round(
            rule.recruitment_rate * self.trainees_wanted().sum(), self.model.streams.geiq
        )
        if new:
            self.openings.append(
                Openings(self.org, Status.GEIQ, new, 1.0, 0.0, -1, True, rule.contract_months)
            )

    def trainees_wanted(self) -> np.ndarray:
        """Trainees each member asks for: one per skilled post it cannot fill (counting from
        ``SKILLED_SHORTAGE``), less the trainees it already hosts.
        """
        firms = self.model.firms
        members = self.members()
        hosts = self.model.people.host[self.staff_rows(Status.GEIQ)]
        hosted = np.bincount(
            self.model.orgs.firm_rows(hosts[hosts != NO_ORG]), minlength=len(firms)
        )[members]
        wanted = np.floor(firms.unfilled_skilled[members] + 1.0 - SKILLED_SHORTAGE) - hosted
        return np.maximum(wanted, 0.0)

    def host_weights(self, members: np.ndarray) -> np.ndarray:
        """New trainees go to members that asked for one."""
        return self.trainees_wanted() + 1e-3

    def revenue(self) -> tuple[float, float, float]:
        rule = self.model.spec.mechanisms.geiq
        hours = self.staff_fte(Status.GEIQ) * self.model.hours_per_month
        lent = hours * (1.0 - rule.training_share)
        self.training_hours_due = hours * rule.training_share
        self.year.hours += lent
        self.year.training_hours += self.training_hours_due
        fees = self.member_count() * rule.member_fee_eur_per_year / 12.0
        return float(lent * rule.billing_eur_per_hour), fees, 0.0

    def extra_costs(self) -> float:
        """Training hours of its trainees: given by the training centre, paid by the sector's
        training funds (OPCA), so they cost the GEIQ nothing.
        """
        rule = self.model.spec.mechanisms.geiq
        self.model.training.sell_hours(self.training_hours_due * rule.local_training_share)
        return 0.0

    def hired(self, column: int, count: int) -> None:
        """Contracts it just started: the State's aid per contract comes in."""
        super().hired(column, count)
        if column != Status.GEIQ:
            return
        aid = self.model.funding.geiq_aid(self, count)
        self.cash += aid
        self.year.aid_eur += aid
        self.model.tally.count("geiq_contracts", count)

    def end_contracts(self, rows: np.ndarray) -> None:
        """At the end of the contract, the member firm hires its trainee with a probability that
        grows with the skill gained and the firm's demand; the others seek work, better skilled.
        """
        rule = self.model.spec.mechanisms.geiq
        model = self.model
        people, firms = model.people, model.firms
        host_rows = model.orgs.firm_rows(people.host[rows])
        valid = host_rows >= 0
        open_host = np.zeros(rows.size, dtype=bool)
        open_host[valid] = firms.alive[host_rows[valid]]
        demand = np.zeros(rows.size)
        demand[valid] = np.minimum(1.0, firms.unfilled_skilled[host_rows[valid]] + 0.5)
        p = rule.hire_base_probability * (0.5 + people.skill[rows]) * demand * open_host
        hired = model.streams.geiq.random(rows.size) < np.clip(p, 0.0, 1.0)
        hires = rows[hired]
        model.labour.hire_into_firm(hires, people.host[hires], mechanism="geiq_hires")
        model.network.succeed(self.org, people.host[hires], weight=3.0)
        self.year.hires_at_end += int(hires.size)
        model.labour.to_seeking(rows[~hired], exit_kind="geiq")
