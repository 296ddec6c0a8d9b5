"""The scenario: every input of a run, as typed and validated data.

A scenario says which territory is simulated, who lives and works there at the start, how each
cooperation mechanism behaves, who funds what, and a dated timeline of events. It is pure data:
this module neither reads files (see :mod:`ptce_sim.config.scenario_io`) nor imports Mesa.

All money is in constant 2012 euros; all rates are per month unless their name says ``per_year``.
Every model is ``extra="forbid"`` so that a typo in a scenario file is an error, never a new key.
"""

from __future__ import annotations

import bisect
import math
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
"""A probability or a share, in [0, 1]."""
MAX_AMOUNT = 1e9
"""Ceiling of any amount (a billion euros, hours or persons): far above what a territory's pole
handles, so larger is a typo, and products of such amounts would overflow the model's counts."""
NonNegative = Annotated[float, Field(ge=0.0, le=MAX_AMOUNT, allow_inf_nan=False)]
"""A count, an amount of money or a duration that cannot be negative."""
Positive = Annotated[float, Field(ge=1e-9, le=MAX_AMOUNT, allow_inf_nan=False)]
"""An amount the model divides by (a wage cost, hours in a year): at least 1e-9."""
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
"""A run's or an experiment's name: it names an output folder, so no '/', and no '.' or '..'."""
RunName = Annotated[str, Field(min_length=1, max_length=80, pattern=NAME_PATTERN)]
Count = Annotated[int, Field(ge=0)]
Months = Annotated[int, Field(ge=1, le=600)]
Year = Annotated[int, Field(ge=1800, le=2200)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Logit = Annotated[float, Field(ge=-20.0, le=20.0, allow_inf_nan=False)]
"""Log-odds (or a weight of log-odds): beyond ±20 a chance is 0 or 1 to nine digits."""

DISPLACEMENT_LEVELS = {"none": 0.0, "low": 0.25, "medium": 0.5, "high": 0.75, "total": 1.0}
"""The ready reckoner of the Additionality Guide (Homes and Communities Agency, 4th edition, 2014):
the share of an activity's output taken from other firms of the same market."""


def _displacement_level(value: object) -> object:
    """A level name of the ready reckoner as its share; anything else is left to the checks."""
    if isinstance(value, str):
        try:
            return DISPLACEMENT_LEVELS[value.strip().lower()]
        except KeyError:
            raise ValueError(
                f"expected a share in [0, 1] or one of {list(DISPLACEMENT_LEVELS)}, got {value!r}"
            ) from None
    return value


Displacement = Annotated[
    float, BeforeValidator(_displacement_level), Field(ge=0.0, le=1.0, allow_inf_nan=False)
]
"""A displacement share in [0, 1], or a level name of the Additionality Guide's ready reckoner."""


class FieldProblem(ValueError):
    """A problem found by a check across fields, located at ``field``.

    ``field`` is relative to the model whose validator raised it, so that the message can name the
    field, not "top level".
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def printable(text: str) -> str:
    """``text`` fit for a one-line message.

    Any control or other non-printable character (a line break, an escape code) is escaped as in
    Python's ``repr``.
    """
    return text if text.isprintable() else repr(text)[1:-1]


class Strict(BaseModel):
    """Base of every scenario section: unknown keys are errors, numbers must be finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --------------------------------------------------------------------------------------------
# Territory, people and firms
# --------------------------------------------------------------------------------------------


class GrowthPeriodSpec(Strict):
    """Yearly growth rate of the labour force from ``from_year`` until the next period."""

    from_year: Year
    rate_per_year: Annotated[float, Field(ge=-0.2, le=0.2, allow_inf_nan=False)]


class AgeSharesSpec(Strict):
    """Shares of the initial labour force by age group (they must sum to 1)."""

    young: Probability = 0.2
    adult: Probability = 0.6
    senior: Probability = 0.2

    @model_validator(mode="after")
    def _sum_to_one(self) -> AgeSharesSpec:
        total = self.young + self.adult + self.senior
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"age shares (young, adult, senior) must sum to 1, they sum to {total:g}"
            )
        return self


class AgeRangesSpec(Strict):
    """Shares of the residents by age range at some census years, in percent.

    ``percent`` maps a range (``"0-14"``, ``"75+"``) to its share at each of ``years``.
    """

    years: list[Year] = Field(min_length=1)
    percent: dict[str, list[Annotated[float, Field(ge=0.0, le=100.0)]]] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AgeRangesSpec:
        if self.years != sorted(set(self.years)):
            raise FieldProblem("years", "census years must be increasing and distinct")
        for name, shares in self.percent.items():
            if re.fullmatch(r"\d+-\d+|\d+\+", name) is None:
                raise FieldProblem(
                    f"percent.{name}", "expected an age range such as '0-14' or '75+'"
                )
            if len(shares) != len(self.years):
                raise FieldProblem(
                    f"percent.{name}",
                    f"expected one share per census year: {len(shares)} shares for "
                    f"{len(self.years)} years",
                )
        for i, year in enumerate(self.years):
            total = sum(shares[i] for shares in self.percent.values())
            if abs(total - 100.0) > 1.0:
                given = ", ".join(f"{name} {shares[i]:g}" for name, shares in self.percent.items())
                raise FieldProblem(
                    "percent",
                    f"the shares of {year} sum to {total:g}, not 100 (item {i} of each range: "
                    f"{given})",
                )
        return self

    def share_per_age(self, age: int, year: float) -> float | None:
        """Share (0 to 1) of the residents of one year of ``age``, at the nearest census year.

        The share of the closed range holding ``age`` spread evenly over its years; None when no
        closed range (``"0-14"``, not ``"75+"``) holds it.
        """
        nearest = min(range(len(self.years)), key=lambda i: abs(self.years[i] - year))
        for name, shares in self.percent.items():
            if "-" in name:
                first, last = (int(x) for x in name.split("-"))
                if first <= age <= last:
                    return shares[nearest] / 100.0 / (last - first + 1)
        return None


class CensusSpec(Strict):
    """The territory's residents at each census: the input its demography follows.

    Between two censuses the population grows at a constant rate (log-linear interpolation);
    before the first and after the last it goes on at the nearest inter-census rate (ASSUMPTION,
    documented in docs/ODD.md).
    """

    years: list[Year] = Field(min_length=2, description="Census years, increasing.")
    population: list[Annotated[int, Field(ge=1, le=50_000_000)]] = Field(
        description="Residents at each census year (full scale)."
    )
    age_ranges: AgeRangesSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CensusSpec:
        if self.years != sorted(set(self.years)):
            raise FieldProblem("years", "census years must be increasing and distinct")
        if len(self.population) != len(self.years):
            raise FieldProblem(
                "population",
                f"expected one population per census year: {len(self.population)} populations "
                f"for {len(self.years)} years",
            )
        return self

    def population_at(self, year: float) -> float:
        """Residents at a (fractional) ``year``: log-linear between the two censuses around it."""
        years, pop = self.years, self.population
        i = min(max(bisect.bisect_right(years, year) - 1, 0), len(years) - 2)
        rate = math.log(pop[i + 1] / pop[i]) / (years[i + 1] - years[i])
        return pop[i] * math.exp(rate * (year - years[i]))


