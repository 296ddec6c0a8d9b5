"""Classic (non-ESS) firms.

Like persons, firms are Mesa agents (:class:`ClassicFirm`) whose state lives in a structure of
arrays, :class:`FirmTable`, so that labour demand, hiring and lay-offs are computed for every firm
at once. A firm's labour demand, in full-time equivalents, is its baseline size times its sector's
demand index (trend, business cycle, season, shocks) times its own persistent noise. The whole part
of that demand is the firm's full-time jobs; the fractional part is its part-time and seasonal
need, which it fills alone only sometimes, and which an employer group (GE) pools into stable jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ptce_sim.simulation.agents.persons import NO_ORG, Status

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context

_COLUMNS: dict[str, np.dtype] = {
    "org": np.dtype(np.int32),
    "sector": np.dtype(np.int16),
    "base": np.dtype(np.float64),
    "noise": np.dtype(np.float64),
    "fills_alone": np.dtype(np.bool_),
    "alive": np.dtype(np.bool_),
    "created": np.dtype(np.int32),
    "ge": np.dtype(np.int32),
    "geiq": np.dtype(np.int32),
    "charter": np.dtype(np.bool_),
    "trust": np.dtype(np.float64),
    "demand": np.dtype(np.float64),
    "unfilled_skilled": np.dtype(np.float64),
    "incubated": np.dtype(np.bool_),
}


class FirmTable:
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
        demand: current labour demand (FTE).
        unfilled_skilled: recent skilled vacancies it could not fill (smoothed).
        incubated: created by a project holder of the CAE.
    """

    def __init__(self) -> None:
        for name, dtype in _COLUMNS.items():
            setattr(self, name, np.empty(0, dtype=dtype))

    def __len__(self) -> int:
        return self.org.size

    def add(
        self, model: Context, sector: np.ndarray, base: np.ndarray, **columns: np.ndarray
    ) -> np.ndarray:
        """Create firms (one Mesa agent and one organisation id each); returns their rows."""
        n = sector.size
        start = len(self)
        orgs = np.array(
            [model.orgs.register(ClassicFirm(model, start + i)) for i in range(n)], dtype=np.int32
        )
        values = {
            "org": orgs,
            "sector": sector,
            "base": base,
            "noise": np.zeros(n),
            "fills_alone": model.economy_rng.random(n)
            < model.spec.firms.fractional_fill_without_ge,
            "alive": np.ones(n, dtype=bool),
            "created": np.full(n, model.month_index),
            "ge": np.full(n, NO_ORG),
            "geiq": np.full(n, NO_ORG),
            "charter": np.zeros(n, dtype=bool),
            "trust": np.zeros(n),
            "demand": base.astype(np.float64),
            "unfilled_skilled": np.zeros(n),
            "incubated": np.zeros(n, dtype=bool),
            **columns,
        }
        for name, dtype in _COLUMNS.items():
            setattr(
                self,
                name,
                np.concatenate([getattr(self, name), np.asarray(values[name], dtype=dtype)]),
            )
        return np.arange(start, start + n)

    def alive_rows(self) -> np.ndarray:
        """Rows of the firms still open."""
        return np.flatnonzero(self.alive)

    def jobs_target(self) -> tuple[np.ndarray, np.ndarray]:
        """Full-time jobs wanted and the fractional need (FTE in [0, 1)) of every firm."""
        whole = np.floor(self.demand)
        return whole, self.demand - whole


class ClassicFirm(mesa.Agent):
    """A classic firm of the territory; a view on one row of :class:`FirmTable`."""

    def __init__(self, model: Context, row: int) -> None:
        super().__init__(model)
        self.row = row
        self.org = NO_ORG

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
