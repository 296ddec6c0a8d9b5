"""Reduced scales against full scale: do rescaled figures match?

Runs a scenario (default: the shipped Seignanx 1970-2015) at full scale and at reduced scales
(default 0.1, 0.05 and 0.02, the funding page's smaller choices) over several seeds, computes
each run's headline figures as ``ptce-sim compare`` does (full-scale equivalents:
:func:`ptce_sim.studies.reduced_scale.run_figures`), and prints, for each scale, the mean and
standard deviation over the seeds, the ratio of the mean to the full-scale mean, its standard
error and the tolerance stated for it (:mod:`ptce_sim.studies.reduced_scale`). An unbiased
reduced scale gives ratios near 1 (within the noise: see the standard errors).

``--write`` stores the ratios and tolerances in ``ptce_sim/studies/reduced_scales.json``, which
the comparison report and the funding page quote; do it with the default arguments whenever a
change moves results (``make reference`` and ``make validate`` time).

Usage::

    .venv/bin/python benchmarks/scale_bias.py                  # about 4 minutes on 2 cores
    .venv/bin/python benchmarks/scale_bias.py --write          # and store the tolerances
    .venv/bin/python benchmarks/scale_bias.py --scales 0.25 0.1 --seeds-full 4 --seeds 10
    .venv/bin/python benchmarks/scale_bias.py --mechanisms --scales 0.25 0.1 --seeds 8
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from ptce_sim.config.scenario_io import ScenarioError, load_scenario
from ptce_sim.runs.runner import simulate
from ptce_sim.studies.reduced_scale import FIGURES, MEASURED, ratios, run_figures, write

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios/seignanx_1970_2015.toml"


def mechanism_totals(job: tuple[str, float, int]) -> dict[str, float]:
    """One run's jobs by mechanism over the period, full-scale equivalents.

    ``ge_posts`` is a yearly stock: its years are added up, as for the other columns' flows.
    """
    path, scale, seed = job
    result = simulate(load_scenario(path).with_overrides(scale=scale), seed)
    table = result.jobs_by_mechanism.drop(columns="year")
    return {"scale": scale, "seed": seed, **(table.sum() / scale).to_dict()}


def main(argv: list[str] | None = None) -> int:
    """Print the figures' means by scale and their ratios to full scale."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.5, 0.25, 0.1, 0.05, 0.02])
    parser.add_argument("--seeds", type=int, default=12, help="seeds at each reduced scale")
    parser.add_argument("--seeds-full", type=int, default=6, help="seeds at full scale")
    parser.add_argument("--workers", type=int, default=2)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--write", action="store_true", help=f"store the tolerances in {MEASURED}")
    what.add_argument(
        "--mechanisms",
        action="store_true",
        help="instead: the ratio to full scale of each mechanism's jobs (where a bias comes from)",
    )
    args = parser.parse_args(argv)
    if args.write and Path(args.scenario).resolve() != DEFAULT_SCENARIO:
        print("scale_bias: --write measures the shipped Seignanx 1970-2015 only", file=sys.stderr)
        return 2
    try:
        load_scenario(args.scenario)
    except ScenarioError as error:
        print(f"scale_bias: {error}", file=sys.stderr)
        return 2
    jobs = [(str(args.scenario), 1.0, seed) for seed in range(args.seeds_full)]
    jobs += [(str(args.scenario), s, seed) for s in args.scales for seed in range(args.seeds)]
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        rows = list(pool.map(mechanism_totals if args.mechanisms else run_figures, jobs))
    frame = pd.DataFrame(rows)
    if args.mechanisms:
        means = frame.groupby("scale").mean().drop(columns="seed").T
        pd.set_option("display.width", 200)
        print(f"{args.scenario}: {len(jobs)} runs in {time.perf_counter() - started:.0f} s")
        print("\njobs by mechanism over the period: ratio of the mean to the full-scale mean")
        print(means.div(means[1.0], axis=0).round(2).assign(full_scale=means[1.0].round(0)))
        return 0
    by_scale = frame.groupby("scale")[list(FIGURES)]
    means, sds = by_scale.mean().T, by_scale.std().T
    reduced = sorted(args.scales, reverse=True)
    measured = {scale: ratios(frame, scale) for scale in reduced}
    pd.set_option("display.width", 200)
    print(f"{args.scenario}: {len(jobs)} runs in {time.perf_counter() - started:.0f} s")
    print("\nmean over the seeds (full-scale equivalents; rates in %)")
    print(means.round(2).to_string())
    print("\nstandard deviation over the seeds")
    print(sds.round(2).to_string())
    print("\nratio of the mean to the full-scale mean")
    print(pd.DataFrame({s: m["ratio"] for s, m in measured.items()}).round(3).to_string())
    for scale, table in measured.items():
        print(f"\nscale {scale}: ratio, its standard error and the stated tolerance")
        print(table[["ratio", "se", "tolerance"]].round(3).to_string())
    if args.write:
        write(frame, "scenarios/seignanx_1970_2015.toml")
        print(f"\nwritten: {MEASURED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
