"""What the dashboard draws, as plain data: ECharts options (JSON-ready dicts) and texts.

No Solara here: :func:`build_view` turns a :class:`~ptce_sim.interfaces.dashboard.session.Session`
into a :class:`View` that the page shows as it is, so the chart logic is testable (and benchmarked)
without a browser. Charts are drawn in the browser by ECharts (bundled with Solara); only their data
travels, no image is rendered in Python.

Made for a projector: large type, few colours (the Okabe-Ito colour-blind-safe palette), labelled
axes, the current year in big letters; no animation, so that frames come as fast as the model.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from ptce_sim.interfaces.dashboard import net
from ptce_sim.interfaces.dashboard.institutions import college_nodes, deliberation_option
from ptce_sim.interfaces.dashboard.net import live_panel
from ptce_sim.interfaces.dashboard.session import (
    FUNDING_LEVERS,
    SWITCHES,
    Branch,
    Session,
    month_label,
    shown_date,
    shown_month,
    shown_name,
)
from ptce_sim.runs import resilience
from ptce_sim.runs.i18n import N_, _, language, ngettext, number, percent, signed, using
from ptce_sim.simulation.agents.persons import HOLDER, Status
from ptce_sim.simulation.metrics import ess_headcount, mechanism_row

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel

# -- style -------------------------------------------------------------------------------------

BLUE, SKY, GREEN, ORANGE, VERMILLION, PINK, GREY, BLACK = (
    "#0072B2",
    "#56B4E9",
    "#009E73",
    "#E69F00",
    "#D55E00",
    "#CC79A7",
    "#8C8C8C",
    "#222222",
)
BRANCH_COLOURS = {"": BLUE, "A": BLUE, "B": ORANGE}
FONT = 18
SMALL = 16
TITLE = 22

SHOCK_SHORT = {
    "sector_shock": N_("downturn"),
    "plant_closure": N_("closure"),
    "budget_cut": N_("funding cut"),
}
"""A shock's short mark on the charts, by kind."""
SHOCK_LABELS = {
    "sector_shock": (" downturn", N_("{subject} downturn")),
    "plant_closure": (" plant closure", N_("{subject} plant closure")),
    "budget_cut": (" budget cut", N_("{subject} budget cut")),
}
"""A shock's label as the model writes it (its subject, then this ending) -> its message."""

MECHANISMS = (
    ("ge_posts", N_("GE shared jobs"), BLUE),
    ("internalised_posts", N_("Posts internalised from GE"), SKY),
    ("geiq_hires", N_("GEIQ hires"), GREEN),
    ("insertion_exits_to_work", N_("Insertion exits to work"), ORANGE),
    ("incubated_activities", N_("Incubated activities"), PINK),
)
"""Jobs created or secured, by mechanism (the terms of ``jobs_created_or_secured``)."""

STAFF = (
    ((Status.ESS,), N_("Permanent staff"), BLUE),
    ((Status.INSERTION,), N_("Insertion posts"), ORANGE),
    ((Status.GE, Status.GEIQ), N_("GE / GEIQ workers"), GREEN),
    ((HOLDER,), N_("Project holders"), PINK),
)
"""Headcount columns of a structure, stacked in the structures chart."""

KIND_GROUPS: dict[str, tuple[str, str]] = {
    "animator": (N_("Animator"), VERMILLION),
    "employer_group": (N_("GE / GEIQ"), BLUE),
    "geiq": (N_("GE / GEIQ"), BLUE),
    "work_integration": (N_("Work integration"), GREEN),
    "integration_restaurant": (N_("Work integration"), GREEN),
    "training_centre": (N_("Training & incubation"), ORANGE),
    "activity_cooperative": (N_("Training & incubation"), ORANGE),
    "ess_enterprise": (N_("Other ESS"), PINK),
    "classic_firm": (N_("Member firms"), GREY),
}
AUTHORITY_GROUP = (N_("Authorities"), SKY)
COLLEGE_GROUP = (N_("CBE colleges"), BLACK)
CATEGORIES = list(dict.fromkeys([*KIND_GROUPS.values(), AUTHORITY_GROUP, COLLEGE_GROUP]))
"""Node categories of the network chart: (name, colour), in legend order."""

LAYOUT_ITERATIONS_FIRST = 50
"""Iterations of ``spring_layout`` for a new picture (first frame, or most nodes new)."""
LAYOUT_ITERATIONS_UPDATE = 12
"""Iterations of a relaxation of the current picture..."""
LAYOUT_ITERATIONS_PER_FRAME = 3
"""... done at most this many per frame."""


def _axis(name: str, **extra: Any) -> dict:
    return {
        "name": name,
        "nameLocation": "middle",
        "nameTextStyle": {"fontSize": FONT, "fontWeight": "bold"},
        "axisLabel": {"fontSize": SMALL},
        **extra,
    }


