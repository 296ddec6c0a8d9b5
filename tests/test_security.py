"""What is safe to expose (README, "Security"): each promise there is checked here.

* The dashboard, started as users start it (``ptce-sim dashboard``), listens on 127.0.0.1 only,
  read from the kernel's socket table, and says so; ``--host`` anything else prints a warning.
* No URL of the served dashboard reads a file outside the folders Solara serves: path-traversal
  probes get no byte of the server's working folder, of the project or of ``/etc/passwd``.
* The scenario picker opens only ``scenarios/*.toml`` by name (``tests/test_dashboard.py``,
  ``test_scenario_listing_stays_inside_the_folder``, also checks symbolic links and sub-folders).
* Nothing read from a file is run as code: the package never calls ``eval``/``exec``/``compile``,
  never imports ``pickle``/``marshal``/``shelve`` or their kin, never loads YAML or NumPy pickles,
  never starts a shell; and a scenario whose texts are Python code runs as plain text.
"""

from __future__ import annotations

import ast
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ptce_sim.config.scenario_io import ScenarioError, load_scenario
from ptce_sim.interfaces.dashboard import stop_process

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ptce_sim"
SECRET = "ptce-sim-sentinel-8d1f5b0e"
"""Written into a file of the server's working folder: no response may ever contain it."""


# -- the served dashboard -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, local_cdn) -> tuple[int, subprocess.Popen, Path]:
    """``ptce-sim dashboard --port 0`` (default host), run from a folder holding a secret file.

    Port 0: the server binds any free port and prints it; the port is read from that line. The
    assets the server lacks are asked of a local stand-in for the CDN, never of the internet.
    """
    workdir = tmp_path_factory.mktemp("served")
    (workdir / "secret.txt").write_text(SECRET, encoding="utf-8")
    (workdir / "scenarios").mkdir()
    (workdir / "scenarios" / "secret.toml").write_text(f"# {SECRET}\n", encoding="utf-8")
    log = workdir / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "ptce_sim.interfaces.cli", "dashboard", "--port", "0"],
        cwd=workdir,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **local_cdn.env, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 90
    port = None
    try:
        while True:
            if port is None and (found := SERVING.search(log.read_text())):
                port = int(found.group(1))
            if port is not None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                        break
                except OSError:
                    pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield port, process, log
    finally:
        stop_process(process, timeout=20)  # serve() stops its Solara server with it


SERVING = re.compile(r"ptce-sim dashboard: http://127\.0\.0\.1:(\d+)/")
"""The line where ``ptce-sim dashboard`` says where it serves."""


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port``, from ``/proc/net/tcp{,6}``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    """``0100007F`` -> ``127.0.0.1``; IPv6 as its 32 hex digits (``::1`` is ...01000000)."""
    if len(hex_address) == 8:
        return ".".join(str(b) for b in reversed(bytes.fromhex(hex_address)))
    return {"00000000000000000000000001000000": "::1", "0" * 32: "::"}.get(hex_address, hex_address)


def test_listening_address_parser():
    """The socket-table parser reads addresses as the kernel writes them (little-endian)."""
    assert _address("0100007F") == "127.0.0.1"
    assert _address("00000000") == "0.0.0.0"
    assert _address("0" * 32) == "::"


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp")
def test_the_dashboard_listens_on_loopback_only(dashboard):
    """By default the server's only listening socket is 127.0.0.1 (or ::1), and it says so."""
    port, _, log = dashboard
    addresses = listening_addresses(port)
    assert addresses, f"nothing listens on port {port}"
    assert addresses <= {"127.0.0.1", "::1"}, f"listening on {addresses}"
    assert port != 0 and SERVING.findall(log.read_text()) == [str(port)]
    assert "ptce-sim dashboard: warning" not in log.read_text()


