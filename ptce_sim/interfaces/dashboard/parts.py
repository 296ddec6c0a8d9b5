"""The page's parts that show the simulation: styles, ECharts figures, the date, the charts.

The controls and the session's life are in :mod:`.app`; the charts' data in :mod:`.charts`.
"""

from __future__ import annotations

import html
from pathlib import Path

import solara
import solara.components.echarts
import traitlets

from ptce_sim.interfaces.dashboard.charts import View, build_view, run_status
from ptce_sim.interfaces.dashboard.room import room_full_body
from ptce_sim.interfaces.dashboard.session import Session, shown_date
from ptce_sim.runs.i18n import BROWSER_LOCALES, N_, _, language, using

CSS = """
.v-application, .v-application .v-label, .v-application .v-input { font-size: 18px !important; }
.v-application .v-input--switch { margin-top: 0 !important; }
.v-application .v-input--switch .v-input__slot { margin-bottom: 0 !important; }
.ptce-date { font-size: 56px; font-weight: 800; line-height: 1.05; color: #222; }
.ptce-status { font-size: 20px; color: #555; }
.ptce-controls .v-btn { font-size: 20px !important; height: 48px !important;
                        min-width: 104px !important; text-transform: none !important; }
.ptce-side .v-btn { font-size: 17px !important; text-transform: none !important; }
.ptce-side .v-card__title { font-size: 22px !important; padding-bottom: 4px !important; }
.ptce-table { border-collapse: collapse; margin: 8px 0; }
.ptce-table th, .ptce-table td { font-size: 21px; padding: 4px 14px; text-align: right; }
.ptce-table th:first-child, .ptce-table td:first-child { text-align: left; }
.ptce-table tr:nth-child(even) td { background: #f1f1f1; }
.ptce-resilience { font-size: 20px; line-height: 1.45; margin: 4px 0 8px 0; }
.ptce-resilience b { font-size: 25px; }
.ptce-events { font-size: 17px; color: #444; }
.ptce-message { font-size: 19px; color: #0072B2; }
.ptce-net { display: flex; flex-wrap: wrap; gap: 8px 48px; align-items: flex-start; }
.ptce-net h3 { font-size: 24px; margin: 4px 0; width: 100%; }
.ptce-net .ptce-table td { font-size: 24px; }
.ptce-net .ptce-table td:last-child { font-size: 32px; font-weight: 800; }
.ptce-net .ptce-table tr.ptce-net-total td { border-top: 3px solid #222; color: #0072B2; }
.ptce-net-notes { font-size: 17px; color: #444; width: 100%; }
.ptce-glossary { font-size: 17px; color: #444; }
.ptce-glossary abbr { margin-right: 14px; cursor: help; text-decoration: underline dotted; }
"""

GLOSSARY = (
    (
        "PTCE",
        N_(
            "Pôle territorial de coopération économique: firms, social-economy structures, "
            "local authorities and training bodies of one territory cooperating on jobs."
        ),
    ),
    (
        "GE",
        N_(
            "Groupement d'employeurs: firms that employ workers together and share them, "
            "each part-time."
        ),
    ),
    (
        "GEIQ",
        N_(
            "Groupement d'employeurs pour l'insertion et la qualification: an employer group "
            "that hires job seekers on work-study contracts and trains them for its members."
        ),
    ),
    (
        "SCIC",
        N_(
            "Société coopérative d'intérêt collectif: a cooperative whose members include its "
            "employees, its users, firms and local authorities."
        ),
    ),
    (
        "CAE",
        N_(
            "Coopérative d'activité et d'emploi: project holders test and run their business "
            "as employees of a cooperative."
        ),
    ),
    (
        "PLIE",
        N_(
            "Plan local pour l'insertion et l'emploi: a local programme that follows long-term "
            "job seekers into work, funded mostly by the European Social Fund."
        ),
    ),
    (
        "IAE",
        N_(
            "Insertion par l'activité économique: subsidised insertion posts, with support, "
            "for people far from employment."
        ),
    ),
    (
        "chantier d'insertion",
        N_(
            "Atelier et chantier d'insertion: a work-integration structure offering fixed-term "
            "insertion posts on useful work, with social support."
        ),
    ),
    (
        "mutualisation",
        N_("Pooling: the pole's members share jobs, equipment, cash or services."),
    ),
)
"""The field's French terms, used as such in both languages, with their hover definitions."""