def _base(title: str, year: int | None = None, subtitle: str = "") -> dict:
    """Common options: big title (and subtitle) top left, legend below it, the year top right."""
    option: dict[str, Any] = {
        "animation": False,
        "useUTC": True,
        "textStyle": {"fontSize": FONT},
        "title": {
            "text": title,
            "subtext": subtitle,
            "left": 8,
            "top": 4,
            "itemGap": 6,
            "textStyle": {"fontSize": TITLE, "lineHeight": 30},
            "subtextStyle": {"fontSize": SMALL, "lineHeight": 20},
        },
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": SMALL}},
        "legend": {
            "top": 62 if subtitle else 40,
            "left": 8,
            "right": 150 if year is not None else 8,
            "textStyle": {"fontSize": SMALL},
            "itemWidth": 28,
        },
        "grid": {"left": 96, "right": 96, "top": 118 if subtitle else 96, "bottom": 72},
    }
    if year is not None:
        option["graphic"] = [
            {
                "type": "text",
                "right": 16,
                "top": 30,
                "silent": True,
                "style": {
                    "text": str(year),
                    "fontSize": 56,
                    "fontWeight": "bold",
                    "verticalAlign": "top",
                    "fill": "rgba(0, 0, 0, 0.42)",
                },
            }
        ]
    return option


MONTH_MS = np.datetime64("1970-01", "M")


def _ms(model: PtceModel, months: np.ndarray | int) -> np.ndarray:
    """Milliseconds since 1970 (ECharts' time axis) of the first day of month indexes."""
    first = np.datetime64(f"{model.spec.run.start_year:04d}-01", "M")
    dates = first + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    return dates.astype("datetime64[ms]").astype(np.int64)


def _x(model: PtceModel, month: int) -> int:
    return int(_ms(model, month))


def _pairs(model: PtceModel, values, start: int = 0) -> list[list[float]]:
    """``[[time in ms, value], ...]`` for months ``start`` onwards."""
    values = np.asarray(values[start:], dtype=np.float64)
    times = _ms(model, np.arange(start, start + values.size))
    return [[t, v] for t, v in zip(times.tolist(), np.round(values, 1).tolist(), strict=True)]


def _smooth(values) -> np.ndarray:
    """12-month trailing average (the resilience measures' smoothing: no seasonality)."""
    return resilience.smooth(values) if len(values) else np.zeros(0)


def _year_of(model: PtceModel) -> int:
    return model.spec.run.start_year + shown_month(model) // 12


def _time_axis(model: PtceModel, from_month: int = 0, to_month: int | None = None) -> dict:
    """A time axis from the January of ``from_month``'s year to ``to_month`` (default: the end)."""
    to_month = model.spec.months if to_month is None else min(to_month, model.spec.months)
    from_month -= from_month % 12
    years = max(1.0, (to_month - from_month) / 12)
    step = next(s for s, span in ((1, 8), (2, 16), (5, 60), (10, 1e9)) if years <= span)
    first_year = model.spec.run.start_year + from_month // 12
    from_month = max(0, from_month - 12 * (first_year % step))  # ticks on round years
    years = max(1.0, (to_month - from_month) / 12)
    return _axis(
        _("year"),
        type="time",
        min=_x(model, from_month),
        max=_x(model, to_month),
        nameGap=36,
        splitNumber=max(1, round(years / step)),  # ticks every `step` years (ECharts rounds)
        axisLabel={"fontSize": SMALL, "formatter": "{yyyy}", "hideOverlap": True},
        splitLine={"show": False},
    )


def event_marks(
    model: PtceModel, fork_month: int | None = None, spacing: float = 0.1, since: int = 0
) -> dict:
    """A ``markLine``: a dashed line at each shock from month ``since`` on, a solid one at the fork.

    Labels are short ("closure", "downturn", "funding cut"); a label closer to another one shown
    (the fork's first) than ``spacing`` times the months from ``since`` to the run's end (about a
    label's width: 0.1 on a full-width chart, 0.2 on a half-width one) is left out so that labels
    never overlap, but every line is drawn and named in its tooltip.
    """
    spacing = max(6.0, spacing * (model.spec.months - since))
    shown: list[int] = [] if fork_month is None else [fork_month]
    data = []
    for label, kind, month in sorted(model.shocks, key=lambda s: s[2]):
        if month < since:
            continue
        show = all(abs(month - other) >= spacing for other in shown)
        if show:
            shown.append(month)
        data.append(
            {
                "name": f"{shock_label(label, kind)} ({month_label(model, month)})",
                "xAxis": _x(model, month),
                "label": {"show": show, "formatter": _(SHOCK_SHORT.get(kind, kind))},
                "lineStyle": {"type": "dashed", "color": GREY, "width": 2},
            }
        )
    if fork_month is not None:
        data.append(
            {
                "name": _("fork ({month})").format(month=month_label(model, fork_month)),
                "xAxis": _x(model, fork_month),
                "label": {"show": True, "formatter": _("fork"), "fontWeight": "bold"},
                "lineStyle": {"type": "solid", "color": BLACK, "width": 3},
            }
        )
    return {
        "symbol": ["none", "none"],
        "silent": False,
        "label": {"fontSize": SMALL, "position": "end", "color": BLACK},
        "tooltip": {"formatter": "{b}"},
        "data": data,
    }


def shock_label(label: str, kind: str) -> str:
    """A shock's label (as the model writes it, in English) in the language in force."""
    ending, message = SHOCK_LABELS.get(kind, ("", ""))
    if not ending or not label.endswith(ending):
        return label
    subject = ", ".join(shown_name(part) for part in label[: -len(ending)].split(", "))
    return _(message).format(subject=subject)


