"""Sectors' demand and the life of classic firms: cycles, seasons, shocks, entry and exit.

A sector's demand index is the product of a trend (its own, plus the share that follows the
territory's residents: the residential economy), a business cycle, a season, and the shocks under
way. In the sectors located in the territory, the residential share lives partly on the residents'
earnings (``households.earnings_share_of_residential_demand``): that part follows the residents'
earnings (wages of the residents in work, benefits of those seeking work), the rest their number.
New jobs of residents thus raise the residential sectors' demand: the local multiplier, whose jobs
the year's ``induced_jobs`` column counts. A firm's labour demand is its baseline times its
sector's index times its own persistent noise. When a sector's demand exceeds what its firms
offer by more than ``entry_threshold_jobs``, new firms open; firms also close at random, more
often in a downturn, and plant closures remove a sector's largest firms for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.config.scenario import PlantClosureSpec, SectorShockSpec
from ptce_sim.simulation.agents.persons import EMPLOYED, Status, is_in

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context

NOISE_PERSISTENCE = 0.95
MIN_FIRM_SIZE = 0.6
"""Smallest baseline size (FTE) of a firm drawn from its sector's log-normal."""
MOVERS_MIN_LEVEL = 0.1
"""Demand, as a share of its baseline, below which a firm hires no one moving in with a job
(ASSUMPTION: a sector that has lost nine tenths of its demand takes on no newcomers; in the
Seignanx runs demand never falls that low, so this only guards collapses such as a 100% shock)."""


@dataclass
class ActiveShock:
    """A sector shock under way."""

    sectors: np.ndarray
    start: int
    depth: float
    onset: int
    recovery: int
    permanent: float

    def loss(self, month: int) -> float:
        """Share of demand lost at ``month``."""
        t = month - self.start
        if t < 0:
            return 0.0
        if t < self.onset:
            return self.depth * (t + 1) / self.onset
        t -= self.onset
        lasting = self.depth * self.permanent
        if t < self.recovery:
            return self.depth - (self.depth - lasting) * t / self.recovery
        return lasting


