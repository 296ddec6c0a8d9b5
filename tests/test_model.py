"""Invariants of the model, checked after every month of whole runs.

The model is :class:`ptce_sim.simulation.model.PtceModel`.

Three seeds of the Seignanx 1970-2015 scenario at scale 0.1 are stepped by hand; after each month
a :class:`InvariantMonitor` checks the persons, the structures, the treasury and the agents, and
records the first violations of each invariant under its name. One test per invariant then asserts
that its list is empty, so that a broken invariant never hides the others.

Also here: determinism (same seed, same tables; other seed, other tables), persons as views on
their rows, with ids from Mesa's counter but no Mesa agent (attributes and pathway), the yearly
indicators, and the live API (``apply_event``, ``set_parameter``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from helpers import base_scenario

from ptce_sim.config.scenario import PlantClosureSpec, SectorShockSpec
from ptce_sim.runs.runner import simulate
from ptce_sim.simulation.accounts import Flow
from ptce_sim.simulation.agents.firms import ClassicFirm
from ptce_sim.simulation.agents.persons import EMPLOYED, N_STATUS, NO_ORG, Person, Status, is_in
from ptce_sim.simulation.agents.structures import (
    EmployerGroup,
    Geiq,
    Structure,
    TrainingCentre,
    WorkIntegrationEnterprise,
)
from ptce_sim.simulation.invariants import TreasuryAudit
from ptce_sim.simulation.metrics import MECHANISM_COLUMNS, TERRITORY_COLUMNS
from ptce_sim.simulation.model import PtceModel

SCALE = 0.1
SEEDS = (0, 1, 2)
MAX_REPORTS = 5
"""Violations kept per invariant (the first ones, with their month)."""
TREASURY_AUDIT = ("treasury_conserves_cash", "loans_match_flows")
"""Invariants of :class:`ptce_sim.simulation.invariants.TreasuryAudit`.

