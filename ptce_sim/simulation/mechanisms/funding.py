"""Hybrid funding: what each funder pays, under which rule, within its budget; the OPCA; calls.

Each funder (the State, the European Social Fund, the Région, the Département, the
intercommunality, the communes) has a yearly budget for the pole (reset every January; nothing
before its ``active_from``) and rules: an animation grant to the animator, PLIE funding per person
it follows, aid per insertion post, a training budget that buys courses for job seekers, aid per
GEIQ contract, aid per incubated project holder, and a share of ESS structures' operating deficits.
Every payment is drawn from the budgets of the funders that have the rule, in the scenario's
order, and stops when they are spent. Budget cuts scale the rules down. The sector training funds
(OPCA, firms' money) pay the GEIQ trainees' training hours and their share of the aid per GEIQ
contract. A call for projects is launched by a funder: the pole applies if it has an animator,
and wins the call's grant with a chance that grows with its track record and trust.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from ptce_sim.config.scenario import AuthoritySpec, BudgetCutSpec, StructureKind
from ptce_sim.simulation.accounts import HOUSEHOLDS, OPCA, REST_OF_WORLD, Flow

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context

ITEMS = ("budget", "animation_grant", "insertion_aid", "training_budget", "operating_grant")
WORKING_DAYS_PER_MONTH = 21.0
"""Working days in a month, to price the animator's staff-days."""


class Authority(mesa.Agent):
    """A funder (State, European Social Fund, Région, Département, intercommunality, commune).

    Attributes:
        spec: its definition in the scenario.
        factor: remaining share of each item after budget cuts.
        left: what it can still pay this year.
        paid_year: what it paid this year.
    """

    def __init__(self, model: Context, spec: AuthoritySpec) -> None:
        super().__init__(model)
        self.spec = spec
        self.name = spec.name
        self.factor = dict.fromkeys(ITEMS, 1.0)
        self.left = 0.0
        self.paid_year = 0.0
        self.org = model.orgs.register(self)
        self.active_month = spec.active_month(model.spec.run.start_year)
        self.new_year()

    @property
    def kind(self) -> str:
        """Kind of organisation, as in the tables."""
        return f"authority_{self.spec.level}"

    @property
    def active(self) -> bool:
        """Whether it exists this month (from its ``active_from`` on)."""
        return self.model.month_index >= self.active_month

    def new_year(self) -> None:
        """A new budget year: what is left of the last one goes back, the new budget comes in.

        No budget comes in before the funder exists.
        """
        ledger = self.model.ledger
        unspent = ledger.balance(self.org)
        if unspent > 0.0:  # (a budget spent to the last euro may leave -1e-12 of rounding)
            ledger.transfer(self.org, REST_OF_WORLD, unspent, Flow.BUDGET_WITHDRAWN)
        budget = self.spec.budget_eur_per_year * self.model.scale * self.factor["budget"]
        self.left = budget if self.active else 0.0
        ledger.transfer(REST_OF_WORLD, self.org, self.left, Flow.BUDGET)
        self.paid_year = 0.0

    def start_month(self) -> None:
        """January: a new budget year.

        The month it comes into existence: its budget for the months left of the year.
        """
        model = self.model
        if model.month_of_year == 1:
            self.new_year()
        elif model.month_index == self.active_month:
            budget = self.spec.budget_eur_per_year * model.scale * self.factor["budget"]
            self.left = budget * (13 - model.month_of_year) / 12.0
            self.sync_budget()

    def sync_budget(self) -> None:
        """Book a change of the budget left (a cut, a lever) as money taken back or added."""
        ledger = self.model.ledger
        change = self.left - ledger.balance(self.org)
        if change > 0:
            ledger.transfer(REST_OF_WORLD, self.org, change, Flow.BUDGET)
        elif change < 0:
            ledger.transfer(self.org, REST_OF_WORLD, -change, Flow.BUDGET_WITHDRAWN)

    def rule(self, item: str, value: float) -> float:
        """A rule's amount after the budget cuts applied to ``item`` (not scaled)."""
        return value * self.factor[item]

    def pay(self, amount: float, to: Structure, flow: Flow = Flow.PUBLIC_AID) -> float:
        """Pay ``to`` up to ``amount`` within what is left of the year's budget.

        The budget is public money of its level.
        """
        paid = max(0.0, min(amount, self.left))
        self.left -= paid
        self.paid_year += paid
        self.model.tally.public(self.spec.level, paid)
        self.model.ledger.transfer(self.org, to.org, paid, flow)
        return paid

    def cut(self, event: BudgetCutSpec) -> None:
        """Apply a budget cut from now on."""
        for item in event.items:
            self.factor[item] *= 1.0 - event.share
        if "budget" in event.items:
            self.left *= 1.0 - event.share
            self.sync_budget()

    def set_level(self, item: str, level: float) -> None:
        """Set ``item`` to ``level`` times the scenario's amount from now on.

        This year's budget left follows in proportion when ``item`` is the budget (nothing if it
        was stopped).
        """
        if item == "budget":
            self.left *= level / self.factor[item] if self.factor[item] else 0.0
            self.sync_budget()
        self.factor[item] = level


