"""The room without a browser: bad values refused, the session cap, idle release, fair turns.

The same checks against a real server and Chromium are in ``test_dashboard_classroom.py``.
"""

from __future__ import annotations

import gc
import json
import struct
import threading
import time
import weakref

import pytest

from ptce_sim.interfaces.dashboard import room_env
from ptce_sim.interfaces.dashboard.room import (
    Room,
    RoomSettings,
    Turns,
    default_cap,
    languages,
    room_full_html,
    room_settings,
)
from ptce_sim.interfaces.dashboard.session import Session, check_speed, settle_heap

SCALE = 0.05


@pytest.fixture
def session() -> Session:
    """Session."""
    return Session(scale=SCALE)


# -- bad values: a clear message, the session unchanged and still usable ------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seed": 10**30}, "seed must be a whole number from 0 to"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"seed": "12; rm -rf /"}, "seed must be a whole number"),
        ({"seed": 1.5}, "seed must be a whole number"),
        ({"scale": 0}, "scale must be a number above 0 and at most 1"),
        ({"scale": -0.5}, "scale must be a number above 0"),
        ({"scale": float("nan")}, "scale must be a number above 0"),
        ({"scale": "big"}, "scale must be a number above 0"),
        ({"scale": 1e9}, "scale must be a number above 0 and at most 1"),
        ({"scenario_name": "../seignanx_1970_2015"}, "unknown scenario"),
        ({"scenario_name": "../../../etc/passwd"}, "unknown scenario"),
        ({"scenario_name": "/etc/passwd"}, "unknown scenario"),
        ({"scenario_name": ["seignanx_1970_2015"]}, "expected a scenario name"),
    ],
)
def test_a_bad_value_is_refused_clearly_and_the_run_goes_on(session, change, message):
    """A bad value is refused clearly and the run goes on."""
    session.step(3)
    model, seed, scale = session.model, session.seed, session.scale
    with pytest.raises(ValueError, match=message) as refused:
        session.reset(**change)
    assert len(str(refused.value)) < 300  # a message, not a dump
    assert session.model is model and session.seed == seed and session.scale == scale
    assert session.model.month_index == 3
    assert session.step(2) == 2 and session.model.month_index == 5


def test_the_largest_seed_accepted_runs(session):
    """The largest seed accepted runs."""
    session.reset(seed=2**63 - 1)
    assert session.seed == 2**63 - 1 and session.step(2) == 2


@pytest.mark.parametrize("speed", [-5, 0, 31, 1e30, float("nan"), "fast", None])
def test_a_bad_speed_is_refused_from_the_slider_and_bounded_in_the_play_loop(speed):
    """A bad speed is refused from the slider and bounded in the play loop."""
    with pytest.raises(ValueError, match="speed must be from 1 to 30 months a second"):
        check_speed(speed, 30, strict=True)
    assert 1.0 <= check_speed(speed, 30) <= 30.0
    assert check_speed(12, 30, strict=True) == 12.0


def test_stepping_stops_at_its_time_budget(session):
    """A frame's stepping begins no month after its budget (one month at least)."""
    assert session.step(12, budget_s=0.0) == 1
    assert session.step(12, budget_s=60.0) == 12


MONTH_S = 0.02
"""A month of the fake model below (the stepping rule's tests): 4 fit in TURN_BUDGET_S."""


def _timed_months(session: Session) -> list[tuple[float, float]]:
    """Make each month of ``session`` a sleep of MONTH_S; returns the list of (start, end) times."""
    times: list[tuple[float, float]] = []

    def month() -> None:
        start = time.perf_counter()
        time.sleep(MONTH_S)
        times.append((start, time.perf_counter()))

    session.model.step = month
    return times


def test_alone_a_turn_steps_past_the_budget_up_to_the_longer_cap(session):
    """Nobody waiting: past TURN_BUDGET_S it goes on, and begins no month past ALONE_BUDGET_S."""
    from ptce_sim.interfaces.dashboard.room import ALONE_BUDGET_S, TURN_BUDGET_S

    times, asked = _timed_months(session), []
    began = time.perf_counter()
    done = session.step(
        100,
        budget_s=TURN_BUDGET_S,
        others_waiting=lambda: asked.append(1) or False,
        alone_budget_s=ALONE_BUDGET_S,
    )
    assert done == len(times) and 1 < done < 100
    assert asked  # asked once past the short budget, month by month
    assert times[-1][1] - began > ALONE_BUDGET_S - 1e-3  # stopped at the cap...
    assert times[-1][0] - began <= ALONE_BUDGET_S + 5e-3  # ... no month begun past it
    assert times[-1][0] - began > TURN_BUDGET_S  # months begun past the short budget


