"""Is the code slower than an earlier version? Old and new timed alternately, in one session.

Speed on these machines drifts by ±20% from one minute to the next, so a figure measured today is
never compared with one measured last week. This script exports an earlier revision of the
package (``git archive``) into a temporary folder and times the same run with each version in
turn, alternating old and new, each in a fresh process pinned to one CPU. It prints every timing,
the median and spread of each version, and the ratio of medians (new / old), for the wall time
and for the CPU time (steadier when other processes share the machine).

What is timed: ``simulate()`` of the Seignanx 1970–2015 scenario (stepping only, the
``wall_time_s`` the runner reports) at the given scale and seed; the scenario file is the
current one for both versions, so a change of scenario does not pass for a change of speed.

When the scenario's format changed between the versions (the old code cannot read the current
file), ``--own-scenarios`` gives each version its own revision's scenario file, and the figure
compared is the cost per person-month (stepping time divided by the persons stepped over the
run), the model's unit of work, since the two runs no longer simulate the same persons.

Usage::

    .venv/bin/python benchmarks/versions.py --old 9d4d4d1 --runs 5 [--scale 1.0]
    .venv/bin/python benchmarks/versions.py --old f829ef6 --runs 5 --own-scenarios
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "seignanx_1970_2015.toml"

PROBE = """
import gc, json, os, sys
try:
    os.sched_setaffinity(0, {0})
except (AttributeError, OSError):
    pass
try:
    from ptce_sim.config.scenario_io import load_scenario
    from ptce_sim.runs.runner import settle_startup_objects, simulate
except ImportError:  # the flat layout of earlier versions
    from ptce_sim.scenario_io import load_scenario
    from ptce_sim.runner import settle_startup_objects, simulate
import ptce_sim
scenario = load_scenario(sys.argv[1]).with_overrides(scale=float(sys.argv[2]))
settle_startup_objects()
import time
cpu = time.process_time()
result = simulate(scenario, int(sys.argv[3]))
cpu = time.process_time() - cpu
print(json.dumps({"wall": result.wall_time_s, "cpu": cpu, "file": ptce_sim.__file__,
                  "person_months": result.person_months}))
"""


def export(revision: str, into: Path) -> Path:
    """Extract ``ptce_sim/`` and ``scenarios/`` of a git revision into ``into`` (returned)."""
    archive = into / "old.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), revision, "ptce_sim", "scenarios"],
        cwd=ROOT,
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def time_once(
    package_parent: Path, scale: float, seed: int, scenario: Path = SCENARIO
) -> dict[str, float | str]:
    """One timed run in a fresh process importing ``ptce_sim`` from ``package_parent``.

    Returns:
        ``wall`` (stepping only), ``cpu`` (building and stepping), ``person_months`` and the
        package's ``file``.
    """
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(scenario), str(scale), str(seed)],
        cwd=package_parent,  # ``python -c`` puts the working folder first on the path
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Time the old and the current version alternately; print medians, spreads and the ratio."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--old", required=True, help="git revision of the earlier version")
    parser.add_argument("--runs", type=int, default=5, help="runs of each version (default 5)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--own-scenarios",
        action="store_true",
        help="each version runs its own revision's scenario file; compare per person-month",
    )
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {"old": [], "new": []}
    cpus: dict[str, list[float]] = {"old": [], "new": []}
    per_person: dict[str, list[float]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        old = export(args.old, Path(tmp))
        paths = {"old": old, "new": ROOT}
        scenarios = {
            name: (path / "scenarios" / SCENARIO.name if args.own_scenarios else SCENARIO)
            for name, path in paths.items()
        }
        for i in range(args.runs):
            for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
                record = time_once(paths[name], args.scale, args.seed, scenarios[name])
                file, wall, cpu = str(record["file"]), float(record["wall"]), float(record["cpu"])
                if not file.startswith(str(paths[name])):
                    raise SystemExit(f"{name} imported {file}, not the version under {paths[name]}")
                times[name].append(wall)
                cpus[name].append(cpu)
                per_person[name].append(1e6 * wall / float(record["person_months"]))
                print(
                    f"run {i + 1} {name}: wall {wall:.3f} s, CPU {cpu:.3f} s, "
                    f"{per_person[name][-1]:.3f} µs per person-month  ({file})",
                    flush=True,
                )
    tables = [("wall", times), ("CPU", cpus)]
    if args.own_scenarios:
        tables.append(("µs per person-month", per_person))
    for label, table in tables:
        for name, values in table.items():
            spread = f"{min(values):.3f}-{max(values):.3f}"
            median = statistics.median(values)
            unit = "" if label.startswith("µs") else " s"
            print(f"{label} {name}: median {median:.3f}{unit} over {len(values)} (range {spread})")
        ratio = statistics.median(table["new"]) / statistics.median(table["old"])
        verdict = "within" if ratio <= 1.05 else "beyond"
        print(f"{label} new / old (medians): {ratio:.3f}  ({verdict} 5%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
