"""Checks on the books (:mod:`ptce_sim.simulation.accounts`): closed, and matching the model.

* ``books_closed``: every balance is finite and the balances sum to zero (no euro created or lost:
  the territory's accounts change only by flows with the rest of the world);
* ``books_match``: each structure's cash, the firms' cash (summed over the firm table: one account
  in the books), the solidarity fund and each funder's budget left equal their balance in the
  books, to the cent (and a fraction of the money moved, for the rounding of
  sums of floats added in another order).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ptce_sim.simulation.accounts import FIRMS, SOLIDARITY_FUND
from ptce_sim.simulation.invariants.report import Report

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel

CENT = 0.01
ROUNDING = 1e-9
"""Relative rounding allowed on the money moved so far (sums of floats in another order)."""


def check_books(model: PtceModel, report: Report) -> None:
    """The books are closed and every figure of the model they mirror matches them."""
    ledger = model.ledger
    balances = ledger.accounts()
    moved = sum(ledger.totals.values())
    tolerance = CENT + ROUNDING * moved
    finite = all(math.isfinite(v) for v in balances.values())
    report.expect("books_closed", finite, lambda: f"non-finite balances: {balances}")
    if not finite:
        return
    total = math.fsum(balances.values())
    report.expect(
        "books_closed",
        abs(total) <= tolerance,
        lambda: f"the balances sum to {total:.6f} €, not 0: money was created or lost",
    )
    mirrored = [(f"structure {s.name!r} cash", s.cash, s.org) for s in model.pole.structures]
    mirrored += [(f"authority {a.name!r} budget left", a.left, a.org) for a in model.authorities]
    mirrored.append(("firms' cash", math.fsum(model.firms.cash), FIRMS))
    if model.treasury.fund is not None:
        mirrored.append(("solidarity fund", model.treasury.fund, SOLIDARITY_FUND))
    off = [
        f"{label}: {value:.2f} € in the model, {ledger.balance(account):.2f} € in the books"
        for label, value, account in mirrored
        if not abs(value - ledger.balance(account)) <= tolerance
    ]
    report.expect(
        "books_match",
        not off,
        lambda: f"{len(off)} figures moved without a transfer: {off[:3]}",
    )
