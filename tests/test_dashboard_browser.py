"""The dashboard in a real browser: Playwright driving Debian's Chromium against Solara's server.

One server for the module (Solara's server on a socket bound to port 0 of 127.0.0.1, see
``ptce_sim.interfaces.dashboard.start_server``; assets it lacks asked of a local CDN stand-in); each
test opens the page in a fresh browser context, i.e. a fresh session with its own model. The charts'
data are read back from the ECharts instances in the page.

Chromium: ``apt-get install chromium`` (Debian; CI's ``.ci/run`` does it), or point
``PTCE_CHROMIUM`` at a Chromium or Chrome binary. Without one, these tests are skipped (and the
session's summary says so loudly, ``tests/suite_checks.py``), unless the environment variable
``CI`` is set: then they fail, and a CI run with fewer browser tests passed than collected fails.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from conftest import dashboard_server

pytestmark = [
    pytest.mark.browser,
    # the server's start (up to 90 s), the first page load (60 s) and the page waits (30 s each)
    # have their own deadlines, with diagnostics: the limit per test stays above them
    pytest.mark.timeout(300),
    # pytest-playwright's own base_url fixture triggers this pytest deprecation warning
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]

LOAD_BUDGET_S = float(os.environ.get("PTCE_DASHBOARD_LOAD_BUDGET_S", "8"))
"""Upper bound for the page to become usable in a test (target: 3 s; see benchmarks)."""
TIMEOUT_MS = 30_000


@pytest.fixture(scope="session", autouse=True)
def needs_chromium(chromium: str) -> str:
    """Every test of this module needs Chromium (``chromium`` in ``conftest.py``)."""
    return chromium


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A projector-sized window."""
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}}


@pytest.fixture(scope="module")
def server(tmp_path_factory, local_cdn):
    """The dashboard's server (:func:`conftest.dashboard_server`); its URL."""
    with dashboard_server(tmp_path_factory.mktemp("dashboard"), local_cdn.env) as url:
        yield url


