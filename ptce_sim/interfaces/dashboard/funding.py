"""The funding-scenarios page's logic, apart from Solara: funders' lines, variants, the job queue.

Policy staff pick a reference scenario, see each funder's lines (:func:`funder_lines`), and build
one to :data:`MAX_VARIANTS` named variants (:class:`Variant`), each a few changes of a line over
a period (:class:`Change`: +20%, -50%, stopped, a new line). :func:`write_files` turns them into
files a researcher can rerun with ``ptce-sim compare experiment.toml``:

* ``reference.toml``: the reference scenario, byte for byte;
* ``<variant>.toml``: the reference followed by ``funding_level`` and ``funding_call`` events
  (``[[events]]`` blocks appended: TOML adds them to the timeline) that set each changed line to
  its new amount over the period and back after it;
* ``experiment.toml``: the paired comparison (replicates, scale, seed, kept indicators) and, when
  a variant raises a line above the scenario's amounts or opens a new one, the funder's base
  amounts raised by parameter paths (``set``), the events holding them at the scenario's amounts
  outside the period.

A raised line raises its funder's yearly budget ceiling by the added amount (for the aid per
insertion post, a rate: by the same share of the budget, ASSUMPTION); a cut line leaves the
ceiling as it is (the money is not spent, the funder keeps it).

Comparisons run one at a time on the server (:class:`JobQueue`): a thread takes the oldest
waiting job and runs :func:`ptce_sim.studies.compare.compare` on local processes at a lower
priority, on all cores but one (or on the Dask scheduler of ``PTCE_DASK_SCHEDULER``); the others
wait and see their place. Each job lives in ``<results>/<run id>/`` (its files, its comparison
and ``status.json``), so a reloaded page reopens it by its run id (in the page's URL, and
remembered for the browser's Solara session); a run id is a random token and the queue answers
only the visitor who owns it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import math
import os
import re
import secrets
import shutil
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptce_sim.runs.i18n import N_, _

logger = logging.getLogger(__name__)

MAX_VARIANTS = 4
DEFAULT_REPLICATES = 4
DEFAULT_SCALE = 0.1
DEFAULT_SEED = 2026
NICE = 10
"""Added to the workers' niceness: the live pages come first."""
SCHEDULER_ENV = "PTCE_DASK_SCHEDULER"
RESULTS_ENV = "PTCE_FUNDING_RESULTS"

LINES = {
    "animation_grant": N_("animation grant"),
    "insertion_aid": N_("aid per insertion post (and PLIE funding)"),
    "training_budget": N_("training budget"),
    "calls": N_("calls for projects"),
    "budget": N_("yearly budget ceiling"),
}
"""The lines a variant may change: key -> label (a message)."""
FIELDS = {
    "animation_grant": "animation_grant_eur_per_year",
    "insertion_aid": "aid_per_insertion_post_eur_per_year",
    "training_budget": "training_budget_eur_per_year",
    "budget": "budget_eur_per_year",
}
"""Each line's field of ``[[authorities]]`` (calls are events)."""
KINDS = {
    "percent": N_("change by a percentage"),
    "stop": N_("stopped"),
    "new": N_("new amount per year"),
}
"""What a change does: key -> label."""
LEVELS = {
    "state": N_("State"),
    "esf": N_("European Social Fund"),
    "region": N_("Région"),
    "departement": N_("Département"),
    "intercommunality": N_("intercommunality"),
    "commune": N_("communes"),
}
"""The funders of the costs (levels of public money, as the tables have them) -> labels."""
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


# --------------------------------------------------------------------------------------------
# Funders' lines
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunderLine:
    """One funder's line, as the scenario has it.

    Attributes:
        funder: the authority's name.
        line: a key of :data:`LINES`.
        amount: euros a year (per post and year for the insertion aid; for calls, their total).
        years: the years it is paid (``"1994-2015"``; the calls' years).
    """

    funder: str
    line: str
    amount: float
    years: str


