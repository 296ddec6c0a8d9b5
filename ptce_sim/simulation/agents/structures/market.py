"""Structures that live from a market.

ESS enterprises, work-integration enterprises (EI) and the inter-company integration restaurant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.config.scenario import StructureKind, StructureSpec
from ptce_sim.simulation.accounts import Account, Flow
from ptce_sim.simulation.agents.persons import Status
from ptce_sim.simulation.agents.structures.base import Structure

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context


class MarketStructure(Structure):
    """A structure that sells goods or services in one of the scenario's markets.

    Its market (:mod:`ptce_sim.simulation.mechanisms.markets`) has finite demand shared with the
    market's other suppliers, paid by the market's buyers, partly taken from classic firms.
    """

    kind = StructureKind.ESS_ENTERPRISE

    def __init__(self, model: Context, spec: StructureSpec) -> None:
        if spec.market not in model.markets.index:
            raise ValueError(
                f"structure {spec.name!r} ({spec.kind}) must sell in one of the scenario's "
                f"markets {sorted(model.markets.index)}, got market={spec.market!r}"
            )
        super().__init__(model, spec)

    def market_eur_month(self) -> float:
        """What it can sell this month, in euros: its share of its market's demand."""
        return self.model.markets.reach(self)

    def production_fte(self) -> float:
        """FTE its market can keep busy."""
        return self.market_eur_month() / max(self.spec.sales_eur_per_fte_month, 1.0)

    def plan(self) -> None:
        """Permanent staff for the production its market can keep busy."""
        super().plan()
        self.adjust_permanent(self.production_fte())

    def revenue(self) -> tuple[float, float, float]:
        """Sales: what its market takes, up to what its staff can produce; no fees or aid."""
        capacity = self.staff(Status.ESS) * self.spec.sales_eur_per_fte_month
        return min(self.market_eur_month(), capacity), 0.0, 0.0

    def extra_costs(self) -> float:
        """Purchases (food, materials) in proportion to this month's sales."""
        return self.spec.purchases_share * self.month_sales

    def payers(self, sales: float, fees: float) -> list[tuple[Account, float, Flow]]:
        """Its sales are paid by its market's buyers (and count in the market's displacement)."""
        return [*self.model.markets.sell(self, sales), *super().payers(0.0, fees)]


class EssEnterprise(MarketStructure):
    """Any other ESS enterprise (association, SCOP, SCIC) living from its market."""

    kind = StructureKind.ESS_ENTERPRISE


class WorkIntegrationEnterprise(MarketStructure):
    """EI: fixed-term insertion posts, financed by sales and by aid per post."""

    kind = StructureKind.WORK_INTEGRATION
    contract_status = Status.INSERTION
    indicators = MarketStructure.indicators | {"insertion_employees", "contracts_started", "hours"}

    def plan(self) -> None:
        """Permanent staff and insertion posts for its production; no new posts without aid."""
        self.openings = []
        rule = self.model.spec.mechanisms.work_integration
        production = self.production_fte()
        if not rule.enabled:
            self.adjust_permanent(production * (1 - self.spec.insertion_share))
            return
        insertion = production * self.spec.insertion_share / max(rule.insertion_productivity, 0.05)
        if not self.model.funding.insertion_aid_available():
            insertion = min(insertion, self.staff(Status.INSERTION))
        self.adjust_permanent(production * (1 - self.spec.insertion_share))
        self.adjust(Status.INSERTION, round(insertion), far=True, contract_months=rule.post_months)

    def revenue(self) -> tuple[float, float, float]:
        """Sales: its staff's and insertion workers' output, up to its market; its insertion aid."""
        rule = self.model.spec.mechanisms.work_integration
        output = (
            self.staff(Status.ESS) + rule.insertion_productivity * self.staff(Status.INSERTION)
        ) * self.spec.sales_eur_per_fte_month
        aid = self.model.funding.insertion_aid(self, self.staff(Status.INSERTION))
        self.year.hours += self.staff(Status.INSERTION) * self.model.hours_per_month
        return min(self.market_eur_month(), output), 0.0, aid

    def end_contracts(self, rows: np.ndarray) -> None:
        """Insertion posts end: the leavers seek work with the employability they gained."""
        self.model.labour.to_seeking(rows, exit_kind="insertion")


class IntegrationRestaurant(WorkIntegrationEnterprise):
    """Inter-company integration restaurant.

    Its market is lunch for the pole's workforce (and the public canteens its market names).
    """

    kind = StructureKind.INTEGRATION_RESTAURANT
    indicators = WorkIntegrationEnterprise.indicators | {"meals_per_day"}
    meal_price_eur = 6.5

    def revenue(self) -> tuple[float, float, float]:
        """As an EI's; the meals sold are counted."""
        sales, fees, aid = super().revenue()
        self.year.meals += sales / self.meal_price_eur
        return sales, fees, aid
