"""Net additional jobs, the way evaluators count them, from paired runs.

The Additionality Guide (Homes and Communities Agency, 4th edition, 2014) goes from the *gross*
jobs of an intervention to the *net additional* jobs it makes: minus **deadweight** (what the
reference case has anyway), minus **displacement** (jobs lost by other local firms), minus
**leakage** (jobs taken by people living outside the territory), plus the **multiplier** (jobs
induced by the local spending of the new incomes). Here every term comes from a policy run and
its reference run with the same seed (common random numbers), year by year, read from their
territory tables as full-scale equivalents (counts and euros divided by the run's scale); Δ is
"policy minus reference" on the same pair:

- **gross** = ``ess_jobs`` of the policy run: persons employed on the ESS side (structures' staff
  and project holders, insertion posts, GEIQ work-study contracts, GE workers), the jobs of the
  structures and mechanisms the pole supports;
- **deadweight** = ``ess_jobs`` of the reference run (those jobs exist without the policy);
- **multiplier** = Δ ``induced_jobs`` when the runs record it, otherwise *not modelled*;
- **displacement** = the drop of classic jobs other than induced ones,
  −(Δ ``classic_jobs`` − multiplier); when the runs record ``displaced_jobs`` (classic FTE lost to
  ESS sales that take firms' sales) it splits into **product-market displacement**
  (Δ ``displaced_jobs``) and **other crowding-out** (the rest: lost vacancies, workers drawn
  away);
- **leakage** = Δ ``jobs_held_by_non_residents`` (in-commuters' jobs in the supported structures
  and the classic firms: ``ess_jobs`` and ``classic_jobs`` count every job holder, ``employed``
  residents only) when recorded, otherwise *not modelled*;
- **net** = Δ ``employed``: more residents in work;
- **residual** = net − (gross − deadweight − displacement − leakage + multiplier). It is 0 when
  ``employed = classic_jobs + ess_jobs − jobs_held_by_non_residents`` (the model's tables); anything
  else (residents working outside the territory) shows there, never hidden in another term.

A term not modelled counts 0 in the identity and is reported as "not modelled", never as a
measured 0. Net jobs **for whom** are the paired differences of ``employed_young`` (under 26),
``employed_ever_long_term`` (ever unemployed 12 months or more: the PLIE's public) and
``employed_rsa`` (ever unemployed 24 months or more: the proxy for RSA beneficiaries). Each group
is defined by the same rule in both runs (not by having been followed, which only the policy run
can be); since the pole also keeps people from reaching a long spell, the policy run's long-term
groups are smaller; and since its posts and the PLIE's priority go to people far from work first,
a group's net jobs can exceed all residents' (jobs shifted from other residents to the group).
Over a period, jobs add up into job-years.

**Public cost per net additional job**, for each funder (every ``public_<funder>_eur`` column,
found by that pattern) and in total (``public_funding_eur``): the paired extra money over the
period divided by the net jobs in its last year, and per net job-year by the net job-years; its
90% interval comes from the per-pair ratios, kept where the pair's net jobs are at least
:data:`MIN_DENOMINATOR`. When the 90% interval of the net jobs includes 0 the cost is "not
significant" (no figure: dividing by a net effect that may be nil gives huge or negative costs).

Every figure is the median over the pairs with the 5%-95% quantiles of the paired values (a 90%
interval). The module is pure: tables in, tables and text out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ptce_sim.runs.i18n import N_, _, money
from ptce_sim.runs.i18n import number as localised

QUANTILES = (0.05, 0.95)
MIN_DENOMINATOR = 1.0
"""Least net jobs (or job-years, full scale) of a pair whose cost ratio enters the interval."""

GROSS = "ess_jobs"
CLASSIC = "classic_jobs"
RESIDENTS = "employed"
DISPLACED = "displaced_jobs"
NON_RESIDENTS = "jobs_held_by_non_residents"
INDUCED = "induced_jobs"
TOTAL_MONEY = "public_funding_eur"
REQUIRED = ("year", RESIDENTS, CLASSIC, GROSS, TOTAL_MONEY)
GROUPS = {
    "net_young": "employed_young",
    "net_long_term": "employed_ever_long_term",
    "net_rsa": "employed_rsa",
}
"""Net jobs by group: indicator -> territory column whose paired difference it is."""
TERMS = (
    "gross",
    "deadweight",
    "displacement",
    "displacement_product_market",
    "displacement_other",
    "leakage",
    "multiplier",
    "net",
    "residual",
    *GROUPS,
)
LABELS = {
    "gross": N_("gross jobs (ESS structures, insertion posts, GEIQ, GE)"),
    "deadweight": N_("− deadweight (the same jobs in the reference case)"),
    "displacement": N_("− displacement (classic jobs lost)"),
    "displacement_product_market": N_("  of which product-market displacement"),
    "displacement_other": N_("  of which other crowding-out"),
    "leakage": N_("− leakage (jobs taken by non-residents)"),
    "multiplier": N_("+ multiplier (induced local jobs)"),
    "net": N_("= net additional jobs (more residents in work)"),
    "residual": N_("residual of the identity"),
    "net_young": N_("young people (under 26)"),
    "net_long_term": N_(
        "long-term unemployed (the PLIE's public: ever unemployed 12 months or more)"
    ),
    "net_rsa": N_("RSA beneficiaries (proxy: ever unemployed 24 months or more)"),
}
SUMMARY_COLUMNS = (
    "scope",
    "first_year",
    "last_year",
    "indicator",
    "funder",
    "unit",
    "status",
    "median",
    "q05",
    "q95",
    "pairs",
)
ESTIMATED = "estimated"
NOT_MODELLED = "not modelled"
NOT_RECORDED = "not recorded"
NOT_SIGNIFICANT = "not significant"
SPENDS_LESS = "spends less"
NOT_AVAILABLE = "n/a"
TOTAL = "total"
_FUNDER = re.compile(r"^public_(?P<funder>.+)_eur$")


@dataclass(frozen=True)
class Additionality:
    """The decomposition of one policy case against its reference.

    Attributes:
        pairs: one row per pair and year: ``pair``, ``year``, every term of :data:`TERMS` (NaN
            when not modelled or not recorded) and ``extra_<funder>_eur`` (``extra_total_eur``).
        table: the summary (columns :data:`SUMMARY_COLUMNS`): per year (``scope`` ``year``, in
            jobs) and over the period (``period``: terms in job-years, extra public money and
            the costs per net job and per net job-year of each funder and in total).
        first_year: first year of the period.
        last_year: last year of the period (the year of the "net jobs" of the cost per net job).
        funders: the funders found in the tables, ``total`` last.
    """

    pairs: pd.DataFrame
    table: pd.DataFrame
    first_year: int
    last_year: int
    funders: tuple[str, ...]

    def row(self, indicator: str, year: int | None = None, funder: str = "") -> pd.Series:
        """The summary row of an indicator in a year (``None``: over the period)."""
        table = self.table
        if year is None:
            mask = table["scope"] == "period"
        else:
            mask = (table["scope"] == "year") & (table["first_year"] == year)
        found = table[mask & (table["indicator"] == indicator) & (table["funder"] == funder)]
        if found.empty:
            raise KeyError(f"no row {indicator!r} for {year or 'the period'} {funder}".strip())
        return found.iloc[0]


def funder_columns(columns: Iterable[str]) -> list[str]:
    """The ``public_<funder>_eur`` columns among ``columns`` (``public_funding_eur`` excluded)."""
    return sorted(c for c in columns if _FUNDER.match(c) and c != TOTAL_MONEY)


def funder_name(column: str) -> str:
    """``public_state_eur`` -> ``state``."""
    match = _FUNDER.match(column)
    if match is None:
        raise ValueError(f"{column!r} is not a public_<funder>_eur column")
    return match["funder"]


def decompose(
    reference: Sequence[pd.DataFrame],
    policy: Sequence[pd.DataFrame],
    *,
    scale: float = 1.0,
    policy_scale: float | None = None,
    years: Sequence[int] | None = None,
    period: tuple[int, int] | None = None,
    pair_ids: Sequence[int] | None = None,
) -> Additionality:
    """Gross to net jobs and public cost per net job from paired territory tables.

    Args:
        reference: the reference runs' territory tables (pair ``i`` is ``reference[i]`` and
            ``policy[i]``, run with the same seed).
        policy: the policy runs' territory tables.
        scale: the reference runs' scale (counts and euros are divided by it).
        policy_scale: the policy runs' scale; default ``scale``.
        years: years of the per-year summary; default every year of both runs.
        period: first and last year of the period summary; default all the years.
        pair_ids: the ``pair`` column of :attr:`Additionality.pairs` (e.g. the replicates);
            default 0, 1, ...

    Raises:
        ValueError: no pair, unequal numbers of runs, a required column missing, or a year
            asked for that is not in every table.
    """
    terms, money, common = paired_terms(reference, policy, scale=scale, policy_scale=policy_scale)
    first, last = period if period is not None else (common[0], common[-1])
    shown = list(common if years is None else years)
    missing = [y for y in [*shown, first, last] if y not in common]
    if missing or first > last:
        raise ValueError(f"years {missing or [first, last]} are not in every run ({common})")
    ids = np.arange(len(reference)) if pair_ids is None else np.asarray(pair_ids)
    pairs = _pairs_frame(terms, money, common, ids)
    in_period = (np.asarray(common) >= first) & (np.asarray(common) <= last)
    rows = []
    for name, values in terms.items():
        status = _status(name, values)
        for year in shown:
            column = None if values is None else values[:, common.index(year)]
            rows.append(_row("year", year, year, name, "", "jobs", status, column))
        total = None if values is None else values[:, in_period].sum(axis=1)
        rows.append(_row("period", first, last, name, "", "job-years", status, total))
    net_end = terms["net"][:, common.index(last)]
    net_years = terms["net"][:, in_period].sum(axis=1)
    for funder, values in money.items():
        extra = values[:, in_period].sum(axis=1)
        rows.append(
            _row("period", first, last, "public_extra_eur", funder, "eur", ESTIMATED, extra)
        )
        for indicator, denominator in (
            ("cost_per_net_job_eur", net_end),
            ("cost_per_net_job_year_eur", net_years),
        ):
            status, ratios = cost_ratios(extra, denominator)
            rows.append(_row("period", first, last, indicator, funder, "eur", status, ratios))
    table = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return Additionality(pairs, table, first, last, tuple(money))


def paired_terms(
    reference: Sequence[pd.DataFrame],
    policy: Sequence[pd.DataFrame],
    *,
    scale: float = 1.0,
    policy_scale: float | None = None,
) -> tuple[dict[str, np.ndarray | None], dict[str, np.ndarray], list[int]]:
    """The decomposition's terms without its summary: what :func:`decompose` starts from.

    Arguments as :func:`decompose`'s. A live view that redraws often (the dashboard's net jobs
    panel) takes these arrays rather than the summary table, whose quantiles it does not need.

    Returns:
        Every term of :data:`TERMS` (an array of pairs x years at full scale, None when not
        modelled or not recorded), the extra public money by funder (``total`` last) and the
        years common to every table, in order.

    Raises:
        ValueError: no pair, unequal numbers of runs or a required column missing.
    """
    if not reference or len(reference) != len(policy):
        raise ValueError(
            f"paired tables needed: {len(reference)} reference and {len(policy)} policy runs"
        )
    tables = [*reference, *policy]
    for column in REQUIRED:
        if any(column not in t.columns for t in tables):
            raise ValueError(f"the territory tables lack the column {column!r}")
    common = sorted(set.intersection(*(set(t["year"].astype(int)) for t in tables)))
    terms, money = _terms(reference, policy, common, scale, policy_scale or scale)
    return terms, money, common


def cost_ratios(money: np.ndarray, denominator: np.ndarray) -> tuple[str, np.ndarray | None]:
    """Per-pair public cost per net job (or job-year), or why there is no figure.

    Returns:
        ``(estimated, ratios)`` over the pairs whose denominator is at least
        :data:`MIN_DENOMINATOR`; ``(not significant, None)`` when the 90% interval of the
        denominator includes 0; ``(spends less, None)`` when the median extra money is negative;
        ``(n/a, None)`` when no pair is left.
    """
    finite = np.isfinite(money) & np.isfinite(denominator)
    money, denominator = money[finite], denominator[finite]
    if denominator.size == 0:
        return NOT_AVAILABLE, None
    if np.quantile(denominator, QUANTILES[0]) <= 0:
        return NOT_SIGNIFICANT, None
    if np.median(money) < 0:
        return SPENDS_LESS, None
    kept = denominator >= MIN_DENOMINATOR
    if not kept.any():
        return NOT_AVAILABLE, None
    return ESTIMATED, money[kept] / denominator[kept]


def _by_year(tables: Sequence[pd.DataFrame], years: list[int]) -> list[pd.DataFrame]:
    """Each table indexed by year, one row per year of ``years`` (NaN where a table lacks it)."""
    return [t.set_index("year").reindex(years) for t in tables]


def _aligned(tables: Sequence[pd.DataFrame], column: str) -> np.ndarray | None:
    """Values of ``column`` in tables of :func:`_by_year`; None if one lacks it.

    One row per table and one column per year.
    """
    if any(column not in t.columns for t in tables):
        return None
    return np.array([pd.to_numeric(t[column]).to_numpy(dtype=float) for t in tables])


def _terms(
    reference: Sequence[pd.DataFrame],
    policy: Sequence[pd.DataFrame],
    years: list[int],
    scale: float,
    policy_scale: float,
) -> tuple[dict[str, np.ndarray | None], dict[str, np.ndarray]]:
    """Every term (pairs x years, full scale; None: not modelled) and the extra money by funder."""
    reference, policy = _by_year(reference, years), _by_year(policy, years)

    def side(tables: Sequence[pd.DataFrame], column: str, factor: float) -> np.ndarray | None:
        values = _aligned(tables, column)
        return None if values is None else values / factor

    def delta(column: str) -> np.ndarray | None:
        a, b = side(reference, column, scale), side(policy, column, policy_scale)
        return None if a is None or b is None else b - a

    gross, deadweight = side(policy, GROSS, policy_scale), side(reference, GROSS, scale)
    multiplier, leakage, net = delta(INDUCED), delta(NON_RESIDENTS), delta(RESIDENTS)
    displacement = -(delta(CLASSIC) - _zero_if_none(multiplier))
    product_market = delta(DISPLACED)
    identity = (
        gross - deadweight - displacement - _zero_if_none(leakage) + _zero_if_none(multiplier)
    )
    terms = {
        "gross": gross,
        "deadweight": deadweight,
        "displacement": displacement,
        "displacement_product_market": product_market,
        "displacement_other": None if product_market is None else displacement - product_market,
        "leakage": leakage,
        "multiplier": multiplier,
        "net": net,
        "residual": net - identity,
        **{name: delta(column) for name, column in GROUPS.items()},
    }
    columns = funder_columns(set.intersection(*(set(t.columns) for t in [*reference, *policy])))
    money = {funder_name(c): delta(c) for c in columns}
    money[TOTAL] = delta(TOTAL_MONEY)
    return terms, money


def _zero_if_none(values: np.ndarray | None) -> np.ndarray | float:
    return 0.0 if values is None else values


def _status(name: str, values: np.ndarray | None) -> str:
    if values is not None:
        return ESTIMATED
    return NOT_RECORDED if name in GROUPS else NOT_MODELLED


def _row(
    scope: str,
    first: int,
    last: int,
    indicator: str,
    funder: str,
    unit: str,
    status: str,
    values: np.ndarray | None,
) -> dict[str, object]:
    """A summary row: median and 5%-95% quantiles of the finite paired values."""
    median = low = high = math.nan
    n = 0
    if values is not None:
        values = values[np.isfinite(values)]
        n = int(values.size)
        if n:
            median = float(np.median(values))
            low, high = (float(q) for q in np.quantile(values, QUANTILES))
    return {
        "scope": scope,
        "first_year": first,
        "last_year": last,
        "indicator": indicator,
        "funder": funder,
        "unit": unit,
        "status": status,
        "median": median,
        "q05": low,
        "q95": high,
        "pairs": n,
    }


def _pairs_frame(
    terms: dict[str, np.ndarray | None],
    money: dict[str, np.ndarray],
    years: list[int],
    ids: np.ndarray,
) -> pd.DataFrame:
    """The per-pair, per-year values (long: one row per pair and year)."""
    frame = pd.DataFrame({"pair": np.repeat(ids, len(years)), "year": np.tile(years, ids.size)})
    for name, values in terms.items():
        frame[name] = math.nan if values is None else values.ravel()
    for funder, values in money.items():
        frame[f"extra_{funder}_eur"] = values.ravel()
    return frame


# --------------------------------------------------------------------------------------------
# Words and tables for the reports
# --------------------------------------------------------------------------------------------

NOTES = (
    N_(
        "Gross jobs are the jobs in the structures and mechanisms the pole supports (ESS staff, "
        "insertion posts, GEIQ work-study contracts, GE workers). Net additional jobs are the "
        "extra residents in work compared with the reference case, run with the same seed: gross "
        "minus deadweight (the same kind of jobs the reference case has anyway), minus "
        "displacement (classic jobs lost), minus leakage (jobs taken by people living outside the "
        "territory), plus the multiplier (local jobs induced by the new incomes), as in the "
        "Additionality Guide (Homes and Communities Agency, 4th edition, 2014). 'Not modelled' "
        "means the model does not produce that term: it is not a measured zero."
    ),
    N_(
        "Each figure is the median over the pairs of runs, with the 5%-95% quantiles of the paired "
        "values (90% interval). The identity holds pair by pair; medians need not add up. Over a "
        "period, jobs add up into job-years (one job held for one year)."
    ),
    N_(
        "Displacement counts every classic job fewer than in the reference case: sales taken from "
        "firms, but also firms' needs met through a GE or a GEIQ instead of a direct hire "
        "(substitution) and job seekers drawn to the pole's posts. A negative displacement means "
        "more classic jobs than in the reference case (GEIQ trainees and insertion leavers hired "
        "by firms)."
    ),
    N_(
        "Public cost per net job: the extra public money of each funder over the period divided by "
        "the net additional jobs in its last year; per net job-year: divided by the net job-years. "
        "Its interval comes from the per-pair ratios. When the net jobs' 90% interval includes 0 "
        "there is no figure (n/a: not significant)."
    ),
    N_(
        "For whom: net jobs are the paired differences of the persons in work in each group, each "
        "group defined by the same rule in both runs. The PLIE's public: persons ever unemployed "
        "for 12 months or more (whether or not a PLIE followed them, since the reference case may "
        "have no PLIE). RSA beneficiaries: persons ever unemployed for 24 months or more (the "
        "longest unemployment insurance, an assumption). Both groups are defined by pathways the "
        "policy itself changes: when it shortens unemployment, fewer people ever reach 12 or 24 "
        "months, so fewer of those in work belong to these groups. A group's net jobs can also "
        "exceed all residents': the pole's posts and the PLIE's priority in hiring go to people "
        "far from work first, so part of their gain is jobs other residents (the young among "
        "them) would have held: a shift between groups, not extra jobs."
    ),
)
_SHOWN = {
    NOT_MODELLED: N_("not modelled"),
    NOT_RECORDED: N_("not recorded"),
    NOT_SIGNIFICANT: N_("n/a (net jobs not significant)"),
    SPENDS_LESS: N_("n/a (spends less)"),
    NOT_AVAILABLE: N_("n/a"),
}


@dataclass(frozen=True)
class ReportTable:
    """A table of a report, as text cells."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def markdown(self) -> list[str]:
        """The table as Markdown lines, its title in bold above."""
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.header) + " |"]
        lines.append("|---|" + "---:|" * (len(self.header) - 1))
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return [*lines, ""]


