"""The live dashboard (Solara page): play the pole, shock it, fork it and compare the branches.

Serve it with ``ptce-sim dashboard`` or ``make dashboard`` (see
:func:`ptce_sim.interfaces.dashboard.serve`), or
``solara run ptce_sim/interfaces/dashboard/app.py``. Nothing is built at import time: each browser
session creates its own :class:`~ptce_sim.interfaces.dashboard.session.Session` inside the page
component (``use_memo``), so one visitor's actions never reach another's.

While playing, a thread of the session (``use_task``) steps the model and bumps ``frame``; only
the components that show the simulation (the date and the charts) read ``frame`` and are redrawn,
the controls are redrawn when ``controls`` is bumped (by a click). A frame is the
:class:`~ptce_sim.interfaces.dashboard.charts.View` of the session, drawn by ECharts in the browser.
"""

from __future__ import annotations

import logging
import threading
import time

import solara
import solara.lab

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.interfaces.dashboard.funding_page import FundingPage, wants_funding
from ptce_sim.interfaces.dashboard.parts import (  # noqa: F401 - LiveDate, Charts: the page's API
    CSS,
    Charts,
    LiveDate,
    RoomFull,
    glossary_html,
)
from ptce_sim.interfaces.dashboard.room import ALONE_BUDGET_S, TURN_BUDGET_S, Seat, the_room
from ptce_sim.interfaces.dashboard.session import (
    FUNDING_LEVERS,
    SCALES,
    SWITCHES,
    Session,
    check_speed,
    list_scenarios,
    plan_frame,
    release_heap,
    settle_heap,
    settle_heap_if_released,
    shown_name,
)
from ptce_sim.runs.i18n import _, ngettext, number, percent, preferred, using

logger = logging.getLogger(__name__)

MAX_SPEED = 30
"""Fastest play speed offered, in months per second."""
MAX_FPS = 10
"""Frames drawn per second at most while playing one run..."""
COMPARE_MAX_FPS = 5
"""... and two branches (twice the charts for the browser to draw)."""
LANGUAGE_BUTTONS = {"FR": "fr", "EN": "en"}
"""The page's language switch: button -> language."""


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
    """A session in the language the browser prefers (French for a French browser)."""
    session = Session(lang=preferred(_accept_language()))
    settle_heap(collect=False)  # nothing dropped yet: no need for a (slow) full collection
    return session


def _closer():
    """A function that closes this page's Solara kernel (its session, its widgets)."""
    try:
        from solara.server.kernel_context import get_current_context

        context = get_current_context()
    except Exception:
        return lambda: None

    def close() -> None:
        # in a thread of its own: closing a kernel context drops the calling thread's context
        threading.Thread(target=context.close, kwargs={"reason": "idle"}, daemon=True).start()

    return close


def _take_seat() -> Seat | None:
    return the_room().admit(close=_closer(), connected=_page_watch())


def _accept_language() -> str | None:
    try:
        return (solara.lab.headers.value.get("accept-language") or [None])[0]
    except Exception:  # noqa: BLE001 - outside a server: no headers
        return None


@solara.component
def Page():
    """The live dashboard, or the funding scenarios' page (``?page=funding``).

    See :mod:`.funding_page`.
    """
    router = solara.use_router()
    if wants_funding(router.search):
        Funding()
        return
    Live()


@solara.component
def Funding():
    """The funding scenarios' page, in the browser's language first.

    It takes no seat: it runs no model in the page; its comparisons wait in the server's queue.
    """
    router = solara.use_router()
    lang = solara.use_reactive(solara.use_memo(lambda: preferred(_accept_language()), []))
    FundingPage(lang.value, lang.set, lambda: router.push(router.path))


@solara.component
def Live():
    """The dashboard, or the room-full message beyond the session cap (see :mod:`.room`)."""
    seat = solara.use_memo(_take_seat, [])
    if seat is None:
        settings = the_room().settings
        RoomFull(settings.max_sessions, settings.idle_s, _accept_language())
        return
    Dashboard(seat)