ESCAPES = [
    "{prefix}../secret.txt",
    "{prefix}..%2fsecret.txt",
    "{prefix}..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "{prefix}%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "{prefix}..\\..\\..\\secret.txt",
    "{prefix}..%2f..%2f..%2fpyproject.toml",
    "{prefix}..%2f..%2fscenarios%2fsecret.toml",
]
"""Relative paths that climb out of a served folder."""
ABSOLUTE = [
    "{prefix}....//....//....//etc/passwd",
    "{prefix}%2fetc%2fpasswd",
    "{prefix}/etc/passwd",
    "{prefix}{root}/pyproject.toml",
    "{prefix}scenarios/secret.toml",
]
"""Absolute paths, and files of the working folder named from the mount point."""
FILE_MOUNTS = ["/", "/static/", "/static/public/", "/static/assets/", "/jupyter/nbextensions/"]
CDN_PROXY = "/_solara/cdn/"
"""Solara's asset proxy: a file it lacks is asked of the CDN (here the local stand-in, which
answers 404 at once), so it is probed with the escapes only."""


def test_no_url_reads_a_file_outside_the_served_folders(dashboard):
    """Path-traversal probes on every static mount: never the secret, the project or passwd."""
    port, _, _ = dashboard
    probes = [t.format(prefix=p, root="") for p in [*FILE_MOUNTS, CDN_PROXY] for t in ESCAPES]
    root = str(ROOT).lstrip("/")
    probes += [t.format(prefix=p, root=root) for p in FILE_MOUNTS for t in ABSOLUTE]
    leaks = []
    for target in probes:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.putrequest("GET", target, skip_accept_encoding=True)  # sent as written
        connection.endheaders()
        body = connection.getresponse().read().decode("utf-8", "replace")
        connection.close()
        if SECRET in body or "root:x:0:0" in body or 'name = "ptce-sim"' in body:
            leaks.append(target)
    assert not leaks, f"files outside the served folders were read through: {leaks}"


def test_missing_assets_are_asked_of_the_configured_cdn(dashboard, local_cdn):
    """A file the server lacks is asked of ``SOLARA_ASSETS_CDN`` (the tests' local stand-in).

    So the traversal probes above never reach the internet, and a 404 of the CDN comes back
    at once (Solara retries only unreachable CDNs and 5xx answers).
    """
    port, _, _ = dashboard
    asked = len(local_cdn.requests)
    start = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", f"{CDN_PROXY}ptce-probe@0.0.1/missing.js")
    status = connection.getresponse().status
    connection.close()
    assert status == 404
    assert local_cdn.requests[asked:] == ["/ptce-probe@0.0.1/missing.js"]
    assert time.monotonic() - start < 5


