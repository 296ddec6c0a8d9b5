"""The shared site (issue 13, item 3) and the FJT's housing of young people (item 4).

* bad ``shared_site`` and ``fjt`` events give one ScenarioError naming the file and the field;
* the books close every month with both (the site's purchase, works, grants, loan, rents; the
  FJT's rents and grant), and the site's loan is repaid from the rents;
* the premises cap the posts inside, and structures move in only when it pays them;
* paired runs (common random numbers) are identical until the first decision each institution
  affects (the site's purchase, the FJT's first admission), and over 20 seeds the FJT raises the
  young's employment rate and the site the trust on the network beyond the paired-noise band.

The runs use the InnoVales-like valley (2000-2020: shorter than the Seignanx) with a FJT from
2000 and a site bought in 2011, once the valley's animator exists (2010).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from helpers import ROOT
from scipy import stats
from test_scenario_io import load_error

from ptce_sim.config.scenario import Scenario
from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs.runner import result_of
from ptce_sim.simulation.accounts import Flow
from ptce_sim.simulation.invariants.books import check_books
from ptce_sim.simulation.invariants.report import Report
from ptce_sim.simulation.mechanisms.housing import IN_FJT
from ptce_sim.simulation.mechanisms.site import annuity
from ptce_sim.simulation.model import PtceModel

SCALE = 0.1
SEEDS = range(20)
SITE = {
    "date": 2011,
    "type": "shared_site",
    "name": "Valley site",
    "floor_area_m2": 3000.0,
    "m2_per_post": 60.0,
    "max_tenants": 10,
    "price_eur": 400000.0,
    "works_eur": 1600000.0,
    "loan_rate_per_year": 0.025,
    "loan_term_years": 25,
    "rent_eur_per_m2_year": 30.0,
    "premises_share_of_overheads": 0.5,
    "colocation_trust_weight": 0.5,
    "investments": [
        {"authority": "Isere departement", "eur": 1200000.0},
        {"authority": "State", "eur": 50000.0, "structure": "Valley training centre"},
    ],
}
FJT = {
    "date": 2000,
    "type": "fjt",
    "name": "Valley FJT",
    "places": 300,
    "stay_months": 24,
    "rent_eur_per_month": 350.0,
    "cost_eur_per_place_month": 700.0,
    "funder": "State",
}
HOUSING = {
    "young_without_housing_share": 0.3,
    "far_post_share": 0.5,
    "far_acceptance_without_housing": 0.3,
    "months_in_work_to_own_housing": 12,
}


def valley(*, site: dict | None = SITE, fjt: dict | None = FJT, scale: float = SCALE) -> Scenario:
    """The InnoVales-like valley with young people's housing, and the site and FJT given."""
    data = load_scenario(ROOT / "scenarios" / "innovales_like_2000_2020.toml").model_dump()
    data["run"]["scale"] = scale
    data["housing"] = HOUSING
    data["events"] += [event for event in (site, fjt) if event is not None]
    return Scenario.model_validate(data)


# -- bad input ----------------------------------------------------------------------------------


def _event(data: dict, kind: str) -> tuple[int, dict]:
    return next((i, e) for i, e in enumerate(data["events"]) if e["type"] == kind)


def _set(kind: str, field: str, value: object, *, typed: bool = False):
    """Set one field of the scenario's ``kind`` event.

    A field of the event's own type is named with the type (``events[i].fjt.stay_months``), a
    check across fields without.
    """

    def change(data: dict) -> str:
        i, event = _event(data, kind)
        event[field] = value
        return f"events[{i}].{kind}.{field}" if typed else f"events[{i}].{field}"

    return change


def _investment(k: int, field: str, value: object, date: object = None):
    def change(data: dict) -> str:
        i, event = _event(data, "shared_site")
        event["investments"][k][field] = value
        if date is not None:
            event["date"] = date
            return f"events[{i}].date"
        if field == "eur":
            return f"events[{i}].shared_site.investments"
        return f"events[{i}].investments[{k}].{field}"

    return change


def _fjt_before_its_funder(data: dict) -> str:
    i, event = _event(data, "fjt")
    event["funder"] = "Seignanx intercommunality"  # exists from 1994; the FJT opens in 1972
    return f"events[{i}].date"


def _second_fjt(data: dict) -> str:
    _, event = _event(data, "fjt")
    data["events"].append(dict(event))
    return f"events[{len(data['events']) - 1}].type"