@solara.component
def Dashboard(seat: Seat):
    """The dashboard of one seated session."""
    session: Session = solara.use_memo(_new_session, [])
    router = solara.use_router()
    frame = solara.use_reactive(0)  # bumped by every change of the simulation
    controls = solara.use_reactive(0)  # bumped by every click (levers, events, branches)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(10)
    error = solara.use_reactive("")
    sector = solara.use_reactive("")
    closure_jobs = solara.use_reactive(300)
    depth = solara.use_reactive(10)
    authority = solara.use_reactive("")  # "": every authority
    cut_share = solara.use_reactive(30)
    _redraw = controls.value

    def act(action, *, settle: bool = False, stop: bool = False):
        """A handler: run ``action``, show a refusal as a message, then redraw everything."""

        def handler(*args) -> None:
            seat.touch()
            if stop:
                playing.set(False)
            try:
                action(*args)
            except (ValueError, ScenarioError) as exc:
                error.set(str(exc))
            except Exception as exc:  # a value no control should send: refuse it, stay usable
                logger.warning("refused %r: %s: %s", args, type(exc).__name__, exc)
                with using(session.lang):
                    error.set(_("Refused: {error}").format(error=f"{type(exc).__name__}: {exc}"))
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
        turns = the_room().turns
        last_frame_s = 0.0
        seat.playing = session.playing = True
        try:
            _play(generation, connected, turns, last_frame_s)
        finally:
            seat.playing = session.playing = False
            seat.touch()
            if connected():  # a last frame, every figure fresh (see net.live_panel)
                frame.set(frame.value + 1)

    def _play(generation, connected, turns, last_frame_s) -> None:
        while playing.value and session.generation == generation:
            if not connected():  # the page was closed or lost: stop, do not play for nobody
                playing.set(False)
                break
            max_fps = COMPARE_MAX_FPS if session.compare else MAX_FPS
            months_per_s = check_speed(speed.value, MAX_SPEED)
            steps, _seconds = plan_frame(months_per_s, max_fps, last_frame_s)
            start = time.perf_counter()
            try:
                with turns.turn():  # every playing session steps in its turn (see room.Turns)
                    stepping = time.perf_counter()
                    done = session.step(  # longer while nobody else waits (see room)
                        steps,
                        generation=generation,
                        budget_s=TURN_BUDGET_S,
                        others_waiting=turns.others_waiting,
                        alone_budget_s=ALONE_BUDGET_S,
                    )
                    stepping = time.perf_counter() - stepping
            except Exception as exc:  # a failing model must stop the play, visibly
                logger.exception("the simulation failed while playing")
                with using(session.lang):
                    stopped = _("The simulation stopped: {error}")
                error.set(stopped.format(error=f"{type(exc).__name__}: {exc}"))
                playing.set(False)
                break
            seat.frame(done, stepping)
            frame.set(frame.value + 1)  # the frame is drawn now, in this thread
            if not session.running:
                playing.set(False)
                controls.set(controls.value + 1)
                break
            last_frame_s = time.perf_counter() - start
            time.sleep(max(0.0, max(done, 1) / months_per_s - last_frame_s))

    def open_scenario(name: str) -> None:
        session.reset(scenario_name=name)
        sector.set("")  # the new scenario may have other sectors and authorities
        authority.set("")

    solara.lab.use_task(play_loop, dependencies=[playing.value])
    # when the page closes, its seat is free and its models collectable again (see settle_heap)
    solara.use_effect(lambda: lambda: (the_room().leave(seat), release_heap()), [])

    with session.lock, using(session.lang):
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
    with using(session.lang):  # every text of the page in the session's language
        all_sectors, all_authorities = _("All sectors"), _("All authorities")
        sector_names = {shown_name(name): name for name in sectors}  # shown -> scenario's
        authority_names = {shown_name(name): name for name in authorities}

        solara.Title(_("PTCE live dashboard"))
        solara.Style(CSS)
        with solara.Column(gap="8px", style={"padding": "8px 16px"}):
            # -- header: the date in big, the run controls
            with solara.Row(gap="28px", style={"align-items": "center", "flex-wrap": "wrap"}):
                LiveDate(session, frame)
                with solara.Row(
                    gap="10px", classes=["ptce-controls"], style={"align-items": "center"}
                ):
                    solara.Button(
                        _("Play"),
                        icon_name="mdi-play",
                        color="primary",
                        on_click=lambda: playing.set(True),
                        disabled=busy or not running,
                    )
                    solara.Button(
                        _("Pause"),
                        icon_name="mdi-pause",
                        color="primary",
                        on_click=lambda: playing.set(False),
                        disabled=not busy,
                    )
                    solara.Button(
                        _("Step"),
                        icon_name="mdi-step-forward",
                        outlined=True,
                        on_click=act(lambda: session.step(1)),
                        disabled=busy or not running,
                    )
                    solara.Button(
                        _("+1 year"),
                        outlined=True,
                        on_click=act(lambda: session.step(12)),
                        disabled=busy or not running,
                    )
                    solara.Button(
                        _("Reset"),
                        icon_name="mdi-restart",
                        outlined=True,
                        color="error",
                        on_click=act(session.reset, settle=True, stop=True),
                    )
                with solara.Div(style={"width": "300px"}):
                    solara.SliderInt(
                        _("Speed: {speed} months/s").format(speed=speed.value),
                        value=speed.value,
                        min=1,
                        max=MAX_SPEED,
                        on_value=act(
                            lambda v: speed.set(round(check_speed(v, MAX_SPEED, strict=True)))
                        ),
                    )
                with solara.Row(gap="12px", style={"align-items": "center"}):
                    solara.Select(
                        _("Scenario"),
                        values=scenarios,
                        value=session.scenario_name,
                        on_value=act(open_scenario, settle=True, stop=True),
                        style={"min-width": "250px"},
                    )
                    solara.InputInt(
                        _("Seed"),
                        value=session.seed,
                        on_value=act(lambda seed: session.reset(seed=seed), settle=True, stop=True),
                        style={"max-width": "100px"},
                    )
                    solara.Select(
                        _("Scale"),
                        values=list(SCALES),
                        value=session.scale,
                        on_value=act(
                            lambda scale: session.reset(scale=scale), settle=True, stop=True
                        ),
                        style={"max-width": "100px"},
                    )
                    solara.ToggleButtonsSingle(
                        value=session.lang.upper(),
                        values=list(LANGUAGE_BUTTONS),
                        on_value=act(lambda button: session.set_language(LANGUAGE_BUTTONS[button])),
                        classes=["ptce-language"],
                    )
                    solara.Button(
                        _("Funding scenarios"),
                        icon_name="mdi-cash-multiple",
                        outlined=True,
                        on_click=lambda: router.push(f"{router.path}?page=funding"),
                    )
            solara.HTML(unsafe_innerHTML=glossary_html(), classes=["ptce-glossary"])
            if error.value:
                solara.Error(error.value)
            if message:
                solara.Text(message, classes=["ptce-message"])

            with solara.Columns([1, 3], gutters_dense=True):
                # -- side: levers, events, branches
                with solara.Column(classes=["ptce-side"], gap="8px"):
                    title = (
                        _("Levers (branch {branch})").format(branch=target_label)
                        if compare
                        else _("Levers")
                    )
                    with solara.Card(title, margin=0):
                        if compare:
                            solara.ToggleButtonsSingle(
                                value=target_label,
                                values=["A", "B"],
                                on_value=act(
                                    lambda label: session.set_lever_target("AB".index(label))
                                ),
                            )
                        solara.SliderFloat(
                            _("Cooperation intensity ×{factor}").format(
                                factor=number(intensity, 1)
                            ),
                            value=intensity,
                            min=0.0,
                            max=2.0,
                            step=0.1,
                            on_value=act(session.set_intensity),
                        )
                        for key, (_path, label) in SWITCHES.items():
                            solara.Switch(
                                label=_(label),
                                value=levers[key],
                                on_value=act(lambda on, key=key: session.set_switch(key, on)),
                            )
                        for item, label in FUNDING_LEVERS.items():
                            solara.SliderFloat(
                                f"{_(label)} ×{number(funding[item], 1)}",
                                value=funding[item],
                                min=0.0,
                                max=2.0,
                                step=0.1,
                                on_value=act(
                                    lambda level, item=item: session.set_funding(item, level)
                                ),
                            )
                    with solara.Card(_("Events now"), margin=0):
                        solara.Select(
                            _("Sector (closure, downturn)"),
                            values=[all_sectors, *sector_names],
                            value=shown_name(sector.value) if sector.value else all_sectors,
                            on_value=lambda v: sector.set(sector_names.get(v, "")),
                        )
                        solara.SliderInt(
                            ngettext(
                                "Closure: {n} job", "Closure: {n} jobs", closure_jobs.value
                            ).format(n=closure_jobs.value),
                            value=closure_jobs,
                            min=50,
                            max=1000,
                            step=50,
                        )
                        solara.Button(
                            _("Plant closure"),
                            color="warning",
                            disabled=not running,
                            on_click=act(
                                lambda: session.plant_closure(
                                    sector.value or None, closure_jobs.value
                                )
                            ),
                        )
                        solara.SliderInt(
                            _("Downturn: −{share}").format(share=percent(depth.value / 100, 0)),
                            value=depth,
                            min=5,
                            max=40,
                            step=5,
                        )
                        solara.Button(
                            _("Sector downturn"),
                            color="warning",
                            disabled=not running,
                            on_click=act(
                                lambda: session.sector_downturn(
                                    [sector.value] if sector.value else None, depth.value / 100
                                )
                            ),
                        )
                        solara.Select(
                            _("Authority"),
                            values=[all_authorities, *authority_names],
                            value=shown_name(authority.value)
                            if authority.value
                            else all_authorities,
                            on_value=lambda v: authority.set(authority_names.get(v, "")),
                        )
                        solara.SliderInt(
                            _("Cut: −{share}").format(share=percent(cut_share.value / 100, 0)),
                            value=cut_share,
                            min=10,
                            max=100,
                            step=10,
                        )
                        solara.Button(
                            _("Funding cut"),
                            color="warning",
                            disabled=not running,
                            on_click=act(
                                lambda: session.funding_cut(
                                    authority.value or None,
                                    cut_share.value / 100,
                                )
                            ),
                        )
                        if live_events:
                            with solara.Div(classes=["ptce-events"]):
                                for line in live_events[-6:]:
                                    solara.Text(line)
                    with solara.Card(_("Branch and compare"), margin=0):
                        if not compare:
                            solara.Text(
                                _(
                                    "Fork the run in two: same state, same random stream. "
                                    "The levers then act on branch B."
                                )
                            )
                            with solara.Row(style={"flex-wrap": "wrap"}):
                                solara.Button(
                                    _("Fork"),
                                    icon_name="mdi-source-fork",
                                    color="primary",
                                    on_click=act(session.fork, settle=True),
                                )
                                solara.Button(
                                    _("Fork without cooperation"),
                                    outlined=True,
                                    on_click=act(
                                        lambda: session.fork(cooperation_off=True), settle=True
                                    ),
                                )
                        else:
                            solara.Text(
                                _("Forked in {month}. A: as is. B: the variant.").format(
                                    month=fork_date
                                )
                            )
                            solara.Button(
                                _("Switch off cooperation in B"),
                                outlined=True,
                                on_click=act(lambda: session.switch_off_cooperation(1)),
                            )
                            with solara.Row():
                                solara.Button(
                                    _("Keep A"),
                                    outlined=True,
                                    on_click=act(lambda: session.keep(0), settle=True),
                                )
                                solara.Button(
                                    _("Keep B"),
                                    outlined=True,
                                    on_click=act(lambda: session.keep(1), settle=True),
                                )

                # -- main: the charts
                with solara.Column(gap="8px"):
                    Charts(session, frame, controls)
