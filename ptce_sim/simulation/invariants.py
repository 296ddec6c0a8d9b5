"""Invariants of a running model, checked from outside.

Every person in exactly one state, money conserved by the treasury, counts never negative,
indicators finite. Nothing here runs during a normal run. A test (or a debugging session) creates an
:class:`InvariantChecker` for a model and calls :meth:`InvariantChecker.check` after each
``model.step()``; it returns the :class:`Violation` found, each naming its invariant and the month.
:func:`check_state` is the stateless part, a pure function of the model's current state;
the checker adds what needs memory of the previous months: the treasury's conservation of cash,
checked around every treasury step (:class:`TreasuryAudit`), and the yearly indicator rows
appended since the last check.

The checks are vectorised over persons and firms and loop only over structures, authorities and
loans, so that a check costs about as much as a month of the model. No file is read or written and
the model's random generator is never used: a checked run gives the same results as an unchecked
one.

Invariants (the names in :class:`Violation`):

* ``person_state``: every person has exactly one valid status and one row in every column;
  persons are sorted by unique id, ids taken from Mesa's agent counter and held by no Mesa agent;
  the counts by status sum to the population.
* ``employment``: a person is employed if and only if they have an employer, which exists, is open
  and is of the kind their status needs (a classic firm, an EI for insertion posts, a GE, a GEIQ,
  any structure for ESS staff); employed persons work a share of a full time in (0, 1], the others
  none.
* ``hosts``: trainees are hosted by a training centre, GE and GEIQ workers (when lent) by an open
  firm that is a member of their employer, nobody else has a host.
* ``contracts``: insertion posts, GEIQ contracts and courses have an end, which is not past;
  project holders (ESS staff with an end) belong to a CAE; no other status has an end.
* ``person_attributes``: ages within the working years; skill and employability in [0, 1];
  matching priority finite and positive.
* ``headcounts``: per organisation, the staff counts and FTE are non-negative and those of open
  organisations match the persons.
* ``firms``: demand, baseline and unfilled posts finite and non-negative; trust in [0, 1];
  memberships point at an open GE or GEIQ; sectors' baseline jobs and demand index non-negative.
* ``structures``: cash finite; an open structure's distress within its grace; pending requests,
  year accounts and smoothed sizes finite and non-negative.
* ``authorities``: what an authority has left and has paid this year is finite and non-negative.
* ``network``: trust finite, in [0, 1]; one trust per tie; the graph's nodes are open
  organisations and its edges the live ties.
* ``treasury``: the fund is non-negative; every loan is positive, at most its principal, owed by
  an open structure; the outstanding total is finite.
* ``treasury_conserves_cash`` and ``loans_match_flows`` (around every treasury step, see
  :class:`TreasuryAudit`).
* ``monthly_indicators``: the month's recorded series are finite, non-negative, ordered
  (employed + unemployed ≤ labour force ≤ persons) and equal to the persons' counts.
* ``yearly_indicators``: each new row of the territory, structures and mechanism tables is finite
  (but for the columns that are empty by definition: the self-financing ratio without any sales or
  aid, the solidarity fund before it exists, and the structures' columns that do not apply to a
  kind), rates and trust in [0, 1], counts and flows non-negative, jobs adding up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import (
    EMPLOYED,
    ESS_SIDE,
    HOLDER,
    N_STATUS,
    NO_ORG,
    UNEMPLOYED,
    Status,
    is_in,
)
from ptce_sim.simulation.agents.structures import (
    ActivityCooperative,
    Animator,
    EmployerGroup,
    Geiq,
    Structure,
    TrainingCentre,
    WorkIntegrationEnterprise,
)
from ptce_sim.simulation.mechanisms.treasury import FUND

if TYPE_CHECKING:
    from ptce_sim.simulation.mechanisms.treasury import Treasury
    from ptce_sim.simulation.model import PtceModel

__all__ = [
    "InvariantChecker",
    "InvariantError",
    "TreasuryAudit",
    "Violation",
    "check_state",
]

TOLERANCE = 1e-6
"""Relative tolerance of money comparisons (sums of floats in a different order)."""
MAY_BE_EMPTY = frozenset({"self_financing_ratio", "solidarity_fund_eur"})
"""Territory columns that are NaN by definition in some years (see :mod:`ptce_sim.simulation.metrics`)."""
RATES = ("unemployment_rate", "self_financing_ratio", "mean_trust")
"""Territory columns that are shares, in [0, 1]."""
SIGNED_STRUCTURE_COLUMNS = frozenset({"cash_eur"})
"""Structure columns that may be negative (cash within the overdraft)."""

# kinds of organisation, for vectorised checks of who employs whom
_FIRM, _AUTHORITY, _STRUCTURE, _EI, _GE, _GEIQ, _CENTRE, _CAE = range(8)
_KIND_OF_CLASS = (
    (EmployerGroup, _GE),
    (Geiq, _GEIQ),
    (TrainingCentre, _CENTRE),
    (WorkIntegrationEnterprise, _EI),
    (ActivityCooperative, _CAE),
    (Structure, _STRUCTURE),
)
_EMPLOYER_KINDS = {
    Status.CLASSIC: (_FIRM,),
    Status.ESS: (_STRUCTURE, _EI, _GE, _GEIQ, _CENTRE, _CAE),
    Status.INSERTION: (_EI,),
    Status.GEIQ: (_GEIQ,),
    Status.GE: (_GE,),
}
_FIXED_TERM = (Status.INSERTION, Status.GEIQ, Status.TRAINING)
_OPEN_ENDED = (Status.CLASSIC, Status.GE, Status.SEEKER, Status.LONG_TERM, Status.INACTIVE)


@dataclass(frozen=True)
class Violation:
    """A broken invariant.

    Attributes:
        invariant: its name (see the module docstring).
        month: the model's ``month_index`` when it was found (the month about to be simulated).
        message: what was found, with the first offending values.
    """

    invariant: str
    month: int
    message: str

    def __str__(self) -> str:
        return f"month {self.month}: {self.invariant}: {self.message}"


class InvariantError(AssertionError):
    """Raised by :meth:`InvariantChecker.assert_ok` with every violation found."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = [str(v) for v in violations[:20]]
        if len(violations) > 20:
            lines.append(f"... and {len(violations) - 20} more")
        super().__init__("invariants violated:\n" + "\n".join(lines))


