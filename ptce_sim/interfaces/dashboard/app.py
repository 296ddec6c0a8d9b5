"""The live dashboard (Solara page): play the pole, shock it, fork it and compare the branches.

Serve it with ``ptce-sim dashboard`` or ``make dashboard`` (see :func:`ptce_sim.interfaces.dashboard.serve`),
or ``solara run ptce_sim/interfaces/dashboard/app.py``. Nothing is built at import time: each browser session
creates its own :class:`~ptce_sim.interfaces.dashboard.session.Session` inside the page component
(``use_memo``), so one visitor's actions never reach another's.

While playing, a thread of the session (``use_task``) steps the model and bumps ``frame``; only
the components that show the simulation (the date and the charts) read ``frame`` and are redrawn,
the controls are redrawn when ``controls`` is bumped (by a click). A frame is the
:class:`~ptce_sim.interfaces.dashboard.charts.View` of the session, drawn by ECharts in the browser.
"""

from __future__ import annotations

import html
import logging
import time
from pathlib import Path

import solara
import solara.components.echarts
import solara.lab
import traitlets

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.interfaces.dashboard.charts import View, build_view
from ptce_sim.interfaces.dashboard.session import (
    FUNDING_LEVERS,
    SCALES,
    SWITCHES,
    Session,
    list_scenarios,
    plan_frame,
    release_heap,
    settle_heap,
    settle_heap_if_released,
    shown_date,
)

logger = logging.getLogger(__name__)