Checked around each treasury step.
"""

# organisation kinds, for vectorised checks of who employs whom
K_FIRM, K_STRUCTURE, K_EI, K_GE, K_GEIQ, K_CENTRE, K_OTHER = range(7)


def org_kind(agent: object) -> int:
    """Kind code of an organisation (subclasses first)."""
    for cls, code in (
        (EmployerGroup, K_GE),
        (Geiq, K_GEIQ),
        (TrainingCentre, K_CENTRE),
        (WorkIntegrationEnterprise, K_EI),
        (Structure, K_STRUCTURE),
        (ClassicFirm, K_FIRM),
    ):
        if isinstance(agent, cls):
            return code
    return K_OTHER


class InvariantMonitor:
    """Checks a model's invariants after every step; records violations by invariant name."""

    def __init__(self, model: PtceModel, sample_seed: int) -> None:
        self.model = model
        self.violations: dict[str, list[str]] = defaultdict(list)
        self.checked: dict[str, int] = defaultdict(int)
        self.kinds = np.empty(0, dtype=np.int64)
        self.below_overdraft: dict[int, int] = defaultdict(int)
        self.audit = TreasuryAudit(model)  # conservation of cash around every treasury step
        self.entry_month = dict.fromkeys(model.people.uid.tolist(), 0)
        self.last_uid = int(model.people.uid.max())
        self.previous: tuple[np.ndarray, np.ndarray] = (
            model.people.uid.copy(),
            model.people.status.copy(),
        )
        self.flows = model.people.flows.copy()
        self.events_seen = len(model.events_applied)
        self.sampler = np.random.default_rng(sample_seed)  # never the model's generator
        self.agent_checks = 0

    # -- bookkeeping ------------------------------------------------------------------------------

    def fail(self, name: str, message: str) -> None:
        """Record a violation of invariant ``name``."""
        if len(self.violations[name]) < MAX_REPORTS:
            self.violations[name].append(f"month {self.model.month_index}: {message}")

    def expect(self, name: str, ok: bool, message: str) -> None:
        """Count a check of ``name``; record ``message`` when it does not hold."""
        self.checked[name] += 1
        if not ok:
            self.fail(name, message)

    # -- the treasury steps, audited as they ran --------------------------------------------------

    def _treasury(self) -> None:
        """Record the audit's verdicts on this month's treasury step (see ``TreasuryAudit``)."""
        for name in TREASURY_AUDIT:
            self.checked[name] = self.audit.steps
        for violation in self.audit.take():
            self.fail(violation.invariant, violation.message)

    # -- after each month -------------------------------------------------------------------------

    def after_step(self) -> None:
        """Check every invariant on the model's state at the end of a month."""
        model = self.model
        self._refresh_kinds()
        self._track_entries()
        self._persons()
        self._employers_and_hosts()
        self._contracts()
        self._flows()
        self._structures()
        self._treasury()
        self._loans()
        self._agents()
        if model.month_index % 23 == 0 or not model.running:
            self._person_views()

    def _refresh_kinds(self) -> None:
        orgs = self.model.orgs
        if self.kinds.size < len(orgs):
            extra = [org_kind(agent) for agent in orgs[self.kinds.size :]]
            self.kinds = np.concatenate([self.kinds, np.array(extra, dtype=np.int64)])

    def _alive_orgs(self) -> np.ndarray:
        model = self.model
        alive = np.array([bool(getattr(agent, "alive", True)) for agent in model.orgs])
        alive[model.firms.org] = model.firms.alive
        return alive

    def _track_entries(self) -> None:
        people = self.model.people
        new = people.uid[people.uid > self.last_uid]
        for uid in new.tolist():
            self.entry_month[uid] = self.model.month_index - 1
        if new.size:
            self.last_uid = int(new.max())

    def _persons(self) -> None:
        model = self.model
        people = model.people
        territory = model.spec.territory
        status = people.status.astype(np.int64)
        self.expect(
            "status_in_range",
            bool(np.all((status >= 0) & (status < N_STATUS))),
            f"status codes {np.unique(status[(status < 0) | (status >= N_STATUS)])}",
        )
        for name, column, low, high in (
            ("fte_in_unit_interval", people.fte, 0.0, 1.0),
            ("skill_in_unit_interval", people.skill, 0.0, 1.0),
            ("employability_in_unit_interval", people.employability, 0.0, 1.0),
        ):
            bad = ~np.isfinite(column) | (column < low) | (column > high)
            self.expect(
                name, not bad.any(), f"{np.count_nonzero(bad)} values, e.g. {column[bad][:3]}"
            )
        employed = is_in(people.status, EMPLOYED)
        bad = (employed & ~(people.fte > 0)) | (~employed & (people.fte != 0))
        self.expect(
            "fte_positive_iff_employed",
            not bad.any(),
            f"{np.count_nonzero(bad)} persons, statuses {np.unique(people.status[bad])}",
        )
        bad = (people.age < territory.entry_age) | (people.age >= territory.retirement_age)
        self.expect("age_in_working_range", not bad.any(), f"ages {people.age[bad][:5]}")
        uid = people.uid
        self.expect(
            "person_ids_unique_and_sorted",
            bool(np.all(np.diff(uid) > 0)),
            f"{np.count_nonzero(np.diff(uid) <= 0)} non-increasing steps",
        )
        self.expect(
            "headcounts_non_negative",
            bool((model.staff.counts >= 0).all() and (model.staff.fte >= -1e-12).all()),
            f"min count {model.staff.counts.min()}, min fte {model.staff.fte.min()}",
        )

    def _employers_and_hosts(self) -> None:
        model = self.model
        people = model.people
        kinds = self.kinds
        alive = self._alive_orgs()
        employed = is_in(people.status, EMPLOYED)
        has_employer = people.employer != NO_ORG
        bad = employed != has_employer
        self.expect(
            "employer_set_iff_employed",
            not bad.any(),
            f"{np.count_nonzero(bad)} persons, statuses {np.unique(people.status[bad])}",
        )
        rows = np.flatnonzero(has_employer & (people.employer < kinds.size))
        kind = kinds[people.employer[rows]]
        status = people.status[rows]
        wanted = {
            Status.CLASSIC: (K_FIRM,),
            Status.ESS: (K_STRUCTURE, K_EI, K_GE, K_GEIQ, K_CENTRE),
            Status.INSERTION: (K_EI,),
            Status.GEIQ: (K_GEIQ,),
            Status.GE: (K_GE,),
        }
        for st, allowed in wanted.items():
            sel = status == st
            bad = sel & ~np.isin(kind, allowed)
            self.expect(
                "employer_of_the_right_kind",
                not bad.any(),
                f"{np.count_nonzero(bad)} {st.name} persons employed by kinds "
                f"{np.unique(kind[bad])}",
            )
        dead = ~alive[people.employer[rows]]
        self.expect(
            "employer_is_open",
            not dead.any(),
            f"{np.count_nonzero(dead)} persons employed by closed organisations "
            f"{np.unique(people.employer[rows][dead])[:5]}",
        )
        # hosts: trainees at a training centre, GE/GEIQ workers at an open member firm
        training = people.status == Status.TRAINING
        host = people.host
        bad = training & ((host == NO_ORG) | (kinds[np.maximum(host, 0)] != K_CENTRE))
        self.expect(
            "trainee_hosted_by_training_centre", not bad.any(), f"{np.count_nonzero(bad)} trainees"
        )
        lent_status = is_in(people.status, (Status.GE, Status.GEIQ))
        bad = ~training & ~lent_status & (host != NO_ORG)
        self.expect(
            "host_only_for_trainees_and_lent_workers",
            not bad.any(),
            f"{np.count_nonzero(bad)} persons, statuses {np.unique(people.status[bad])}",
        )
        firm_row = model.orgs.firm_rows(np.maximum(host, 0))
        for st, column, name in (
            (Status.GE, model.firms.ge, "ge_worker_hosted_by_open_member_firm"),
            (Status.GEIQ, model.firms.geiq, "geiq_worker_hosted_by_open_member_firm"),
        ):
            sel = np.flatnonzero((people.status == st) & (host != NO_ORG))
            rows_ = firm_row[sel]
            ok = (rows_ >= 0) & model.firms.alive[np.maximum(rows_, 0)]
            ok &= column[np.maximum(rows_, 0)] == people.employer[sel]
            self.expect(
                name,
                bool(ok.all()),
                f"{np.count_nonzero(~ok)} of {sel.size} {st.name} workers hosted by a closed "
                f"or non-member firm (hosts {np.unique(host[sel][~ok])[:5]})",
            )

    def _contracts(self) -> None:
        model = self.model
        people = model.people
        fixed = is_in(people.status, (Status.INSERTION, Status.GEIQ, Status.TRAINING))
        bad = fixed & (people.contract_end < 0)
        self.expect(
            "fixed_term_statuses_have_an_end",
            not bad.any(),
            f"{np.count_nonzero(bad)} persons, statuses {np.unique(people.status[bad])}",
        )
        overdue = (people.contract_end >= 0) & (people.contract_end < model.month_index)
        self.expect(
            "no_contract_or_course_overdue",
            not overdue.any(),
            f"{np.count_nonzero(overdue)} persons past their contract end, statuses "
            f"{np.unique(people.status[overdue])}, "
            f"ends {np.unique(people.contract_end[overdue])[:5]}",
        )

    def _flows(self) -> None:
        """Every change of status goes through ``PersonTable.move`` (which counts the flows)."""
        model = self.model
        people = model.people
        old_uid, old_status = self.previous
        flows = people.flows - self.flows
        new_events = model.events_applied[self.events_seen :]
        self.events_seen = len(model.events_applied)
        # an event applied before the retirements may move a retiring person: skip such months
        skip = any(kind != "failure" for _, kind, _ in new_events)
        gone = ~np.isin(old_uid, people.uid)
        new = people.uid > old_uid.max()
        # newcomers enter as job seekers (those moving in with their job are then moved to it);
        # in-commuters arrive already in their post
        arriving = np.where(people.resident[new], Status.SEEKER, people.status[new])
        expected = (
            np.bincount(old_status[~gone], minlength=N_STATUS)
            + np.bincount(arriving, minlength=N_STATUS)
            + flows.sum(axis=0)
            - flows.sum(axis=1)
        )
        counts = people.counts()
        self.expect(
            "status_changes_all_recorded",
            skip or bool(np.array_equal(expected, counts)),
            f"counts by status {counts.tolist()} but the recorded moves give {expected.tolist()}",
        )
        self.previous = (people.uid.copy(), people.status.copy())
        self.flows = people.flows.copy()

    def _structures(self) -> None:
        model = self.model
        grace = model.spec.finance.failure_grace_months
        for structure in model.structures:
            if not structure.alive:
                continue
            self.expect(
                "alive_structures_within_grace",
                structure.distress_months <= grace,
                f"{structure.name}: {structure.distress_months} months in distress > {grace}",
            )
            if structure.cash < -structure.overdraft():
                self.below_overdraft[structure.org] += 1
            else:
                self.below_overdraft[structure.org] = 0
            self.expect(
                "cash_below_overdraft_at_most_grace_months",
                self.below_overdraft[structure.org] <= grace,
                f"{structure.name}: cash {structure.cash:.0f} < -{structure.overdraft():.0f} "
                f"for {self.below_overdraft[structure.org]} months",
            )
            self.expect("structure_cash_finite", bool(np.isfinite(structure.cash)), structure.name)

    def _loans(self) -> None:
        model = self.model
        treasury = model.treasury
        by_borrower: dict[int, float] = defaultdict(float)
        for loan in treasury.loans:
            by_borrower[loan.borrower] += loan.outstanding
            borrower = model.orgs[loan.borrower]
            self.expect(
                "loans_well_formed",
                0 < loan.outstanding <= loan.principal + 1e-9
                and (isinstance(borrower, Structure) or borrower.charter)
                and borrower.alive,
                f"loan {loan} (borrower alive: {getattr(borrower, 'alive', None)})",
            )
        total = treasury.outstanding()
        self.expect(
            "outstanding_equals_sum_over_borrowers",
            abs(sum(by_borrower.values()) - total) <= 1e-6 * max(1.0, total),
            f"{sum(by_borrower.values())} != {total}",
        )
        if treasury.fund is not None:
            self.expect("fund_non_negative", treasury.fund >= -1e-9, f"fund {treasury.fund}")

    def _agents(self) -> None:
        """Persons are table rows, not Mesa agents; their ids come from Mesa's agent counter."""
        model = self.model
        uid = model.people.uid
        mesa_ids = np.fromiter((a.unique_id for a in model.agents), dtype=np.int64)
        self.expect(
            "no_person_among_mesa_agents",
            not any(isinstance(a, Person) for a in model.agents)
            and not np.isin(uid, mesa_ids).any(),
            f"{np.isin(uid, mesa_ids).sum()} persons share a Mesa agent's unique id",
        )
        self.expect(
            "person_ids_taken_from_mesa_counter",
            uid.size == 0 or (uid.min() >= 1 and uid.max() < model.agent_id_counter),
            f"person ids up to {uid[-1:].tolist()}, Mesa's counter at {model.agent_id_counter}",
        )

    def _person_views(self) -> None:
        """A sample of persons, through :class:`Person` views built on demand: values, pathway."""
        model = self.model
        people = model.people
        now = model.month_index
        rows = self.sampler.choice(len(people), size=min(25, len(people)), replace=False)
        for row in rows.tolist():
            agent = people.person(model, int(people.uid[row]))
            uid = int(people.uid[row])
            employer = int(people.employer[row])
            same = (
                agent.unique_id == uid
                and agent.status == Status(int(people.status[row]))
                and agent.age == float(people.age[row])
                and agent.skill == float(people.skill[row])
                and agent.employability == float(people.employability[row])
                and (
                    agent.employer is None
                    if employer == NO_ORG
                    else agent.employer is model.orgs[employer]
                )
            )
            self.expect("person_agent_matches_table", same, f"person {uid}")
            spells = agent.pathway
            entered = self.entry_month[uid]
            total = sum(s.months for s in spells)
            contiguous = all(
                a.start_month + a.months == b.start_month
                for a, b in zip(spells, spells[1:], strict=False)
            )
            self.expect(
                "pathway_covers_time_since_entry",
                bool(spells)
                and spells[0].start_month == entered
                and total == now - entered
                and contiguous
                and all(s.months >= 0 for s in spells),
                f"person {uid} entered in month {entered}: spells sum to {total} months, "
                f"expected {now - entered}",
            )
            last = spells[-1] if spells else None
            self.expect(
                "pathway_ends_in_current_status",
                last is not None and last.status == agent.status and last.employer == employer,
                f"person {uid}: last spell {last}, status {agent.status.name}, employer {employer}",
            )
            self.agent_checks += 1