class _Report:
    """Collects the violations of one check."""

    def __init__(self, month: int) -> None:
        self.month = month
        self.violations: list[Violation] = []

    def expect(self, invariant: str, ok: bool, message: str | Callable[[], str]) -> None:
        """Record ``message`` under ``invariant`` unless ``ok`` (a callable is only called then)."""
        if not ok:
            text = message() if callable(message) else message
            self.violations.append(Violation(invariant, self.month, text))


def _first(values: np.ndarray, n: int = 5) -> list:
    return np.asarray(values).ravel()[:n].tolist()


def _bad_range(values: np.ndarray, low: float, high: float = math.inf) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return ~np.isfinite(values) | (values < low) | (values > high)


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(scale))


# -- the stateless checks ---------------------------------------------------------------------


def check_state(model: PtceModel) -> list[Violation]:
    """Check every invariant that depends on the model's current state only.

    Args:
        model: a model between two steps (or just built).

    Returns:
        The violations found, empty when every invariant holds.
    """
    report = _Report(model.month_index)
    kinds, alive = _org_kinds(model)
    _persons(model, report)
    if report.violations:  # the persons' table itself is broken: the other checks would be too
        return report.violations
    _person_attributes(model, report)
    _employment(model, report, kinds, alive)
    _hosts(model, report, kinds, alive)
    _contracts(model, report, kinds)
    _headcounts(model, report, alive)
    _firms(model, report, kinds, alive)
    _structures(model, report)
    _authorities(model, report)
    _network(model, report, alive)
    _treasury_state(model, report)
    _monthly_indicators(model, report)
    return report.violations