class TerritorySpec(Strict):
    """The territory and its labour force (the persons of the model)."""

    name: str = Field(min_length=1)
    labour_force: Annotated[int, Field(ge=0, le=5_000_000)] | None = Field(
        None,
        description="Persons in the labour force at the start (full scale), when the labour "
        "force follows growth periods; without a census only.",
    )
    activity_rate: Annotated[float, Field(ge=0.05, le=1.0)] = Field(
        0.45,
        description="Labour force / population: the labour force of a census's population, and "
        "the population reported from the labour force.",
    )
    growth: list[GrowthPeriodSpec] = Field(
        default_factory=list,
        description="Labour-force growth by period (migration, births); without a census only.",
    )
    census: CensusSpec | None = Field(
        None,
        description="Residents at each census: the labour force is the census population times "
        "the activity rate (instead of labour_force and growth).",
    )
    age_shares: AgeSharesSpec = AgeSharesSpec()
    initial_unemployment_rate: Probability = 0.04
    initial_inactive_share: Probability = 0.02
    skill_mean: Probability = 0.45
    skill_sd: Annotated[float, Field(ge=0.001, le=0.5)] = Field(
        0.18, description="Spread of the initial skills (below 0.001 there is none to speak of)."
    )
    retirement_age: Annotated[float, Field(ge=50, le=75)] = 62.0
    entry_age: Annotated[float, Field(ge=14, le=30)] = 18.0
    movers_with_job_share: Probability = Field(
        0.0,
        description="Share of the adults moving in who arrive with a job in the sectors located "
        "outside (the conurbation they commute to): their post comes with them, new demand for "
        "those sectors. The others arrive seeking work.",
    )

    @field_validator("growth")
    @classmethod
    def _growth_sorted(cls, value: list[GrowthPeriodSpec]) -> list[GrowthPeriodSpec]:
        years = [p.from_year for p in value]
        if years != sorted(set(years)):
            raise ValueError("growth periods must have increasing, distinct from_year")
        return value

    @model_validator(mode="after")
    def _one_demography(self) -> TerritorySpec:
        if self.census is None and self.labour_force is None:
            raise FieldProblem(
                "labour_force", "give either labour_force (with growth periods) or a census"
            )
        if self.census is not None:
            given = "labour_force" if self.labour_force is not None else "growth"
            if self.labour_force is not None or self.growth:
                raise FieldProblem(
                    given, "give either labour_force (with growth periods) or a census, not both"
                )
        return self

    def start_labour_force(self, year: float) -> float:
        """Labour force at ``year`` (full scale) when the run starts then.

        ``labour_force``, or the census population then times the activity rate.
        """
        if self.census is None:
            return float(self.labour_force or 0)
        return self.census.population_at(year) * self.activity_rate


class SectorSpec(Strict):
    """A sector of classic firms, with its business cycle."""

    name: str = Field(min_length=1)
    job_share: Probability = Field(description="Share of the initial classic jobs in this sector.")
    mean_firm_size: Annotated[float, Field(ge=1.0, le=5000)] = 6.0
    firm_size_sigma: Annotated[float, Field(ge=1e-12, le=3.0)] = 1.0
    trend_per_year: Annotated[float, Field(ge=-0.2, le=0.2)] = 0.0
    follows_population: Probability = Field(
        0.0,
        description="Share of the sector's demand that grows with the labour force "
        "(residential economy).",
    )
    cycle_amplitude: Annotated[float, Field(ge=0.0, le=0.5)] = 0.03
    cycle_period_years: Annotated[float, Field(ge=1.0, le=30.0)] = 8.0
    seasonal_amplitude: Annotated[float, Field(ge=0.0, le=0.5)] = 0.05
    peak_month: Annotated[int, Field(ge=1, le=12)] = 7
    skill_requirement: Probability = 0.4
    firm_noise: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.02, description="Monthly standard deviation of each firm's own demand shock (log scale)."
    )
    sales_eur_per_fte_month: Positive = Field(
        4500.0,
        description="Value added of one FTE of the sector's firms in a month: a firm's sales for "
        "each FTE of its labour demand it staffs.",
    )
    local_consumption_share: Probability = Field(
        0.3,
        description="Share of the sector's sales bought by the territory's households (the rest "
        "by customers outside: exports, the conurbation, tourists).",
    )
    located_outside: bool = Field(
        False,
        description="The sector's jobs lie outside the territory (residents commuting out, e.g. "
        "to the conurbation): no in-commuter takes them.",
    )


class BuyersSpec(Strict):
    """Who pays for what a market's ESS structures sell: shares that sum to 1."""

    households: Probability = 0.0
    firms: Probability = 0.0
    public: Probability = Field(
        0.0, description="Public buyers' procurement (canteens, works): a purchase, not a grant."
    )
    outside: Probability = Field(
        0.0, description="Customers outside the territory (exports, visitors)."
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> BuyersSpec:
        total = self.households + self.firms + self.public + self.outside
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"households + firms + public + outside must sum to 1, they sum to {total:g}"
            )
        return self


class MarketSpec(Strict):
    """A market the territory's ESS structures sell in.

    It has finite demand they share, part of it new and the rest taken from the classic firms of a
    sector (displacement).

    The demand its ESS suppliers can reach in a month is
    ``(eur_per_employed_per_year * employed + eur_per_pole_worker_per_year * pole workers) / 12``,
    widened by the suppliers' reputation (``growth_with_trust``); its open suppliers share it.
    """

    name: str = Field(min_length=1)
    sector: str = Field(
        min_length=1, description="The classic firms' sector whose sales it displaces."
    )
    eur_per_employed_per_year: NonNegative = Field(
        0.0, description="Demand its ESS suppliers can reach, per employed resident."
    )
    eur_per_pole_worker_per_year: NonNegative = Field(
        0.0, description="Demand its ESS suppliers can reach, per worker of the pole's network."
    )
    growth_with_trust: NonNegative = Field(
        1.0, description="How much its suppliers' reputation widens the demand they reach."
    )
    buyers: BuyersSpec
    displacement: Displacement = Field(
        description="Share of its sales taken from the sector's classic firms (the rest is new "
        "demand: served from outside before, or a need nobody met)."
    )
    displacement_reason: str = Field(
        min_length=1, description="Why that level of displacement (the evaluator's justification)."
    )


class FirmsSpec(Strict):
    """Classic firms: how many, how they hire, lay off, enter and exit."""

    jobs_per_employed: Annotated[float, Field(ge=1e-12, le=2.0)] = Field(
        1.0, description="Initial labour demand of classic firms per initially employed person."
    )
    hiring_speed: Probability = Field(
        0.5, description="Share of a firm's gap to its target filled (or shed) per month."
    )
    layoff_speed: Probability = 0.3
    quit_rate: Probability = 0.006
    exit_rate_per_year: Probability = 0.03
    entry_threshold_jobs: Annotated[float, Field(ge=1.0)] = Field(
        4.0, description="A sector's unmet demand (in jobs) above which a new firm is created."
    )
    fractional_fill_without_ge: Probability = Field(
        0.35,
        description="Share of a firm's fractional (part-time, seasonal) need that it fills alone, "
        "by hiring when the fraction exceeds one half.",
    )
    training_contribution_share: Probability = Field(
        0.01,
        description="Share of its wage bill a firm pays to its sector's training funds (OPCA).",
    )
    cash_reserve_months: Annotated[float, Field(ge=0.0, le=24.0)] = Field(
        2.0,
        description="Months of wage bill a firm starts with and keeps as cash; it pays out the "
        "profit above it to its owners.",
    )
    negative_cash_months: Months = Field(
        12, description="A firm whose cash stays negative for more months than this closes."
    )
    risk_premium: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.5,
        description="Mark-up a firm that does not trust the pole puts on an employer group's "
        "price when it weighs joining (falls linearly to 0 at full trust).",
    )
    risk_aversion_dispersion: Annotated[float, Field(ge=0.0, le=3.0)] = Field(
        0.0,
        description="Spread of firms' own attitudes to risk: each firm's mark-up is "
        "risk_premium times its risk aversion, drawn at its creation from a log-normal law of "
        "mean 1 and this log standard deviation (0: every firm weighs risk alike).",
    )
    leave_after_months: Months = Field(
        6,
        description="A member firm leaves its GE or GEIQ once the group's net benefit has stayed "
        "negative for this many months.",
    )
    overdraft_rate_per_year: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.0, description="Interest a firm pays its bank on negative cash."
    )
    deposit_rate_per_year: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.0,
        description="What a firm's owners earn on cash paid out to them: the return a loan to "
        "the treasury must beat.",
    )


class LabourMarketSpec(Strict):
    """Job search, matching and the drift of employability."""

    contacts_per_vacancy: Annotated[float, Field(ge=0.0, le=20.0)] = 3.0
    skill_match_width: Annotated[float, Field(ge=1e-12, le=1.0)] = 0.15
    long_term_months: Months = 12
    discouragement_rate: Probability = 0.004
    reentry_rate: Probability = 0.03
    employability_gain_employed: Probability = 0.01
    employability_loss_unemployed: Probability = 0.015
    skill_gain_on_job_per_year: Probability = 0.01
    unqualified_hire_factor: Probability = Field(
        1.0,
        description="Chance that an employer hires, into a skilled post, a person not qualified in "
        "its trade, relative to one qualified (1: qualifications do not matter).",
    )
    qualification_months: Annotated[int, Field(ge=1, le=600)] = Field(
        36,
        description="Months in a row in a classic post after which a person is qualified in its "
        "trade (experience).",
    )
    in_commuter_share: Probability = Field(
        0.0,
        description="Chance that a post of the territory's employers open to in-commuters (classic "
        "firms of sectors located in the territory, ESS structures' permanent posts) is taken, "
        "when it is filled, by a person living outside the territory (leakage).",
    )


