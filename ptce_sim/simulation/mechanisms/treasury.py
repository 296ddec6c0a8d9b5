"""Mutualised treasury: pole members lend each other their reserves, then a solidarity fund.

Each month, after the accounts, a member whose cash is below zero borrows what it lacks: first from
the solidarity fund (once created), then from the members whose cash exceeds ``reserve_months`` of
their costs, in proportion to that excess. A borrower repays its loans in instalments of
``1 / repayment_months`` of each loan whenever its cash allows. Members pay a share of their
monthly surplus into the solidarity fund. Every operation moves cash between accounts: the sum of
the members' cash and the fund never changes in this step (checked by the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ptce_sim.simulation.accounts import SOLIDARITY_FUND, Flow

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context

FUND = -1
"""Lender id of the solidarity fund."""


@dataclass
class Loan:
    """Cash lent by a member (or the fund) to another member."""

    lender: int
    borrower: int
    principal: float
    outstanding: float


class Treasury:
    """The pole's mutualised treasury.

    Attributes:
        fund: cash of the solidarity fund (``None`` until it is created).
        loans: loans not yet repaid.
        lent_year: euros lent this year.
        repaid_year: euros repaid this year.
        written_off_year: euros of loans lost this year (a failed borrower's, or owed to a
            failed lender).
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.fund: float | None = None
        self.loans: list[Loan] = []
        self.lent_year = 0.0
        self.repaid_year = 0.0
        self.written_off_year = 0.0
        self.rescues_year = 0

    def create_fund(self) -> None:
        """The solidarity fund opens (empty)."""
        if self.fund is None:
            self.fund = 0.0

    def total_cash(self, members: list[Structure]) -> float:
        """Members' cash plus the fund: what the treasury step must conserve."""
        return sum(m.cash for m in members) + (self.fund or 0.0)

    def step(self, members: list[Structure], surplus: dict[int, float]) -> None:
        """Contributions, repayments, then new loans, among ``members`` (by organisation id)."""
        rule = self.model.spec.mechanisms.treasury
        if not rule.enabled:
            return
        by_org = {m.org: m for m in members}
        self._contribute(members, surplus, rule.solidarity_fund_contribution)
        self._repay(by_org, rule.repayment_months)
        self._lend(members, rule.reserve_months)

    def _contribute(
        self, members: list[Structure], surplus: dict[int, float], share: float
    ) -> None:
        if self.fund is None:
            return
        for member in members:
            amount = share * max(0.0, surplus.get(member.org, 0.0))
            amount = min(amount, max(0.0, member.cash))
            member.cash -= amount
            self.fund += amount
            self.model.ledger.transfer(member.org, SOLIDARITY_FUND, amount, Flow.FUND_CONTRIBUTION)

    def _repay(self, by_org: dict[int, Structure], repayment_months: int) -> None:
        for loan in self.loans:
            borrower = by_org.get(loan.borrower)
            if borrower is None:
                continue
            if loan.lender != FUND and loan.lender not in by_org:
                self.written_off_year += loan.outstanding
                loan.outstanding = 0.0  # the lender has failed: its claim dies with it
                continue
            due = min(loan.outstanding, loan.principal / repayment_months)
            amount = min(due, max(0.0, borrower.cash))
            if amount <= 0:
                continue
            borrower.cash -= amount
            loan.outstanding -= amount
            self.repaid_year += amount
            if loan.lender == FUND:
                self.fund += amount
            else:
                by_org[loan.lender].cash += amount
            self.model.ledger.transfer(
                borrower.org, self._account(loan.lender), amount, Flow.REPAYMENT
            )
            if loan.outstanding <= 1e-9:
                self.model.network.succeed_pairs([loan.lender], [loan.borrower], weight=2.0)
        self.loans = [loan for loan in self.loans if loan.outstanding > 1e-9]

    def _lend(self, members: list[Structure], reserve_months: float) -> None:
        for borrower in members:
            need = -borrower.cash
            if need <= 0:
                continue
            self.rescues_year += 1
            if self.fund:
                amount = min(need, self.fund)
                self._book(FUND, borrower, amount)
                self.fund -= amount
                need -= amount
            lenders = [
                (m, m.cash - reserve_months * m.monthly_costs)
                for m in members
                if m is not borrower and m.cash - reserve_months * m.monthly_costs > 0
            ]
            available = sum(excess for _, excess in lenders)
            if need <= 0 or available <= 0:
                continue
            share = min(1.0, need / available)
            for lender, excess in lenders:
                amount = excess * share
                lender.cash -= amount
                self._book(lender.org, borrower, amount)

    def _book(self, lender: int, borrower: Structure, amount: float) -> None:
        if amount <= 0:
            return
        borrower.cash += amount
        self.model.ledger.transfer(self._account(lender), borrower.org, amount, Flow.LOAN)
        self.loans.append(Loan(lender, borrower.org, amount, amount))
        self.lent_year += amount

    @staticmethod
    def _account(lender: int) -> int | str:
        """The books' account of a lender (a member, or the solidarity fund)."""
        return SOLIDARITY_FUND if lender == FUND else lender

    def write_off(self, borrower: int) -> float:
        """A failed borrower's loans are lost to their lenders; returns the amount lost."""
        lost = sum(loan.outstanding for loan in self.loans if loan.borrower == borrower)
        self.loans = [loan for loan in self.loans if loan.borrower != borrower]
        self.written_off_year += lost
        return lost

    def outstanding(self) -> float:
        """Total of loans not yet repaid."""
        return sum(loan.outstanding for loan in self.loans)

    def new_year(self) -> None:
        """Reset the year's flows."""
        self.lent_year = 0.0
        self.repaid_year = 0.0
        self.written_off_year = 0.0
        self.rescues_year = 0
