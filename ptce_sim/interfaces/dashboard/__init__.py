"""The live dashboard for trainers: play the pole, shock it, fork it and compare the branches.

The Solara page is :mod:`ptce_sim.interfaces.dashboard.app`; its state (one per browser session) is
:class:`ptce_sim.interfaces.dashboard.session.Session` and its charts are built by
:mod:`ptce_sim.interfaces.dashboard.charts`, neither of which imports Solara. Nothing else in
``ptce_sim`` imports this package, and importing it is cheap: :func:`serve` only starts
``solara run``.

The "Funding scenarios" page (``?page=funding``, :mod:`.funding_page`, its logic in
:mod:`.funding`) runs policy staff's funding comparisons one at a time in the server's
background, at a lower priority on every core but one, or on the Dask scheduler named by
``PTCE_DASK_SCHEDULER``; each lives in ``PTCE_FUNDING_RESULTS`` (default ``results/funding`` of
the server's working folder) under its run id.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

APP_PATH = Path(__file__).resolve().with_name("app.py")
"""The Solara app file that ``solara run`` serves."""

SERVER_ENV = {
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "PTCE dashboard",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
}
"""Settings of the Solara server: no "runs on Solara" banner over the charts; no usage telemetry
sent to Solara's makers. How long a page whose connection dropped keeps its session is the room's
``PTCE_DASHBOARD_RECONNECT_SECONDS`` (see :mod:`.room`; Solara's default: a day)."""

ROOM_ENV = {
    "max_sessions": "PTCE_DASHBOARD_MAX_SESSIONS",
    "idle_minutes": "PTCE_DASHBOARD_IDLE_MINUTES",
    "reconnect_seconds": "PTCE_DASHBOARD_RECONNECT_SECONDS",
}
"""The room's settings (see :mod:`.room`): keyword of :func:`serve` -> environment variable."""

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
"""Host names that keep the dashboard on this machine."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Launch flags for a headless Chromium on a machine with no outside network (screenshots,
benchmarks, browser tests): without the background-networking ones it keeps trying to reach out."""


def chromium_args(locale: str) -> list[str]:
    """:data:`CHROMIUM_ARGS` for a browser whose user reads ``locale`` (e.g. ``fr-FR``).

    The page's language comes from the ``Accept-Language`` of its websocket; a Playwright context's
    ``locale`` sets it on page requests but not on websockets (seen with Chromium 150), so a
    browser standing for a French reader is launched asking for French on every request.
    """
    return [*CHROMIUM_ARGS, f"--accept-lang={locale}"]


def find_chromium() -> str | None:
    """The Chromium to drive: ``$PTCE_CHROMIUM``, else ``chromium`` or ``chromium-browser``."""
    import shutil

    candidates = [os.environ.get("PTCE_CHROMIUM"), shutil.which("chromium")]
    candidates += [shutil.which("chromium-browser"), "/usr/bin/chromium"]
    return next((c for c in candidates if c and Path(c).is_file()), None)


@contextlib.contextmanager
def served(timeout_s: float = 90.0) -> Iterator[str]:
    """Serve the dashboard on a free local port for the ``with`` block; yields its URL.

    Raises:
        SystemExit: the server did not answer within ``timeout_s``.
    """
    import time
    import urllib.request

    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server, port = start_server("127.0.0.1", 0, **quiet)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the dashboard server did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)