BAD = [
    (_set("shared_site", "price_eur", -1.0, typed=True), ["expected a number >= 0"]),
    (_set("shared_site", "loan_term_years", 0, typed=True), [">= 1"]),
    (_set("shared_site", "floor_area_m2", 0.0, typed=True), ["expected a number >="]),
    (_set("shared_site", "date", 2030), ["outside the run's years"]),
    (_set("shared_site", "date", 1980), ["no owner", "animator"]),
    (_investment(0, "authority", "Conseil general"), ["unknown authority", "Landes departement"]),
    (
        _investment(0, "authority", "Seignanx intercommunality", date="1993-06"),
        ["before it exists", "active_from"],
    ),
    (_investment(1, "structure", "SCIC PERFF"), ["unknown structure", "SCIC PERF"]),
    (_investment(0, "eur", 9e6), ["exceed price_eur + works_eur"]),
    (_set("fjt", "funder", "CAF"), ["unknown authority"]),
    (_fjt_before_its_funder, ["before it exists", "Seignanx intercommunality"]),
    (_set("fjt", "stay_months", 0, typed=True), [">= 1"]),
    (_second_fjt, ["second fjt event"]),
]


@pytest.mark.parametrize(("change", "phrases"), BAD)
def test_bad_site_or_fjt_gives_one_clear_message(write_scenario, change, phrases) -> None:
    """Each problem: one line naming the file, the field and what was expected."""
    field: list[str] = []
    path = write_scenario(lambda data: field.append(change(data)))
    message = load_error(path)
    assert message.startswith(f"{path}: "), message
    assert field[0] in message, f"the field {field[0]!r} is not named: {message}"
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} is not said: {message}"


# -- the books, the loan, the cap, the decision -------------------------------------------------


@pytest.fixture(scope="module")
def valley_run() -> tuple[PtceModel, list[str], list[float]]:
    """One run of the valley, its books checked every month, the site's loan balance recorded."""
    model = PtceModel(valley(scale=0.05), seed=1)
    violations: list[str] = []
    balances: list[float] = []
    while model.running:
        model.step()
        report = Report(model.month_index)
        check_books(model, report)
        violations += [str(v) for v in report.violations]
        balances.append(model.site.loan_balance)
    return model, violations, balances


def test_books_close_every_month_with_the_site_and_the_fjt(valley_run) -> None:
    """The books close every month; each flow of the site and the FJT moves money."""
    model, violations, _ = valley_run
    assert not violations, violations[:3]
    totals = model.ledger.totals
    for flow in (
        Flow.SITE_PURCHASE,
        Flow.SITE_WORKS,
        Flow.INVESTMENT_BUDGET,
        Flow.INVESTMENT_GRANT,
        Flow.SITE_LOAN,
        Flow.SITE_REPAYMENT,
        Flow.RENT,
        Flow.FJT_RENT,
        Flow.HOUSING_GRANT,
    ):
        assert totals[flow] > 0, flow
    scale = model.scale
    assert totals[Flow.SITE_PURCHASE] == pytest.approx(SITE["price_eur"] * scale)
    assert totals[Flow.SITE_LOAN] == pytest.approx((2000000.0 - 1200000.0) * scale)
    assert totals[Flow.INVESTMENT_GRANT] == pytest.approx((1200000.0 + 50000.0) * scale)


def test_the_loan_is_repaid_month_by_month_by_the_annuity(valley_run) -> None:
    """The loan falls each month by the annuity's principal; rents are paid from the purchase."""
    model, _, balances = valley_run
    loan = 800000.0 * model.scale
    bought = model.spec.month_index(2011)
    assert balances[bought - 1] == 0.0 and balances[bought] < loan
    after = np.array(balances[bought:])
    assert (np.diff(after) < 0).all()
    months = len(after)
    payment = annuity(loan, 0.025, 25)
    assert model.ledger.totals[Flow.SITE_REPAYMENT] == pytest.approx(payment * months)
    territory = result_of(model).territory.set_index("year")
    assert territory.loc[2010, "site_loan_balance_eur"] == 0.0
    assert territory.loc[2020, "site_loan_balance_eur"] == pytest.approx(balances[-1])
    assert (territory.loc[2011:, "site_rents_eur"] > 0).all()
    assert (territory.loc[2011:, "site_tenants"] >= 2).all()
    assert territory["site_occupancy"].between(0, 1).all()
    assert (territory.loc[:2010, "site_occupancy"] == 0).all()


def _run_to(scenario: Scenario, year: int, seed: int = 0) -> PtceModel:
    model = PtceModel(scenario, seed)
    while model.year < year:
        model.step()
    return model


def test_the_premises_cap_the_posts_inside() -> None:
    """Premises smaller than the pole's needs: full, and no more posts than their area holds."""
    small = {**SITE, "floor_area_m2": 600.0}  # ten posts at full scale, one at scale 0.1
    model = _run_to(valley(site=small, fjt=None), 2013)
    site = model.site
    assert site.occupancy() == pytest.approx(1.0)
    assert site.posts() == pytest.approx(600.0 * SCALE / 60.0)
    wanted = sum(site.wanted_area(s) for s in model.pole.members())
    assert wanted > site.capacity()