def funder_lines(scenario: Any) -> list[FunderLine]:
    """Each funder's non-zero lines in ``scenario``, in the scenario's order."""
    start, end = scenario.run.start_year, scenario.run.end_year
    lines = []
    for authority in scenario.authorities:
        since = max(start, int(authority.active_from[:4])) if authority.active_from else start
        for line, name in FIELDS.items():
            amount = float(getattr(authority, name))
            if amount > 0:
                lines.append(FunderLine(authority.name, line, amount, f"{since}-{end}"))
        calls = [e for e in scenario.events if e.type == "funding_call"]
        mine = [e for e in calls if e.authority == authority.name]
        if mine:
            years = ", ".join(sorted({str(e.year) for e in mine}))
            lines.append(FunderLine(authority.name, "calls", sum(e.grant_eur for e in mine), years))
    return lines


def solidarity_fund_year(scenario: Any) -> int | None:
    """The year the solidarity fund opens (members' contributions; no funder endows it)."""
    for event in scenario.events:
        if event.type == "policy" and event.create_solidarity_fund:
            return event.year
    return None


# --------------------------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A funder's line changed over a period.

    Attributes:
        funder: the authority's name.
        line: a key of :data:`LINES`.
        kind: ``percent`` (``value`` %, e.g. 20 or -50), ``stop`` or ``new`` (``value`` euros a
            year: a line the funder does not have, or a new amount for one it has).
        value: the percentage or the amount.
        start: first year of the period.
        end: last year of the period.
    """

    funder: str
    line: str
    kind: str
    value: float
    start: int
    end: int

    def amount(self, base: float) -> float:
        """The line's amount over the period, from the scenario's ``base``."""
        if self.kind == "stop":
            return 0.0
        if self.kind == "new":
            return float(self.value)
        return base * (1.0 + self.value / 100.0)


@dataclass(frozen=True)
class Variant:
    """A named variant: its changes."""

    name: str
    changes: tuple[Change, ...]


def check_variants(scenario: Any, variants: list[Variant]) -> None:
    """Refuse variants the page cannot run, with a message in the language in force.

    Raises:
        ValueError: no variant or too many, a bad or repeated name, no change, an unknown
            funder or line, a period outside the scenario's years, a negative amount, a line
            changed twice in one variant.
    """
    if not 1 <= len(variants) <= MAX_VARIANTS:
        raise ValueError(_("Build one to {n} variants.").format(n=MAX_VARIANTS))
    names = [v.name for v in variants]
    if len(set(names)) < len(names) or "reference" in names:
        raise ValueError(_("Each variant needs its own name (not “reference”)."))
    funders = {a.name for a in scenario.authorities}
    start, end = scenario.run.start_year, scenario.run.end_year
    for variant in variants:
        if not NAME.match(variant.name):
            raise ValueError(
                _(
                    "Variant name “{name}”: use letters, digits, _ . - (at most 40), "
                    "starting with a letter or digit."
                ).format(name=variant.name)
            )
        if not variant.changes:
            raise ValueError(_("Variant “{name}” changes nothing.").format(name=variant.name))
        seen = set()
        for change in variant.changes:
            where = _("Variant “{name}”").format(name=variant.name)
            if change.funder not in funders or change.line not in LINES:
                raise ValueError(_("{where}: unknown funder or line.").format(where=where))
            if change.kind not in KINDS:
                raise ValueError(_("{where}: unknown kind of change.").format(where=where))
            if not start <= change.start <= change.end <= end:
                raise ValueError(
                    _("{where}: the period must lie within {start}-{end}.").format(
                        where=where, start=start, end=end
                    )
                )
            if change.amount(1.0) < 0 or not math.isfinite(change.value):
                raise ValueError(_("{where}: an amount cannot be negative.").format(where=where))
            if (change.funder, change.line) in seen:
                raise ValueError(_("{where}: one change per funder and line.").format(where=where))
            seen.add((change.funder, change.line))


def _extra_budget(line: str, base: float, amount: float, budget: float) -> float:
    """What a raised line adds to its funder's yearly ceiling (see the module's docstring)."""
    if amount <= base:
        return 0.0
    if line == "insertion_aid":
        return budget * (amount / base - 1.0) if base > 0 else budget
    return amount - base


def _levels(scenario: Any, variant: Variant) -> tuple[list[dict], dict[str, float]]:
    """The ``funding_level`` events and the base amounts (paths) that make a variant's lines."""
    start, end = scenario.run.start_year, scenario.run.end_year
    events: list[dict] = []
    overrides: dict[str, float] = {}
    for authority in scenario.authorities:
        mine = [c for c in variant.changes if c.funder == authority.name and c.line in FIELDS]
        if not mine:
            continue
        first = max(start, int(authority.active_from[:4])) if authority.active_from else start
        scenario_amounts = {line: float(getattr(authority, f)) for line, f in FIELDS.items()}
        yearly: dict[int, dict[str, float]] = {}
        for year in range(first, end + 1):
            amounts = dict(scenario_amounts)
            extra = 0.0
            for change in mine:
                if change.start <= year <= change.end:
                    amounts[change.line] = change.amount(scenario_amounts[change.line])
                    if change.line != "budget":
                        extra += _extra_budget(
                            change.line,
                            scenario_amounts[change.line],
                            amounts[change.line],
                            scenario_amounts["budget"],
                        )
            amounts["budget"] += extra
            yearly[year] = amounts
        base = {
            line: scenario_amounts[line] or max(a[line] for a in yearly.values()) for line in FIELDS
        }
        fixed = max(a["animation_grant"] + a["training_budget"] for a in yearly.values())
        base["budget"] = max(
            scenario_amounts["budget"], *(a["budget"] for a in yearly.values()), fixed
        )
        for line in FIELDS:
            if base[line] != scenario_amounts[line]:
                overrides[f"authorities[{authority.name}].{FIELDS[line]}"] = base[line]
        previous = dict.fromkeys(FIELDS, 1.0)
        for year, amounts in yearly.items():
            for line in (key for key in FIELDS if base[key] > 0):
                level = amounts[line] / base[line]
                if not math.isclose(level, previous[line], rel_tol=1e-12, abs_tol=1e-12):
                    events.append(
                        {
                            "date": _first_month(authority, year, first),
                            "type": "funding_level",
                            "note": _note(variant.name, authority.name, line),
                            "authority": authority.name,
                            "level": level,
                            "items": [line],
                        }
                    )
                    previous[line] = level
    return events, overrides


