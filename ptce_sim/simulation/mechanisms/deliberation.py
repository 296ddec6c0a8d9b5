"""The CBE's deliberation: its four colleges decide which of the territory's projects launch.

Requests reach the animator from member firms with a need no tool meets (by sector), from
structures in difficulty (:meth:`CooperationNetwork.requests`), from the long-term job seekers its
PLIE cannot follow (one request a year per ``seekers_per_request`` of them) and from the funders of
its animation (``authority_requests_per_year`` each). Every ``requests_per_launch × scale``
requests of one origin (and, for firms, one sector) make a :class:`Project`, whose attributes come
from its origin (``deliberation.origins``: jobs, job quality, social utility), the market the
pole's new structures sell in (``cooperation.launched_market``: the sector it competes with, its
displacement) and the public cost it asks (``cooperation.launch_cost_eur``).

A project waits for the colleges' next meeting (``meetings_per_year``, spread over the year),
whose agenda holds at most ``projects_per_meeting`` projects (requests beyond wait as requests).
There each college votes by its interests (:func:`votes`): the local authorities for a public
cost per job within ``max_public_cost_per_job_eur``; the employers when the project answers a need
of their sectors at least as much as it competes with them; the unions for job quality of at least
``min_job_quality``; civil society for social utility of at least ``min_social_utility``. The
statutes' rule (:func:`decide`): accepted when the weights of the colleges for it exceed
``required_share``. The vote draws nothing: the same project in the same state gets the same
decision. Preparing and holding the deliberation costs the animator ``hours_per_project`` of its
staff's time per project, paid as wages. An accepted project launches when the animator has its
public cost in cash (the existing launch flow); one still unfunded a year after its acceptance
lapses.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.config.scenario import DeliberationSpec, StructureKind, StructureSpec
from ptce_sim.simulation.accounts import HOUSEHOLDS, Flow
from ptce_sim.simulation.agents.persons import Status

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context

ORIGINS = ("firms", "structures", "seekers", "authorities")
"""Who brings a project to the CBE."""
FUNDING_WAIT_MONTHS = 12
"""Months an accepted project waits for the animator's cash before it lapses. ASSUMPTION."""


@dataclass(frozen=True)
class Project:
    """A project put to the colleges.

    Attributes:
        origin: who brought it (one of :data:`ORIGINS`).
        sector: the sector whose firms' need it answers (-1: none).
        market: the market the structure it would open sells in.
        competes_with: the sector of that market's classic firms (-1: none).
        displacement: the share of its sales taken from them.
        jobs: jobs it expects at full scale.
        public_cost_eur: public money it asks, at full scale.
        job_quality, social_utility: in [0, 1].
        submitted: the month it was formed.
    """

    origin: str
    sector: int
    market: str | None
    competes_with: int
    displacement: float
    jobs: int
    public_cost_eur: float
    job_quality: float
    social_utility: float
    submitted: int


def votes(project: Project, rule: DeliberationSpec, employer_sectors: set[int]) -> dict[str, bool]:
    """Each college's vote on a project, by its interests."""
    need = 1.0 if project.sector in employer_sectors else 0.0
    competition = project.displacement if project.competes_with in employer_sectors else 0.0
    return {
        "authorities": project.public_cost_eur / project.jobs <= rule.max_public_cost_per_job_eur,
        "employers": need >= competition,
        "unions": project.job_quality >= rule.min_job_quality,
        "civil_society": project.social_utility >= rule.min_social_utility,
    }


def decide(project: Project, rule: DeliberationSpec, employer_sectors: set[int]) -> bool:
    """The statutes' rule: accepted when the weights of the colleges for it exceed the share."""
    ballot = votes(project, rule, employer_sectors)
    weight = sum(c.weight for c in rule.colleges if ballot[c.name])
    return weight > rule.required_share + 1e-12


def open_project(
    model: Context, founder: Structure, project: Project, name: str, cost: float
) -> Structure:
    """A project opens as a structure of the pole, ``founder`` on its board paying ``cost``.

    Its staff and market are the project's; the set-up moves from the founder's cash to its own
    (flow ``launch``).
    """
    spec = StructureSpec(
        name=name,
        kind=StructureKind.ESS_ENTERPRISE,
        cash_eur=0.0,
        permanent_staff=project.jobs,
        market=project.market,
    )
    structure = model.pole.create(spec, founders=[founder.name])
    founder.cash -= cost
    structure.cash += cost
    model.ledger.transfer(founder.org, structure.org, cost, Flow.LAUNCH)
    return structure


