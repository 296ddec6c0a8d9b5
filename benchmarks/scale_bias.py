"""Reduced scales against full scale: do rescaled figures match?

Runs a scenario (default: the shipped Seignanx 1970-2015) at full scale and at reduced scales
(default 0.1, 0.05 and 0.02, the funding page's smaller choices) over several seeds, computes
each run's headline figures as ``ptce-sim compare`` does (full-scale equivalents:
:func:`ptce_sim.studies.compare.headline_figures`), and prints, for each scale, the mean and
standard deviation over the seeds and the ratio of the mean to the full-scale mean. An
unbiased reduced scale gives ratios near 1 (within the noise: see the standard deviations).

Usage::

    .venv/bin/python benchmarks/scale_bias.py                       # about 3 minutes on 2 cores
    .venv/bin/python benchmarks/scale_bias.py --scales 0.25 0.1 --seeds-full 4 --seeds 10
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
from ptce_sim.studies.batch_worker import yearly_table
from ptce_sim.studies.compare import headline_figures

ROOT = Path(__file__).resolve().parents[1]
FIGURES = (
    "employed_end",
    "unemployment_rate_end",
    "unemployment_rate_mean",
    "ess_jobs_end",
    "jobs_created",
    "public_money_eur",
)


def figures(job: tuple[str, float, int]) -> dict[str, float]:
    """One run's headline figures (full-scale equivalents)."""
    path, scale, seed = job
    result = simulate(load_scenario(path).with_overrides(scale=scale), seed)
    yearly = yearly_table(result.territory, result.jobs_by_mechanism)
    return {"scale": scale, "seed": seed, **headline_figures(yearly, scale)}


def main(argv: list[str] | None = None) -> int:
    """Print the figures' means by scale and their ratios to full scale."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", nargs="?", default=ROOT / "scenarios/seignanx_1970_2015.toml")
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 0.05, 0.02])
    parser.add_argument("--seeds", type=int, default=10, help="seeds at each reduced scale")
    parser.add_argument("--seeds-full", type=int, default=4, help="seeds at full scale")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
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
        rows = list(pool.map(figures, jobs))
    frame = pd.DataFrame(rows)
    by_scale = frame.groupby("scale")[list(FIGURES)]
    means, sds = by_scale.mean().T, by_scale.std().T
    ratios = means.div(means[1.0], axis=0)
    pd.set_option("display.width", 200)
    print(f"{args.scenario}: {len(jobs)} runs in {time.perf_counter() - started:.0f} s")
    print("\nmean over the seeds (full-scale equivalents; rates in %)")
    print(means.round(2).to_string())
    print("\nstandard deviation over the seeds")
    print(sds.round(2).to_string())
    print("\nratio of the mean to the full-scale mean")
    print(ratios.round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