def glossary_html() -> str:
    """The glossary line: each term, its definition shown on hover (language in force)."""
    terms = "".join(
        f'<abbr title="{html.escape(_(definition))}">{html.escape(term)}</abbr>'
        for term, definition in GLOSSARY
    )
    return f"<span>{html.escape(_('Glossary (hover a term):'))}</span> {terms}"


def _table_html(view: View) -> str:
    header = ["", "A", "B", "B − A"] if view.compare else ["", _("now")]
    rows = ["<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    rows += [
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in view.table
    ]
    return '<table class="ptce-table">' + "".join(rows) + "</table>"


def _rows_html(rows: list[list[str]], header: list[str] | None = None, last: str = "") -> str:
    """A ``ptce-table``: an optional header row, then ``rows``; the last row classed ``last``."""
    lines = []
    if header:
        lines.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    for index, row in enumerate(rows):
        css = f' class="{last}"' if last and index == len(rows) - 1 else ""
        cells = "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
        lines.append(f"<tr{css}>{cells}</tr>")
    return '<table class="ptce-table">' + "".join(lines) + "</table>"


def _net_html(panel: dict) -> str:
    """Gross to net jobs since the fork, the extra public money by funder, the notes."""
    notes = "".join(f"<div>{html.escape(note)}</div>" for note in panel["notes"])
    return (
        f"<h3>{html.escape(panel['title'])}</h3>"
        + _rows_html(panel["lines"], last="ptce-net-total")
        + "<div><b>"
        + html.escape(panel["money_title"])
        + "</b>"
        + _rows_html(panel["money"], panel["money_header"], last="ptce-net-total")
        + "</div>"
        + f'<div class="ptce-net-notes">{notes}</div>'
    )


def _resilience_html(view: View) -> str:
    parts = []
    for label, summary in zip(
        ("A", "B") if view.compare else ("",), view.resilience_text, strict=True
    ):
        who = f"{label}: " if label else ""
        if summary is None:
            parts.append(f"<div>{who}{html.escape(_('No shock yet.'))}</div>")
            continue
        text = {k: html.escape(str(v)) for k, v in summary.items()}
        sentence = html.escape(
            _(
                "Latest shock: {name} ({date}). Jobs lost {drop}, resistance {resistance}, "
                "recovered in {recovery}."
            )
        )
        bold = {k: f"<b>{text[k]}</b>" for k in ("drop", "resistance", "recovery")}
        parts.append(f"<div>{who}{sentence.format(**{**text, **bold})}</div>")
    return "".join(parts)


LOCALISE_JS = """
    ptceLocalised(option) {
      const locale = option && option.ptceLocale;
      if (!locale) return option;
      const copy = Object.assign({}, option);
      delete copy.ptceLocale;
      const format = (v) => (typeof v === "number" ? v.toLocaleString(locale) : v);
      for (const key of ["xAxis", "yAxis"]) {
        const axes = copy[key];
        if (!axes) continue;
        const list = Array.isArray(axes) ? axes : [axes];
        const done = list.map((axis) => {
          const type = axis.type || (key === "yAxis" ? "value" : "category");
          if (type !== "value" || (axis.axisLabel && axis.axisLabel.formatter)) return axis;
          const label = Object.assign({}, axis.axisLabel, { formatter: format });
          return Object.assign({}, axis, { axisLabel: label });
        });
        copy[key] = Array.isArray(axes) ? done : done[0];
      }
      if (copy.tooltip && !copy.tooltip.formatter && !copy.tooltip.valueFormatter) {
        copy.tooltip = Object.assign({}, copy.tooltip, { valueFormatter: format });
      }
      return copy;
    },"""
"""A method of the chart's template: numbers on value axes and in tooltips written as the page's
language writes them ("10 000" in French, "10,000" in English), from the option's
``ptceLocale`` (ECharts itself always writes "10,000")."""


def _echarts_template() -> str | None:
    """Solara's ECharts template, with the minified ECharts and numbers in the page's language.

    The minified ECharts is 1 MB instead of 3.3 MB; numbers: :data:`LOCALISE_JS`.

    None (Solara's own template) if this Solara's template does not have the lines it changes.
    """
    source = Path(solara.components.echarts.__file__).with_name("echarts.vue")
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return None
    set_option = "this.chart.setOption(this.option, true);"
    if "/dist/echarts.js" not in text or set_option not in text or "methods: {" not in text:
        return None
    return (
        text.replace("/dist/echarts.js", "/dist/echarts.min.js")
        .replace(set_option, "this.chart.setOption(this.ptceLocalised(this.option), true);")
        .replace("methods: {", "methods: {" + LOCALISE_JS, 1)
    )


