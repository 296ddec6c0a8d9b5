"""The territory's ESS structures and what happens to them as a whole.

:class:`Pole` owns every ESS structure (in the pole or not) and the actions that concern them:
opening one (with its board and funding ties), closing one that fails, turning a successful
project holder's activity into a firm or a structure, lending the employer groups' workers to
their members, and the month's accounts. Structures reach it as ``model.pole``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.agentset import AgentSet

from ptce_sim.config.scenario import StructureKind, StructureSpec
from ptce_sim.simulation.agents.persons import NO_ORG, Status, is_in
from ptce_sim.simulation.agents.structures import Animator, Openings, Structure, make_structure

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ptce_sim.simulation.interface import Context
    from ptce_sim.simulation.mechanisms.funding import Authority

INCUBATED_FIRM_FTE = 1.2
"""Labour demand (FTE) of a micro firm created by a project holder of the CAE. ASSUMPTION."""


class Pole:
    """Every ESS structure of the territory, in the order of creation.

    Attributes:
        structures: every structure ever opened (closed ones stay, with ``alive`` False).
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.structures: list[Structure] = []
        self.version = 0
        """Counts openings and closures, so that what depends on the open structures is
        recomputed only when they change."""

    # -- queries ----------------------------------------------------------------------------------

    def open_structures(self) -> list[Structure]:
        """Structures still open."""
        return [s for s in self.structures if s.alive]

    def members(self) -> list[Structure]:
        """Open structures that belong to the pole."""
        return [s for s in self.structures if s.alive and s.in_pole]

    def first(self, kind: StructureKind) -> Structure | None:
        """The first open structure of a kind."""
        for structure in self.structures:
            if structure.alive and structure.kind == kind:
                return structure
        return None

    def animator(self) -> Animator | None:
        """The pole's animator (CBE), if created and still open."""
        return self.first(StructureKind.ANIMATOR)

    # -- opening and closing ----------------------------------------------------------------------

    def add_outside(self, spec: StructureSpec) -> Structure:
        """A structure of the territory that is not (yet) in the pole."""
        structure = make_structure(self.model, spec)
        structure.in_pole = False
        self.model.legal_forms.opened(structure)
        self.structures.append(structure)
        self.version += 1
        return structure

    def create(self, spec: StructureSpec, founders: Iterable[str] = ()) -> Structure:
        """Open a structure now.

        It joins the pole with board seats to its founders and the animator.
        """
        model = self.model
        network = model.network
        structure = make_structure(model, spec)
        structure.in_pole = True
        self.structures.append(structure)
        self.version += 1
        model.staff.grow(len(model.orgs))
        network.add_node(structure.org)
        model.legal_forms.opened(structure)
        by_name = {s.name: s for s in self.structures if s.alive}
        for name in founders:
            if name in by_name:  # a founder that has failed since no longer sits on boards
                network.tie(by_name[name].org, structure.org, "board", trust=0.5)
        animator = self.animator()
        if animator is not None and animator is not structure:
            network.tie(animator.org, structure.org, "board", trust=0.5)
        for authority in model.authorities:
            if _funds(authority, structure):
                network.tie(authority.org, structure.org, "funding")
        if network.formalised and animator is not None:
            network.tie(animator.org, structure.org, "pact")
        return structure

    def failed(self, structure: Structure) -> None:
        """Bookkeeping when a structure fails: members released, ties cut, loans written off."""
        model = self.model
        firms = model.firms
        for column in ("ge", "geiq"):
            firms.release(column, np.flatnonzero(getattr(firms, column) == structure.org))
        model.network.remove(structure.org)
        model.treasury.write_off(structure.org)
        model.events_applied.append((model.month_index, "failure", structure.name))
        structure.remove()
        self.version += 1

    def incubate_firms(self, rows: np.ndarray) -> None:
        """Successful project holders open micro firms and work in them."""
        if rows.size == 0:
            return
        model = self.model
        follows = np.array([s.follows_population + 1e-3 for s in model.spec.sectors])
        sectors = model.streams.incubation.choice(
            len(follows), size=rows.size, p=follows / follows.sum()
        ).astype(np.int16)
        base = np.full(rows.size, INCUBATED_FIRM_FTE)
        model.economy.take_market_share(
            sectors, base, model.spec.mechanisms.incubation.firm_displacement
        )
        new = model.firms.add(model, sectors, base, incubated=np.ones(rows.size, dtype=bool))
        model.staff.grow(len(model.orgs))
        model.labour.hire_into_firm(rows, model.firms.org[new], mechanism="incubated_activities")

    def incubate_ess_structure(self, uid: int, founder: Structure) -> None:
        """A project holder's activity becomes an ESS structure that joins the pole."""
        model = self.model
        model.tally.count("incubated_structures", 1)
        spec = StructureSpec(
            name=f"Incubated activity {len(self.structures) + 1} ({model.year})",
            kind=StructureKind.ESS_ENTERPRISE,
            permanent_staff=1,
            cash_eur=5000.0,
            market=model.spec.mechanisms.cooperation.launched_market,
        )
        structure = self.create(spec, founders=[founder.name])
        row = np.array([model.people.row_of(uid)])
        model.people.move(row, Status.ESS, model.month_index, employer=structure.org, fte=1.0)
        model.people.priority[row] = 1.0
        model.tally.count("incubated_activities", 1)

    # -- the month ------------------------------------------------------------------------------

    def stepped(self) -> AgentSet:
        """The open structures as a Mesa ``AgentSet``, in order of creation.

        Never shuffled: the order of their draws is part of the results.
        """
        return AgentSet(self.open_structures(), random=self.model.random)

    def plan(self) -> list[Openings]:
        """Every open structure plans its month; returns the openings they bring to the market."""
        planning = self.stepped().do("plan")
        return [opening for structure in planning for opening in structure.openings]

    def hired(self, hires: dict[tuple[int, int], int]) -> None:
        """Tell each structure whom the labour market just hired for it (by status column)."""
        orgs = self.model.orgs
        for (org, column), count in hires.items():
            agent = orgs[org]
            if isinstance(agent, Structure):
                agent.hired(column, count)

    def end_contracts(self) -> None:
        """Fixed-term contracts ending this month: each employer decides what follows."""
        model = self.model
        people = model.people
        ending = np.flatnonzero(
            (people.contract_end >= 0)
            & (people.contract_end <= model.month_index)
            & (people.employer != NO_ORG)
        )
        if ending.size == 0:
            return
        employers = people.employer[ending]
        for org in np.unique(employers):
            agent = model.orgs[int(org)]
            rows = ending[employers == org]
            if isinstance(agent, Structure) and agent.alive:
                agent.end_contracts(rows)
            else:
                model.labour.to_seeking(rows)

    def assign_hosts(self) -> None:
        """GE workers and GEIQ trainees without a host are lent to members with a need."""
        model = self.model
        people, firms = model.people, model.firms
        unhosted = np.flatnonzero(
            is_in(people.status, (Status.GE, Status.GEIQ)) & (people.host == NO_ORG)
        )
        if unhosted.size == 0:
            return
        for org in np.unique(people.employer[unhosted]):
            structure = model.orgs[int(org)]
            rows = unhosted[people.employer[unhosted] == org]
            members = structure.members()
            if members.size == 0:
                continue
            weight = structure.host_weights(members)
            distinct = rows.size <= np.count_nonzero(weight > 0.01)  # one each while they last
            geiq = structure.kind == StructureKind.GEIQ
            stream = model.streams.geiq if geiq else model.streams.shared_employment
            hosts = stream.choice(
                members, size=rows.size, replace=not distinct, p=weight / weight.sum()
            )
            people.host[rows] = firms.org[hosts]

    def settle(self) -> None:
        """The month's accounts of every structure and the treasury.

        Then failures of the structures in distress.
        """
        alive = self.stepped()
        before = {s.org: s.cash for s in alive}
        alive.do("settle")
        surplus = {s.org: s.cash - before[s.org] for s in alive}
        self.model.treasury.step(self.members(), surplus)
        for structure in alive:
            if structure.check_distress():
                structure.fail()


def _funds(authority: Authority, structure: Structure) -> bool:
    """Whether an authority's rules fund a structure of this kind (a funding tie)."""
    spec = authority.spec
    return {
        StructureKind.ANIMATOR: spec.animation_grant_eur_per_year > 0,
        StructureKind.WORK_INTEGRATION: spec.aid_per_insertion_post_eur_per_year > 0,
        StructureKind.INTEGRATION_RESTAURANT: spec.aid_per_insertion_post_eur_per_year > 0,
        StructureKind.TRAINING_CENTRE: spec.training_budget_eur_per_year > 0,
        StructureKind.GEIQ: spec.geiq_aid,
        StructureKind.ACTIVITY_COOPERATIVE: spec.incubation_aid,
    }.get(structure.kind, spec.ess_operating_grant_share > 0)
