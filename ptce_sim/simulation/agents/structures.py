"""ESS structures: one class per kind, each with its own rule.

Every structure is a Mesa agent with cash, sales, public aid, member fees, costs and staff, and
fails when its cash stays below its overdraft for too long. Each month the model calls, in order:

1. :meth:`Structure.end_contracts` for its persons whose fixed-term contract ends this month;
2. :meth:`Structure.plan`, which sets the openings it brings to the labour market and sheds staff
   it cannot keep;
3. (the labour market fills openings, see :mod:`ptce_sim.simulation.mechanisms.labour_market`);
4. :meth:`Structure.settle`, its monthly accounts (sales, fees, aid, wages, overheads).

A structure's size is never set: it follows from its market, its members' needs, its funding and
its cash, under its kind's rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

from ptce_sim.simulation.agents.persons import HOLDER, NO_ORG, Status
from ptce_sim.config.scenario import StructureKind, StructureSpec

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel


NEED_SMOOTHING = 1 / 12
"""Weight of the current month in a GE's smoothed pooled need."""
SKILLED_SHORTAGE = 0.15
"""A firm's smoothed count of unfilled skilled posts above which it wants a GEIQ trainee."""


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
    employees: int = 0
    project_holders: int = 0

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

    def __init__(self, model: PtceModel, spec: StructureSpec) -> None:
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
        self.org = model.register_org(self)

    # -- shared helpers -------------------------------------------------------------------------

    @property
    def kind_name(self) -> str:
        """The kind as written in scenario files and tables."""
        return str(self.kind)

    def staff(self, status: int = Status.ESS) -> int:
        """Persons it employs in this status (``HOLDER``: project holders), as last counted."""
        return int(self.model.status_counts[self.org, status])

    def staff_fte(self, status: int = Status.ESS) -> float:
        """FTE it employs in this status, as last counted."""
        return float(self.model.status_fte[self.org, status])

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
        costs = self.wages() * (1.0 + self.model.spec.finance.overhead_share) + self.extra_costs()
        aid += self.model.funding.operating_grant(self, sales + fees + aid - costs)
        self.monthly_costs = costs
        self.cash += sales + fees + aid - costs
        self.year.sales_eur += sales
        self.year.fees_eur += fees
        self.year.aid_eur += aid
        self.year.costs_eur += costs
        self.year.fte_months += float(self.model.status_fte[self.org, :HOLDER].sum())

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

    def row(self) -> dict[str, float | int | str | None]:
        """Its line of the structures table for the year (``None`` where not applicable)."""
        values: dict[str, float | int | None] = {
            "employees": self.year.employees,
            "fte": self.year.fte_months / 12.0,
            "member_firms": self.member_count(),
            "hours": self.year.hours,
            "turnover_eur": self.turnover(),
            "contracts_started": self.year.contracts_started,
            "training_hours": self.year.training_hours,
            "project_holders": self.year.project_holders,
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
        applicable = self.indicators | {
            "employees",
            "fte",
            "cash_eur",
            "sales_eur",
            "fees_eur",
            "public_aid_eur",
            "costs_eur",
        }
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
        self.model.structure_failed(self)


class MarketStructure(Structure):
    """A structure that sells goods or services on a market that grows with the territory and trust."""

    kind = StructureKind.ESS_ENTERPRISE

    def market_base_jobs(self) -> float:
        """Jobs whose number drives its market."""
        return float(self.model.employed)

    def market_eur_month(self) -> float:
        """Demand for what it sells this month, in euros."""
        trust = self.model.network.reputation(self.org) if self.model.cooperation_on else 0.0
        per_job = self.spec.market_eur_per_job_per_year / 12.0
        return (
            per_job * self.market_base_jobs() * (1.0 + self.spec.market_growth_with_trust * trust)
        )

    def production_fte(self) -> float:
        """FTE its market can keep busy."""
        return self.market_eur_month() / max(self.spec.sales_eur_per_fte_month, 1.0)

    def plan(self) -> None:
        super().plan()
        self.adjust_permanent(self.production_fte())

    def revenue(self) -> tuple[float, float, float]:
        capacity = self.staff(Status.ESS) * self.spec.sales_eur_per_fte_month
        return min(self.market_eur_month(), capacity), 0.0, 0.0

    def extra_costs(self) -> float:
        """Purchases (food, materials) in proportion to this month's sales."""
        return self.spec.purchases_share * self.month_sales


class EssEnterprise(MarketStructure):
    """Any other ESS enterprise (association, SCOP, SCIC) living from its market."""

    kind = StructureKind.ESS_ENTERPRISE


class WorkIntegrationEnterprise(MarketStructure):
    """EI: fixed-term insertion posts, financed by sales and by aid per post."""

    kind = StructureKind.WORK_INTEGRATION
    contract_status = Status.INSERTION
    indicators = MarketStructure.indicators | {"insertion_employees", "contracts_started", "hours"}

    def plan(self) -> None:
        self.openings = []
        rule = self.model.spec.mechanisms.work_integration
        production = self.production_fte()
        if not rule.enabled:
            self.adjust_permanent(production * (1 - self.spec.insertion_share))
            return
        insertion = production * self.spec.insertion_share / max(rule.insertion_productivity, 0.05)
        if not self.model.funding.insertion_aid_available():
            insertion = min(insertion, self.staff(Status.INSERTION))
        self.adjust_permanent(production * (1 - self.spec.insertion_share))
        self.adjust(Status.INSERTION, round(insertion), far=True, contract_months=rule.post_months)

    def revenue(self) -> tuple[float, float, float]:
        rule = self.model.spec.mechanisms.work_integration
        output = (
            self.staff(Status.ESS) + rule.insertion_productivity * self.staff(Status.INSERTION)
        ) * self.spec.sales_eur_per_fte_month
        aid = self.model.funding.insertion_aid(self, self.staff(Status.INSERTION))
        self.year.hours += self.staff(Status.INSERTION) * self.model.hours_per_month
        return min(self.market_eur_month(), output), 0.0, aid

    def end_contracts(self, rows: np.ndarray) -> None:
        """Insertion posts end: the leavers seek work with the employability they gained."""
        self.model.labour.to_seeking(rows, exit_kind="insertion")


class IntegrationRestaurant(WorkIntegrationEnterprise):
    """Inter-company integration restaurant: its market is the pole's workforce at lunch."""

    kind = StructureKind.INTEGRATION_RESTAURANT
    indicators = WorkIntegrationEnterprise.indicators | {"meals_per_day"}
    meal_price_eur = 6.5

    def market_base_jobs(self) -> float:
        return self.model.pole_jobs() + 0.25 * float(self.model.employed)

    def revenue(self) -> tuple[float, float, float]:
        sales, fees, aid = super().revenue()
        self.year.meals += sales / self.meal_price_eur
        return sales, fees, aid


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
            self.model.count_mechanism("ge_hires", count)

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
        new = self.model.stochastic_round(rule.recruitment_rate * self.trainees_wanted().sum())
        if new:
            self.openings.append(
                Openings(self.org, Status.GEIQ, new, 1.0, 0.0, -1, True, rule.contract_months)
            )

    def trainees_wanted(self) -> np.ndarray:
        """Trainees each member asks for: one per skilled post it cannot fill (counting from
        ``SKILLED_SHORTAGE``), less the trainees it already hosts."""
        firms = self.model.firms
        members = self.members()
        hosts = self.model.people.host[self.staff_rows(Status.GEIQ)]
        hosted = np.bincount(self.model.firm_row_of(hosts[hosts != NO_ORG]), minlength=len(firms))[
            members
        ]
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
        self.model.count_mechanism("geiq_contracts", count)

    def end_contracts(self, rows: np.ndarray) -> None:
        """At the end of the contract, the member firm hires its trainee with a probability that
        grows with the skill gained and the firm's demand; the others seek work, better skilled.
        """
        rule = self.model.spec.mechanisms.geiq
        model = self.model
        people, firms = model.people, model.firms
        host_rows = model.firm_row_of(people.host[rows])
        valid = host_rows >= 0
        open_host = np.zeros(rows.size, dtype=bool)
        open_host[valid] = firms.alive[host_rows[valid]]
        demand = np.zeros(rows.size)
        demand[valid] = np.minimum(1.0, firms.unfilled_skilled[host_rows[valid]] + 0.5)
        p = rule.hire_base_probability * (0.5 + people.skill[rows]) * demand * open_host
        hired = model.rng.random(rows.size) < np.clip(p, 0.0, 1.0)
        hires = rows[hired]
        model.labour.hire_into_firm(hires, people.host[hires], mechanism="geiq_hires")
        model.network.succeed(self.org, people.host[hires], weight=3.0)
        self.year.hires_at_end += int(hires.size)
        model.labour.to_seeking(rows[~hired], exit_kind="geiq")


class ActivityCooperative(Structure):
    """CAE / incubator: project holders test an activity as salaried members; some create one."""

    kind = StructureKind.ACTIVITY_COOPERATIVE
    contract_status = HOLDER
    indicators = Structure.indicators | {"project_holders", "contracts_started"}

    def plan(self) -> None:
        self.openings = []
        rule = self.model.spec.mechanisms.incubation
        holders = self.staff(HOLDER)
        self.adjust_permanent(holders * self.spec.staff_per_output)
        if not rule.enabled:
            return
        room = max(0, round(self.spec.capacity * self.model.scale) - holders)
        seekers = int(self.model.status_counts_total[[Status.SEEKER, Status.LONG_TERM]].sum())
        projects = min(room, int(self.model.rng.binomial(seekers, rule.intake_rate)))
        if projects:
            self.openings.append(
                Openings(self.org, Status.ESS, projects, 1.0, 0.35, -1, False, rule.test_months)
            )

    def revenue(self) -> tuple[float, float, float]:
        rule = self.model.spec.mechanisms.incubation
        holders = self.staff(HOLDER)
        holders_turnover = holders * rule.holder_turnover_eur_per_month
        self.year.activity_turnover_eur += holders_turnover
        aid = self.model.funding.incubation_aid(self, holders)
        return rule.contribution_share * holders_turnover, 0.0, aid

    def turnover(self) -> float:
        return self.year.activity_turnover_eur

    def end_contracts(self, rows: np.ndarray) -> None:
        """The test ends: a successful holder creates a micro firm or, sometimes, an ESS structure."""
        rule = self.model.spec.mechanisms.incubation
        model = self.model
        p = rule.activity_success * (0.5 + model.people.skill[rows])
        success = model.rng.random(rows.size) < np.clip(p, 0.0, 1.0)
        as_ess = success & (model.rng.random(rows.size) < rule.ess_structure_share)
        for row_uid in model.people.uid[rows[as_ess]]:
            model.incubate_ess_structure(int(row_uid), founder=self)
        model.incubate_firms(rows[success & ~as_ess])
        model.labour.to_seeking(rows[~success], exit_kind="incubation")


class TrainingCentre(Structure):
    """Training centre: sells hours to firms, job seekers (publicly funded) and the GEIQ."""

    kind = StructureKind.TRAINING_CENTRE
    indicators = Structure.indicators | {"training_hours", "hours", "contracts_started"}

    def turnover(self) -> float:
        """Hours sold to firms, the GEIQ and (paid by training budgets) to job seekers."""
        return self.year.sales_eur + self.year.course_sales_eur

    def plan(self) -> None:
        self.openings = []
        hours = self.hours_rate
        self.adjust_permanent(hours / 1000.0 * self.spec.staff_per_output)

    def revenue(self) -> tuple[float, float, float]:
        rule = self.model.spec.mechanisms.training
        model = self.model
        course_hours = self.model.trainees_of(self.org) * rule.hours_per_month_in_course
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
        self.bought_eur = 0.0
        return sales, 0.0, paid

    bought_eur = 0.0
    bought_hours = 0.0
    hours_rate = 0.0
    """Hours sold per month, smoothed: what its team is sized for."""

    def sold(self, hours: float, eur: float) -> None:
        """Hours bought by another structure (the GEIQ): counted as its sales next settlement."""
        self.year.training_hours += hours
        self.year.hours += hours
        self.bought_eur += eur
        self.bought_hours += hours


class Animator(Structure):
    """CBE: runs the pole (network, PLIE, skills planning), receives requests, launches tools."""

    kind = StructureKind.ANIMATOR
    indicators = Structure.indicators | {"employers_involved", "member_firms"}

    def __init__(self, model: PtceModel, spec: StructureSpec) -> None:
        super().__init__(model, spec)
        self.pending_requests = 0
        self.launched = 0

    def plan(self) -> None:
        self.openings = []
        followed = int(np.count_nonzero(self.model.people.plie))
        grants = (
            self.model.funding.expected_animation_grant()
            + self.model.funding.plie_aid_rate(followed)
            + self.member_fees()
        )
        wanted = (
            grants
            / self.model.spec.finance.wage_cost_eur_per_fte_month
            / (1 + self.model.spec.finance.overhead_share)
        )
        self.adjust_permanent(wanted)
        self.run_plie()
        self.launch_tools()

    def run_plie(self) -> None:
        """Follow long-term job seekers, up to its caseload (``capacity`` persons per staff)."""
        if not self.model.cooperation_on or not self.model.spec.mechanisms.cooperation.plie:
            return
        people = self.model.people
        team = max(self.staff_fte(Status.ESS), self.spec.permanent_staff * self.model.scale)
        caseload = int(self.spec.capacity * team)
        followed = int(np.count_nonzero(people.plie))
        candidates = np.flatnonzero((people.status == Status.LONG_TERM) & ~people.plie)
        room = max(0, caseload - followed)
        if room and candidates.size:
            chosen = self.model.rng.choice(
                candidates, size=min(room, candidates.size), replace=False
            )
            people.plie[chosen] = True

    def launch_tools(self) -> None:
        """Turn accumulated project requests into a new structure of the pole, when funded."""
        rule = self.model.spec.mechanisms.cooperation
        cost = rule.launch_cost_eur * self.model.scale
        needed = max(1, round(rule.requests_per_launch * self.model.scale))
        if not self.model.cooperation_on or self.pending_requests < needed:
            return
        if self.cash < cost:
            return
        self.pending_requests -= needed
        self.launched += 1
        spec = StructureSpec(
            name=f"Pole project {self.launched} ({self.model.year})",
            kind=StructureKind.ESS_ENTERPRISE,
            cash_eur=0.0,
            permanent_staff=1,
            market_eur_per_job_per_year=rule.launched_market_eur_per_job_per_year,
        )
        structure = self.model.create_structure(spec, founders=[self.name])
        self.cash -= cost
        structure.cash += cost
        self.model.count_mechanism("launched_structures", 1)

    def revenue(self) -> tuple[float, float, float]:
        followed = int(np.count_nonzero(self.model.people.plie))
        funding = self.model.funding
        return 0.0, self.member_fees(), funding.animation_grant(self) + funding.plie_aid(followed)

    def member_fees(self) -> float:
        """Monthly contributions of the pole's members (organisations in its network)."""
        if not self.model.cooperation_on:
            return 0.0
        members = max(0, self.model.network.graph.number_of_nodes() - 1)
        return members * self.model.spec.mechanisms.cooperation.member_fee_eur_per_year / 12.0

    def employers_involved(self) -> int:
        """Firms taking part in the territorial skills planning (GPEC)."""
        return self.model.training.planning_employers()

    def member_count(self) -> int:
        return int(np.count_nonzero(self.model.firms.charter))


STRUCTURE_CLASSES: dict[StructureKind, type[Structure]] = {
    cls.kind: cls
    for cls in (
        EssEnterprise,
        WorkIntegrationEnterprise,
        IntegrationRestaurant,
        EmployerGroup,
        Geiq,
        ActivityCooperative,
        TrainingCentre,
        Animator,
    )
}
"""The class that implements each kind's rule."""


def make_structure(model: PtceModel, spec: StructureSpec) -> Structure:
    """Create the structure of the right class for ``spec.kind``."""
    return STRUCTURE_CLASSES[spec.kind](model, spec)


__all__ = [
    "NO_ORG",
    "STRUCTURE_CLASSES",
    "ActivityCooperative",
    "Animator",
    "EmployerGroup",
    "EssEnterprise",
    "Geiq",
    "IntegrationRestaurant",
    "Openings",
    "Structure",
    "TrainingCentre",
    "WorkIntegrationEnterprise",
    "make_structure",
]