def monitored_run(seed: int):
    """Step the scenario to its end under the monitor."""
    from ptce_sim.runs.runner import result_of

    model = PtceModel(base_scenario(SCALE), seed)
    monitor = InvariantMonitor(model, sample_seed=1000 + seed)
    while model.running:
        model.step()
        monitor.after_step()
    result = result_of(model)
    return monitor, result


@pytest.fixture(scope="module")
def monitored():
    """Monitors and results of the whole 1970-2015 run, for each seed."""
    return {seed: monitored_run(seed) for seed in SEEDS}


INVARIANTS = (
    "status_in_range",
    "fte_in_unit_interval",
    "skill_in_unit_interval",
    "employability_in_unit_interval",
    "fte_positive_iff_employed",
    "age_in_working_range",
    "person_ids_unique_and_sorted",
    "headcounts_non_negative",
    "employer_set_iff_employed",
    "employer_of_the_right_kind",
    "employer_is_open",
    "trainee_hosted_by_training_centre",
    "host_only_for_trainees_and_lent_workers",
    "fixed_term_statuses_have_an_end",
    "no_contract_or_course_overdue",
    "alive_structures_within_grace",
    "cash_below_overdraft_at_most_grace_months",
    "structure_cash_finite",
    "treasury_conserves_cash",
    "loans_match_flows",
    "loans_well_formed",
    "outstanding_equals_sum_over_borrowers",
    "fund_non_negative",
    "no_person_among_mesa_agents",
    "person_ids_taken_from_mesa_counter",
    "person_agent_matches_table",
    "pathway_covers_time_since_entry",
    "pathway_ends_in_current_status",
    "status_changes_all_recorded",
    "ge_worker_hosted_by_open_member_firm",
    "geiq_worker_hosted_by_open_member_firm",
)


