"""The stateless checks: everything that must hold of the model's state at the end of a month."""

from __future__ import annotations

import math
from dataclasses import fields
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import (
    EMPLOYED,
    ESS_SIDE,
    NO_ORG,
    UNEMPLOYED,
    Status,
)
from ptce_sim.simulation.agents.structures import (
    Animator,
    EmployerGroup,
    Structure,
    TrainingCentre,
)
from ptce_sim.simulation.invariants.books import check_books
from ptce_sim.simulation.invariants.persons import (
    check_contracts,
    check_employment,
    check_headcounts,
    check_hosts,
    check_in_commuters,
    check_person_attributes,
    check_persons,
)
from ptce_sim.simulation.invariants.report import (
    AUTHORITY,
    FIRM,
    GE,
    GEIQ,
    KIND_OF_CLASS,
    TOLERANCE,
    Report,
    Violation,
    bad_range,
    first_values,
)
from ptce_sim.simulation.mechanisms.treasury import FUND

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel

# -- the stateless checks ---------------------------------------------------------------------


def check_state(model: PtceModel) -> list[Violation]:
    """Check every invariant that depends on the model's current state only.

    Args:
        model: a model between two steps (or just built).

    Returns:
        The violations found, empty when every invariant holds.
    """
    report = Report(model.month_index)
    kinds, alive = org_kinds(model)
    check_persons(model, report)
    if report.violations:  # the persons' table itself is broken: the other checks would be too
        return report.violations
    check_person_attributes(model, report)
    check_employment(model, report, kinds, alive)
    check_in_commuters(model, report)
    check_hosts(model, report, kinds, alive)
    check_contracts(model, report, kinds)
    check_headcounts(model, report, alive)
    _firms(model, report, kinds, alive)
    _structures(model, report)
    _authorities(model, report)
    _network(model, report, alive)
    _treasury_state(model, report)
    _monthly_indicators(model, report)
    check_books(model, report)
    return report.violations


def org_kinds(model: PtceModel) -> tuple[np.ndarray, np.ndarray]:
    """Kind code and open flag of every organisation id."""
    n = len(model.orgs)
    kinds = np.full(n, AUTHORITY, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    firms = model.firms
    kinds[firms.org] = FIRM
    alive[firms.org] = firms.alive
    for structure in model.structures:
        kinds[structure.org] = next(
            code for cls, code in KIND_OF_CLASS if isinstance(structure, cls)
        )
        alive[structure.org] = structure.alive
    return kinds, alive


def _firms(model: PtceModel, report: Report, kinds: np.ndarray, alive: np.ndarray) -> None:
    firms = model.firms
    for name in ("demand", "base", "unfilled_skilled"):
        values = getattr(firms, name)
        bad = bad_range(values, 0.0)
        report.expect(
            "firms",
            not bad.any(),
            lambda name=name, values=values, bad=bad: (
                f"{np.count_nonzero(bad)} firms with a "
                f"{name} negative or not finite: {first_values(values[bad])}"
            ),
        )
    bad = bad_range(firms.trust, 0.0, 1.0)
    report.expect(
        "firms",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} firms' trust outside [0, 1]: {first_values(firms.trust[bad])}"
        ),
    )
    for name, kind in (("ge", GE), ("geiq", GEIQ)):
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
                f"{name.upper()} that is not an open one: {first_values(np.unique(org[~ok]))}"
            ),
        )
    member = firms.ge != NO_ORG
    contract = firms.ge_need
    bad = np.where(member, bad_range(contract, 0.5, 1.0), contract != 0.0)
    report.expect(
        "firms",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} firms whose contracted GE need is not in [0.5, 1] for a "
            f"member or 0 for a non-member: {first_values(contract[bad])}"
        ),
    )
    economy = model.economy
    for name in ("base_jobs", "index"):
        values = getattr(economy, name)
        bad = bad_range(values, 0.0)
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
        not bad_range(openings, 0.0).any(),
        lambda: f"sectors' smoothed openings negative or not finite: {openings.tolist()}",
    )


def _structures(model: PtceModel, report: Report) -> None:
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


def _authorities(model: PtceModel, report: Report) -> None:
    for a in model.authorities:
        values = {"left": a.left, "paid_year": a.paid_year, **a.factor}
        bad = {k: v for k, v in values.items() if not (math.isfinite(v) and v >= -1e-9)}
        report.expect(
            "authorities", not bad, lambda a=a, bad=bad: f"{a.name}: negative or not finite {bad}"
        )


def _network(model: PtceModel, report: Report, alive: np.ndarray) -> None:
    network = model.network
    trust = network.trust
    report.expect(
        "network",
        trust.size == network.u.size == network.v.size == network.alive.size,
        lambda: f"{trust.size} trust values for {network.alive.size} ties",
    )
    bad = bad_range(trust, 0.0, 1.0)
    report.expect(
        "network",
        not bad.any(),
        lambda: f"{np.count_nonzero(bad)} trust values outside [0, 1]: {first_values(trust[bad])}",
    )
    nodes = np.fromiter(network.graph.nodes, dtype=np.int64, count=network.graph.number_of_nodes())
    ok = (nodes >= 0) & (nodes < alive.size)
    ok[ok] &= alive[nodes[ok]]
    report.expect(
        "network",
        bool(ok.all()),
        lambda: f"closed or unknown organisations in the network: {first_values(nodes[~ok])}",
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
        not bad_range(reputation, 0.0, 1.0).any(),
        "reputations outside [0, 1] or not finite",
    )


def _treasury_state(model: PtceModel, report: Report) -> None:
    treasury = model.treasury
    if treasury.fund is not None:
        report.expect(
            "treasury",
            math.isfinite(treasury.fund) and treasury.fund >= -1e-9,
            lambda: f"solidarity fund {treasury.fund}",
        )
    firms_borrow = model.spec.mechanisms.treasury.firms_take_part
    for loan in treasury.loans:
        borrower = model.orgs[loan.borrower] if 0 <= loan.borrower < len(model.orgs) else None
        report.expect(
            "treasury",
            0 < loan.outstanding <= loan.principal * (1 + TOLERANCE)
            and math.isfinite(loan.principal)
            and (isinstance(borrower, Structure) or (firms_borrow and borrower is not None))
            and borrower.alive
            and (loan.lender == FUND or 0 <= loan.lender < len(model.orgs)),
            lambda loan=loan: f"ill-formed loan {loan}",
        )


def _monthly_indicators(model: PtceModel, report: Report) -> None:
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
    counts = model.people.resident_counts()
    in_commuters = float(np.count_nonzero(~model.people.resident))
    expected = {
        "employed": float(counts[EMPLOYED].sum()),
        "unemployed": float(counts[UNEMPLOYED].sum()),
        "labour_force": float(model.people.residents() - counts[Status.INACTIVE]),
        "ess_jobs": float(model.people.counts()[ESS_SIDE].sum()),
        "persons": float(model.people.residents()),
        "jobs_held_by_non_residents": in_commuters,
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
        and last["ess_jobs"] <= last["employed"] + last["jobs_held_by_non_residents"],
        lambda: f"indicators out of order: {last}",
    )