def _first_month(authority: Any, year: int, first: int) -> str:
    """January of ``year``, or the month the funder comes into existence in its first year."""
    if year == first and authority.active_from and int(authority.active_from[:4]) == year:
        return authority.active_from
    return f"{year}-01"


def _note(variant: str, funder: str, line: str) -> str:
    return f"{variant}: {funder}, {line.replace('_', ' ')}"


def _calls(scenario: Any, variant: Variant) -> tuple[list[dict], dict[str, float]]:
    """The variant's calls for projects.

    Returns the new calls (events), and the scenario's calls in the period with their new grant
    (parameter paths; 0: no call).
    """
    added, grants = [], {}
    for change in (c for c in variant.changes if c.line == "calls"):
        for index, event in enumerate(scenario.events):
            if (
                event.type == "funding_call"
                and event.authority == change.funder
                and change.start <= event.year <= change.end
            ):
                amount = 0.0 if change.kind == "new" else change.amount(event.grant_eur)
                grants[f"events[{index}].grant_eur"] = round(amount, 6)
        if change.kind == "new" and change.value > 0:
            added += [
                _call(f"{year}-01", change, change.value)
                for year in range(change.start, change.end + 1)
            ]
    return added, grants


def _call(date: str, change: Change, amount: float) -> dict:
    return {
        "date": date,
        "type": "funding_call",
        "note": f"{change.funder}, call for projects",
        "authority": change.funder,
        "grant_eur": round(float(amount), 6),
    }


@dataclass(frozen=True)
class VariantFiles:
    """What a variant adds to the reference: events appended, parameter paths set."""

    events: list[dict]
    overrides: dict[str, float]