def test_a_turn_ends_after_the_first_month_past_the_budget_once_someone_waits(session):
    """Someone waiting: the turn stops before the first month begun past TURN_BUDGET_S."""
    from ptce_sim.interfaces.dashboard.room import ALONE_BUDGET_S, TURN_BUDGET_S

    times = _timed_months(session)
    began = time.perf_counter()
    done = session.step(
        100,
        budget_s=TURN_BUDGET_S,
        others_waiting=lambda: True,
        alone_budget_s=ALONE_BUDGET_S,
    )
    assert done == len(times) >= 2
    assert times[-1][0] - began <= TURN_BUDGET_S + 5e-3  # the last month began within budget
    assert times[-1][1] - began > TURN_BUDGET_S - 1e-3  # and ended past it: no more after
    assert times[-1][1] - began < ALONE_BUDGET_S

    # someone queues after the sixth month (past the budget): the turn stops right then
    times.clear()
    began = time.perf_counter()
    done = session.step(
        100,
        budget_s=TURN_BUDGET_S,
        others_waiting=lambda: len(times) >= 6,
        alone_budget_s=60.0,
    )
    assert done == 6
    # without others_waiting the budget holds in any case (the step buttons, other callers)
    times.clear()
    assert session.step(100, budget_s=TURN_BUDGET_S) == len(times) < 6


def test_a_session_queuing_mid_turn_ends_the_long_turn_of_a_session_alone(session):
    """With the room's Turns: a long turn alone stops at the first month after a caller queues."""
    from ptce_sim.interfaces.dashboard.room import ALONE_BUDGET_S, TURN_BUDGET_S

    turns, queued, order = Turns(), threading.Event(), []
    times = _timed_months(session)
    step = session.model.step

    def month() -> None:
        step()
        if len(times) == 6:  # 120 ms: past the short budget, alone so far
            queued.set()

    session.model.step = month

    def other() -> None:
        queued.wait(5)
        with turns.turn():
            order.append(("other", len(times)))

    waiter = threading.Thread(target=other)
    waiter.start()
    with turns.turn():
        assert not turns.others_waiting()
        done = session.step(
            100,
            budget_s=TURN_BUDGET_S,
            others_waiting=turns.others_waiting,
            alone_budget_s=ALONE_BUDGET_S,
        )
        order.append(("first", done))
    waiter.join(5)
    assert not waiter.is_alive()
    assert order == [("first", done), ("other", done)]  # the other had its turn right after
    # six months alone (past 80 ms), then at most a month or two while the other thread queues
    assert 6 <= done <= 8, (done, times)
    assert done * MONTH_S < ALONE_BUDGET_S


# -- the websocket's messages ----------------------------------------------------------------------


def _server_module():
    pytest.importorskip("solara")
    from ptce_sim.interfaces.dashboard import server

    return server


GOOD = {
    "header": {"msg_id": "1", "msg_type": "comm_msg", "session": "s", "username": "", "date": ""},
    "parent_header": {},
    "metadata": {},
    "content": {"comm_id": "abc", "data": {"method": "custom", "content": {"event": "click"}}},
    "channel": "shell",
    "buffers": [],
}


def test_well_formed_messages_pass_the_check():
    """Well formed messages pass the check."""
    check = _server_module().check_message
    text = json.dumps(GOOD)
    assert check(text, None) is None
    part = text.encode()
    binary = struct.pack("<II", 1, 8) + part
    assert check(None, binary) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (json.dumps(GOOD)[:57], "not JSON"),
        ("", "not JSON"),
        ("[1, 2]", "a JSON list"),
        (json.dumps({**GOOD, "header": {}}), "no header.msg_type"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "content"}), "no content"),
        (json.dumps({**GOOD, "content": {"data": {}}}), "without comm_id"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "channel"}), "no channel"),
    ],
)
def test_malformed_text_messages_are_named(text, why):
    """Malformed text messages are named."""
    assert why in _server_module().check_message(text, None)