@pytest.fixture(scope="module")
def warm_server(server, browser):
    """The server after a first page load (which imports the model's modules)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server)
    page.locator(".ptce-date").wait_for(timeout=60_000)
    context.close()
    return server


def _open(page, url: str) -> float:
    """Open the dashboard; seconds until it is usable (date, Play button and charts shown)."""
    page.set_default_timeout(TIMEOUT_MS)
    start = time.perf_counter()
    page.goto(url)
    page.locator(".ptce-date").wait_for()
    page.get_by_role("button", name="Play").wait_for()
    page.locator("[data-chart=jobs] canvas").wait_for()
    page.locator("[data-chart=network] canvas").wait_for()
    return time.perf_counter() - start


def _date(page) -> str:
    return page.locator(".ptce-date").inner_text().strip()


def _wait_date(page, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('.ptce-date').innerText.trim() === t", arg=text
    )


def _wait_year(page, year: int) -> None:
    page.wait_for_function(
        "y => parseInt(document.querySelector('.ptce-date').innerText.trim().split(' ')[1]) >= y",
        arg=year,
    )


OPTION_JS = """
name => {
  const el = document.querySelector(`[data-chart="${name}"]`);
  if (!el || !window.requirejs) return null;
  const defined = window.requirejs.s.contexts._.defined;
  const echarts = Object.values(defined).find(m => m && typeof m.getInstanceByDom === 'function');
  const chart = echarts && echarts.getInstanceByDom(el);
  if (!chart) return null;
  const option = chart.getOption();
"""
"""The start of a page function that finds the ECharts instance of the chart ``name`` and its
option (``null`` when the chart is not drawn yet)."""

CHART_JS = (
    OPTION_JS
    + """  return {
    title: option.title[0].text,
    series: option.series.map(s => ({
      name: s.name,
      points: (s.data || []).length,
      marks: s.markLine ? s.markLine.data.map(d => d.name) : [],
      last: (s.data && s.data.length) ? s.data[s.data.length - 1] : null,
    })),
  };
}
"""
)


def _chart(page, name: str) -> dict | None:
    """The option of a chart as ECharts holds it in the page (names, points, event marks)."""
    return page.evaluate(CHART_JS, name)


def _wait_points(page, name: str, at_least: int) -> dict:
    page.wait_for_function(
        f"([n, k]) => {{ const c = ({CHART_JS})(n); return c && c.series[0].points >= k; }}",
        arg=[name, at_least],
    )
    return _chart(page, name)


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


# -- the tests -------------------------------------------------------------------------------------


def test_page_is_usable_quickly(warm_server, page):
    """The page shows the date, the controls and the charts within the load budget."""
    seconds = _open(page, warm_server)
    print(f"dashboard usable after {seconds:.2f} s")
    assert seconds < LOAD_BUDGET_S
    assert _date(page) == "January 1970"
    assert page.locator(".ptce-status").inner_text() == "ready to start"
    for name in ("Play", "Pause", "Step", "Reset"):
        assert page.get_by_role("button", name=name, exact=True).count() == 1
    jobs = _chart(page, "jobs")
    assert jobs["title"] == "Jobs and unemployment" and jobs["series"][0]["points"] == 0
    assert page.get_by_text("seignanx_1970_2015").count() >= 1


def test_the_page_needs_nothing_from_the_cdn(warm_server, page, local_cdn):
    """Every script and style of the page is served locally (``solara-assets``).

    Its server asks the CDN (here the tests' stand-in, which records every request) for nothing.
    """
    asked = len(local_cdn.requests)
    _open(page, warm_server)
    page.get_by_role("button", name="Step", exact=True).click()
    _wait_date(page, "February 1970")
    assert local_cdn.requests[asked:] == []


def test_step_and_play_advance_the_date_and_the_charts(warm_server, page):
    """Step moves one month; Play runs until Pause; the charts grow as the date advances."""
    _open(page, warm_server)
    _click(page, "Step")
    _wait_date(page, "February 1970")
    assert _wait_points(page, "jobs", 1)["series"][0]["points"] == 1
    _click(page, "+1 year")
    _wait_date(page, "February 1971")
    _click(page, "Play")
    _wait_year(page, 1973)
    _click(page, "Pause")
    page.get_by_role("button", name="Play", exact=True).wait_for()
    time.sleep(0.5)
    paused = _date(page)
    time.sleep(1.0)
    assert _date(page) == paused  # paused: the date stays
    months = (int(paused.split()[1]) - 1970) * 12
    jobs = _wait_points(page, "jobs", months)
    assert jobs["series"][0]["points"] >= 36
    _wait_points(page, "network", 1)  # the training centre opened in 1972
    _wait_points(page, "structures", 1)


def test_levers_apply_live(warm_server, page):
    """Switches and sliders reach the session while the run goes on (no reset)."""
    _open(page, warm_server)
    _click(page, "+1 year")
    _wait_date(page, "January 1971")
    switch = page.get_by_role("switch", name="Employer groups (GE)")
    assert switch.get_attribute("aria-checked") == "true"
    switch.click(force=True)  # the input is styled away behind Vuetify's track
    page.wait_for_function(
        "() => document.querySelector('[role=switch][aria-checked=false]') !== null"
    )
    assert switch.get_attribute("aria-checked") == "false"
    intensity = page.get_by_role("slider").nth(1)  # after the speed: cooperation intensity
    intensity.focus()
    page.keyboard.press("End")
    page.get_by_text("Cooperation intensity ×2.0").wait_for()
    _click(page, "+1 year")
    _wait_date(page, "January 1972")  # the run went on with the new levers
    assert switch.get_attribute("aria-checked") == "false"


def test_a_shock_is_applied_now_and_marked(warm_server, page):
    """Live events hit at the current date; the charts and the resilience panel show them."""
    _open(page, warm_server)
    _click(page, "+1 year")
    _wait_date(page, "January 1971")
    _click(page, "Plant closure")  # the largest sector by default
    page.get_by_text(re.compile(r"^January 1971: Plant closure \(")).wait_for()
    _click(page, "+1 year")
    _wait_date(page, "January 1972")
    jobs = _wait_points(page, "jobs", 24)
    assert any(m.endswith("plant closure (January 1971)") for m in jobs["series"][0]["marks"])
    page.locator(".ptce-resilience", has_text="plant closure (January 1971)").wait_for()
    _click(page, "Sector downturn")
    page.get_by_text("January 1972: Sector downturn (all sectors, -10%)").wait_for()
    _click(page, "Funding cut")
    page.get_by_text("January 1972: Funding cut (all authorities, -30%)").wait_for()
    _click(page, "Step")
    _wait_date(page, "February 1972")
    marks = _wait_points(page, "jobs", 25)["series"][0]["marks"]
    assert any(m.endswith("downturn (January 1972)") for m in marks)
    assert any(m.endswith("budget cut (January 1972)") for m in marks)


def test_fork_and_compare(warm_server, page):
    """Fork without cooperation: A and B overlaid, their difference and a table; keep one."""
    _open(page, warm_server)
    for year in (1971, 1972):
        _click(page, "+1 year")
        _wait_date(page, f"January {year}")
    _click(page, "Fork without cooperation")
    page.locator("[data-chart=difference] canvas").wait_for()
    page.get_by_text("Forked in January 1972").first.wait_for()
    assert page.get_by_text("Levers (branch B)").count() == 1
    switch = page.get_by_role("switch", name="Employer groups (GE)")
    if switch.count():  # Vuetify 2 switches carry role=switch and aria-checked
        assert switch.get_attribute("aria-checked") == "false"
    for year in (1973, 1974, 1975):
        _click(page, "+1 year")
        _wait_date(page, f"January {year}")
    jobs = _wait_points(page, "jobs", 60)  # the chart may be drawn just after the date
    assert [s["name"] for s in jobs["series"]] == ["A (as is)", "B (variant)"]
    assert jobs["series"][0]["points"] == 60 and jobs["series"][1]["points"] == 37
    assert "fork (January 1972)" in jobs["series"][0]["marks"]
    difference = _chart(page, "difference")
    assert difference["title"] == "Difference B − A"
    page.locator("[data-chart=network-b] canvas").wait_for()
    assert _chart(page, "network-b") is not None
    header = page.locator(".ptce-figures .ptce-table th").all_inner_texts()
    assert header == ["", "A", "B", "B − A"]
    panel = page.locator(".ptce-net")
    assert panel.is_visible() and "gross jobs" in panel.inner_text()
    assert "= net jobs" in panel.inner_text()
    _click(page, "Keep A")
    page.locator("[data-chart=difference]").wait_for(state="detached")
    page.wait_for_function(
        f"() => {{ const c = ({CHART_JS})('jobs'); return c && c.series[0].name === 'Jobs'; }}"
    )


def test_two_browser_contexts_keep_separate_models(warm_server, browser):
    """Two visitors: one's steps and shocks never show in the other's page."""
    first, second = browser.new_context(), browser.new_context()
    try:
        one, two = first.new_page(), second.new_page()
        _open(one, warm_server)
        _open(two, warm_server)
        _click(one, "+1 year")
        _wait_date(one, "January 1971")
        _click(one, "Plant closure")
        one.get_by_text(re.compile(r"^January 1971: Plant closure \(")).wait_for()
        _click(two, "Step")
        _wait_date(two, "February 1970")
        time.sleep(0.5)
        assert _date(one) == "January 1971" and _date(two) == "February 1970"
        assert two.get_by_text(re.compile(r"Plant closure \(")).count() == 0
        two.reload()
        two.locator(".ptce-date").wait_for()
        assert _date(two) == "January 1970"  # a new page is a new session
        assert _date(one) == "January 1971"
    finally:
        first.close()
        second.close()


# -- the page in French ----------------------------------------------------------------------------

TEXTS_JS = (
    OPTION_JS
    + """  const texts = [];
  const walk = (value, key) => {
    if (typeof value === 'string') {
      if (['text', 'subtext', 'name', 'formatter'].includes(key)) texts.push(value);
    } else if (Array.isArray(value)) {
      if (key === 'data' && value.every(v => typeof v === 'string')) texts.push(...value);
      else value.forEach(v => walk(v, key));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (!(key === 'series' && (k === 'data' || k === 'links'))) walk(v, k);
      }
    }
  };
  for (const [k, v] of Object.entries(option)) walk(v, k);
  return texts;
}
"""
)
"""Every text of a chart as ECharts holds it: titles, names, labels, legends, category axes (not
the series' points, nor the network's nodes, whose names are the scenario's)."""

SCENARIO_FILE = "scenarios/seignanx_1970_2015.toml"
"""The dashboard's default scenario."""
SHARED_WORDS = {"pause", "communes", "département", "région", "ge", "geiq"}
"""Words of the English texts allowed on the French page: the same in both languages."""


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]{2,}", text)}


