"""The books over many seeds: no euro created or lost, every month, at full scale.

For each seed (default 100) and each shipped Seignanx scenario (the pole, the counterfactual
without it, the funding cut), the run is stepped month by month and the books' invariants
(``books_closed``: the balances sum to zero, so the territory's accounts change only by named
flows with the rest of the world; ``books_match``: each structure's cash, the solidarity fund
and each funder's budget left equal their balance, to the cent) are checked after every month
(:func:`ptce_sim.simulation.invariants.check_state`). The test suite does the same at a small
scale over fewer seeds (tests/test_accounts.py); this script is the full-scale check.

It prints, per scenario, the runs, the months checked, the violations (with the first ones) and
the euros moved by kind of flow (mean per run), then ``PASS`` or ``FAIL``. Exit status 1 when
any violation is found.

Usage::

    .venv/bin/python benchmarks/conservation.py                     # 100 seeds, scale 1, 2 workers
    .venv/bin/python benchmarks/conservation.py --seeds 10 --scale 0.25 --workers 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = (
    "seignanx_1970_2015.toml",
    "seignanx_no_cooperation.toml",
    "seignanx_funding_cut_2016_2025.toml",
)


def check_run(job: tuple[str, float, int]) -> tuple[str, int, list[str], dict[str, float]]:
    """Run one scenario with one seed; the months checked, the violations, the flows' totals."""
    from ptce_sim.config.scenario_io import load_scenario
    from ptce_sim.simulation.invariants import check_state
    from ptce_sim.simulation.model import PtceModel

    name, scale, seed = job
    model = PtceModel(load_scenario(ROOT / "scenarios" / name).with_overrides(scale=scale), seed)
    found: list[str] = []
    months = 0
    while model.running:
        model.step()
        months += 1
        found += [str(v) for v in check_state(model) if v.invariant.startswith("books")]
    return name, months, found, {str(flow): amount for flow, amount in model.ledger.totals.items()}


def main(argv: list[str] | None = None) -> int:
    """Check the books of every run; 1 when a violation is found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100, help="seeds per scenario (default 100)")
    parser.add_argument("--scale", type=float, default=1.0, help="population scale (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    jobs = [(name, args.scale, seed) for name in SCENARIOS for seed in range(args.seeds)]
    start = time.perf_counter()
    runs: dict[str, int] = defaultdict(int)
    months: dict[str, int] = defaultdict(int)
    violations: dict[str, list[str]] = defaultdict(list)
    flows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        for name, checked, found, totals in pool.map(check_run, jobs):
            runs[name] += 1
            months[name] += checked
            violations[name] += found
            for flow, amount in totals.items():
                flows[name][flow] += amount
    print(
        f"books checked every month: {len(jobs)} runs at scale {args.scale:g}, "
        f"{time.perf_counter() - start:.0f} s"
    )
    failed = False
    for name in SCENARIOS:
        found = violations[name]
        failed |= bool(found)
        print(
            f"\n{name}: {runs[name]} runs, {months[name]:,} months checked, "
            f"{len(found)} violations {'FAIL' if found else 'PASS'}"
        )
        for line in found[:5]:
            print(f"  {line}")
        for flow, amount in sorted(flows[name].items()):
            print(f"  {flow:<24} EUR {amount / runs[name]:>16,.0f} per run")
    print("\nPASS" if not failed else "\nFAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