def assert_invariant(monitored, name: str) -> None:
    """The invariant was checked, and held in every month of every seed."""
    reports = {seed: m.violations.get(name, []) for seed, (m, _) in monitored.items()}
    checked = sum(m.checked[name] for m, _ in monitored.values())
    assert checked > 0, f"invariant {name} was never checked"
    assert not any(reports.values()), f"{name} violated: {reports}"


@pytest.mark.parametrize("name", INVARIANTS)
def test_invariant_every_month(monitored, name):
    """One invariant, after every month of three whole runs."""
    assert_invariant(monitored, name)


# Targeted checks of paths the runs above may not reach (regressions of bugs found here).


def test_trainees_leave_a_failed_training_centre_by_their_course_end():
    """When the training centre fails, courses under way still end: nobody stays in training."""
    model = PtceModel(base_scenario(SCALE), 2)
    people = model.people
    while model.running and not (people.status == Status.TRAINING).any():
        model.step()
    centre = model.training.centre()
    assert centre is not None and (people.host == centre.org).any(), "no trainee found"
    failed_at = model.month_index
    centre.fail()
    assert not centre.alive
    course = model.spec.mechanisms.training.course_months
    for _ in range(course + 1):
        model.step()
        stranded = np.count_nonzero(
            (people.status == Status.TRAINING) & (people.host == centre.org)
        )
        assert model.month_index <= failed_at + course or stranded == 0, (
            f"{stranded} trainees of the failed centre in month {model.month_index}"
        )
    assert not (people.status == Status.TRAINING).any()


