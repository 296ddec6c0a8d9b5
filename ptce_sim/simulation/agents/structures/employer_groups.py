"""Employer groups: the GE and the GEIQ.

The GE pools members' part-time needs into shared jobs; the GEIQ hires people far from work on
work-study contracts and lends them to members that need skilled staff.

Both bill their member firms (the hours lent to each host, and a member fee from every member):
the money leaves each firm's cash (``model.firm_accounts.charge``) and comes into the group from
the firms' account of the books.
"""

from __future__ import annotations

import numpy as np

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.accounts import FIRMS, Account, Flow
from ptce_sim.simulation.agents.persons import NO_ORG, Status
from ptce_sim.simulation.agents.structures.base import Openings, Structure

NEED_SMOOTHING = 1 / 12
"""Weight of the current month in a GE's smoothed pooled need."""
SKILLED_SHORTAGE = 0.15
"""A firm's smoothed count of unfilled skilled posts above which it wants a GEIQ trainee."""


def bill_members(
    group: EmployerGroup | Geiq, working_share: float, billing: float, fee_per_year: float
) -> tuple[float, float, float]:
    """Bill each host the hours lent to it and each member its fee.

    Returns (hours lent, sales, fees), all charged to the member firms.

    Args:
        group: the GE or GEIQ.
        working_share: share of its workers' time lent (the rest: training).
        billing: price of an hour lent.
        fee_per_year: the member fee.
    """
    model = group.model
    rows = group.staff_rows(Status(group.contract_status))
    hosts = model.orgs.firm_rows(model.people.host[rows])
    lent = hosts >= 0
    hours = model.people.fte[rows[lent]] * model.hours_per_month * working_share
    sales = model.firm_accounts.charge(hosts[lent], hours * billing)
    fees = model.firm_accounts.charge(group.members(), fee_per_year / 12.0)
    return float(hours.sum()), sales, fees


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
        """Its member firms."""
        return int(self.members().size)

    def pooled_need_fte(self) -> float:
        """Members' contracted part-time needs, that it turns into shared jobs."""
        return float(self.model.firms.ge_need[self.members()].sum())

    def plan(self) -> None:
        """Permanent staff for its workers, and GE workers for its members' smoothed pooled need."""
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
        """New GE workers go to members in proportion to their contracted part-time need."""
        return self.model.firms.ge_need[members] + 1e-3

    def hired(self, column: int, count: int) -> None:
        """New shared jobs (GE workers hired through the labour market)."""
        super().hired(column, count)
        if column == Status.GE:
            self.model.tally.count("ge_hires", count)

    def revenue(self) -> tuple[float, float, float]:
        """The hours its workers worked at their hosts, billed to them, and the member fees."""
        rule = self.model.spec.mechanisms.shared_employment
        hours, sales, fees = bill_members(
            self, 1.0, rule.billing_eur_per_hour, rule.member_fee_eur_per_year
        )
        self.year.hours += hours
        return sales, fees, 0.0

    def payers(self, sales: float, fees: float) -> list[tuple[Account, float, Flow]]:
        """Its member firms pay the hours lent and the fees."""
        return [(FIRMS, sales, Flow.SALES), (FIRMS, fees, Flow.MEMBER_FEES)]

    def turnover(self) -> float:
        """Hours billed and member fees of the year so far."""
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
        """Its member firms."""
        return int(self.members().size)

    def plan(self) -> None:
        """Permanent staff for its trainees; when healthy, openings for new work-study contracts."""
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
        """Trainees each member asks for.

        One per skilled post it cannot fill (counting from ``SKILLED_SHORTAGE``), up to the trainees
        its tutor can follow (``geiq.trainees_per_member``), less the trainees it already hosts.
        """
        firms = self.model.firms
        members = self.members()
        hosts = self.model.people.host[self.staff_rows(Status.GEIQ)]
        hosted = np.bincount(
            self.model.orgs.firm_rows(hosts[hosts != NO_ORG]), minlength=len(firms)
        )[members]
        posts = np.floor(firms.unfilled_skilled[members] + 1.0 - SKILLED_SHORTAGE)
        tutored = self.model.spec.mechanisms.geiq.trainees_per_member
        wanted = np.minimum(posts, tutored) - hosted
        return np.maximum(wanted, 0.0)

    def host_weights(self, members: np.ndarray) -> np.ndarray:
        """New trainees go to members that asked for one."""
        return self.trainees_wanted() + 1e-3

    def revenue(self) -> tuple[float, float, float]:
        """Its trainees' working hours at their hosts, billed to them, and the member fees.

        Their training hours are due to the training centres.
        """
        rule = self.model.spec.mechanisms.geiq
        hours = self.staff_fte(Status.GEIQ) * self.model.hours_per_month
        self.training_hours_due = hours * rule.training_share
        self.year.training_hours += self.training_hours_due
        lent, sales, fees = bill_members(
            self, 1.0 - rule.training_share, rule.billing_eur_per_hour, rule.member_fee_eur_per_year
        )
        self.year.hours += lent
        return sales, fees, 0.0

    def payers(self, sales: float, fees: float) -> list[tuple[Account, float, Flow]]:
        """Its member firms pay the hours lent and the fees."""
        return [(FIRMS, sales, Flow.SALES), (FIRMS, fees, Flow.MEMBER_FEES)]

    def extra_costs(self) -> float:
        """Training hours of its trainees, given by the training centre.

        They are paid by the sector's training funds (OPCA), so they cost the GEIQ nothing.
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
        """At the end of the contract, the host hires its trainee or the trainee seeks work.

        Either way the trainee holds the qualification of the host's trade. The host hires its
        trainee when the post is still wanted (an open job once the trainee leaves) and its value
        beats the wage, with a probability that grows with the skill gained; the others seek work,
        better skilled and qualified.
        """
        rule = self.model.spec.mechanisms.geiq
        model = self.model
        people, firms = model.people, model.firms
        host_rows = model.orgs.firm_rows(people.host[rows])
        valid = host_rows >= 0
        wanted = np.zeros(rows.size, dtype=bool)
        hosts = host_rows[valid]
        wanted[valid] = (
            firms.alive[hosts]
            & (model.labour.open_jobs()[hosts] >= 1.0)
            & (
                firms.value_per_fte(model.spec)[hosts]
                >= model.spec.finance.wage_cost_eur_per_fte_month
            )
        )
        people.qualification[rows[valid]] = firms.sector[hosts]  # the contract's qualification
        p = rule.hire_base_probability * (0.5 + people.skill[rows]) * wanted
        hired = model.streams.geiq.random(rows.size) < np.clip(p, 0.0, 1.0)
        hires = rows[hired]
        model.labour.hire_into_firm(hires, people.host[hires], mechanism="geiq_hires")
        model.network.succeed(self.org, people.host[hires], weight=3.0)
        self.year.hires_at_end += int(hires.size)
        model.labour.to_seeking(rows[~hired], exit_kind="geiq")