class Funding:
    """Routes each kind of public payment to the authorities that have the rule."""

    def __init__(self, model: Context) -> None:
        self.model = model

    @property
    def authorities(self) -> list[Authority]:
        """The model's funders."""
        return self.model.authorities

    def _pay(self, wanted: list[tuple[Authority, float]], to: Structure) -> float:
        return sum(authority.pay(amount, to) for authority, amount in wanted if amount > 0)

    def expected_animation_grant(self) -> float:
        """Monthly animation grants the animator can expect over the year (to size its team).

        The year's rules, not what is left of the budgets this month: a team is not laid off in
        November and hired again in January; a shortfall shows in the animator's cash instead.
        """
        scale = self.model.scale
        return sum(
            a.rule("animation_grant", a.spec.animation_grant_eur_per_year) * scale / 12.0
            for a in self.authorities
            if a.active
        )

    def animation_grant(self, animator: Structure) -> float:
        """This month's animation grants."""
        scale = self.model.scale
        return self._pay(
            [
                (a, a.rule("animation_grant", a.spec.animation_grant_eur_per_year) * scale / 12.0)
                for a in self.authorities
            ],
            animator,
        )

    def plie_aid_rate(self, followed: int) -> float:
        """Monthly PLIE funding the animator can expect for ``followed`` persons."""
        return sum(
            a.rule("insertion_aid", a.spec.plie_aid_per_person_eur_per_year) * followed / 12.0
            for a in self.authorities
            if a.active
        )

    def plie_aid(self, animator: Structure, followed: int) -> float:
        """This month's PLIE funding (e.g. the European Social Fund) per person followed."""
        if not self.model.cooperation_on:
            return 0.0
        return self._pay(
            [
                (
                    a,
                    a.rule("insertion_aid", a.spec.plie_aid_per_person_eur_per_year)
                    * followed
                    / 12.0,
                )
                for a in self.authorities
            ],
            animator,
        )

    def insertion_aid_available(self) -> bool:
        """Whether any authority still pays aid per insertion post."""
        return any(
            a.left > 0 and a.rule("insertion_aid", a.spec.aid_per_insertion_post_eur_per_year) > 0
            for a in self.authorities
        )

    def insertion_aid(self, structure: Structure, posts: int) -> float:
        """This month's aid for ``posts`` occupied insertion posts."""
        if not self.model.spec.mechanisms.work_integration.enabled:
            return 0.0
        return self._pay(
            [
                (
                    a,
                    a.rule("insertion_aid", a.spec.aid_per_insertion_post_eur_per_year)
                    * posts
                    / 12.0,
                )
                for a in self.authorities
            ],
            structure,
        )

    def training_budget(self, centre: Structure, cost: float) -> float:
        """Pay for job seekers' courses costing ``cost`` this month, within training budgets."""
        paid = 0.0
        for a in self.authorities:
            if cost - paid <= 0:
                break
            monthly = (
                a.rule("training_budget", a.spec.training_budget_eur_per_year)
                * self.model.scale
                / 12.0
            )
            paid += a.pay(min(monthly, cost - paid), centre)
        return paid

    def training_seats_budget(self) -> float:
        """Monthly money available for job seekers' courses."""
        scale = self.model.scale
        return sum(
            min(
                a.rule("training_budget", a.spec.training_budget_eur_per_year) * scale / 12.0,
                a.left,
            )
            for a in self.authorities
        )

    def geiq_aid(self, geiq: Structure, contracts: int) -> float:
        """Aid for new GEIQ contracts: the OPCA's share; returns the rest.

        The OPCA's share comes from the training funds, straight into the GEIQ's cash (firms' money,
        not in its public aid); the rest is paid by the funders that have the rule.
        """
        rule = self.model.spec.mechanisms.geiq
        amount = rule.aid_per_contract_eur * contracts
        from_opca = self.from_training_funds(amount * rule.opca_aid_share, geiq)
        geiq.cash += from_opca
        payers = [a for a in self.authorities if a.spec.geiq_aid]
        return self._first_payers(payers, amount - from_opca, geiq)

    def from_training_funds(self, amount: float, to: Structure) -> float:
        """The OPCA pays ``to`` (booked only; the receiver counts it in its revenue).

        It pays from the training contributions of the territory's firms
        (:class:`~ptce_sim.simulation.mechanisms.firm_accounts.FirmAccounts`); an OPCA pools
        its sector's contributions nationally, so what the local ones do not cover comes from
        the firms elsewhere (the rest of the world). Firms' money: never public.
        """
        ledger = self.model.ledger
        shortfall = max(0.0, amount - ledger.balance(OPCA))
        ledger.transfer(REST_OF_WORLD, OPCA, shortfall, Flow.TRAINING_CONTRIBUTION)
        ledger.transfer(OPCA, to.org, amount, Flow.OPCA_FUNDING)
        return amount

    def incubation_aid(self, cae: Structure, holders: int) -> float:
        """This month's aid for the CAE's project holders."""
        amount = self.model.spec.mechanisms.incubation.aid_per_holder_eur * holders / 12.0
        return self._first_payers(
            [a for a in self.authorities if a.spec.incubation_aid], amount, cae
        )

    def operating_grant(self, structure: Structure, margin: float) -> float:
        """Part of a structure's monthly deficit covered by operating grants."""
        if margin >= 0:
            return 0.0
        return self._pay(
            [
                (a, a.rule("operating_grant", a.spec.ess_operating_grant_share) * -margin)
                for a in self.authorities
            ],
            structure,
        )

    def _first_payers(self, payers: list[Authority], amount: float, to: Structure) -> float:
        paid = 0.0
        for authority in payers:
            if amount - paid <= 0:
                break
            paid += authority.pay(amount - paid, to)
        return paid

    def funding_call(self, authority_name: str, grant: float) -> float:
        """A call for projects launched by ``authority_name``.

        The pole applies if it has an animator and cooperation works (the application costs the
        animator's time), and wins ``grant`` (brought by the funder for the call, outside its yearly
        budget) with the chance :meth:`call_win_chance`. Returns the grant won (0: no application,
        or lost). A call without money (``grant`` 0: a funding scenario that stops the calls) is no
        call.
        """
        model = self.model
        animator = model.pole.animator()
        funder = next(a for a in self.authorities if a.name == authority_name)
        if animator is None or not model.cooperation_on or not funder.active or grant <= 0:
            return 0.0
        self._apply(animator)
        if not model.streams.funding.random() < self.call_win_chance():
            return 0.0
        amount = grant * model.scale
        model.ledger.transfer(REST_OF_WORLD, funder.org, amount, Flow.CALL_BUDGET)
        model.ledger.transfer(funder.org, animator.org, amount, Flow.CALL_GRANT)
        animator.cash += amount
        animator.year.aid_eur += amount
        model.tally.public(funder.spec.level, amount)
        return amount

    def _apply(self, animator: Structure) -> None:
        """The staff-days an application takes, paid as wages on top of the team's month."""
        model = self.model
        days = model.spec.mechanisms.cooperation.call_application_days
        day_cost = model.spec.finance.wage_cost_eur_per_fte_month / WORKING_DAYS_PER_MONTH
        cost = days * day_cost * model.scale
        animator.cash -= cost
        animator.year.costs_eur += cost
        model.ledger.transfer(animator.org, HOUSEHOLDS, cost, Flow.CALL_APPLICATION)

    def call_win_chance(self) -> float:
        """Chance that the pole wins a call.

        A logistic function of its track record (years since the animator was created, open
        structures of the pole) and the mean trust on its ties (ASSUMPTION; parameters
        ``cooperation.call_win_logit*``).
        """
        model = self.model
        rule = model.spec.mechanisms.cooperation
        animator = model.pole.animator()
        years = (model.month_index - animator.created) / 12.0 if animator is not None else 0.0
        structures = sum(1 for s in model.pole.members() if s.kind != StructureKind.ANIMATOR)
        logit = (
            rule.call_win_logit
            + rule.call_win_logit_per_year * years
            + rule.call_win_logit_per_structure * structures
            + rule.call_win_logit_per_trust * model.network.mean_trust()
        )
        return 1.0 / (1.0 + math.exp(-min(max(logit, -50.0), 50.0)))