ASGI_APP = "ptce_sim.interfaces.dashboard.server:app"
"""Solara's server behind the room's door (:mod:`.server`), as an ASGI application for uvicorn."""


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening; port 0: a free port the kernel picks.

    The socket is never closed and bound again, so no other process can take the port between
    choosing it and serving on it.
    """
    if not 0 <= int(port) <= 65535:
        raise ValueError(f"expected a port in 0-65535, got {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, int(port)), family=family)


def start_server(
    host: str = "127.0.0.1", port: int = 0, env: dict[str, str] | None = None, **popen_kwargs
) -> tuple[subprocess.Popen, int]:
    """Start the dashboard's server in a child process; ``(process, port it listens on)``.

    The socket is bound here (port 0: any free port, chosen by the kernel) and handed to uvicorn
    running Solara's server (``--fd``), as ``solara run --production`` does but without opening a
    web browser or asking PyPI for Solara's latest version; Solara's application is behind the
    room's door (:mod:`.server`: the session cap, the check of websocket messages). ``env`` is
    added to this process's environment; :data:`SERVER_ENV` overrides both. Other keyword
    arguments go to ``Popen``.
    """
    listener = listening_socket(host, port)
    with listener:
        fd = listener.fileno()
        command = [sys.executable, "-m", "uvicorn", "--fd", str(fd), "--log-level", "warning"]
        server_env = {
            **os.environ,
            **(env or {}),
            **SERVER_ENV,
            "SOLARA_APP": str(APP_PATH),
            "SOLARA_MODE": "production",
        }
        command.append(ASGI_APP)
        process = subprocess.Popen(command, env=server_env, pass_fds=(fd,), **popen_kwargs)
        return process, listener.getsockname()[1]


def serve_command(host: str = "127.0.0.1", port: int = 8765, production: bool = True) -> list[str]:
    """The ``python -m solara run`` command line that serves the dashboard."""
    if not 0 <= int(port) <= 65535:
        raise ValueError(f"expected a port in 0-65535, got {port}")
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP_PATH),
        "--host",
        str(host),
        "--port",
        str(int(port)),
    ]
    if production:
        command.append("--production")
    return command


def room_env(
    max_sessions: int | None = None,
    idle_minutes: float | None = None,
    reconnect_seconds: float | None = None,
) -> dict[str, str]:
    """The environment that sets the room's limits (the ones given; see :data:`ROOM_ENV`).

    Raises:
        ValueError: a limit is not a positive number.
    """
    given = {
        "max_sessions": max_sessions,
        "idle_minutes": idle_minutes,
        "reconnect_seconds": reconnect_seconds,
    }
    env = {}
    for key, value in given.items():
        if value is None:
            continue
        if not float(value) > 0:
            raise ValueError(f"{key.replace('_', ' ')} must be positive, got {value}")
        env[ROOM_ENV[key]] = f"{value:g}" if isinstance(value, float) else str(int(value))
    return env


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    production: bool = True,
    **room: float | None,
) -> int:
    """Serve the dashboard until interrupted; return the server's exit status.

    Page assets (Vue, Vuetify, ECharts) come from the ``solara-assets`` package, so the page
    works without internet access. Every browser session gets its own model.

    Args:
        host: interface to listen on (``127.0.0.1``: this machine only; ``0.0.0.0``: the room's
            network, e.g. for a second screen).
        port: TCP port; 0: any free port (the one chosen is printed), served by uvicorn on a
            socket bound here (see :func:`start_server`).
        production: Solara's production mode (no hot reload, faster page loads); without it,
            ``solara run`` serves the app (with hot reload, and without the room's door).
        room: the room's limits, ``max_sessions``, ``idle_minutes``, ``reconnect_seconds`` (see
            :func:`room_env`; default: the environment's, else :mod:`.room`'s defaults).
    """
    extra_env = room_env(**room)
    server = None
    if production:  # the socket is bound here (port 0: chosen by the kernel), then served
        server, port = start_server(host, int(port), env=extra_env)
    print(f"ptce-sim dashboard: http://{host}:{int(port)}/  (Ctrl-C to stop)", flush=True)
    if host not in LOOPBACK:
        print(
            f"ptce-sim dashboard: warning: serving on {host}: anyone who can reach this machine "
            f"on port {int(port)} can open the dashboard and run simulations on it; there is no "
            "login (see the README's Security section)",
            file=sys.stderr,
            flush=True,
        )
    if server is None:
        command = serve_command(host, port, production)
        server = subprocess.Popen(command, env={**os.environ, **extra_env, **SERVER_ENV})
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)  # stop the server with us
    try:
        return server.wait()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the server stops too
        stop_process(server, timeout=10)
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop ``process``: SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _interrupt(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    raise KeyboardInterrupt