def build_variant(scenario: Any, variant: Variant) -> VariantFiles:
    """The events and parameter paths that make ``variant`` from the reference ``scenario``."""
    events, overrides = _levels(scenario, variant)
    calls, grants = _calls(scenario, variant)
    return VariantFiles(events + calls, {**overrides, **grants})


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    """A TOML value (strings, numbers, booleans, lists of them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def events_toml(events: list[dict]) -> str:
    """``[[events]]`` blocks for the events (appended to a scenario file)."""
    blocks = []
    for event in events:
        lines = ["[[events]]", *(f"{k} = {_toml_value(v)}" for k, v in event.items())]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def variant_text(reference_text: str, variant: Variant, built: VariantFiles) -> str:
    """The variant's scenario file: the reference's text and the variant's events."""
    header = (
        "\n\n# ------------------------------------------------------------------------------\n"
        f"# Variant {variant.name!r}, written by the dashboard's funding page: funding_level\n"
        "# events set each changed line to its amount over the period (levels of the base\n"
        "# amounts, see experiment.toml's set) and back after it.\n"
    )
    text = reference_text.rstrip("\n") + header
    if built.events:
        text += "\n" + events_toml(built.events)
    return text


def experiment_text(
    name: str,
    reference: str,
    variants: list[Variant],
    built: dict[str, VariantFiles],
    *,
    replicates: int,
    scale: float,
    seed: int,
    posterior: str | None = None,
) -> str:
    """The experiment file of the comparison (``ptce-sim compare experiment.toml``).

    ``posterior``: the posterior sample's file beside it, which the replicates draw from.
    """
    from ptce_sim.studies.posterior import COMPARE_SEEDS_PER_DRAW

    lines = [
        "# A funding comparison built on the dashboard's funding page. Rerun it with",
        "#   ptce-sim compare experiment.toml --out OUT",
        "",
        "[experiment]",
        f"name = {_toml_value(name)}",
        f"title = {_toml_value('Funding scenarios against ' + reference)}",
        f"replicates = {int(replicates)}",
        f"master_seed = {int(seed)}",
        f"scale = {float(scale)!r}",
    ]
    if posterior is not None:
        lines += [
            f"posterior = {_toml_value(posterior)}   # the calibrated parameters' sample",
            f"seeds_per_draw = {COMPARE_SEEDS_PER_DRAW}",
        ]
    lines += [
        "",
        "[[scenarios]]",
        'name = "reference"',
        'file = "reference.toml"',
    ]
    for variant in variants:
        lines += ["", "[[scenarios]]", f"name = {_toml_value(variant.name)}"]
        lines.append(f"file = {_toml_value(variant.name + '.toml')}")
        sets = built[variant.name].overrides
        if sets:
            lines.append(
                "set = { "
                + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in sets.items())
                + " }"
            )
    return "\n".join(lines) + "\n"


def write_files(
    folder: Path,
    reference_path: Path,
    variants: list[Variant],
    *,
    replicates: int,
    scale: float,
    seed: int = DEFAULT_SEED,
) -> Path:
    """Write the reference, the variants and the experiment into ``folder``; the experiment.

    Raises:
        ValueError: see :func:`check_variants`.
        ScenarioError: the reference is not a valid scenario.
    """
    from ptce_sim.config.scenario_io import load_scenario

    scenario = load_scenario(reference_path)
    check_variants(scenario, variants)
    folder.mkdir(parents=True, exist_ok=True)
    reference_text = reference_path.read_text(encoding="utf-8")
    (folder / "reference.toml").write_text(reference_text, encoding="utf-8")
    built = {v.name: build_variant(scenario, v) for v in variants}
    for variant in variants:
        text = variant_text(reference_text, variant, built[variant.name])
        (folder / f"{variant.name}.toml").write_text(text, encoding="utf-8")
    experiment = folder / "experiment.toml"
    posterior = posterior_file(reference_path.stem)
    if posterior is not None:  # kept with the files, so that they rerun alone
        shutil.copyfile(posterior, folder / POSTERIOR_COPY)
    text = experiment_text(
        "funding_" + reference_path.stem,
        reference_path.stem,
        variants,
        built,
        replicates=replicates,
        scale=scale,
        seed=seed,
        posterior=POSTERIOR_COPY if posterior is not None else None,
    )
    experiment.write_text(text, encoding="utf-8")
    return experiment