def number(value: float, unit: str) -> str:
    """A figure for reading, in the language in force.

    Jobs to the unit (one decimal below 10), euros to 3 digits.
    """
    if not math.isfinite(value):
        return _("n/a")
    sign = "−" if value < 0 else ""
    value = abs(value)
    if unit == "eur":
        digits = 3 - int(math.floor(math.log10(value))) - 1 if value else 0
        return sign + money(round(value, min(digits, 0)))
    return sign + localised(value, 0 if value >= 10 or value == 0 else 1)


def cell(row: pd.Series) -> str:
    """A summary row as ``median (q05 to q95)``, or why it has no figure."""
    if row["status"] != ESTIMATED:
        return _(_SHOWN.get(row["status"], row["status"]))
    unit = "eur" if row["unit"] == "eur" else "jobs"
    median = number(row["median"], unit)
    if row["pairs"] < 2:
        return median
    return _("{median} ({low} to {high})").format(
        median=median, low=number(row["q05"], unit), high=number(row["q95"], unit)
    )


def report_tables(result: Additionality, years: Sequence[int]) -> list[ReportTable]:
    """The decomposition, the net jobs by group and the public cost by funder, as tables.

    The tables are in the language in force.
    """
    span = f"{result.first_year}-{result.last_year}"
    header = (
        "",
        *(_("in {year} (jobs)").format(year=y) for y in years),
        _("{span} (job-years)").format(span=span),
    )

    def line(indicator: str) -> tuple[str, ...]:
        cells = [cell(result.row(indicator, y)) for y in years]
        return (_(LABELS[indicator]), *cells, cell(result.row(indicator)))

    decomposition = tuple(line(t) for t in TERMS if t not in GROUPS)
    residents = (_("residents (all)"), *line("net")[1:])
    costs = tuple(
        (
            _("all funders") if funder == TOTAL else funder,
            cell(result.row("public_extra_eur", funder=funder)),
            cell(result.row("cost_per_net_job_eur", funder=funder)),
            cell(result.row("cost_per_net_job_year_eur", funder=funder)),
        )
        for funder in result.funders
    )
    return [
        ReportTable(
            _("From gross to net jobs (median and 90% interval over the pairs)"),
            header,
            decomposition,
        ),
        ReportTable(_("Net additional jobs for whom"), header, (residents, *map(line, GROUPS))),
        ReportTable(
            _("Public cost per net additional job, by funder ({span})").format(span=span),
            (
                _("funder"),
                _("extra public money"),
                _("per net job (jobs in {year})").format(year=result.last_year),
                _("per net job-year"),
            ),
            costs,
        ),
    ]


