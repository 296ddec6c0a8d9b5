"""The animator (CBE): runs the pole, follows the PLIE's caseload, turns requests into projects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.config.scenario import StructureKind, StructureSpec
from ptce_sim.simulation.accounts import FIRMS, Flow
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.agents.structures.base import Structure

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context


class Animator(Structure):
    """CBE: runs the pole (network, PLIE, skills planning), receives requests, launches tools."""

    kind = StructureKind.ANIMATOR
    indicators = Structure.indicators | {"employers_involved", "member_firms"}

    def __init__(self, model: Context, spec: StructureSpec) -> None:
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
        """The PLIE's month (see :mod:`~ptce_sim.simulation.mechanisms.plie`).

        Its advisers, the animator's team, follow up to ``capacity`` persons each.
        """
        team = max(self.staff_fte(Status.ESS), self.spec.permanent_staff * self.model.scale)
        self.model.plie.step(team, self.spec.capacity)

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
            market=rule.launched_market,
        )
        structure = self.model.pole.create(spec, founders=[self.name])
        self.cash -= cost
        structure.cash += cost
        self.model.ledger.transfer(self.org, structure.org, cost, Flow.LAUNCH)
        self.model.tally.count("launched_structures", 1)

    def revenue(self) -> tuple[float, float, float]:
        followed = int(np.count_nonzero(self.model.people.plie))
        funding = self.model.funding
        self.booked_fees = self.collect_fees()
        return (
            0.0,
            self.booked_fees,
            funding.animation_grant(self) + funding.plie_aid(self, followed),
        )

    def member_fees(self) -> float:
        """Monthly contributions it can expect from the pole's members (organisations in its
        network), to size its team.
        """
        if not self.model.cooperation_on:
            return 0.0
        members = max(0, self.model.network.graph.number_of_nodes() - 1)
        return members * self.model.spec.mechanisms.cooperation.member_fee_eur_per_year / 12.0

    def collect_fees(self) -> float:
        """This month's member fees, each paid (and booked) by the member that owes it: a
        structure of the pole from its cash, a funder from its budget left (its public money),
        a classic firm from its cash (:meth:`FirmAccounts.charge`). A member that cannot pay
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
        return int(np.count_nonzero(self.model.firms.charter))
