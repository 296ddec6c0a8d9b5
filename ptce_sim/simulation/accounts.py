"""The books: every euro that moves goes from one named account to another.

:class:`Ledger` keeps one balance per account: each organisation (structures and funders, by
organisation id), the classic firms (one account, :data:`FIRMS`), the sector training funds
(:data:`OPCA`), the households, the solidarity fund and the rest of the world. Money only moves
by :meth:`Ledger.transfer`, between two accounts, under a named kind of flow (:class:`Flow`):
nothing is created or lost in between, so the balances always sum to zero, and the territory's
accounts (all but the rest of the world) change only by flows with the rest of the world.

This first version of the books mirrors the model's money without steering it: a structure's
``cash``, the firms' ``cash`` column, the solidarity fund and each funder's budget left are still
the model's own figures,
and :mod:`ptce_sim.simulation.invariants` checks every month that each equals its balance here
(to the cent). What the books show is where money comes from. Flows whose payer the model does
not represent yet are booked from the rest of the world under their own kind, so that they can be
measured and replaced one by one: the sales of the kinds whose customers are not represented
yet (:attr:`Flow.SALES`; market structures' buyers and the employer groups' member firms are),
the money a funder brings for a call for projects (:attr:`Flow.CALL_BUDGET`, paid to the pole
only when it wins the call), structures' starting cash (:attr:`Flow.ENDOWMENT`). Member fees are
paid by the members (the animator's: structures from their cash, funders from their budget,
classic firms from their cash; the employer groups': their member firms); the OPCA training
funds (:data:`OPCA`) are fed by the firms' training contributions, never by public money.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum

HOUSEHOLDS = "households"
"""The territory's households (wages in)."""
FIRMS = "firms"
"""The classic firms, as one account (each firm's share is its ``cash`` column in the firm table;
the invariants check that they sum to this balance)."""
OPCA = "opca"
"""The sector training funds (OPCA): firms' compulsory training contributions, not public money.
They pay the training centre for the GEIQ trainees' hours and their part of the aid per GEIQ
contract. An OPCA pools its sector's contributions nationally: what the territory's firms paid
in does not cover is paid in by firms elsewhere (the rest of the world)."""
REST_OF_WORLD = "rest_of_world"
"""Everything outside the territory's books: national budgets, customers and suppliers outside."""
PUBLIC_BUYERS = "public_buyers"
"""Local public buyers (canteens, works): purchases under procurement, not grants to the pole."""
SOLIDARITY_FUND = "solidarity_fund"
"""The pole's solidarity fund (the mutualised treasury's own cash)."""
FJT = "fjt"
"""The Foyer de Jeunes Travailleurs: residents' rents and its funder's grant in, its running
costs out (it breaks even each month)."""

Account = int | str
"""An organisation id, or one of the named accounts above."""