class HouseholdsSpec(Strict):
    """Residents' incomes, on which the residential economy partly lives (the local multiplier)."""

    earnings_share_of_residential_demand: Probability = Field(
        0.0,
        description="Share of the residential sectors' demand (their ``follows_population`` part) "
        "paid from the residents' earnings (wages, unemployment benefits): it follows those "
        "earnings, so new jobs of residents induce local jobs; the rest (pensions, transfers, "
        "visitors) follows the number of residents.",
    )
    benefit_replacement: Probability = Field(
        0.4,
        description="Income of an unemployed resident (or one in a course) relative to the "
        "earnings of one full-time job, averaged over compensated and uncompensated job seekers.",
    )


# --------------------------------------------------------------------------------------------
# Mechanisms
# --------------------------------------------------------------------------------------------


class SharedEmploymentSpec(Strict):
    """Employer groups (GE): pooled fractional needs of member firms become stable jobs."""

    enabled: bool = True
    worker_fte: Annotated[float, Field(ge=1e-12, le=1.0)] = Field(
        0.45, description="Mean working time of a GE employee (FTE)."
    )
    internalisation_rate: Probability = Field(
        0.3,
        description="Monthly chance that a member with an open job hires the GE worker it hosts.",
    )
    billing_eur_per_hour: NonNegative = 19.0
    member_fee_eur_per_year: NonNegative = 150.0
    contact_rate: Probability = Field(
        0.002,
        description="Monthly base rate at which a firm with an unmet part-time need hears of a GE "
        "(and then weighs joining it).",
    )


class GeiqPathwaySpec(Strict):
    """GEIQ: work-study contracts for job seekers far from work, ending in hiring by a member."""

    enabled: bool = True
    contract_months: Months = 18
    training_share: Probability = Field(
        0.25, description="Share of contract time spent in training."
    )
    skill_gain_per_year: Probability = 0.25
    employability_gain_per_year: Probability = 0.3
    trainees_per_member: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        2.0,
        description="Trainees a member can host at a time: what its tutor can follow. ASSUMPTION: "
        "one tutor per member; French rules cap what one tutor follows at two or three "
        "work-study employees.",
    )
    recruitment_rate: Probability = Field(
        0.25,
        description="Share of members' unfilled skilled vacancies turned into GEIQ contracts "
        "per month.",
    )
    hire_base_probability: Probability = 0.55
    billing_eur_per_hour: NonNegative = 20.0
    aid_per_contract_eur: NonNegative = 1500.0
    opca_aid_share: Probability = Field(
        0.0,
        description="Share of the aid per contract paid by the sector's training funds (OPCA: "
        "tutoring, support; firms' money, not public), the rest by funders with geiq_aid.",
    )
    member_fee_eur_per_year: NonNegative = 200.0
    contact_rate: Probability = Field(
        0.02,
        description="Monthly base rate at which a firm short of skilled staff hears of a GEIQ "
        "(and then weighs joining it).",
    )
    tutoring_fte_per_trainee: Probability = Field(
        0.1, description="Time of a skilled employee of the host spent tutoring one trainee (FTE)."
    )
    local_training_share: Probability = Field(
        0.3,
        description="Share of trainees' training hours given by the territory's training centre "
        "(the rest by sector training centres).",
    )


class WorkIntegrationSpec(Strict):
    """Work-integration enterprises (EI) and integration restaurants: fixed-term insertion posts."""

    enabled: bool = True
    post_months: Months = 24
    employability_gain_per_year: Probability = 0.35
    skill_gain_per_year: Probability = 0.08
    exit_priority: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        2.5,
        description="Weight of an insertion leaver in the job matching, relative to other seekers.",
    )
    insertion_productivity: Probability = Field(
        0.6, description="Output of an insertion post relative to a permanent post."
    )


class TrainingSpec(Strict):
    """The training centre: hours sold to firms and job seekers; skills planning (GPEC)."""

    enabled: bool = True
    course_months: Months = 4
    hours_per_month_in_course: NonNegative = 100.0
    skill_gain_per_100_hours: Probability = 0.025
    employability_gain_per_course: Probability = 0.08
    seeker_entry_rate: Probability = Field(
        0.01, description="Monthly rate at which seekers ask for a course."
    )
    firm_hours_per_employee_per_year: NonNegative = 3.0
    price_eur_per_hour: NonNegative = 7.0
    skills_planning: bool = Field(
        True,
        description="GPEC: once the animator runs it, courses follow the sectors that will hire.",
    )
    planning_match_bonus: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3


class IncubationSpec(Strict):
    """The CAE / incubator: project holders test activities; some create new enterprises."""

    enabled: bool = True
    intake_rate: Probability = Field(
        0.004, description="Monthly rate at which a seeker brings a project."
    )
    test_months: Months = 12
    activity_success: Probability = 0.45
    ess_structure_share: Probability = Field(
        0.08,
        description="Share of successful projects that become an ESS structure joining the pole.",
    )
    contribution_share: Probability = 0.1
    holder_turnover_eur_per_month: NonNegative = 1500.0
    aid_per_holder_eur: NonNegative = 1200.0
    firm_displacement: Displacement = Field(
        0.75,
        description="Share of a micro firm's activity taken from the existing firms of its "
        "sector (Additionality Guide levels: none, low, medium, high, total).",
    )
    firm_displacement_reason: str = Field(
        "ASSUMPTION: new micro firms in residential trades mostly take customers from existing "
        "ones (Additionality Guide: high displacement for local, saturated markets).",
        min_length=1,
        description="Why that level of displacement (the evaluator's justification).",
    )


class TreasurySpec(Strict):
    """Mutualised treasury: members lend each other their reserves; a solidarity fund later."""

    enabled: bool = True
    reserve_months: Annotated[float, Field(ge=0.0, le=24.0)] = Field(
        2.0, description="Months of costs a lender keeps for itself before lending."
    )
    repayment_months: Months = 12
    solidarity_fund_contribution: Probability = Field(
        0.02,
        description="Share of a member's monthly surplus paid into the solidarity fund once "
        "created.",
    )
    interest_rate_per_year: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.0, description="Interest a borrower pays on what it owes the treasury's lenders."
    )
    firms_take_part: bool = Field(
        False,
        description="Firms that signed the charter may borrow from the treasury and lend to it, "
        "each when it pays off for them.",
    )
    expected_loss_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.01,
        description="Share of what it lends a firm expects to lose in a year before the "
        "treasury has any history (its own record then weighs in).",
    )


class CooperationSpec(Strict):
    """The cooperation network: trust, joining, requests to the animator, launching tools."""

    enabled: bool = True
    initial_trust: Probability = 0.2
    trust_gain: Probability = 0.04
    trust_decay_per_year: Probability = 0.15
    charter_trust: Probability = Field(
        0.5, description="Trust above which a firm signs the charter."
    )
    request_rate: Probability = Field(
        0.002,
        description="Monthly rate at which a member with an unmet need asks the animator for "
        "a project.",
    )
    requests_per_launch: Annotated[int, Field(ge=1)] = 12
    launch_cost_eur: NonNegative = 60000.0
    launched_market: str | None = Field(
        None,
        description="The [[markets]] entry that structures launched by the animator or incubated "
        "as ESS structures sell in (required when the pole can launch or incubate them).",
    )
    member_fee_eur_per_year: NonNegative = Field(
        250.0, description="Yearly contribution of each pole member to the animator."
    )
    plie: bool = Field(
        True, description="The animator runs a PLIE (follows long-term job seekers)."
    )
    plie_priority: Annotated[float, Field(ge=1.0, le=10.0)] = 1.5
    call_application_days: Annotated[float, Field(ge=0.0, le=365.0)] = Field(
        15.0, description="Staff-days of the animator an application to a call for projects takes."
    )
    call_win_logit: Logit = Field(
        -2.0, description="Log-odds of winning a call for a pole with no track record nor trust."
    )
    call_win_logit_per_year: Logit = Field(
        0.1, description="Added log-odds per year the animator has existed."
    )
    call_win_logit_per_structure: Logit = Field(
        0.15, description="Added log-odds per open structure of the pole."
    )
    call_win_logit_per_trust: Logit = Field(
        2.0, description="Added log-odds per unit of mean trust on the network's ties."
    )


