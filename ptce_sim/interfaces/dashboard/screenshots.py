"""Screenshots of the dashboard for the README, taken in Chromium through Playwright.

Usage::

    .venv/bin/python -m ptce_sim.interfaces.dashboard.screenshots [--out docs/img]
        [--lang en|fr|all] [--chromium PATH]

Serves the dashboard on a free port of 127.0.0.1, drives the page as a trainer would (years
played, a plant closure, a fork without cooperation) in a browser whose preferred language is
``--lang`` (the page follows it) and saves, in ``--out`` for English and ``--out``/fr for French:

* ``dashboard.png``: the date, the controls, jobs and unemployment, mechanisms, structures;
* ``dashboard_network.png``: the cooperation network, resilience after the shock, the figures;
* ``dashboard_compare.png``: two branches overlaid, their difference and figures;
* ``dashboard_compare_networks.png``: the two branches' networks side by side.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from ptce_sim.interfaces.dashboard import chromium_args, find_chromium, served
from ptce_sim.runs.i18n import BROWSER_LOCALES, LANGUAGES, _, month_year, using


def _button(page, label: str):
    return page.get_by_role("button", name=_(label), exact=True)


def _years(page, first: int, last: int) -> None:
    for year in range(first, last + 1):
        _button(page, "+1 year").click()
        page.locator(".ptce-date", has_text=month_year(year, 1)).wait_for()


def _shoot(page, path: Path, show: str | None = None) -> Path:
    """Scroll ``show`` (a CSS selector) into view, wait for the last frame, save ``path``."""
    if show is not None:
        page.locator(show).scroll_into_view_if_needed()
    time.sleep(1.0)  # the last frame drawn
    page.screenshot(path=path)
    return path


def take(
    out: Path, chromium: str, width: int = 1600, height: int = 1000, lang: str = "en"
) -> list[Path]:
    """Take the screenshots of the page in ``lang`` into ``out``; return their paths."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with using(lang), served() as url, sync_playwright() as p:
        locale = BROWSER_LOCALES[lang]
        args = chromium_args(locale)
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
        page = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
        page.set_default_timeout(60_000)
        page.goto(url)
        page.locator("[data-chart=network] canvas").wait_for()
        _years(page, 1971, 2006)
        _button(page, "Plant closure").click()
        closure = _("{month}: {event}").format(month=month_year(2006, 1), event=_("Plant closure"))
        page.get_by_text(re.compile(re.escape(closure))).first.wait_for()
        _years(page, 2007, 2010)
        saved.append(_shoot(page, out / "dashboard.png"))
        saved.append(_shoot(page, out / "dashboard_network.png", "[data-chart=network]"))

        _button(page, "Reset").click()
        page.get_by_text(_("ready to start")).wait_for()
        _years(page, 1971, 2000)
        _button(page, "Fork without cooperation").click()
        page.locator("[data-chart=difference] canvas").wait_for()
        _years(page, 2001, 2012)
        saved.append(_shoot(page, out / "dashboard_compare.png", ".ptce-date"))
        saved.append(_shoot(page, out / "dashboard_compare_networks.png", "[data-chart=network-b]"))
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    """Take the README's screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    parser.add_argument(
        "--lang",
        choices=[*LANGUAGES, "all"],
        default="all",
        help="the page's language; 'all' (default): English into --out, French into --out/fr",
    )
    parser.add_argument(
        "--chromium",
        default=find_chromium() or "/usr/bin/chromium",
    )
    args = parser.parse_args(argv)
    if not Path(args.chromium).is_file():
        raise SystemExit("no Chromium: apt-get install chromium, or pass --chromium PATH")
    for lang in LANGUAGES if args.lang == "all" else (args.lang,):
        for path in take(args.out / "fr" if lang == "fr" else args.out, args.chromium, lang=lang):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
