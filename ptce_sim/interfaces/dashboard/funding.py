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
DEFAULT_SCALE = 0.05
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
                raise ValueError(
                    _("{where}: one change per funder and line.").format(where=where)
                )
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
            line: scenario_amounts[line] or max(a[line] for a in yearly.values())
            for line in FIELDS
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
                            "date": f"{year}-01",
                            "type": "funding_level",
                            "note": _note(variant.name, authority.name, line),
                            "authority": authority.name,
                            "level": level,
                            "items": [line],
                        }
                    )
                    previous[line] = level
    return events, overrides


def _note(variant: str, funder: str, line: str) -> str:
    return f"{variant}: {funder}, {line.replace('_', ' ')}"


def _calls(scenario: Any, variant: Variant) -> tuple[list[dict], dict[str, float]]:
    """The variant's calls for projects: new calls (events), and the scenario's calls in the
    period with their new grant (parameter paths; 0: no call)."""
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


NEEDED_KEEP = (
    "employed",
    "unemployment_rate",
    "classic_jobs",
    "ess_jobs",
    "public_funding_eur",
    "self_financing_ratio",
    "jobs_created_or_secured",
    "ge_posts",
)


def experiment_text(
    name: str,
    reference: str,
    variants: list[Variant],
    built: dict[str, VariantFiles],
    *,
    replicates: int,
    scale: float,
    seed: int,
) -> str:
    """The experiment file of the comparison (``ptce-sim compare experiment.toml``)."""
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
    text = experiment_text(
        "funding_" + reference_path.stem,
        reference_path.stem,
        variants,
        built,
        replicates=replicates,
        scale=scale,
        seed=seed,
    )
    experiment.write_text(text, encoding="utf-8")
    return experiment