class PlieSpec(Strict):
    """The PLIE's accompaniment: a pathway of steps that raise the person's employability."""

    enabled: bool = Field(
        True,
        description="The pathway's steps (off: a person followed only weighs more in the "
        "matching of posts for people far from work).",
    )
    diagnosis_months: Months = Field(
        2, description="Months of the first step: the adviser's diagnosis."
    )
    training_share: Probability = Field(
        0.3,
        description="Share of the persons diagnosed whom the adviser sends to a course of the "
        "training centre (an exit to training when a seat is free).",
    )
    placement_months: Months = Field(
        1, description="Months of the work placement (immersion in a firm) after the diagnosis."
    )
    placement_gain: Probability = Field(
        0.1, description="Share of the gap to full employability a work placement closes."
    )
    search_gain_per_month: Probability = Field(
        0.03,
        description="Share of the gap to full employability each month of accompanied job "
        "search closes.",
    )
    dropout_rate: Probability = Field(
        0.015, description="Monthly rate at which a person followed leaves the pathway."
    )
    pathway_months: Months = Field(
        24, description="Months after which the pathway ends without a job nor a course."
    )


class GpecSpec(Strict):
    """Territorial skills planning (GPEC): employers declare needs, courses are aimed at them."""

    enabled: bool = Field(
        True,
        description="Employers declare their needs and the training centre aims its courses at "
        "them (off: courses follow the sectors' recent openings).",
    )
    horizon_months: Months = Field(
        12, description="How far ahead employers declare their needs (retirements, growth)."
    )
    invitations_share: Probability = Field(
        1.0,
        description="Share of the declared needs the training centre fills by inviting job "
        "seekers to courses aimed at them, spread over the horizon.",
    )
    hours_per_employer_per_year: NonNegative = Field(
        14.0,
        description="Hours a year an employer's manager spends declaring its needs and in the "
        "planning's meetings: the cost it weighs against the posts filled sooner.",
    )


class CirclesSpec(Strict):
    """The pact and the charter: circles with entry conditions and commitments."""

    enabled: bool = Field(
        True,
        description="The charter's commitments act in firms' decisions and trust governs the "
        "treasury's loans (off: no commitment, loans pooled whoever borrows).",
    )
    charter_horizon_months: Months = Field(
        12,
        description="Months over which a firm weighs what the charter brings against what its "
        "commitments cost.",
    )
    recruitment_share: Probability = Field(
        0.2,
        description="Share of a firm's unfilled skilled posts it expects the pole's recruitment "
        "and skills planning to fill once it signs.",
    )
    keep_staff_months: Annotated[float, Field(ge=0.0, le=24.0, allow_inf_nan=False)] = Field(
        3.0,
        description="Commitment of a charter firm: months of wages of staff above its needs it "
        "carries from its cash before laying off.",
    )
    local_hiring: bool = Field(
        True,
        description="Commitment of a charter firm: it hires residents first (no in-commuter "
        "takes its posts).",
    )
    lending_by_trust: bool = Field(
        True,
        description="Trust governs the treasury's loans: who lends to whom and how much (off: "
        "every member with an excess lends all of it, whoever borrows).",
    )
    lending_trust: Probability = Field(
        0.3, description="Trust a lender must have in a borrower to lend it in the treasury."
    )


class OtherEssSpec(Strict):
    """The territory's other ESS structures (associations, cooperatives), generated at the start."""

    count: Annotated[int, Field(ge=0, le=1000)] = 0
    staff_mean: Annotated[float, Field(ge=1.0, le=500)] = 4.0
    market: str | None = Field(
        None, description="The [[markets]] entry they sell in (required when count > 0)."
    )
    sales_eur_per_fte_month: NonNegative = 3200.0
    join_rate: Probability = Field(
        0.01, description="Monthly rate at which one joins the pole once it exists."
    )


class MechanismsSpec(Strict):
    """Every cooperation mechanism, each switchable."""

    shared_employment: SharedEmploymentSpec = SharedEmploymentSpec()
    geiq: GeiqPathwaySpec = GeiqPathwaySpec()
    work_integration: WorkIntegrationSpec = WorkIntegrationSpec()
    training: TrainingSpec = TrainingSpec()
    incubation: IncubationSpec = IncubationSpec()
    treasury: TreasurySpec = TreasurySpec()
    cooperation: CooperationSpec = CooperationSpec()
    plie_pathway: PlieSpec = PlieSpec()
    gpec: GpecSpec = GpecSpec()
    circles: CirclesSpec = CirclesSpec()


class FinanceSpec(Strict):
    """Costs shared by every structure."""

    wage_cost_eur_per_fte_month: Positive = 2600.0
    insertion_wage_cost_eur_per_fte_month: Positive = 2100.0
    work_study_wage_cost_eur_per_fte_month: Positive = Field(
        1700.0, description="GEIQ work-study contracts (paid a share of the minimum wage)."
    )
    overhead_share: Probability = Field(
        0.15, description="Non-wage costs as a share of wage costs."
    )
    failure_grace_months: Months = 6
    overdraft_months: Annotated[float, Field(ge=0.0, le=12.0)] = Field(
        1.0, description="Months of costs a structure may run below zero before it fails."
    )
    hours_per_fte_year: Annotated[float, Field(ge=1e-9, le=8784.0)] = Field(
        1607.0, description="Hours worked by one FTE in a year (at most the 8,784 of a leap year)."
    )


# --------------------------------------------------------------------------------------------
# Local authorities
# --------------------------------------------------------------------------------------------


class AuthorityLevel(StrEnum):
    """Who a funder is (see docs/ODD.md, "Funders").

    The State, the European Social Fund (FSE), the Région, the Département, the intercommunality,
    the communes. Each has its own column of public money (``public_<level>_eur``).
    """

    STATE = "state"
    ESF = "esf"
    REGION = "region"
    DEPARTEMENT = "departement"
    INTERCOMMUNALITY = "intercommunality"
    COMMUNE = "commune"


class AuthoritySpec(Strict):
    """A funder: what it pays each year, under which rule."""

    name: str = Field(min_length=1)
    level: AuthorityLevel
    budget_eur_per_year: NonNegative = Field(
        description="Ceiling of what it pays to the pole in a year."
    )
    animation_grant_eur_per_year: NonNegative = 0.0
    aid_per_insertion_post_eur_per_year: NonNegative = 0.0
    training_budget_eur_per_year: NonNegative = 0.0
    plie_aid_per_person_eur_per_year: NonNegative = Field(
        0.0, description="PLIE funding per person the animator follows (cut with insertion aid)."
    )
    geiq_aid: bool = False
    incubation_aid: bool = False
    ess_operating_grant_share: Probability = Field(
        0.0, description="Share of an ESS structure's deficit it covers, within budget."
    )
    active_from: str | None = Field(
        None,
        description='Year (1994) or year and month ("1994-01") from which it exists: before, it '
        "has no budget and pays nothing. Default: it exists from the start.",
    )

    @field_validator("active_from", mode="before")
    @classmethod
    def _parse_active_from(cls, value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f'expected a year (1994) or "YYYY-MM", got {value!r}')
        year, month = parse_date(value)
        return f"{year:04d}-{month:02d}"

    @model_validator(mode="after")
    def _rules_within_budget(self) -> AuthoritySpec:
        fixed = self.animation_grant_eur_per_year + self.training_budget_eur_per_year
        if fixed > self.budget_eur_per_year:
            raise FieldProblem(
                "budget_eur_per_year",
                f"the fixed yearly rules animation_grant_eur_per_year + "
                f"training_budget_eur_per_year = {fixed:g} exceed budget_eur_per_year "
                f"{self.budget_eur_per_year:g}",
            )
        return self

    def active_month(self, start_year: int) -> int:
        """Step index (0 = January of ``start_year``) from which it exists (0: from the start)."""
        if self.active_from is None:
            return 0
        year, month = parse_date(self.active_from)
        return max(0, 12 * (year - start_year) + month - 1)