def hosts_after_closing_their_sector(status: Status) -> tuple[int, int]:
    """Close live every firm of a sector that hosts workers of ``status``.

    Returns (workers lent to that sector, workers still hosted by a closed firm a month later).
    """
    model = PtceModel(base_scenario(SCALE), 1)
    people, firms = model.people, model.firms
    lent = np.empty(0, dtype=np.int64)
    while model.running and lent.size == 0:
        model.step()
        lent = np.flatnonzero((people.status == status) & (people.host != NO_ORG))
    assert lent.size, f"no {status.name} worker was ever lent to a firm (seed 1, scale 0.1)"
    sectors = firms.sector[model.orgs.firm_rows(people.host[lent])]
    sector = int(sectors[0])
    name = model.spec.sectors[sector].name
    model.apply_event(PlantClosureSpec(type="plant_closure", date="2015", sector=name, jobs=10**6))
    assert not firms.alive[firms.sector == sector].any()
    model.step()
    lent = np.flatnonzero((people.status == status) & (people.host != NO_ORG))
    rows = model.orgs.firm_rows(people.host[lent])
    return int(np.count_nonzero(sectors == sector)), int(np.count_nonzero(~firms.alive[rows]))


def test_ge_workers_of_a_closed_firm_are_lent_elsewhere():
    """GE workers lent to a firm that closes are lent to another member within the month."""
    before, stranded = hosts_after_closing_their_sector(Status.GE)
    assert before > 0
    assert stranded == 0


