"""Classic firms' accounts.

Sales, wages, what they pay their employer groups, training contributions, profit, cash; firms
that stay broke close.

Every month, after the ESS structures have settled (the GE and GEIQ bill their members through
:meth:`FirmAccounts.charge`), each open firm books, in the firm table's columns:

* sales: its sector's value added per FTE (``sales_eur_per_fte_month``) times the FTE of its
  labour demand that it staffs (its own employees, and the GE workers and GEIQ trainees it hosts,
  trainees for their working time only);
* wages: ``wage_cost_eur_per_fte_month`` per FTE of its own staff (a part-time job a firm fills
  alone is paid its fractional need);
* its training contribution to the OPCA: ``training_contribution_share`` of its wage bill;
* interest to its bank on negative cash (``overdraft_rate_per_year``);
* profit = sales - wages - training contribution - GE/GEIQ fees and billing - interest; its cash
  keeps ``cash_reserve_months`` of its wage bill; a firm of the charter may lend what is above it
  to the mutualised treasury (``Treasury.lend_from_firms``, when that beats its owners' return),
  and pays the rest out to its owners.

All firms share one account in the books, :data:`~ptce_sim.simulation.accounts.FIRMS`; the per-firm
``cash`` column sums to its balance (checked every month). Sales are paid by the households
(the sector's ``local_consumption_share``) and by customers outside (the rest). A firm whose cash
stays negative for more than ``negative_cash_months`` months closes; a closing firm's cash goes to
its owners, or its debts are written off by its creditors (outside the territory, and its lenders
in the treasury).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.accounts import FIRMS, HOUSEHOLDS, OPCA, REST_OF_WORLD, Flow
from ptce_sim.simulation.agents.persons import NO_ORG, Status

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context


class FirmAccounts:
    """The classic firms' monthly accounts, kept in the firm table's columns."""

    def __init__(self, model: Context) -> None:
        self.model = model
        self._month = -1
        """The month the ``pole_bills`` column is counting (it restarts from 0 each month)."""
        self._purchases = 0.0
        """What the firms bought from ESS structures' markets this month, not yet shared out."""

    def _open_month(self) -> None:
        """Start the month's GE/GEIQ fees from zero (once a month, at the first charge)."""
        if self._month != self.model.month_index:
            self.model.firms.pole_bills[:] = 0.0
            self._month = self.model.month_index

    def charge(self, rows: np.ndarray, amounts: np.ndarray | float) -> float:
        """Firms at ``rows`` pay an employer group ``amounts`` (hours lent, member fees).

        The money leaves each firm's cash now; the group books the total from :data:`FIRMS`.

        Returns:
            The total charged.
        """
        self._open_month()
        firms = self.model.firms
        amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float64), rows.shape)
        np.add.at(firms.pole_bills, rows, amounts)
        np.subtract.at(firms.cash, rows, amounts)
        return float(amounts.sum())

    def buy(self, amount: float) -> bool:
        """Firms buy ``amount`` euros from an ESS structure's market this month.

        The month's purchases are shared out among the open firms, in proportion to their labour
        demand, when their accounts are settled (:meth:`settle`, the same month).

        Returns:
            False when no firm is open (nobody to buy), True otherwise.
        """
        if not self.model.firms.alive.any():
            return False
        self._purchases += amount
        return True

    def share_out_purchases(self) -> None:
        """The month's purchases from ESS structures leave the open firms' cash."""
        amount, self._purchases = self._purchases, 0.0
        firms = self.model.firms
        rows = firms.alive_rows()
        if amount == 0.0 or rows.size == 0:
            return
        weights = firms.demand[rows]
        total = weights.sum()
        share = weights / total if total > 0 else np.full(rows.size, 1.0 / rows.size)
        self.charge(rows, amount * share)

    def hosted_fte(self) -> np.ndarray:
        """FTE each firm gets from the GE workers and GEIQ trainees it hosts.

        Trainees' working time only: ``1 - training_share``.
        """
        model = self.model
        people, firms = model.people, model.firms
        lent = np.flatnonzero(
            ((people.status == Status.GE) | (people.status == Status.GEIQ))
            & (people.host != NO_ORG)
        )
        share = np.where(
            people.status[lent] == Status.GEIQ, 1.0 - model.spec.mechanisms.geiq.training_share, 1.0
        )
        rows = model.orgs.firm_rows(people.host[lent])
        keep = rows >= 0
        return np.bincount(
            rows[keep], weights=(people.fte[lent] * share)[keep], minlength=len(firms)
        )

    def paid_fte(self, direct: np.ndarray) -> np.ndarray:
        """FTE of its own staff each firm pays.

        A part-time job it fills alone (the one above its whole jobs) is paid its fractional need.
        """
        whole, fraction = self.model.firms.jobs_target()
        above = np.maximum(direct - whole, 0.0)
        return (
            np.minimum(direct, whole) + np.minimum(above, fraction) + np.maximum(above - 1.0, 0.0)
        )

    def settle(self) -> None:
        """The month's accounts of every open firm, the payments in the books, then closures."""
        self._open_month()
        self.share_out_purchases()
        model = self.model
        firms, spec = model.firms, model.spec
        alive = firms.alive
        wage = spec.finance.wage_cost_eur_per_fte_month
        direct = model.staff.fte[firms.org, Status.CLASSIC]
        staffed = np.minimum(firms.demand, direct + self.hosted_fte())
        firms.sales = np.where(alive, staffed * firms.value_per_fte(spec), 0.0)
        firms.wages = np.where(alive, self.paid_fte(direct) * wage, 0.0)
        firms.training = firms.wages * spec.firms.training_contribution_share
        firms.profit = firms.sales - firms.wages - firms.training - firms.pole_bills
        firms.cash += firms.sales - firms.wages - firms.training
        local = np.array([s.local_consumption_share for s in spec.sectors])[firms.sector]
        ledger = model.ledger
        ledger.transfer(HOUSEHOLDS, FIRMS, float(np.sum(firms.sales * local)), Flow.CONSUMPTION)
        ledger.transfer(
            REST_OF_WORLD, FIRMS, float(np.sum(firms.sales * (1 - local))), Flow.EXPORTS
        )
        ledger.transfer(FIRMS, HOUSEHOLDS, float(firms.wages.sum()), Flow.WAGES)
        ledger.transfer(FIRMS, OPCA, float(firms.training.sum()), Flow.TRAINING_CONTRIBUTION)
        overdraft = spec.firms.overdraft_rate_per_year / 12.0 * np.maximum(-firms.cash, 0.0)
        firms.cash -= overdraft
        firms.profit -= overdraft
        ledger.transfer(FIRMS, REST_OF_WORLD, float(overdraft.sum()), Flow.INTEREST)
        reserve = spec.firms.cash_reserve_months * wage * firms.demand
        excess = np.where(alive, np.maximum(firms.cash - reserve, 0.0), 0.0)
        payout = excess - model.treasury.lend_from_firms(excess)
        firms.cash -= payout
        ledger.transfer(FIRMS, HOUSEHOLDS, float(payout.sum()), Flow.DIVIDENDS)
        self.close_broke()

    def close_broke(self) -> None:
        """Firms whose cash has stayed negative for more than ``negative_cash_months`` close."""
        model = self.model
        firms = model.firms
        broke = firms.alive & (firms.cash < 0.0)
        firms.broke_months = np.where(broke, firms.broke_months + 1, 0)
        closing = np.flatnonzero(firms.broke_months > model.spec.firms.negative_cash_months)
        if closing.size:
            model.labour.close_firms(closing)

    def liquidate(self, rows: np.ndarray) -> None:
        """Closing firms: their cash goes to their owners, or their debts are written off.

        The debts written off are their banks', and what they owe the treasury's lenders.
        """
        firms = self.model.firms
        for org in firms.org[rows]:
            self.model.treasury.write_off(int(org))
        cash = firms.cash[rows]
        ledger = self.model.ledger
        ledger.transfer(FIRMS, HOUSEHOLDS, float(cash[cash > 0].sum()), Flow.LIQUIDATION)
        ledger.transfer(REST_OF_WORLD, FIRMS, float(-cash[cash < 0].sum()), Flow.LIQUIDATION)
        firms.cash[rows] = 0.0
        firms.broke_months[rows] = 0