MAX_SPEED = 30
"""Fastest play speed offered, in months per second."""
MAX_FPS = 10
"""Frames drawn per second at most while playing one run..."""
COMPARE_MAX_FPS = 5
"""... and two branches (twice the charts for the browser to draw)."""
ALL_AUTHORITIES = "All authorities"

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
"""


def _page_watch():
    """A function telling whether a page of this session is still connected to the server.

    Always True where Solara's kernel context cannot be read (e.g. outside a server).
    """
    try:
        from solara.server.kernel_context import PageStatus, get_current_context

        context = get_current_context()
        context.page_status.values()  # noqa: B018 - fails early if the API changed
    except Exception:
        return lambda: True

    def connected() -> bool:
        return PageStatus.CONNECTED in tuple(context.page_status.values())

    return connected


def _new_session() -> Session:
    session = Session()
    settle_heap(collect=False)  # nothing dropped yet: no need for a (slow) full collection
    return session


def _table_html(view: View) -> str:
    header = ["", "A", "B", "B − A"] if view.compare else ["", "now"]
    rows = ["<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    rows += [
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in view.table
    ]
    return '<table class="ptce-table">' + "".join(rows) + "</table>"


def _resilience_html(view: View) -> str:
    parts = []
    for label, summary in zip(
        ("A", "B") if view.compare else ("",), view.resilience_text, strict=True
    ):
        who = f"{label}: " if label else ""
        if summary is None:
            parts.append(f"<div>{who}No shock yet.</div>")
            continue
        text = {k: html.escape(str(v)) for k, v in summary.items()}
        parts.append(
            f"<div>{who}Latest shock: {text['name']} ({text['date']}). "
            f"Jobs lost <b>{text['drop']}</b>, resistance <b>{text['resistance']}</b>, "
            f"recovered in <b>{text['recovery']}</b>.</div>"
        )
    return "".join(parts)


def _echarts_template() -> str | None:
    """Solara's ECharts template, loading the minified ECharts (1 MB instead of 3.3 MB).

    None (Solara's own template) if this Solara's template does not load ``dist/echarts.js``.
    """
    source = Path(solara.components.echarts.__file__).with_name("echarts.vue")
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return None
    return (
        text.replace("/dist/echarts.js", "/dist/echarts.min.js")
        if "/dist/echarts.js" in text
        else None
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

    A plain function, not a component: the option goes straight into the widget, wrapped, so
    that reacton never walks it (see :class:`Option`).
    """
    extra = {} if ECHARTS_TEMPLATE is None else {"template": ECHARTS_TEMPLATE}
    return EchartsFigure.element(
        option=Option(option),
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
    _ = frame.value
    with session.lock:
        date = shown_date(session.model)
        model = session.model
        if model.month_index == 0:
            status = "ready to start"
        elif not session.running:
            status = "end of the run"
        else:
            status = f"month {model.month_index} of {model.spec.months}"
    with solara.Column(gap="0px", style={"min-width": "380px"}):
        solara.Text(date, classes=["ptce-date"])
        solara.Text(status, classes=["ptce-status"])


@solara.component
def Charts(session: Session, frame: solara.Reactive[int], controls: solara.Reactive[int]):
    """Every chart (redrawn every frame)."""
    _ = frame.value, controls.value
    view = build_view(session)
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
    else:
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(view.jobs, "jobs", 420)
            Chart(view.unemployment, "unemployment", 420)
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
def Page():
    """The dashboard."""
    session: Session = solara.use_memo(_new_session, [])
    frame = solara.use_reactive(0)  # bumped by every change of the simulation
    controls = solara.use_reactive(0)  # bumped by every click (levers, events, branches)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(10)
    error = solara.use_reactive("")
    sector = solara.use_reactive("")
    closure_jobs = solara.use_reactive(300)
    depth = solara.use_reactive(10)
    authority = solara.use_reactive(ALL_AUTHORITIES)
    cut_share = solara.use_reactive(30)
    _ = controls.value

    def act(action, *, settle: bool = False, stop: bool = False):
        """A handler: run ``action``, show a refusal as a message, then redraw everything."""

        def handler(*args) -> None:
            if stop:
                playing.set(False)
            try:
                action(*args)
            except (ValueError, ScenarioError) as exc:
                error.set(str(exc))
            else:
                error.set("")
            if settle:
                settle_heap()
            frame.set(frame.value + 1)
            controls.set(controls.value + 1)

        return handler

    def play_loop() -> None:
        if not playing.value:
            return
        settle_heap_if_released()
        generation = session.generation
        connected = _page_watch()
        last_frame_s = 0.0
        while playing.value and session.generation == generation:
            if not connected():  # the page was closed or lost: stop, do not play for nobody
                playing.set(False)
                break
            max_fps = COMPARE_MAX_FPS if session.compare else MAX_FPS
            steps, interval = plan_frame(speed.value, max_fps, last_frame_s)
            start = time.perf_counter()
            try:
                session.step(steps, generation=generation)
            except Exception as exc:  # a failing model must stop the play, visibly
                logger.exception("the simulation failed while playing")
                error.set(f"The simulation stopped: {type(exc).__name__}: {exc}")
                playing.set(False)
                break
            frame.set(frame.value + 1)  # the frame is drawn now, in this thread
            if not session.running:
                playing.set(False)
                controls.set(controls.value + 1)
                break
            last_frame_s = time.perf_counter() - start
            time.sleep(max(0.0, interval - last_frame_s))

    def open_scenario(name: str) -> None:
        session.reset(scenario_name=name)
        sector.set("")  # the new scenario may have other sectors and authorities
        authority.set(ALL_AUTHORITIES)

    solara.lab.use_task(play_loop, dependencies=[playing.value])
    # when the page closes, its models must be collectable again (see settle_heap)
    solara.use_effect(lambda: release_heap, [])

    with session.lock:
        running = session.running
        compare = session.compare
        target = session.target()
        levers = {key: target.switch(key) for key in SWITCHES}
        intensity = target.intensity
        funding = {item: target.funding.get(item, 1.0) for item in FUNDING_LEVERS}
        target_label = target.label
        sectors, authorities = session.sectors(), session.authorities()
        live_events = session.live_event_lines()
        message = session.message
        fork_date = session.fork_date()
    scenarios = list(list_scenarios(session.directory))
    busy = playing.value

    solara.Title("PTCE live dashboard")
    solara.Style(CSS)
    with solara.Column(gap="8px", style={"padding": "8px 16px"}):
        # -- header: the date in big, the run controls
        with solara.Row(gap="28px", style={"align-items": "center", "flex-wrap": "wrap"}):
            LiveDate(session, frame)
            with solara.Row(gap="10px", classes=["ptce-controls"], style={"align-items": "center"}):
                solara.Button(
                    "Play",
                    icon_name="mdi-play",
                    color="primary",
                    on_click=lambda: playing.set(True),
                    disabled=busy or not running,
                )
                solara.Button(
                    "Pause",
                    icon_name="mdi-pause",
                    color="primary",
                    on_click=lambda: playing.set(False),
                    disabled=not busy,
                )
                solara.Button(
                    "Step",
                    icon_name="mdi-step-forward",
                    outlined=True,
                    on_click=act(lambda: session.step(1)),
                    disabled=busy or not running,
                )
                solara.Button(
                    "+1 year",
                    outlined=True,
                    on_click=act(lambda: session.step(12)),
                    disabled=busy or not running,
                )
                solara.Button(
                    "Reset",
                    icon_name="mdi-restart",
                    outlined=True,
                    color="error",
                    on_click=act(session.reset, settle=True, stop=True),
                )
            with solara.Div(style={"width": "300px"}):
                solara.SliderInt(
                    f"Speed: {speed.value} months/s", value=speed, min=1, max=MAX_SPEED
                )
            with solara.Row(gap="12px", style={"align-items": "center"}):
                solara.Select(
                    "Scenario",
                    values=scenarios,
                    value=session.scenario_name,
                    on_value=act(open_scenario, settle=True, stop=True),
                    style={"min-width": "250px"},
                )
                solara.InputInt(
                    "Seed",
                    value=session.seed,
                    on_value=act(lambda seed: session.reset(seed=seed), settle=True, stop=True),
                    style={"max-width": "100px"},
                )
                solara.Select(
                    "Scale",
                    values=list(SCALES),
                    value=session.scale,
                    on_value=act(lambda scale: session.reset(scale=scale), settle=True, stop=True),
                    style={"max-width": "100px"},
                )
        if error.value:
            solara.Error(error.value)
        if message:
            solara.Text(message, classes=["ptce-message"])

        with solara.Columns([1, 3], gutters_dense=True):
            # -- side: levers, events, branches
            with solara.Column(classes=["ptce-side"], gap="8px"):
                title = f"Levers (branch {target_label})" if compare else "Levers"
                with solara.Card(title, margin=0):
                    if compare:
                        solara.ToggleButtonsSingle(
                            value=target_label,
                            values=["A", "B"],
                            on_value=act(lambda label: session.set_lever_target("AB".index(label))),
                        )
                    solara.SliderFloat(
                        f"Cooperation intensity ×{intensity:.1f}",
                        value=intensity,
                        min=0.0,
                        max=2.0,
                        step=0.1,
                        on_value=act(session.set_intensity),
                    )
                    for key, (_, label) in SWITCHES.items():
                        solara.Switch(
                            label=label,
                            value=levers[key],
                            on_value=act(lambda on, key=key: session.set_switch(key, on)),
                        )
                    for item, label in FUNDING_LEVERS.items():
                        solara.SliderFloat(
                            f"{label} ×{funding[item]:.1f}",
                            value=funding[item],
                            min=0.0,
                            max=2.0,
                            step=0.1,
                            on_value=act(lambda level, item=item: session.set_funding(item, level)),
                        )
                with solara.Card("Events now", margin=0):
                    solara.Select(
                        "Sector (closure, downturn)",
                        values=["All sectors", *sectors],
                        value=sector.value or "All sectors",
                        on_value=lambda v: sector.set("" if v == "All sectors" else v),
                    )
                    solara.SliderInt(
                        f"Closure: {closure_jobs.value} jobs",
                        value=closure_jobs,
                        min=50,
                        max=1000,
                        step=50,
                    )
                    solara.Button(
                        "Plant closure",
                        color="warning",
                        disabled=not running,
                        on_click=act(
                            lambda: session.plant_closure(sector.value or None, closure_jobs.value)
                        ),
                    )
                    solara.SliderInt(
                        f"Downturn: −{depth.value} %", value=depth, min=5, max=40, step=5
                    )
                    solara.Button(
                        "Sector downturn",
                        color="warning",
                        disabled=not running,
                        on_click=act(
                            lambda: session.sector_downturn(
                                [sector.value] if sector.value else None, depth.value / 100
                            )
                        ),
                    )
                    solara.Select(
                        "Authority",
                        values=[ALL_AUTHORITIES, *authorities],
                        value=authority.value,
                        on_value=authority.set,
                    )
                    solara.SliderInt(
                        f"Cut: −{cut_share.value} %", value=cut_share, min=10, max=100, step=10
                    )
                    solara.Button(
                        "Funding cut",
                        color="warning",
                        disabled=not running,
                        on_click=act(
                            lambda: session.funding_cut(
                                None if authority.value == ALL_AUTHORITIES else authority.value,
                                cut_share.value / 100,
                            )
                        ),
                    )
                    if live_events:
                        with solara.Div(classes=["ptce-events"]):
                            for line in live_events[-6:]:
                                solara.Text(line)
                with solara.Card("Branch and compare", margin=0):
                    if not compare:
                        solara.Text(
                            "Fork the run in two: same state, same random stream. "
                            "The levers then act on branch B."
                        )
                        with solara.Row(style={"flex-wrap": "wrap"}):
                            solara.Button(
                                "Fork",
                                icon_name="mdi-source-fork",
                                color="primary",
                                on_click=act(session.fork, settle=True),
                            )
                            solara.Button(
                                "Fork without cooperation",
                                outlined=True,
                                on_click=act(
                                    lambda: session.fork(cooperation_off=True), settle=True
                                ),
                            )
                    else:
                        solara.Text(f"Forked in {fork_date}. A: as is. B: the variant.")
                        solara.Button(
                            "Switch off cooperation in B",
                            outlined=True,
                            on_click=act(lambda: session.switch_off_cooperation(1)),
                        )
                        with solara.Row():
                            solara.Button(
                                "Keep A",
                                outlined=True,
                                on_click=act(lambda: session.keep(0), settle=True),
                            )
                            solara.Button(
                                "Keep B",
                                outlined=True,
                                on_click=act(lambda: session.keep(1), settle=True),
                            )

            # -- main: the charts
            with solara.Column(gap="8px"):
                Charts(session, frame, controls)