# --------------------------------------------------------------------------------------------
# Structures and events
# --------------------------------------------------------------------------------------------


class StructureKind(StrEnum):
    """The kinds of ESS structure.

    Each has its own rule in :mod:`ptce_sim.simulation.agents.structures`.
    """

    WORK_INTEGRATION = "work_integration"
    INTEGRATION_RESTAURANT = "integration_restaurant"
    GEIQ = "geiq"
    EMPLOYER_GROUP = "employer_group"
    ACTIVITY_COOPERATIVE = "activity_cooperative"
    TRAINING_CENTRE = "training_centre"
    ANIMATOR = "animator"
    ESS_ENTERPRISE = "ess_enterprise"


MARKET_KINDS = frozenset(
    {
        StructureKind.WORK_INTEGRATION,
        StructureKind.INTEGRATION_RESTAURANT,
        StructureKind.ESS_ENTERPRISE,
    }
)
"""Kinds of structure that live from a market (and name the one they sell in)."""


class LegalForm(StrEnum):
    """The legal forms of the pole's structures.

    Their rules are in :mod:`~ptce_sim.simulation.mechanisms`.
    """

    ASSOCIATION = "association"
    SCOP = "scop"
    SCIC = "scic"
    EMPLOYER_GROUP = "employer_group"
    GEIQ = "geiq"
    WORK_INTEGRATION = "work_integration"


FORM_OF_KIND = {
    StructureKind.GEIQ: LegalForm.GEIQ,
    StructureKind.EMPLOYER_GROUP: LegalForm.EMPLOYER_GROUP,
    StructureKind.WORK_INTEGRATION: LegalForm.WORK_INTEGRATION,
    StructureKind.INTEGRATION_RESTAURANT: LegalForm.WORK_INTEGRATION,
}
"""The legal form a structure of a kind has when its scenario does not say (else: association)."""
KIND_OF_FORM = {
    LegalForm.GEIQ: StructureKind.GEIQ,
    LegalForm.EMPLOYER_GROUP: StructureKind.EMPLOYER_GROUP,
}
"""Legal forms that only one kind of structure may take (a GEIQ or GE label is its activity)."""


class StructureSpec(Strict):
    """A named structure created by the timeline."""

    name: str = Field(min_length=1)
    kind: StructureKind
    cash_eur: NonNegative = 20000.0
    permanent_staff: Annotated[int, Field(ge=0, le=10_000)] = 1
    sectors: list[str] = Field(
        default_factory=list, description="Sectors of the firms it serves (GE, GEIQ); empty = all."
    )
    market: str | None = Field(
        None,
        description="The [[markets]] entry it sells in (EI, restaurant, ESS enterprise).",
    )
    sales_eur_per_fte_month: NonNegative = Field(
        3000.0, description="What one FTE of its staff produces for sale in a month."
    )
    purchases_share: Probability = Field(
        0.0, description="Share of its sales spent on purchases (food, materials)."
    )
    insertion_share: Probability = Field(
        0.0, description="Share of its production posts that are insertion posts."
    )
    staff_per_output: NonNegative = Field(
        0.0,
        description="Permanent staff per insertion post, GE/GEIQ worker or 1,000 training hours.",
    )
    capacity: Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)] = Field(
        0.0,
        description="The animator's PLIE caseload per adviser FTE (no other kind has a capacity: "
        "sizes are not set).",
    )
    legal_form: LegalForm | None = Field(
        None, description="Its legal form; default: by kind (FORM_OF_KIND), else association."
    )
    public_members: list[str] = Field(
        default_factory=list,
        description="Authorities that take shares in it: a SCIC's public college (SCIC only).",
    )

    @property
    def form(self) -> LegalForm:
        """Its legal form, declared or the default of its kind."""
        return self.legal_form or FORM_OF_KIND.get(self.kind, LegalForm.ASSOCIATION)

    @model_validator(mode="after")
    def _no_size(self) -> StructureSpec:
        if self.capacity > 0 and self.kind != StructureKind.ANIMATOR:
            raise ValueError(
                f"capacity: only an animator has one (its PLIE caseload per adviser); the size "
                f"of a structure of kind {self.kind.value!r} is not set but comes from its kind's "
                "rules (a CAE's project holders from job seekers' projects: "
                "[mechanisms.incubation] intake_rate)"
            )
        return self


class EventSpec(Strict):
    """A dated event of the timeline."""

    date: str = Field(description='Year (1998) or year and month ("1998-06").')
    note: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _parse_date(cls, value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f'expected a year (1998) or "YYYY-MM", got {value!r}')
        year, month = parse_date(value)
        return f"{year:04d}-{month:02d}"

    @property
    def year(self) -> int:
        """The year of ``date``."""
        return int(str(self.date)[:4])

    @property
    def month(self) -> int:
        """The month of ``date`` (1 to 12)."""
        return int(str(self.date)[5:7])


class CreateStructureSpec(EventSpec):
    """A new structure of the pole opens."""

    type: Literal["create_structure"]
    structure: StructureSpec
    founders: list[str] = Field(
        default_factory=list, description="Existing structures that found it (cross board seats)."
    )


class SectorShockSpec(EventSpec):
    """A downturn of one or more sectors: demand falls, then recovers in part."""

    type: Literal["sector_shock"]
    sectors: list[str] = Field(min_length=1)
    depth: Probability = Field(description="Share of the sector's demand lost at the trough.")
    onset_months: Months = 6
    recovery_months: Months = 36
    permanent_share: Probability = Field(0.0, description="Share of the loss never recovered.")


class PlantClosureSpec(EventSpec):
    """The largest firms of a sector close, destroying about ``jobs`` jobs for good."""

    type: Literal["plant_closure"]
    sector: str
    jobs: Annotated[int, Field(ge=1)]


class FundingCallSpec(EventSpec):
    """A call for projects (AAP) launched by a funder.

    The pole's animator applies and may win ``grant_eur``, brought by the funder for the call (see
    ``Funding.funding_call``).
    """

    type: Literal["funding_call"]
    authority: str
    grant_eur: NonNegative


class BudgetCutSpec(EventSpec):
    """An authority cuts what it pays, by a share, from this date on."""

    type: Literal["budget_cut"]
    authority: str
    share: Probability
    items: list[
        Literal["budget", "animation_grant", "insertion_aid", "training_budget", "operating_grant"]
    ] = Field(default_factory=lambda: ["budget"])


class FundingLevelSpec(EventSpec):
    """An authority's listed items at ``level`` times the scenario's amounts from this date on.

    A funding scenario's line raised, cut, stopped or restored over a period; not a shock.
    """

    type: Literal["funding_level"]
    authority: str
    level: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        description="Multiple of the scenario's amounts (1: as in the scenario, 0: stopped)."
    )
    items: list[
        Literal["budget", "animation_grant", "insertion_aid", "training_budget", "operating_grant"]
    ] = Field(min_length=1)


class PolicySwitchSpec(EventSpec):
    """Switch a mechanism or change a parameter from this date on.

    E.g. the 2013 pact and charter.
    """

    type: Literal["policy"]
    set: dict[str, Any] = Field(
        default_factory=dict,
        description='Dotted parameter paths under [mechanisms], e.g. {"treasury.enabled" = true}.',
    )
    formalise_pole: bool = Field(False, description="The pact and charter circles start here.")
    create_solidarity_fund: bool = False

    @model_validator(mode="after")
    def _does_something(self) -> PolicySwitchSpec:
        if not (self.set or self.formalise_pole or self.create_solidarity_fund):
            raise ValueError(
                "a policy event needs 'set', 'formalise_pole' or 'create_solidarity_fund'"
            )
        return self


class LegalFormChangeSpec(EventSpec):
    """A structure changes its legal form (e.g. the PERF training centre becomes a SCIC)."""

    type: Literal["legal_form"]
    structure: str = Field(min_length=1)
    legal_form: LegalForm
    public_members: list[str] = Field(
        default_factory=list, description="Authorities that take shares in it (SCIC only)."
    )