# --------------------------------------------------------------------------------------------
# Jobs and the queue
# --------------------------------------------------------------------------------------------

WAITING, RUNNING, DONE, FAILED, CANCELLED = "waiting", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


class Cancelled(Exception):
    """A comparison cancelled by its owner."""


@dataclass
class Job:
    """A comparison asked by one visitor.

    Attributes:
        run_id: a random token, its folder's name.
        owner: the visitor (their Solara session id).
        folder: ``<results>/<run id>``: ``files/`` (what is downloaded with the report),
            ``comparison/`` (``ptce-sim compare``'s output) and ``status.json``.
        lang: the report's language.
        status: waiting, running, done, failed or cancelled.
        done: runs finished.
        planned: runs planned.
        error: why it failed.
        posterior: the posterior sample the replicates drew from ("" if none).
    """

    run_id: str
    owner: str
    folder: Path
    lang: str
    status: str = WAITING
    done: int = 0
    planned: int = 0
    error: str = ""
    posterior: str = ""
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def files(self) -> Path:
        """Its files: the scenarios and the experiment."""
        return self.folder / "files"

    @property
    def comparison(self) -> Path:
        """``ptce-sim compare``'s output folder."""
        return self.folder / "comparison"

    def save(self) -> None:
        """Write ``status.json`` (what a reloaded page, or a restarted server, reads)."""
        fields = ("run_id", "owner", "lang", "status", "done", "planned", "error", "posterior")
        content = {name: getattr(self, name) for name in fields}
        tmp = self.folder / ".status.json.tmp"
        tmp.write_text(json.dumps(content), encoding="utf-8")
        tmp.replace(self.folder / "status.json")

    @classmethod
    def load(cls, folder: Path) -> Job | None:
        """The job of a results folder (``None``: no readable status)."""
        try:
            content = json.loads((folder / "status.json").read_text(encoding="utf-8"))
            job = cls(folder=folder, **{k: content[k] for k in ("run_id", "owner", "lang")})
        except (OSError, ValueError, KeyError, TypeError):
            return None
        for name in ("status", "done", "planned", "error", "posterior"):
            if name in content:
                setattr(job, name, content[name])
        if job.status in (WAITING, RUNNING):  # the server stopped while it waited or ran
            job.status, job.error = FAILED, "interrupted: the server stopped"
        return job


Runner = Callable[[Job, Callable[[int, int, int], None]], None]
"""``runner(job, progress)``: run the job's comparison, calling ``progress(done, failed,
planned)`` after each run (it raises :class:`Cancelled` when the job is cancelled)."""


def default_root() -> Path:
    """Where the comparisons live: ``$PTCE_FUNDING_RESULTS``, else ``results/funding``."""
    return Path(os.environ.get(RESULTS_ENV) or Path("results") / "funding").resolve()