def test_truncated_binary_frames_are_named():
    """Truncated binary frames are named."""
    check = _server_module().check_message
    part = json.dumps(GOOD).encode()
    whole = struct.pack("<III", 2, 12, 12 + len(part)) + part + b"buffer"
    assert check(None, whole) is None
    assert "truncated" in check(None, whole[:6])
    assert "truncated" in check(None, struct.pack("<I", 500) + b"x" * 20)
    assert "beyond its end" in check(None, whole[: 12 + len(part) - 5])


def test_the_room_figures_answer_this_machine_only():
    """``/_ptce/room`` answers 127.0.0.1 and refuses any other client (ASGI, no network)."""
    import asyncio

    server = _server_module()
    door = server.RoomDoor(app=None)

    def ask(client: str) -> tuple[int, bytes]:
        sent = []

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/_ptce/room",
            "query_string": b"",
            "client": (client, 50000),
            "headers": [],
        }
        # in a thread of its own: Playwright's sync API may run an event loop in this one
        thread = threading.Thread(target=asyncio.run, args=(door(scope, None, send),))
        thread.start()
        thread.join(timeout=30)
        return sent[0]["status"], sent[1]["body"]

    status, body = ask("127.0.0.1")
    assert status == 200 and "max_sessions" in json.loads(body)
    assert ask("192.168.1.20")[0] == 403


# -- the room: cap, replacing a lost page, idle release --------------------------------------------


def _room(cap=2, idle_s=60.0) -> Room:
    return Room(RoomSettings(max_sessions=cap, idle_s=idle_s, reconnect_s=5.0))


def test_the_room_refuses_beyond_its_cap_and_frees_a_seat_on_leaving():
    """The room refuses beyond its cap and frees a seat on leaving."""
    room = _room(cap=2)
    closed = []
    first = room.admit(lambda: closed.append(1), lambda: True)
    second = room.admit(lambda: closed.append(2), lambda: True)
    assert first and second and len(room) == 2 and room.full
    assert room.admit(lambda: None, lambda: True) is None and room.refused == 1
    room.leave(first)
    assert not room.full and room.admit(lambda: None, lambda: True) is not None
    assert closed == []  # leaving is the session's own end: nothing to close


def test_a_newcomer_takes_the_seat_of_a_page_that_is_gone():
    """A newcomer takes the seat of a page that is gone."""
    room = _room(cap=2)
    closed = []
    room.admit(lambda: closed.append("lost"), lambda: False)
    here = room.admit(lambda: closed.append("here"), lambda: True)
    assert not room.full  # a seat can be freed
    newcomer = room.admit(lambda: None, lambda: True)
    assert newcomer is not None and closed == ["lost"]
    assert {s["seat"] for s in room.figures(detail=True)["seats"]} == {here.number, newcomer.number}


def test_idle_sessions_are_released_playing_ones_are_not():
    """Idle sessions are released playing ones are not."""
    room = _room(cap=5, idle_s=10.0)
    closed = []
    idle = room.admit(lambda: closed.append("idle"), lambda: True)
    busy = room.admit(lambda: closed.append("busy"), lambda: True)
    playing = room.admit(lambda: closed.append("playing"), lambda: True)
    playing.playing = True
    now = time.monotonic()
    busy.touch()
    assert room.release_idle(now + 5.0) == []
    idle.last_active = playing.last_active = now - 20.0
    assert room.release_idle(now) == [idle.number]
    assert closed == ["idle"] and len(room) == 2


def _released(room: Room, with_models: bool) -> list:
    session = Session(scale=SCALE)
    session.step(2)
    session.fork()
    settle_heap()  # frozen, as the page does
    refs = [weakref.ref(session)]
    if with_models:
        refs += [weakref.ref(b.model) for b in session.branches]
    holder = {"session": session}
    seat = room.admit(holder.clear, lambda: True)
    del session
    room.release(seat)
    assert len(room) == 0 and room.settle_if_released()
    gc.collect()
    return [r() for r in refs]


def test_a_released_session_is_garbage_collected():
    """Weak references: once its seat is released and the heap settled, nothing keeps it."""
    assert _released(_room(), with_models=False) == [None]


def test_a_released_session_s_models_are_garbage_collected():
    """A released session's models are garbage collected (their memory goes back)."""
    assert _released(_room(), with_models=True) == [None, None, None]


