"""The Mesa model of a territorial economic cooperation pole (PTCE).

:class:`PtceModel` builds the territory from a validated :class:`~ptce_sim.config.scenario.Scenario`
(no file access here) and steps it month by month. One month, in order:

1. the timeline's events due this month (structures created, shocks, funding calls, cuts, policy);
2. demography: ageing, retirements, newcomers to the labour force;
3. the economy: sectors' demand, firms' labour demand, firm exits and entries;
4. separations: quits, and lay-offs where firms have more staff than demand;
5. contract ends (insertion posts, GEIQ contracts, CAE tests), then training courses;
6. openings of firms and structures, internalisation of GE workers, then the matching;
7. hosts for the GE and GEIQ workers just hired; accounts of every structure;
8. the mutualised treasury; failures of structures still in distress;
9. cooperation: trust, firms joining, requests to the animator, the charter;
10. status bookkeeping (long-term unemployment, discouragement, employability drift);
11. in December, the year's indicators.

Randomness comes from ``self.rng`` alone (Mesa's seeded ``numpy.random.Generator``) and the
streams it spawns for the territory and the economy.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ptce_sim.simulation.agents.firms import FirmTable
from ptce_sim.simulation.agents.persons import (
    EMPLOYED,
    ESS_SIDE,
    HOLDER,
    N_STATUS,
    NO_ORG,
    PersonTable,
    Status,
    is_in,
)
from ptce_sim.simulation.agents.structures import Animator, Structure, make_structure
from ptce_sim.simulation.mechanisms.cooperation import CooperationNetwork
from ptce_sim.simulation.mechanisms.economy import Economy
from ptce_sim.simulation.mechanisms.funding import Authority, Funding
from ptce_sim.simulation.mechanisms.labour_market import LabourMarket
from ptce_sim.simulation.mechanisms.training import TrainingMechanism
from ptce_sim.simulation.mechanisms.treasury import Treasury
from ptce_sim.config.scenario import (
    BudgetCutSpec,
    CreateStructureSpec,
    Event,
    FundingCallSpec,
    PlantClosureSpec,
    PolicySwitchSpec,
    Scenario,
    SectorShockSpec,
    StructureKind,
    StructureSpec,
    check_mechanism_path,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class PtceModel(mesa.Model):
    """A territory, its labour force, firms, ESS structures, authorities and their cooperation.

    Args:
        scenario: the validated scenario (see :func:`ptce_sim.config.scenario_io.load_scenario`).
        seed: seed of the model's random generator.

    Attributes:
        spec: the scenario in force (policy events and levers replace it).
        people: every person's state (see :class:`~ptce_sim.simulation.agents.persons.PersonTable`).
        firms: every classic firm's state.
        orgs: every organisation (firm, structure, authority) by organisation id.
        network: the cooperation network.
        treasury: the mutualised treasury.
        history: monthly series (employment, unemployment...) for charts and resilience.
        yearly: the yearly indicators collected each December.
        shocks: (label, kind, month) of every shock applied so far.
    """

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(rng=seed)
        # Streams derived from the one seeded generator: the territory (people, entrants) and the
        # economy (demand noise, firm entry and exit) draw from their own streams, so that two
        # runs with the same seed and different mechanisms (a counterfactual, a dashboard branch)
        # share the same territory and business cycle as long as the mechanisms do not change
        # them: common random numbers that make paired comparisons sharp.
        self.territory_rng, self.economy_rng = self.rng.spawn(2)
        self.spec = scenario
        self.input_spec = scenario  # the scenario as given, before policy events change it
        self.held: dict[str, bool | float | int | str] = {}  # set by a user; the timeline skips
        self.seed = seed
        self.scale = scenario.run.scale
        self.month_index = 0
        self.hours_per_month = scenario.finance.hours_per_fte_year / 12.0
        self.orgs: list = []
        self.people = PersonTable()
        self.firms = FirmTable()
        self.structures: list[Structure] = []
        self.authorities: list[Authority] = []
        self.labour = LabourMarket(self)
        self.economy = Economy(self)
        self.funding = Funding(self)
        self.training = TrainingMechanism(self)
        self.treasury = Treasury(self)
        self.network = CooperationNetwork(self)
        self.public_funding_month = 0.0
        self.mechanism_counts: dict[str, float] = defaultdict(float)
        self.project_requests_year = 0
        self.events_applied: list[tuple[int, str, str]] = []
        self.shocks: list[tuple[str, str, int]] = []
        self.history: dict[str, list[float]] = defaultdict(list)
        self.yearly: list[dict[str, float]] = []
        self.yearly_structures: list[dict] = []
        self.yearly_mechanisms: list[dict[str, float]] = []
        self._year_public = 0.0
        self._year_staff: list[np.ndarray] = []
        self._pending = sorted(scenario.events, key=lambda e: scenario.month_index(e.year, e.month))
        self._labour_force0 = scenario.territory.labour_force * self.scale
        self._build()
        self.running = True

    # -- set-up ---------------------------------------------------------------------------------

    def _build(self) -> None:
        spec = self.spec
        territory = spec.territory
        for authority in spec.authorities:
            self.authorities.append(Authority(self, authority))
        n = max(1, round(territory.labour_force * self.scale))
        shares = territory.age_shares
        group = self.territory_rng.choice(3, size=n, p=[shares.young, shares.adult, shares.senior])
        # young, adult, senior; within the working years when they do not span 26 and 50
        bounds = np.clip(
            [[territory.entry_age, 26.0], [26.0, 50.0], [50.0, territory.retirement_age]],
            territory.entry_age,
            territory.retirement_age,
        )
        age = self.territory_rng.uniform(bounds[group, 0], bounds[group, 1])
        skill = self._draw_skills(n)
        employability = np.clip(self.territory_rng.beta(6, 3, n), 0.05, 1.0)
        status = np.full(n, Status.SEEKER, dtype=np.int8)
        inactive = self.territory_rng.random(n) < territory.initial_inactive_share
        status[inactive] = Status.INACTIVE
        self.people.add(
            self, {"status": status, "age": age, "skill": skill, "employability": employability}
        )
        self._build_firms(n, inactive)
        self._build_other_ess()
        self.status_counts = np.zeros((len(self.orgs), N_STATUS + 1))
        self.status_fte = np.zeros((len(self.orgs), N_STATUS + 1))
        self._count_staff()
        self.network._refresh()

    def _draw_skills(self, n: int) -> np.ndarray:
        territory = self.spec.territory
        m, s = territory.skill_mean, territory.skill_sd
        k = max(m * (1 - m) / s**2 - 1, 0.5)
        a, b = m * k, (1 - m) * k
        if not (a > 0.0 and b > 0.0):  # a mean skill of 0 or 1 (or too close to be told apart)
            return np.full(n, m)
        return self.territory_rng.beta(a, b, n)

    def _build_firms(self, n: int, inactive: np.ndarray) -> None:
        """Firms sized to employ the initially employed persons, who are then placed in them."""
        spec = self.spec
        active = np.flatnonzero(~inactive)
        employed_n = round(active.size * (1 - spec.territory.initial_unemployment_rate))
        jobs = employed_n * spec.firms.jobs_per_employed
        for s, sector in enumerate(spec.sectors):
            target = jobs * sector.job_share
            self.economy.base_jobs[s] = target
            sizes = self.economy.sizes_for(s, target)
            self.firms.add(self, np.full(sizes.size, s, dtype=np.int16), sizes)
        self.economy.index = self.economy.sector_index()
        self.firms.demand = self.firms.base * self.economy.index[self.firms.sector]
        whole, _ = self.firms.jobs_target()
        jobs = whole + self.labour.part_time_jobs(whole)
        slots = np.repeat(np.arange(len(self.firms)), jobs.astype(int))
        self.rng.shuffle(slots)
        order = active[np.argsort(-self.people.employability[active], kind="stable")]
        hired = order[: min(employed_n, slots.size)]
        self.people.move(
            hired, Status.CLASSIC, 0, employer=self.firms.org[slots[: hired.size]], fte=1.0
        )

    def _build_other_ess(self) -> None:
        other = self.spec.other_ess
        for i in range(round(other.count * self.scale)):
            spec = StructureSpec(
                name=f"ESS association {i + 1}",
                kind=StructureKind.ESS_ENTERPRISE,
                permanent_staff=max(1, round(self.rng.exponential(other.staff_mean))),
                market_eur_per_job_per_year=other.market_eur_per_job_per_year
                * self.rng.lognormal(-0.125, 0.5),
                sales_eur_per_fte_month=other.sales_eur_per_fte_month,
                cash_eur=10000.0,
                market_growth_with_trust=0.5,
            )
            structure = make_structure(self, spec)
            structure.in_pole = False
            self.structures.append(structure)
            founders = self.people.in_status(Status.SEEKER)[: spec.permanent_staff]
            self.people.move(founders, Status.ESS, 0, employer=structure.org, fte=1.0)

    def register_org(self, agent: mesa.Agent) -> int:
        """Give an organisation its id (index into :attr:`orgs`)."""
        self.orgs.append(agent)
        return len(self.orgs) - 1

    # -- small queries used by the rules ------------------------------------------------------

    @property
    def year(self) -> int:
        """Calendar year of the current month."""
        return self.spec.run.start_year + self.month_index // 12

    @property
    def month_of_year(self) -> int:
        """Calendar month (1-12) of the current month."""
        return self.month_index % 12 + 1

    @property
    def date_label(self) -> str:
        """The current month, e.g. "March 1987"."""
        return f"{MONTH_NAMES[self.month_of_year - 1]} {self.year}"

    @property
    def cooperation_on(self) -> bool:
        """Whether the cooperation network (trust, charter, PLIE, requests) works."""
        return self.spec.mechanisms.cooperation.enabled

    @property
    def employed(self) -> int:
        """Persons in a job."""
        return int(self.status_counts_total[EMPLOYED].sum())

    @property
    def status_counts_total(self) -> np.ndarray:
        """Persons in each status."""
        return self.people.counts()

    def firm_row_of(self, orgs: np.ndarray) -> np.ndarray:
        """Firm rows of organisation ids (-1 for organisations that are not firms)."""
        lookup = np.full(len(self.orgs) + 1, -1, dtype=np.int64)
        lookup[self.firms.org] = np.arange(len(self.firms))
        return lookup[np.asarray(orgs)]

    def stochastic_round(self, x):
        """Round down or up at random, keeping the expectation (scalar or array)."""
        x = np.asarray(x, dtype=np.float64)
        floor = np.floor(x)
        rounded = floor + (self.rng.random(x.shape) < (x - floor))
        return int(rounded) if rounded.ndim == 0 else rounded.astype(np.int64)

    def labour_force_ratio(self) -> float:
        """Labour force now relative to the start."""
        return len(self.people) / max(self._labour_force0, 1.0)

    def target_labour_force(self) -> float:
        """Labour force the growth periods call for this month."""
        territory = self.spec.territory
        size = self._labour_force0
        start = self.spec.run.start_year
        periods = territory.growth
        for i, period in enumerate(periods):
            begin = max(period.from_year, start)
            end = periods[i + 1].from_year if i + 1 < len(periods) else 10_000
            months = min(self.month_index, 12 * (end - start)) - 12 * (begin - start)
            if months > 0:
                size *= (1 + period.rate_per_year) ** (months / 12)
        return size

    def animator(self) -> Animator | None:
        """The pole's animator (CBE), if created and alive."""
        return self.first_structure(StructureKind.ANIMATOR)

    def first_structure(self, kind: StructureKind) -> Structure | None:
        """The first open structure of a kind."""
        for structure in self.structures:
            if structure.alive and structure.kind == kind:
                return structure
        return None

    def pole_structures(self) -> list[Structure]:
        """Open structures that belong to the pole."""
        return [s for s in self.structures if s.alive and s.in_pole]

    def pole_jobs(self) -> float:
        """Jobs in the pole's member firms and structures."""
        people = self.people
        employed = is_in(people.status, EMPLOYED)
        members = np.zeros(len(self.orgs) + 1, dtype=bool)
        members[list(self.network.graph.nodes)] = True
        return float(np.count_nonzero(employed & members[people.employer]))

    def trainees_of(self, org: int) -> int:
        """Job seekers on a course of this training centre."""
        return int(self.status_counts[org, Status.TRAINING]) if org < len(self.status_counts) else 0

    def plie_weight(self) -> float:
        """Weight of the PLIE's caseload in the recruitment of people far from work."""
        return self.spec.mechanisms.cooperation.plie_priority if self.cooperation_on else 1.0

    def planning_bonus(self) -> float:
        """Extra chance of hiring a trainee whose course aimed at the post's sector."""
        return (
            self.spec.mechanisms.training.planning_match_bonus
            if self.training.planning_on()
            else 0.0
        )

    def count_mechanism(self, name: str, count: float) -> None:
        """Add to this year's count of jobs created or secured by a mechanism."""
        self.mechanism_counts[name] += count

    # -- structures ---------------------------------------------------------------------------------

    def create_structure(self, spec: StructureSpec, founders: Iterable[str] = ()) -> Structure:
        """Open a structure now; it joins the pole with board seats to its founders and the animator."""
        structure = make_structure(self, spec)
        structure.in_pole = True
        self.structures.append(structure)
        self._grow_org_arrays()
        self.network.add_node(structure.org)
        by_name = {s.name: s for s in self.structures if s.alive}
        for name in founders:
            if name in by_name:  # a founder that has failed since no longer sits on boards
                self.network.tie(by_name[name].org, structure.org, "board", trust=0.5)
        animator = self.animator()
        if animator is not None and animator is not structure:
            self.network.tie(animator.org, structure.org, "board", trust=0.5)
        for authority in self.authorities:
            if self._funds(authority, structure):
                self.network.tie(authority.org, structure.org, "funding")
        if self.network.formalised and animator is not None:
            self.network.tie(animator.org, structure.org, "pact")
        return structure

    @staticmethod
    def _funds(authority: Authority, structure: Structure) -> bool:
        spec = authority.spec
        return {
            StructureKind.ANIMATOR: spec.animation_grant_eur_per_year > 0,
            StructureKind.WORK_INTEGRATION: spec.aid_per_insertion_post_eur_per_year > 0,
            StructureKind.INTEGRATION_RESTAURANT: spec.aid_per_insertion_post_eur_per_year > 0,
            StructureKind.TRAINING_CENTRE: spec.training_budget_eur_per_year > 0,
            StructureKind.GEIQ: spec.geiq_aid,
            StructureKind.ACTIVITY_COOPERATIVE: spec.incubation_aid,
        }.get(structure.kind, spec.ess_operating_grant_share > 0)

    def structure_failed(self, structure: Structure) -> None:
        """Bookkeeping when a structure fails."""
        firms = self.firms
        firms.ge[firms.ge == structure.org] = NO_ORG
        firms.geiq[firms.geiq == structure.org] = NO_ORG
        self.network.remove(structure.org)
        self.treasury.write_off(structure.org)
        self.events_applied.append((self.month_index, "failure", structure.name))
        structure.remove()

    def incubate_firms(self, rows: np.ndarray) -> None:
        """Successful project holders open micro firms and work in them."""
        if rows.size == 0:
            return
        follows = np.array([s.follows_population + 1e-3 for s in self.spec.sectors])
        sectors = self.rng.choice(len(follows), size=rows.size, p=follows / follows.sum()).astype(
            np.int16
        )
        new = self.firms.add(
            self, sectors, np.full(rows.size, 1.2), incubated=np.ones(rows.size, dtype=bool)
        )
        np.add.at(self.economy.base_jobs, sectors, 1.2)
        self._grow_org_arrays()
        self.labour.hire_into_firm(rows, self.firms.org[new], mechanism="incubated_activities")

    def incubate_ess_structure(self, uid: int, founder: Structure) -> None:
        """A project holder's activity becomes an ESS structure that joins the pole."""
        self.count_mechanism("incubated_structures", 1)
        spec = StructureSpec(
            name=f"Incubated activity {len(self.structures) + 1} ({self.year})",
            kind=StructureKind.ESS_ENTERPRISE,
            permanent_staff=1,
            cash_eur=5000.0,
            market_eur_per_job_per_year=self.spec.mechanisms.cooperation.launched_market_eur_per_job_per_year,
        )
        structure = self.create_structure(spec, founders=[founder.name])
        row = np.array([self.people.row_of(uid)])
        self.people.move(row, Status.ESS, self.month_index, employer=structure.org, fte=1.0)
        self.people.priority[row] = 1.0
        self.count_mechanism("incubated_activities", 1)

    def _grow_org_arrays(self) -> None:
        extra = len(self.orgs) - self.status_counts.shape[0]
        if extra > 0:
            pad = np.zeros((extra, N_STATUS + 1))
            self.status_counts = np.vstack([self.status_counts, pad])
            self.status_fte = np.vstack([self.status_fte, pad])

    def _count_staff(self) -> None:
        """Per organisation and status, persons and FTE (fixed-term ESS staff counted as holders)."""
        people = self.people
        self._grow_org_arrays()
        rows = np.flatnonzero(people.employer != NO_ORG)
        column = people.status[rows].astype(np.int64)
        column[(column == Status.ESS) & (people.contract_end[rows] >= 0)] = HOLDER
        key = people.employer[rows].astype(np.int64) * (N_STATUS + 1) + column
        size = len(self.orgs) * (N_STATUS + 1)
        self.status_counts = (
            np.bincount(key, minlength=size).reshape(-1, N_STATUS + 1).astype(np.float64)
        )
        self.status_fte = np.bincount(key, weights=people.fte[rows], minlength=size).reshape(
            -1, N_STATUS + 1
        )
        training = np.flatnonzero((people.status == Status.TRAINING) & (people.host != NO_ORG))
        self.status_counts[:, Status.TRAINING] = np.bincount(
            people.host[training], minlength=len(self.orgs)
        )

    # -- events ---------------------------------------------------------------------------------

    def apply_event(self, event: Event) -> None:
        """Apply an event now (from the timeline, or live from the dashboard or a script)."""
        match event:
            case CreateStructureSpec():
                self.create_structure(event.structure, event.founders)
            case SectorShockSpec():
                self.economy.start_shock(event)
                self.shocks.append(
                    (f"{', '.join(event.sectors)} downturn", "sector_shock", self.month_index)
                )
            case PlantClosureSpec():
                self.economy.close_plants(event)
                self.shocks.append(
                    (f"{event.sector} plant closure", "plant_closure", self.month_index)
                )
            case FundingCallSpec():
                self.funding.funding_call(event.authority, event.grant_eur)
            case BudgetCutSpec():
                authority = next(a for a in self.authorities if a.name == event.authority)
                authority.cut(event)
                self.shocks.append(
                    (f"{event.authority} budget cut", "budget_cut", self.month_index)
                )
            case PolicySwitchSpec():
                for path, value in event.set.items():
                    if path not in self.held:  # a user's setting outranks the timeline
                        self.set_parameter(path, value)
                if event.create_solidarity_fund:
                    self.treasury.create_fund()
                if event.formalise_pole:
                    self.network.formalise()
        self.events_applied.append((self.month_index, event.type, event.note or event.type))

    def set_parameter(
        self, path: str, value: bool | float | int | str, *, hold: bool = False
    ) -> None:
        """Change a mechanism parameter (``"treasury.enabled"``) from now on.

        Args:
            path: ``"<mechanism>.<field>"``.
            value: its new value.
            hold: keep it for the rest of the run: the timeline's policy events that would set
                the same parameter later leave it as it is (a trainer's lever, a live demo).

        Raises:
            ValueError: unknown parameter or a value it does not accept.
        """
        check_mechanism_path(self.spec.mechanisms, path, value, "set_parameter")
        if hold:
            self.held[path] = value
        section_name, _, field = path.partition(".")
        section = getattr(self.spec.mechanisms, section_name)
        mechanisms = self.spec.mechanisms.model_copy(
            update={
                section_name: type(section).model_validate({**section.model_dump(), field: value})
            }
        )
        self.spec = self.spec.model_copy(update={"mechanisms": mechanisms})

    def set_funding_level(self, item: str, level: float) -> None:
        """Set every authority's ``item`` (``budget``, ``animation_grant``, ``insertion_aid``,
        ``training_budget``, ``operating_grant``) to ``level`` times the scenario's amount.

        Raises:
            ValueError: unknown item or a negative level.
        """
        from ptce_sim.simulation.mechanisms.funding import ITEMS

        if item not in ITEMS:
            raise ValueError(f"unknown funding item {item!r}; expected one of {list(ITEMS)}")
        if not level >= 0:
            raise ValueError(f"funding level must be >= 0, got {level}")
        for authority in self.authorities:
            if item == "budget":
                authority.left *= level / authority.factor[item] if authority.factor[item] else 0.0
            authority.factor[item] = level

    def _apply_due_events(self) -> None:
        while (
            self._pending
            and self.spec.month_index(self._pending[0].year, self._pending[0].month)
            <= self.month_index
        ):
            self.apply_event(self._pending.pop(0))

    # -- the month ------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance the territory by one month."""
        if self.month_index >= self.spec.months:
            self.running = False
            return
        if self.month_of_year == 1:
            self._new_year()
        self._apply_due_events()
        self._demography()
        self.economy.update_demand()
        self.labour.firm_separations()
        self._count_staff()
        self._end_contracts()
        self.training.step()
        self._count_staff()
        openings = self.labour.firm_openings()
        for structure in [s for s in self.structures if s.alive]:
            structure.plan()
            openings.extend(structure.openings)
        hires = self.labour.match(openings)
        for (org, column), count in hires.items():
            agent = self.orgs[org]
            if isinstance(agent, Structure):
                agent.hired(column, count)
        self._assign_hosts()
        self._count_staff()
        self._settle()
        self._cooperate()
        self._bookkeeping()
        self._record_month()
        self.month_index += 1
        if self.month_of_year == 1:
            self._close_year()
        if self.month_index >= self.spec.months:
            self.running = False

    def _demography(self) -> None:
        territory = self.spec.territory
        people = self.people
        people.age += 1.0 / 12.0
        retiring = np.flatnonzero(people.age >= territory.retirement_age)
        people.remove(retiring, self.month_index)
        missing = self.stochastic_round(max(0.0, self.target_labour_force() - len(people)))
        if missing:
            young = self.territory_rng.random(missing) < 0.6
            age = np.where(
                young,
                territory.entry_age + self.territory_rng.uniform(0, 4, missing),
                self.territory_rng.uniform(max(25.0, territory.entry_age), 50.0, missing),
            )
            years = self.month_index / 12.0
            skill = np.clip(self._draw_skills(missing) + 0.002 * years * young, 0.0, 1.0)
            employability = np.clip(self.territory_rng.beta(5, 3, missing), 0.05, 1.0)
            self.people.add(
                self,
                {
                    "status": np.full(missing, Status.SEEKER, dtype=np.int8),
                    "age": age,
                    "skill": skill,
                    "employability": employability,
                },
            )

    def _end_contracts(self) -> None:
        people = self.people
        ending = np.flatnonzero(
            (people.contract_end >= 0)
            & (people.contract_end <= self.month_index)
            & (people.employer != NO_ORG)
        )
        if ending.size == 0:
            return
        employers = people.employer[ending]
        for org in np.unique(employers):
            agent = self.orgs[int(org)]
            rows = ending[employers == org]
            if isinstance(agent, Structure) and agent.alive:
                agent.end_contracts(rows)
            else:
                self.labour.to_seeking(rows)

    def _assign_hosts(self) -> None:
        """GE workers and GEIQ trainees without a host are lent to members with a need."""
        people, firms = self.people, self.firms
        unhosted = np.flatnonzero(
            is_in(people.status, (Status.GE, Status.GEIQ)) & (people.host == NO_ORG)
        )
        if unhosted.size == 0:
            return
        for org in np.unique(people.employer[unhosted]):
            structure = self.orgs[int(org)]
            rows = unhosted[people.employer[unhosted] == org]
            members = structure.members()
            if members.size == 0:
                continue
            weight = structure.host_weights(members)
            distinct = rows.size <= np.count_nonzero(weight > 0.01)  # one each while they last
            hosts = self.rng.choice(
                members, size=rows.size, replace=not distinct, p=weight / weight.sum()
            )
            people.host[rows] = firms.org[hosts]

    def _settle(self) -> None:
        alive = [s for s in self.structures if s.alive]
        before = {s.org: s.cash for s in alive}
        for structure in alive:
            structure.settle()
        surplus = {s.org: s.cash - before[s.org] for s in alive}
        members = self.pole_structures()
        self.treasury.step(members, surplus)
        for structure in alive:
            if structure.check_distress():
                structure.fail()

    def _cooperate(self) -> None:
        self.network.monthly()
        self.network.firms_join()
        self._other_ess_join()
        self.project_requests_year += self.network.requests()
        self.network.sign_charter()

    def _other_ess_join(self) -> None:
        """Once the pole has an animator, the territory's other ESS structures join it over time."""
        animator = self.animator()
        if animator is None or not self.cooperation_on:
            return
        rate = self.spec.other_ess.join_rate
        for structure in self.structures:
            if structure.alive and not structure.in_pole and self.rng.random() < rate:
                structure.in_pole = True
                self.network.tie(animator.org, structure.org, "member")

    def _bookkeeping(self) -> None:
        people = self.people
        rule = self.spec.labour_market
        now = self.month_index
        long_term = np.flatnonzero(
            (people.status == Status.SEEKER) & (now - people.since >= rule.long_term_months)
        )
        people.move(long_term, Status.LONG_TERM, now)
        unemployed = is_in(people.status, (Status.SEEKER, Status.LONG_TERM))
        discouraged = np.flatnonzero(
            (people.status == Status.LONG_TERM)
            & (self.rng.random(len(people)) < rule.discouragement_rate)
        )
        people.move(discouraged, Status.INACTIVE, now)
        people.plie[discouraged] = False
        back = np.flatnonzero(
            (people.status == Status.INACTIVE) & (self.rng.random(len(people)) < rule.reentry_rate)
        )
        back = back[people.since[back] < now]
        people.move(back, Status.SEEKER, now)
        employed = is_in(people.status, EMPLOYED)
        e = people.employability
        e += np.where(employed, rule.employability_gain_employed * (1 - e), 0.0)
        e -= np.where(unemployed, rule.employability_loss_unemployed * e, 0.0)
        np.clip(e, 0.01, 1.0, out=e)
        geiq = people.status == Status.GEIQ
        if geiq.any():
            g = self.spec.mechanisms.geiq
            people.skill[geiq] = np.minimum(1.0, people.skill[geiq] + g.skill_gain_per_year / 12)
            e[geiq] = np.minimum(1.0, e[geiq] + g.employability_gain_per_year / 12)
        insertion = people.status == Status.INSERTION
        if insertion.any():
            w = self.spec.mechanisms.work_integration
            people.skill[insertion] = np.minimum(
                1.0, people.skill[insertion] + w.skill_gain_per_year / 12
            )
            e[insertion] = np.minimum(1.0, e[insertion] + w.employability_gain_per_year / 12)
        people.skill[employed] = np.minimum(
            1.0, people.skill[employed] + rule.skill_gain_on_job_per_year / 12
        )

    def _record_month(self) -> None:
        counts = self.people.counts()
        employed = float(counts[EMPLOYED].sum())
        unemployed = float(counts[[Status.SEEKER, Status.LONG_TERM]].sum())
        self.history["month"].append(self.month_index)
        self.history["employed"].append(employed)
        self.history["unemployed"].append(unemployed)
        self.history["labour_force"].append(float(len(self.people) - counts[Status.INACTIVE]))
        self.history["ess_jobs"].append(float(counts[ESS_SIDE].sum()))
        self.history["pole_members"].append(float(self.network.graph.number_of_nodes()))
        self.history["persons"].append(float(len(self.people)))
        self._year_public += self.public_funding_month
        self.public_funding_month = 0.0
        people = self.people
        rows = np.flatnonzero(is_in(people.status, ESS_SIDE))
        holder = (people.status[rows] == Status.ESS) & (people.contract_end[rows] >= 0)
        self._year_staff.append(np.stack([people.employer[rows], people.uid[rows], holder]))

    def _new_year(self) -> None:
        for authority in self.authorities:
            authority.new_year()

    def _close_year(self) -> None:
        """Collect the year that has just ended (see :mod:`ptce_sim.simulation.metrics`)."""
        from ptce_sim.simulation.metrics import close_year

        close_year(self)
        self._year_public = 0.0
        self._year_staff = []
        self.mechanism_counts = defaultdict(float)
        self.project_requests_year = 0
        self.treasury.new_year()
        for structure in self.structures:
            structure.year.reset()

    def run(self) -> None:
        """Run to the scenario's end."""
        while self.running:
            self.step()
