"""The shared site: premises the animator buys and refurbishes for the pole's structures.

A ``shared_site`` event (:class:`~ptce_sim.config.scenario.SharedSiteSpec`) has the animator (the
CBE) buy premises and pay their works from a funder's investment grant and a bank loan for the
rest (an annuity: fixed monthly payments over the term). The structures of the pole then decide
each month whether to move in: a structure moves in when the rent of the floor area its posts
take is at most what the site saves it (the share of its overheads that premises and shared
services make), while the premises have room (floor area, number of structures). Inside, each
structure pays a rent per m² to the animator, which repays the loan from them; the structures
inside cooperate at less cost: every month they have a shared success (trust between them grows
faster) and a tie between them if they had none. ASSUMPTION: the sources ([S1], domain notes)
say the CBE bought and refurbished a brownfield of about 6,000 m² in 2015 with the département's
support and a loan repaid by the members' rents; the decision rule, the rent and the trust
effect are assumptions. Every euro goes through the books (:mod:`ptce_sim.simulation.accounts`).
"""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.accounts import REST_OF_WORLD, Flow
from ptce_sim.simulation.agents.persons import Status

if TYPE_CHECKING:
    from ptce_sim.config.scenario import InvestmentSpec, SharedSiteSpec
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context

ON_SITE = (Status.ESS, Status.INSERTION)
"""Staff that work on the premises (lent GE and GEIQ workers work at their host firms)."""


