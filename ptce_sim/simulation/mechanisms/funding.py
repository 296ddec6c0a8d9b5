"""Hybrid funding: what local authorities pay, under which rule, within their budgets.

Each authority has a yearly budget for the pole (reset every January) and rules: an animation
grant to the animator, PLIE funding per person it follows, aid per insertion post, a training budget that buys courses for job
seekers, aid per GEIQ contract, aid per incubated project holder, and a share of ESS structures'
operating deficits. Every payment is drawn from the budgets of the authorities that have the rule,
in the scenario's order, and stops when they are spent. Budget cuts scale the rules down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ptce_sim.config.scenario import AuthoritySpec, BudgetCutSpec
from ptce_sim.simulation.accounts import REST_OF_WORLD, Flow

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context

ITEMS = ("budget", "animation_grant", "insertion_aid", "training_budget", "operating_grant")


class Authority(mesa.Agent):
    """A local authority (commune, intercommunality, département, region, State/EU).

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
        self.new_year()

    @property
    def kind(self) -> str:
        """Kind of organisation, as in the tables."""
        return f"authority_{self.spec.level}"

    def new_year(self) -> None:
        """A new budget year: what is left of the last one goes back, the new budget comes in."""
        ledger = self.model.ledger
        ledger.transfer(self.org, REST_OF_WORLD, ledger.balance(self.org), Flow.BUDGET_WITHDRAWN)
        self.left = self.spec.budget_eur_per_year * self.model.scale * self.factor["budget"]
        ledger.transfer(REST_OF_WORLD, self.org, self.left, Flow.BUDGET)
        self.paid_year = 0.0

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

    def pay(self, amount: float, to: Structure) -> float:
        """Pay ``to`` up to ``amount`` within what is left of the year's budget."""
        paid = max(0.0, min(amount, self.left))
        self.left -= paid
        self.paid_year += paid
        self.model.tally.public(self.spec.level, paid)
        self.model.ledger.transfer(self.org, to.org, paid, Flow.PUBLIC_AID)
        return paid

    def cut(self, event: BudgetCutSpec) -> None:
        """Apply a budget cut from now on."""
        for item in event.items:
            self.factor[item] *= 1.0 - event.share
        if "budget" in event.items:
            self.left *= 1.0 - event.share
            self.sync_budget()


class Funding:
    """Routes each kind of public payment to the authorities that have the rule."""

    def __init__(self, model: Context) -> None:
        self.model = model

    @property
    def authorities(self) -> list[Authority]:
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
        """Aid for new GEIQ contracts, from authorities that fund them."""
        amount = self.model.spec.mechanisms.geiq.aid_per_contract_eur * contracts
        return self._first_payers([a for a in self.authorities if a.spec.geiq_aid], amount, geiq)

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
        """A call for projects: the grant goes to the animator, outside the yearly budget."""
        model = self.model
        animator = model.pole.animator()
        if animator is None:
            return 0.0
        funder = next(a for a in self.authorities if a.name == authority_name)
        amount = grant * model.scale
        model.ledger.transfer(REST_OF_WORLD, funder.org, amount, Flow.CALL_BUDGET)
        model.ledger.transfer(funder.org, animator.org, amount, Flow.CALL_GRANT)
        animator.cash += amount
        animator.year.aid_eur += amount
        model.tally.public(funder.spec.level, amount)
        return amount
