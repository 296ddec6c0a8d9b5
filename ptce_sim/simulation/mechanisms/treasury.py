"""Mutualised treasury: pole members lend each other their reserves, then a solidarity fund.

Each month, after the structures' accounts, a member whose cash is below zero borrows what it
lacks: first from the solidarity fund (once created), then from the structures whose cash exceeds
``reserve_months`` of their costs, in proportion to that excess. What a member owes another is one
loan (a new loan between them adds to it, and its instalments restart from what is then owed). A
lender lends only to a borrower it trusts (its pair's trust at least ``circles.lending_trust``,
see :meth:`~ptce_sim.simulation.mechanisms.circles.Circles.lending_trust`) and offers its excess
weighed by that trust. A borrower repays its loans in instalments of ``1 / repayment_months`` of
each loan, plus the interest (``interest_rate_per_year``) on what it owes, whenever its cash
allows. Structures pay a share of their monthly surplus into the solidarity fund. Every operation
moves cash between accounts: the sum of the members' cash and the fund never changes in this step
(checked by the tests).

Firms choose (``firms_take_part``). A firm that signed the charter is a member too:

* short of cash, it borrows from the treasury when that is cheaper than its bank's overdraft
  (``interest_rate_per_year`` below ``firms.overdraft_rate_per_year``);
* at its own settlement, it lends the cash above its reserve (which it would otherwise pay out to
  its owners) to the members whose need the treasury could not meet, when the expected return
  beats its owners' (``firms.deposit_rate_per_year``): interest minus the loss it expects,
  ``r - loss * (1 + risk_premium * a * (1 - trust))`` with ``loss`` the treasury's record
  (write-offs over loans, with ``expected_loss_rate`` weighing as a first year of history),
  ``trust`` the pair's trust (the firm's in that borrower) and ``a`` the firm's risk aversion; it
  offers its excess weighed by that trust.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ptce_sim.simulation.accounts import FIRMS, SOLIDARITY_FUND, Account, Flow
from ptce_sim.simulation.mechanisms.firm_choices import risk_markup

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context

FUND = -1
"""Lender id of the solidarity fund."""
HISTORY_PRIOR_EUR = 100_000.0
"""Loans (full scale) that ``expected_loss_rate`` weighs as, before the treasury's own record."""


