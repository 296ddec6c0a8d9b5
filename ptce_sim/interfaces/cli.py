"""The ``ptce-sim`` command (glue only).

* ``ptce-sim run SCENARIO [--seed N] [--scale X] [--out DIR]``: one run;
* ``ptce-sim reproduce RUN_JSON [--out DIR]``: rerun a run from its ``run.json`` alone and say
  whether every table is identical (:mod:`ptce_sim.runs.reproduce`);
* ``ptce-sim batch EXPERIMENT [--workers N] [--scheduler ADDRESS] [--out DIR] [--resume]
  [--replicates N] [--scale X]``: an experiment's batch (:mod:`ptce_sim.studies.batch`);
* ``ptce-sim sensitivity BATCH_DIR [--outcome O ...]``: Sobol or Morris indices
  (:mod:`ptce_sim.studies.sensitivity`);
* ``ptce-sim compare SCENARIO_A SCENARIO_B [...] [--replicates N]`` (or one experiment file):
  paired comparison and report for policy staff (:mod:`ptce_sim.studies.compare`);
* ``ptce-sim calibrate DEFINITION [--workers N] [--scheduler ADDRESS] [--resume]``: the design
  table, the ABC fit, the posterior sample and its report (:mod:`ptce_sim.studies.calibration`).

``batch`` and ``compare`` take ``--posterior FILE``: each replicate draws its calibrated
parameters from a calibration's posterior sample (:mod:`ptce_sim.studies.posterior`).

Bad input never ends in a traceback: a :class:`~ptce_sim.config.scenario_io.ScenarioError` is
printed as one line and the command exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError(f"expected a scale in (0, 10], got {text}")
    return value


def _whole_number(minimum: int, expected: str) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


_seed = _whole_number(0, "a seed >= 0")
_positive_int = _whole_number(1, "a number >= 1")


def _add_execution(command: argparse.ArgumentParser) -> None:
    """Options shared by ``batch`` and ``compare``: where the runs execute."""
    command.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="local worker processes (default: the cores available)",
    )
    command.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask distributed cluster, e.g. tcp://127.0.0.1:8786",
    )
    command.add_argument(
        "--resume", action="store_true", help="complete the batch already in --out"
    )
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_posterior(command: argparse.ArgumentParser, seeds_per_draw: int | None = 1) -> None:
    """``--posterior FILE``: each replicate draws its calibrated parameters from a posterior.

    ``seeds_per_draw``: the default of ``--seeds-per-draw`` (``None``: no such option).
    """
    command.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="FILE",
        help="a calibration's posterior sample (scenarios/posteriors/*.parquet): each "
        "replicate draws its calibrated parameters from it (seeded), so that intervals include "
        "what the calibration leaves uncertain",
    )
    if seeds_per_draw is None:
        return
    command.add_argument(
        "--seeds-per-draw",
        type=_positive_int,
        default=None,
        metavar="M",
        help="with --posterior: M consecutive replicates share one draw with different seeds, "
        "so that the spread splits into random and parameter parts (default "
        f"{seeds_per_draw})",
    )
    command.set_defaults(default_seeds_per_draw=seeds_per_draw)


def _with_posterior(experiment, args: argparse.Namespace):  # noqa: ANN001, ANN202
    """``experiment`` with the posterior of ``--posterior``, if given.

    Raises:
        ScenarioError: ``--seeds-per-draw`` without ``--posterior``.
    """
    from ptce_sim.config.scenario_io import ScenarioError

    per_draw = getattr(args, "seeds_per_draw", None)
    if args.posterior is None:
        if per_draw is not None:
            raise ScenarioError("--seeds-per-draw: only with --posterior FILE (a posterior sample)")
        return experiment
    from ptce_sim.studies.posterior import load_posterior

    per_draw = per_draw or args.default_seeds_per_draw
    return experiment.with_options(posterior=load_posterior(args.posterior, per_draw))


def _add_language(command: argparse.ArgumentParser, what: str) -> None:
    """``--lang fr|en``: the language of the command's ``what`` (see :mod:`ptce_sim.runs.i18n`)."""
    from ptce_sim.runs.i18n import DEFAULT, LANGUAGES

    command.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT,
        help=f"language of the {what} (default {DEFAULT})",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    from ptce_sim.studies.posterior import COMPARE_SEEDS_PER_DRAW

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
    _add_language(run, "plots")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    again = commands.add_parser(
        "reproduce",
        help="rerun a run from its run.json alone; exit 0 if every table is identical, else 1",
    )
    again.add_argument("run_json", type=Path, help="the run.json of an earlier ptce-sim run")
    again.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the rerun's results here too (default: compare only, write nothing)",
    )
    again.add_argument("--quiet", action="store_true", help="no progress bar")

    batch = commands.add_parser(
        "batch", help="run an experiment's batch (design points x replicates) into a folder"
    )
    batch.add_argument("experiment", type=Path, help="experiment file (TOML), see experiments/")
    batch.add_argument(
        "--out", type=Path, default=None, help="batch folder (default results/batches/<name>)"
    )
    batch.add_argument(
        "--replicates", type=_positive_int, default=None, help="override the file's replicates"
    )
    batch.add_argument(
        "--scale", type=_positive_float, default=None, help="override the scenarios' scale"
    )
    _add_posterior(batch)
    _add_execution(batch)

    sensitivity = commands.add_parser(
        "sensitivity", help="Sobol or Morris indices from a batch made with that design"
    )
    sensitivity.add_argument("batch_dir", type=Path, help="batch folder")
    sensitivity.add_argument(
        "--outcome",
        action="append",
        default=None,
        metavar="OUTCOME",
        help="indicator, indicator@YEAR or indicator:mean|sum|min|max|first|last "
        "(repeatable; default: the experiment's outcomes)",
    )
    sensitivity.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder of the table and chart (default BATCH_DIR/sensitivity)",
    )

    compare = commands.add_parser(
        "compare",
        help="compare scenarios with paired runs; writes an HTML and Markdown report",
    )
    compare.add_argument(
        "scenarios",
        type=Path,
        nargs="+",
        help="two or more scenario files (the first is the reference), or one experiment file",
    )
    compare.add_argument(
        "--replicates",
        type=_positive_int,
        default=None,
        help="paired replicates (default: the experiment's, or 10)",
    )
    compare.add_argument("--seed", type=_seed, default=None, help="master seed (default 0)")
    compare.add_argument(
        "--scale", type=_positive_float, default=None, help="override the scenarios' scale"
    )
    compare.add_argument(
        "--out", type=Path, default=None, help="report folder (default results/compare/<name>)"
    )
    _add_posterior(compare, seeds_per_draw=COMPARE_SEEDS_PER_DRAW)
    _add_execution(compare)
    _add_language(compare, "report and its charts")

    calibrate = commands.add_parser(
        "calibrate",
        help="calibrate with uncertainty: design table over the priors, ABC, posterior, report",
    )
    calibrate.add_argument(
        "definition", type=Path, help="calibration definition (TOML), see experiments/"
    )
    _add_execution(calibrate)

    validate = commands.add_parser(
        "validate",
        help="run a scenario on several seeds and compare it with observed figures (report)",
    )
    validate.add_argument(
        "scenario", type=Path, help="scenario file, e.g. scenarios/seignanx_1970_2015.toml"
    )
    validate.add_argument(
        "targets", type=Path, help="targets file, e.g. scenarios/targets/seignanx.toml"
    )
    validate.add_argument("--replicates", type=_positive_int, default=20, help="seeds (default 20)")
    validate.add_argument("--scale", type=_positive_float, default=None, help="override the scale")
    validate.add_argument(
        "--out", type=Path, default=None, help="report folder (default results/<name>/validation)"
    )
    validate.add_argument("--workers", type=_positive_int, default=1, help="worker processes")
    _add_language(validate, "report and its charts")
    validate.add_argument(
        "--unemployment",
        type=Path,
        default=None,
        help="observed unemployment rates to compare with (default: "
        "unemployment_france_landes.toml beside the targets file, if there)",
    )
    _add_posterior(validate, seeds_per_draw=None)

    displace = commands.add_parser(
        "displacement",
        help="net jobs of the pole at each displacement level (none, low, medium, high)",
    )
    displace.add_argument("scenario", type=Path, help="scenario file")
    displace.add_argument(
        "--replicates", type=_positive_int, default=10, help="pairs of runs (default 10)"
    )
    displace.add_argument("--scale", type=_positive_float, default=None, help="override the scale")
    displace.add_argument(
        "--out", type=Path, default=None, help="report folder (default results/<name>)"
    )
    displace.add_argument("--workers", type=_positive_int, default=1, help="worker processes")
    _add_language(displace, "report")

    dashboard = commands.add_parser("dashboard", help="serve the live dashboard (Solara)")
    dashboard.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    dashboard.add_argument(
        "--port", type=_port, default=8765, help="port (default 8765; 0: any free port, printed)"
    )
    dashboard.add_argument(
        "--max-sessions",
        type=_positive(int),
        help="sessions at once; beyond, a 'room is full' page (default: "
        "$PTCE_DASHBOARD_MAX_SESSIONS, else from the machine's cores and memory, at least 30)",
    )
    dashboard.add_argument(
        "--idle-minutes",
        type=_positive(float),
        help="a session with no click and no play this long is closed (default 30)",
    )
    return parser


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port in 0-65535, got {value}")
    return value


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario and write its results."""
    from tqdm import tqdm

    from ptce_sim.config.scenario_io import load_scenario, scenario_hash
    from ptce_sim.runs.results import write_results
    from ptce_sim.runs.runner import settle_startup_objects, simulate

    scenario = load_scenario(args.scenario)
    settle_startup_objects()
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
        from ptce_sim.runs.plots import write_plots

        write_plots(result, out, args.lang)
    last = result.territory.iloc[-1]
    print(
        f"{scenario.run.name}: {scenario.months} months in {result.wall_time_s:.1f} s; "
        f"{int(last['year'])}: {int(last['employed'])} employed, "
        f"unemployment {100 * last['unemployment_rate']:.1f}%, {int(last['ess_jobs'])} ESS jobs, "
        f"{int(last['pole_members'])} pole members. Results in {out}/"
    )
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Rerun a run from its ``run.json`` and compare its tables with the recorded ones."""
    from tqdm import tqdm

    from ptce_sim.runs.reproduce import read_run_json, reproduce
    from ptce_sim.runs.results import write_results
    from ptce_sim.runs.runner import settle_startup_objects

    recorded = read_run_json(args.run_json)  # bad input is reported before the run
    settle_startup_objects()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    with tqdm(
        total=recorded.scenario.months, unit="month", disable=args.quiet, file=sys.stderr
    ) as bar:
        outcome = reproduce(recorded, progress=lambda done, _: bar.update(done - bar.n))
    if args.out is not None:
        write_results(outcome.result, args.out)
    for name, (then, now) in sorted(outcome.version_changes.items()):
        print(f"note: {name} was {then} for the recorded run, is {now} now")
    name, seed = recorded.scenario.run.name, recorded.seed
    if outcome.identical:
        print(f"{name}, seed {seed}: reproduced; all {len(recorded.table_sha256)} tables identical")
        return 0
    print(f"{name}, seed {seed}: NOT reproduced; differing tables: {', '.join(outcome.differing)}")
    return 1