def headline(result: Additionality, reference: str, policy: str) -> str:
    """One plain sentence, in the language in force.

    It gives the gross, deadweight, displacement and net jobs, and the cost per job.
    """
    year = result.last_year
    gross, dead = result.row("gross", year), result.row("deadweight", year)
    displaced, net = result.row("displacement", year), result.row("net", year)
    lost = displaced["median"]
    classic = (
        _("{jobs} classic jobs are lost (displacement)").format(jobs=number(lost, "jobs"))
        if lost >= 0
        else _("there are {jobs} more classic jobs (negative displacement)").format(
            jobs=number(-lost, "jobs")
        )
    )
    interval = ""
    if net["pairs"] >= 2:
        interval = _(" (90% interval {low} to {high})").format(
            low=number(net["q05"], "jobs"), high=number(net["q95"], "jobs")
        )
    more = _(
        "In {year}, {policy} has {gross} gross jobs in the pole's structures and mechanisms; "
        "{deadweight} such jobs exist in {reference} anyway (deadweight) and {classic}: net, "
        "{net} more residents in work than {reference}{interval}"
    )
    fewer = _(
        "In {year}, {policy} has {gross} gross jobs in the pole's structures and mechanisms; "
        "{deadweight} such jobs exist in {reference} anyway (deadweight) and {classic}: net, "
        "{net} fewer residents in work than {reference}{interval}"
    )
    text = (more if net["median"] >= 0 else fewer).format(
        year=year,
        policy=policy,
        gross=number(gross["median"], "jobs"),
        deadweight=number(dead["median"], "jobs"),
        reference=reference,
        classic=classic,
        net=number(abs(net["median"]), "jobs"),
        interval=interval,
    )
    period = result.row("net")
    text += _("; {jobs} net job-years over {span}").format(
        jobs=number(period["median"], "jobs"), span=f"{result.first_year}-{result.last_year}"
    )
    cost = result.row("cost_per_net_job_eur", funder=TOTAL)
    if cost["status"] == ESTIMATED:
        text += _(", at {cost} of public money per net additional job").format(cost=cell(cost))
    else:
        text += _("; public cost per net job: {status}").format(status=cell(cost))
    return text + "."


def columns_used(available: Iterable[str]) -> list[str]:
    """The territory columns the decomposition reads, among ``available`` (year first)."""
    available = list(available)
    optional = [INDUCED, NON_RESIDENTS, DISPLACED, *GROUPS.values()]
    return [
        *REQUIRED,
        *(c for c in optional if c in available),
        *funder_columns(available),
    ]