class Flow(StrEnum):
    """The kinds of flow: why money moves."""

    BUDGET = "budget"
    """A funder's yearly budget for the pole, from national and local taxes (rest of the world)."""
    BUDGET_WITHDRAWN = "budget_withdrawn"
    """What a funder takes back: a budget cut, a lever, what is left at the end of the year."""
    PUBLIC_AID = "public_aid"
    """A funder pays a structure under one of its rules."""
    CALL_BUDGET = "call_budget"
    """Money a funder brings for a call for projects, outside its yearly budget for the pole."""
    CALL_GRANT = "call_grant"
    """A call for projects won by the animator, paid by the funder that launched it."""
    CALL_APPLICATION = "call_application"
    """The animator's staff-days spent on an application to a call, paid as wages."""
    OPCA_FUNDING = "opca_funding"
    """The OPCA pays a structure: GEIQ trainees' training hours, its part of the GEIQ aid."""
    ENDOWMENT = "endowment"
    """A structure's or a firm's starting cash, brought by its founders."""
    SALES = "sales"
    """A structure's sales, paid by its customers: a market structure's buyers (7.15), the firms
    that host the GE's and GEIQ's workers, the OPCA for the training centre's hours, the
    households for the CAE's contribution on its holders' turnover."""
    MEMBER_FEES = "member_fees"
    """Fees a structure bills its members: the animator's and the employer groups', each paid by
    the member that owes it."""
    WAGES = "wages"
    """Wages of a structure's or a firm's staff, to the households."""
    COMMUTER_WAGES = "commuter_wages"
    """The wages of the in-commuters, who live outside the territory: booked to the households
    with every wage, then passed on to the rest of the world."""
    CONSUMPTION = "consumption"
    """The territory's households buy from its classic firms."""
    EXPORTS = "exports"
    """Customers outside the territory buy from its classic firms."""
    TRAINING_CONTRIBUTION = "training_contribution"
    """Firms pay their compulsory training contribution to the sector training funds (OPCA): the
    territory's firms, and the firms elsewhere whose contributions the OPCA pools."""
    DIVIDENDS = "dividends"
    """A firm pays out its profit above its cash reserve to its owners (the households)."""
    LIQUIDATION = "liquidation"
    """A closing firm's cash goes to its owners, or its debts are written off by its creditors."""
    PURCHASES = "purchases"
    """A structure's overheads and purchases, to suppliers outside the territory's books."""
    LAUNCH = "launch"
    """The animator funds a structure it launches."""
    FUND_CONTRIBUTION = "fund_contribution"
    """A member pays part of its surplus into the solidarity fund."""
    LOAN = "loan"
    """The mutualised treasury lends (from a member or the fund)."""
    REPAYMENT = "repayment"
    """A borrower repays a loan."""
    INTEREST = "interest"
    """Interest: a borrower of the treasury pays its lender; a firm with negative cash pays its
    bank (the rest of the world)."""
    DELIBERATION = "deliberation"
    """The animator's staff hours spent preparing and holding the colleges' deliberations, paid
    as wages."""
    SHARE_CAPITAL = "share_capital"
    """An authority takes shares in a SCIC (its public college), from its budget."""
    SURPLUS_SHARING = "surplus_sharing"
    """A cooperative (a SCOP) pays its workers their share of the year's surplus."""
    SITE_PURCHASE = "site_purchase"
    """The animator buys the shared site's premises from their former owner (an industrial
    firm outside the territory's books: the rest of the world)."""
    SITE_WORKS = "site_works"
    """The animator pays the refurbishment of the shared site (ASSUMPTION: its contractors are
    booked as the rest of the world; the territory's construction firms keep their sector's
    demand)."""
    INVESTMENT_BUDGET = "investment_budget"
    """Money a funder brings for an investment (the shared site), outside its yearly budget."""
    INVESTMENT_GRANT = "investment_grant"
    """A funder's investment grant: to the site's owner, or to a structure moving in."""
    SITE_LOAN = "site_loan"
    """A bank (the rest of the world) lends the animator the rest of the site's price and works."""
    SITE_REPAYMENT = "site_repayment"
    """The animator repays its site loan (principal and interest) to the bank."""
    RENT = "rent"
    """A structure inside the shared site pays its rent to the site's owner (the animator)."""
    FJT_RENT = "fjt_rent"
    """A resident of the FJT pays their rent from their earnings or benefits (the households)."""
    HOUSING_BUDGET = "housing_budget"
    """Money a funder brings for the FJT's deficit, outside its yearly budget for the pole."""
    HOUSING_GRANT = "housing_grant"
    """A funder pays the FJT's deficit (running costs less the residents' rents)."""


class Ledger:
    """Balances of every account, moved only by transfers.

    Attributes:
        totals: euros moved so far by kind of flow.
    """

    def __init__(self) -> None:
        self._balances: dict[Account, float] = defaultdict(float)
        self.totals: dict[Flow, float] = defaultdict(float)

    def transfer(self, source: Account, destination: Account, amount: float, flow: Flow) -> None:
        """Move ``amount`` euros from ``source`` to ``destination`` (nothing when 0).

        Raises:
            ValueError: a negative or non-finite amount, or an account paying itself.
        """
        if not 0.0 <= amount < float("inf"):
            raise ValueError(f"{flow}: amount must be finite and >= 0, got {amount!r}")
        if source == destination:
            raise ValueError(f"{flow}: {source!r} cannot pay itself")
        if amount == 0.0:
            return
        self._balances[source] -= amount
        self._balances[destination] += amount
        self.totals[flow] += amount

    def balance(self, account: Account) -> float:
        """An account's balance (0 for an account that never moved money)."""
        return self._balances.get(account, 0.0)

    def accounts(self) -> dict[Account, float]:
        """Every account that moved money, with its balance."""
        return dict(self._balances)

    def territory_total(self) -> float:
        """The sum of every balance but the rest of the world's."""
        return sum(v for k, v in self._balances.items() if k != REST_OF_WORLD)
