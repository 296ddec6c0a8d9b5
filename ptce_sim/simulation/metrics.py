"""Indicators: the yearly rows of the territory, structures and mechanism tables.

Pure functions of the model's state: the recorder (:mod:`ptce_sim.simulation.recorder`) calls
them at the end of each year and turns their rows into tables with :func:`typed_tables`. Columns
that do not apply to a structure's kind stay empty (``None``), never a made-up zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ptce_sim.config.scenario import AuthorityLevel
from ptce_sim.simulation.agents.persons import EMPLOYED, ESS_SIDE, YOUNG_AGE, Status, is_in
from ptce_sim.simulation.mechanisms import commuting
from ptce_sim.simulation.mechanisms.plie import EXIT_KINDS as PLIE_EXITS

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel
    from ptce_sim.simulation.recorder import Tally

PUBLIC_BY_FUNDER = tuple(f"public_{level.value}_eur" for level in AuthorityLevel)
"""Public money paid over the year by each level of funder (they sum to ``public_funding_eur``)."""

SITE_AND_HOUSING_COLUMNS = (
    "site_tenants",
    "site_posts",
    "site_occupancy",
    "site_rents_eur",
    "site_loan_balance_eur",
    "fjt_residents",
    "fjt_occupancy",
    "fjt_admissions",
    "young_without_housing",
    "young_employment_rate",
    "young_job_starts",
)
"""The shared site (structures inside, posts, share of the floor area occupied, the year's rents,
what its owner still owes) and young people's housing (the FJT's residents, share of its places
occupied, entries over the year; young residents without housing; the young's employment rate,
in work over in the labour force; young residents in work at the year's end who started that job
in the year). Occupancies are 0 before the site or the FJT exists."""

TERRITORY_COLUMNS = (
    "year",
    "population",
    "labour_force",
    "employed",
    "unemployed",
    "unemployment_rate",
    "classic_jobs",
    "ess_jobs",
    "ess_headcount",
    "ess_structures",
    "pole_members",
    "insertion_posts",
    "project_requests",
    "public_funding_eur",
    "self_financing_ratio",
    "long_term_unemployed",
    "in_training",
    "inactive",
    "geiq_contracts_in_force",
    "ge_workers",
    "project_holders",
    "firms",
    "member_firms",
    "charter_firms",
    "pole_structures",
    "network_ties",
    "mean_trust",
    "treasury_lent_eur",
    "treasury_outstanding_eur",
    "treasury_lent_by_firms_eur",
    "treasury_lent_to_firms_eur",
    "treasury_written_off_eur",
    "treasury_unmet_eur",
    "solidarity_fund_eur",
    "structure_failures",
    *PUBLIC_BY_FUNDER,
    "ess_market_sales_eur",
    "displacing_sales_eur",
    "displaced_jobs",
    "employed_young",
    "employed_ever_long_term",
    "employed_rsa",
    "jobs_held_by_non_residents",
    "induced_jobs",
    "projects_deliberated",
    "projects_accepted",
    "projects_refused",
    "projects_lapsed",
    "activities_decided",
    "activities_refused",
    "scic_reserves_eur",
    "plie_caseload",
    "plie_entries",
    *(f"plie_exits_{kind}" for kind in PLIE_EXITS),
    "gpec_employers",
    "gpec_anticipated_needs",
    "unfilled_skilled_posts",
    "skilled_hires",
    "skilled_hires_at_requirement",
    "skilled_vacancy_months",
    "pact_members",
    *SITE_AND_HOUSING_COLUMNS,
)
"""The territory's yearly columns. Population columns (``population``, ``labour_force``,
``employed``, ``unemployed``, ``unemployment_rate``, ``long_term_unemployed``, ``in_training``,
``inactive``, ``employed_*``) count residents only; jobs columns (``classic_jobs``, ``ess_jobs``,
``insertion_posts``, ``geiq_contracts_in_force``, ``ge_workers``, ``project_holders``) count the
jobs of the territory's employers (and of the conurbation sector), whoever holds them, so that
``employed = classic_jobs + ess_jobs - jobs_held_by_non_residents`` (in-commuters).
``ess_headcount`` is ``ess_jobs`` as the full-scale territory would count it, times the scale
(:func:`ess_headcount`; equal to ``ess_jobs`` at full scale). The PLIE's
``plie_caseload`` (persons followed at the year's end), ``plie_entries`` and ``plie_exits_<kind>``
(over the year); the skills planning's ``gpec_employers`` and ``gpec_anticipated_needs`` (posts
declared for the horizon, at the last declaration); ``unfilled_skilled_posts`` (firms' smoothed
count); ``skilled_hires`` (skilled classic posts filled over the year), of which
``skilled_hires_at_requirement`` (by a person whose skill meets the post's requirement: the
sectors' skill requirements met), and ``skilled_vacancy_months`` (a skilled post left unfilled in
a month counts one: how long the requirements wait); ``pact_members`` (organisations in the
pact, the animator included); ``activities_decided`` and ``activities_refused``: new activities
the structures' colleges voted on at the year's close, the decided ones opening the next January
(SCICs: :mod:`~ptce_sim.simulation.mechanisms.legal_forms`)."""
STRUCTURE_COLUMNS = (
    "year",
    "structure",
    "kind",
    "employees",
    "fte",
    "member_firms",
    "hours",
    "turnover_eur",
    "contracts_started",
    "training_hours",
    "project_holders",
    "insertion_employees",
    "permanent_employees",
    "cash_eur",
    "sales_eur",
    "fees_eur",
    "public_aid_eur",
    "costs_eur",
    "meals_per_day",
    "employers_involved",
)
MECHANISM_COLUMNS = (
    "year",
    "ge_posts",
    "ge_hires",
    "geiq_contracts",
    "geiq_hires",
    "insertion_exits_to_work",
    "training_exits_to_work",
    "geiq_exits_to_work",
    "incubation_exits_to_work",
    "incubated_activities",
    "incubated_structures",
    "internalised_posts",
    "launched_structures",
    "structure_activities",
    "training_courses",
    "jobs_created_or_secured",
)


def ess_headcount(model: PtceModel) -> float:
    """Holders of the ESS side's jobs as the full-scale territory would count them, times the scale.

    At full scale it is the number of holders (``ess_jobs``). At a reduced scale, a structure
    whose staff scales below one FTE still has one person, part-time, so that it keeps its
    economics (:meth:`~ptce_sim.simulation.agents.structures.base.Structure.adjust_permanent`);
    counted as a person it would stand for ``1 / scale`` persons where the full-scale structure
    has ``FTE / scale``. So each employer's ESS staff count as ``ceil(FTE / scale) × scale``,
    the persons the same staff would be at full scale; insertion, GEIQ and GE workers are hired
    one person per post at every scale and count as they are.
    """
    people = model.people
    holders = float(people.counts()[ESS_SIDE].sum())
    scale = model.scale
    if scale >= 1.0:
        return holders
    ess = people.status == Status.ESS
    fte = np.bincount(people.employer[ess], weights=people.fte[ess])
    full_scale = np.ceil(fte[fte > 0] / scale - 1e-9) * scale
    return holders - np.count_nonzero(ess) + float(full_scale.sum())


def distinct_staff(year_staff: list[np.ndarray]) -> tuple[dict[int, int], dict[int, int]]:
    """Distinct employees and project holders of each organisation over a year.

    Args:
        year_staff: one array per month, rows (employer, person uid, project holder or not) of
            the persons on the ESS side that month.

    Returns:
        ``{organisation id: persons}`` for employees and for project holders.
    """
    if not year_staff:
        return {}, {}
    staff = np.concatenate(year_staff, axis=1)
    pairs = np.unique(staff, axis=1)
    employees = dict(zip(*np.unique(pairs[0], return_counts=True), strict=True))
    holders = pairs[:, pairs[2] == 1]
    project_holders = dict(zip(*np.unique(holders[0], return_counts=True), strict=True))
    return (
        {int(org): int(n) for org, n in employees.items()},
        {int(org): int(n) for org, n in project_holders.items()},
    )


def territory_row(
    model: PtceModel, year: int, tally: Tally, public_eur: float, by_funder: dict[str, float]
) -> dict[str, float]:
    """The territory's indicators at the end of ``year``.

    ``tally``: the year's flows; ``public_eur``: the public money paid over the year;
    ``by_funder``: the same by level of funder.
    """
    jobs = model.people.counts()  # every job holder, in-commuters included
    counts = model.people.resident_counts()
    residents = model.people.residents()
    employed = int(counts[EMPLOYED].sum())
    unemployed = int(counts[[Status.SEEKER, Status.LONG_TERM]].sum())
    labour_force = residents - int(counts[Status.INACTIVE])
    pole = model.pole.members()
    structures = model.pole.structures
    sales = sum(s.year.sales_eur + s.year.fees_eur for s in pole)
    aid = sum(s.year.aid_eur for s in pole)
    firms = model.firms
    alive = firms.alive
    member = alive & ((firms.ge >= 0) | (firms.geiq >= 0))
    holders = int(sum(model.staff.counts[s.org, -1] for s in structures if s.alive))
    people = model.people
    in_work = is_in(people.status, EMPLOYED) & people.resident
    return {
        "year": year,
        "population": round(residents / model.spec.territory.activity_rate),
        "labour_force": labour_force,
        "employed": employed,
        "unemployed": unemployed,
        "unemployment_rate": unemployed / labour_force if labour_force else 0.0,
        "classic_jobs": int(jobs[Status.CLASSIC]),
        "ess_jobs": int(jobs[ESS_SIDE].sum()),
        "ess_headcount": ess_headcount(model),
        "ess_structures": sum(1 for s in structures if s.alive),
        "pole_members": model.network.graph.number_of_nodes(),
        "insertion_posts": int(jobs[Status.INSERTION]),
        "project_requests": tally.project_requests,
        "public_funding_eur": public_eur,
        "self_financing_ratio": sales / (sales + aid) if sales + aid > 0 else float("nan"),
        "long_term_unemployed": int(counts[Status.LONG_TERM]),
        "in_training": int(counts[Status.TRAINING]),
        "inactive": int(counts[Status.INACTIVE]),
        "geiq_contracts_in_force": int(jobs[Status.GEIQ]),
        "ge_workers": int(jobs[Status.GE]),
        "project_holders": holders,
        "firms": int(np.count_nonzero(alive)),
        "member_firms": int(np.count_nonzero(member)),
        "charter_firms": int(np.count_nonzero(alive & firms.charter)),
        "pole_structures": len(pole),
        "network_ties": model.network.graph.number_of_edges(),
        "mean_trust": model.network.mean_trust(),
        "treasury_lent_eur": model.treasury.lent_year,
        "treasury_outstanding_eur": model.treasury.outstanding(),
        "treasury_lent_by_firms_eur": model.treasury.lent_by_firms_year,
        "treasury_lent_to_firms_eur": model.treasury.lent_to_firms_year,
        "treasury_written_off_eur": model.treasury.written_off_year,
        "treasury_unmet_eur": model.treasury.unmet_year,
        "solidarity_fund_eur": model.treasury.fund
        if model.treasury.fund is not None
        else float("nan"),
        "structure_failures": sum(
            1
            for month, kind, _ in model.events_applied
            if kind == "failure" and month // 12 == year - model.spec.run.start_year
        ),
        **{column: by_funder.get(column[7:-4], 0.0) for column in PUBLIC_BY_FUNDER},
        "ess_market_sales_eur": model.markets.sales_year,
        "displacing_sales_eur": model.markets.displacing_year,
        "displaced_jobs": model.markets.displaced_jobs(),
        "employed_young": int(np.count_nonzero(in_work & (people.age < YOUNG_AGE))),
        "employed_ever_long_term": int(np.count_nonzero(in_work & people.ever_long_term)),
        "employed_rsa": int(np.count_nonzero(in_work & people.ever_unemployed_24m)),
        "jobs_held_by_non_residents": commuting.jobs_held(model),
        "induced_jobs": model.economy.induced_jobs(),
        **{f"projects_{k}": n for k, n in model.deliberation.year_counts(year).items()},
        **{f"activities_{k}": n for k, n in model.legal_forms.activity_counts(year).items()},
        "scic_reserves_eur": model.legal_forms.scic_reserves(),
        "plie_caseload": model.plie.caseload(),
        "plie_entries": model.plie.entries_year,
        **{f"plie_exits_{kind}": model.plie.exits_year[kind] for kind in PLIE_EXITS},
        "gpec_employers": int(model.gpec.employers.size),
        "gpec_anticipated_needs": model.gpec.total_needs(),
        "unfilled_skilled_posts": float(firms.unfilled_skilled[alive].sum()),
        "skilled_hires": tally.skilled["hires"],
        "skilled_hires_at_requirement": tally.skilled["at_requirement"],
        "skilled_vacancy_months": tally.skilled["vacant_months"],
        "pact_members": model.circles.pact_members(),
        **site_and_housing(model, year),
    }


def site_and_housing(model: PtceModel, year: int) -> dict[str, float]:
    """The columns of :data:`SITE_AND_HOUSING_COLUMNS` at the end of ``year``."""
    people, site, housing = model.people, model.site, model.housing
    young = people.resident & (people.age < YOUNG_AGE)
    in_work = young & is_in(people.status, EMPLOYED)
    active = young & (people.status != Status.INACTIVE)
    year_start = model.spec.month_index(year)
    return {
        "site_tenants": len(site.area),
        "site_posts": site.posts(),
        "site_occupancy": site.occupancy(),
        "site_rents_eur": site.rents_year,
        "site_loan_balance_eur": site.loan_balance,
        "fjt_residents": housing.residents(),
        "fjt_occupancy": housing.occupancy(),
        "fjt_admissions": housing.admitted_year,
        "young_without_housing": housing.without_housing(),
        "young_employment_rate": in_work.sum() / active.sum() if active.any() else 0.0,
        "young_job_starts": int(np.count_nonzero(in_work & (people.since >= year_start))),
    }


def mechanism_row(model: PtceModel, year: int, tally: Tally) -> dict[str, float]:
    """Jobs created or secured by each mechanism during ``year``.

    ``ge_posts`` is a stock (shared jobs in place at the end of the year: jobs the GE secures);
    every other column is a flow over the year. ``jobs_created_or_secured`` adds the shared jobs
    in place to the year's hires at the end of GEIQ contracts, insertion leavers hired within six
    months, activities created by incubation and posts internalised from a GE.
    """
    counts = tally.jobs
    row = {"year": year, "ge_posts": int(model.people.counts()[Status.GE])}
    for column in MECHANISM_COLUMNS[2:-1]:
        row[column] = int(counts.get(column, 0))
    row["jobs_created_or_secured"] = (
        row["ge_posts"]
        + row["geiq_hires"]
        + row["insertion_exits_to_work"]
        + row["incubated_activities"]
        + row["internalised_posts"]
    )
    return row


def typed_tables(
    *,
    territory: pd.DataFrame,
    structures: pd.DataFrame,
    jobs_by_mechanism: pd.DataFrame,
    monthly: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """The run's tables with their columns typed: a structure's inapplicable column is empty."""
    structures = structures.copy()
    for column in STRUCTURE_COLUMNS[3:]:
        structures[column] = pd.to_numeric(structures[column]).astype("Float64")
    return {
        "territory": territory,
        "structures": structures,
        "jobs_by_mechanism": jobs_by_mechanism,
        "monthly": monthly,
    }
