"""Checks on the test run as a whole (a pytest plugin, loaded by ``tests/conftest.py``).

* **Browser tests are counted.** At the end of the session a section says how many tests marked
  ``browser`` were collected, passed, failed, skipped (and why) or did not run. When the
  environment variable ``CI`` is set, a run where fewer browser tests passed than were collected
  fails (exit status 1), even if every other test passed: CI never passes without the browser.
* **Hypothesis is derandomised in CI.** With ``CI`` set, the ``ptce-ci`` profile
  (``derandomize=True``, no example database) is loaded, and a Hypothesis test whose own settings
  still ask for random examples fails at setup. ``PTCE_FUZZ_EXAMPLES`` (the random fuzzing
  campaign of ``tests/test_fuzz_loaders.py``) lifts that check.

A plugin module rather than hooks in ``conftest.py`` so that ``tests/test_suite_checks.py`` can
run it (``pytest -p suite_checks``) on small generated test files.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import settings

CI = bool(os.environ.get("CI"))
"""CI's runs are strict: every browser test must run, every Hypothesis test is derandomised."""
CAMPAIGN = bool(os.environ.get("PTCE_FUZZ_EXAMPLES"))
"""A random fuzzing campaign was asked for (``tests/test_fuzz_loaders.py``)."""
WORKER_KEY = "ptce_browser_tests"
"""Where a pytest-xdist worker puts the browser tests it collected, for the controller."""

settings.register_profile("ptce-ci", derandomize=True, database=None, print_blob=True)
if CI:
    settings.load_profile("ptce-ci")


class SuiteChecks:
    """The browser tests' tally and the Hypothesis check, for one session."""

    def __init__(self) -> None:
        self.browser: list[str] = []
        self.outcomes: dict[str, str] = {}
        self.skip_reasons: Counter[str] = Counter()
        self.random_hypothesis: set[str] = set()

    # -- collection ---------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Note the browser tests, and in CI the Hypothesis tests that are not derandomised."""
        self.browser = [item.nodeid for item in items if item.get_closest_marker("browser")]
        if not CI or CAMPAIGN:
            return
        for item in items:
            test = getattr(item, "obj", None)
            if not getattr(test, "is_hypothesis_test", False):
                continue
            effective = getattr(test, "_hypothesis_internal_use_settings", None)
            if not (effective or settings.default).derandomize:
                self.random_hypothesis.add(item.nodeid)

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """In CI, a Hypothesis test that would draw random examples fails."""
        if item.nodeid in self.random_hypothesis:
            pytest.fail(
                "CI is set but this Hypothesis test is not derandomised: drop its "
                "derandomize=False (the ptce-ci profile derandomises every test)",
                pytrace=False,
            )

    # -- outcomes -----------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Record each browser test's outcome (a failure in any phase counts as failed).

        Told by the report's keywords, not by :attr:`browser`: under pytest-xdist the controller
        receives the workers' reports before it learns what they collected.
        """
        if "browser" not in report.keywords:
            return
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped and self.outcomes.get(report.nodeid) != "failed":
            self.outcomes[report.nodeid] = "skipped"
            self.skip_reasons[_skip_reason(report)] += 1
        elif report.when == "call" and report.passed:
            self.outcomes[report.nodeid] = "passed"

    def counts(self) -> dict[str, int]:
        """Browser tests collected, passed, failed, skipped and not run."""
        tally = Counter(self.outcomes.get(nodeid, "not run") for nodeid in self.browser)
        return {"collected": len(self.browser)} | {
            k: tally[k] for k in ("passed", "failed", "skipped", "not run")
        }

    def short_of_browser_tests(self) -> bool:
        """Fewer browser tests passed than were collected."""
        counts = self.counts()
        return counts["passed"] < counts["collected"]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        """Under pytest-xdist, in the controller: the browser tests a worker collected.

        Every worker collects the whole suite.
        """
        for nodeid in getattr(node, "workeroutput", {}).get(WORKER_KEY, []):
            if nodeid not in self.browser:
                self.browser.append(nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """In CI, a run short of browser tests fails, whatever the other tests did.

        A pytest-xdist worker only hands its list of browser tests to the controller, which
        tallies every worker's reports and decides.
        """
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[WORKER_KEY] = self.browser
            return
        if CI and self.short_of_browser_tests() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        """A section on the browser tests, loud when some did not run."""
        if not self.browser:
            return
        counts = self.counts()
        short = self.short_of_browser_tests()
        colour = {"red": True} if short and CI else {"yellow": True} if short else {"green": True}
        tr = terminalreporter
        tr.section("browser tests", sep="=", bold=True, **colour)
        tr.line(
            f"browser tests: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} SKIPPED, {counts['not run']} not run, "
            f"of {counts['collected']} collected",
            bold=True,
            **colour,
        )
        for reason, number in self.skip_reasons.most_common():
            tr.line(f"  {number} skipped: {reason}", **colour)
        if not short:
            return
        missing = counts["collected"] - counts["passed"]
        if CI:
            tr.line(
                f"CI is set: {missing} browser test(s) did not pass; this run FAILS "
                "(exit status 1) even if everything else passed",
                red=True,
                bold=True,
            )
        elif counts["skipped"]:
            tr.line(
                f"WARNING: {counts['skipped']} browser test(s) were skipped: the dashboard was "
                "NOT tested in a browser (see the README, 'Browser tests')",
                yellow=True,
                bold=True,
            )


def _skip_reason(report: pytest.TestReport) -> str:
    """The reason given to ``pytest.skip``, without pytest's ``Skipped:`` prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_configure(config: pytest.Config) -> None:
    """Register the checks (once, whether loaded by ``conftest.py`` or ``-p suite_checks``)."""
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright")
    if not config.pluginmanager.has_plugin("ptce-suite-checks"):
        config.pluginmanager.register(SuiteChecks(), "ptce-suite-checks")
