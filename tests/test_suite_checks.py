"""The checks on the run as a whole (``tests/suite_checks.py``), run on small generated suites.

Each test writes a few tests into ``tmp_path`` and runs pytest on them in a child process with the
plugin loaded (``-p suite_checks``), with or without ``CI`` in the environment, and checks its
exit status and its summary: browser tests counted and, in CI, a run short of them failing;
Hypothesis tests derandomised in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

BROWSER_SUITE = """
import pytest

pytestmark = pytest.mark.browser

def test_runs():
    assert True

@pytest.mark.parametrize("n", [1, 2])
def test_needs_what_is_missing(n):
    if {skip}:
        pytest.skip("no browser here")
"""

PLAIN = """
def test_plain():
    assert True
"""


def run_pytest(
    tmp_path: Path, files: dict[str, str], *args: str, **env: str
) -> subprocess.CompletedProcess:
    """Pytest with the plugin on ``files`` (name -> source).

    ``args`` are added to its command line and ``env`` to a clean environment.
    """
    for name, source in files.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    keep = {k: v for k, v in os.environ.items() if k not in {"CI", "PTCE_FUZZ_EXAMPLES"}}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "suite_checks",
            "-p",
            "no:cacheprovider",
            "-rfEs",
            *args,
        ],
        cwd=tmp_path,
        env={**keep, "PYTHONPATH": str(TESTS), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skipped_browser_tests_are_counted_loudly(tmp_path):
    """Without CI, skipped browser tests leave the run green but the summary says how many, why."""
    out = run_pytest(tmp_path, {"test_b.py": BROWSER_SUITE.format(skip=True), "test_p.py": PLAIN})
    assert out.returncode == 0, out.stdout
    assert "browser tests: 1 passed, 0 failed, 2 SKIPPED, 0 not run, of 3 collected" in out.stdout
    assert "2 skipped: no browser here" in out.stdout
    assert "WARNING: 2 browser test(s) were skipped" in out.stdout


def test_in_ci_a_skipped_browser_test_fails_the_run(tmp_path):
    """With CI set, the same suite (every test passed or skipped) exits with status 1."""
    suite = {"test_b.py": BROWSER_SUITE.format(skip=True), "test_p.py": PLAIN}
    out = run_pytest(tmp_path, suite, CI="true")
    assert out.returncode == 1, out.stdout
    assert "2 passed, 2 skipped" in out.stdout  # pytest's own count: nothing failed
    assert "CI is set: 2 browser test(s) did not pass; this run FAILS" in out.stdout


def test_in_ci_all_browser_tests_passed_is_green(tmp_path):
    """With CI set and every browser test passed, the run passes and the summary says so."""
    out = run_pytest(tmp_path, {"test_b.py": BROWSER_SUITE.format(skip=False)}, CI="true")
    assert out.returncode == 0, out.stdout
    assert "browser tests: 3 passed, 0 failed, 0 SKIPPED, 0 not run, of 3 collected" in out.stdout
    assert "FAILS" not in out.stdout and "WARNING" not in out.stdout


XDIST = ("-p", "xdist.plugin", "-n", "2")
"""Two pytest-xdist workers, as ``make test`` runs the suite."""


@pytest.mark.parametrize("skip", [True, False], ids=["one-skipped", "all-passed"])
def test_the_browser_tally_holds_with_two_workers(tmp_path, skip):
    """Under pytest-xdist the controller counts the workers' browser tests.

    In CI a skipped one still fails the run, and all passed is green.
    """
    suite = {"test_b.py": BROWSER_SUITE.format(skip=skip), "test_p.py": PLAIN}
    out = run_pytest(tmp_path, suite, *XDIST, CI="true")
    if skip:
        assert out.returncode == 1, out.stdout
        assert "browser tests: 1 passed, 0 failed, 2 SKIPPED, 0 not run, of 3 collected" in (
            out.stdout
        )
        assert "CI is set: 2 browser test(s) did not pass; this run FAILS" in out.stdout
    else:
        assert out.returncode == 0, out.stdout
        assert "browser tests: 3 passed, 0 failed, 0 SKIPPED, 0 not run, of 3 collected" in (
            out.stdout
        )


def test_a_run_without_browser_tests_says_nothing_of_them(tmp_path):
    """A run of other tests only (e.g. one test file) has no browser section, CI or not."""
    out = run_pytest(tmp_path, {"test_p.py": PLAIN}, CI="true")
    assert out.returncode == 0, out.stdout
    assert "browser tests" not in out.stdout


HYPOTHESIS_SUITE = """
from hypothesis import given, settings, strategies as st

@settings(max_examples=5, deadline=None)
@given(st.integers())
def test_inherits_the_profile(x):
    assert settings.default.derandomize

@settings(max_examples=5, derandomize=False)
@given(st.integers())
def test_asks_for_random_examples(x):
    pass
"""


@pytest.mark.parametrize(
    ("env", "failed"),
    [
        ({"CI": "true"}, ["test_asks_for_random_examples"]),
        ({}, ["test_inherits_the_profile"]),
        ({"CI": "true", "PTCE_FUZZ_EXAMPLES": "5"}, []),
    ],
    ids=["ci", "local", "ci-fuzz-campaign"],
)
def test_hypothesis_is_derandomised_in_ci(tmp_path, env, failed):
    """In CI every Hypothesis test is derandomised (the ``ptce-ci`` profile).

    One whose own settings ask for random examples fails, unless a fuzzing campaign was asked for.
    """
    out = run_pytest(tmp_path, {"test_h.py": HYPOTHESIS_SUITE}, **env)
    failures = sorted(
        line.split("::")[1].split()[0]
        for line in out.stdout.splitlines()
        if line.startswith(("FAILED", "ERROR")) and "::" in line
    )
    assert failures == failed, out.stdout
    assert out.returncode == (1 if failed else 0), out.stdout
    if failed == ["test_asks_for_random_examples"]:
        assert "not derandomised" in out.stdout