class InvestmentSpec(Strict):
    """A funder's investment grant towards the shared site, brought outside its yearly budget."""

    authority: str
    eur: NonNegative
    structure: str | None = Field(
        None,
        description="The tenant it helps move in (paid to it when it moves in); default: the "
        "owner (the animator), at the purchase, which lowers the loan.",
    )


class SharedSiteSpec(EventSpec):
    """The animator buys and refurbishes premises for the pole's structures.

    A funder's investment, and a loan for the rest of the price and works, repaid from the rents
    of the structures that move in (see :mod:`ptce_sim.simulation.mechanisms.site`).
    """

    type: Literal["shared_site"]
    name: str = Field(min_length=1)
    floor_area_m2: Positive
    m2_per_post: Positive = Field(description="Floor area one post of a tenant takes.")
    max_tenants: Annotated[int, Field(ge=1, le=1000)] = Field(
        description="Structures the premises hold, the owner included."
    )
    price_eur: NonNegative
    works_eur: NonNegative
    investments: list[InvestmentSpec] = Field(default_factory=list)
    loan_rate_per_year: Annotated[float, Field(ge=0.0, le=0.5, allow_inf_nan=False)]
    loan_term_years: Annotated[int, Field(ge=1, le=50)]
    rent_eur_per_m2_year: NonNegative
    premises_share_of_overheads: Probability = Field(
        description="Share of a structure's overheads (premises, shared services) that the site "
        "replaces for its posts inside."
    )
    colocation_trust_weight: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = Field(
        0.5,
        description="Weight of the shared success two tenants have each month (trust gain).",
    )

    @model_validator(mode="after")
    def _grants_within_cost(self) -> SharedSiteSpec:
        if self.loan_eur < 0:
            raise FieldProblem(
                "investments",
                f"the owner's investment grants exceed price_eur + works_eur "
                f"({self.price_eur + self.works_eur:g}) by {-self.loan_eur:g}",
            )
        return self

    @property
    def loan_eur(self) -> float:
        """What the owner borrows: price and works less the investments paid to it."""
        owner_grants = sum(i.eur for i in self.investments if i.structure is None)
        return self.price_eur + self.works_eur - owner_grants


class FjtSpec(EventSpec):
    """A Foyer de Jeunes Travailleurs opens.

    Places for young people without housing (see :mod:`ptce_sim.simulation.mechanisms.housing`),
    its deficit paid by a funder.
    """

    type: Literal["fjt"]
    name: str = Field(min_length=1)
    places: Annotated[int, Field(ge=1, le=100_000)]
    stay_months: Months
    rent_eur_per_month: NonNegative = Field(description="Paid by each resident (households).")
    cost_eur_per_place_month: NonNegative = Field(
        description="Running cost of an occupied place: staff (wages) and upkeep."
    )
    staff_share_of_cost: Probability = 0.5
    funder: str = Field(description="The authority that pays the deficit (cost less rents).")


Event = Annotated[
    CreateStructureSpec
    | SectorShockSpec
    | PlantClosureSpec
    | FundingCallSpec
    | BudgetCutSpec
    | FundingLevelSpec
    | PolicySwitchSpec
    | LegalFormChangeSpec
    | SharedSiteSpec
    | FjtSpec,
    Field(discriminator="type"),
]

SHOCK_EVENT_TYPES = ("sector_shock", "plant_closure", "budget_cut")


class HousingSpec(Strict):
    """Young people's housing (see :mod:`ptce_sim.simulation.mechanisms.housing`).

    The default (no young person without housing) makes housing no obstacle: the rule is absent.
    """

    young_without_housing_share: Probability = Field(
        0.0, description="Share of the young residents (under 26) who have no housing of their own."
    )
    far_post_share: Probability = Field(
        0.5, description="Share of posts and courses too far from where such a person stays."
    )
    far_acceptance_without_housing: Probability = Field(
        1.0,
        description="Chance that a young person without housing takes a far post or course.",
    )
    months_in_work_to_own_housing: Months = Field(
        12, description="Months in work after which a young person's earnings rent a home."
    )


# --------------------------------------------------------------------------------------------
# Institutions: the CBE's deliberation, the legal forms
# --------------------------------------------------------------------------------------------

CollegeName = Literal["authorities", "employers", "unions", "civil_society"]
"""The CBE's four colleges (local authorities, employers, employees' unions, civil society)."""


class CollegeSpec(Strict):
    """A college of the CBE and the weight of its vote in the statutes' decision rule."""

    name: CollegeName
    weight: Probability = Field(description="Its share of the votes (the weights sum to 1).")


def _four_colleges() -> list[CollegeSpec]:
    return [CollegeSpec(name=n, weight=0.25) for n in CollegeName.__args__]


class ProjectOriginSpec(Strict):
    """What a project brought by one kind of requester is like (before the colleges weigh it)."""

    jobs: Annotated[int, Field(ge=1, le=1000)] = Field(
        1, description="Jobs it expects to create at full scale (its permanent staff)."
    )
    job_quality: Probability = Field(
        0.5, description="Quality of those jobs (stable contracts, hours, pay) in [0, 1]."
    )
    social_utility: Probability = Field(
        0.5, description="Its social utility (needs the market serves poorly) in [0, 1]."
    )


class ProjectOriginsSpec(Strict):
    """Project templates by requester: member firms, structures, job seekers, authorities."""

    firms: ProjectOriginSpec = ProjectOriginSpec(jobs=2, job_quality=0.7, social_utility=0.3)
    structures: ProjectOriginSpec = ProjectOriginSpec(jobs=1, job_quality=0.6, social_utility=0.6)
    seekers: ProjectOriginSpec = ProjectOriginSpec(jobs=3, job_quality=0.4, social_utility=0.9)
    authorities: ProjectOriginSpec = ProjectOriginSpec(jobs=2, job_quality=0.6, social_utility=0.6)


class DeliberationSpec(Strict):
    """How the CBE's colleges deliberate on the territory's projects.

    The rules are in :mod:`ptce_sim.simulation.mechanisms.deliberation`.
    """

    meetings_per_year: Annotated[int, Field(ge=1, le=12)] = Field(
        4, description="Meetings of the colleges a year; a project waits for the next one."
    )
    hours_per_project: NonNegative = Field(
        14.0, description="Animator staff hours to prepare and deliberate one project (paid)."
    )
    projects_per_meeting: Annotated[int, Field(ge=1, le=1000)] = Field(
        10,
        description="Projects the colleges deliberate at one meeting at most (ASSUMPTION: a "
        "half-day board); requests beyond wait, as requests, for a later agenda.",
    )
    required_share: Probability = Field(
        0.5,
        description="A project is accepted when the weights of the colleges for it exceed this.",
    )
    colleges: list[CollegeSpec] = Field(default_factory=_four_colleges, min_length=1)
    employer_sectors: list[str] = Field(
        default_factory=list, description="Sectors of the employers' college; empty = all."
    )
    max_public_cost_per_job_eur: NonNegative = Field(
        40000.0, description="Authorities vote for a project whose public cost per job is within."
    )
    min_job_quality: Probability = Field(0.5, description="Unions vote for job quality above.")
    min_social_utility: Probability = Field(
        0.5, description="Civil society votes for social utility above."
    )
    seekers_per_request: Positive = Field(
        50.0,
        description="Long-term job seekers the PLIE cannot follow that make one request a year.",
    )
    authority_requests_per_year: NonNegative = Field(
        0.5, description="Requests a year of each funder of the animation."
    )
    origins: ProjectOriginsSpec = ProjectOriginsSpec()

    @model_validator(mode="after")
    def _statutes(self) -> DeliberationSpec:
        _check_unique([c.name for c in self.colleges], "colleges", "college")
        total = sum(c.weight for c in self.colleges)
        if abs(total - 1.0) > 1e-6:
            raise FieldProblem(
                "colleges", f"the colleges' weights must sum to 1, they sum to {total:g}"
            )
        return self


ActivityCollege = Literal["employees", "beneficiaries", "public", "firms"]
"""Colleges that may vote on a structure's new activity: its employees, its beneficiaries (users,
volunteers), its public members (authorities holding shares) and its member firms."""