def test_settings_come_from_the_environment_and_bad_ones_are_refused():
    """Settings come from the environment and bad ones are refused."""
    settings = room_settings(
        {"PTCE_DASHBOARD_MAX_SESSIONS": "7", "PTCE_DASHBOARD_IDLE_MINUTES": "0.5"}
    )
    assert settings == RoomSettings(7, 30.0, 300.0)
    assert room_settings({}).max_sessions >= 30
    for bad in ("0", "-3", "many"):
        with pytest.raises(ValueError, match="PTCE_DASHBOARD_MAX_SESSIONS must be a positive"):
            room_settings({"PTCE_DASHBOARD_MAX_SESSIONS": bad})
    assert room_env(max_sessions=4, idle_minutes=2.5) == {
        "PTCE_DASHBOARD_MAX_SESSIONS": "4",
        "PTCE_DASHBOARD_IDLE_MINUTES": "2.5",
    }
    with pytest.raises(ValueError, match="max sessions must be positive"):
        room_env(max_sessions=0)


def test_the_default_cap_is_a_classroom_at_least():
    """The default cap is a classroom at least."""
    assert default_cap(cpus=2, available_mib=2048) == 30
    assert default_cap(cpus=2, available_mib=16000) == 30
    assert default_cap(cpus=8, available_mib=16000) == 120
    assert default_cap(cpus=8, available_mib=3000) == 62  # memory-bound


def test_the_room_full_page_speaks_the_browser_language_first():
    """The room full page speaks the browser language first."""
    assert languages("fr-FR,fr;q=0.9,en;q=0.8") == ["fr", "en"]
    assert languages("en-GB,en;q=0.9") == ["en", "fr"]
    assert languages("de-DE,de;q=0.9,fr;q=0.5,en;q=0.4") == ["fr", "en"]
    assert languages(None) == ["en", "fr"]
    page = room_full_html(30, 1800.0, "fr-FR")
    assert page.index("La salle est pleine") < page.index("The room is full")
    assert "30 places" in page and "30 minutes" in page
    page = room_full_html(30, 1800.0, "en-US")
    assert page.index("The room is full") < page.index("La salle est pleine")


def test_turns_are_shared_fairly_between_greedy_sessions():
    """Six threads, each taking turns of CPU work as fast as it can: equal numbers of turns."""
    turns, counts, stop = Turns(), [0] * 6, threading.Event()

    def greedy(i: int) -> None:
        while not stop.is_set():
            with turns.turn():
                end = time.perf_counter() + 0.002 * (1 + i % 3)  # unequal work per turn
                while time.perf_counter() < end:
                    pass
            counts[i] += 1

    threads = [threading.Thread(target=greedy, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join()
    assert min(counts) > 20
    # round robin: about one turn each per round, whatever the work per turn (turns shared by
    # the work done would give the 2 ms sessions three times the 6 ms ones'); a loaded machine
    # wakes some threads late, so a round is sometimes missed
    assert min(counts) >= 0.75 * max(counts), counts


def test_the_cli_passes_the_room_limits_and_refuses_bad_ones(monkeypatch):
    """``ptce-sim dashboard --max-sessions N --idle-minutes M`` reach ``serve``; 0 is refused."""
    from ptce_sim.interfaces import cli, dashboard

    calls = []
    monkeypatch.setattr(dashboard, "serve", lambda **kwargs: calls.append(kwargs) or 0)
    assert cli.main(["dashboard", "--max-sessions", "40", "--idle-minutes", "12.5"]) == 0
    assert calls == [{"host": "127.0.0.1", "port": 8765, "max_sessions": 40, "idle_minutes": 12.5}]
    for bad in (["--max-sessions", "0"], ["--max-sessions", "lots"], ["--idle-minutes", "-1"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["dashboard", *bad])
        assert exit_info.value.code == 2


def test_a_page_beyond_the_cap_renders_the_room_full_message(monkeypatch):
    """The page's own check (for visitors racing past the door): no session, the message."""
    solara = pytest.importorskip("solara")
    from ptce_sim.interfaces.dashboard import app, room

    full = _room(cap=1)
    full.admit(lambda: None, lambda: True)
    monkeypatch.setitem(room._room, "room", full)
    built = []
    monkeypatch.setattr(app, "_new_session", lambda: built.append(1))
    box, rc = solara.render(app.Page(), handle_error=False)
    try:
        html = " ".join(w.widget.unsafe_innerHTML for w in rc.find(solara.widgets.HTML))
        assert "La salle est pleine" in html and "The room is full" in html
        assert built == [] and len(full) == 1 and full.refused == 1
    finally:
        rc.close()
