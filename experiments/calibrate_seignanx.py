"""Calibrate the Seignanx scenario's uncertain parameters against the observed 2012 figures.

Method: a (1+λ) evolution strategy with common random numbers (a simulation-based optimiser over
replicates). Each candidate parameter set is run on the same seeds; its loss is the mean over the
observed figures of ``|log(simulated median / observed)|`` (a relative error that treats -50% and
+100% alike), plus 1 for every figure beyond ±50%. From the current scenario's values, each
generation draws λ candidates by multiplying each parameter by ``exp(σ·N(0,1))`` (clipped to its
bounds); the best candidate replaces the incumbent when its loss is lower, and σ adapts with the
1/5 success rule. Only behavioural parameters are calibrated; no outcome is ever set: structures'
sizes emerge from the mechanisms.

    .venv/bin/python experiments/calibrate_seignanx.py --generations 10 --seeds 4 --scale 0.5

prints the loss of each generation and, at the end, the calibrated values as lines to put in
scenarios/seignanx_1970_2015.toml (then run scenarios/derive_variants.py and ``ptce-sim validate``).
"""

from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "seignanx_1970_2015.toml"
TARGETS = ROOT / "scenarios" / "targets" / "seignanx.toml"


@dataclass(frozen=True)
class Parameter:
    """An uncertain parameter: its path in the scenario and its plausible bounds."""

    path: str
    low: float
    high: float


def structure_path(scenario, name: str, field: str) -> str:
    """Path of a field of the structure ``name`` created by the timeline."""
    if not any(e.type == "create_structure" and e.structure.name == name for e in scenario.events):
        raise KeyError(name)
    return f"events[{name}].structure.{field}"


def parameters(scenario) -> list[Parameter]:
    """The uncertain parameters calibrated, with their bounds (ASSUMPTION: plausible ranges)."""
    return [
        Parameter("mechanisms.shared_employment.contact_rate", 0.0003, 0.005),
        Parameter("firms.risk_premium", 0.0, 1.0),
        Parameter("mechanisms.geiq.recruitment_rate", 0.3, 1.0),
        Parameter("mechanisms.gpec.hours_per_employer_per_year", 1.0, 60.0),
        Parameter("authorities[Aquitaine region].training_budget_eur_per_year", 1e5, 6e5),
        Parameter("mechanisms.geiq.contact_rate", 0.01, 0.3),
        Parameter("markets[insertion_services].eur_per_employed_per_year", 10, 80),
        Parameter("markets[catering].eur_per_pole_worker_per_year", 300, 1500),
        Parameter("mechanisms.incubation.intake_rate", 0.0005, 0.01),
    ]


def current_values(scenario, params: list[Parameter]) -> np.ndarray:
    """The scenario's own values of the parameters (the starting point)."""
    from ptce_sim.config.overrides import resolve

    data = scenario.model_dump(mode="json")
    values = []
    for p in params:
        (table, key, _), *_ = resolve(data, p.path)
        values.append(float(table[key]))
    return np.array(values)


def _run(job):
    scenario, seed = job
    from ptce_sim.runs.runner import simulate

    result = simulate(scenario, seed)
    return result.territory, result.structures


def loss(base, targets, params, values, seeds, scale, pool) -> tuple[float, int]:
    """Loss of a parameter set: mean |log ratio| of medians to observed, +1 per figure off 50%."""
    from ptce_sim.config.overrides import Override, apply_overrides
    from ptce_sim.studies.validation import RunTables, target_table

    scenario = apply_overrides(
        base,
        [Override(p.path, float(v), round_int=True) for p, v in zip(params, values, strict=True)],
    ).with_overrides(scale=scale)
    tables = list(pool.map(_run, [(scenario, s) for s in seeds]))
    runs = tuple(RunTables(s, True, t, st) for s, (t, st) in zip(seeds, tables, strict=True))
    table = target_table(targets, runs, scale)
    ratio = (table["simulated_median"] / table["observed"]).clip(lower=1e-3)
    score = float(np.mean(np.abs(np.log(ratio))) + table["beyond_50"].sum())
    return score, int(table["passed"].sum())


def main(argv: list[str] | None = None) -> int:
    """Run the calibration and print the calibrated values."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--offspring", type=int, default=4, help="λ, candidates per generation")
    parser.add_argument("--seeds", type=int, default=4, help="replicates per candidate")
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--sigma", type=float, default=0.15, help="initial log-scale step")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rng-seed", type=int, default=2026)
    args = parser.parse_args(argv)

    from ptce_sim.config.scenario_io import load_scenario
    from ptce_sim.studies.targets import load_targets

    base = load_scenario(SCENARIO)
    targets = load_targets(TARGETS)
    params = parameters(base)
    low = np.array([p.low for p in params])
    high = np.array([p.high for p in params])
    best = current_values(base, params)
    seeds = list(range(args.seeds))
    rng = np.random.default_rng(args.rng_seed)
    sigma = args.sigma
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        best_loss, passed = loss(base, targets, params, best, seeds, args.scale, pool)
        print(
            f"start: loss {best_loss:.4f}, {passed}/{len(targets)} figures within ±25%", flush=True
        )
        for generation in range(1, args.generations + 1):
            candidates = [
                np.clip(best * np.exp(sigma * rng.standard_normal(best.size)), low, high)
                for _ in range(args.offspring)
            ]
            scored = [
                (loss(base, targets, params, c, seeds, args.scale, pool), c) for c in candidates
            ]
            (cand_loss, cand_passed), cand = min(scored, key=lambda item: item[0][0])
            improved = cand_loss < best_loss
            if improved:
                best, best_loss, passed = cand, cand_loss, cand_passed
            sigma *= math.exp((1.0 if improved else -0.25) / 4)  # the 1/5 success rule
            print(
                f"generation {generation}: loss {best_loss:.4f}, {passed}/{len(targets)} within "
                f"±25%, sigma {sigma:.3f}{' (improved)' if improved else ''}",
                flush=True,
            )
    print("\ncalibrated values (put them in scenarios/seignanx_1970_2015.toml):")
    for p, v in zip(params, best, strict=True):
        print(f"  {p.path} = {v:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
