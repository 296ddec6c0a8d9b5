"""Classic (non-ESS) firms.

Firms' state lives in a column table, :class:`FirmTable` (one row per firm), so that labour
demand, hiring and lay-offs are computed for every firm at once. Each firm is also an organisation
of the model, in ``model.orgs`` next to the ESS structures, through a Mesa agent,
:class:`ClassicFirm`, that is a view on its row: firms are few (hundreds), and as agents they keep
the interface the rules, the indicators and the dashboard use for every organisation.

A firm's labour demand, in full-time equivalents, is its baseline size times its sector's demand
index (trend, business cycle, season, shocks) times its own persistent noise. The whole part of
that demand is the firm's full-time jobs; the fractional part is its part-time and seasonal need,
which it fills alone only sometimes, and which an employer group (GE) pools into stable jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ptce_sim.simulation.accounts import FIRMS, REST_OF_WORLD, Flow
from ptce_sim.simulation.agents.persons import NO_ORG, Status
from ptce_sim.simulation.tables import Column, ColumnTable

if TYPE_CHECKING:
    from ptce_sim.config.scenario import Scenario
    from ptce_sim.simulation.interface import Context


class FirmTable(ColumnTable):
    """All classic firms' state as columns, one row per firm ever created (rows never move).

    Attributes:
        org: organisation id (index into ``model.orgs``).
        sector: index of the firm's sector in the scenario.
        base: labour demand (FTE) when the sector index is 1.
        noise: the firm's own log-demand shock (AR(1)).
        fills_alone: whether the firm fills a fractional need above one half by itself.
        alive: False once the firm has closed.
        created: month of creation.
        ge, geiq: organisation id of the GE / GEIQ it is a member of (``NO_ORG``: none).
        charter: signed the pole's charter.
        trust: the firm's trust in the pole, in [0, 1].
        risk_aversion: the firm's own attitude to risk, multiplying the risk premium it puts on a
            group's price or a loan (log-normal, mean 1, ``firms.risk_aversion_dispersion``).
        demand: current labour demand (FTE).
        unfilled_skilled: recent skilled vacancies it could not fill (smoothed).
        incubated: created by a project holder of the CAE.
        cash: the firm's cash (euros); the firms' cash sums to the ``FIRMS`` account's balance.
        sales, wages, pole_bills, training, profit: the month's accounts (euros): sales, wages of
            its own staff, what it paid the pole's structures (its GE's and GEIQ's hours lent and
            member fees, its purchases from ESS structures' markets), its training
            contribution (OPCA), and the profit they leave.
        broke_months: consecutive months with negative cash.
        ge_need: the part-time need (FTE) it contracted with its GE on joining (0: not a member).
        ge_loss_months, geiq_loss_months: consecutive months in which its GE's / GEIQ's net
            benefit to it was negative.
    """

    columns = {
        "org": Column(np.dtype(np.int32)),
        "sector": Column(np.dtype(np.int16)),
        "base": Column(np.dtype(np.float64)),
        "noise": Column(np.dtype(np.float64), 0.0),
        "fills_alone": Column(np.dtype(np.bool_)),
        "alive": Column(np.dtype(np.bool_), True),
        "created": Column(np.dtype(np.int32)),
        "ge": Column(np.dtype(np.int32), NO_ORG),
        "geiq": Column(np.dtype(np.int32), NO_ORG),
        "charter": Column(np.dtype(np.bool_), False),
        "trust": Column(np.dtype(np.float64), 0.0),
        "risk_aversion": Column(np.dtype(np.float64), 1.0),
        "demand": Column(np.dtype(np.float64)),
        "unfilled_skilled": Column(np.dtype(np.float64), 0.0),
        "incubated": Column(np.dtype(np.bool_), False),
        "cash": Column(np.dtype(np.float64), 0.0),
        "sales": Column(np.dtype(np.float64), 0.0),
        "wages": Column(np.dtype(np.float64), 0.0),
        "pole_bills": Column(np.dtype(np.float64), 0.0),
        "training": Column(np.dtype(np.float64), 0.0),
        "profit": Column(np.dtype(np.float64), 0.0),
        "broke_months": Column(np.dtype(np.int32), 0),
        "ge_loss_months": Column(np.dtype(np.int32), 0),
        "ge_need": Column(np.dtype(np.float64), 0.0),
        "geiq_loss_months": Column(np.dtype(np.int32), 0),
    }

    def add(
        self, model: Context, sector: np.ndarray, base: np.ndarray, **columns: np.ndarray
    ) -> np.ndarray:
        """Create firms (one Mesa agent and one organisation id each), with their starting cash.

        Their starting cash is ``cash_reserve_months`` of the wage bill of their first demand,
        brought by their founders.

        Args:
            model: the model (its organisations, economy stream and current month).
            sector: sector index of each new firm.
            base: baseline labour demand (FTE) of each new firm; also its first demand.
            **columns: other columns given (the rest take their default).

        Returns:
            The rows of the new firms.
        """
        n = sector.size
        start = len(self)
        orgs = np.array(
            [model.orgs.register(ClassicFirm(model, start + i)) for i in range(n)], dtype=np.int32
        )
        reserve = (
            model.spec.firms.cash_reserve_months * model.spec.finance.wage_cost_eur_per_fte_month
        )
        cash = reserve * np.asarray(base, dtype=np.float64)
        model.ledger.transfer(REST_OF_WORLD, FIRMS, float(cash.sum()), Flow.ENDOWMENT)
        spread = model.spec.firms.risk_aversion_dispersion
        values = {
            "org": orgs,
            "cash": cash,
            "sector": sector,
            "base": base,
            "fills_alone": model.streams.economy.random(n)
            < model.spec.firms.fractional_fill_without_ge,
            "risk_aversion": np.exp(
                spread * model.streams.economy.standard_normal(n) - spread**2 / 2
            ),
            "created": np.full(n, model.month_index),
            "demand": np.asarray(base, dtype=np.float64),
            **columns,
        }
        return super().add(**values)

    def alive_rows(self) -> np.ndarray:
        """Rows of the firms still open."""
        return np.flatnonzero(self.alive)

    def value_per_fte(self, spec: Scenario) -> np.ndarray:
        """Monthly value added of one FTE in every firm's sector (``sales_eur_per_fte_month``)."""
        return np.array([s.sales_eur_per_fte_month for s in spec.sectors])[self.sector]

    def margin_per_fte(self, spec: Scenario) -> np.ndarray:
        """What one more FTE brings every firm a month above its wage cost (at least 0)."""
        return np.maximum(0.0, self.value_per_fte(spec) - spec.finance.wage_cost_eur_per_fte_month)

    def join(self, column: str, rows: np.ndarray, org: int, need: np.ndarray) -> None:
        """Firms ``rows`` join group ``org`` (``column``: "ge" or "geiq").

        A GE member contracts its part-time need ``need[rows]`` (FTE), held until it leaves.
        """
        getattr(self, column)[rows] = org
        getattr(self, f"{column}_loss_months")[rows] = 0
        if column == "ge":
            self.ge_need[rows] = need[rows]

    def release(self, column: str, rows: np.ndarray) -> None:
        """Firms ``rows`` leave their GE or GEIQ (``column``); a GE member's contract ends."""
        getattr(self, column)[rows] = NO_ORG
        getattr(self, f"{column}_loss_months")[rows] = 0
        if column == "ge":
            self.ge_need[rows] = 0.0

    def jobs_target(self) -> tuple[np.ndarray, np.ndarray]:
        """Full-time jobs wanted and the fractional need (FTE in [0, 1)) of every firm."""
        whole = np.floor(self.demand)
        return whole, self.demand - whole


