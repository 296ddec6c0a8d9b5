"""Speed benchmark of ptce_sim: the full-scale Seignanx 1970–2015 run against Mesa's yardstick.

What is measured
----------------
1. **The Seignanx 1970–2015 scenario** (``scenarios/seignanx_1970_2015.toml``, 46 years of
   monthly steps) run with :func:`ptce_sim.runs.runner.simulate` at population scales 0.5, 1 and 2.
   For each run we take ``result.wall_time_s`` (the stepping only, not loading the scenario nor
   building the model) and ``result.person_months`` (the sum over steps of the persons alive),
   and derive the cost per person-month. With ``--repeat N`` each scale is run N times and the
   fastest run is kept (the minimum is the least noisy estimate of the cost of the code itself).

2. **Linearity.** The cost per person-month at 2× divided by the cost at 1× and at 0.5×. A ratio
   near 1 means the run time grows linearly with the population; the target is ≤ 1.25. A higher
   ratio reveals an O(N²) pattern somewhere (e.g. scanning every person to find a partner).

3. **The Boltzmann yardstick.** Mesa's classic Boltzmann wealth model (:mod:`boltzmann`,
   written the efficient way) is run in the same process, with as many agents as the mean number
   of persons of the 1× run, and its cost per agent-step is measured. The Boltzmann agent does
   almost nothing (one comparison, one random partner, two additions), so its cost is essentially
   the floor that Mesa and CPython impose on one agent activation. The RATIO of our cost per
   person-month to Boltzmann's cost per agent-step says how much work each person does per month
   beyond that floor; the target is ≤ 2. Because both are measured in the same process, on the
   same core, minutes apart, the speed of the machine cancels out of the ratio: it can be compared
   between a laptop and a CI runner, whereas absolute times cannot.

4. **The full-scale wall time**: ``wall_time_s`` of the 1× run, target < 10 s.

The process is pinned to one CPU when the platform allows it (``os.sched_setaffinity``), so
that the scheduler does not migrate it between cores during the timings.

Each target is reported as PASS or FAIL. The exit status is always 0 unless ``--strict`` is
given, in which case any FAIL makes it 1.

Usage::

    .venv/bin/python benchmarks/run.py              # scales 0.5, 1 and 2
    .venv/bin/python benchmarks/run.py --quick      # scales 0.5 and 1 only
    .venv/bin/python benchmarks/run.py --repeat 3 --json bench.json --strict
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIO_PATH = ROOT / "scenarios" / "seignanx_1970_2015.toml"

FULL_SCALES = (0.5, 1.0, 2.0)
QUICK_SCALES = (0.5, 1.0)

TARGET_LINEARITY = 1.25
"""Maximum cost per person-month at the largest scale relative to a smaller one."""
TARGET_BOLTZMANN_RATIO = 2.0
"""Maximum cost per person-month relative to Boltzmann's cost per agent-step."""
TARGET_FULL_SCALE_S = 10.0
"""Maximum wall time of the stepping of the full-scale (1×) run, in seconds."""


@dataclass
class ScaleRun:
    """Figures of the fastest of the runs at one scale."""

    scale: float
    mean_persons: float
    person_months: int
    wall_time_s: float
    total_time_s: float
    """Wall time of the whole ``simulate`` call, construction included (for information)."""
    all_wall_times_s: list[float] = field(default_factory=list)

    @property
    def us_per_person_month(self) -> float:
        """Microseconds of stepping per person-month."""
        if self.person_months <= 0:
            return float("nan")
        return self.wall_time_s / self.person_months * 1e6


@dataclass
class Check:
    """One figure compared with its target."""

    name: str
    value: float
    target: str
    passed: bool