class SharedSite:
    """The premises, their owner, the structures inside and the owner's loan.

    Attributes:
        spec: the site's event (None until it is bought).
        owner: the animator that owns it.
        tenants: organisation ids of the structures inside, in order of moving in (owner first).
        area: floor area (m², at the run's scale) each tenant occupies this month.
        saving: overheads (euros) the site saves each tenant this month.
        loan_balance: what the owner still owes the bank.
        rents_year: rents paid over the year so far.
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.spec: SharedSiteSpec | None = None
        self.owner: Structure | None = None
        self.tenants: list[int] = []
        self.area: dict[int, float] = {}
        self.saving: dict[int, float] = {}
        self.granted: set[str] = set()  # structures whose investment grant is paid (once)
        self.loan_balance = 0.0
        self.annuity = 0.0
        self.rents_year = 0.0

    @property
    def open(self) -> bool:
        """Whether the site is bought and its owner still open."""
        return self.owner is not None and self.owner.alive

    def capacity(self) -> float:
        """Floor area at the run's scale (the agents' posts are the territory's times the scale)."""
        return self.spec.floor_area_m2 * self.model.scale if self.spec is not None else 0.0

    def buy(self, spec: SharedSiteSpec) -> bool:
        """The animator buys and refurbishes the premises; False when nothing is done.

        Nothing is bought without an animator open, or with cooperation off (pooling premises is
        one of the pole's tools).
        """
        model = self.model
        owner = model.pole.animator()
        if owner is None or self.spec is not None or not model.cooperation_on:
            return False
        self.spec, self.owner = spec, owner
        scale = model.scale
        for investment in spec.investments:
            if investment.structure is None:
                self._grant(investment, owner)
        loan = spec.loan_eur * scale
        self._move(REST_OF_WORLD, owner, loan, Flow.SITE_LOAN)
        self._move(owner, REST_OF_WORLD, spec.price_eur * scale, Flow.SITE_PURCHASE)
        self._move(owner, REST_OF_WORLD, spec.works_eur * scale, Flow.SITE_WORKS)
        self.loan_balance = loan
        self.annuity = annuity(loan, spec.loan_rate_per_year, spec.loan_term_years)
        self.tenants = [owner.org]
        return True

    def _grant(self, investment: InvestmentSpec, to: Structure) -> None:
        """A funder's investment grant, brought for it outside its yearly budget."""
        model = self.model
        funder = next(a for a in model.authorities if a.name == investment.authority)
        amount = investment.eur * model.scale
        model.ledger.transfer(REST_OF_WORLD, funder.org, amount, Flow.INVESTMENT_BUDGET)
        model.ledger.transfer(funder.org, to.org, amount, Flow.INVESTMENT_GRANT)
        to.cash += amount
        to.year.aid_eur += amount
        model.tally.public(funder.spec.level, amount)

    def _move(self, source, destination, amount: float, flow: Flow) -> None:
        """A transfer to or from a structure (``Structure`` or a named account): books and cash."""
        ledger_source = source.org if hasattr(source, "org") else source
        ledger_destination = destination.org if hasattr(destination, "org") else destination
        self.model.ledger.transfer(ledger_source, ledger_destination, amount, flow)
        if hasattr(source, "cash"):
            source.cash -= amount
        if hasattr(destination, "cash"):
            destination.cash += amount

    # -- the month ------------------------------------------------------------------------------

    def settle(self) -> None:
        """The month on the site: areas, moves in, rents, the loan's repayment, co-location."""
        self.saving = {}
        if not self.open:
            return
        orgs = self.model.orgs
        self.tenants = [org for org in self.tenants if orgs[org].alive]
        self._allocate()
        self._moves_in()
        self._pay_rents()
        self._repay()
        self._co_locate()

    def wanted_area(self, structure: Structure) -> float:
        """Floor area its on-site posts take (a post: one FTE of its on-site staff)."""
        fte = self.model.staff.fte[structure.org]
        return float(sum(fte[s] for s in ON_SITE)) * self.spec.m2_per_post

    def overhead_saved(self, structure: Structure, area: float) -> float:
        """Overheads the site saves a structure with ``area`` m² inside, this month.

        The premises' share of the overheads on the wages of its on-site posts, for the part of
        them the area holds.
        """
        wanted = self.wanted_area(structure)
        if wanted <= 0:
            return 0.0
        model = self.model
        finance, fte = model.spec.finance, model.staff.fte[structure.org]
        on_site_wages = (
            fte[Status.ESS] * finance.wage_cost_eur_per_fte_month
            + fte[Status.INSERTION] * finance.insertion_wage_cost_eur_per_fte_month
        )
        share = self.spec.premises_share_of_overheads * finance.overhead_share
        return share * on_site_wages * min(1.0, area / wanted)

    def monthly_rent(self, area: float) -> float:
        """The month's rent of ``area`` m²."""
        return area * self.spec.rent_eur_per_m2_year / 12.0

    def _allocate(self) -> None:
        """Tenants take the area their posts need, in order of moving in, within the premises.

        One left without room (the others grew) moves out; the owner stays.
        """
        free = self.capacity()
        self.area = {}
        for org in self.tenants:
            area = min(self.wanted_area(self.model.orgs[org]), free)
            if area > 0 or org == self.owner.org:
                self.area[org] = area
                free -= area
        self.tenants = list(self.area)

    def free_area(self) -> float:
        """Floor area no tenant occupies this month."""
        return max(0.0, self.capacity() - sum(self.area.values()))

    def _moves_in(self) -> None:
        """Members outside decide whether to move in.

        Each moves in when the rent of the area its posts need is at most what the site saves it
        and its cash is not in the red; those it saves most per euro of rent come first, while
        the premises have room (area, number of structures).
        """
        wanting = []
        for structure in self.model.pole.members():
            area = self.wanted_area(structure)
            if structure.org in self.area or area <= 0 or structure.cash < 0:
                continue
            gain = self.overhead_saved(structure, area) / self.monthly_rent(area)
            if gain >= 1.0:
                wanting.append((-gain, structure.org, structure))
        for _, _, structure in sorted(wanting, key=lambda w: w[:2]):
            area = min(self.wanted_area(structure), self.free_area())
            if len(self.tenants) >= self.spec.max_tenants or area <= 0:
                return
            self.tenants.append(structure.org)
            self.area[structure.org] = area
            if structure.name not in self.granted:  # a tenant moving in again gets none
                self.granted.add(structure.name)
                for investment in self.spec.investments:
                    if investment.structure == structure.name:
                        self._grant(investment, structure)

    def _pay_rents(self) -> None:
        """Tenants (not the owner) pay their rent; each tenant's saving is set for its accounts."""
        orgs = self.model.orgs
        for org, area in self.area.items():
            structure = orgs[org]
            self.saving[org] = self.overhead_saved(structure, area)
            if structure is self.owner:
                continue
            rent = self.monthly_rent(area)
            self._move(structure, self.owner, rent, Flow.RENT)
            structure.year.costs_eur += rent
            self.owner.year.sales_eur += rent
            self.rents_year += rent

    def _repay(self) -> None:
        """The owner pays the month's annuity (interest, then principal) to the bank."""
        if self.loan_balance <= 0:
            return
        interest = self.loan_balance * self.spec.loan_rate_per_year / 12.0
        principal = min(self.loan_balance, self.annuity - interest)
        self._move(self.owner, REST_OF_WORLD, interest + principal, Flow.SITE_REPAYMENT)
        self.owner.year.costs_eur += interest + principal
        self.loan_balance -= principal
        if self.loan_balance < 0.005:  # the last cent
            self.loan_balance = 0.0

    def _co_locate(self) -> None:
        """Structures inside tie and have a shared success each month (ASSUMPTION)."""
        model = self.model
        if not model.cooperation_on or len(self.area) < 2:
            return
        pairs = list(combinations(self.area, 2))
        for a, b in pairs:
            model.network.tie(a, b, "site")
        a, b = np.array(pairs).T
        model.network.succeed_pairs(a, b, weight=self.spec.colocation_trust_weight)

    def overhead_saving(self, org: int) -> float:
        """Euros of overheads the site saves ``org`` this month (0 outside)."""
        return self.saving.get(org, 0.0)

    # -- indicators -----------------------------------------------------------------------------

    def occupancy(self) -> float:
        """Share of the floor area occupied (0 before the site exists)."""
        return sum(self.area.values()) / self.capacity() if self.capacity() > 0 else 0.0

    def posts(self) -> float:
        """Posts the site holds."""
        return sum(self.area.values()) / self.spec.m2_per_post if self.spec is not None else 0.0

    def new_year(self) -> None:
        """A new year's rents."""
        self.rents_year = 0.0


def annuity(principal: float, rate_per_year: float, years: int) -> float:
    """The fixed monthly payment that repays ``principal`` over ``years`` at ``rate_per_year``."""
    months = 12 * years
    r = rate_per_year / 12.0
    if r == 0:
        return principal / months
    return principal * r / (1.0 - (1.0 + r) ** -months)
