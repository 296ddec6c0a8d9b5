"""The base of every ESS structure: accounts, staff, openings, distress and failure.

:class:`Structure` holds what every kind shares (cash, the year's accounts, staff counts, posts
opened or shed, the monthly settlement, distress and failure); each kind's module overrides
``plan``, ``revenue``, ``end_contracts`` and ``hired`` with its own rule. :class:`Openings` is
what a structure brings to the labour market in a month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

from ptce_sim.config.scenario import StructureKind, StructureSpec
from ptce_sim.simulation.accounts import HOUSEHOLDS, REST_OF_WORLD, Account, Flow
from ptce_sim.simulation.agents.persons import HOLDER, Status

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context


COMMON_INDICATORS = frozenset(
    {"employees", "fte", "cash_eur", "sales_eur", "fees_eur", "public_aid_eur", "costs_eur"}
)
"""Columns of the structures table that every kind fills."""


@dataclass
class Openings:
    """Jobs an employer brings to the labour market this month (all alike)."""

    org: int
    status: Status
    count: int
    fte: float = 1.0
    skill_requirement: float = 0.3
    sector: int = -1
    far_from_work: bool = False
    contract_months: int = 0


@dataclass
class YearAccounts:
    """What a structure did in the current year (reset every January)."""

    sales_eur: float = 0.0
    fees_eur: float = 0.0
    aid_eur: float = 0.0
    costs_eur: float = 0.0
    hours: float = 0.0
    training_hours: float = 0.0
    contracts_started: int = 0
    hires_at_end: int = 0
    fte_months: float = 0.0
    meals: float = 0.0
    activity_turnover_eur: float = 0.0
    course_sales_eur: float = 0.0

    def reset(self) -> None:
        """Start a new year."""
        for f in fields(self):
            setattr(self, f.name, f.default)


class Structure(mesa.Agent):
    """Base of every ESS structure.

    Attributes:
        spec: the structure's definition from the scenario.
        org: organisation id (index into ``model.orgs``).
        cash: cash in euros (may go below zero within the overdraft).
        alive: False once failed.
        year: what it did this year.
        distress_months: consecutive months below its overdraft.
    """

    kind: ClassVar[StructureKind]
    indicators: ClassVar[frozenset[str]] = frozenset(
        {"employees", "fte", "turnover_eur", "permanent_employees", "cash_eur"}
    )
    """Columns of the structures table that apply to this kind (the others stay empty)."""

    def __init__(self, model: Context, spec: StructureSpec) -> None:
        super().__init__(model)
        self.spec = spec
        self.name = spec.name
        self.cash = spec.cash_eur * model.scale
        self.alive = True
        self.created = model.month_index
        self.year = YearAccounts()
        self.month_sales = 0.0
        self.distress_months = 0
        self.openings: list[Openings] = []
        self.monthly_costs = 0.0
        self.org = model.orgs.register(self)
        model.ledger.transfer(REST_OF_WORLD, self.org, self.cash, Flow.ENDOWMENT)

    @property
    def account(self) -> int:
        """Its account in the books: its own, under its organisation id."""
        return self.org

    # -- shared helpers -------------------------------------------------------------------------

    @property
    def kind_name(self) -> str:
        """The kind as written in scenario files and tables."""
        return str(self.kind)

    def staff(self, status: int = Status.ESS) -> int:
        """Persons it employs in this status (``HOLDER``: project holders), as last counted."""
        return int(self.model.staff.counts[self.org, status])

    def staff_fte(self, status: int = Status.ESS) -> float:
        """FTE it employs in this status, as last counted."""
        return float(self.model.staff.fte[self.org, status])

    def staff_rows(self, status: Status) -> np.ndarray:
        """Rows of the persons it employs in this status."""
        people = self.model.people
        return np.flatnonzero((people.employer == self.org) & (people.status == status))

    def healthy(self) -> bool:
        """Whether its cash allows it to grow."""
        return self.cash >= 0.0

    def adjust_permanent(self, wanted_fte: float) -> None:
        """Aim for the permanent staff (in FTE) its activity needs, at least its founding staff.

        The founding staff scales with the run's ``scale``; below one full post it is one person
        part-time, so that a small-scale run keeps each structure's economics.
        """
        total = max(self.spec.permanent_staff * self.model.scale, wanted_fte)
        if total <= 0:
            self.adjust(Status.ESS, 0)
            return
        count = max(1, math.ceil(total - 1e-9))
        self.adjust(Status.ESS, count, fte=total / count)

    def adjust(
        self,
        status: Status,
        target: int,
        *,
        fte: float = 1.0,
        skill: float = 0.35,
        far: bool = False,
        contract_months: int = 0,
    ) -> None:
        """Open posts up to ``target`` (when healthy) or shed staff above it."""
        current = self.staff(status)
        if self.cash < -0.5 * self.overdraft() and current > 0:
            target = min(target, current - 1)  # in difficulty: shed one post a month
        if target > current and (self.healthy() or current == 0):
            self.openings.append(
                Openings(self.org, status, target - current, fte, skill, -1, far, contract_months)
            )
        elif target < current and not contract_months:
            self.model.labour.release(self.staff_rows(status), target)

    def wages(self) -> float:
        """Monthly wage bill of its staff (project holders are paid from their own turnover)."""
        finance = self.model.spec.finance
        regular = self.staff_fte(Status.ESS) + self.staff_fte(Status.GE)
        return (
            regular * finance.wage_cost_eur_per_fte_month
            + self.staff_fte(Status.INSERTION) * finance.insertion_wage_cost_eur_per_fte_month
            + self.staff_fte(Status.GEIQ) * finance.work_study_wage_cost_eur_per_fte_month
        )

    # -- the monthly cycle ----------------------------------------------------------------------

    def end_contracts(self, rows: np.ndarray) -> None:
        """Persons whose fixed-term contract with it ends this month (default: back to seeking)."""
        self.model.labour.to_seeking(rows)

    def plan(self) -> None:
        """Set this month's openings; shed staff it cannot keep."""
        self.openings = []

    def revenue(self) -> tuple[float, float, float]:
        """This month's (sales, member fees, public aid) in euros."""
        return 0.0, 0.0, 0.0

    def settle(self) -> None:
        """Monthly accounts: revenue in, wages and overheads out; then check for distress."""
        sales, fees, aid = self.revenue()
        self.month_sales = sales
        wages = self.wages()
        overheads = wages * self.model.spec.finance.overhead_share
        overheads -= self.model.site.overhead_saving(self.org)  # premises on the shared site
        costs = wages + overheads + self.extra_costs()
        aid += self.model.funding.operating_grant(self, sales + fees + aid - costs)
        self.monthly_costs = costs
        self.cash += sales + fees + aid - costs
        ledger = self.model.ledger  # the aid, and what payers booked, by those who paid it
        for payer, amount, flow in self.payers(sales - self.booked_sales, fees - self.booked_fees):
            ledger.transfer(payer, self.org, amount, flow)
        self.booked_sales = self.booked_fees = 0.0
        ledger.transfer(self.org, HOUSEHOLDS, wages, Flow.WAGES)
        ledger.transfer(self.org, REST_OF_WORLD, costs - wages, Flow.PURCHASES)
        self.year.sales_eur += sales
        self.year.fees_eur += fees
        self.year.aid_eur += aid
        self.year.costs_eur += costs
        self.year.fte_months += float(self.model.staff.fte[self.org, :HOLDER].sum())

    def payers(self, sales: float, fees: float) -> list[tuple[Account, float, Flow]]:
        """Who pays this month's sales and member fees: (account, euros, kind of flow) each.

        By default customers outside the territory's books; the employer groups bill their
        member firms.
        """
        return [(REST_OF_WORLD, sales, Flow.SALES), (REST_OF_WORLD, fees, Flow.MEMBER_FEES)]

    booked_sales = 0.0
    booked_fees = 0.0
    """Parts of this month's sales and fees (from :meth:`revenue`) that their payers have
    already booked into its account (the OPCA, the animator's members); the settlement books the
    rest from the rest of the world."""

    contract_status: ClassVar[int | None] = None
    """The status column (or ``HOLDER``) whose hires count as its ``contracts_started``."""

    def hired(self, column: int, count: int) -> None:
        """Persons it has just hired through the labour market, by status column."""
        if column == self.contract_status:
            self.year.contracts_started += count

    def extra_costs(self) -> float:
        """Kind-specific costs besides wages and overheads (e.g. training bought)."""
        return 0.0

    def overdraft(self) -> float:
        """How far below zero its cash may go before it is in distress."""
        return self.model.spec.finance.overdraft_months * self.monthly_costs

    def check_distress(self) -> bool:
        """Count months in distress; True when it must fail."""
        if self.cash < -self.overdraft():
            self.distress_months += 1
        else:
            self.distress_months = 0
        return self.distress_months > self.model.spec.finance.failure_grace_months

    def turnover(self) -> float:
        """Turnover of the year so far (sales and member billing)."""
        return self.year.sales_eur

    def row(self, employees: int, project_holders: int) -> dict[str, float | int | str | None]:
        """Its line of the structures table for the year (``None`` where not applicable).

        Args:
            employees: distinct persons it employed over the year.
            project_holders: distinct project holders it hosted over the year.
        """
        values: dict[str, float | int | None] = {
            "employees": employees,
            "fte": self.year.fte_months / 12.0,
            "member_firms": self.member_count(),
            "hours": self.year.hours,
            "turnover_eur": self.turnover(),
            "contracts_started": self.year.contracts_started,
            "training_hours": self.year.training_hours,
            "project_holders": project_holders,
            "insertion_employees": self.staff(Status.INSERTION),
            "permanent_employees": self.staff(Status.ESS),
            "cash_eur": self.cash,
            "sales_eur": self.year.sales_eur,
            "fees_eur": self.year.fees_eur,
            "public_aid_eur": self.year.aid_eur,
            "costs_eur": self.year.costs_eur,
            "meals_per_day": self.year.meals / 12.0 / 21.0,
            "employers_involved": self.employers_involved(),
        }
        applicable = self.indicators | COMMON_INDICATORS
        return {k: (v if k in applicable else None) for k, v in values.items()}

    def member_count(self) -> int:
        """Member firms (employer groups only)."""
        return 0

    def employers_involved(self) -> int:
        """Employers taking part in its skills planning (the animator only)."""
        return 0

    def fail(self) -> None:
        """Close: staff back to seeking, members released, out of the pole."""
        people = self.model.people
        rows = np.flatnonzero(people.employer == self.org)
        self.model.labour.to_seeking(rows)
        self.alive = False
        self.model.pole.failed(self)
