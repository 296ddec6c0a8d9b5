"""Markets of the ESS structures: finite demand, who pays, and the classic sales it displaces.

Each market of the scenario (``[[markets]]``) is finite: in a month its ESS suppliers can reach
``(eur_per_employed_per_year * employed + eur_per_pole_worker_per_year * pole workers) / 12``
euros, widened by their reputation. They share that demand (:meth:`Markets.reach`): supplier
``i`` of ``n`` reaches ``D * w_i / n``, with ``w_i = 1 + growth_with_trust * reputation_i``. A
new supplier in a market (a launched or incubated activity) therefore takes its sales from the
others: nobody brings demand from nowhere.

What a market's suppliers sell is paid by its buyers (households, firms, public buyers, customers
outside), in the market's shares (:meth:`Markets.sell`). A share ``displacement`` of those
sales was bought from the classic firms of the market's sector before: the next month, those
firms lose the value it adds (the sales less the supplier's purchases) and their labour demand
falls by that amount divided by the sector's value added per FTE (``sales_eur_per_fte_month``,
:meth:`Markets.displaced_fte`; the one-month lag is the time buyers take to switch). The rest is
new demand: served from outside before, or a need nobody met.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.accounts import (
    FIRMS,
    HOUSEHOLDS,
    PUBLIC_BUYERS,
    REST_OF_WORLD,
    Account,
    Flow,
)

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures.market import MarketStructure
    from ptce_sim.simulation.interface import Context


class Markets:
    """The scenario's markets: their demand, their suppliers' shares and the displacement.

    Attributes:
        sales_month: what each market's suppliers sold this month (euros).
        value_added_month: the same less their purchases (euros).
        displaced_eur: value added taken from each sector's classic firms last month (euros).
        sales_year, displacing_year: the year's sales, and the part of them displacing firms.
        displaced_fte_months: the year's FTE-months of classic labour demand displaced.
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        specs = model.spec.markets
        self.index = {m.name: i for i, m in enumerate(specs)}
        sectors = [s.name for s in model.spec.sectors]
        self.sector = np.array([sectors.index(m.sector) for m in specs], dtype=np.int64)
        self.displacement = np.array([m.displacement for m in specs])
        self.sales_month = np.zeros(len(specs))
        self.value_added_month = np.zeros(len(specs))
        self.displaced_eur = np.zeros(len(sectors))
        self.sales_year = 0.0
        self.displacing_year = 0.0
        self.displaced_fte_months = 0.0
        self.months = 0
        self.months = 0
        self.incubation_displaced_fte = 0.0
        """Baseline FTE taken from their sectors' firms by the micro firms incubated so far."""
        self._suppliers: tuple[tuple[int, int], dict[int, list[MarketStructure]]] | None = None
        self._demand: tuple[tuple[int, int], list[float]] | None = None

    # -- demand and shares ------------------------------------------------------------------------

    def suppliers(self, market: int) -> list[MarketStructure]:
        """The open structures that sell in a market (recounted when the pole changes)."""
        pole = self.model.pole
        key = (self.model.month_index, pole.version)
        if self._suppliers is None or self._suppliers[0] != key:
            by_market: dict[int, list[MarketStructure]] = {}
            for structure in pole.structures:
                market_name = getattr(structure.spec, "market", None)
                if structure.alive and market_name is not None:
                    by_market.setdefault(self.index[market_name], []).append(structure)
            self._suppliers = (key, by_market)
        return self._suppliers[1].get(market, [])

    def demand_eur_month(self, market: int) -> float:
        """The demand a market's ESS suppliers can reach this month, before reputation.

        It follows the residents in work and the pole's workers as last counted (the staff
        counts, ``model.staff``): computed once per count, for every market.
        """
        model = self.model
        key = (model.month_index, model.staff.version)
        if self._demand is None or self._demand[0] != key:
            employed = float(model.employed)
            specs = model.spec.markets
            pole = (
                model.network.pole_jobs()
                if any(m.eur_per_pole_worker_per_year for m in specs)
                else 0.0
            )
            demand = [
                (m.eur_per_employed_per_year * employed + m.eur_per_pole_worker_per_year * pole)
                / 12.0
                for m in specs
            ]
            self._demand = (key, demand)
        return self._demand[1][market]

    def weight(self, structure: MarketStructure) -> float:
        """How widely a supplier is known: 1, plus its reputation times the market's growth."""
        model = self.model
        trust = model.network.reputation(structure.org) if model.cooperation_on else 0.0
        growth = model.spec.markets[self.index[structure.spec.market]].growth_with_trust
        return 1.0 + growth * trust

    def reach(self, structure: MarketStructure) -> float:
        """What one supplier can sell this month (euros): its share of its market's demand."""
        market = self.index[structure.spec.market]
        rivals = max(1, len(self.suppliers(market)))
        return self.demand_eur_month(market) * self.weight(structure) / rivals

    # -- this month's sales -----------------------------------------------------------------------

    def sell(self, structure: MarketStructure, sales: float) -> list[tuple[Account, float, Flow]]:
        """A supplier sells ``sales`` this month: who pays, in the market's buyers' shares.

        The firms' share is taken from the open firms' cash, in proportion to their demand
        (:meth:`~ptce_sim.simulation.mechanisms.firm_accounts.FirmAccounts.buy`); with no firm
        open, the households buy it. The sale counts in its market's displacement.
        """
        self._record(structure, sales)
        buyers = self.model.spec.markets[self.index[structure.spec.market]].buyers
        by_firms = sales * buyers.firms
        households = sales * buyers.households
        if by_firms and not self.model.firm_accounts.buy(by_firms):
            households, by_firms = households + by_firms, 0.0
        return [
            (HOUSEHOLDS, households, Flow.SALES),
            (FIRMS, by_firms, Flow.SALES),
            (PUBLIC_BUYERS, sales * buyers.public, Flow.SALES),
            (REST_OF_WORLD, sales * buyers.outside, Flow.SALES),
        ]

    def _record(self, structure: MarketStructure, sales: float) -> None:
        """A supplier's sales this month, and the value it adds (its sales less its purchases)."""
        market = self.index[structure.spec.market]
        self.sales_month[market] += sales
        self.value_added_month[market] += sales * (1.0 - structure.spec.purchases_share)

    def close_month(self) -> None:
        """The month's displacing value added becomes next month's loss of each sector's firms."""
        self.displaced_eur = np.bincount(
            self.sector,
            weights=self.value_added_month * self.displacement,
            minlength=self.displaced_eur.size,
        )
        self.sales_year += float(self.sales_month.sum())
        self.displacing_year += float((self.sales_month * self.displacement).sum())
        self.sales_month[:] = 0.0
        self.value_added_month[:] = 0.0

    def displaced_fte(self) -> np.ndarray:
        """Classic labour demand (FTE) of each sector displaced by last month's ESS sales.

        The economy calls it once a month, when it applies it, and the year's total counts it.
        """
        per_fte = np.array([s.sales_eur_per_fte_month for s in self.model.spec.sectors])
        displaced = self.displaced_eur / per_fte
        self.displaced_fte_months += float(displaced.sum())
        self.months += 1
        return displaced

    def displaced_jobs(self) -> float:
        """Classic FTE displaced, on average over the year so far.

        By the markets' sales, and by the micro firms incubated since the start (their
        ``firm_displacement`` share).
        """
        return self.displaced_fte_months / max(1, self.months) + self.incubation_displaced_fte

    def new_year(self) -> None:
        """Start the year's totals again."""
        self.sales_year = 0.0
        self.displacing_year = 0.0
        self.displaced_fte_months = 0.0
        self.months = 0
