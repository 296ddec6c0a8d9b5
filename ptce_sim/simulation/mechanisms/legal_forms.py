"""Legal forms: who may be a member of a structure, who funds it, how its surplus is used.

Each structure has a legal form (``legal_form`` of its scenario entry, or the default of its kind;
a ``legal_form`` event changes it, e.g. the PERF training centre becoming a SCIC in 2012). What the
form implies:

* members: only a SCIC has public members (authorities that take shares, its public college);
  each subscribes ``legal_forms.public_share_capital_eur`` (× scale) of shares when it joins, paid
  from its budget left, and is tied to the structure in the network ("member");
* the year's surplus (sales, fees and aid minus costs) is split by the form's rule
  (``legal_forms.<form>``): ``reserve_share`` goes to indivisible reserves (kept in its cash,
  never distributed), ``worker_share`` is paid to its workers and ``distributed_share`` to its
  members (the households), from its cash at the end of the year. An association distributes
  nothing; a SCOP shares with its workers; a SCIC reserves most of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptce_sim.config.scenario import LegalForm
from ptce_sim.simulation.accounts import HOUSEHOLDS, Flow

if TYPE_CHECKING:
    from ptce_sim.config.scenario import LegalFormChangeSpec
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context


class LegalForms:
    """The structures' legal forms and what follows from them.

    Attributes:
        form: each structure's legal form, by organisation id.
        reserves: each structure's indivisible reserves (euros of its cash), by organisation id.
        public_members: the authorities holding shares in each SCIC, by organisation id.
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.form: dict[int, LegalForm] = {}
        self.reserves: dict[int, float] = {}
        self.public_members: dict[int, list[str]] = {}

    def opened(self, structure: Structure) -> None:
        """A structure opens with the legal form of its scenario entry."""
        self.form[structure.org] = structure.spec.form
        self.reserves[structure.org] = 0.0
        self.join(structure, structure.spec.public_members)

    def change(self, event: LegalFormChangeSpec) -> None:
        """A structure takes a new legal form (its reserves stay: they are indivisible)."""
        structure = next(
            (s for s in self.model.pole.structures if s.alive and s.name == event.structure), None
        )
        if structure is None:  # failed since
            return
        self.form[structure.org] = event.legal_form
        self.join(structure, event.public_members)

    def join(self, structure: Structure, names: list[str]) -> None:
        """Authorities take shares in a SCIC: the capital they subscribe is paid to its cash."""
        model = self.model
        members = self.public_members.setdefault(structure.org, [])
        capital = model.spec.legal_forms.public_share_capital_eur * model.scale
        for authority in model.authorities:
            if authority.name in names and authority.name not in members and authority.active:
                structure.cash += authority.pay(capital, structure, Flow.SHARE_CAPITAL)
                members.append(authority.name)
                model.network.tie(authority.org, structure.org, "member")

    def close_year(self) -> None:
        """Each open structure's surplus of the year: reserved, shared, distributed by its form."""
        model = self.model
        for structure in model.pole.open_structures():
            year = structure.year
            surplus = year.sales_eur + year.fees_eur + year.aid_eur - year.costs_eur
            if surplus <= 0:
                continue
            rule = model.spec.legal_forms.rule(self.form[structure.org])
            self.reserves[structure.org] += rule.reserve_share * surplus
            for share, flow in (
                (rule.worker_share, Flow.SURPLUS_SHARING),
                (rule.distributed_share, Flow.DIVIDENDS),
            ):
                paid = min(share * surplus, max(0.0, structure.cash))
                structure.cash -= paid
                model.ledger.transfer(structure.org, HOUSEHOLDS, paid, flow)

    def of(self, structure: Structure) -> LegalForm:
        """A structure's legal form now."""
        return self.form[structure.org]

    def scic_reserves(self) -> float:
        """Indivisible reserves of the open SCICs."""
        return sum(
            self.reserves[s.org]
            for s in self.model.pole.open_structures()
            if self.form[s.org] == LegalForm.SCIC
        )
