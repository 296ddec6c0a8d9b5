"""A full classroom on one machine: N sessions, each playing its own full-scale run at once.

The dashboard's server (uvicorn + Solara behind the room's door, port 0 of 127.0.0.1) and one
headless Chromium with one browser context per session (a separate visitor each: its own cookie,
its own page, its own Solara session and model). Every page sets the fastest speed (30 months/s)
and presses Play; after ``--seconds`` the figures are read:

* months per second of each session (from the month shown in its page), and their spread
  (min / max, Jain's fairness index): a fair share is total / N;
* time per frame (p50 / p95, ms): the time between two frames of a session, from the room's
  figures (``/_ptce/room?detail=1``), with the months stepped per frame;
* memory: the server's RSS before the first page and with N sessions (per session: the
  difference / N), and Chromium's;
* CPU: the server's and Chromium's shares of the machine while playing. Chromium's processes
  are set to the lowest priority before Play (``--no-nice-browser``: not), since in a room each
  visitor's browser runs on their own machine;
* errors: error messages in pages, tracebacks in the server's log, pages that never loaded; the
  room-full page for visitor N+1 (with ``--cap N``) is counted apart, it is not an error.

Usage::

    .venv/bin/python benchmarks/classroom.py                      # 30 sessions, 120 s
    .venv/bin/python benchmarks/classroom.py --sessions 10 --seconds 30 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _room(url: str) -> dict:
    with urllib.request.urlopen(url + "_ptce/room?detail=1", timeout=30) as response:
        return json.load(response)


def _month(page) -> int:
    return page.evaluate(
        "() => { const s = document.querySelector('.ptce-status').innerText;"
        " const m = s.match(/month (\\d+)/); return m ? parseInt(m[1]) :"
        " (s.includes('end') ? 552 : 0); }"
    )


def _chromium_rss_mib(pid: int) -> float:
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 2**20
    except psutil.Error:
        return float("nan")


def run(sessions: int, seconds: float, cap: int | None, nice_browser: bool = True) -> dict:
    """Run."""
    from playwright.sync_api import sync_playwright

    from ptce_sim.interfaces.dashboard import CHROMIUM_ARGS, find_chromium, start_server

    workdir = Path(tempfile.mkdtemp(prefix="ptce-classroom-"))
    log_path = workdir / "server.log"
    env = {"PTCE_DASHBOARD_MAX_SESSIONS": str(cap or sessions)}
    env["SOLARA_ASSETS_CDN"] = "http://127.0.0.1:9/"  # nothing beyond this machine
    with log_path.open("w") as log:
        server, port = start_server(env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url + "_ptce/room", timeout=5).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(log_path.read_text()[-2000:]) from None
                time.sleep(0.3)
        base = _room(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS
            )
            pages, failed = [], 0
            opened = time.perf_counter()
            for _ in range(sessions):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.set_default_timeout(180_000)
                try:
                    page.goto(url)
                    page.get_by_role("button", name="Play", exact=True).wait_for()
                    slider = page.get_by_role("slider").first
                    slider.focus()
                    page.keyboard.press("End")
                    page.get_by_text("Speed: 30 months/s").wait_for()
                    pages.append(page)
                except Exception as exc:  # noqa: BLE001 - counted as an error
                    print(f"a page failed to open: {exc}", file=sys.stderr)
                    failed += 1
            opened = time.perf_counter() - opened
            seated = _room(url)
            full_status = None
            if cap is not None and cap <= sessions:
                context = browser.new_context(locale="fr-FR")
                full_status = context.new_page().goto(url).status
                context.close()
            for page in pages:  # press Play everywhere, as fast as possible
                page.get_by_role("button", name="Play", exact=True).click()
            chromium_pid = _browser_pid(browser)
            if nice_browser:
                _renice(chromium_pid)
            start_months = [_month(page) for page in pages]
            cpu_start = _cpu_s(server.pid), _cpu_s(chromium_pid), os.times().elapsed
            start = time.perf_counter()
            time.sleep(seconds)
            end_months = [_month(page) for page in pages]
            elapsed = time.perf_counter() - start
            cpu_end = _cpu_s(server.pid), _cpu_s(chromium_pid), os.times().elapsed
            during = _room(url)
            chromium_mib = _chromium_rss_mib(chromium_pid)
            errors = sum(page.locator(".v-alert.error").count() for page in pages)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = log_path.read_text(errors="replace")
    rates = (np.asarray(end_months) - np.asarray(start_months)) / elapsed
    seats = [s for s in during["seats"] if s["frame_ms_p50"] is not None]
    total = float(rates.sum())
    return {
        "sessions": sessions,
        "seconds": elapsed,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg()[0],
        "pages_opened_in_s": opened,
        "months_per_s": {
            "each": [round(float(r), 2) for r in rates],
            "min": float(rates.min()),
            "max": float(rates.max()),
            "total": total,
            "fair_share": total / len(rates),
            "min_over_fair_share": float(rates.min() / (total / len(rates))),
            "jain_index": float(total**2 / (len(rates) * float((rates**2).sum()))),
        },
        "frame_ms": {
            "p50_median_of_sessions": float(np.median([s["frame_ms_p50"] for s in seats])),
            "p95_median_of_sessions": float(np.median([s["frame_ms_p95"] for s in seats])),
            "p95_worst_session": float(max(s["frame_ms_p95"] for s in seats)),
            "months_per_frame": float(
                np.mean([s["months"] / max(s["frames"], 1) for s in during["seats"]])
            ),
        },
        "memory_mib": {
            "server_before": base["rss_mib"],
            "server_seated": seated["rss_mib"],
            "server_playing": during["rss_mib"],
            "per_session": (during["rss_mib"] - base["rss_mib"]) / max(len(pages), 1),
            "chromium": chromium_mib,
        },
        "browser_niced": nice_browser,
        "cpu_share_while_playing": {  # of the machine's cores, over the play window
            "server": (cpu_end[0] - cpu_start[0]) / (cpu_end[2] - cpu_start[2]),
            "chromium": (cpu_end[1] - cpu_start[1]) / (cpu_end[2] - cpu_start[2]),
            "cores": os.cpu_count(),
        },
        "errors": {
            "pages_not_opened": failed,
            "error_messages_in_pages": errors,
            "tracebacks_in_server_log": log.count("Traceback"),
        },
        "room_full_status_for_one_more": full_status,
    }


def _cpu_s(pid: int) -> float:
    """CPU seconds of a process and its children (user + system)."""
    import psutil

    try:
        procs = [psutil.Process(pid)]
        procs += procs[0].children(recursive=True)
    except psutil.Error:
        return float("nan")
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _renice(pid: int) -> None:
    """Lowest priority for Chromium: in a room, each visitor's browser runs on their own machine."""
    import psutil

    try:
        procs = [psutil.Process(pid)]
        procs += procs[0].children(recursive=True)
    except psutil.Error:
        return
    for proc in procs:
        try:
            proc.nice(19)
        except psutil.Error:
            pass


def _browser_pid(browser) -> int:
    import psutil

    me = psutil.Process()
    chromes = [p for p in me.children(recursive=True) if "chrom" in p.name().lower()]
    parents = [p for p in chromes if p.ppid() not in {c.pid for c in chromes}]
    return parents[0].pid if parents else me.pid


def main(argv: list[str] | None = None) -> int:
    """Main."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--cap", type=int, help="session cap (default: --sessions)")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--no-nice-browser",
        action="store_true",
        help="leave Chromium at normal priority (default: lowest, as if on the visitors' machines)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    print(
        f"{args.sessions} sessions, {args.seconds:g} s, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    results = run(
        args.sessions,
        args.seconds,
        args.cap if args.cap else args.sessions,
        nice_browser=not args.no_nice_browser,
    )
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