def _line(name: str, data: list, colour: str, *, width: float = 3, **extra: Any) -> dict:
    return {
        "name": name,
        "type": "line",
        "data": data,
        "showSymbol": False,
        "color": colour,
        "lineStyle": {"width": width, "color": colour},
        **extra,
    }


def _thin(name: str, data: list, colour: str, **extra: Any) -> dict:
    """The monthly series, thin and pale behind its 12-month average."""
    return _line(
        name,
        data,
        colour,
        width=1.5,
        lineStyle={"width": 1.5, "color": colour, "opacity": 0.35},
        **extra,
    )


# -- charts over time ----------------------------------------------------------------------------


def jobs_option(model: PtceModel, fork_month: int | None = None) -> dict:
    """Jobs (left axis) and unemployed (right axis) over time, shocks marked.

    The 12-month averages in bold, the months in pale.
    """
    history = model.recorder.monthly
    option = _base(_("Jobs and unemployment"), _year_of(model))
    option["xAxis"] = _time_axis(model)
    option["yAxis"] = [
        _axis(
            _("jobs (persons employed)"),
            type="value",
            scale=True,
            nameGap=72,
            nameTextStyle={"fontSize": FONT, "fontWeight": "bold", "color": BLUE},
        ),
        _axis(
            _("unemployed"),
            type="value",
            scale=True,
            nameGap=64,
            splitLine={"show": False},
            nameTextStyle={"fontSize": FONT, "fontWeight": "bold", "color": VERMILLION},
        ),
    ]
    employed, unemployed = history.get("employed", []), history.get("unemployed", [])
    jobs, unemployed_name, monthly = _("Jobs"), _("Unemployed"), _("monthly")
    option["legend"]["data"] = [jobs, unemployed_name, monthly]
    option["series"] = [
        _line(
            jobs,
            _pairs(model, _smooth(employed)),
            BLUE,
            markLine=event_marks(model, fork_month, spacing=0.1),
        ),
        _line(unemployed_name, _pairs(model, _smooth(unemployed)), VERMILLION, yAxisIndex=1),
        _thin(monthly, _pairs(model, employed), BLUE),
        _thin(monthly, _pairs(model, unemployed), VERMILLION, yAxisIndex=1),
    ]
    return option


def compare_option(
    branches: list[Branch], key: str, title: str, unit: str, fork_month: int
) -> dict:
    """A series of two branches (12-month averages): A over the whole run, B from the fork on."""
    a, b = branches[0].model, branches[1].model
    option = _base(title, _year_of(a), _("12-month average"))
    option["xAxis"] = _time_axis(a)
    option["yAxis"] = _axis(unit, type="value", scale=True, nameGap=72)
    start = max(fork_month - 1, 0)
    option["series"] = [
        _line(
            _("A (as is)"),
            _pairs(a, _smooth(a.recorder.monthly.get(key, []))),
            BRANCH_COLOURS["A"],
            markLine=event_marks(a, fork_month, spacing=0.2),
        ),
        _line(
            _("B (variant)"),
            _pairs(b, _smooth(b.recorder.monthly.get(key, [])), start=start),
            BRANCH_COLOURS["B"],
            lineStyle={"width": 3, "color": ORANGE, "type": "dashed"},
        ),
    ]
    return option


def difference_option(branches: list[Branch], fork_month: int) -> dict:
    """B minus A since the fork, jobs and unemployed.

    Differences of the 12-month averages in bold, of the months in pale.
    """
    a, b = branches[0].model, branches[1].model
    option = _base(_("Difference B − A"), _year_of(a), _("bold: 12-month average"))
    from_month = max(fork_month - 24, 0)
    option["xAxis"] = _time_axis(a, from_month)
    option["yAxis"] = _axis(_("persons (B − A)"), type="value", nameGap=72)
    names = {"employed": _("Jobs"), "unemployed": _("Unemployed")}
    monthly_name = _("monthly")
    option["legend"]["data"] = [*(f"{name}: B − A" for name in names.values()), monthly_name]
    series, thin = [], []
    for key, colour in (("employed", BLUE), ("unemployed", VERMILLION)):
        name = names[key]
        values_a = np.asarray(a.recorder.monthly.get(key, []), dtype=np.float64)
        values_b = np.asarray(b.recorder.monthly.get(key, []), dtype=np.float64)
        n = min(values_a.size, values_b.size)
        start = min(fork_month, n)
        monthly = values_b[:n] - values_a[:n]
        smooth = _smooth(values_b[:n]) - _smooth(values_a[:n])
        monthly[:start] = 0.0
        smooth[:start] = 0.0
        series.append(_line(f"{name}: B − A", _pairs(a, smooth, from_month), colour))
        thin.append(_thin(monthly_name, _pairs(a, monthly, from_month), colour))
    series[0]["markLine"] = event_marks(a, fork_month, spacing=0.2, since=from_month)
    option["series"] = series + thin
    return option


# -- mechanisms and structures -------------------------------------------------------------------


def mechanism_rows(model: PtceModel) -> list[dict]:
    """Jobs by mechanism for each year so far; the current year's row counts its months so far."""
    rows = model.recorder.rows("jobs_by_mechanism")
    if model.month_index % 12 != 0 and model.running:
        rows.append(mechanism_row(model, model.year, model.tally))
    return rows