def test_the_server_sends_no_telemetry(monkeypatch):
    """The Solara server is started with its usage telemetry (Mixpanel) off."""
    from ptce_sim.interfaces import dashboard as served

    started = []

    class FakeServer:
        def __init__(self, command, **kwargs):
            started.append(kwargs["env"])

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(served.subprocess, "Popen", FakeServer)
    monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "True")  # a user's setting is overruled
    served.serve(port=8123)
    assert started[0]["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


def test_serving_beyond_this_machine_prints_a_warning(monkeypatch, capsys):
    """``--host 0.0.0.0`` (the room's network) is allowed, with a warning on what it exposes."""
    from ptce_sim.interfaces import dashboard as served

    class FakeServer:
        def __init__(self, command, **kwargs):
            self.command = command

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(served.subprocess, "Popen", FakeServer)
    served.serve(host="127.0.0.1", port=8123)
    assert "warning" not in capsys.readouterr().err.lower()
    served.serve(host="0.0.0.0", port=8123)
    err = capsys.readouterr().err.lower()
    assert "warning" in err and "0.0.0.0" in err and "security" in err


# -- nothing read is run as code ------------------------------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile"}
FORBIDDEN_MODULES = {
    "pickle",
    "cPickle",
    "_pickle",
    "marshal",
    "shelve",
    "dill",
    "cloudpickle",
    "jsonpickle",
    "joblib",
    "yaml",
}
FORBIDDEN_ATTRIBUTES = {"read_pickle", "to_pickle", "unsafe_load", "system", "popen", "loads"}
"""``loads`` is allowed on the modules listed in :data:`SAFE_LOADS` only."""
SAFE_LOADS = {"json", "tomllib"}


def unsafe_calls(source: str, name: str = "<source>") -> list[str]:
    """Every construct of ``source`` that could run data as code, as ``name:line: what``."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.append(node.module)
            bad = [m for m in modules if m.split(".")[0] in FORBIDDEN_MODULES]
            found += [f"{where}: import {m}" for m in bad]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"{where}: {func.id}()")
            elif isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_ATTRIBUTES:
                owner = func.value.id if isinstance(func.value, ast.Name) else ""
                if not (func.attr == "loads" and owner in SAFE_LOADS):
                    found.append(f"{where}: {owner or '...'}.{func.attr}()")
            for keyword in node.keywords:
                constant = isinstance(keyword.value, ast.Constant) and keyword.value.value is True
                if keyword.arg in {"shell", "allow_pickle"} and constant:
                    found.append(f"{where}: {keyword.arg}=True")
    return found


def test_the_checker_finds_what_it_looks_for():
    """The scanner below would catch each forbidden construct (so its silence means something)."""
    planted = "\n".join(
        [
            "import pickle",
            "from yaml import load",
            "eval(text)",
            "exec(code)",
            "pd.read_pickle(path)",
            "subprocess.run(cmd, shell=True)",
            "np.load(path, allow_pickle=True)",
            "os.system(cmd)",
            "marshal.loads(blob)",
            "json.loads(text)",  # allowed
            "tomllib.loads(text)",  # allowed
        ]
    )
    assert len(unsafe_calls(planted)) == 9


@pytest.mark.parametrize(
    "folder", ["ptce_sim", "experiments", "scenarios", "benchmarks"], ids=lambda f: f
)
def test_no_code_runs_data(folder):
    """No eval/exec, no pickle or YAML, no shell in the package and the shipped scripts."""
    problems = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        problems += unsafe_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not problems, "constructs that could run data as code:\n" + "\n".join(problems)


def test_a_scenario_whose_texts_are_code_runs_them_as_text(tmp_path):
    """Python code in a scenario's free text stays text, never run; in a name it is refused."""
    from ptce_sim.simulation.model import PtceModel

    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    text = (ROOT / "scenarios" / "seignanx_1970_2015.toml").read_text(encoding="utf-8")
    start = text.index("title = ")
    end = text.index("\n", start)
    path = tmp_path / "code.toml"
    path.write_text(text[:start] + f'title = "{payload}"' + text[end:], encoding="utf-8")
    scenario = load_scenario(path).with_overrides(scale=0.05)
    assert scenario.run.title == payload
    model = PtceModel(scenario, 0)
    for _ in range(13):
        model.step()
    assert not marker.exists()
    path.write_text(text.replace('name = "seignanx_1970_2015"', f'name = "{payload}"', 1))
    with pytest.raises(ScenarioError, match=r"run\.name"):
        load_scenario(path)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["..", ".", "../elsewhere", "/tmp/x", ".hidden", "a/b"])
def test_a_run_name_cannot_steer_output_into_another_folder(tmp_path, name):
    """A run's name becomes an output folder: '..', '.', slashes and hidden names are refused."""
    text = (ROOT / "scenarios" / "seignanx_1970_2015.toml").read_text(encoding="utf-8")
    path = tmp_path / "named.toml"
    path.write_text(text.replace('name = "seignanx_1970_2015"', f'name = "{name}"', 1))
    with pytest.raises(ScenarioError, match=r"run\.name.*output folder") as error:
        load_scenario(path)
    assert "\n" not in str(error.value)
