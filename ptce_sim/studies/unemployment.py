"""The simulated unemployment rate beside the observed national and Landes rates (INSEE).

The observed series (format of ``scenarios/targets/unemployment_france_landes.toml``):

- ``[national_annual]``: metropolitan France's ILO rate, percent, by year (``1975 = 3.4``);
- ``[landes_quarterly]``: the Landes département's ILO rate, percent, by quarter (``"2012-Q3"``)
  or year (``"2014"``);
- ``[landes_census_2011]``: the Landes census of 2011 (``active_percent``, ``unemployed_percent``
  of persons aged 15-64), whose ratio is a census rate of unemployment.

The model's ``unemployment_rate`` (territory table, :mod:`ptce_sim.simulation.metrics`) is the
share of the residents' labour force seeking work: a census-like rate, which the source says runs
one to three points above the ILO rate. :func:`comparison_table` sets it, year by year, beside the
observed rates; :func:`markdown` explains the gap in words; :func:`plot` draws it (both in the
language in force, :func:`ptce_sim.runs.i18n.using`). The file's
optional ``[calibration] note`` says which of its rates a calibration looked at (the Seignanx's:
2008-2015, by hand); the others are out of sample, and the report says which.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ptce_sim.config.scenario_io import ScenarioError, printable, read_toml
from ptce_sim.runs.i18n import _, localise

YEARS = (1975, 2015)
"""First and last year compared."""
CENSUS_EXCESS_POINTS = (1.0, 3.0)
"""How far census unemployment runs above the ILO rate, in points (the source's "one to three")."""
QUANTILES = (0.05, 0.95)
COLUMNS = (
    "year",
    "simulated_median",
    "simulated_q05",
    "simulated_q95",
    "national",
    "landes",
    "landes_periods",
    "gap_national",
    "gap_landes",
    "runs",
)
"""Columns of :func:`comparison_table`; rates and gaps in percent and points."""
SECTIONS = frozenset({"national_annual", "landes_quarterly", "landes_census_2011", "calibration"})
_PERIOD = re.compile(r"^(\d{4})(-Q[1-4])?$")


@dataclass(frozen=True)
class ObservedRates:
    """The observed unemployment rates, in percent.

    Attributes:
        path: the file they were read from.
        national: metropolitan France's annual rate, by year.
        landes: the Landes' rate by period as written (``"2012-Q3"``, ``"2014"``).
        landes_census: the Landes' census rate of 2011 (unemployed / active), if given.
        calibration_note: which of these rates a calibration looked at, and how (the file's
            ``[calibration] note``); ``None``: none did.
    """

    path: Path
    national: Mapping[int, float]
    landes: Mapping[str, float]
    landes_census: float | None = None
    calibration_note: str | None = None

    def landes_by_year(self) -> dict[int, tuple[float, str]]:
        """The Landes' rate of each year given: the mean of its figures, and their periods."""
        years: dict[int, list[tuple[str, float]]] = {}
        for period, rate in self.landes.items():
            years.setdefault(int(period[:4]), []).append((period, rate))
        return {
            year: (
                float(np.mean([r for _, r in figures])),
                ", ".join(p[5:] or "year" for p, _ in figures),
            )
            for year, figures in sorted(years.items())
        }


def load_rates(path: str | Path) -> ObservedRates:
    """Read and check an observed unemployment file.

    Raises:
        ScenarioError: the file is missing or not TOML, or a rate or period is invalid; the
            message names the file and the field.
    """
    path = Path(path)
    data = read_toml(path, what="unemployment rates")
    for key in data:
        if key not in SECTIONS:
            raise ScenarioError(
                f"{path}: field '{printable(key)}': unknown section; expected one of "
                f"{', '.join(sorted(SECTIONS))}"
            )
    national = {}
    for key, value in _section(data, "national_annual", path).items():
        where = f"national_annual.{printable(key)}"
        if not re.fullmatch(r"\d{4}", key):
            raise ScenarioError(f"{path}: field '{where}': expected a year (e.g. 1975)")
        national[int(key)] = _rate(value, path, where)
    landes = {}
    for key, value in _section(data, "landes_quarterly", path).items():
        where = f"landes_quarterly.{printable(key)}"
        if not _PERIOD.match(key):
            raise ScenarioError(
                f"{path}: field '{where}': expected a year or a quarter (e.g. \"2012-Q3\")"
            )
        landes[key] = _rate(value, path, where)
    census = _section(data, "landes_census_2011", path)
    rate = None
    if census:
        for name in ("active_percent", "unemployed_percent"):
            if name not in census:
                raise ScenarioError(
                    f"{path}: field 'landes_census_2011.{name}': required field is missing"
                )
        active = _rate(census["active_percent"], path, "landes_census_2011.active_percent")
        unemployed = _rate(
            census["unemployed_percent"], path, "landes_census_2011.unemployed_percent"
        )
        if unemployed >= active:
            raise ScenarioError(
                f"{path}: field 'landes_census_2011.unemployed_percent': expected less than "
                f"active_percent ({active:g}), got {unemployed:g}"
            )
        rate = 100.0 * unemployed / active
    if not national and not landes:
        raise ScenarioError(
            f"{path}: top level: no rate; expected [national_annual] or [landes_quarterly]"
        )
    calibration = _section(data, "calibration", path)
    for key in calibration:
        if key != "note":
            raise ScenarioError(
                f"{path}: field 'calibration.{printable(key)}': unknown key; expected note"
            )
    note = calibration.get("note")
    if note is not None and not (isinstance(note, str) and note.strip()):
        raise ScenarioError(
            f"{path}: field 'calibration.note': expected a sentence on the rates a calibration "
            f"used, got {note!r}"
        )
    return ObservedRates(
        path=path, national=national, landes=landes, landes_census=rate, calibration_note=note
    )


def comparison_table(
    rates: ObservedRates, territories: Sequence[pd.DataFrame], years: tuple[int, int] = YEARS
) -> pd.DataFrame:
    """One row per year: the simulated rate (median and 5%-95% over runs) and the observed ones.

    Args:
        rates: the observed rates.
        territories: each run's territory table (column ``unemployment_rate``, a fraction).
        years: first and last year, kept where the runs have them.

    Returns:
        Columns :data:`COLUMNS`; rates in percent, gaps (simulated median minus observed) in
        points, empty where the observed rate is not given.
    """
    stack = pd.DataFrame(
        {i: frame.set_index("year")["unemployment_rate"] for i, frame in enumerate(territories)}
    )
    stack = 100.0 * stack.loc[years[0] : years[1]]
    landes = rates.landes_by_year()
    rows = []
    for year, values in stack.iterrows():
        values = values.to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        median = float(np.median(values))
        q05, q95 = (float(q) for q in np.quantile(values, QUANTILES))
        national = rates.national.get(int(year), math.nan)
        landes_rate, periods = landes.get(int(year), (math.nan, ""))
        rows.append(
            {
                "year": int(year),
                "simulated_median": median,
                "simulated_q05": q05,
                "simulated_q95": q95,
                "national": national,
                "landes": landes_rate,
                "landes_periods": periods,
                "gap_national": median - national,
                "gap_landes": median - landes_rate,
                "runs": int(values.size),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def gap_paragraph(table: pd.DataFrame, rates: ObservedRates) -> str:
    """The gap between simulated and observed rates, explained in plain words from the table."""
    national = table.dropna(subset=["national"])
    if national.empty:
        return _("No year of the run has a national rate to compare with.")
    low, high = CENSUS_EXCESS_POINTS
    mean_gap = float(national["gap_national"].mean())
    late = national[national["year"] >= 2000]
    late_gap = float(late["gap_national"].mean()) if len(late) else mean_gap
    worst = national.loc[national["gap_national"].abs().idxmax()]
    parts = [
        _(
            "The model's rate is the share of the territory's resident labour force seeking work, "
            "a census-like rate; the source notes that census rates run {low} to {high} points "
            "above the ILO rates set beside it. Over the {years} years with a national rate, the "
            "simulated median lies on average {mean} the national rate ({late} it from 2000 on); "
            "the widest gap is {widest} in {year}."
        ).format(
            low=localise(f"{low:g}"),
            high=localise(f"{high:g}"),
            years=len(national),
            mean=_relative(mean_gap),
            late=_relative(late_gap),
            widest=_points(worst.gap_national),
            year=int(worst.year),
        )
    ]
    census_year = table[table["year"] == 2011]
    if rates.landes_census is not None and len(census_year):
        simulated = float(census_year["simulated_median"].iloc[0])
        parts.append(
            _(
                "The Landes' 2011 census, a rate defined like the model's, gives {census} "
                "(unemployed per active person aged 15-64); the model gives {simulated} that year, "
                "{relative} it."
            ).format(
                census=_rate_text(rates.landes_census),
                simulated=_rate_text(simulated),
                relative=_relative(simulated - rates.landes_census),
            )
        )
    if late_gap > high:
        parts.append(
            _(
                "The census definition explains at most {high} points: at least {excess} points "
                "since 2000 are a failure of the model, not of the comparison. Its territory "
                "offers its residents too few jobs; the sizing of jobs per sector, the share of "
                "local posts taken by in-commuters and the finite markets are the first places to "
                "look."
            ).format(high=localise(f"{high:g}"), excess=localise(f"{late_gap - high:.1f}"))
        )
    elif late_gap < 0:
        parts.append(
            _(
                "Since 2000 the simulated rate is below the national one although a census-like "
                "rate should run above it: the model finds work too easily for its residents."
            )
        )
    else:
        parts.append(
            _(
                "Since 2000 the gap is within the {low} to {high} points a census rate runs above "
                "the ILO rate."
            ).format(low=localise(f"{low:g}"), high=localise(f"{high:g}"))
        )
    return " ".join(parts)


def markdown(table: pd.DataFrame, rates: ObservedRates, plot_name: str) -> list[str]:
    """The report's section: the paragraph on the gap, the table year by year and the plot."""
    calibration = (
        _("Calibration used part of this table: {note}.").format(note=rates.calibration_note)
        if rates.calibration_note
        else _("No rate of this table was used in calibration.")
    )
    lines = [
        _("## Unemployment beside France and the Landes (out of sample)"),
        "",
        " ".join(
            (
                _(
                    "The simulated unemployment rate (median and 5%-95% over the seeds, with "
                    "cooperation) beside the ILO rates of metropolitan France and of the Landes "
                    "département (INSEE, `{file}`)."
                ).format(file=rates.path.name),
                calibration,
                _("Gap: simulated median minus the observed rate, in points."),
            )
        ),
        "",
        gap_paragraph(table, rates),
        "",
        _(
            "| year | simulated median | 90% interval | France | Landes | gap to France | gap to "
            "Landes |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table.itertuples():
        landes = (
            ""
            if math.isnan(row.landes)
            else f"{_rate_text(row.landes)} ({_periods_text(row.landes_periods)})"
        )
        lines.append(
            f"| {row.year} | {_rate_text(row.simulated_median)} | {_rate_text(row.simulated_q05)} "
            f"- {_rate_text(row.simulated_q95)} | {_rate_text(row.national)} | {landes} | "
            f"{_gap_text(row.gap_national)} | {_gap_text(row.gap_landes)} |"
        )
    lines += [
        "",
        _("![unemployment beside France and the Landes]({file})").format(file=plot_name),
        "",
    ]
    return lines


def plot(table: pd.DataFrame, rates: ObservedRates, path: Path, title: str) -> Path:
    """The simulated rate (median, 5%-95% band) with the national line and the Landes points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ptce_sim.runs.atomic import replacing

    with plt.rc_context({"font.size": 10, "axes.titlesize": 11, "figure.dpi": 110}):
        fig, ax = plt.subplots(figsize=(9, 4.5))
        ax.fill_between(
            table["year"],
            table["simulated_q05"],
            table["simulated_q95"],
            color="#2166ac",
            alpha=0.2,
            lw=0,
        )
        ax.plot(
            table["year"],
            table["simulated_median"],
            color="#2166ac",
            lw=1.8,
            label=_("model: median, 5%-95% over seeds"),
        )
        national = table.dropna(subset=["national"])
        ax.plot(
            national["year"], national["national"], "o-", color="#000000", ms=3, lw=1,
            label=_("France (ILO)"),
        )  # fmt: skip
        landes = table.dropna(subset=["landes"])
        ax.plot(
            landes["year"], landes["landes"], "s", color="#e08214", ms=6, label=_("Landes (ILO)")
        )
        if rates.landes_census is not None:
            ax.plot(2011, rates.landes_census, "D", color="#b2182b", ms=6, label=_("Landes census"))
        ax.set(xlabel=_("year"), ylabel=_("unemployment rate (%)"), title=title)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
        fig.tight_layout()
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)
    return path


def _section(data: Mapping[str, object], name: str, path: Path) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ScenarioError(f"{path}: field '{name}': expected a table, got {value!r:.60}")
    return value


def _rate(value: object, path: Path, where: str) -> float:
    """A rate in percent: a number in [0, 100)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 100:
        raise ScenarioError(
            f"{path}: field '{where}': expected a rate in percent (0 to 100), got {value!r:.60}"
        )
    return float(value)


def _points(value: float) -> str:
    return _("{value} points").format(value=localise(f"{value:+.1f}"))


def _relative(value: float) -> str:
    """``"6.1 points above"`` or ``"0.4 points below"``."""
    points = localise(f"{abs(value):.1f}")
    if value >= 0:
        return _("{points} points above").format(points=points)
    return _("{points} points below").format(points=points)


def _rate_text(value: float) -> str:
    return "" if math.isnan(value) else localise(f"{value:.1f}%")


def _periods_text(periods: str) -> str:
    """The periods of a year's Landes rate (``Q3, Q4`` or ``year``) in the language in force."""
    words = []
    for period in periods.split(", "):
        if period == "year":
            words.append(_("year"))
        elif period.startswith("Q"):
            words.append(_("Q{quarter}").format(quarter=period[1:]))
        else:
            words.append(period)
    return ", ".join(words)


def _gap_text(value: float) -> str:
    return "" if math.isnan(value) else localise(f"{value:+.1f}")