def _english_only_words() -> set[str]:
    """Words of the English texts that no French translation uses.

    A French "translation" left equal to its English text counts for nothing: its words stay
    English (only :data:`SHARED_WORDS` may be the same in both languages).
    """
    from babel.messages.pofile import read_po

    from ptce_sim.runs.i18n import LOCALE_DIR

    words = {}
    for lang in ("en", "fr"):
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "ptce_sim.po").open("rb") as handle:
            catalogue = read_po(handle)
        words[lang] = set()
        for message in catalogue:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                if lang == "fr" and string in ids:
                    continue
                words[lang] |= _words(re.sub(r"\{[^{}]*\}", " ", string or ""))  # no {fields}
    return words["en"] - words["fr"] - SHARED_WORDS


def _scenario_words() -> set[str]:
    """Words of the scenario's names that the page shows (its sectors and structures): data."""
    from ptce_sim.config.scenario_io import load_scenario

    scenario = load_scenario(Path(__file__).resolve().parents[1] / SCENARIO_FILE)
    names = [sector.name for sector in scenario.sectors]
    creations = [e for e in scenario.events if e.type == "create_structure"]
    names += [e.structure.name for e in creations]  # a legal_form event names one by a string
    return _words(" ".join(names).replace("_", " "))


def _english_on_page(page, charts: list[str]) -> set[str]:
    """The English words shown: the page's text, its hover texts and its charts' texts."""
    shown = [page.locator("body").inner_text()]
    shown += page.eval_on_selector_all("[title]", "els => els.map(e => e.title)")
    for chart in charts:
        texts = page.evaluate(TEXTS_JS, chart)
        assert texts, f"chart {chart} not drawn"
        shown += texts
    return _words(" ".join(shown)) & (_english_only_words() - _scenario_words())


