"""The cooperation network: who cooperates with whom, trust, joining, the pact and the charter.

Nodes are organisations of the pole (ESS structures, local authorities that fund them, member
firms). An edge is a cooperation tie with its kinds (membership of a GE or GEIQ, a board seat, the
pact, the charter, funding) and a trust in [0, 1]. Trust decays every month
(``trust_decay_per_year``), whether cooperation is enabled or not, and, while it is, grows with
each shared success (a worker lent, a trainee hired, a loan repaid):
``trust += min(1, trust_gain * weight) * (1 - trust)``. The graph is a networkx graph; trust
lives in a numpy array indexed by the edge's ``idx`` attribute so that a month's decay and gains
are array operations.

Firms hear of a GE when they have a fractional need, of a GEIQ when they cannot find skilled
staff, more often as the structure's reputation (the mean trust of its ties) grows; they join or
leave by weighing its benefit against its price (:mod:`firm_choices`). Members with a need no
tool meets ask the animator for a project (by sector), on which the CBE's colleges decide
(:mod:`~ptce_sim.simulation.mechanisms.deliberation`). Once the pole is formalised, core
structures and authorities join the pact, and firms for which it pays off sign the charter
(:mod:`circles`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ptce_sim.simulation.agents.persons import EMPLOYED, NO_ORG, Status, is_in
from ptce_sim.simulation.mechanisms import firm_choices

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context


class CooperationNetwork:
    """The pole's cooperation network and the trust on its ties."""

    def __init__(self, model: Context) -> None:
        self.model = model
        self.graph = nx.Graph()
        self.trust = np.zeros(0)
        self.u = np.zeros(0, dtype=np.int64)
        self.v = np.zeros(0, dtype=np.int64)
        self.alive = np.zeros(0, dtype=bool)
        self.formalised = False
        self._reputation = np.zeros(0)

    # -- structure of the graph ----------------------------------------------------------------

    def add_node(self, org: int) -> None:
        """Add an organisation to the pole."""
        if org not in self.graph:
            agent = self.model.orgs[org]
            self.graph.add_node(
                org,
                kind=agent.kind_name if hasattr(agent, "kind_name") else agent.kind,
                name=agent.name,
            )

    def tie(self, a: int, b: int, kind: str, trust: float | None = None) -> None:
        """Create (or add a kind to) the tie between two organisations."""
        if a == b:
            return
        self.add_node(a)
        self.add_node(b)
        if self.graph.has_edge(a, b):
            self.graph.edges[a, b]["kinds"].add(kind)
            return
        idx = self.trust.size
        initial = self.model.spec.mechanisms.cooperation.initial_trust if trust is None else trust
        self.graph.add_edge(a, b, kinds={kind}, idx=idx)
        self.trust = np.append(self.trust, initial)
        self.u = np.append(self.u, a)
        self.v = np.append(self.v, b)
        self.alive = np.append(self.alive, True)

    def untie(self, a: int, b: int, kind: str) -> None:
        """Drop one kind from the tie between two organisations (the tie and its trust stay)."""
        if self.graph.has_edge(a, b):
            self.graph.edges[a, b]["kinds"].discard(kind)

    def remove(self, org: int) -> None:
        """An organisation leaves (closed firm, failed structure)."""
        if org not in self.graph:
            return
        for _, _, idx in self.graph.edges(org, data="idx"):
            self.alive[idx] = False
        self.graph.remove_node(org)

    def is_member(self, org: int) -> bool:
        """Whether the organisation belongs to the pole's network."""
        return org in self.graph

    # -- trust ----------------------------------------------------------------------------------

    def succeed(self, structure: int, partners: np.ndarray, weight: float = 1.0) -> None:
        """Shared successes between a structure and partners (one per partner entry)."""
        self.succeed_pairs(np.full(len(partners), structure), partners, weight)

    def succeed_pairs(self, a, b, weight: float = 1.0) -> None:
        """Shared successes between pairs of organisations that are tied."""
        if not self.model.cooperation_on:
            return
        # a success closes at most the whole gap to full trust (trust_gain × weight may exceed 1)
        gain = min(1.0, self.model.spec.mechanisms.cooperation.trust_gain * weight)
        for x, y in zip(np.asarray(a).tolist(), np.asarray(b).tolist(), strict=True):
            data = self.graph.get_edge_data(x, y)
            if data is not None:
                i = data["idx"]
                self.trust[i] += gain * (1.0 - self.trust[i])

    def cooperate(self) -> None:
        """The month's cooperation.

        Trust, firms and other ESS structures joining, project requests to the animator (counted in
        the year's tally), firms signing the charter.
        """
        self.monthly()
        self.firms_join()
        self.structures_join()
        self.model.tally.project_requests += self.requests()
        self.sign_charter()

    def plie_weight(self) -> float:
        """Weight of the PLIE's caseload in the recruitment of people far from work."""
        model = self.model
        return model.spec.mechanisms.cooperation.plie_priority if model.cooperation_on else 1.0

    def pole_jobs(self) -> float:
        """Jobs in the pole's member firms and structures (the network's organisations)."""
        people = self.model.people
        employed = is_in(people.status, EMPLOYED)
        members = np.zeros(len(self.model.orgs) + 1, dtype=bool)
        members[list(self.graph.nodes)] = True
        return float(np.count_nonzero(employed & members[people.employer]))

    def structures_join(self) -> None:
        """Once the pole has an animator, the territory's other ESS structures join it over time."""
        model = self.model
        animator = model.pole.animator()
        if animator is None or not model.cooperation_on:
            return
        rate = model.spec.other_ess.join_rate
        for structure in model.pole.structures:
            if (
                structure.alive
                and not structure.in_pole
                and model.streams.cooperation.random() < rate
            ):
                structure.in_pole = True
                self.tie(animator.org, structure.org, "member")

    def monthly(self) -> None:
        """Decay, successes of lent workers, then each organisation's reputation and trust.

        Trust decays also while cooperation is disabled: nobody cooperates, so no success renews
        it and it wears off.
        """
        model = self.model
        rule = model.spec.mechanisms.cooperation
        self.trust *= (1.0 - rule.trust_decay_per_year) ** (1 / 12)
        if not model.cooperation_on:
            self.refresh()
            return
        people = model.people
        lent = np.flatnonzero(
            is_in(people.status, (Status.GE, Status.GEIQ)) & (people.host != NO_ORG)
        )
        if lent.size:
            pairs = np.unique(np.stack([people.employer[lent], people.host[lent]]), axis=1)
            self.succeed_pairs(pairs[0], pairs[1])
        animator = model.pole.animator()  # once: looking it up per member is quadratic
        if animator is not None:
            for structure in model.pole.members():
                if structure.cash >= 0 and structure is not animator:
                    self.succeed_pairs([animator.org], [structure.org], weight=0.5)
        self.refresh()

    def refresh(self) -> None:
        """Recompute reputations (mean trust of each organisation's ties) and the firms' trust."""
        n = len(self.model.orgs)
        alive = self.alive
        weights = np.concatenate([self.trust[alive], self.trust[alive]])
        ends = np.concatenate([self.u[alive], self.v[alive]])
        total = np.bincount(ends, weights=weights, minlength=n)
        degree = np.bincount(ends, minlength=n)
        self._reputation = np.divide(total, degree, out=np.zeros(n), where=degree > 0)
        firms = self.model.firms
        firms.trust = self._reputation[firms.org]

    def reputation(self, org: int) -> float:
        """Mean trust of an organisation's ties (0 when it has none)."""
        return float(self._reputation[org]) if org < self._reputation.size else 0.0

    def mean_trust(self) -> float:
        """Mean trust over the network's ties."""
        return float(self.trust[self.alive].mean()) if self.alive.any() else 0.0

    def snapshot(self) -> nx.Graph:
        """A copy of the graph with each tie's current trust, for drawing and analysis."""
        graph = self.graph.copy()
        for a, b, idx in graph.edges(data="idx"):
            graph.edges[a, b]["trust"] = float(self.trust[idx])
        return graph

    # -- joining, requests, charter -------------------------------------------------------------

    def firms_join(self) -> None:
        """Firms weigh the GE or GEIQ that serves their sector.

        Members may leave, firms that hear of it join when its expected benefit beats its price (see
        :mod:`~ptce_sim.simulation.mechanisms.firm_choices`).
        """
        model = self.model
        for structure in model.pole.members():
            kind = structure.kind_name
            if kind not in firm_choices.COLUMNS or not structure.alive:
                continue
            rule = (
                model.spec.mechanisms.shared_employment
                if kind == "employer_group"
                else (model.spec.mechanisms.geiq)
            )
            if not rule.enabled:
                continue
            joining = firm_choices.choose(
                model, structure, rule.contact_rate, self._serves(structure)
            )
            for org in model.firms.org[joining].tolist():
                self.tie(structure.org, org, "member")

    def _serves(self, structure: Structure) -> np.ndarray:
        model = self.model
        if not structure.spec.sectors:
            return np.ones(len(model.firms), dtype=bool)
        names = [s.name for s in model.spec.sectors]
        wanted = [names.index(n) for n in structure.spec.sectors]
        return np.isin(model.firms.sector, wanted)

    def requests(self) -> int:
        """Members with a need no tool meets ask the animator for a project; returns the requests.

        Firms' requests are counted by their sector, structures' in difficulty apart.
        """
        model = self.model
        animator = model.pole.animator()
        if animator is None or not model.cooperation_on:
            return 0
        rule = model.spec.mechanisms.cooperation
        firms = model.firms
        _, fraction = firms.jobs_target()
        unmet = firms.alive & (
            ((fraction > 0.3) & (firms.ge == NO_ORG))
            | ((firms.unfilled_skilled > 1.0) & (firms.geiq == NO_ORG))
        )
        p = rule.request_rate * (rule.initial_trust + firms.trust)
        asking = unmet & (model.streams.cooperation.random(len(firms)) < p)
        by_sector = np.bincount(firms.sector[asking], minlength=len(model.spec.sectors))
        for sector in np.flatnonzero(by_sector).tolist():
            model.deliberation.receive("firms", int(by_sector[sector]), sector)
        distressed = sum(1 for s in model.pole.members() if s.cash < 0)
        structures = int(
            model.streams.cooperation.binomial(distressed, min(1.0, 10 * rule.request_rate))
        )
        model.deliberation.receive("structures", structures)
        return int(by_sector.sum()) + structures

    def formalise(self) -> None:
        """The pact: core structures and funders tie to the animator; the charter opens to firms."""
        self.formalised = True
        animator = self.model.pole.animator()
        if animator is None:
            return
        for structure in self.model.pole.members():
            self.tie(animator.org, structure.org, "pact")
        for authority in self.model.authorities:
            self.tie(animator.org, authority.org, "pact")

    def sign_charter(self) -> None:
        """Firms for which the charter pays off, weighed with their trust, sign it.

        See :mod:`~ptce_sim.simulation.mechanisms.circles`.
        """
        model = self.model
        animator = model.pole.animator()
        if not self.formalised or animator is None or not model.cooperation_on:
            return
        firms = model.firms
        signing = model.circles.signing()
        firms.charter[signing] = True
        for org in firms.org[signing].tolist():
            self.tie(animator.org, org, "charter")
