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
  nothing; a SCOP shares with its workers; a SCIC reserves most of it;
* who decides on a new activity (``legal_forms.<form>.colleges``): at each year's close, an open
  structure whose form has colleges and that can fund the set-up of a new activity
  (``cooperation.launch_cost_eur`` × scale, the cost of a pole project) from its cash puts one to
  them (:meth:`LegalForms.new_activities`). The activity is a project of the structures' origin
  (``deliberation.origins.structures``: its jobs, job quality and social utility) selling in the
  market of the pole's new activities (``cooperation.launched_market``). Each college votes by its
  interests (:func:`activity_votes`): the employees when the structure keeps
  ``prudence_months`` of its costs in cash after funding it, the activity would pay its wages
  (its share of the market's demand as one more supplier covers them) and the activities it
  opened before covered their costs last year (ASSUMPTION); the
  beneficiaries for social utility of at least ``deliberation.min_social_utility``; the public
  members (present only when authorities hold shares) when it would pay its wages (no public
  money is asked, their interest is a lasting activity); the member firms when it does not
  compete with their sectors more than it answers their needs (as the CBE's employers' college).
  It is decided when the weights for it exceed ``activity_required_share`` of the colleges
  present; the vote draws nothing. A decided activity opens as a structure of the pole founded by
  the structure at the start of January (:meth:`LegalForms.open_decided`), which pays its set-up
  from its cash (its indivisible reserves first). By default only the SCIC has colleges
  (employees, beneficiaries, public, firms; the law gives each between 10% and 50% of the votes
  and requires the first two): an association's new activities go through the CBE, a GE's or
  GEIQ's follow their member firms' needs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from ptce_sim.config.scenario import LegalForm
from ptce_sim.simulation.accounts import HOUSEHOLDS, Flow
from ptce_sim.simulation.mechanisms.deliberation import open_project

if TYPE_CHECKING:
    from ptce_sim.config.scenario import FormRuleSpec, LegalFormChangeSpec
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context
    from ptce_sim.simulation.mechanisms.deliberation import Project


def activity_votes(
    project: Project,
    *,
    colleges: dict[str, float],
    keeps_reserve: bool,
    pays_wages: bool,
    earlier_pay: bool,
    min_social_utility: float,
    employer_sectors: set[int],
    public_members: bool,
) -> dict[str, bool]:
    """Each college's vote on a new activity, by its interests (colleges absent: not voting).

    ``keeps_reserve``: the structure's cash after funding it covers the employees' prudence;
    ``pays_wages``: its share of its market would pay its staff's wages; ``earlier_pay``: the
    activities the structure opened before covered their costs last year.
    """
    need = 1.0 if project.sector in employer_sectors else 0.0
    competition = project.displacement if project.competes_with in employer_sectors else 0.0
    ballot = {
        "employees": keeps_reserve and pays_wages and earlier_pay,
        "beneficiaries": project.social_utility >= min_social_utility,
        "public": pays_wages,
        "firms": need >= competition,
    }
    return {c: ballot[c] for c in colleges if c != "public" or public_members}


def decide_activity(ballot: dict[str, bool], colleges: dict[str, float], required: float) -> bool:
    """Decided when the weights for it exceed ``required`` of the colleges present."""
    present = sum(colleges[c] for c in ballot)
    for_it = sum(colleges[c] for c, yes in ballot.items() if yes)
    return present > 0 and for_it > required * present + 1e-12


class LegalForms:
    """The structures' legal forms and what follows from them.

    Attributes:
        form: each structure's legal form, by organisation id.
        reserves: each structure's indivisible reserves (euros of its cash), by organisation id.
        public_members: the authorities holding shares in each SCIC, by organisation id.
        activities: per calendar year, new activities put to the structures' colleges,
            ``decided`` and ``refused``.
        opened_activities: new activities opened since the start.
        founded: the activities each structure opened, by its organisation id.
        decided: activities decided at the year's close, to open in January (founder, project,
            set-up cost).
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.form: dict[int, LegalForm] = {}
        self.reserves: dict[int, float] = {}
        self.public_members: dict[int, list[str]] = {}
        self.activities: dict[int, Counter] = defaultdict(Counter)
        self.opened_activities = 0
        self.founded: dict[int, list[Structure]] = {}
        self.decided: list[tuple[Structure, Project, float]] = []

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

    def rule_of(self, structure: Structure) -> FormRuleSpec:
        """The rule of a structure's legal form now."""
        return self.model.spec.legal_forms.rule(self.form[structure.org])

    def new_activities(self) -> None:
        """At each year's close, structures whose form has colleges put a new activity to them.

        Decided ones open in January (:meth:`open_decided`).
        """
        model = self.model
        if not model.cooperation_on:
            return
        spec = model.spec
        cost = spec.mechanisms.cooperation.launch_cost_eur * model.scale
        for structure in list(model.pole.open_structures()):
            colleges = self.rule_of(structure).colleges
            if not colleges or structure.cash < cost or structure is model.pole.animator():
                continue
            project = model.deliberation.project("structures")
            ballot = activity_votes(
                project,
                colleges=colleges,
                keeps_reserve=self.keeps_reserve(structure, cost),
                pays_wages=self.pays_wages(project),
                earlier_pay=self.earlier_pay(structure),
                min_social_utility=spec.deliberation.min_social_utility,
                employer_sectors=model.deliberation.employer_sectors(),
                public_members=bool(self.public_members.get(structure.org)),
            )
            decided = decide_activity(ballot, colleges, spec.legal_forms.activity_required_share)
            self.activities[model.year]["decided" if decided else "refused"] += 1
            if decided:
                self.decided.append((structure, project, cost))

    def open_decided(self) -> None:
        """The activities decided at the year's close open in its first month.

        After the year's records (a month's records count what is open in it), before anything
        else of January.
        """
        decided, self.decided = self.decided, []
        for founder, project, cost in decided:
            if founder.alive:
                self.open_activity(founder, project, cost)

    def keeps_reserve(self, structure: Structure, cost: float) -> bool:
        """Whether its cash after paying ``cost`` still covers the employees' prudence.

        ``prudence_months`` of its costs of the year just closed.
        """
        months = self.model.spec.legal_forms.prudence_months
        return structure.cash - cost >= months * structure.year.costs_eur / 12.0

    def earlier_pay(self, structure: Structure) -> bool:
        """Whether the open activities it founded covered their costs last year.

        Sales and fees at least their costs: the employees do not start another while one still
        needs them (ASSUMPTION: a cooperative grows one self-financing activity at a time).
        """
        return all(
            a.year.sales_eur + a.year.fees_eur >= a.year.costs_eur
            for a in self.founded.get(structure.org, [])
            if a.alive
        )

    def pays_wages(self, project: Project) -> bool:
        """Whether one more supplier of the project's market would pay its staff's wages.

        Its share of the market's demand this month (before reputation, shared with the
        suppliers already there) against the wages of its jobs (a new activity buys nothing).
        """
        model = self.model
        markets = model.markets
        if project.market not in markets.index:
            return False
        market = markets.index[project.market]
        share = markets.demand_eur_month(market) / (len(markets.suppliers(market)) + 1)
        wages = project.jobs * model.scale * model.spec.finance.wage_cost_eur_per_fte_month
        return share >= wages

    def open_activity(self, founder: Structure, project: Project, cost: float) -> Structure:
        """A decided activity opens as a structure of the pole; its founder pays the set-up."""
        model = self.model
        self.opened_activities += 1
        name = f"{founder.name} activity {self.opened_activities} ({model.year})"
        structure = open_project(model, founder, project, name, cost)
        self.founded.setdefault(founder.org, []).append(structure)
        # reserves invested in an activity of the founder's: no longer in its cash
        self.reserves[founder.org] = max(0.0, self.reserves[founder.org] - cost)
        model.tally.count("structure_activities", 1)
        return structure

    def activity_counts(self, year: int) -> dict[str, int]:
        """New activities decided and refused by the structures' colleges in a calendar year."""
        counts = self.activities.get(year, Counter())
        return {k: int(counts[k]) for k in ("decided", "refused")}
