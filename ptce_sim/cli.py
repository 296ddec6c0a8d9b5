"""The ``ptce-sim`` command (glue only): ``ptce-sim run SCENARIO [--seed N] [--scale X] [--out DIR]``.

Bad input never ends in a traceback: a :class:`~ptce_sim.scenario_io.ScenarioError` is printed as
one line and the command exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError(f"expected a scale in (0, 10], got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a seed >= 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="ptce-sim", description="Simulate territorial economic cooperation poles."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one scenario and write its results")
    run.add_argument(
        "scenario", type=Path, help="scenario file (TOML), e.g. scenarios/seignanx_1970_2015.toml"
    )
    run.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    run.add_argument(
        "--scale",
        type=_positive_float,
        default=None,
        help="share of the population and firms simulated (default: the scenario's)",
    )
    run.add_argument(
        "--out", type=Path, default=None, help="output folder (default results/<scenario name>)"
    )
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario and write its results."""
    from tqdm import tqdm

    from ptce_sim.results import write_results
    from ptce_sim.runner import simulate
    from ptce_sim.scenario_io import load_scenario, scenario_hash

    scenario = load_scenario(args.scenario)
    if args.scale is not None:
        scenario = scenario.with_overrides(scale=args.scale)
    out = args.out or Path("results") / scenario.run.name
    out.mkdir(parents=True, exist_ok=True)  # a bad --out is reported before the run, not after
    with tqdm(
        total=scenario.months,
        unit="month",
        disable=args.quiet,
        file=sys.stderr,
        desc=scenario.run.name,
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        result = simulate(scenario, args.seed, progress=progress)
    write_results(result, out, scenario_file=args.scenario, file_hash=scenario_hash(args.scenario))
    if not args.no_plots:
        from ptce_sim.plots import write_plots

        write_plots(result, out)
    last = result.territory.iloc[-1]
    print(
        f"{scenario.run.name}: {scenario.months} months in {result.wall_time_s:.1f} s; "
        f"{int(last['year'])}: {int(last['employed'])} employed, "
        f"unemployment {100 * last['unemployment_rate']:.1f}%, {int(last['ess_jobs'])} ESS jobs, "
        f"{int(last['pole_members'])} pole members. Results in {out}/"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ptce-sim`` command."""
    from ptce_sim.scenario_io import ScenarioError

    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
    except ScenarioError as exc:
        print(f"ptce-sim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("ptce-sim: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"ptce-sim: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 1


if __name__ == "__main__":
    sys.exit(main())
