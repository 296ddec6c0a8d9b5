"""Batch benchmark: parallel speed-up and flat memory of ``ptce_sim.studies.batch.run_batch``.

What is measured
----------------
1. **Runs per second with 1 and 2 local workers**: the same batch (the Seignanx 1970-2015 at
   scale 0.1, about 1.5 s a run, ``--runs`` replicates) run with ``workers=1`` then
   ``workers=2``. Two rates are printed for each:

   * *steady*: runs finished per second once every worker has finished its first run,
     ``(N - w) / (t_last - t_w)`` where ``t_k`` is the time the k-th run finished; this is the
     batch machinery's throughput, without the one-off start of the worker processes (a spawned
     worker imports numpy, pandas and Mesa: 2-3 s);
   * *overall*: ``N / wall time`` of the whole call, start-up and summary included.

   The speed-up is the ratio of the 2-worker rate to the 1-worker rate; the target (>= 1.8) is
   judged on the steady rates. On a machine with fewer than 2 free cores it cannot be met: other
   work running at the same time shows up as a lower speed-up. To tell the two apart, the
   benchmark also measures the **speed-up the machine allows right now**: the same steady rate
   for a pure-CPU task (a Python loop of about 0.5 s, nothing shared, no file written) run just
   before each batch with the same kind of pool. The batch's *efficiency* is its speed-up
   divided by that one (1.0: the batch machinery loses nothing to parallelism).

   The CPU time of the workers per run (start-up included) is printed too: it does not depend
   on other work sharing the machine, and equal figures for 1 and 2 workers mean that running
   in parallel adds no work, so that on two free cores the speed-up is close to 2.

2. **Peak memory of the parent process for 20 vs 200 runs**: each batch (scale 0.05, 2000-2003,
   about 0.15 s a run, 2 workers) runs in a fresh Python process, which reports its own peak
   resident set size (``ru_maxrss`` of ``RUSAGE_SELF``: the parent only, not its workers). Runs
   are streamed to files as they finish and the summary is computed in chunks, so the peak
   should not grow with the number of runs: the target is a 200-run peak within 10% of the
   20-run peak.

Each target is reported as PASS or FAIL; the exit status is 0 unless ``--strict`` is given and
a target fails.

Usage::

    .venv/bin/python benchmarks/batch.py                # about 2-3 minutes on 2 cores
    .venv/bin/python benchmarks/batch.py --runs 8       # quicker, noisier
    .venv/bin/python benchmarks/batch.py --json batch-bench.json --strict
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = (ROOT / "scenarios" / "seignanx_1970_2015.toml").as_posix()
TARGET_SPEEDUP = 1.8
TARGET_MEMORY_RATIO = 1.10

SPEED_EXPERIMENT = """
[experiment]
name = "bench_speed"
replicates = {runs}
master_seed = 1
scale = 0.1

[[scenarios]]
name = "seignanx"
file = "{scenario}"
"""

MEMORY_EXPERIMENT = """
[experiment]
name = "bench_memory"
replicates = {runs}
master_seed = 1
start_year = 2000
end_year = 2003
scale = 0.05

[[scenarios]]
name = "seignanx"
file = "{scenario}"
"""


def _busy(seconds: float) -> float:
    """Burn one core for about ``seconds`` (a pure-Python loop); returns a checksum."""
    total, end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for i in range(10_000):
            total += i * 0.5
    return total


def ceiling_rate(workers: int, tasks: int = 8, seconds: float = 0.5) -> float:
    """Steady tasks per second of a pure-CPU task on a spawned pool of ``workers``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(_busy, [0.05] * workers))  # start the workers
        start = time.perf_counter()
        finished = []
        for _ in as_completed([pool.submit(_busy, seconds) for _ in range(tasks)]):
            finished.append(time.perf_counter() - start)
    return (tasks - workers) / (finished[-1] - finished[workers - 1])


def timed_batch(experiment_file: Path, out: Path, workers: int) -> dict:
    """Run a batch; returns its wall time and the time each run finished."""
    from ptce_sim.studies.batch import run_batch
    from ptce_sim.studies.experiment import load_experiment

    experiment = load_experiment(experiment_file)
    finished: list[float] = []
    start = time.perf_counter()
    report = run_batch(
        experiment,
        out,
        workers=workers,
        progress=lambda done, failed, total: finished.append(time.perf_counter() - start),
    )
    wall = time.perf_counter() - start
    runs = report.done
    steady = (runs - workers) / (finished[-1] - finished[workers - 1]) if runs > workers else 0.0
    return {
        "workers": workers,
        "runs": runs,
        "failed": len(report.failures),
        "wall_s": round(wall, 2),
        "first_run_s": round(finished[0], 2),
        "overall_runs_per_s": round(runs / wall, 3),
        "steady_runs_per_s": round(steady, 3),
    }


EXPERIMENTS = {"speed": SPEED_EXPERIMENT, "memory": MEMORY_EXPERIMENT}


def child_batch(kind: str, runs: int, workers: int, folder: Path) -> None:
    """In a fresh process: run one batch, print its timings and resource use as JSON.

    ``peak_rss_mib`` and ``parent_cpu_s`` are this process's (the batch's parent);
    ``workers_cpu_s`` is the CPU time of its worker processes (joined at the end of the batch).
    """
    path = folder / f"{kind}_{runs}_{workers}.toml"
    text = EXPERIMENTS[kind].format(runs=runs, scenario=SCENARIO)
    path.write_text(text, encoding="utf-8")
    result = timed_batch(path, folder / f"{kind}_{runs}_{workers}", workers)
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.update(
        peak_rss_mib=round(me.ru_maxrss / 1024, 1),  # KiB on Linux
        parent_cpu_s=round(me.ru_utime + me.ru_stime, 2),
        workers_cpu_s=round(children.ru_utime + children.ru_stime, 2),
        workers_cpu_per_run_s=round((children.ru_utime + children.ru_stime) / runs, 3),
    )
    print(json.dumps(result))