def pin_to_one_cpu() -> str:
    """Pin this process to the first CPU it may run on; return a sentence saying what happened."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned to a CPU (os.sched_setaffinity is not available on this platform)"
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        return f"not pinned to a CPU ({exc})"
    return f"pinned to CPU {cpu}"


def time_scale(scenario, scale: float, repeat: int, simulate) -> ScaleRun:
    """Run the scenario at one scale ``repeat`` times and keep the fastest stepping."""
    scaled = scenario.with_overrides(scale=scale)
    best: ScaleRun | None = None
    walls: list[float] = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = simulate(scaled, seed=0)
        total = time.perf_counter() - start
        wall = float(result.wall_time_s)
        walls.append(wall)
        if best is None or wall < best.wall_time_s:
            best = ScaleRun(
                scale=scale,
                mean_persons=float(result.mean_persons),
                person_months=int(result.person_months),
                wall_time_s=wall,
                total_time_s=total,
            )
        del result
    assert best is not None
    best.all_wall_times_s = walls
    return best


def time_boltzmann(n_agents: int, steps: int, repeat: int) -> float:
    """Seconds per agent-step of the Boltzmann model, the fastest of ``repeat`` runs."""
    from boltzmann import run_boltzmann

    timings = []
    for _ in range(repeat):
        gc.collect()
        timings.append(run_boltzmann(n_agents, steps, seed=0))
    return min(timings)


def verdict(passed: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if passed else "FAIL"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description=(
            "Speed benchmark: time the Seignanx 1970-2015 run at several population scales, "
            "check that the cost grows linearly and compare it with Mesa's Boltzmann wealth "
            "model measured in the same process."
        ),
    )
    parser.add_argument(
        "--quick", action="store_true", help="run only scales 0.5 and 1 (fast look)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run each scale (and Boltzmann) N times and keep the fastest (default: 1)",
    )
    parser.add_argument(
        "--boltzmann-steps",
        type=int,
        default=100,
        metavar="STEPS",
        help="number of steps of the Boltzmann yardstick (default: 100)",
    )
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if any target is missed"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.boltzmann_steps < 1:
        parser.error("--boltzmann-steps must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the report and return the exit status."""
    args = parse_args(argv)

    # Imported here so that --help works without the simulation (and so that the module can be
    # run both as a script and as ``python -m benchmarks.run``).
    for path in (str(HERE), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import mesa
    from boltzmann import run_boltzmann  # noqa: F401 - imported before the settling

    from ptce_sim.config.scenario_io import load_scenario
    from ptce_sim.runs.runner import settle_startup_objects, simulate

    settle_startup_objects()  # as ptce-sim run and batch workers do
    pinning = "not pinned to a CPU (--no-pin)" if args.no_pin else pin_to_one_cpu()
    print(
        f"ptce_sim speed benchmark — Python {platform.python_version()}, Mesa {mesa.__version__}, "
        f"{platform.machine()}; {pinning}"
    )
    print(f"scenario: {SCENARIO_PATH.relative_to(ROOT)}, seed 0, best of {args.repeat}")
    print()

    scenario = load_scenario(SCENARIO_PATH)
    scales = QUICK_SCALES if args.quick else FULL_SCALES

    header = (
        f"{'scale':>5}  {'persons (mean)':>14}  {'person-months':>13}  "
        f"{'wall time':>10}  {'µs/person-month':>15}  {'incl. setup':>11}"
    )
    print(header)
    print("-" * len(header))
    runs: dict[float, ScaleRun] = {}
    for scale in scales:
        run = time_scale(scenario, scale, args.repeat, simulate)
        runs[scale] = run
        print(
            f"{scale:>5g}  {run.mean_persons:>14,.0f}  {run.person_months:>13,}  "
            f"{run.wall_time_s:>9.2f}s  {run.us_per_person_month:>15.3f}  "
            f"{run.total_time_s:>10.2f}s",
            flush=True,
        )
    print()

    checks: list[Check] = []

    # Linearity: the largest scale against each smaller one.
    largest = max(scales)
    big = runs[largest]
    print(f"Linearity (cost per person-month at {largest:g}× relative to smaller scales):")
    for scale in sorted(scales, reverse=True):
        if scale == largest:
            continue
        ratio = big.us_per_person_month / runs[scale].us_per_person_month
        passed = ratio <= TARGET_LINEARITY
        name = f"linearity {largest:g}x/{scale:g}x"
        checks.append(Check(name, ratio, f"<= {TARGET_LINEARITY}", passed))
        print(
            f"  {largest:g}× / {scale:g}×: {ratio:.3f}  (target ≤ {TARGET_LINEARITY})  "
            f"{verdict(passed)}"
        )
    print()

    # Boltzmann yardstick, as many agents as persons in the full-scale run.
    full = runs[1.0]
    n_agents = max(1, round(full.mean_persons))
    boltz_s = time_boltzmann(n_agents, args.boltzmann_steps, args.repeat)
    boltz_us = boltz_s * 1e6
    ratio = full.us_per_person_month / boltz_us
    ratio_ok = ratio <= TARGET_BOLTZMANN_RATIO
    checks.append(Check("ratio to Boltzmann", ratio, f"<= {TARGET_BOLTZMANN_RATIO}", ratio_ok))
    print(
        f"Boltzmann wealth model, {n_agents:,} agents × {args.boltzmann_steps} steps: "
        f"{boltz_us:.3f} µs per agent-step"
    )
    print(
        f"RATIO = {full.us_per_person_month:.3f} µs per person-month / {boltz_us:.3f} µs per "
        f"agent-step = {ratio:.2f}  (target ≤ {TARGET_BOLTZMANN_RATIO:g})  {verdict(ratio_ok)}"
    )

    wall_ok = full.wall_time_s < TARGET_FULL_SCALE_S
    checks.append(
        Check("full-scale wall time s", full.wall_time_s, f"< {TARGET_FULL_SCALE_S}", wall_ok)
    )
    print(
        f"full-scale run wall time: {full.wall_time_s:.2f} s  "
        f"(target < {TARGET_FULL_SCALE_S:g} s)  {verdict(wall_ok)}"
    )

    failed = [check.name for check in checks if not check.passed]
    print()
    print(
        f"{len(checks) - len(failed)}/{len(checks)} targets met"
        + (f"; missed: {', '.join(failed)}" if failed else "")
    )

    if args.json is not None:
        report = {
            "python": platform.python_version(),
            "mesa": mesa.__version__,
            "machine": platform.machine(),
            "cpu_pinning": pinning,
            "scenario": str(SCENARIO_PATH.relative_to(ROOT)),
            "seed": 0,
            "repeat": args.repeat,
            "runs": [
                {**asdict(run), "us_per_person_month": run.us_per_person_month}
                for run in runs.values()
            ],
            "boltzmann": {
                "agents": n_agents,
                "steps": args.boltzmann_steps,
                "us_per_agent_step": boltz_us,
            },
            "ratio_to_boltzmann": ratio,
            "full_scale_wall_time_s": full.wall_time_s,
            "checks": [asdict(check) for check in checks],
            "all_passed": not failed,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")

    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