class JobQueue:
    """One comparison at a time; the others wait, oldest first, and know their place.

    A daemon thread runs the jobs (started with the first one); the page only reads the jobs'
    fields, so it never waits for a comparison.
    """

    def __init__(self, root: Path, runner: Runner) -> None:
        self.root = root
        self.runner = runner
        self.jobs: dict[str, Job] = {}
        self.waiting: list[str] = []
        self.lock = threading.Condition()
        self.thread: threading.Thread | None = None
        self.running: str | None = None

    def submit(self, owner: str, lang: str, prepare: Callable[[Path], Any]) -> Job:
        """A new job of ``owner``, waiting its turn.

        ``prepare(files folder)`` writes its files first (its errors raised here, nothing
        queued).
        """
        run_id = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
        job = Job(run_id, owner, self.root / run_id, lang)
        job.files.mkdir(parents=True)
        try:
            prepare(job.files)
        except BaseException:
            import shutil

            shutil.rmtree(job.folder, ignore_errors=True)
            raise
        job.save()
        with self.lock:
            self.jobs[run_id] = job
            self.waiting.append(run_id)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, daemon=True, name="funding")
                self.thread.start()
            self.lock.notify_all()
        return job

    def get(self, run_id: str | None, owner: str) -> Job | None:
        """``owner``'s job ``run_id`` (from memory, else from its folder).

        ``None`` for another visitor's job or an unknown id.
        """
        if not run_id or not re.fullmatch(r"[A-Za-z0-9]{8,40}", run_id):
            return None
        with self.lock:
            job = self.jobs.get(run_id)
        if job is None:
            job = Job.load(self.root / run_id)
            if job is not None and job.run_id == run_id:
                with self.lock:
                    job = self.jobs.setdefault(run_id, job)
            else:
                job = None
        return job if job is not None and job.owner == owner else None

    def latest(self, owner: str) -> Job | None:
        """``owner``'s last comparison started on this server (``None``: none)."""
        with self.lock:
            mine = [job for job in self.jobs.values() if job.owner == owner]
        return mine[-1] if mine else None

    def place(self, job: Job) -> int:
        """0: running or finished; n: the n-th in line (1: next)."""
        with self.lock:
            return self.waiting.index(job.run_id) + 1 if job.run_id in self.waiting else 0

    def cancel(self, job: Job) -> None:
        """Cancel a waiting job now, a running one after its current runs."""
        with self.lock:
            job.cancel.set()
            if job.run_id in self.waiting:
                self.waiting.remove(job.run_id)
                job.status = CANCELLED
                job.save()

    def idle(self, timeout: float = 0.0) -> bool:
        """Whether no job waits or runs (waiting up to ``timeout`` seconds for it)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.waiting or self.running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.lock.wait(left)
            return True

    def _work(self) -> None:
        while True:
            with self.lock:
                while not self.waiting:
                    self.lock.wait()
                job = self.jobs[self.waiting.pop(0)]
                self.running = job.run_id
                job.status = RUNNING
            job.save()
            self._run(job)
            with self.lock:
                self.running = None
                self.lock.notify_all()

    def _run(self, job: Job) -> None:
        last = [0.0]

        def progress(done: int, failed: int, planned: int) -> None:
            job.done, job.planned = done, planned
            if time.monotonic() - last[0] > 1.0 or done == planned:
                last[0] = time.monotonic()
                job.save()
            if job.cancel.is_set():
                raise Cancelled

        try:
            self.runner(job, progress)
        except Cancelled:
            job.status = CANCELLED
        except Exception as exc:  # noqa: BLE001 - shown to its owner, the server goes on
            logger.exception("funding comparison %s failed", job.run_id)
            job.status, job.error = FAILED, f"{type(exc).__name__}: {exc}"
        else:
            job.status = CANCELLED if job.cancel.is_set() else DONE
        job.save()


_QUEUE: JobQueue | None = None
_QUEUE_LOCK = threading.Lock()


def the_queue() -> JobQueue:
    """The server's queue (one per process), running :func:`run_comparison`."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            _QUEUE = JobQueue(default_root(), run_comparison)
        return _QUEUE


# --------------------------------------------------------------------------------------------
# Running a comparison
# --------------------------------------------------------------------------------------------


def posterior_file(reference: str) -> Path | None:
    """The calibrated posterior sample of a scenario, if one is committed.

    It is ``scenarios/posteriors/<scenario>.parquet``.
    """
    from ptce_sim.interfaces.dashboard.session import scenario_dir

    path = scenario_dir() / "posteriors" / f"{reference}.parquet"
    return path if path.is_file() else None


def workers() -> int:
    """Local workers: every core but one (at least one)."""
    from ptce_sim.studies.batch import default_workers

    return max(1, default_workers() - 1)