def _org_kinds(model: PtceModel) -> tuple[np.ndarray, np.ndarray]:
    """Kind code and open flag of every organisation id."""
    n = len(model.orgs)
    kinds = np.full(n, _AUTHORITY, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    firms = model.firms
    kinds[firms.org] = _FIRM
    alive[firms.org] = firms.alive
    for structure in model.structures:
        kinds[structure.org] = next(
            code for cls, code in _KIND_OF_CLASS if isinstance(structure, cls)
        )
        alive[structure.org] = structure.alive
    return kinds, alive


def _persons(model: PtceModel, report: _Report) -> None:
    people = model.people
    n = len(people)
    lengths = people.lengths()
    report.expect(
        "person_state",
        all(size == n for size in lengths.values()),
        lambda: f"{n} persons but column lengths {lengths}",
    )
    status = people.status.astype(np.int64)
    bad = (status < 0) | (status >= N_STATUS)
    report.expect(
        "person_state",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons without a valid status: codes "
            f"{_first(np.unique(status[bad]))}"
        ),
    )
    report.expect(
        "person_state",
        bool(np.all(np.diff(people.uid) > 0)),
        "person unique ids are not unique and sorted",
    )
    if not bad.any():
        counts = people.counts()
        report.expect(
            "person_state",
            counts.size == N_STATUS and int(counts.sum()) == n and bool((counts >= 0).all()),
            lambda: f"counts by status {counts.tolist()} do not sum to the {n} persons",
        )
    # Persons are rows, not Mesa agents, but their ids come from Mesa's agent counter: all taken
    # from it (below it), and none also held by a Mesa agent (a firm, a structure, an authority).
    uid = people.uid
    report.expect(
        "person_state",
        uid.size == 0 or (int(uid.min()) >= 1 and int(uid.max()) < model.agent_id_counter),
        lambda: (
            f"person unique ids {_first(uid)}... not all taken from Mesa's agent counter "
            f"(now {model.agent_id_counter})"
        ),
    )
    shared = np.isin(uid, np.fromiter((a.unique_id for a in model.agents), dtype=np.int64))
    report.expect(
        "person_state",
        not shared.any(),
        lambda: f"persons {_first(uid[shared])} have the unique id of a Mesa agent",
    )


def _employment(model: PtceModel, report: _Report, kinds: np.ndarray, alive: np.ndarray) -> None:
    people = model.people
    employed = is_in(people.status, EMPLOYED)
    has_employer = people.employer != NO_ORG
    bad = employed != has_employer
    report.expect(
        "employment",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons employed without an employer or the reverse, "
            f"statuses {_first(np.unique(people.status[bad]))}"
        ),
    )
    rows = np.flatnonzero(has_employer)
    employer = people.employer[rows].astype(np.int64)
    unknown = (employer < 0) | (employer >= kinds.size)
    report.expect(
        "employment",
        not unknown.any(),
        lambda: (
            f"{np.count_nonzero(unknown)} persons employed by unknown organisations "
            f"{_first(employer[unknown])}"
        ),
    )
    rows, employer = rows[~unknown], employer[~unknown]
    closed = ~alive[employer]
    report.expect(
        "employment",
        not closed.any(),
        lambda: (
            f"{np.count_nonzero(closed)} persons employed by closed organisations "
            f"{_first(np.unique(employer[closed]))}"
        ),
    )
    status = people.status[rows]
    for st, allowed in _EMPLOYER_KINDS.items():
        wrong = (status == st) & ~np.isin(kinds[employer], allowed)
        report.expect(
            "employment",
            not wrong.any(),
            lambda st=st, wrong=wrong: (
                f"{np.count_nonzero(wrong)} {st.name} persons employed "
                f"by organisations of the wrong kind {_first(np.unique(employer[wrong]))}"
            ),
        )
    fte = people.fte
    bad = np.where(employed, _bad_range(fte, 0.0, 1.0) | (fte <= 0), fte != 0)
    report.expect(
        "employment",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons with a working time that does not fit their "
            f"status: fte {_first(fte[bad])}, statuses {_first(people.status[bad])}"
        ),
    )


