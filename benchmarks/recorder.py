"""Is Mesa's DataCollector fast enough to record the monthly series? Measured, in one process.

The :class:`~ptce_sim.simulation.recorder.Recorder` keeps the monthly series as model reporters
of Mesa's ``DataCollector`` (one function per series, each value deep-copied). A hand-rolled
recorder would count the persons once and append seven numbers. This script runs the full-scale
Seignanx 1970–2015 and, at the end of every month, times both ways of recording the same series
(``timeit``, many repetitions) and the month itself, then prints the cost per month of each, their
ratio, and the DataCollector's share of a month. The recorder is kept on Mesa's DataCollector
while that share stays under 2%.

Usage::

    .venv/bin/python benchmarks/recorder.py [--scale 1.0] [--every 6]
"""

from __future__ import annotations

import argparse
import statistics
import time
import timeit
from pathlib import Path

import mesa

from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs.runner import settle_startup_objects
from ptce_sim.simulation.agents.persons import EMPLOYED, ESS_SIDE, Status
from ptce_sim.simulation.model import PtceModel
from ptce_sim.simulation.recorder import MONTHLY

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "seignanx_1970_2015.toml"
SHARE_TARGET = 0.02


def hand_rolled(model: PtceModel, series: dict[str, list[float]]) -> None:
    """The same seven series, counting the persons once."""
    counts = model.people.counts()
    series["month"].append(model.month_index)
    series["employed"].append(float(counts[EMPLOYED].sum()))
    series["unemployed"].append(float(counts[[Status.SEEKER, Status.LONG_TERM]].sum()))
    series["labour_force"].append(float(len(model.people) - counts[Status.INACTIVE]))
    series["ess_jobs"].append(float(counts[ESS_SIDE].sum()))
    series["pole_members"].append(float(model.network.graph.number_of_nodes()))
    series["persons"].append(float(len(model.people)))


def main(argv: list[str] | None = None) -> int:
    """Time the month, Mesa's DataCollector and a hand-rolled record of the monthly series."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--every", type=int, default=6, help="measure every N months (default 6)")
    args = parser.parse_args(argv)
    model = PtceModel(load_scenario(SCENARIO).with_overrides(scale=args.scale), 0)
    settle_startup_objects()
    collector = mesa.DataCollector(model_reporters=MONTHLY)
    series: dict[str, list[float]] = {name: [] for name in MONTHLY}
    month_s, mesa_s, hand_s = [], [], []
    while model.running:
        start = time.perf_counter()
        model.step()
        month_s.append(time.perf_counter() - start)
        if model.month_index % args.every == 0:
            by_mesa = timeit.repeat(lambda: collector.collect(model), number=20, repeat=3)
            by_hand = timeit.repeat(lambda: hand_rolled(model, series), number=20, repeat=3)
            mesa_s.append(min(by_mesa) / 20)
            hand_s.append(min(by_hand) / 20)
    month, by_mesa, by_hand = (statistics.median(v) for v in (month_s, mesa_s, hand_s))
    share = by_mesa / month
    print(f"scale {args.scale:g}: {len(month_s)} months, {len(model.people):,} persons at the end")
    print(f"month (median):                {month * 1e6:9.1f} us")
    print(f"Mesa DataCollector.collect:    {by_mesa * 1e6:9.1f} us per month")
    print(f"hand-rolled record:            {by_hand * 1e6:9.1f} us per month")
    print(f"ratio DataCollector / hand:    {by_mesa / by_hand:9.2f}")
    verdict = "PASS" if share <= SHARE_TARGET else "FAIL"
    print(f"DataCollector share of a month: {share:8.2%}  (target <= {SHARE_TARGET:.0%}) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