class Deliberation:
    """Requests, the colleges' agenda, their decisions and the launches that follow.

    Attributes:
        pending: requests not yet bundled into a project, by (origin, sector).
        agenda: projects waiting for the next meeting.
        accepted: accepted projects waiting for the animator's cash.
        decisions: (month, project, accepted) of every decision, in order.
        counts: per calendar year, projects deliberated, accepted, refused and lapsed.
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.pending: dict[tuple[str, int], float] = defaultdict(float)
        self.agenda: list[Project] = []
        self.accepted: list[tuple[int, Project]] = []
        self.decisions: list[tuple[int, Project, bool]] = []
        self.counts: dict[int, Counter] = defaultdict(Counter)
        self.launched = 0

    def receive(self, origin: str, count: float, sector: int = -1) -> None:
        """Requests of an origin (firms: of a sector) reach the animator."""
        if count:
            self.pending[(origin, sector)] += count

    def step(self, animator: Structure) -> None:
        """The animator's month of deliberation.

        Requests of job seekers and funders arrive, projects form, the colleges meet when the
        month has a meeting, and accepted projects launch within the animator's cash.
        """
        model = self.model
        if not model.cooperation_on:
            return
        self._seekers_and_funders()
        self._form_projects()
        if model.month_of_year in self.meeting_months():
            self._meet(animator)
        self._launch(animator)

    def meeting_months(self) -> set[int]:
        """Calendar months of the colleges' meetings, spread over the year."""
        n = self.model.spec.deliberation.meetings_per_year
        return {1 + (12 * k) // n for k in range(n)}

    def _seekers_and_funders(self) -> None:
        model = self.model
        rule = model.spec.deliberation
        people = model.people
        unfollowed = np.count_nonzero((people.status == Status.LONG_TERM) & ~people.plie)
        self.receive("seekers", unfollowed / rule.seekers_per_request / 12.0)
        funders = sum(
            1 for a in model.authorities if a.active and a.spec.animation_grant_eur_per_year > 0
        )
        self.receive("authorities", funders * rule.authority_requests_per_year * model.scale / 12)

    def _form_projects(self) -> None:
        """Every ``requests_per_launch × scale`` requests of one origin and sector: a project.

        The agenda holds at most ``deliberation.projects_per_meeting`` projects: requests beyond
        stay pending for a later agenda (without the bound, a lever pushed to its extreme, or
        distressed structures asking for new ones, could open thousands of structures at once).
        """
        model = self.model
        needed = model.spec.mechanisms.cooperation.requests_per_launch * model.scale
        room = model.spec.deliberation.projects_per_meeting
        for key in sorted(self.pending):
            while self.pending[key] >= needed and len(self.agenda) < room:
                self.pending[key] -= needed
                self.agenda.append(self.project(*key))

    def project(self, origin: str, sector: int = -1) -> Project:
        """The project an origin brings, as the colleges would see it now."""
        spec = self.model.spec
        template = getattr(spec.deliberation.origins, origin)
        cooperation = spec.mechanisms.cooperation
        market = next((m for m in spec.markets if m.name == cooperation.launched_market), None)
        names = [s.name for s in spec.sectors]
        return Project(
            origin=origin,
            sector=sector,
            market=cooperation.launched_market,
            competes_with=names.index(market.sector) if market is not None else -1,
            displacement=market.displacement if market is not None else 0.0,
            jobs=template.jobs,
            public_cost_eur=cooperation.launch_cost_eur,
            job_quality=template.job_quality,
            social_utility=template.social_utility,
            submitted=self.model.month_index,
        )

    def employer_sectors(self) -> set[int]:
        """Sectors of the employers' college (all when the scenario names none)."""
        spec = self.model.spec
        names = [s.name for s in spec.sectors]
        chosen = spec.deliberation.employer_sectors or names
        return {names.index(n) for n in chosen}

    def _meet(self, animator: Structure) -> None:
        """The colleges deliberate on the agenda; the animator's hours are paid as wages."""
        model = self.model
        if not self.agenda:
            return
        rule = model.spec.deliberation
        sectors = self.employer_sectors()
        year = self.counts[model.year]
        for project in self.agenda:
            accepted = decide(project, rule, sectors)
            self.decisions.append((model.month_index, project, accepted))
            year["deliberated"] += 1
            year["accepted" if accepted else "refused"] += 1
            if accepted:
                self.accepted.append((model.month_index, project))
        hourly = model.spec.finance.wage_cost_eur_per_fte_month / model.hours_per_month
        cost = len(self.agenda) * rule.hours_per_project * hourly * model.scale
        animator.cash -= cost
        animator.year.costs_eur += cost
        model.ledger.transfer(animator.org, HOUSEHOLDS, cost, Flow.DELIBERATION)
        self.agenda = []

    def _launch(self, animator: Structure) -> None:
        """Accepted projects open, in order, while the animator can fund them; old ones lapse."""
        model = self.model
        waiting = []
        for month, project in self.accepted:
            cost = project.public_cost_eur * model.scale
            if not waiting and animator.cash >= cost:
                self.open(animator, project, cost)
            elif model.month_index - month >= FUNDING_WAIT_MONTHS:
                self.counts[model.year]["lapsed"] += 1
            else:
                waiting.append((month, project))
        self.accepted = waiting

    def open(self, animator: Structure, project: Project, cost: float) -> Structure:
        """An accepted project opens as a structure of the pole, funded by the animator."""
        model = self.model
        self.launched += 1
        name = f"Pole project {self.launched} ({model.year})"
        structure = open_project(model, animator, project, name, cost)
        model.tally.count("launched_structures", 1)
        return structure

    def year_counts(self, year: int) -> dict[str, int]:
        """Projects deliberated, accepted, refused and lapsed in a calendar year."""
        counts = self.counts.get(year, Counter())
        return {k: int(counts[k]) for k in ("deliberated", "accepted", "refused", "lapsed")}