def _hosts(model: PtceModel, report: _Report, kinds: np.ndarray, alive: np.ndarray) -> None:
    people, firms = model.people, model.firms
    host = people.host.astype(np.int64)
    known = (host >= 0) & (host < kinds.size)
    training = people.status == Status.TRAINING
    bad = training & ~(known & (kinds[np.where(known, host, 0)] == _CENTRE))
    report.expect(
        "hosts",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} trainees not hosted by a training centre "
            f"(hosts {_first(host[bad])})"
        ),
    )
    lent = is_in(people.status, (Status.GE, Status.GEIQ))
    bad = ~training & ~lent & (host != NO_ORG)
    report.expect(
        "hosts",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons with a host although neither trainees nor "
            f"lent workers, statuses {_first(np.unique(people.status[bad]))}"
        ),
    )
    for status, membership in ((Status.GE, firms.ge), (Status.GEIQ, firms.geiq)):
        rows = np.flatnonzero((people.status == status) & (host != NO_ORG))
        firm_row = model.orgs.firm_rows(np.where(known[rows], host[rows], 0))
        ok = known[rows] & (firm_row >= 0)
        safe = np.maximum(firm_row, 0)
        ok &= firms.alive[safe] & (membership[safe] == people.employer[rows])
        report.expect(
            "hosts",
            bool(ok.all()),
            lambda status=status, rows=rows, ok=ok: (
                f"{np.count_nonzero(~ok)} {status.name} "
                f"workers lent to a closed or non-member firm (hosts {_first(host[rows][~ok])})"
            ),
        )


def _contracts(model: PtceModel, report: _Report, kinds: np.ndarray) -> None:
    people = model.people
    end = people.contract_end
    fixed = is_in(people.status, _FIXED_TERM)
    bad = fixed & (end < 0)
    report.expect(
        "contracts",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons on a fixed-term status without an end, "
            f"statuses {_first(np.unique(people.status[bad]))}"
        ),
    )
    overdue = (end >= 0) & (end < model.month_index)
    report.expect(
        "contracts",
        not overdue.any(),
        lambda: (
            f"{np.count_nonzero(overdue)} contracts or courses past their end "
            f"{_first(np.unique(end[overdue]))}"
        ),
    )
    bad = is_in(people.status, _OPEN_ENDED) & (end >= 0)
    report.expect(
        "contracts",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons with an end date on an open-ended status, "
            f"statuses {_first(np.unique(people.status[bad]))}"
        ),
    )
    holders = np.flatnonzero((people.status == Status.ESS) & (end >= 0))
    employer = people.employer[holders].astype(np.int64)
    bad = (employer < 0) | (employer >= kinds.size)
    bad |= kinds[np.where(bad, 0, employer)] != _CAE
    report.expect(
        "contracts",
        not bad.any(),
        lambda: f"{np.count_nonzero(bad)} project holders (ESS staff on a test) outside a CAE",
    )


def _person_attributes(model: PtceModel, report: _Report) -> None:
    people = model.people
    territory = model.spec.territory
    bad = _bad_range(people.age, territory.entry_age) | (people.age >= territory.retirement_age)
    report.expect(
        "person_attributes",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} ages outside the working years: {_first(people.age[bad])}"
        ),
    )
    for name in ("skill", "employability"):
        values = getattr(people, name)
        bad = _bad_range(values, 0.0, 1.0)
        report.expect(
            "person_attributes",
            not bad.any(),
            lambda name=name, values=values, bad=bad: (
                f"{np.count_nonzero(bad)} {name} values outside [0, 1]: {_first(values[bad])}"
            ),
        )
    bad = _bad_range(people.priority, 0.0) | (people.priority <= 0)
    report.expect(
        "person_attributes",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} matching priorities not positive: "
            f"{_first(people.priority[bad])}"
        ),
    )