def mechanisms_option(model: PtceModel) -> dict:
    """Jobs created or secured each year, stacked by mechanism."""
    run = model.spec.run
    years = [str(y) for y in range(run.start_year, run.end_year + 1)]
    rows = {int(r["year"]): r for r in mechanism_rows(model)}
    option = _base(
        _("Jobs by mechanism"), _year_of(model), _("created or secured; this year so far")
    )
    option["tooltip"] = {
        "trigger": "axis",
        "axisPointer": {"type": "shadow"},
        "textStyle": {"fontSize": SMALL},
    }
    option["grid"]["top"] = 140
    option["xAxis"] = _axis(
        _("year"),
        type="category",
        data=years,
        nameGap=36,
        axisLabel={"fontSize": SMALL, "interval": 4},
    )
    option["yAxis"] = _axis(_("jobs"), type="value", nameGap=56)
    option["series"] = [
        {
            "name": _(name),
            "type": "bar",
            "stack": "jobs",
            "color": colour,
            "data": [int(rows[int(y)][key]) if int(y) in rows else None for y in years],
        }
        for key, name, colour in MECHANISMS
    ]
    return option


INSTITUTIONS = (
    ("site_occupancy", N_("Shared site: floor area occupied"), GREEN, 0),
    ("fjt_occupancy", N_("FJT: places occupied"), PINK, 0),
    ("site_rents_eur", N_("Shared site: rents of the year"), ORANGE, 1),
    ("site_loan_balance_eur", N_("Shared site: loan still owed"), VERMILLION, 1),
)
"""The shared site's and the FJT's yearly series: column, name (a message), colour, axis (0: the
share occupied in %, 1: thousand euros at the run's scale)."""


def institutions_option(model: PtceModel) -> dict:
    """The shared site (occupancy, rents, loan balance) and the FJT (occupancy), year by year."""
    run = model.spec.run
    years = [str(y) for y in range(run.start_year, run.end_year + 1)]
    rows = {int(r["year"]): r for r in model.recorder.rows("territory")}
    option = _base(_("Shared site and FJT"), _year_of(model), _("at the end of each year"))
    option["grid"]["top"] = 140
    option["xAxis"] = _axis(
        _("year"), type="category", data=years, nameGap=36, axisLabel={"fontSize": SMALL}
    )
    option["yAxis"] = [
        _axis(_("occupied (%)"), type="value", min=0, max=100, nameGap=56),
        _axis(_("thousand euros"), type="value", nameGap=64, splitLine={"show": False}),
    ]

    def value(year: str, key: str, axis: int) -> float | None:
        row = rows.get(int(year))
        if row is None:
            return None
        return round(100.0 * row[key], 1) if axis == 0 else round(row[key] / 1000.0, 1)

    option["series"] = [
        _line(
            _(name),
            [value(y, key, axis) for y in years],
            colour,
            yAxisIndex=axis,
            lineStyle={"width": 3, "color": colour, "type": "dashed" if axis else "solid"},
        )
        for key, name, colour, axis in INSTITUTIONS
    ]
    return option


def mechanisms_compare_option(branches: list[Branch], fork_month: int) -> dict:
    """Per mechanism, A and B side by side: jobs since the fork's year (GE: shared jobs now)."""
    a = branches[0].model
    fork_year = a.spec.run.start_year + fork_month // 12
    option = _base(
        _("Jobs by mechanism since {year}").format(year=fork_year), None, _("GE: shared jobs now")
    )
    option["tooltip"] = {
        "trigger": "axis",
        "axisPointer": {"type": "shadow"},
        "textStyle": {"fontSize": SMALL},
    }
    option["grid"]["left"] = 260
    option["yAxis"] = {
        "type": "category",
        "data": [_(name) for _key, name, _colour in MECHANISMS],
        "inverse": True,
        "axisLabel": {"fontSize": SMALL},
    }
    option["xAxis"] = _axis(_("jobs"), type="value", nameGap=36)
    series = []
    for branch in branches:
        rows = [r for r in mechanism_rows(branch.model) if int(r["year"]) >= fork_year]
        values = []
        for key, _name, _colour in MECHANISMS:
            if key == "ge_posts":
                values.append(int(branch.model.people.counts()[Status.GE]))
            else:
                values.append(int(sum(r[key] for r in rows)))
        label = _("A (as is)") if branch.label == "A" else _("B (variant)")
        series.append(
            {
                "name": label,
                "type": "bar",
                "color": BRANCH_COLOURS[branch.label],
                "data": values,
                "label": {"show": True, "position": "right", "fontSize": SMALL},
            }
        )
    option["series"] = series
    return option


def _short(name: str, width: int = 26) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def structure_rows(model: PtceModel) -> list[tuple[str, list[int]]]:
    """The pole's open structures with their headcounts per :data:`STAFF` column.

    Named structures (every kind but generic ESS enterprises) one by one, largest first; the
    other ESS enterprises of the pole together on one row.
    """
    counts = model.staff.counts
    named, others, n_others = [], [0] * len(STAFF), 0
    for structure in model.structures:
        if not (structure.alive and structure.in_pole) or structure.org >= len(counts):
            continue
        heads = [int(sum(counts[structure.org, c] for c in cols)) for cols, _name, _colour in STAFF]
        if structure.kind_name == "ess_enterprise":
            others = [x + y for x, y in zip(others, heads, strict=True)]
            n_others += 1
        else:
            named.append((structure.name, heads))
    named.sort(key=lambda row: -sum(row[1]))
    if n_others:
        named.append(
            (
                ngettext("Other ESS member ({n})", "Other ESS members ({n})", n_others).format(
                    n=n_others
                ),
                others,
            )
        )
    return named