def test_structures_move_in_only_when_the_rent_is_below_what_the_site_saves() -> None:
    """A rent above the premises' share of overheads: only the owner is inside."""
    saving_per_m2 = 0.5 * 0.15 * 2600.0 / 60.0 * 12  # EUR per m2 and year for a permanent post
    dear = {**SITE, "rent_eur_per_m2_year": saving_per_m2 * 1.01}
    cheap = {**SITE, "rent_eur_per_m2_year": saving_per_m2 * 0.99}
    inside = [len(_run_to(valley(site=s, fjt=None), 2012).site.tenants) for s in (dear, cheap)]
    assert inside[0] == 1 < inside[1]


# -- paired runs: identical until the first decision --------------------------------------------


def _state(model: PtceModel) -> tuple:
    people = model.people
    return (people.uid.copy(), people.status.copy(), people.employer.copy(), people.skill.copy())


def _same(a: tuple, b: tuple) -> bool:
    return all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_paired_runs_are_identical_until_the_fjt_first_houses_someone() -> None:
    """With and without the FJT: the same persons, states and skills until its first resident."""
    with_fjt = PtceModel(valley(site=None, fjt={**FJT, "date": 2003}), seed=2)
    without = PtceModel(valley(site=None, fjt=None), seed=2)
    first = None
    diverged = False
    while with_fjt.running:
        with_fjt.step()
        without.step()
        same = _same(_state(with_fjt), _state(without))
        if first is None and np.any(with_fjt.people.housing == IN_FJT):
            first = with_fjt.month_index - 1
        if first is None:
            assert same, f"diverged in month {with_fjt.month_index - 1} before the FJT"
        diverged |= not same
    assert first == with_fjt.spec.month_index(2003)
    assert diverged


def test_paired_runs_are_identical_until_the_site_is_bought() -> None:
    """With and without the site: the same persons and trust until its purchase, then not."""
    with_site = PtceModel(valley(fjt=None), seed=3)
    without = PtceModel(valley(site=None, fjt=None), seed=3)
    bought = with_site.spec.month_index(2011)
    diverged = False
    while with_site.running:
        with_site.step()
        without.step()
        same = _same(_state(with_site), _state(without)) and np.array_equal(
            with_site.network.trust, without.network.trust
        )
        if with_site.month_index <= bought:
            assert same, f"diverged in month {with_site.month_index - 1} before the site"
        diverged |= not same
    assert diverged


# -- paired runs over 20 seeds: the effects -----------------------------------------------------


def _outcomes(job: tuple[str, int]) -> dict[str, float]:
    variant, seed = job
    scenario = {
        "both": valley(),
        "no_fjt": valley(fjt=None),
        "no_site": valley(site=None),
    }[variant]
    model = PtceModel(scenario, seed)
    model.run()
    territory = result_of(model).territory
    return {
        "young_employment_rate": float(territory["young_employment_rate"].mean()),
        "mean_trust": float(territory.loc[territory["year"] >= 2012, "mean_trust"].mean()),
    }


@pytest.fixture(scope="module")
def paired() -> dict[tuple[str, int], dict[str, float]]:
    """Outcomes of the three variants (both, no FJT, no site) for each seed."""
    jobs = [(variant, seed) for variant in ("both", "no_fjt", "no_site") for seed in SEEDS]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        return dict(zip(jobs, pool.map(_outcomes, jobs), strict=True))


def beyond_noise(diff: np.ndarray, what: str) -> None:
    """The mean paired difference is above its one-sided 95% Student bound."""
    bound = stats.t.ppf(0.95, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size)
    assert diff.mean() > bound, f"{what}: mean {diff.mean():.4g} within the noise {bound:.4g}"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_fjt_raises_the_young_s_employment_rate(paired) -> None:
    """The young's employment rate (mean over 2000-2020) is higher with the FJT."""
    diff = np.array(
        [
            paired["both", s]["young_employment_rate"]
            - paired["no_fjt", s]["young_employment_rate"]
            for s in SEEDS
        ]
    )
    beyond_noise(diff, "young employment rate with the FJT less without")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_site_raises_trust_between_the_pole_s_organisations(paired) -> None:
    """The mean trust on the network (2012-2020) is higher with the site."""
    diff = np.array(
        [paired["both", s]["mean_trust"] - paired["no_site", s]["mean_trust"] for s in SEEDS]
    )
    beyond_noise(diff, "mean trust with the site less without")