def _headcounts(model: PtceModel, report: _Report, alive: np.ndarray) -> None:
    counts, fte = model.staff.counts, model.staff.fte
    bad = _bad_range(counts, 0.0) | (counts != np.round(counts))
    report.expect(
        "headcounts",
        not bad.any() and not _bad_range(fte, -1e-9).any(),
        lambda: (
            f"staff counts or FTE negative or not finite: min count {counts.min()}, "
            f"min FTE {fte.min()}"
        ),
    )
    people = model.people
    n_orgs = counts.shape[0]
    rows = np.flatnonzero(people.employer != NO_ORG)
    column = people.status[rows].astype(np.int64)
    column[(column == Status.ESS) & (people.contract_end[rows] >= 0)] = HOLDER
    employer = np.clip(people.employer[rows].astype(np.int64), 0, n_orgs - 1)
    key = employer * (N_STATUS + 1) + column
    recount = np.bincount(key, minlength=n_orgs * (N_STATUS + 1)).reshape(-1, N_STATUS + 1)
    columns = [*EMPLOYED.tolist(), HOLDER]
    open_orgs = np.flatnonzero(alive[:n_orgs])
    differ = recount[np.ix_(open_orgs, columns)] != counts[np.ix_(open_orgs, columns)]
    report.expect(
        "headcounts",
        counts.shape[0] >= len(model.orgs) and not differ.any(),
        lambda: (
            f"staff counts of {np.count_nonzero(differ.any(axis=1))} open organisations "
            f"differ from their persons (organisations {_first(open_orgs[differ.any(axis=1)])})"
        ),
    )


def _firms(model: PtceModel, report: _Report, kinds: np.ndarray, alive: np.ndarray) -> None:
    firms = model.firms
    for name in ("demand", "base", "unfilled_skilled"):
        values = getattr(firms, name)
        bad = _bad_range(values, 0.0)
        report.expect(
            "firms",
            not bad.any(),
            lambda name=name, values=values, bad=bad: (
                f"{np.count_nonzero(bad)} firms with a "
                f"{name} negative or not finite: {_first(values[bad])}"
            ),
        )
    bad = _bad_range(firms.trust, 0.0, 1.0)
    report.expect(
        "firms",
        not bad.any(),
        lambda: f"{np.count_nonzero(bad)} firms' trust outside [0, 1]: {_first(firms.trust[bad])}",
    )
    for name, kind in (("ge", _GE), ("geiq", _GEIQ)):
        member = getattr(firms, name).astype(np.int64)
        rows = np.flatnonzero(member != NO_ORG)
        org = member[rows]
        ok = (org >= 0) & (org < kinds.size)
        ok[ok] &= (kinds[org[ok]] == kind) & alive[org[ok]]
        report.expect(
            "firms",
            bool(ok.all()),
            lambda name=name, org=org, ok=ok: (
                f"{np.count_nonzero(~ok)} firms members of a "
                f"{name.upper()} that is not an open one: {_first(np.unique(org[~ok]))}"
            ),
        )
    economy = model.economy
    for name in ("base_jobs", "index"):
        values = getattr(economy, name)
        bad = _bad_range(values, 0.0)
        report.expect(
            "firms",
            not bad.any(),
            lambda name=name, values=values: (
                f"sectors' {name} negative or not finite: {values.tolist()}"
            ),
        )
    openings = model.labour.sector_openings
    report.expect(
        "firms",
        not _bad_range(openings, 0.0).any(),
        lambda: f"sectors' smoothed openings negative or not finite: {openings.tolist()}",
    )