class FormRuleSpec(Strict):
    """What a legal form implies: how a year's surplus is used, who decides on new activities.

    The surplus: shares reserved, shared with workers, distributed. New activities: the colleges
    that vote on them, with their weights (empty: the form opens no new activity of its own).
    """

    reserve_share: Probability = Field(
        0.0, description="Share put in indivisible reserves (kept as cash, never distributed)."
    )
    worker_share: Probability = Field(0.0, description="Share paid to its workers.")
    distributed_share: Probability = Field(
        0.0, description="Share paid to its members as dividends or interest on shares."
    )
    colleges: dict[ActivityCollege, Probability] = Field(
        default_factory=dict,
        description="Colleges voting on a new activity and their weights (summing to 1); "
        "empty: no new activity of its own.",
    )

    @model_validator(mode="after")
    def _at_most_the_surplus(self) -> FormRuleSpec:
        total = self.reserve_share + self.worker_share + self.distributed_share
        if total > 1.0 + 1e-9:
            raise FieldProblem("reserve_share", f"the shares of the surplus sum to {total:g} > 1")
        weights = sum(self.colleges.values())
        if self.colleges and abs(weights - 1.0) > 1e-9:
            raise FieldProblem("colleges", f"the colleges' weights sum to {weights:g}, not 1")
        return self


class LegalFormsSpec(Strict):
    """What each legal form implies (see :mod:`ptce_sim.simulation.mechanisms.legal_forms`)."""

    association: FormRuleSpec = FormRuleSpec()
    scop: FormRuleSpec = FormRuleSpec(reserve_share=0.4, worker_share=0.45, distributed_share=0.15)
    scic: FormRuleSpec = FormRuleSpec(
        reserve_share=0.575,
        colleges={"employees": 0.3, "beneficiaries": 0.3, "public": 0.2, "firms": 0.2},
    )
    employer_group: FormRuleSpec = FormRuleSpec()
    geiq: FormRuleSpec = FormRuleSpec()
    work_integration: FormRuleSpec = FormRuleSpec()
    public_share_capital_eur: NonNegative = Field(
        10000.0, description="Shares each public member of a SCIC subscribes when it joins."
    )
    activity_required_share: Probability = Field(
        0.5,
        description="A new activity is decided when the weights of the colleges for it exceed "
        "this share of the colleges present.",
    )
    prudence_months: NonNegative = Field(
        6.0,
        description="Months of its costs a structure's employees want left in cash after it "
        "funds a new activity.",
    )

    @model_validator(mode="after")
    def _scic_colleges(self) -> LegalFormsSpec:
        colleges = self.scic.colleges
        if not colleges:
            return self
        for needed in ("employees", "beneficiaries"):
            if needed not in colleges:
                raise FieldProblem(
                    "scic",
                    f"a SCIC's colleges must include its {needed} (law 47-1775, art. 19 "
                    f"septies), got {sorted(colleges)}",
                )
        for name, weight in colleges.items():
            if not 0.1 - 1e-9 <= weight <= 0.5 + 1e-9:
                raise FieldProblem(
                    "scic",
                    f"college {name!r} of a SCIC weighs {weight:g}; the law gives each "
                    "college between 0.1 and 0.5 of the votes (art. 19 octies)",
                )
        return self

    def rule(self, form: LegalForm) -> FormRuleSpec:
        """The surplus rule of a legal form."""
        return getattr(self, form.value)


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


class RunSpec(Strict):
    """Span and resolution of the run."""

    name: RunName
    title: str = ""
    start_year: Year
    end_year: Year
    scale: Annotated[float, Field(gt=0.0, le=10.0)] = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> RunSpec:
        if self.end_year < self.start_year:
            raise FieldProblem(
                "end_year", f"end_year {self.end_year} is before start_year {self.start_year}"
            )
        return self


class Scenario(Strict):
    """Everything a run needs."""

    run: RunSpec
    territory: TerritorySpec
    sectors: list[SectorSpec] = Field(min_length=1)
    firms: FirmsSpec = FirmsSpec()
    labour_market: LabourMarketSpec = LabourMarketSpec()
    households: HouseholdsSpec = HouseholdsSpec()
    mechanisms: MechanismsSpec = MechanismsSpec()
    other_ess: OtherEssSpec = OtherEssSpec()
    markets: list[MarketSpec] = Field(default_factory=list)
    finance: FinanceSpec = FinanceSpec()
    authorities: list[AuthoritySpec] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    deliberation: DeliberationSpec = Field(default_factory=lambda: DeliberationSpec())
    legal_forms: LegalFormsSpec = LegalFormsSpec()
    housing: HousingSpec = HousingSpec()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        _check_unique([s.name for s in self.sectors], "sectors", "sector name")
        _check_unique([a.name for a in self.authorities], "authorities", "authority name")
        _check_unique([m.name for m in self.markets], "markets", "market name")
        total = sum(s.job_share for s in self.sectors)
        if abs(total - 1.0) > 1e-6:
            raise FieldProblem("sectors", f"job_share must sum to 1, they sum to {total:g}")
        sector_names = {s.name for s in self.sectors}
        authority_names = {a.name for a in self.authorities}
        self._check_markets(sector_names)
        created: set[str] = set()
        kinds: dict[str, StructureKind] = {}
        creations = {
            event.structure.name: (i, event.date)
            for i, event in enumerate(self.events)
            if isinstance(event, CreateStructureSpec)
        }
        by_date = sorted(enumerate(self.events), key=lambda item: (item[1].year, item[1].month))
        for i, event in by_date:
            where = f"events[{i}]"
            if not self.run.start_year <= event.year <= self.run.end_year:
                raise FieldProblem(
                    f"{where}.date",
                    f"{event.type} dated {event.date} is outside the run's years "
                    f"{self.run.start_year}-{self.run.end_year} (run.start_year to run.end_year)",
                )
            match event:
                case CreateStructureSpec(structure=spec):
                    if spec.name in created:
                        raise FieldProblem(
                            f"{where}.structure.name", f"structure {spec.name!r} is created twice"
                        )
                    unknown = [f for f in event.founders if f not in created]
                    if unknown:
                        later = creations.get(unknown[0])
                        why = (
                            f"events[{later[0]}].date is {later[1]}"
                            if later is not None
                            else f"no create_structure event has structure.name {unknown[0]!r}"
                        )
                        raise FieldProblem(
                            f"{where}.founders",
                            f"founders {unknown} are not created before {event.date} ({why})",
                        )
                    _check_known(spec.sectors, sector_names, f"{where}.structure.sectors", "sector")
                    self._check_market_of(spec.kind, spec.market, f"{where}.structure.market")
                    _check_form(spec.kind, spec.form, f"{where}.structure.legal_form")
                    self._check_members(spec.form, spec.public_members, event, f"{where}.structure")
                    created.add(spec.name)
                    kinds[spec.name] = spec.kind
                case SectorShockSpec(sectors=names):
                    _check_known(names, sector_names, f"{where}.sectors", "sector")
                case PlantClosureSpec(sector=name):
                    _check_known([name], sector_names, f"{where}.sector", "sector")
                case (
                    FundingCallSpec(authority=name)
                    | BudgetCutSpec(authority=name)
                    | FundingLevelSpec(authority=name)
                ):
                    _check_known([name], authority_names, f"{where}.authority", "authority")
                    self._check_active(name, event, where)
                case PolicySwitchSpec():
                    for path, value in event.set.items():
                        check_mechanism_path(self.mechanisms, path, value, f"{where}.set.{path}")
                case LegalFormChangeSpec(structure=name):
                    if name not in created:
                        raise FieldProblem(
                            f"{where}.structure",
                            f"structure {name!r} is not created before {event.date}",
                        )
                    _check_form(kinds[name], event.legal_form, f"{where}.legal_form")
                    self._check_members(event.legal_form, event.public_members, event, where)
                case SharedSiteSpec():
                    self._check_site(event, where, created, set(creations), authority_names)
                case FjtSpec(funder=name):
                    _check_known([name], authority_names, f"{where}.funder", "authority")
                    self._check_active(name, event, where)
        _check_known(
            self.deliberation.employer_sectors,
            sector_names,
            "deliberation.employer_sectors",
            "sector",
        )
        _check_once(self.events, SharedSiteSpec)
        _check_once(self.events, FjtSpec)
        return self

    def _check_members(
        self, form: LegalForm, members: list[str], event: EventSpec, where: str
    ) -> None:
        """Only a SCIC has public members: known authorities that exist by the event's date."""
        if members and form != LegalForm.SCIC:
            raise FieldProblem(
                f"{where}.public_members",
                f"only a SCIC has public members (authorities holding shares); this is a {form}",
            )
        _check_known(
            members, {a.name for a in self.authorities}, f"{where}.public_members", "authority"
        )
        for name in members:
            self._check_active(name, event, where)

    def _check_site(
        self,
        event: SharedSiteSpec,
        where: str,
        created: set[str],
        structures: set[str],
        authority_names: set[str],
    ) -> None:
        """The site's owner (an animator) exists by then; its funders exist; tenants are named."""
        animators = {
            e.structure.name
            for e in self.events
            if isinstance(e, CreateStructureSpec) and e.structure.kind == StructureKind.ANIMATOR
        }
        if not animators & created:
            raise FieldProblem(
                f"{where}.date",
                f"shared_site dated {event.date} has no owner: no animator structure is created "
                'before it (a create_structure event with kind = "animator")',
            )
        for k, investment in enumerate(event.investments):
            _check_known(
                [investment.authority],
                authority_names,
                f"{where}.investments[{k}].authority",
                "authority",
            )
            self._check_active(investment.authority, event, where)
            if investment.structure is not None and investment.structure not in structures:
                raise FieldProblem(
                    f"{where}.investments[{k}].structure",
                    f"unknown structure {investment.structure!r}; expected one of "
                    f"{sorted(structures)} (the structure.name of create_structure events)",
                )

    def _check_markets(self, sector_names: set[str]) -> None:
        """Markets displace known sectors; whoever sells in a market names one that exists."""
        for i, market in enumerate(self.markets):
            _check_known([market.sector], sector_names, f"markets[{i}].sector", "sector")
        if self.other_ess.count:
            self._check_market_of(
                StructureKind.ESS_ENTERPRISE, self.other_ess.market, "other_ess.market"
            )
        launchers = {StructureKind.ANIMATOR, StructureKind.ACTIVITY_COOPERATIVE}
        launched = self.mechanisms.cooperation.launched_market
        if launched is not None or any(
            isinstance(e, CreateStructureSpec) and e.structure.kind in launchers
            for e in self.events
        ):  # an animator launches structures, a CAE incubates them: they need a market
            self._check_market_of(
                StructureKind.ESS_ENTERPRISE, launched, "mechanisms.cooperation.launched_market"
            )

    def _check_market_of(self, kind: StructureKind, market: str | None, where: str) -> None:
        names = sorted(m.name for m in self.markets)
        if kind not in MARKET_KINDS:
            if market is not None:
                raise FieldProblem(where, f"a {kind} structure sells in no market; remove it")
            return
        if market is None:
            raise FieldProblem(
                where,
                f"a {kind} structure sells in a market: expected one of {names} "
                "(the names of [[markets]])",
            )
        if market not in names:
            raise FieldProblem(
                where,
                f"unknown market {market!r}; expected one of {names} (the names of [[markets]])",
            )

    def _check_active(self, name: str, event: EventSpec, where: str) -> None:
        """An event may use a funder only once it exists (its ``active_from``)."""
        j, authority = next((j, a) for j, a in enumerate(self.authorities) if a.name == name)
        if self.month_index(event.year, event.month) < authority.active_month(self.run.start_year):
            raise FieldProblem(
                f"{where}.date",
                f"{event.type} dated {event.date} uses authority {name!r} before it exists "
                f"(authorities[{j}].active_from is {authority.active_from})",
            )

    @property
    def months(self) -> int:
        """Number of monthly steps of the run."""
        return 12 * (self.run.end_year - self.run.start_year + 1)

    def month_index(self, year: int, month: int = 1) -> int:
        """Step index (0 = January of the start year) of a date."""
        return 12 * (year - self.run.start_year) + (month - 1)

    def with_overrides(self, **run_fields: object) -> Scenario:
        """A copy with fields of ``[run]`` replaced (e.g. ``scale``), validated again."""
        data = self.model_dump(mode="python")
        data["run"].update(run_fields)
        return Scenario.model_validate(data)

    def without_cooperation(self) -> Scenario:
        """The same territory with every cooperation mechanism switched off (a counterfactual)."""
        data = self.model_dump(mode="python")
        for section in data["mechanisms"].values():
            section["enabled"] = False
        for event in data["events"]:
            if event["type"] == "policy":
                event["set"] = {
                    k: v for k, v in event["set"].items() if not k.endswith(".enabled")
                } or {"cooperation.enabled": False}
        return Scenario.model_validate(data)