def run_comparison(job: Job, progress: Callable[[int, int, int], None]) -> None:
    """Run ``job``'s comparison as ``ptce-sim compare files/experiment.toml`` would.

    With the scenario's posterior when there is one, at a lower priority, into ``comparison/``.
    """
    from ptce_sim.studies.compare import compare
    from ptce_sim.studies.experiment import load_experiment

    experiment = load_experiment(job.files / "experiment.toml")  # with its posterior, if any
    if experiment.posterior is not None:
        reference = json.loads((job.files / "page.json").read_text(encoding="utf-8"))["reference"]
        job.posterior = f"{reference}.parquet"  # the committed sample the copy was made from
    job.planned = len(experiment.points()) * experiment.replicates
    job.save()
    compare(
        experiment,
        job.comparison,
        lang=job.lang,
        workers=workers(),
        scheduler=os.environ.get(SCHEDULER_ENV) or None,
        progress=progress,
        nice=NICE,
        command=["dashboard", "funding", job.run_id],
    )


def prepare(
    reference_path: Path,
    variants: list[Variant],
    *,
    replicates: int,
    scale: float,
    seed: int = DEFAULT_SEED,
) -> Callable[[Path], None]:
    """What :meth:`JobQueue.submit` calls to write a job's files (see :func:`write_files`)."""

    def write(folder: Path) -> None:
        from ptce_sim.studies.experiment import load_experiment

        experiment = write_files(
            folder, reference_path, variants, replicates=replicates, scale=scale, seed=seed
        )
        load_experiment(experiment)  # a variant the model refuses is refused now, not queued
        page = {
            "reference": reference_path.stem,
            "variants": [dataclasses.asdict(v) for v in variants],
            "replicates": replicates,
            "scale": scale,
            "seed": seed,
        }
        (folder / "page.json").write_text(json.dumps(page, indent=1), encoding="utf-8")
        readme = README.format(
            reference=reference_path.stem,
            posterior=(
                f"{POSTERIOR_COPY}    the calibrated posterior sample the replicates draw their "
                f"parameters from\n                 (scenarios/posteriors/{reference_path.stem}"
                ".parquet when the comparison was made)\n"
                if (folder / POSTERIOR_COPY).is_file()
                else ""
            ),
        )
        (folder / "README.txt").write_text(readme, encoding="utf-8")

    return write


README = """A funding comparison made on the ptce-sim dashboard's funding page.

reference.toml   the reference scenario ({reference})
<variant>.toml   each variant: the reference and the events that change its funding lines
experiment.toml  the paired comparison (replicates, scale, seed)
{posterior}report.html      the report (with its PNG charts), as ptce-sim compare writes it

Rerun it (same figures):
  ptce-sim compare experiment.toml --out OUT --lang LANG
"""

POSTERIOR_COPY = "posterior.parquet"
"""The name of the posterior sample's copy among a comparison's files."""