ECHARTS_TEMPLATE = _echarts_template()


class Option:
    """An ECharts option handed to the widget as one opaque value.

    Reacton walks every list and dict of an element's arguments, in Python, looking for child
    elements; an option holds thousands of points, so walking it cost most of a frame. Wrapped,
    it is compared (by the dicts' C-level ``==``) and sent to the browser as it is.
    """

    __slots__ = ("data",)

    def __init__(self, data: dict) -> None:
        self.data = data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Option) and self.data == other.data

    __hash__ = None  # type: ignore[assignment]


def _option_to_json(value, widget) -> dict:
    return value.data if isinstance(value, Option) else value


class EchartsFigure(solara.components.echarts.EchartsWidget):
    """Solara's ECharts widget, taking an :class:`Option`."""

    option = traitlets.Any({}).tag(sync=True, to_json=_option_to_json)


def Chart(option: dict, name: str, height: int = 420):
    """An ECharts figure (drawn in the browser), tagged ``data-chart=name`` for the tests.

    Its numbers are written in the language in force.

    A plain function, not a component: the option goes straight into the widget, wrapped, so
    that reacton never walks it (see :class:`Option`).
    """
    extra = {} if ECHARTS_TEMPLATE is None else {"template": ECHARTS_TEMPLATE}
    return EchartsFigure.element(
        option=Option({**option, "ptceLocale": BROWSER_LOCALES[language()]}),
        attributes={"style": f"height: {height}px; width: 100%;", "data-chart": name},
        responsive=True,
        on_click=None,
        on_mouseover=None,
        on_mouseover_enabled=False,
        on_mouseout=None,
        on_mouseout_enabled=False,
        maps={},
        **extra,
    )


@solara.component
def LiveDate(session: Session, frame: solara.Reactive[int]):
    """The current date in big and the run's progress (redrawn every frame)."""
    _redraw = frame.value
    with session.lock, using(session.lang):
        date = shown_date(session.model)
        status = run_status(session)
    with solara.Column(gap="0px", style={"min-width": "380px"}):
        solara.Text(date, classes=["ptce-date"])
        solara.Text(status, classes=["ptce-status"])


@solara.component
def Charts(session: Session, frame: solara.Reactive[int], controls: solara.Reactive[int]):
    """Every chart (redrawn every frame)."""
    _redraw = frame.value, controls.value
    view = build_view(session)
    with using(view.lang):
        _draw_charts(view)


def _draw_charts(view: View) -> None:
    """The charts of a view, and its texts (in the language in force)."""
    if not view.compare:
        Chart(view.jobs, "jobs", 440)
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(view.mechanisms, "mechanisms", 440)
            Chart(view.structures[0], "structures", 440)
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(view.networks[0], "network", 600)
            with solara.Column(gap="0px"):
                Chart(view.resilience, "resilience", 330)
                solara.HTML(unsafe_innerHTML=_resilience_html(view), classes=["ptce-resilience"])
                solara.HTML(unsafe_innerHTML=_table_html(view), classes=["ptce-figures"])
        Chart(view.deliberation, "deliberation", 400)
        Chart(view.institutions, "institutions", 380)
    else:
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(view.jobs, "jobs", 420)
            Chart(view.unemployment, "unemployment", 420)
        if view.net is not None:
            solara.HTML(unsafe_innerHTML=_net_html(view.net), classes=["ptce-net"])
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(view.difference, "difference", 420)
            with solara.Column(gap="0px"):
                solara.HTML(unsafe_innerHTML=_table_html(view), classes=["ptce-figures"])
                Chart(view.mechanisms, "mechanisms", 300)
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(view.networks[0], "network", 540)
            Chart(view.networks[1], "network-b", 540)
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(view.structures[0], "structures", 420)
            Chart(view.structures[1], "structures-b", 420)
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(view.resilience, "resilience", 360)
            solara.HTML(unsafe_innerHTML=_resilience_html(view), classes=["ptce-resilience"])


@solara.component
def RoomFull(cap: int, idle_s: float, accept_language: str | None = None):
    """The room-full message (French and English), for a page beyond the session cap."""
    solara.Title("PTCE dashboard")
    solara.HTML(
        unsafe_innerHTML=room_full_body(cap, idle_s, accept_language),
        style={"font-size": "22px", "max-width": "46em", "margin": "3em auto"},
    )