class ClassicFirm(mesa.Agent):
    """A classic firm of the territory; a view on one row of :class:`FirmTable`."""

    def __init__(self, model: Context, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def org(self) -> int:
        """Its organisation id (set when the table registers it)."""
        return int(self.model.firms.org[self.row])

    @property
    def name(self) -> str:
        """A readable name."""
        return f"{self.sector} firm {self.row}"

    @property
    def kind(self) -> str:
        """Kind of organisation, as in the tables."""
        return "classic_firm"

    @property
    def sector(self) -> str:
        """Name of the firm's sector."""
        return self.model.spec.sectors[int(self.model.firms.sector[self.row])].name

    @property
    def alive(self) -> bool:
        """Still open."""
        return bool(self.model.firms.alive[self.row])

    @property
    def demand(self) -> float:
        """Current labour demand in FTE."""
        return float(self.model.firms.demand[self.row])

    @property
    def employees(self) -> int:
        """Persons it employs directly."""
        return int(self.model.staff.counts[self.org, Status.CLASSIC])

    @property
    def employer_groups(self) -> list[str]:
        """Names of the GE and GEIQ it is a member of."""
        orgs = (int(self.model.firms.ge[self.row]), int(self.model.firms.geiq[self.row]))
        return [self.model.orgs[o].name for o in orgs if o != NO_ORG]

    @property
    def charter(self) -> bool:
        """Signed the pole's charter."""
        return bool(self.model.firms.charter[self.row])

    account = FIRMS
    """Its account in the books: the firms' common account (its own cash is its table row's)."""

    @property
    def cash(self) -> float:
        """Its cash (euros): its row of the table's ``cash`` column."""
        return float(self.model.firms.cash[self.row])

    @cash.setter
    def cash(self, value: float) -> None:
        self.model.firms.cash[self.row] = value

    @property
    def monthly_costs(self) -> float:
        """Last month's wages and training contribution: what its reserve is counted in."""
        firms = self.model.firms
        return float(firms.wages[self.row] + firms.training[self.row])
