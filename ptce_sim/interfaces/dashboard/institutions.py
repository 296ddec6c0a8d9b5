"""The pole's institutions on the dashboard: the CBE's colleges and their decisions.

:func:`college_nodes` adds the CBE's four colleges around the animator in the network view;
:func:`deliberation_option` draws the projects the colleges accepted, refused or let lapse each
year, the new activities the SCICs' own colleges decided, and the SCICs' indivisible reserves
(ODD 7.16 and 7.17).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ptce_sim.runs.i18n import N_, _

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel

COLLEGE_NAMES = {
    "authorities": N_("College: local authorities"),
    "employers": N_("College: employers"),
    "unions": N_("College: employees' unions"),
    "civil_society": N_("College: civil society"),
}
"""The CBE's colleges as the network view names them."""
OUTCOMES = (
    ("accepted", N_("Accepted")),
    ("refused", N_("Refused")),
    ("lapsed", N_("Accepted, lapsed unfunded")),
)
"""The colleges' decisions drawn, by key of ``Deliberation.year_counts``."""


def college_nodes(
    model: PtceModel, positions: dict[int, tuple[float, float]], category: int
) -> tuple[list[dict], list[dict]]:
    """Nodes and links of the CBE's colleges, around the animator once it exists (none before).

    Each college's node shows its weight in the statutes' vote; ``category`` is the index of the
    colleges' category in the network chart.
    """
    animator = model.pole.animator()
    if animator is None or animator.org not in positions:
        return [], []
    x, y = positions[animator.org]
    colleges = model.spec.deliberation.colleges
    nodes, links = [], []
    for k, college in enumerate(colleges):
        angle = 2 * math.pi * k / len(colleges)
        name = _(COLLEGE_NAMES[college.name])
        nodes.append(
            {
                "id": f"college:{college.name}",
                "name": f"{name} ({college.weight:.0%})",
                "x": round((x + 0.12 * math.cos(angle)) * 500),
                "y": round((y + 0.12 * math.sin(angle)) * 500),
                "value": college.weight,
                "symbol": "roundRect",
                "symbolSize": 14,
                "category": category,
            }
        )
        links.append(
            {
                "source": f"college:{college.name}",
                "target": str(animator.org),
                "lineStyle": {"width": 1, "opacity": 0.6, "type": "dashed"},
            }
        )
    return nodes, links


def deliberation_option(model: PtceModel, base: dict, axis, colours: dict[str, str]) -> dict:
    """The colleges' decisions each year: CBE projects, SCIC activities (bars), SCIC reserves.

    ``base`` is the chart's common frame, ``axis(name, **extra)`` an axis in the house style,
    ``colours`` the colour of each outcome and of the reserves.
    """
    run = model.spec.run
    years = list(range(run.start_year, run.end_year + 1))
    done = {int(r["year"]): r for r in model.recorder.rows("territory")}
    current = model.deliberation.year_counts(model.year)
    option = base
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    option["grid"]["top"] = 140
    option["xAxis"] = axis(
        _("year"),
        type="category",
        data=[str(y) for y in years],
        nameGap=36,
        axisLabel={"interval": 4},
    )
    option["yAxis"] = [
        axis(_("projects"), type="value", nameGap=40, minInterval=1),
        axis(_("SCIC reserves (k€)"), type="value", nameGap=56, position="right"),
    ]

    def count(year: int, key: str) -> int | None:
        if year in done:
            return int(done[year][f"projects_{key}"])
        return current[key] if year == model.year and model.month_index % 12 else None

    option["series"] = [
        {
            "name": _(name),
            "type": "bar",
            "stack": "projects",
            "color": colours[key],
            "data": [count(y, key) for y in years],
        }
        for key, name in OUTCOMES
    ]
    activities = model.legal_forms.activity_counts(model.year)

    def decided(year: int) -> int | None:
        if year in done:
            return int(done[year]["activities_decided"])
        return activities["decided"] if year == model.year else None

    option["series"].append(
        {
            "name": _("New SCIC activities (their colleges)"),
            "type": "bar",
            "stack": "activities",
            "color": colours["activities"],
            "data": [decided(y) for y in years],
        }
    )
    option["series"].append(
        {
            "name": _("SCIC reserves (k€)"),
            "type": "line",
            "yAxisIndex": 1,
            "color": colours["reserves"],
            "showSymbol": False,
            "data": [
                round(float(done[y]["scic_reserves_eur"]) / 1000.0, 1) if y in done else None
                for y in years
            ],
        }
    )
    return option