def parse_date(value: str | int) -> tuple[int, int]:
    """Parse ``1998`` or ``"1998-06"`` into (year, month).

    Raises:
        ValueError: the value is not a year or a year-month.
    """
    text = str(value).strip()
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) == 2 else 1
    except (ValueError, IndexError):
        raise ValueError(f'expected a year (1998) or "YYYY-MM", got {value!r}') from None
    if len(parts) > 2 or not 1 <= month <= 12 or not 1800 <= year <= 2200:
        raise ValueError(f'expected a year (1998) or "YYYY-MM", got {value!r}')
    return year, month


def check_mechanism_path(
    mechanisms: MechanismsSpec, path: str, value: object, where: str = "set"
) -> None:
    """Check that ``path`` names a mechanism parameter and ``value`` fits it.

    ``path`` is e.g. ``"treasury.enabled"``. The value is checked as strictly as in the parameter's
    own section (no string or boolean taken for a number, no number for a boolean).

    Raises:
        FieldProblem: unknown path or a value the parameter does not accept (located at ``where``).
    """
    if isinstance(value, dict):  # TOML reads an unquoted dotted key as a nested table
        inner = printable(str(next(iter(value), "parameter")))
        raise FieldProblem(
            where,
            f"{printable(path)} is a table {_short(value)}; write each parameter as one quoted "
            f'key, e.g. "{printable(path)}.{inner}" = ...',
        )
    section_name, _, field = path.partition(".")
    section = (
        getattr(mechanisms, section_name, None)
        if section_name in MechanismsSpec.model_fields
        else None
    )
    if section is None or field not in type(section).model_fields:
        raise FieldProblem(
            where,
            f"unknown mechanism parameter {path!r}; expected 'section.parameter' "
            f"with a section among {sorted(MechanismsSpec.model_fields)}",
        )
    if not isinstance(value, bool | int | float | str):
        raise FieldProblem(
            where,
            f"{path} = {value!r} is not accepted: expected a single number, "
            'true/false or text (quote a dotted key: "treasury.enabled" = true)',
        )
    try:
        type(section).model_validate({**section.model_dump(), field: value}, strict=True)
    except Exception as exc:  # pydantic.ValidationError, re-worded with the path
        raise FieldProblem(
            where, f"{path} = {value!r} is not accepted ({_first_message(exc)})"
        ) from None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _first_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return errors()[0]["msg"]
    return str(exc)


def _check_form(kind: StructureKind, form: LegalForm, where: str) -> None:
    """A GEIQ or employer-group form belongs to a structure of that kind only."""
    only = KIND_OF_FORM.get(form)
    if only is not None and kind != only:
        raise FieldProblem(where, f"legal form {form} is for a {only} structure, not a {kind}")


def _check_unique(names: list[str], section: str, what: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise FieldProblem(f"{section}[{i}].name", f"{what} {name!r} appears twice")
        seen.add(name)


def _check_once(events: list[EventSpec], kind: type[EventSpec]) -> None:
    """At most one event of this kind (one shared site, one FJT)."""
    found = [i for i, e in enumerate(events) if isinstance(e, kind)]
    if len(found) > 1:
        kind_name = kind.model_fields["type"].annotation.__args__[0]
        raise FieldProblem(
            f"events[{found[1]}].type",
            f"a second {kind_name} event (events[{found[0]}] is one); the model has one at most",
        )


def _check_known(names: list[str], known: set[str], where: str, what: str) -> None:
    unknown = [n for n in names if n not in known]
    if unknown:
        section = "sectors" if what == "sector" else "authorities"
        raise FieldProblem(
            where,
            f"unknown {what} {unknown}; expected one of {sorted(known)} "
            f"(the names of [[{section}]])",
        )