def download(job: Job) -> bytes:
    """The zip a visitor downloads.

    It holds the report (HTML, Markdown, charts, tables) and the files that rerun it.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(job.files.iterdir()):
            if path.is_file() and path.name != "page.json":
                archive.write(path, path.name)
        for path in sorted(job.comparison.iterdir()):
            if path.is_file():
                archive.write(path, path.name)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# What the page shows of a finished comparison
# --------------------------------------------------------------------------------------------

MEASURES = {
    "gross": N_("Gross jobs in the pole's structures and mechanisms"),
    "net": N_("Net additional jobs (more residents in work)"),
    "unemployment": N_("Unemployment rate, difference with the reference (points)"),
    "cost": N_("Public cost per net additional job, by funder"),
    "resilience": N_("Resilience to the timeline's shocks, difference with the reference"),
}
"""The measures shown, each with its chart: key -> title."""


@dataclass(frozen=True)
class Row:
    """One figure of a measure: a variant's value with its 90% interval and a sentence.

    Attributes:
        variant: the variant.
        label: what it is (a year, a funder, a shock's measure).
        value: the figure (NaN: none).
        low: lower end of its 90% interval (NaN: none).
        high: upper end.
        unit: ``jobs``, ``eur`` or ``points``.
        text: the figure in words.
    """

    variant: str
    label: str
    value: float
    low: float
    high: float
    unit: str
    text: str


@dataclass
class Results:
    """A finished comparison as the page shows it, in one language."""

    reference: str
    start: int
    end: int
    scale: float
    replicates: int
    headlines: dict[str, str]
    measures: dict[str, list[Row]]
    posterior: str


def _summary_row(variant: str, label: str, row: Any, unit: str, text: str) -> Row:
    estimated = row["status"] == "estimated"
    nan = float("nan")
    return Row(
        variant,
        label,
        float(row["median"]) if estimated else nan,
        float(row["q05"]) if estimated else nan,
        float(row["q95"]) if estimated else nan,
        unit,
        text,
    )


def _difference_row(d: Any) -> Row:
    from ptce_sim.studies.compare import sentence

    label = d.metric.label if not d.shock else f"{d.shock}: {d.metric.label}"
    return Row(d.scenario, label, d.mean, d.low, d.high, "points", sentence(d))


def results(job: Job) -> Results:
    """The figures of ``job``'s finished comparison, in the language in force."""
    from ptce_sim.studies import additionality
    from ptce_sim.studies.compare import RESILIENCE, analyse

    found = analyse(job.comparison / "batch")
    reference, end = found.names[0], found.end
    measures: dict[str, list[Row]] = {key: [] for key in MEASURES}
    headlines = {}
    for name in found.names[1:]:
        headlines[name] = found.sentences.get(name, [""])[0]
        net = found.net.get(name)
        if net is None:
            continue
        gross, jobs = net.row("gross", end), net.row("net", end)
        measures["gross"].append(
            _summary_row(
                name,
                str(end),
                gross,
                "jobs",
                _(
                    "{variant}: {jobs} gross jobs in {year}; {deadweight} in {reference} "
                    "(deadweight)."
                ).format(
                    variant=name,
                    jobs=additionality.cell(gross),
                    year=end,
                    reference=reference,
                    deadweight=additionality.cell(net.row("deadweight", end)),
                ),
            )
        )
        measures["net"].append(_summary_row(name, str(end), jobs, "jobs", headlines[name]))
        for funder in net.funders:
            row = net.row("cost_per_net_job_eur", funder=funder)
            shown = (
                _("all funders") if funder == additionality.TOTAL else _(LEVELS.get(funder, funder))
            )
            text = _("{variant}: public cost per net additional job, {funder}: {cost}.").format(
                variant=name, funder=shown, cost=additionality.cell(row)
            )
            measures["cost"].append(_summary_row(name, shown, row, "eur", text))
    for d in found.differences:
        key = d.metric.key.split("|", 1)[0]
        if key in ("unemployment_rate_end", "unemployment_rate_mean"):
            measures["unemployment"].append(_difference_row(d))
        elif key in RESILIENCE and d.pairs > 0 and math.isfinite(d.mean_reference):
            measures["resilience"].append(_difference_row(d))
    posterior = found.manifest.get("posterior") or {}
    return Results(
        reference,
        found.start,
        end,
        min(found.scales.values()),
        int(found.manifest["replicates"]),
        headlines,
        measures,
        Path(posterior["file"]).name if posterior else "",
    )


def chart(rows: list[Row], title: str) -> bytes:
    """A measure's chart (PNG): each row's figure and its 90% interval.

    Drawn with Matplotlib's object API (no pyplot state), so that pages and the comparisons'
    reports may draw at the same time in different threads.
    """
    from matplotlib.figure import Figure

    shown = [r for r in rows if math.isfinite(r.value)]
    fig = Figure(figsize=(7.5, 0.45 * max(3, len(shown)) + 1.0), dpi=90)
    ax = fig.subplots()
    labels = [f"{r.variant} · {r.label}"[:70] for r in shown]
    y = list(range(len(shown)))[::-1]
    values = [r.value for r in shown]
    low = [r.value - r.low if math.isfinite(r.low) else 0.0 for r in shown]
    high = [r.high - r.value if math.isfinite(r.high) else 0.0 for r in shown]
    ax.errorbar(values, y, xerr=[low, high], fmt="o", color="#1f5fa8", capsize=4)
    ax.axvline(0, color="#888", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    if not shown:
        ax.text(0.5, 0.5, _("no figure"), ha="center", transform=ax.transAxes)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