def _structures(model: PtceModel, report: _Report) -> None:
    grace = model.spec.finance.failure_grace_months
    for s in model.structures:
        report.expect("structures", math.isfinite(s.cash), lambda s=s: f"{s.name}: cash {s.cash}")
        if s.alive:
            report.expect(
                "structures",
                0 <= s.distress_months <= grace,
                lambda s=s: (
                    f"{s.name}: open after {s.distress_months} months in distress, grace {grace}"
                ),
            )
        sizes = {
            "monthly_costs": s.monthly_costs,
            "month_sales": s.month_sales,
            **{f.name: getattr(s.year, f.name) for f in fields(s.year)},
        }
        if isinstance(s, EmployerGroup):
            sizes["smoothed_need"] = s.smoothed_need
        if isinstance(s, TrainingCentre):
            sizes |= {"hours_rate": s.hours_rate, "bought_eur": s.bought_eur}
        if isinstance(s, Animator):
            sizes["pending_requests"] = s.pending_requests
        bad = {k: v for k, v in sizes.items() if not (math.isfinite(v) and v >= -1e-9)}
        report.expect(
            "structures", not bad, lambda s=s, bad=bad: f"{s.name}: negative or not finite {bad}"
        )


def _authorities(model: PtceModel, report: _Report) -> None:
    for a in model.authorities:
        values = {"left": a.left, "paid_year": a.paid_year, **a.factor}
        bad = {k: v for k, v in values.items() if not (math.isfinite(v) and v >= -1e-9)}
        report.expect(
            "authorities", not bad, lambda a=a, bad=bad: f"{a.name}: negative or not finite {bad}"
        )


def _network(model: PtceModel, report: _Report, alive: np.ndarray) -> None:
    network = model.network
    trust = network.trust
    report.expect(
        "network",
        trust.size == network.u.size == network.v.size == network.alive.size,
        lambda: f"{trust.size} trust values for {network.alive.size} ties",
    )
    bad = _bad_range(trust, 0.0, 1.0)
    report.expect(
        "network",
        not bad.any(),
        lambda: f"{np.count_nonzero(bad)} trust values outside [0, 1]: {_first(trust[bad])}",
    )
    nodes = np.fromiter(network.graph.nodes, dtype=np.int64, count=network.graph.number_of_nodes())
    ok = (nodes >= 0) & (nodes < alive.size)
    ok[ok] &= alive[nodes[ok]]
    report.expect(
        "network",
        bool(ok.all()),
        lambda: f"closed or unknown organisations in the network: {_first(nodes[~ok])}",
    )
    live = int(np.count_nonzero(network.alive))
    report.expect(
        "network",
        live == network.graph.number_of_edges(),
        lambda: f"{network.graph.number_of_edges()} edges but {live} live ties",
    )
    reputation = network._reputation
    report.expect(
        "network",
        not _bad_range(reputation, 0.0, 1.0).any(),
        "reputations outside [0, 1] or not finite",
    )


def _treasury_state(model: PtceModel, report: _Report) -> None:
    treasury = model.treasury
    if treasury.fund is not None:
        report.expect(
            "treasury",
            math.isfinite(treasury.fund) and treasury.fund >= -1e-9,
            lambda: f"solidarity fund {treasury.fund}",
        )
    for loan in treasury.loans:
        borrower = model.orgs[loan.borrower] if 0 <= loan.borrower < len(model.orgs) else None
        report.expect(
            "treasury",
            0 < loan.outstanding <= loan.principal * (1 + TOLERANCE)
            and math.isfinite(loan.principal)
            and isinstance(borrower, Structure)
            and borrower.alive
            and (loan.lender == FUND or 0 <= loan.lender < len(model.orgs)),
            lambda loan=loan: f"ill-formed loan {loan}",
        )


