"""The pole's circles: the pact (core actors), the charter (other firms), trust between pairs.

When the pole is formalised (the 2013 ``formalise_pole`` event in the Seignanx), its core actors,
the pole's structures and the funders, sign the pact (a ``pact`` tie to the animator). The pact
commits them to cross-lend in the treasury: two members of the pact lend to each other whatever
their trust.

Firms trusting the pole at least ``charter_trust`` weigh the charter over
``charter_horizon_months`` and sign it when ``trust × gain > cost``:

* gain: the skilled posts the pole's recruitment and skills planning would fill for it
  (``recruitment_share`` of its unfilled skilled posts, each worth its value per FTE above the
  wage a month), and, when firms take part in the treasury, the interest it saves borrowing its
  cash shortfall from the treasury rather than on overdraft;
* cost: its commitments: carrying its staff above its needs for ``keep_staff_months`` of wages
  before laying any of them off.

The charter's commitments then act in the firm's decisions: a charter firm lays nobody off while
its cash covers ``keep_staff_months`` of the wages of its staff above its needs
(:meth:`Circles.keeps_staff`), and it hires residents first: no in-commuter takes its posts
(``local_hiring``; :func:`~ptce_sim.simulation.mechanisms.commuting.open_to_in_commuters`).

Trust between two organisations (:meth:`Circles.pair_trust`) is that of their tie, or, through a
common partner (the animator for two members of the pole), the product of the two ties' trusts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context


class Circles:
    """The pact, the charter and the trust between pairs of organisations."""

    def __init__(self, model: Context) -> None:
        self.model = model

    # -- the charter -----------------------------------------------------------------------------

    def charter_balance(self) -> tuple[np.ndarray, np.ndarray]:
        """What the charter would bring each firm and what its commitments would cost it.

        Returns:
            ``(gain, cost)`` per firm row, in euros over ``charter_horizon_months``.
        """
        model = self.model
        firms = model.firms
        rule = model.spec.mechanisms.circles
        months = rule.charter_horizon_months
        wage = model.spec.finance.wage_cost_eur_per_fte_month
        margin = firms.margin_per_fte(model.spec)
        gain = rule.recruitment_share * firms.unfilled_skilled * margin * months
        treasury = model.spec.mechanisms.treasury
        if treasury.enabled and treasury.firms_take_part:
            saving = max(
                0.0, model.spec.firms.overdraft_rate_per_year - treasury.interest_rate_per_year
            )
            gain = gain + np.maximum(0.0, -firms.cash) * saving * months / 12.0
        cost = self.excess_staff() * wage * rule.keep_staff_months
        return gain, cost

    def excess_staff(self) -> np.ndarray:
        """Each firm's staff above its needs (whole jobs and a part-time job it fills alone)."""
        model = self.model
        return np.maximum(0.0, -model.labour.open_jobs())

    def signing(self) -> np.ndarray:
        """Rows of the firms that sign the charter this month."""
        model = self.model
        firms = model.firms
        trust = firms.trust
        gain, cost = self.charter_balance()
        eligible = firms.alive & ~firms.charter
        eligible &= trust >= model.spec.mechanisms.cooperation.charter_trust
        return np.flatnonzero(eligible & (gain > 0) & (trust * gain > cost))

    def keeps_staff(self, excess: np.ndarray) -> np.ndarray:
        """Firms the charter keeps from laying off their ``excess`` staff.

        They are the charter firms whose cash covers ``keep_staff_months`` of those staff's wages.
        """
        model = self.model
        if not (model.cooperation_on and model.spec.mechanisms.circles.enabled):
            return np.zeros(len(model.firms), dtype=bool)
        months = model.spec.mechanisms.circles.keep_staff_months
        wage = model.spec.finance.wage_cost_eur_per_fte_month
        covered = model.firms.cash >= excess * wage * months
        return model.firms.charter & covered & (months > 0)

    def local_only(self, orgs: np.ndarray) -> np.ndarray:
        """Mask of ``orgs`` (organisation ids) whose posts go to residents first.

        They are the charter firms, under the local-hiring commitment.
        """
        model = self.model
        rule = model.spec.mechanisms.circles
        if not (model.cooperation_on and rule.enabled and rule.local_hiring) or not len(
            model.firms
        ):
            return np.zeros(orgs.size, dtype=bool)
        rows = model.orgs.firm_rows(orgs)
        return (rows >= 0) & model.firms.charter[np.maximum(rows, 0)]

    # -- the pact and trust between pairs --------------------------------------------------------

    def in_pact(self, org: int) -> bool:
        """Whether an organisation signed the pact."""
        graph = self.model.network.graph
        return org in graph and any(
            "pact" in kinds for _, _, kinds in graph.edges(org, data="kinds")
        )

    def pact_members(self) -> int:
        """Organisations in the pact (the animator with them)."""
        graph = self.model.network.graph
        ends = {n for a, b, kinds in graph.edges(data="kinds") if "pact" in kinds for n in (a, b)}
        return len(ends)

    def pair_trust(self, a: int, b: int) -> float:
        """Trust between two organisations: their tie's, or through the best common partner."""
        network = self.model.network
        graph, trust = network.graph, network.trust
        if a not in graph or b not in graph:
            return 0.0
        best = float(trust[graph.edges[a, b]["idx"]]) if graph.has_edge(a, b) else 0.0
        for c in nx.common_neighbors(graph, a, b):
            via = trust[graph.edges[a, c]["idx"]] * trust[graph.edges[c, b]["idx"]]
            best = max(best, float(via))
        return best

    def lending_trust(self, lender: int, borrower: int) -> float:
        """The trust a lender lends a borrower on (0: it does not lend).

        It is their pair's trust (at least ``lending_trust`` between two members of the pact), or
        0 below ``lending_trust``; 1 for every pair when trust does not govern lending
        (``lending_by_trust`` off).
        """
        rule = self.model.spec.mechanisms.circles
        if not (rule.enabled and rule.lending_by_trust):
            return 1.0
        floor = rule.lending_trust
        trust = self.pair_trust(lender, borrower)
        if self.in_pact(lender) and self.in_pact(borrower):
            trust = max(trust, floor)
        return trust if trust >= floor else 0.0