def test_geiq_workers_of_a_closed_firm_are_lent_elsewhere():
    """GEIQ trainees lent to a firm that closes are lent to another member within the month."""
    before, stranded = hosts_after_closing_their_sector(Status.GEIQ)
    assert before > 0
    assert stranded == 0


def test_incubated_ess_founders_pathway_and_flows():
    """Force incubated ESS structures (every test succeeds and becomes one) and check founders."""
    from helpers import with_mechanism

    scenario = with_mechanism(
        base_scenario(SCALE),
        "incubation",
        activity_success=1.0,
        ess_structure_share=1.0,
        contribution_share=1.0,  # a CAE that lives at this scale
    )
    model = PtceModel(scenario, 0)
    monitor = InvariantMonitor(model, sample_seed=7)
    founders: list[int] = []
    while model.running and model.month_index < 12 * (2006 - 1970):
        model.step()
        monitor.after_step()
        incubated = [
            s.org for s in model.structures if s.alive and s.name.startswith("Incubated activity")
        ]
        rows = np.flatnonzero(np.isin(model.people.employer, incubated))
        founders = model.people.uid[rows].tolist()
        if founders:
            break
    assert founders, "no incubated ESS structure by 2006"
    mismatched = []
    for uid in founders:
        agent = model.people.person(model, uid)
        if agent.pathway[-1].status != agent.status:
            mismatched.append((uid, agent.pathway[-1].status.name, agent.status.name))
    assert not mismatched, f"founders whose pathway ends elsewhere: {mismatched}"
    assert not monitor.violations.get("status_changes_all_recorded"), monitor.violations


def test_monitor_saw_the_mechanisms_at_work(monitored):
    """The invariants above were checked on states where the mechanisms were active."""
    for seed, (monitor, result) in monitored.items():
        assert monitor.audit.steps >= 12 * 9, seed  # treasury on from mid-2006
        assert monitor.audit.moved > 0, f"seed {seed}: the treasury never moved any cash"
        assert monitor.agent_checks >= 25 * 20
        territory = result.territory
        assert territory["ge_workers"].max() > 0
        assert territory["insertion_posts"].max() > 0
        assert territory["in_training"].max() > 0


# -- indicators -------------------------------------------------------------------------------


COUNT_COLUMNS = [
    c
    for c in TERRITORY_COLUMNS
    if c not in {"year", "unemployment_rate", "self_financing_ratio", "mean_trust", "induced_jobs"}
    and not c.endswith("_eur")
]
"""Counts, never negative (``induced_jobs`` is negative when earnings per resident fall)."""


