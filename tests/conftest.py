"""Shared fixtures: the shipped Seignanx scenario and modified copies of it written to tmp_path.

A modified copy is made by parsing the shipped file, changing the parsed data in Python and
writing it back as TOML, so that the tests do not depend on the exact text (comments, layout) of
a scenario file that is still being edited.

The checks on the run as a whole (browser tests counted, Hypothesis derandomised when ``CI`` is
set) are in ``tests/suite_checks.py``, registered here; so is a local stand-in for Solara's CDN.
"""

from __future__ import annotations

import http.server
import json
import math
import os
import subprocess
import threading
import time
import tomllib
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from suite_checks import pytest_configure  # noqa: F401 - registers the session-wide checks

import ptce_sim  # noqa: F401 - before any test module imports numpy: the reference's paths

ROOT = Path(__file__).resolve().parents[1]
SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"


class RawToml(str):
    """A value written verbatim into the TOML output (e.g. a TOML date ``1978-03-01``)."""


def toml_value(value: object) -> str:
    """One value as inline TOML (tables become inline tables, so the output has one key a line)."""
    if isinstance(value, RawToml):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ "
            + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
            + " }"
        )
    raise TypeError(f"cannot write {value!r} as TOML")


def dump_toml(data: dict) -> str:
    """A scenario dict as TOML text: ``key = <inline value>``, arrays of tables one item a line."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n  ".join(toml_value(v) for v in value)
            lines.append(f"{json.dumps(key)} = [\n  {items},\n]")
        else:
            lines.append(f"{json.dumps(key)} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def seignanx_path() -> Path:
    """The shipped Seignanx 1970-2015 scenario file."""
    return SEIGNANX


@pytest.fixture
def seignanx_data() -> dict:
    """A fresh parsed copy of the shipped scenario (a plain dict, safe to modify)."""
    with SEIGNANX.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write a modified copy of the Seignanx scenario into ``tmp_path``; returns its path.

    ``write_scenario(change)`` calls ``change(data)`` on the parsed scenario (it modifies ``data``
    in place) and writes the result; ``text=`` writes the given text instead; ``raw=`` the given
    bytes; ``name=`` names the file.
    """

    def write(
        change: Callable[[dict], None] | None = None,
        *,
        text: str | None = None,
        raw: bytes | None = None,
        name: str = "scenario.toml",
    ) -> Path:
        path = tmp_path / name
        if raw is not None:
            path.write_bytes(raw)
            return path
        if text is None:
            with SEIGNANX.open("rb") as handle:
                data = tomllib.load(handle)
            if change is not None:
                change(data)
            text = dump_toml(data)
        path.write_text(text, encoding="utf-8")
        return path

    return write


class LocalCdn:
    """An HTTP server on 127.0.0.1 that stands in for Solara's CDN (``SOLARA_ASSETS_CDN``).

    The dashboard's server asks the CDN for the page assets it lacks (``/_solara/cdn/...``); in the
    tests it asks this one instead of ``cdn.jsdelivr.net``, so no test sends a packet beyond this
    machine. Every request's path is recorded in :attr:`requests`; every answer is a 404, which
    Solara does not retry and caches nothing of.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                requests.append(self.path)
                self.send_error(404, "not on the local CDN stand-in")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def env(self) -> dict[str, str]:
        """The environment that points a Solara server at this stand-in."""
        return {"SOLARA_ASSETS_CDN": self.url}

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def local_cdn() -> Iterator[LocalCdn]:
    """A stand-in for Solara's CDN on 127.0.0.1 (see :class:`LocalCdn`)."""
    cdn = LocalCdn()
    yield cdn
    cdn.close()


# -- Chromium for the browser tests (test_dashboard_browser.py, test_dashboard_classroom.py) ----

NO_CHROMIUM = (
    "no Chromium found: install it (Debian/Ubuntu: apt-get install chromium) or set "
    "PTCE_CHROMIUM to a Chromium binary; with CI set, this is a failure"
)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary.

    Without one, the browser tests are skipped (collected all the same, so that the session's
    summary counts them), or fail when ``CI`` is set.
    """
    from ptce_sim.interfaces.dashboard import find_chromium

    found = find_chromium()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {NO_CHROMIUM}", pytrace=False)
        pytest.skip(NO_CHROMIUM)
    return found


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium):
    """Launch the system's Chromium (Playwright's own browsers are not downloaded)."""
    from ptce_sim.interfaces.dashboard import CHROMIUM_ARGS

    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def french_browser(browser_type, browser_type_launch_args):
    """A Chromium whose user reads French: it asks for French on every request.

    A context's ``locale`` alone does not reach the page's websocket, whose ``Accept-Language``
    sets the dashboard's language (:func:`ptce_sim.interfaces.dashboard.chromium_args`).
    """
    from ptce_sim.interfaces.dashboard import chromium_args

    browser = browser_type.launch(**{**browser_type_launch_args, "args": chromium_args("fr-FR")})
    yield browser
    browser.close()


@contextmanager
def dashboard_server(workdir: Path, env: dict[str, str]) -> Iterator[str]:
    """The dashboard's server on a port of 127.0.0.1 chosen when it is bound, run in ``workdir``.

    Its log is in ``server.log`` there; yields its URL once it answers, the process stopped on exit.

    For the browser modules' ``server`` fixtures; fails the test, with the log's end, if the
    server exits or does not answer within 90 s.
    """
    from ptce_sim.interfaces.dashboard import start_server, stop_process

    log_path = workdir / "server.log"
    log = log_path.open("w")
    process, port = start_server(
        "127.0.0.1", 0, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"solara exited: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no answer from {url}: {log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        stop_process(process)
        log.close()