class _Bar:
    """The progress bar of a batch: runs done, failures, time left (tqdm, on stderr)."""

    def __init__(self, name: str, total: int, initial: int, quiet: bool) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=total, initial=initial, unit="run", desc=name, file=sys.stderr, disable=quiet
        )

    def __call__(self, done: int, failed: int, total: int) -> None:
        self.bar.total = total
        self.bar.set_postfix(failed=failed, refresh=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def _execution(args: argparse.Namespace, bar: _Bar) -> dict:
    """The execution options of ``batch`` and ``compare`` (see :func:`_add_execution`)."""
    return {
        "workers": args.workers,
        "scheduler": args.scheduler,
        "resume": args.resume,
        "progress": bar,
        "command": sys.argv,
    }


def _execute(experiment, out: Path, args: argparse.Namespace, run):  # noqa: ANN001, ANN202
    """``run(progress)`` with a progress bar; ``None`` after Ctrl-C, which says how to resume."""
    from ptce_sim.studies.batch import run_files

    planned = len(experiment.points()) * experiment.replicates
    initial = len(run_files(out)) if args.resume else 0
    bar = _Bar(experiment.name, planned, min(initial, planned), args.quiet)
    try:
        return run(bar)
    except KeyboardInterrupt:
        bar.close()
        print(
            f"ptce-sim: interrupted; finished runs are kept in {out}/; "
            "complete them by adding --resume",
            file=sys.stderr,
        )
        return None
    finally:
        bar.close()


def _report_failures(failures: list[dict], out: Path) -> None:
    for failure in failures[:5]:
        print(
            f"  failed {failure.get('run_id')} (seed {failure.get('seed')}): "
            f"{failure.get('error')}",
            file=sys.stderr,
        )
    if failures:
        print(f"ptce-sim: {len(failures)} runs failed; see {out}/failed/", file=sys.stderr)


def cmd_batch(args: argparse.Namespace) -> int:
    """Run an experiment's batch."""
    from ptce_sim.studies.batch import run_batch
    from ptce_sim.studies.experiment import load_experiment

    experiment = load_experiment(args.experiment).with_options(
        replicates=args.replicates, scale=args.scale
    )
    experiment = _with_posterior(experiment, args)
    out = args.out or Path("results") / "batches" / experiment.name
    report = _execute(
        experiment,
        out,
        args,
        lambda bar: run_batch(experiment, out, **_execution(args, bar)),
    )
    if report is None:
        return EXIT_INTERRUPTED
    print(
        f"{experiment.name}: {report.done}/{report.planned} runs done "
        f"({report.ran} in this session, {len(report.failures)} failed) in "
        f"{report.wall_time_s:.1f} s. Results in {out}/ (runs/, summary.parquet, manifest.json)"
    )
    _report_failures(report.failures, out)
    return 1 if report.failures else 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Sensitivity indices of a batch."""
    from ptce_sim.studies.sensitivity import analyse

    result = analyse(args.batch_dir, args.outcome, dest=args.out)
    print(result.table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    for note in result.notes:
        print(f"note: {note}")
    print("Written: " + ", ".join(str(f) for f in result.files))
    return 0


def _compare_experiment(args: argparse.Namespace):  # noqa: ANN202
    from ptce_sim.config.scenario_io import ScenarioError, read_toml
    from ptce_sim.studies.experiment import experiment_from_scenarios, load_experiment

    paths = args.scenarios
    if len(paths) == 1:
        if "experiment" not in read_toml(paths[0], "experiment or scenario"):
            raise ScenarioError(
                f"{paths[0]}: compare needs two or more scenario files, or one experiment "
                "file with two or more [[scenarios]]"
            )
        experiment = load_experiment(paths[0])
        return experiment.with_options(
            replicates=args.replicates, scale=args.scale, master_seed=args.seed
        )
    return experiment_from_scenarios(
        paths,
        name="comparison",
        replicates=args.replicates or 10,
        master_seed=args.seed or 0,
        scale=args.scale,
    )


def cmd_compare(args: argparse.Namespace) -> int:
    """Paired comparison of scenarios, with a report."""
    from ptce_sim.studies.compare import compare

    experiment = _with_posterior(_compare_experiment(args), args)
    names = list(experiment.scenarios)
    default = experiment.name if len(args.scenarios) == 1 else "_vs_".join(names[1:] + names[:1])
    out = args.out or Path("results") / "compare" / default
    comparison = _execute(
        experiment,
        out / "batch",
        args,
        lambda bar: compare(experiment, out, lang=args.lang, **_execution(args, bar)),
    )
    if comparison is None:
        return EXIT_INTERRUPTED
    for scenario, texts in comparison.sentences.items():
        print(f"{scenario} compared with {names[0]}:")
        for text in texts[:8]:
            print(f"  - {text}")
    print(
        f"Report: {out / 'report.html'} (and report.md, PNG charts, comparison.csv, gross and "
        "net jobs in additionality.csv and additionality_pairs.parquet)"
    )
    if comparison.batch is not None:
        _report_failures(comparison.batch.failures, out / "batch")
        return 1 if comparison.batch.failures else 0
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate with uncertainty and say how long it took."""
    from ptce_sim.studies.calibration import calibrate, design_experiment, load_calibration

    calibration = load_calibration(args.definition)
    table = calibration.file("table")
    outcome = _execute(
        design_experiment(calibration),
        table,
        args,
        lambda bar: calibrate(calibration, **_execution(args, bar)),
    )
    if outcome is None:
        return EXIT_INTERRUPTED
    result = outcome.fit.result
    print(
        f"{calibration.spec.calibration.name}: {outcome.runs} runs, {result.acceptance} design "
        f"points accepted, effective sample size {result.ess:.0f} "
        f"(goal {calibration.spec.abc.min_ess}). Posterior: {outcome.posterior}; report: "
        f"{outcome.report}. Elapsed: {outcome.elapsed_s / 60:.1f} min "
        f"({outcome.design_s / 60:.1f} min of design runs over all sessions)."
    )
    if result.ess < calibration.spec.abc.min_ess:
        print(
            f"ptce-sim: the effective sample size {result.ess:.0f} is below the goal "
            f"{calibration.spec.abc.min_ess}: raise points or abc.accept in {args.definition}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Compare a scenario with observed figures; exit 1 when the fit goal is not met."""
    from ptce_sim.studies.validation import run_validate_command

    return run_validate_command(
        args.scenario,
        args.targets,
        args.replicates,
        args.scale,
        args.out,
        args.workers,
        lang=args.lang,
        unemployment_path=args.unemployment,
        posterior_path=args.posterior,
    )


def cmd_displacement(args: argparse.Namespace) -> int:
    """Net jobs of the pole at each level of displacement (report)."""
    from ptce_sim.studies.validation import run_displacement_command

    return run_displacement_command(
        args.scenario, args.replicates, args.scale, args.out, args.workers, lang=args.lang
    )


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard until interrupted."""
    from ptce_sim.interfaces.dashboard import serve

    room = {"max_sessions": args.max_sessions, "idle_minutes": args.idle_minutes}
    return serve(host=args.host, port=args.port, **{k: v for k, v in room.items() if v})


COMMANDS = {
    "validate": cmd_validate,
    "displacement": cmd_displacement,
    "dashboard": cmd_dashboard,
    "run": cmd_run,
    "reproduce": cmd_reproduce,
    "batch": cmd_batch,
    "sensitivity": cmd_sensitivity,
    "compare": cmd_compare,
    "calibrate": cmd_calibrate,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ptce-sim`` command."""
    from ptce_sim.config.scenario_io import ScenarioError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"ptce-sim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("ptce-sim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"ptce-sim: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
