"""The animator (CBE): runs the pole, follows the PLIE's caseload, puts projects to its colleges."""

from __future__ import annotations

import numpy as np

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.accounts import FIRMS, Flow
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.agents.structures.base import Structure


class Animator(Structure):
    """CBE: runs the pole (network, PLIE, skills planning); its colleges decide on projects.

    The deliberation's rules are in :mod:`~ptce_sim.simulation.mechanisms.deliberation`.
    """

    kind = StructureKind.ANIMATOR
    indicators = Structure.indicators | {"employers_involved", "member_firms"}

    def plan(self) -> None:
        """Size its team on expected grants and member fees; run the PLIE and the deliberation."""
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
        self.model.deliberation.step(self)  # the colleges decide what launches

    def run_plie(self) -> None:
        """The PLIE's month (see :mod:`~ptce_sim.simulation.mechanisms.plie`).

        Its advisers, the animator's team, follow up to ``capacity`` persons each.
        """
        team = max(self.staff_fte(Status.ESS), self.spec.permanent_staff * self.model.scale)
        self.model.plie.step(team, self.spec.capacity)

    @property
    def pending_requests(self) -> float:
        """Requests received and not yet bundled into a project for the colleges."""
        return float(sum(self.model.deliberation.pending.values()))

    def revenue(self) -> tuple[float, float, float]:
        """The member fees it collects, and its animation grant and PLIE aid; no sales."""
        followed = int(np.count_nonzero(self.model.people.plie))
        funding = self.model.funding
        self.booked_fees = self.collect_fees()
        return (
            0.0,
            self.booked_fees,
            funding.animation_grant(self) + funding.plie_aid(self, followed),
        )

    def member_fees(self) -> float:
        """Monthly contributions it can expect from the pole's members, to size its team.

        The members are the organisations in its network.
        """
        if not self.model.cooperation_on:
            return 0.0
        members = max(0, self.model.network.graph.number_of_nodes() - 1)
        return members * self.model.spec.mechanisms.cooperation.member_fee_eur_per_year / 12.0

    def collect_fees(self) -> float:
        """This month's member fees, each paid (and booked) by the member that owes it.

        A structure of the pole pays from its cash, a funder from its budget left (its public
        money), a classic firm from its cash (:meth:`FirmAccounts.charge`). A member that cannot pay
        does not; returns the fees collected.
        """
        model = self.model
        if not model.cooperation_on:
            return 0.0
        fee = model.spec.mechanisms.cooperation.member_fee_eur_per_year / 12.0
        funders = {a.org: a for a in model.authorities}
        members = [org for org in model.network.graph.nodes if org != self.org]
        authorities = [funders[org] for org in members if org in funders]
        structures = [s for org in members if isinstance(s := model.orgs[org], Structure)]
        rows = model.orgs.firm_rows(np.array(members, dtype=np.int64))
        rows = rows[rows >= 0]
        rows = rows[model.firms.cash[rows] >= fee]  # a firm pays from its cash, if it has it
        by_firms = model.firm_accounts.charge(rows, fee)
        collected = sum(a.pay(fee, self, Flow.MEMBER_FEES) for a in authorities)
        for structure in structures:
            if structure.cash >= fee:
                structure.cash -= fee
                structure.year.costs_eur += fee
                model.ledger.transfer(structure.org, self.org, fee, Flow.MEMBER_FEES)
                collected += fee
        model.ledger.transfer(FIRMS, self.org, by_firms, Flow.MEMBER_FEES)
        return collected + by_firms

    def employers_involved(self) -> int:
        """Firms taking part in the territorial skills planning (GPEC), at its last declaration."""
        return int(self.model.gpec.employers.size)

    def member_count(self) -> int:
        """Firms that signed the charter."""
        return int(np.count_nonzero(self.model.firms.charter))