def structures_option(model: PtceModel, title: str | None = None) -> dict:
    """Horizontal stacked bars: each structure's headcount by kind of post.

    Permanent staff, insertion posts, lent GE and GEIQ workers, project holders.
    """
    rows = structure_rows(model)
    option = _base(title or _("The pole's structures: headcount"))
    option["tooltip"] = {
        "trigger": "axis",
        "axisPointer": {"type": "shadow"},
        "textStyle": {"fontSize": SMALL},
    }
    option["grid"] = {"left": 270, "right": 40, "top": 96, "bottom": 64}
    option["yAxis"] = {
        "type": "category",
        "inverse": True,
        "data": [_short(name) for name, _heads in rows],
        "axisLabel": {"fontSize": SMALL},
    }
    option["xAxis"] = _axis(_("persons"), type="value", nameGap=36, minInterval=1)
    option["series"] = [
        {
            "name": _(name),
            "type": "bar",
            "stack": "staff",
            "color": colour,
            "data": [heads[i] for _name, heads in rows],
        }
        for i, (_cols, name, colour) in enumerate(STAFF)
    ]
    if not rows:
        option["graphic"] = [
            {
                "type": "text",
                "left": "center",
                "top": "middle",
                "style": {
                    "text": _("No structure in the pole yet"),
                    "fontSize": FONT,
                    "fill": GREY,
                },
            }
        ]
    return option


# -- resilience ------------------------------------------------------------------------------------


def shock_name(model: PtceModel, label: str, kind: str) -> str:
    """A shock's label, short enough to read: "all-sector downturn" for every sector."""
    if kind == "sector_shock" and label.endswith(" downturn"):
        sectors = label[: -len(" downturn")].split(", ")
        if set(sectors) == {s.name for s in model.spec.sectors}:
            return _("all-sector downturn")
        if len(sectors) > 2:
            return ngettext(
                "downturn of {n} sector", "downturn of {n} sectors", len(sectors)
            ).format(n=len(sectors))
    return shock_label(label, kind)


def resilience_summary(model: PtceModel) -> dict | None:
    """The latest shock's measures as texts, or None before any shock."""
    employment = model.recorder.monthly.get("employed", [])
    measures = resilience.latest_shock_summary(employment, model.shocks)
    if measures is None:
        return None
    months_since = len(employment) - 1 - measures.shock_month
    if measures.drop <= 0:
        recovery = _("no jobs lost")
    elif measures.recovery_months is not None:
        months = round(measures.recovery_months)
        recovery = ngettext("{n} month", "{n} months", months).format(n=number(months))
    else:
        recovery = ngettext(
            "not yet ({n} month since)", "not yet ({n} months since)", months_since
        ).format(n=number(months_since))
    return {
        "shock": measures.shock,
        "name": shock_name(model, measures.shock, measures.kind),
        "date": month_label(model, measures.shock_month),
        "shock_month": measures.shock_month,
        "drop": ngettext("{n} job", "{n} jobs", round(measures.drop)).format(
            n=number(measures.drop)
        ),
        "resistance": ("+" if measures.resistance >= 0 else "") + percent(measures.resistance),
        "recovery": recovery,
        "pre_level": measures.pre_level,
        "trough_month": measures.trough_month,
        "trough_level": measures.trough_level,
    }


def resilience_option(branches: list[Branch]) -> dict:
    """Employment (12-month average) around the latest shock, its pre-shock level and trough."""
    model = branches[0].model
    summary = resilience_summary(model)
    option = _base(_("Resilience after the latest shock"), None, _("jobs, 12-month average"))
    option["legend"]["show"] = len(branches) > 1
    if summary is None:
        option["xAxis"] = _time_axis(model)
        option["yAxis"] = _axis(_("jobs"), type="value", nameGap=72)
        option["series"] = []
        option["graphic"] = [
            {
                "type": "text",
                "left": "center",
                "top": "middle",
                "style": {"text": _("No shock yet"), "fontSize": FONT, "fill": GREY},
            }
        ]
        return option
    start = max(summary["shock_month"] - 24, 0)
    horizon = max(model.month_index, summary["shock_month"] + 60)
    option["xAxis"] = _time_axis(model, start, horizon + (-horizon) % 12)
    option["yAxis"] = _axis(_("jobs"), type="value", scale=True, nameGap=72)
    series = []
    for branch in branches:
        smoothed = resilience.smooth(branch.model.recorder.monthly.get("employed", []))
        values = [float(v) for v in smoothed]
        name = {"": _("Jobs"), "A": _("A (as is)"), "B": _("B (variant)")}[branch.label]
        series.append(
            _line(name, _pairs(branch.model, values, start), BRANCH_COLOURS[branch.label])
        )
    series[0]["markLine"] = {
        "symbol": ["none", "none"],
        "label": {"fontSize": SMALL, "color": BLACK},
        "data": [
            {
                "name": _("pre-shock level"),
                "yAxis": round(summary["pre_level"], 1),
                "label": {"formatter": _("pre-shock level"), "position": "insideEndTop"},
                "lineStyle": {"type": "dashed", "color": GREY, "width": 2},
            },
            {
                "name": _("shock"),
                "xAxis": _x(model, summary["shock_month"]),
                "label": {"formatter": _("shock"), "position": "end"},
                "lineStyle": {"type": "solid", "color": VERMILLION, "width": 2},
            },
        ],
    }
    series[0]["markPoint"] = {
        "symbolSize": 18,
        "symbol": "circle",
        "itemStyle": {"color": VERMILLION},
        "label": {
            "show": True,
            "formatter": _("trough"),
            "position": "bottom",
            "fontSize": SMALL,
            "color": BLACK,
        },
        "data": [
            {"coord": [_x(model, summary["trough_month"]), round(summary["trough_level"], 1)]}
        ],
    }
    option["series"] = series
    return option