def _monthly_indicators(model: PtceModel, report: _Report) -> None:
    history = model.recorder.monthly
    if not history.get("month"):
        return
    last = {name: values[-1] for name, values in history.items()}
    bad = {k: v for k, v in last.items() if not (math.isfinite(v) and v >= 0)}
    report.expect("monthly_indicators", not bad, lambda: f"negative or not finite: {bad}")
    lengths = {name: len(values) for name, values in history.items()}
    report.expect(
        "monthly_indicators",
        len(set(lengths.values())) == 1 and lengths["month"] == model.month_index,
        lambda: f"series of unequal lengths {lengths} after {model.month_index} months",
    )
    counts = model.people.counts()
    expected = {
        "employed": float(counts[EMPLOYED].sum()),
        "unemployed": float(counts[UNEMPLOYED].sum()),
        "labour_force": float(len(model.people) - counts[Status.INACTIVE]),
        "ess_jobs": float(counts[ESS_SIDE].sum()),
        "persons": float(len(model.people)),
        "pole_members": float(model.network.graph.number_of_nodes()),
    }
    differ = {k: (last.get(k), v) for k, v in expected.items() if last.get(k) != v}
    report.expect(
        "monthly_indicators",
        not differ,
        lambda: f"recorded (value, persons' count) differ: {differ}",
    )
    report.expect(
        "monthly_indicators",
        last["employed"] + last["unemployed"] <= last["labour_force"] <= last["persons"]
        and last["ess_jobs"] <= last["employed"],
        lambda: f"indicators out of order: {last}",
    )


# -- what needs memory: the treasury steps and the yearly rows --------------------------------


class TreasuryAudit:
    """Checks each step of a treasury as it runs: cash is moved, never created or destroyed.

    The audit replaces the ``step`` method of this one treasury object by a checked version (the
    class and other models are untouched) that compares, around the original step, the members'
    cash plus the solidarity fund (:meth:`~ptce_sim.simulation.mechanisms.treasury.Treasury.total_cash`,
    which the step must conserve) and the loans outstanding with the step's flows:
    ``outstanding after = before + lent - repaid - written off``.

    Attributes:
        violations: violations found since the last :meth:`take`.
        steps: treasury steps audited.
        moved: euros of cash that changed hands in the audited steps (members' changes summed).
    """

    def __init__(self, model: PtceModel) -> None:
        self.model = model
        self.violations: list[Violation] = []
        self.steps = 0
        self.moved = 0.0
        treasury = model.treasury
        self._original = treasury.step
        treasury.step = self._checked_step

    def _checked_step(self, members: list[Structure], surplus: dict[int, float]) -> None:
        treasury: Treasury = self.model.treasury
        before = treasury.total_cash(members)
        outstanding = treasury.outstanding()
        flows = (treasury.lent_year, treasury.repaid_year, treasury.written_off_year)
        cash_before = [m.cash for m in members]
        self._original(members, surplus)
        after = treasury.total_cash(members)
        scale = max(abs(before), sum(abs(c) for c in cash_before), outstanding)
        report = _Report(self.model.month_index)
        report.expect(
            "treasury_conserves_cash",
            math.isfinite(after) and _close(after, before, scale),
            lambda: f"members' cash + fund {before:.6f} -> {after:.6f} in the treasury step",
        )
        lent = treasury.lent_year - flows[0]
        repaid = treasury.repaid_year - flows[1]
        lost = treasury.written_off_year - flows[2]
        now = treasury.outstanding()
        report.expect(
            "loans_match_flows",
            _close(now, outstanding + lent - repaid - lost, scale),
            lambda: (
                f"outstanding {outstanding:.2f} -> {now:.2f} but lent {lent:.2f}, "
                f"repaid {repaid:.2f}, written off {lost:.2f}"
            ),
        )
        self.violations.extend(report.violations)
        self.steps += 1
        self.moved += sum(abs(m.cash - c) for m, c in zip(members, cash_before, strict=True))

    def take(self) -> list[Violation]:
        """The violations found since the last call."""
        found, self.violations = self.violations, []
        return found


