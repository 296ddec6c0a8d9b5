"""Checks on persons.

One state each, employers and hosts that exist, contracts, attributes, headcounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import (
    EMPLOYED,
    HOLDER,
    N_STATUS,
    NO_ORG,
    Status,
    is_in,
)
from ptce_sim.simulation.invariants.report import (
    CAE,
    CENTRE,
    EMPLOYER_KINDS,
    FIXED_TERM,
    OPEN_ENDED,
    Report,
    bad_range,
    first_values,
)

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel


def check_persons(model: PtceModel, report: Report) -> None:
    """Every person in one valid state: column lengths, statuses, counts, unique ids."""
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
            f"{first_values(np.unique(status[bad]))}"
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
            f"person unique ids {first_values(uid)}... not all taken from Mesa's agent counter "
            f"(now {model.agent_id_counter})"
        ),
    )
    shared = np.isin(uid, np.fromiter((a.unique_id for a in model.agents), dtype=np.int64))
    report.expect(
        "person_state",
        not shared.any(),
        lambda: f"persons {first_values(uid[shared])} have the unique id of a Mesa agent",
    )


def check_employment(
    model: PtceModel, report: Report, kinds: np.ndarray, alive: np.ndarray
) -> None:
    """The employed, and only they, have an open employer of the right kind and a fitting FTE."""
    people = model.people
    employed = is_in(people.status, EMPLOYED)
    has_employer = people.employer != NO_ORG
    bad = employed != has_employer
    report.expect(
        "employment",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons employed without an employer or the reverse, "
            f"statuses {first_values(np.unique(people.status[bad]))}"
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
            f"{first_values(employer[unknown])}"
        ),
    )
    rows, employer = rows[~unknown], employer[~unknown]
    closed = ~alive[employer]
    report.expect(
        "employment",
        not closed.any(),
        lambda: (
            f"{np.count_nonzero(closed)} persons employed by closed organisations "
            f"{first_values(np.unique(employer[closed]))}"
        ),
    )
    status = people.status[rows]
    for st, allowed in EMPLOYER_KINDS.items():
        wrong = (status == st) & ~np.isin(kinds[employer], allowed)
        report.expect(
            "employment",
            not wrong.any(),
            lambda st=st, wrong=wrong: (
                f"{np.count_nonzero(wrong)} {st.name} persons employed "
                f"by organisations of the wrong kind {first_values(np.unique(employer[wrong]))}"
            ),
        )
    fte = people.fte
    bad = np.where(employed, bad_range(fte, 0.0, 1.0) | (fte <= 0), fte != 0)
    report.expect(
        "employment",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons with a working time that does not fit their "
            f"status: fte {first_values(fte[bad])}, statuses {first_values(people.status[bad])}"
        ),
    )


def check_hosts(model: PtceModel, report: Report, kinds: np.ndarray, alive: np.ndarray) -> None:
    """Trainees are hosted by a training centre, lent workers by open member firms, no one else."""
    people, firms = model.people, model.firms
    host = people.host.astype(np.int64)
    known = (host >= 0) & (host < kinds.size)
    training = people.status == Status.TRAINING
    bad = training & ~(known & (kinds[np.where(known, host, 0)] == CENTRE))
    report.expect(
        "hosts",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} trainees not hosted by a training centre "
            f"(hosts {first_values(host[bad])})"
        ),
    )
    lent = is_in(people.status, (Status.GE, Status.GEIQ))
    bad = ~training & ~lent & (host != NO_ORG)
    report.expect(
        "hosts",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons with a host although neither trainees nor "
            f"lent workers, statuses {first_values(np.unique(people.status[bad]))}"
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
                f"workers lent to a closed or non-member firm "
                f"(hosts {first_values(host[rows][~ok])})"
            ),
        )


def check_contracts(model: PtceModel, report: Report, kinds: np.ndarray) -> None:
    """Fixed-term contracts have an end not yet past, open-ended ones none; holders are in a CAE."""
    people = model.people
    end = people.contract_end
    fixed = is_in(people.status, FIXED_TERM)
    bad = fixed & (end < 0)
    report.expect(
        "contracts",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons on a fixed-term status without an end, "
            f"statuses {first_values(np.unique(people.status[bad]))}"
        ),
    )
    overdue = (end >= 0) & (end < model.month_index)
    report.expect(
        "contracts",
        not overdue.any(),
        lambda: (
            f"{np.count_nonzero(overdue)} contracts or courses past their end "
            f"{first_values(np.unique(end[overdue]))}"
        ),
    )
    bad = is_in(people.status, OPEN_ENDED) & (end >= 0)
    report.expect(
        "contracts",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} persons with an end date on an open-ended status, "
            f"statuses {first_values(np.unique(people.status[bad]))}"
        ),
    )
    holders = np.flatnonzero((people.status == Status.ESS) & (end >= 0))
    employer = people.employer[holders].astype(np.int64)
    bad = (employer < 0) | (employer >= kinds.size)
    bad |= kinds[np.where(bad, 0, employer)] != CAE
    report.expect(
        "contracts",
        not bad.any(),
        lambda: f"{np.count_nonzero(bad)} project holders (ESS staff on a test) outside a CAE",
    )


def check_person_attributes(model: PtceModel, report: Report) -> None:
    """Ages in the working years, skill and employability in [0, 1], priorities positive."""
    people = model.people
    territory = model.spec.territory
    bad = bad_range(people.age, territory.entry_age) | (people.age >= territory.retirement_age)
    report.expect(
        "person_attributes",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} ages outside the working years: "
            f"{first_values(people.age[bad])}"
        ),
    )
    for name in ("skill", "employability"):
        values = getattr(people, name)
        bad = bad_range(values, 0.0, 1.0)
        report.expect(
            "person_attributes",
            not bad.any(),
            lambda name=name, values=values, bad=bad: (
                f"{np.count_nonzero(bad)} {name} values outside [0, 1]: {first_values(values[bad])}"
            ),
        )
    bad = bad_range(people.priority, 0.0) | (people.priority <= 0)
    report.expect(
        "person_attributes",
        not bad.any(),
        lambda: (
            f"{np.count_nonzero(bad)} matching priorities not positive: "
            f"{first_values(people.priority[bad])}"
        ),
    )


def check_headcounts(model: PtceModel, report: Report, alive: np.ndarray) -> None:
    """Staff counts and FTE are not negative; open organisations' counts match their persons."""
    counts, fte = model.staff.counts, model.staff.fte
    bad = bad_range(counts, 0.0) | (counts != np.round(counts))
    report.expect(
        "headcounts",
        not bad.any() and not bad_range(fte, -1e-9).any(),
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
            f"differ from their persons "
            f"(organisations {first_values(open_orgs[differ.any(axis=1)])})"
        ),
    )


def check_in_commuters(model: PtceModel, report: Report) -> None:
    """In-commuters only hold posts open to them; never seeking work, training or inactive.

    Open to them: a classic firm's post in a sector located in the territory, or an ESS
    structure's permanent post.
    """
    people = model.people
    rows = np.flatnonzero(~people.resident)
    if rows.size == 0:
        return
    status = people.status[rows]
    wrong = ~is_in(status, (Status.CLASSIC, Status.ESS)) | (people.contract_end[rows] >= 0)
    report.expect(
        "in_commuters",
        not wrong.any(),
        lambda: (
            f"{np.count_nonzero(wrong)} in-commuters outside a post open to them: statuses "
            f"{first_values(np.unique(status[wrong]))}"
        ),
    )
    classic = rows[status == Status.CLASSIC]
    firm = model.orgs.firm_rows(people.employer[classic])
    outside = np.array([s.located_outside for s in model.spec.sectors], dtype=bool)
    away = outside[model.firms.sector[firm[firm >= 0]]]
    report.expect(
        "in_commuters",
        not away.any(),
        lambda: f"{np.count_nonzero(away)} in-commuters employed in a sector located outside",
    )
