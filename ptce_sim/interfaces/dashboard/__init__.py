"""The live dashboard for trainers: play the pole, shock it, fork it and compare the branches.

The Solara page is :mod:`ptce_sim.interfaces.dashboard.app`; its state (one per browser session) is
:class:`ptce_sim.interfaces.dashboard.session.Session` and its charts are built by
:mod:`ptce_sim.interfaces.dashboard.charts`, neither of which imports Solara. Nothing else in ``ptce_sim``
imports this package, and importing it is cheap: :func:`serve` only starts ``solara run``.
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
    "SOLARA_KERNEL_CULL_TIMEOUT": "1h",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
}
"""Settings of the Solara server: no "runs on Solara" banner over the charts; a closed page's
session (its models) is dropped after an hour (Solara's default: a day); no usage telemetry sent
to Solara's makers."""

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


ASGI_APP = "solara.server.starlette:app"
"""The Solara server as an ASGI application (what ``solara run`` runs in uvicorn)."""


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
    web browser or asking PyPI for Solara's latest version. ``env`` is added to this process's
    environment; :data:`SERVER_ENV` overrides both. Other keyword arguments go to ``Popen``.
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


def serve(host: str = "127.0.0.1", port: int = 8765, production: bool = True) -> int:
    """Serve the dashboard with ``solara run`` until interrupted; return its exit status.

    Page assets (Vue, Vuetify, ECharts) come from the ``solara-assets`` package, so the page
    works without internet access. Every browser session gets its own model.

    Args:
        host: interface to listen on (``127.0.0.1``: this machine only; ``0.0.0.0``: the room's
            network, e.g. for a second screen).
        port: TCP port; 0: any free port (the one chosen is printed), served by uvicorn on a
            socket bound here (see :func:`start_server`).
        production: Solara's production mode (no hot reload, faster page loads).
    """
    command = serve_command(host, port, production)
    server = None
    if int(port) == 0:  # the port is chosen by the kernel when the socket is bound
        server, port = start_server(host, 0)
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
        server = subprocess.Popen(command, env={**os.environ, **SERVER_ENV})
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)  # stop the server with us
    try:
        return server.wait()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the server stops too
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    raise KeyboardInterrupt
