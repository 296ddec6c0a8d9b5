"""A small classroom and server faults, against the real server and Chromium (Playwright).

Each test starts its own server (port 0 of 127.0.0.1, assets it lacks asked of the local CDN
stand-in) with the room's limits it needs, and reads the room's figures at ``/_ptce/room``.
The full-size classroom (30 sessions for two minutes) is ``benchmarks/classroom.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from ptce_sim.interfaces.dashboard import start_server, stop_process

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]


@pytest.fixture
def chromium_browser(browser):
    """pytest-playwright's browser: one Chromium, a context per visitor."""
    return browser


class Server:
    """A dashboard server for one test; ``log`` is its output so far."""

    def __init__(self, workdir, env: dict[str, str], port: int = 0) -> None:
        self.workdir, self.env = workdir, env
        self.log_path = workdir / f"server-{time.monotonic_ns()}.log"
        with self.log_path.open("w") as log:
            self.process, self.port = start_server(
                "127.0.0.1", port, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
            )
        self.url = f"http://127.0.0.1:{self.port}/"

    def wait_ready(self, timeout_s: float = 90) -> float:
        """Wait ready."""
        start = time.monotonic()
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited: {self.log[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "_ptce/room", timeout=5):
                    return time.monotonic() - start
            except OSError:
                pass
            if time.monotonic() - start > timeout_s:
                pytest.fail(f"no answer from {self.url}: {self.log[-2000:]}")
            time.sleep(0.2)

    def room(self) -> dict:
        """Room."""
        with urllib.request.urlopen(self.url + "_ptce/room?detail=1", timeout=10) as response:
            return json.load(response)

    @property
    def log(self) -> str:
        """Log."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop."""
        stop_process(self.process)


@pytest.fixture
def serve(tmp_path, local_cdn):
    """Serve."""
    servers = []

    def make(port: int = 0, **limits: str) -> Server:
        env = {**local_cdn.env, **{f"PTCE_DASHBOARD_{k.upper()}": v for k, v in limits.items()}}
        server = Server(tmp_path, env, port)
        servers.append(server)
        server.wait_ready()
        return server

    yield make
    for server in servers:
        server.stop()


def _open(browser, url: str, locale: str = "en-GB"):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    response = page.goto(url)
    return context, page, response


def _seated(browser, url: str):
    context, page, _ = _open(browser, url)
    page.locator(".ptce-date").wait_for()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    return context, page


def _play_fastest(page) -> None:
    slider = page.get_by_role("slider").first
    slider.focus()
    page.keyboard.press("End")
    page.get_by_text("Speed: 30 months/s").wait_for()
    page.get_by_role("button", name="Play", exact=True).click()


def _month(page) -> int:
    status = page.locator(".ptce-status").inner_text()
    return int(status.split()[1]) if status.startswith("month ") else 0


def _no_traceback(server: Server) -> None:
    assert "Traceback" not in server.log, server.log[-3000:]


def test_a_small_classroom_plays_fairly_and_the_next_visitor_finds_the_room_full(
    chromium_browser, serve
):
    """Three sessions play at the fastest speed at once for 15 s; each gets a fair share.

    Then, with the cap at 3, a fourth visitor gets the room-full page at once (French first for a
    French browser, English first otherwise), and no session was built for them.
    """
    server = serve(max_sessions="3")
    seats = [_seated(chromium_browser, server.url) for _ in range(3)]
    for _, page in seats:
        _play_fastest(page)
    time.sleep(15)
    months = [_month(page) for _, page in seats]
    figures = server.room()
    for _, page in seats:
        page.get_by_role("button", name="Pause", exact=True).click()
    print(f"months played in 15 s: {months}; room: {figures}")
    assert figures["sessions"] == 3 and figures["playing"] == 3
    assert min(months) >= 12, months  # none starves
    assert min(months) >= 0.6 * max(months), months  # a fair share each
    for seat in figures["seats"]:
        assert seat["frame_ms_p95"] is not None and seat["frame_ms_p95"] < 5000
    for _, page in seats:
        assert page.locator(".v-alert.error").count() == 0

    started = time.monotonic()
    context, page, response = _open(chromium_browser, server.url, locale="fr-FR")
    assert response.status == 503 and time.monotonic() - started < 10
    titles = page.locator("h1").all_inner_texts()
    assert titles == ["La salle est pleine", "The room is full"]
    assert "3 places" in page.content()
    context.close()
    context, page, response = _open(chromium_browser, server.url, locale="en-US")
    assert page.locator("h1").all_inner_texts() == ["The room is full", "La salle est pleine"]
    context.close()
    assert server.room()["sessions"] == 3 and server.room()["sessions_alive"] == 3
    _no_traceback(server)
    for context, _ in seats:
        context.close()


def test_a_page_that_leaves_mid_play_frees_its_seat_and_its_session(chromium_browser, serve):
    """Closing a page while it plays releases its session: seat freed, object collected."""
    server = serve(max_sessions="2", reconnect_seconds="2")
    before = server.room()
    stays = _seated(chromium_browser, server.url)
    context, page = _seated(chromium_browser, server.url)
    _play_fastest(page)
    page.wait_for_function(
        "() => document.querySelector('.ptce-status').innerText.startsWith('month ')"
    )
    during = server.room()
    assert during["sessions"] == 2 and during["sessions_alive"] == before["sessions_alive"] + 2
    context.close()  # mid-play
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = server.room()
        if after["sessions"] == 1 and after["sessions_alive"] == before["sessions_alive"] + 1:
            break
        time.sleep(0.5)
    print(f"before {before}\nduring {during}\nafter {after}")
    assert after["sessions"] == 1, after
    assert after["sessions_alive"] == before["sessions_alive"] + 1, after
    # the freed seat is taken at once by a newcomer (cap 2)
    newcomer = _seated(chromium_browser, server.url)
    assert server.room()["sessions"] == 2
    _no_traceback(server)
    for ctx, _ in (stays, newcomer):
        ctx.close()


def test_an_idle_session_is_released(chromium_browser, serve):
    """No click and no play for the idle time: the session is closed and its seat freed."""
    server = serve(idle_minutes="0.1")  # 6 s
    context, page = _seated(chromium_browser, server.url)
    assert server.room()["sessions"] == 1
    deadline = time.monotonic() + 40
    while server.room()["sessions"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert server.room()["sessions"] == 0
    context.close()
    _no_traceback(server)


CATCH_SOCKET = """
(() => {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    window.__socket = this;
    return send.call(this, data);
  };
})();
"""


def test_a_truncated_frame_is_dropped_and_the_page_stays_usable(chromium_browser, serve):
    """A truncated websocket message is dropped; the same page steps on.

    One line in the log, no traceback; an out-of-range seed typed in the page gives a message.
    """
    server = serve()
    context = chromium_browser.new_context()
    context.add_init_script(CATCH_SOCKET)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server.url)
    page.locator(".ptce-date").wait_for()
    page.wait_for_function("() => window.__socket && window.__socket.readyState === 1")
    page.evaluate(
        '() => { window.__socket.send(\'{"header": {"msg_type": "comm_msg", "msg_id\'); '
        "window.__socket.send('[1, 2, 3]'); "
        "window.__socket.send(new Uint8Array([2, 0, 0, 0, 12, 0]).buffer); }"
    )
    page.get_by_role("button", name="Step", exact=True).click()
    page.locator(".ptce-date", has_text="February 1970").wait_for()
    assert server.log.count("dropped a malformed message") == 3, server.log[-2000:]

    seed = page.get_by_label("Seed")
    seed.fill("1000000000000000000000000000000")
    seed.press("Enter")
    page.get_by_text("the seed must be a whole number from 0 to").wait_for()
    page.get_by_role("button", name="Step", exact=True).click()
    page.locator(".ptce-date", has_text="March 1970").wait_for()  # the run went on
    _no_traceback(server)
    context.close()


def test_a_killed_server_starts_again_at_once_on_its_port(chromium_browser, serve):
    """SIGKILL with a page playing; started again on the same port, it serves new sessions."""
    first = serve()
    context, page = _seated(chromium_browser, first.url)
    _play_fastest(page)
    time.sleep(2)
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=10)
    context.close()
    again = serve(port=first.port)  # fails if the port cannot be bound again at once
    assert again.port == first.port
    started = time.monotonic()
    context, page = _seated(chromium_browser, again.url)
    page.get_by_role("button", name="Step", exact=True).click()
    page.locator(".ptce-date", has_text="February 1970").wait_for()
    print(f"a new session usable {time.monotonic() - started:.1f} s after the restart answered")
    assert again.room()["sessions"] == 1
    _no_traceback(again)
    context.close()