class Member(Protocol):
    """What the treasury needs of a member: a structure, or a firm of the charter."""

    org: int
    cash: float
    monthly_costs: float

    @property
    def account(self) -> Account:
        """Its account in the books."""

    @property
    def alive(self) -> bool:
        """Whether it is open."""


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
        lent_year: euros lent this year (``lent_by_firms_year`` and ``lent_to_firms_year`` of
            which by and to firms).
        repaid_year: euros of principal repaid this year; ``interest_year``: interest paid.
        written_off_year: euros of loans lost this year (a failed borrower's, or owed to a
            failed lender).
        unmet_year: euros of members' cash needs no lender met this year (the month's shortfall
            of each member below zero cash that neither the fund, the structures nor the firms of
            the charter lent).
        lent_total, written_off_total: the same since the start: the record lenders look at.
        unmet: members whose need this month's step could not meet, with what they still lack.
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.fund: float | None = None
        self.loans: list[Loan] = []
        self.lent_total = 0.0
        self.written_off_total = 0.0
        self.unmet: list[tuple[Member, float]] = []
        self._pairs: dict[tuple[int, int], Loan] = {}
        """The loans by (lender, borrower), while new loans are booked."""
        self.new_year()

    def create_fund(self) -> None:
        """The solidarity fund opens (empty)."""
        if self.fund is None:
            self.fund = 0.0

    def firm_members(self) -> list[Member]:
        """The firms in the treasury this month.

        Open firms of the charter, when firms take part and the cooperation network works.
        """
        model = self.model
        if not (model.spec.mechanisms.treasury.firms_take_part and model.cooperation_on):
            return []
        firms = model.firms
        rows = np.flatnonzero(firms.alive & firms.charter)
        return [model.orgs[int(org)] for org in firms.org[rows]]

    def total_cash(self, members: list[Member]) -> float:
        """Members' cash (the firms' of the charter with them) plus the fund.

        What the treasury step must conserve.
        """
        everyone = {m.org: m for m in [*members, *self.firm_members()]}
        return sum(m.cash for m in everyone.values()) + (self.fund or 0.0)

    def step(self, members: list[Member], surplus: dict[int, float]) -> None:
        """Contributions, repayments, then new loans.

        They are made among ``members`` (by organisation id) and the firms of the charter.
        """
        rule = self.model.spec.mechanisms.treasury
        self.unmet = []
        if not rule.enabled:
            return
        firms = self.firm_members()
        by_org = {m.org: m for m in [*members, *firms]}
        self._contribute(members, surplus, rule.solidarity_fund_contribution)
        self._repay(by_org, rule.repayment_months, rule.interest_rate_per_year / 12.0)
        overdraft = self.model.spec.firms.overdraft_rate_per_year
        borrowing = [f for f in firms if rule.interest_rate_per_year < overdraft]
        self._lend([*members, *borrowing], members, rule.reserve_months)

    def _contribute(self, members: list[Member], surplus: dict[int, float], share: float) -> None:
        if self.fund is None:
            return
        for member in members:
            amount = share * max(0.0, surplus.get(member.org, 0.0))
            amount = min(amount, max(0.0, member.cash))
            member.cash -= amount
            self.fund += amount
            self.model.ledger.transfer(
                member.account, SOLIDARITY_FUND, amount, Flow.FUND_CONTRIBUTION
            )

    def _repay(self, by_org: dict[int, Member], repayment_months: int, rate: float) -> None:
        for loan in self.loans:
            borrower = by_org.get(loan.borrower)
            if borrower is None:
                continue
            lender = None if loan.lender == FUND else by_org.get(loan.lender)
            if loan.lender != FUND and lender is None:
                self._lose(loan.outstanding)
                loan.outstanding = 0.0  # the lender has failed: its claim dies with it
                continue
            interest = min(loan.outstanding * rate, max(0.0, borrower.cash))
            self._pay(borrower, lender, interest, Flow.INTEREST)
            self.interest_year += interest
            due = min(loan.outstanding, loan.principal / repayment_months)
            amount = min(due, max(0.0, borrower.cash))
            if amount <= 0:
                continue
            self._pay(borrower, lender, amount, Flow.REPAYMENT)
            loan.outstanding -= amount
            self.repaid_year += amount
            if loan.outstanding <= 1e-9:
                self.model.network.succeed_pairs([loan.lender], [loan.borrower], weight=2.0)
        self.loans = [loan for loan in self.loans if loan.outstanding > 1e-9]

    def _pay(self, borrower: Member, lender: Member | None, amount: float, flow: Flow) -> None:
        """``borrower`` pays ``amount`` to ``lender`` (``None``: the solidarity fund)."""
        if amount <= 0:
            return
        borrower.cash -= amount
        if lender is None:
            self.fund = (self.fund or 0.0) + amount
        else:
            lender.cash += amount
        account = SOLIDARITY_FUND if lender is None else lender.account
        self._transfer(borrower.account, account, amount, flow)

    def _lend(self, borrowers: list[Member], lenders: list[Member], reserve_months: float) -> None:
        self._pairs = {(loan.lender, loan.borrower): loan for loan in self.loans}
        # each lender's cash above its reserve, kept up to date as it lends: the lenders with none
        # are skipped without a look (a pole of thousands of structures has few with an excess)
        free = np.array([m.cash - reserve_months * m.monthly_costs for m in lenders])
        position = {id(m): i for i, m in enumerate(lenders)}
        for borrower in borrowers:
            need = -borrower.cash
            if need <= 0:
                continue
            self.rescues_year += 1
            if self.fund:
                amount = min(need, self.fund)
                self._book(None, borrower, amount)
                need -= amount
            excess = [
                (i, (m.cash - reserve_months * m.monthly_costs) * trust)
                for i in np.flatnonzero(free > 0).tolist()
                if (m := lenders[i]) is not borrower
                and (trust := self.model.circles.lending_trust(m.org, borrower.org)) > 0
            ]
            available = sum(e for _, e in excess)
            share = min(1.0, need / available) if need > 0 and available > 0 else 0.0
            for i, e in excess:
                lender = lenders[i]
                self._book(lender, borrower, e * share)
                free[i] = lender.cash - reserve_months * lender.monthly_costs
            if (own := position.get(id(borrower))) is not None:  # a member: it may lend on later
                free[own] = borrower.cash - reserve_months * borrower.monthly_costs
            if need - available > 1e-9:
                self.unmet.append((borrower, need - max(available, 0.0)))
                self.unmet_year += need - max(available, 0.0)

    def lend_from_firms(self, excess: np.ndarray) -> np.ndarray:
        """Firms of the charter lend what they have above their reserve to members in need.

        What they have above it is ``excess``, per firm row; they lend to the members whose need the
        month's step left unmet, when it pays off for them.

        Returns:
            What each firm lent (per row); the firms' cash has been debited.
        """
        lent = np.zeros_like(excess)
        if not self.unmet:
            return lent
        model = self.model
        firms = model.firms
        rule = model.spec.mechanisms.treasury
        rows = np.flatnonzero(firms.alive & firms.charter & (excess > 0))
        self._pairs = {(loan.lender, loan.borrower): loan for loan in self.loans}
        for borrower, need in self.unmet:
            trust, weight = self._firms_trust(rows, borrower)
            loss = self.expected_loss() * risk_markup(model, trust, rows)
            pays = rule.interest_rate_per_year - loss > model.spec.firms.deposit_rate_per_year
            available = np.where(pays & (weight > 0), (excess[rows] - lent[rows]) * weight, 0.0)
            total = float(available.sum())
            if total <= 0:
                continue
            amounts = available * min(1.0, need / total)
            for row, amount in zip(rows, amounts, strict=True):
                self._book(model.orgs[int(firms.org[row])], borrower, float(amount))
            lent[rows] += amounts
            self.unmet_year -= float(amounts.sum())
        self.unmet = []
        return lent

    def _firms_trust(self, rows: np.ndarray, borrower: Member) -> tuple[np.ndarray, np.ndarray]:
        """The trust firms ``rows`` see the risk of lending ``borrower`` with, and their offer's.

        Both are the pair's lending trust; when trust does not govern lending, each firm's trust
        in the pole and its whole excess (weight 1).
        """
        model = self.model
        rule = model.spec.mechanisms.circles
        if not (rule.enabled and rule.lending_by_trust):
            return model.firms.trust[rows], np.ones(rows.size)
        orgs = model.firms.org[rows].tolist()
        trust = np.array([model.circles.lending_trust(org, borrower.org) for org in orgs])
        return trust, trust

    def expected_loss(self) -> float:
        """The loss rate lenders expect: the treasury's write-offs over its loans so far.

        ``expected_loss_rate`` on :data:`HISTORY_PRIOR_EUR` of loans counts as a first record.
        """
        prior = HISTORY_PRIOR_EUR * self.model.scale
        rate = self.model.spec.mechanisms.treasury.expected_loss_rate
        return (self.written_off_total + rate * prior) / (self.lent_total + prior)

    def _book(self, lender: Member | None, borrower: Member, amount: float) -> None:
        """A new loan of ``amount`` from ``lender`` (``None``: the solidarity fund)."""
        if amount <= 0:
            return
        if lender is None:
            self.fund = (self.fund or 0.0) - amount
        else:
            lender.cash -= amount
        borrower.cash += amount
        source = SOLIDARITY_FUND if lender is None else lender.account
        self._transfer(source, borrower.account, amount, Flow.LOAN)
        pair = (FUND if lender is None else lender.org, borrower.org)
        loan = self._pairs.get(pair)
        if loan is None:
            self._pairs[pair] = loan = Loan(*pair, 0.0, 0.0)
            self.loans.append(loan)
        loan.outstanding += amount
        loan.principal = loan.outstanding
        self.lent_year += amount
        self.lent_total += amount
        self.lent_by_firms_year += amount if source == FIRMS else 0.0
        self.lent_to_firms_year += amount if borrower.account == FIRMS else 0.0

    def _transfer(self, source: Account, destination: Account, amount: float, flow: Flow) -> None:
        """Book a transfer, but for one firm's to another's.

        Both are in the firms' account, whose balance does not change (their cash columns moved).
        """
        if source != destination:
            self.model.ledger.transfer(source, destination, amount, flow)

    def _lose(self, amount: float) -> None:
        self.written_off_year += amount
        self.written_off_total += amount

    def write_off(self, borrower: int) -> float:
        """A failed borrower's loans are lost to their lenders; returns the amount lost."""
        lost = sum(loan.outstanding for loan in self.loans if loan.borrower == borrower)
        self.loans = [loan for loan in self.loans if loan.borrower != borrower]
        self._lose(lost)
        return lost

    def outstanding(self) -> float:
        """Total of loans not yet repaid."""
        return sum(loan.outstanding for loan in self.loans)

    def new_year(self) -> None:
        """Reset the year's flows."""
        self.lent_year = 0.0
        self.lent_by_firms_year = 0.0
        self.lent_to_firms_year = 0.0
        self.repaid_year = 0.0
        self.interest_year = 0.0
        self.unmet_year = 0.0
        self.written_off_year = 0.0
        self.rescues_year = 0