def test_territory_indicators_are_finite_and_consistent(monitored):
    """Yearly territory indicators: finite, in range, and adding up."""
    for seed, (_, result) in monitored.items():
        t = result.territory
        assert list(t["year"]) == list(range(1970, 2016)), seed
        numeric = t.drop(columns=["year"]).to_numpy(dtype=float)
        assert not np.isinf(numeric).any(), f"seed {seed}: infinite indicators"
        may_be_nan = {"self_financing_ratio", "solidarity_fund_eur"}
        nan_columns = [c for c in t.columns if c not in may_be_nan and t[c].isna().any()]
        assert not nan_columns, f"seed {seed}: NaN in {nan_columns}"
        assert t["unemployment_rate"].between(0, 1).all()
        assert (t["labour_force"] == t["employed"] + t["unemployed"] + t["in_training"]).all(), seed
        assert (t[COUNT_COLUMNS] >= 0).all().all(), seed
        assert t["mean_trust"].between(0, 1).all()
        # residents in work: the territory's jobs less those held by in-commuters
        jobs = t["classic_jobs"] + t["ess_jobs"]
        assert (t["employed"] == jobs - t["jobs_held_by_non_residents"]).all(), seed
        assert (t["jobs_held_by_non_residents"] > 0).all(), seed
        ratio = t["self_financing_ratio"].dropna()
        assert ratio.between(0, 1).all()
        # the solidarity fund exists from June 2015 on only
        assert t.loc[t["year"] < 2015, "solidarity_fund_eur"].isna().all()
        assert np.isfinite(t.loc[t["year"] == 2015, "solidarity_fund_eur"]).all()


def test_mechanism_and_monthly_tables_consistent(monitored):
    """Jobs-by-mechanism, monthly and structures tables: non-negative and consistent."""
    for seed, (_, result) in monitored.items():
        jobs, t, monthly = result.jobs_by_mechanism, result.territory, result.monthly
        assert list(jobs.columns) == list(MECHANISM_COLUMNS)
        assert (jobs.drop(columns=["year"]) >= 0).all().all(), seed
        parts = [
            "ge_posts",
            "geiq_hires",
            "insertion_exits_to_work",
            "incubated_activities",
            "internalised_posts",
        ]
        assert (jobs["jobs_created_or_secured"] == jobs[parts].sum(axis=1)).all()
        assert (jobs["ge_posts"].to_numpy() == t["ge_workers"].to_numpy()).all()
        assert len(monthly) == 46 * 12
        assert np.isfinite(monthly.to_numpy(dtype=float)).all()
        assert (monthly["employed"] + monthly["unemployed"] <= monthly["labour_force"]).all()
        assert (monthly["labour_force"] <= monthly["persons"]).all()
        # December of the monthly series is the territory table's year-end state
        december = monthly.iloc[11::12]
        assert (december["employed"].to_numpy() == t["employed"].to_numpy()).all(), seed
        s = result.structures
        numeric = s.drop(columns=["year", "structure", "kind"]).astype("float64")
        assert not np.isinf(numeric.to_numpy()).any()
        for column in ("employees", "fte", "hours", "turnover_eur", "costs_eur", "public_aid_eur"):
            assert (numeric[column].dropna() >= 0).all(), (seed, column)


# -- determinism --------------------------------------------------------------------------------


TABLES = ("territory", "structures", "jobs_by_mechanism", "monthly", "resilience")


def test_same_seed_same_tables(monitored):
    """``simulate`` twice with one seed gives identical tables, equal to the hand-stepped run's."""
    first = simulate(base_scenario(SCALE), seed=SEEDS[0])
    second = simulate(base_scenario(SCALE), seed=SEEDS[0])
    _, stepped = monitored[SEEDS[0]]
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
        pd.testing.assert_frame_equal(getattr(first, name), getattr(stepped, name))
    assert first.events == second.events


def test_other_seed_other_tables(monitored):
    """Two seeds give two different runs."""
    (_, a), (_, b) = monitored[SEEDS[0]], monitored[SEEDS[1]]
    for name in ("territory", "monthly", "jobs_by_mechanism"):
        with pytest.raises(AssertionError):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.monthly["employed"], b.monthly["employed"])


# -- the live API -------------------------------------------------------------------------------


def stepped_to(month: int, seed: int = 3) -> PtceModel:
    """A model of the scenario stepped to ``month``."""
    model = PtceModel(base_scenario(SCALE), seed)
    while model.month_index < month:
        model.step()
    return model