class Economy:
    """Demand of each sector and the firms' entry, exit and closures."""

    def __init__(self, model: Context) -> None:
        self.model = model
        sectors = model.spec.sectors
        self.phase = model.streams.economy.uniform(0.0, 2 * np.pi, len(sectors))
        self.base_jobs = np.zeros(len(sectors))
        self.shocks: list[ActiveShock] = []
        self.index = np.ones(len(sectors))
        self.displaced = np.zeros(len(sectors))
        """Classic FTE of each sector displaced this month by ESS sales."""
        self.follows = np.array([s.follows_population for s in sectors])
        self.spending = np.array(
            [0.0 if s.located_outside else s.follows_population for s in sectors]
        )
        """The residential share of the sectors located in the territory: the residents' local
        spending (a sector of the conurbation follows the residents' number, its access, only)."""
        self.earnings0 = 0.0
        """The residents' earnings at the start (set once the persons are placed)."""
        self.induced = np.zeros(len(sectors))
        """Share of each sector's demand index induced by the residents' earnings this month."""

    def resident_earnings(self) -> float:
        """The residents' earnings this month, in full-time wages.

        The FTE of the residents in work, plus ``households.benefit_replacement`` for each resident
        seeking work or in a course.
        """
        people = self.model.people
        resident = people.resident
        working = is_in(people.status, EMPLOYED) & resident
        seeking = is_in(people.status, (Status.SEEKER, Status.LONG_TERM, Status.TRAINING))
        benefit = self.model.spec.households.benefit_replacement
        return float(people.fte[working].sum()) + benefit * np.count_nonzero(seeking & resident)

    def residential_ratios(self) -> tuple[float, float]:
        """(residents, residents' earnings) now relative to the start.

        Earnings follow the residents until the persons are placed.
        """
        population = self.model.demography.labour_force_ratio()
        if self.earnings0 <= 0.0:
            return population, population
        return population, self.resident_earnings() / self.earnings0

    def sector_index(self) -> np.ndarray:
        """Demand index of every sector this month (1 = the start)."""
        model = self.model
        t = model.month_index
        years = t / 12.0
        sectors = model.spec.sectors
        trend = np.array([np.exp(s.trend_per_year * years) for s in sectors])
        population, earnings = self.residential_ratios()
        spent = self.spending * model.spec.households.earnings_share_of_residential_demand
        residential = (
            1.0 - self.follows + self.follows * population + spent * (earnings - population)
        )
        induced = spent * (earnings - population)
        self.induced = np.divide(
            induced, residential, out=np.zeros_like(induced), where=residential > 0
        )
        trend *= residential
        amp = np.array([s.cycle_amplitude for s in sectors])
        period = np.array([s.cycle_period_years for s in sectors])
        cycle = 1.0 + amp * np.sin(2 * np.pi * years / period + self.phase)
        seas = np.array([s.seasonal_amplitude for s in sectors])
        peak = np.array([s.peak_month for s in sectors])
        season = 1.0 + seas * np.cos(2 * np.pi * (model.month_of_year - peak) / 12.0)
        shock = np.ones(len(sectors))
        for active in self.shocks:
            shock[active.sectors] *= 1.0 - active.loss(t)
        return trend * cycle * season * shock

    def update_demand(self) -> None:
        """New demand index; every open firm's labour demand follows, with its own noise."""
        model = self.model
        firms = model.firms
        previous = self.index
        self.index = self.sector_index()
        sd = np.array([s.firm_noise for s in model.spec.sectors])[firms.sector]
        firms.noise = (
            NOISE_PERSISTENCE * firms.noise
            + model.streams.economy.normal(0.0, 1.0, len(firms)) * sd
        )
        firms.demand = np.where(
            firms.alive, firms.base * self.index[firms.sector] * np.exp(firms.noise), 0.0
        )
        self._displace(model.markets.displaced_fte())
        self._exits(previous)
        self._entries()

    def induced_jobs(self) -> float:
        """Classic jobs of demand the residents' earnings induce beyond what their number calls for.

        Negative when earnings per resident fall below the start's.
        """
        firms = self.model.firms
        return float(np.sum(firms.demand * self.induced[firms.sector]))

    def _displace(self, displaced: np.ndarray) -> None:
        """ESS sales that displace classic firms' sales lower their sectors' labour demand.

        Every firm of a sector is lowered in proportion to its demand (entries see the lower demand
        too).
        """
        self.displaced = displaced
        if not displaced.any():
            return
        firms = self.model.firms
        total = np.bincount(firms.sector, weights=firms.demand, minlength=displaced.size)
        kept = np.where(
            total > 0, 1.0 - np.minimum(displaced, total) / np.maximum(total, 1e-12), 1.0
        )
        firms.demand *= kept[firms.sector]

    def posts_outside(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` new posts in the sectors located outside (the conurbation); the firms' rows.

        They are brought by residents moving in with their job: each goes to an open firm of those
        sectors drawn in proportion to its baseline, whose baseline (and its sector's) grows by the
        post.

        Only firms whose demand is at least :data:`MOVERS_MIN_LEVEL` of their baseline hire
        movers; with none (a collapsed conurbation), no post is made (the movers come seeking
        work) rather than a post worth a huge baseline once demand recovers.
        """
        firms = self.model.firms
        outside = np.array([s.located_outside for s in self.model.spec.sectors], dtype=bool)
        level = self.index[firms.sector] * np.exp(firms.noise)
        hiring = firms.alive & outside[firms.sector] & (level >= MOVERS_MIN_LEVEL)
        candidates = np.flatnonzero(hiring)
        if n == 0 or candidates.size == 0:
            return np.zeros(0, dtype=np.int64)
        weights = firms.base[candidates]
        rows = candidates[rng.choice(candidates.size, size=n, p=weights / weights.sum())]
        posts = 1.0 / level[rows]
        np.add.at(firms.base, rows, posts)
        np.add.at(self.base_jobs, firms.sector[rows], posts)
        firms.demand[rows] = (
            firms.base[rows] * self.index[firms.sector[rows]] * np.exp(firms.noise[rows])
        )
        return rows

    def take_market_share(self, sectors: np.ndarray, base: np.ndarray, displacement: float) -> None:
        """New firms of ``sectors`` with baseline demand ``base``.

        A share ``displacement`` of it is taken from the sector's open firms (their baseline falls
        in proportion to it), the rest is new demand for the sector.
        """
        model = self.model
        firms = model.firms
        taken = np.bincount(sectors, weights=base * displacement, minlength=self.base_jobs.size)
        alive = firms.alive
        held = np.bincount(firms.sector[alive], weights=firms.base[alive], minlength=taken.size)
        taken = np.minimum(taken, held)
        kept = np.where(held > 0, 1.0 - taken / np.maximum(held, 1e-12), 1.0)
        firms.base[alive] *= kept[firms.sector[alive]]
        np.add.at(self.base_jobs, sectors, base * (1.0 - displacement))
        model.markets.incubation_displaced_fte += float(taken.sum())

    def _exits(self, previous: np.ndarray) -> None:
        model = self.model
        firms = model.firms
        rate = model.spec.firms.exit_rate_per_year / 12.0
        decline = np.maximum(0.0, 1.0 - self.index / np.maximum(previous, 1e-9))
        p = rate * (1.0 + 20.0 * decline[firms.sector])
        closing = np.flatnonzero(firms.alive & (model.streams.economy.random(len(firms)) < p))
        if closing.size:
            self.base_jobs_remove(closing, permanent=False)
            model.labour.close_firms(closing)

    def _entries(self) -> None:
        """Open firms where a sector's demand exceeds what its firms offer."""
        model = self.model
        firms = model.firms
        sectors = model.spec.sectors
        offered = np.bincount(
            firms.sector[firms.alive],
            weights=firms.base[firms.alive] * self.index[firms.sector[firms.alive]],
            minlength=len(sectors),
        )
        wanted = self.base_jobs * self.index - self.displaced
        threshold = model.spec.firms.entry_threshold_jobs * min(1.0, model.scale)
        for s, _sector in enumerate(sectors):
            gap = wanted[s] - offered[s]
            if gap <= threshold:
                continue
            sizes = self.sizes_for(s, gap / self.index[s])
            if sizes.size:
                model.firms.add(model, np.full(sizes.size, s, dtype=np.int16), sizes)

    def sizes_for(self, sector: int, room: float) -> np.ndarray:
        """Sizes of new firms that fill exactly ``room`` baseline jobs of a sector.

        Sizes are drawn (:meth:`draw_sizes`) until they reach ``room``; the firm that crosses it
        is cut to what is left. A remainder below :data:`MIN_FIRM_SIZE` goes to the firm before
        it (or is a firm of its own when it is the only one). Filling exactly matters: new firms
        open where demand exceeds the firms' offer and nothing closes a firm for an excess, so
        a fill right only on average would ratchet the sectors up, most at small scales where a
        firm is a large part of a sector.
        """
        if room <= 0.0:
            return np.zeros(0)
        mean = self.model.spec.sectors[sector].mean_firm_size
        sizes = self.draw_sizes(sector, max(1, int(2 * room / mean) + 2))
        total = np.cumsum(sizes)
        while total[-1] < room:  # rare: draw more
            sizes = np.concatenate([sizes, self.draw_sizes(sector, sizes.size)])
            total = np.cumsum(sizes)
        last = int(np.searchsorted(total, room))  # the firm that crosses ``room``
        sizes = sizes[: last + 1].copy()
        left = room - (total[last - 1] if last else 0.0)
        if left >= MIN_FIRM_SIZE or last == 0:
            sizes[last] = left
            return sizes
        sizes = sizes[:last]
        sizes[-1] += left
        return sizes

    def draw_sizes(self, sector: int, n: int) -> np.ndarray:
        """Baseline sizes (FTE) of ``n`` new firms of a sector.

        Log-normal with the sector's mean.
        """
        spec = self.model.spec.sectors[sector]
        sigma = spec.firm_size_sigma
        mu = np.log(spec.mean_firm_size) - sigma**2 / 2
        return np.maximum(MIN_FIRM_SIZE, self.model.streams.economy.lognormal(mu, sigma, n))

    def base_jobs_remove(self, rows: np.ndarray, *, permanent: bool) -> None:
        """Firms closing: a plant closure lowers the sector's demand for good, a random exit not."""
        if permanent:
            np.subtract.at(
                self.base_jobs, self.model.firms.sector[rows], self.model.firms.base[rows]
            )
            # the closed firms may exceed the baseline (firms that entered since): none is left
            np.maximum(self.base_jobs, 0.0, out=self.base_jobs)

    # -- events ---------------------------------------------------------------------------------

    def start_shock(self, event: SectorShockSpec) -> None:
        """A sector downturn begins now."""
        names = [s.name for s in self.model.spec.sectors]
        self.shocks.append(
            ActiveShock(
                np.array([names.index(n) for n in event.sectors]),
                self.model.month_index,
                event.depth,
                event.onset_months,
                event.recovery_months,
                event.permanent_share,
            )
        )

    def close_plants(self, event: PlantClosureSpec) -> int:
        """Close the sector's largest firms until about ``event.jobs`` (scaled) jobs are gone."""
        model = self.model
        firms = model.firms
        names = [s.name for s in model.spec.sectors]
        sector = names.index(event.sector)
        rows = np.flatnonzero(firms.alive & (firms.sector == sector))
        rows = rows[np.argsort(-firms.demand[rows], kind="stable")]
        remaining = event.jobs * model.scale
        chosen: list[int] = []
        for row in rows.tolist():  # largest first, without overshooting by more than half a plant
            size = firms.demand[row]
            if remaining <= 0:
                break
            if size <= remaining + 0.5 * size:
                chosen.append(row)
                remaining -= size
        closing = np.array(chosen, dtype=np.int64)
        self.base_jobs_remove(closing, permanent=True)
        jobs = int(np.count_nonzero(np.isin(model.people.employer, firms.org[closing])))
        model.labour.close_firms(closing)
        return jobs