class InvariantChecker:
    """Checks a model's invariants after each of its steps.

    Create it before the first step (it audits the treasury from then on), then call
    :meth:`check` (or :meth:`assert_ok`) after every ``model.step()``.

    Args:
        model: the model to watch.

    Attributes:
        checks: times :meth:`check` ran.
        treasury: the audit of the treasury steps.
    """

    def __init__(self, model: PtceModel) -> None:
        self.model = model
        self.treasury = TreasuryAudit(model)
        self.checks = 0
        self._rows = {"territory": 0, "structures": 0, "jobs_by_mechanism": 0}

    def check(self) -> list[Violation]:
        """Every invariant on the model's state, its treasury steps and its new yearly rows."""
        violations = check_state(self.model)
        violations += self.treasury.take()
        violations += self._yearly_rows()
        self.checks += 1
        return violations

    def assert_ok(self) -> None:
        """Check and raise :class:`InvariantError` if any invariant is violated."""
        violations = self.check()
        if violations:
            raise InvariantError(violations)

    def _new_rows(self, name: str) -> list[dict]:
        new = self.model.recorder.rows(name, self._rows[name])
        self._rows[name] += len(new)
        return new

    def _yearly_rows(self) -> list[Violation]:
        from ptce_sim.simulation.metrics import (
            MECHANISM_COLUMNS,
            STRUCTURE_COLUMNS,
            TERRITORY_COLUMNS,
        )

        report = _Report(self.model.month_index)
        for row in self._new_rows("territory"):
            year = row.get("year")
            values = {k: row.get(k) for k in TERRITORY_COLUMNS if k != "year"}
            bad = {
                k: v
                for k, v in values.items()
                if not _is_number(v) or not (math.isfinite(v) or (k in MAY_BE_EMPTY and v != v))
            }
            report.expect(
                "yearly_indicators",
                not bad and set(row) == set(TERRITORY_COLUMNS),
                lambda year=year, bad=bad: f"territory {year}: not finite or missing {bad}",
            )
            numbers = {k: v for k, v in values.items() if k not in bad and v == v}
            negative = {k: v for k, v in numbers.items() if v < 0}
            report.expect(
                "yearly_indicators",
                not negative,
                lambda year=year, negative=negative: f"territory {year}: negative {negative}",
            )
            rates = {k: numbers[k] for k in RATES if k in numbers and not 0 <= numbers[k] <= 1}
            report.expect(
                "yearly_indicators",
                not rates,
                lambda year=year, rates=rates: f"territory {year}: rates outside [0, 1] {rates}",
            )
            if not bad:
                jobs = row["classic_jobs"] + row["ess_jobs"]
                active = row["employed"] + row["unemployed"] + row["in_training"]
                report.expect(
                    "yearly_indicators",
                    row["employed"] == jobs and row["labour_force"] == active,
                    lambda year=year, row=row, jobs=jobs, active=active: (
                        f"territory {year}: employed {row['employed']} "
                        f"!= classic + ESS jobs {jobs}, or labour force {row['labour_force']} != "
                        f"employed + unemployed + in training {active}"
                    ),
                )
        for row in self._new_rows("structures"):
            name, year = row.get("structure"), row.get("year")
            bad = {
                k: row.get(k)
                for k in STRUCTURE_COLUMNS[3:]
                if row.get(k) is not None
                and not (
                    _is_number(row[k])
                    and math.isfinite(row[k])
                    and (row[k] >= 0 or k in SIGNED_STRUCTURE_COLUMNS)
                )
            }
            report.expect(
                "yearly_indicators",
                not bad,
                lambda name=name, year=year, bad=bad: (
                    f"structure {name} {year}: negative or not finite {bad}"
                ),
            )
        for row in self._new_rows("jobs_by_mechanism"):
            year = row.get("year")
            bad = {
                k: row.get(k)
                for k in MECHANISM_COLUMNS[1:]
                if not (_is_number(row.get(k)) and math.isfinite(row[k]) and row[k] >= 0)
            }
            report.expect(
                "yearly_indicators",
                not bad,
                lambda year=year, bad=bad: (
                    f"jobs by mechanism {year}: negative, missing or not finite {bad}"
                ),
            )
        return report.violations


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