AXIS_NUMBER_JS = (
    OPTION_JS
    + """  const axis = option.yAxis[0];
  return axis.axisLabel.formatter(12345);
}
"""
)
"""How the chart ``name``'s first value axis writes the number 12345."""


def test_a_french_browser_gets_the_page_in_french(warm_server, french_browser):
    """A browser asking for French gets every page of the dashboard in French, no English word.

    The single run, then the two branches after a fork (their charts, table and gross-to-net
    panel), a live event, the glossary's hover texts; the FR/EN switch turns it to English.
    """
    context = french_browser.new_context(locale="fr-FR", viewport={"width": 1600, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(warm_server)
        page.locator(".ptce-date").wait_for()
        assert _date(page) == "janvier 1970"
        assert page.locator(".ptce-status").inner_text() == "prêt à démarrer"
        page.locator("[data-chart=network] canvas").wait_for()
        _click(page, "+1 an")
        _wait_date(page, "janvier 1971")
        single = ["jobs", "mechanisms", "structures", "network", "resilience"]
        assert _english_on_page(page, single) == set()
        geiq = page.locator("abbr", has_text="GEIQ").get_attribute("title")
        assert geiq.startswith("Groupement d'employeurs pour l'insertion et la qualification")
        assert page.evaluate(AXIS_NUMBER_JS, "jobs") == "12\u202f345"  # not ECharts' "12,345"
        _click(page, "Fermeture d'usine")
        page.get_by_text("janvier 1971 : Fermeture d'usine (industrie)").wait_for()
        _click(page, "Bifurquer")
        page.locator("[data-chart=difference] canvas").wait_for()
        for year in (1972, 1973):
            _click(page, "+1 an")
            _wait_date(page, f"janvier {year}")
        page.locator(".ptce-net").wait_for()
        assert "emplois bruts" in page.locator(".ptce-net").inner_text()
        forked = ["jobs", "unemployment", "difference", "mechanisms", "network", "network-b"]
        forked += ["structures", "structures-b", "resilience"]
        assert _english_on_page(page, forked) == set()
        page.get_by_role("button", name="EN", exact=True).click()
        _wait_date(page, "January 1973")
        page.get_by_role("button", name="Play", exact=True).wait_for()
        page.get_by_text("January 1971: Plant closure (industry)").wait_for()
        # the charts take the new language after the page's words (their options are sent apart)
        page.wait_for_function(f"n => ({AXIS_NUMBER_JS})(n) === '12,345'", arg="jobs")
    finally:
        context.close()