def employment_after(model: PtceModel, months: int) -> np.ndarray:
    """Persons employed after each of the next ``months`` steps."""
    series = []
    for _ in range(months):
        model.step()
        series.append(model.employed)
    return np.array(series)


@pytest.mark.parametrize(
    "event",
    [
        PlantClosureSpec(type="plant_closure", date="1985-05", sector="industry", jobs=400),
        SectorShockSpec(
            type="sector_shock",
            date="1985-05",
            sectors=["industry", "aerospace"],
            depth=0.4,
            onset_months=3,
            recovery_months=24,
        ),
    ],
    ids=["plant_closure", "sector_shock"],
)
def test_live_event_drops_employment(event):
    """An event applied live, at a month the timeline does not know, costs jobs (paired run)."""
    month = 12 * (1985 - 1970) + 4
    control, shocked = stepped_to(month), stepped_to(month)
    assert control.employed == shocked.employed
    firms, people = shocked.firms, shocked.people
    open_before = set(firms.org[firms.alive].tolist())
    employers = people.employer[people.resident].copy()
    shocked.apply_event(event)
    closed = list(open_before - set(firms.org[firms.alive].tolist()))
    held = np.count_nonzero(np.isin(employers, closed))  # residents of the closed plants
    assert shocked.shocks and shocked.shocks[-1][2] == month
    assert shocked.events_applied[-1][:2] == (month, event.type)
    base = employment_after(control, 12)
    hit = employment_after(shocked, 12)
    lost = base - hit
    if isinstance(event, PlantClosureSpec):
        # the residents of the closed plants (up to 400 * 0.1 jobs, what the sector has left)
        # lose their jobs at once, and do not all find one again within the year
        assert held >= 10 and lost[0] >= 0.6 * held, (held, lost)
        assert lost.mean() >= 0.4 * held, (held, lost)
    else:
        assert lost[3:].mean() > 5, lost
    # paired runs diverge after the event: at this scale a month may dip below the control
    assert (lost[3:] > 0).mean() >= 0.75, lost


def new_loans(model: PtceModel, months: int) -> tuple[int, float]:
    """Step ``months``; returns (months with a loan granted, euros lent meanwhile).

    Both are read off the books' loan flows.
    """
    count, amount = 0, 0.0
    for _ in range(months):
        before = model.ledger.totals[Flow.LOAN]
        model.step()
        lent = model.ledger.totals[Flow.LOAN] - before
        count += lent > 0
        amount += lent
    return count, amount


def test_set_parameter_switches_treasury_off_live():
    """Switched off live, the treasury lends nothing more; switched back on, it lends again.

    Paired with the same run left alone, which does lend over the same months.
    """
    month = 12 * (2009 - 1970)
    control, switched = stepped_to(month), stepped_to(month)
    assert switched.spec.mechanisms.treasury.enabled  # switched on by the 2006 policy event
    switched.set_parameter("treasury.enabled", False)
    assert switched.spec.mechanisms.treasury.enabled is False
    assert control.spec.mechanisms.treasury.enabled is True
    outstanding = switched.treasury.outstanding()
    lent_control = new_loans(control, 24)
    lent_switched = new_loans(switched, 24)
    assert lent_control[0] > 0, "the control run lends nothing in 2009-2010 (scale 0.1, seed 3)"
    assert lent_switched == (0, 0.0)
    assert switched.treasury.outstanding() <= outstanding + 1e-9  # no new loan, no repayment
    switched.set_parameter("treasury.enabled", True)
    assert new_loans(switched, 24)[0] > 0


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("treasury.no_such_field", True),
        ("no_such_mechanism.enabled", True),
        ("treasury", True),
        ("", 1),
        ("treasury.reserve_months", -1.0),
        ("geiq.contract_months", 0),
        ("training.skills_planning", "maybe"),
    ],
)
def test_set_parameter_rejects_unknown_paths_and_bad_values(path, value):
    """An unknown parameter or a bad value raises ValueError and changes nothing."""
    model = PtceModel(base_scenario(SCALE), 0)
    before = model.spec
    with pytest.raises(ValueError):
        model.set_parameter(path, value)
    assert model.spec is before