# -- the cooperation network -------------------------------------------------------------------


class NetworkLayout:
    """Positions of the network's nodes: networkx's ``spring_layout``, incremental and cached.

    A new node is placed next to its tied neighbours at once. The picture is then relaxed by
    :func:`networkx.spring_layout` (seeded from the model's seed, started from the previous
    positions) when the node count has grown by a tenth or a year has passed since the last
    relaxation; a relaxation's iterations are spread over the next frames,
    :data:`LAYOUT_ITERATIONS_PER_FRAME` at a time, so that no frame pays for a whole layout and
    nothing jumps on the projector. Nothing is computed while the network and the pending
    relaxation stay the same. The layout's randomness never touches the model's random stream.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)
        self.pos: dict[int, tuple[float, float]] = {}
        self.key: tuple | None = None
        self.relaxed_at: tuple[int, int] | None = None  # (month, node count) of the last relaxation
        self.pending = 0  # relaxation iterations still to do
        self.computations = 0
        self.iterations = 0

    def update(self, graph: nx.Graph, month: int = 0) -> dict[int, tuple[float, float]]:
        """Positions for ``graph`` at ``month`` (the cached ones if nothing is left to do)."""
        key = (frozenset(graph.nodes), graph.number_of_edges())
        if key == self.key and not self.pending:
            return self.pos
        n = graph.number_of_nodes()
        rng = np.random.default_rng([self.seed, n, graph.number_of_edges(), max(month, 0)])
        positions = {v: np.asarray(self.pos[v]) for v in graph.nodes if v in self.pos}
        new = n - len(positions)
        for node in sorted(graph.nodes, key=lambda v: (-graph.degree(v), v)):
            if node not in positions:
                placed = [positions[v] for v in graph.neighbors(node) if v in positions]
                if placed:
                    positions[node] = np.mean(placed, axis=0) + rng.uniform(-0.08, 0.08, 2)
                else:
                    positions[node] = rng.uniform(-1.0, 1.0, 2)
        iterations = 0
        if key != self.key and n > 1:
            if self.relaxed_at is None or new > n / 2:
                iterations = LAYOUT_ITERATIONS_FIRST  # (mostly) new picture: lay it out now
                self.pending = 0
                self.relaxed_at = (month, n)
            elif n >= 1.1 * self.relaxed_at[1] or month - self.relaxed_at[0] >= 12:
                self.pending = LAYOUT_ITERATIONS_UPDATE
                self.relaxed_at = (month, n)
        if self.pending and n > 1:
            iterations = min(self.pending, LAYOUT_ITERATIONS_PER_FRAME)
            self.pending -= iterations
        if n <= 1:
            positions = {v: np.zeros(2) for v in graph.nodes}
            self.pending = 0
        elif iterations:
            positions = nx.spring_layout(
                graph, pos=positions, iterations=iterations, seed=self.seed, weight=None
            )
            self.iterations += iterations
        self.pos = {v: (float(p[0]), float(p[1])) for v, p in positions.items()}
        self.key = key
        self.computations += 1
        return self.pos


def _group_of(kind: str) -> tuple[str, str]:
    return (
        AUTHORITY_GROUP
        if kind.startswith("authority")
        else KIND_GROUPS.get(kind, KIND_GROUPS["ess_enterprise"])
    )


def network_option(branch: Branch, title: str | None = None, *, playing: bool = False) -> dict:
    """The pole's network at networkx positions.

    Node size: headcount; colour: kind of organisation; tie width and opacity: trust. The circles:
    pact ties are drawn in the animator's colour, charter ties dashed; the subtitle counts them.

    While ``playing``, the chart is redrawn at most every :data:`net.REFRESH_S` seconds and at
    each year's end (:func:`net.reusable`), as the net jobs panel: with two branches, the two
    networks were the view's largest cost.
    """
    key = (branch.model.month_index, language(), title)
    now = time.monotonic()
    if branch.drawn is not None and net.reusable(branch.drawn, key, now, playing=playing):
        return branch.drawn[2]
    option = _network_option(branch, title)
    branch.drawn = (key, now, option)
    return option


def _network_option(branch: Branch, title: str | None) -> dict:
    """:func:`network_option`, drawn now."""
    model = branch.model
    # the live graph, read under the session's lock (no step meanwhile): a copy per frame cost
    # more than the rest of the chart; trust is read from the ties' array
    graph, trust = model.network.graph, model.network.trust
    if branch.layout is None:
        branch.layout = NetworkLayout(model.seed)
    pos = branch.layout.update(graph, model.month_index)
    counts = model.staff.counts
    staffed = (counts[:, :5].sum(axis=1) + counts[:, HOLDER]).tolist()  # in work, or holders
    index = {group: i for i, group in enumerate(CATEGORIES)}
    nodes = []
    for node, data in graph.nodes(data=True):
        kind = str(data.get("kind", ""))
        group = _group_of(kind)
        if kind.startswith("authority") or node >= len(staffed):
            heads, size = 0, 18
        else:
            heads = int(staffed[node])
            size = min(64.0, 8.0 + 4.0 * math.sqrt(heads))
        named = kind not in ("classic_firm", "ess_enterprise") and not kind.startswith("authority")
        x, y = pos[node]
        item = {
            "id": str(node),
            "name": str(data.get("name", node)),
            "x": round(x * 500),
            "y": round(y * 500),
            "value": heads,
            "symbolSize": round(size),
            "category": index[group],
        }
        if kind.startswith("authority"):
            item["symbol"] = "diamond"
        if named:
            item["label"] = {"show": True}
        nodes.append(item)
    ties = [(a, b, data, float(trust[data["idx"]])) for a, b, data in graph.edges(data=True)]
    links = [
        {
            "source": str(a),
            "target": str(b),
            "lineStyle": {
                "width": round(1 + 4 * level, 1),
                "opacity": round(0.25 + 0.6 * level, 2),
                **_circle_style(data.get("kinds", set())),
            },
        }
        for a, b, data, level in ties
    ]
    colleges, college_links = college_nodes(model, pos, index[COLLEGE_GROUP])
    nodes += colleges
    links += college_links
    circles = _("pact: {pact} members; charter: {charter} firms").format(
        pact=model.circles.pact_members(),
        charter=int(np.count_nonzero(model.firms.alive & model.firms.charter)),
    )
    option = _base(title or _("The cooperation network"), _year_of(model), circles)
    option["tooltip"] = {"trigger": "item", "textStyle": {"fontSize": SMALL}}
    option["legend"] = {
        "bottom": 4,
        "textStyle": {"fontSize": SMALL},
        "data": [_(name) for name, _colour in CATEGORIES],
    }
    option["series"] = [
        {
            "type": "graph",
            "layout": "none",
            "roam": True,
            "top": 70,
            "bottom": 70,
            "left": 40,
            "right": 130,  # room for the names written right of their nodes
            "categories": [
                {"name": _(name), "itemStyle": {"color": colour}} for name, colour in CATEGORIES
            ],
            "label": {"show": False, "position": "right", "fontSize": SMALL, "color": BLACK},
            "lineStyle": {"color": GREY, "curveness": 0.0},
            "emphasis": {"focus": "adjacency"},
            "labelLayout": {"hideOverlap": True},
            "data": nodes,
            "links": links,
        }
    ]
    if not nodes:
        option["graphic"].append(
            {
                "type": "text",
                "left": "center",
                "top": "middle",
                "style": {"text": _("No cooperation yet"), "fontSize": FONT, "fill": GREY},
            }
        )
    return option


def _circle_style(kinds: set[str]) -> dict:
    """A tie's look by circle: the pact in the animator's colour, the charter dashed."""
    if "pact" in kinds:
        return {"color": VERMILLION}
    if "charter" in kinds:
        return {"type": "dashed"}
    return {}


# -- figures ---------------------------------------------------------------------------------------


def figures(model: PtceModel) -> dict[str, float]:
    """Headline figures of the last month simulated (the starting state before any step).

    ESS jobs are the full-scale headcount times the scale (:func:`metrics.ess_headcount`): at a
    reduced scale a small structure's one part-time person counts for the share of a person it
    stands for, as in the comparison report.
    """
    history = model.recorder.monthly
    if history.get("employed"):
        employed, unemployed = history["employed"][-1], history["unemployed"][-1]
        labour_force = history["labour_force"][-1]
    else:
        counts = model.people.counts()
        employed = float(counts[[0, 1, 2, 3, 4]].sum())
        unemployed = float(counts[[Status.SEEKER, Status.LONG_TERM]].sum())
        labour_force = float(len(model.people) - counts[Status.INACTIVE])
    return {
        "jobs": employed,
        "unemployed": unemployed,
        "unemployment_rate": 100.0 * unemployed / labour_force if labour_force else 0.0,
        "ess_jobs": ess_headcount(model),
        "pole_members": float(model.network.graph.number_of_nodes()),
        "mean_trust": model.network.mean_trust(),
        "plie_caseload": float(model.plie.caseload()),
        "gpec_employers": float(model.gpec.employers.size),
        "gpec_needs": model.gpec.total_needs(),
        "skilled_wait": model.labour.skilled.mean_wait(),
        "pact_members": float(model.circles.pact_members()),
        "charter_firms": float(np.count_nonzero(model.firms.alive & model.firms.charter)),
        "treasury_lent": model.treasury.lent_year / 1000.0,
        "treasury_unmet": model.treasury.unmet_year / 1000.0,
    }


FIGURE_ROWS = (
    ("jobs", N_("Jobs"), 0),
    ("unemployed", N_("Unemployed"), 0),
    ("unemployment_rate", N_("Unemployment rate (%)"), 1),
    ("ess_jobs", N_("ESS jobs"), 0),
    ("pole_members", N_("Pole members"), 0),
    ("mean_trust", N_("Mean trust"), 2),
    ("plie_caseload", N_("PLIE caseload"), 0),
    ("gpec_employers", N_("Skills planning: employers"), 0),
    ("gpec_needs", N_("Skills planning: anticipated needs"), 0),
    ("skilled_wait", N_("Skilled posts: months of waiting"), 1),
    ("pact_members", N_("Pact members"), 0),
    ("charter_firms", N_("Charter firms"), 0),
    ("treasury_lent", N_("Treasury: lent this year (k€)"), 0),
    ("treasury_unmet", N_("Treasury: cash needs unmet this year (k€)"), 0),
)
"""The headline figures: key, name (a message), decimals shown."""


def figure_table(branches: list[Branch]) -> list[list[str]]:
    """Rows of headline figures: [name, value] or, with two branches, [name, A, B, B − A]."""
    values = [figures(b.model) for b in branches]
    rows = []
    for key, name, digits in FIGURE_ROWS:
        row = [_(name)] + [number(v[key], digits) for v in values]
        if len(values) == 2:
            row.append(signed(values[1][key] - values[0][key], digits))
        rows.append(row)
    return rows


# -- the whole view ------------------------------------------------------------


@dataclass
class View:
    """Everything the page shows at one moment (plain, JSON-ready data)."""

    date: str
    year: int
    status: str
    month_index: int
    months_total: int
    compare: bool
    fork_date: str | None
    jobs: dict
    unemployment: dict | None
    difference: dict | None
    mechanisms: dict
    structures: list[dict]
    networks: list[dict]
    resilience: dict
    resilience_text: list[dict | None]
    table: list[list[str]]
    levers: dict[str, Any]
    lever_target: str
    sectors: list[str]
    authorities: list[str]
    live_events: list[str] = field(default_factory=list)
    message: str = ""
    net: dict | None = None
    """Gross and net jobs since the fork, B against A (see :func:`.net.net_panel`)."""
    lang: str = "en"
    """The language of its texts (see :mod:`ptce_sim.runs.i18n`)."""
    deliberation: dict | None = None
    """The CBE colleges' decisions per year and the SCICs' reserves (first branch)."""
    institutions: dict | None = None
    """The shared site and the FJT, year by year (see :func:`institutions_option`)."""


def run_status(session: Session) -> str:
    """Where the run stands: not started, at month N of M, or ended (call under its lock)."""
    model = session.model
    if model.month_index == 0:
        return _("ready to start")
    if not session.running:
        return _("end of the run")
    return _("month {month} of {months}").format(month=model.month_index, months=model.spec.months)


def build_view(session: Session) -> View:
    """The view of a session (under its lock, so no step happens meanwhile), in its language."""
    with session.lock, using(session.lang):
        branches = session.branches
        model = branches[0].model
        fork = session.fork_month
        status = run_status(session)
        target = session.target()
        levers = {key: target.switch(key) for key in SWITCHES}
        levers["intensity"] = target.intensity
        for item in FUNDING_LEVERS:
            levers[item] = target.funding.get(item, 1.0)

        def titled(branch: Branch, what: str) -> str:
            prefix = {"A": _("A (as is)"), "B": _("B (variant)")}.get(branch.label)
            return f"{prefix}: {what}" if prefix else what[0].upper() + what[1:]

        compare = session.compare and fork is not None
        return View(
            date=shown_date(model),
            year=_year_of(model),
            status=status,
            month_index=model.month_index,
            months_total=model.spec.months,
            compare=compare,
            fork_date=session.fork_date(),
            jobs=(
                compare_option(
                    branches, "employed", _("Jobs: A vs B"), _("jobs (persons employed)"), fork
                )
                if compare
                else jobs_option(model)
            ),
            unemployment=(
                compare_option(
                    branches, "unemployed", _("Unemployed: A vs B"), _("unemployed"), fork
                )
                if compare
                else None
            ),
            difference=difference_option(branches, fork) if compare else None,
            mechanisms=(
                mechanisms_compare_option(branches, fork) if compare else mechanisms_option(model)
            ),
            structures=[
                structures_option(b.model, titled(b, _("the pole's structures: headcount")))
                for b in branches
            ],
            networks=[
                network_option(b, titled(b, _("the cooperation network")), playing=session.playing)
                for b in branches
            ],
            resilience=resilience_option(branches),
            resilience_text=[resilience_summary(b.model) for b in branches],
            table=figure_table(branches),
            levers=levers,
            lever_target=target.label,
            sectors=session.sectors(),
            authorities=session.authorities(),
            live_events=session.live_event_lines(),
            message=session.message,
            net=(
                live_panel(model, branches[1].model, fork, playing=session.playing)
                if compare
                else None
            ),
            lang=session.lang,
            deliberation=deliberation_option(
                model,
                _base(_("The CBE's colleges: projects decided"), _year_of(model)),
                _axis,
                {
                    "accepted": GREEN,
                    "refused": VERMILLION,
                    "lapsed": GREY,
                    "activities": ORANGE,
                    "reserves": BLUE,
                },
            ),
            institutions=institutions_option(model),
        )