def run_child(kind: str, runs: int, workers: int, folder: Path) -> dict:
    """:func:`child_batch` in a fresh Python process; returns what it printed."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(runs), str(workers)]
        + ["--folder", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def speed(runs: int, folder: Path) -> dict:
    """Runs per second with 1 and 2 workers, the speed-ups and the CPU used per run."""
    ceiling_one = ceiling_rate(1)
    one = run_child("speed", runs, 1, folder)
    ceiling_two = ceiling_rate(2)
    two = run_child("speed", runs, 2, folder)
    allowed = ceiling_two / ceiling_one
    speedup = two["steady_runs_per_s"] / one["steady_runs_per_s"]
    same = all(
        (folder / f"speed_{runs}_1" / "runs" / p.name).read_bytes() == p.read_bytes()
        for p in (folder / f"speed_{runs}_2" / "runs").glob("*.parquet")
    )
    codes = {
        json.loads((folder / f"speed_{runs}_{w}" / "manifest.json").read_text())["sessions"][0][
            "code_sha256"
        ]
        for w in (1, 2)
    }
    if len(codes) > 1:  # the model's code was edited between the two batches
        same = "n/a (code changed)"
    return {
        "one_worker": one,
        "two_workers": two,
        "steady_speedup": round(speedup, 3),
        "machine_speedup_now": round(allowed, 3),
        "efficiency": round(speedup / allowed, 3),
        "overall_speedup": round(two["overall_runs_per_s"] / one["overall_runs_per_s"], 3),
        "cpu_per_run_ratio": round(two["workers_cpu_per_run_s"] / one["workers_cpu_per_run_s"], 3),
        "identical_results": same,
    }


def memory(folder: Path, sizes: tuple[int, int]) -> dict:
    """Peak RSS of the parent for each batch size, each in its own process."""
    results = {runs: run_child("memory", runs, 2, folder) for runs in sizes}
    small, large = sizes
    return {
        "batches": {str(k): v for k, v in results.items()},
        "ratio": round(results[large]["peak_rss_mib"] / results[small]["peak_rss_mib"], 3),
    }


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=12, help="runs of the speed batch")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    parser.add_argument("--child", nargs=3, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        kind, runs, workers = args.child
        child_batch(kind, int(runs), int(workers), args.folder)
        return 0
    with tempfile.TemporaryDirectory(prefix="ptce-batch-bench-") as tmp:
        folder = Path(tmp)
        print(
            f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        print(f"speed: {args.runs} runs of the Seignanx 1970-2015 at scale 0.1 ...", flush=True)
        s = speed(args.runs, folder)
        print("memory: batches of 20 and 200 runs (scale 0.05, 2000-2003) ...", flush=True)
        m = memory(folder, (20, 200))
    one, two = s["one_worker"], s["two_workers"]
    speed_ok = s["steady_speedup"] >= TARGET_SPEEDUP
    memory_ok = m["ratio"] <= TARGET_MEMORY_RATIO
    print()
    print("| figure | 1 worker | 2 workers | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| runs/s, steady | {one['steady_runs_per_s']:.3f} | {two['steady_runs_per_s']:.3f} "
        f"| {s['steady_speedup']:.2f} | >= {TARGET_SPEEDUP} {'PASS' if speed_ok else 'FAIL'} |"
    )
    print(
        f"| runs/s, overall (start-up included) | {one['overall_runs_per_s']:.3f} | "
        f"{two['overall_runs_per_s']:.3f} | {s['overall_speedup']:.2f} | |"
    )
    print(
        f"| speed-up the machine allows now (pure-CPU task) | | | "
        f"{s['machine_speedup_now']:.2f} | |"
    )
    print(f"| efficiency (speed-up / allowed) | | | {s['efficiency']:.2f} | |")
    print(
        f"| workers' CPU per run (s) | {one['workers_cpu_per_run_s']:.2f} | "
        f"{two['workers_cpu_per_run_s']:.2f} | {s['cpu_per_run_ratio']:.2f} | |"
    )
    print(
        f"| parent's CPU for the batch (s) | {one['parent_cpu_s']:.2f} | "
        f"{two['parent_cpu_s']:.2f} | | |"
    )
    print(f"| wall time of {one['runs']} runs (s) | {one['wall_s']} | {two['wall_s']} | | |")
    print(f"| first run finished after (s) | {one['first_run_s']} | {two['first_run_s']} | | |")
    print(f"| identical results | | | {s['identical_results']} | True |")
    print()
    small, large = m["batches"]["20"], m["batches"]["200"]
    print("| figure | 20 runs | 200 runs | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| parent peak RSS (MiB) | {small['peak_rss_mib']} | {large['peak_rss_mib']} | "
        f"{m['ratio']:.3f} | <= {TARGET_MEMORY_RATIO} {'PASS' if memory_ok else 'FAIL'} |"
    )
    print(f"| wall time (s) | {small['wall_s']} | {large['wall_s']} | | |")
    if args.json:
        args.json.write_text(json.dumps({"speed": s, "memory": m}, indent=2) + "\n")
    ok = speed_ok and memory_ok and s["identical_results"] is not False
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
