"""Observed figures to validate a scenario against: read and check a targets file and its mapping.

A *targets file* (format of ``scenarios/targets/seignanx.toml``) lists observed figures:

- ``[territory]``: figures about the whole territory (e.g. ``population_growth_per_year``);
- ``[[shock]]``: a shock with its ``period = [first, last]`` year and figures about it
  (e.g. ``jobs_destroyed``);
- ``[[target]]``: one structure (``structure``) in one ``year``, with one number per indicator.

Keys ``name``, ``note``, ``created``, ``structure``, ``year``, ``period`` and ``source`` describe a
figure; every other key is an observed figure and must be a positive finite number.

Its *mapping file* (``scenarios/targets/seignanx_mapping.toml``) says how each figure is read off
the model's tables: ``[structures]`` maps the targets file's structure names to the scenario's,
``[indicators]`` maps each ``[[target]]`` indicator to a column of the structures table,
``[territory.<key>]`` and ``[shock.<key>]`` say how territory-level figures are computed from the
territory table, and ``[not_compared]`` lists, with a reason, the figures the model cannot produce.
Every numeric figure must be mapped or listed there: a figure is never silently skipped.
``[identities]`` classes figures as *identities* (they follow from the scenario's inputs or from
another figure, so the model cannot get them wrong), each with its derivation, in sections that
mirror the targets file: ``[identities.territory]``, ``[identities.shock."<shock name>"]`` and
``[identities.target."<structure>"]``, one ``indicator = "derivation"`` line per figure. Every
other compared figure is *emergent*: the model could get it wrong (:mod:`ptce_sim.studies.fit`).
``[notes]`` reads figures that the sources state in words, in a ``[[target]]``'s ``note``: each
``[notes."<structure>".<indicator>]`` quotes the note's words (``quote``, which must appear in that
structure's note), gives the number they state (``value``) and reads it off the territory table
like a ``[territory.<key>]`` entry; ``held_out = true`` keeps it out of the calibration, so that
it tests the model on a figure it was not tuned to (an out-of-sample figure).
``[misses]``, in the same sections as ``[identities]``, gives an emergent figure the likely reason
the model misses it, in words (``indicator = "reason"``); the validation report shows it beside
every emergent figure that is off by more than ±25%, and says so where none is given.

Every problem becomes a :class:`~ptce_sim.config.scenario_io.ScenarioError` naming the file, the
field and what was expected. Nothing here runs the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ptce_sim.config.scenario_io import ScenarioError, printable, read_toml
from ptce_sim.simulation.metrics import STRUCTURE_COLUMNS, TERRITORY_COLUMNS

if TYPE_CHECKING:
    from ptce_sim.config.scenario import Scenario

Method = Literal["value", "growth_rate", "peak_to_trough"]
"""How a simulated figure is computed from a run's tables.

- ``value``: the column's value in the target's year (structures or territory table);
- ``growth_rate``: compound yearly growth of a territory column between two years;
- ``peak_to_trough``: drop of a territory column from its highest value before the trough to its
  lowest value, both within a period.
"""

DESCRIPTIVE_KEYS = frozenset({"name", "note", "created", "structure", "year", "period", "source"})
"""Keys of a targets file that describe a figure rather than being one."""

TOP_LEVEL_KEYS = frozenset({"territory", "shock", "target"})
MAPPING_KEYS = frozenset(
    {
        "structures",
        "indicators",
        "territory",
        "shock",
        "not_compared",
        "identities",
        "notes",
        "misses",
    }
)
NOTE_KEYS = frozenset({"quote", "value", "held_out", "column", "scaled", "method", "years"})
IDENTITY_SECTIONS = frozenset({"territory", "shock", "target"})
YEAR_RANGE = (1800, 2200)


@dataclass(frozen=True)
class Target:
    """One observed figure and how to compute its simulated counterpart.

    Attributes:
        label: where the figure is in the targets file, e.g. ``target[2].employees``.
        source_name: the structure, shock or territory as named in the targets file.
        structure: the scenario's structure (``None`` for territory-level figures).
        indicator: the figure's key in the targets file.
        table: ``"structures"`` or ``"territory"``: the run table it is read from.
        column: the column of that table.
        method: how the simulated figure is computed (see :data:`Method`).
        years: first and last year involved (equal for a figure of one year).
        observed: the observed value.
        scaled: a count, compared to the simulated value divided by the run's scale.
        note: the source's wording, if any.
        identity: how the figure follows from the inputs or from another figure (from the
            mapping's ``[identities]``); empty for an emergent figure.
        held_out: an emergent figure kept out of the calibration (the mapping's ``[notes]``
            with ``held_out = true``): a test of the model on what it was not tuned to.
        likely_reason: why the model likely misses this emergent figure when it does (the
            mapping's ``[misses]``); empty when none is given.
    """

    label: str
    source_name: str
    structure: str | None
    indicator: str
    table: Literal["structures", "territory"]
    column: str
    method: Method
    years: tuple[int, int]
    observed: float
    scaled: bool
    note: str = ""
    identity: str = ""
    held_out: bool = False
    likely_reason: str = ""

    @property
    def emergent(self) -> bool:
        """Whether the model could get the figure wrong (it is not an identity)."""
        return not self.identity

    @property
    def calibrated(self) -> bool:
        """Whether a calibration may fit it: emergent and not held out."""
        return self.emergent and not self.held_out

    @property
    def kind(self) -> Literal["emergent", "held_out", "identity"]:
        """``identity``, ``held_out`` (emergent, out of sample) or ``emergent`` (in sample)."""
        if not self.emergent:
            return "identity"
        return "held_out" if self.held_out else "emergent"

    @property
    def year(self) -> int:
        """The year the figure describes (the last year of a period)."""
        return self.years[1]

    @property
    def period(self) -> str:
        """The year, or ``first-last`` for a figure about a period."""
        first, last = self.years
        return str(last) if first == last else f"{first}-{last}"


@dataclass(frozen=True)
class Targets:
    """A checked targets file with its mapping.

    Attributes:
        path: the targets file.
        mapping_path: its mapping file.
        targets: the figures to compare, in file order.
        not_compared: figures the model cannot produce: ``(label, value, reason)``.
        created: creation year given by the sources, by scenario structure name.
        structure_names: targets-file structure name -> scenario structure name.
    """

    path: Path
    mapping_path: Path
    targets: tuple[Target, ...]
    not_compared: tuple[tuple[str, float, str], ...] = ()
    created: Mapping[str, int] = field(default_factory=dict)
    structure_names: Mapping[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.targets)


def default_mapping_path(path: str | Path) -> Path:
    """The mapping file that goes with a targets file: ``<stem>_mapping.toml`` beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem}_mapping.toml")


def load_targets(path: str | Path, mapping_path: str | Path | None = None) -> Targets:
    """Read and check a targets file and its mapping.

    Args:
        path: the targets file (TOML).
        mapping_path: its mapping file; default :func:`default_mapping_path`.

    Raises:
        ScenarioError: a file is missing, is not TOML, or a figure or mapping entry is invalid.
    """
    path = Path(path)
    mapping_path = default_mapping_path(path) if mapping_path is None else Path(mapping_path)
    data = read_toml(path, what="targets")
    mapping = read_toml(mapping_path, what="targets mapping")
    return parse_targets(data, mapping, path=path, mapping_path=mapping_path)


def parse_targets(
    data: Mapping[str, object],
    mapping: Mapping[str, object],
    *,
    path: str | Path = "<targets>",
    mapping_path: str | Path = "<mapping>",
) -> Targets:
    """Check already-parsed targets and mapping data (pure).

    Args:
        data: the parsed targets file.
        mapping: the parsed mapping file.
        path: the targets file's name, for messages.
        mapping_path: the mapping file's name, for messages.

    Raises:
        ScenarioError: a figure or mapping entry is invalid; the message names file and field.
    """
    path, mapping_path = Path(path), Path(mapping_path)
    rules = _parse_mapping(mapping, mapping_path)
    reader = _TargetsReader(path, mapping_path, rules)
    _check_keys(data, TOP_LEVEL_KEYS, path, "", "section")
    targets: list[Target] = []
    not_compared: list[tuple[str, float, str]] = []

    def figure(key: str, value: object, label: str, table: dict, hint: str):
        """The observed value and the rule that reads it off the model.

        ``None`` when the figure is listed in ``[not_compared]`` (it is then recorded with its
        reason).
        """
        observed = reader.observed(value, label)
        if key in rules.not_compared:
            not_compared.append((label, observed, rules.not_compared[key]))
            return None
        rule = table.get(key)
        if rule is None:
            raise ScenarioError(
                f"{path}: field '{label}': unknown indicator {key!r}; expected one of "
                f"{_names(table)} (add it to {hint} of {mapping_path})"
            )
        return observed, rule

    territory = _table(data.get("territory", {}), path, "territory")
    for key, value in territory.items():
        if key in DESCRIPTIVE_KEYS:
            continue
        label = f"territory.{printable(key)}"
        hint = f"[territory.{printable(key)}] or [not_compared]"
        found = figure(key, value, label, rules.territory, hint)
        if found is None:
            continue
        observed, rule = found
        targets.append(
            Target(
                label=label,
                source_name=str(territory.get("name", "territory")),
                structure=None,
                indicator=key,
                table="territory",
                column=rule.column,
                method=rule.method,
                years=rule.years,
                observed=observed,
                scaled=rule.scaled,
            )
        )

    for i, shock in enumerate(_array_of_tables(data.get("shock", []), path, "shock")):
        where = f"shock[{i}]"
        name = _text(shock.get("name", f"shock {i}"), path, f"{where}.name")
        period = _period(shock.get("period"), path, f"{where}.period")
        for key, value in shock.items():
            if key in DESCRIPTIVE_KEYS:
                continue
            label = f"{where}.{printable(key)}"
            hint = f"[shock.{printable(key)}] or [not_compared]"
            found = figure(key, value, label, rules.shock, hint)
            if found is None:
                continue
            observed, rule = found
            targets.append(
                Target(
                    label=label,
                    source_name=name,
                    structure=None,
                    indicator=key,
                    table="territory",
                    column=rule.column,
                    method=rule.method,
                    years=period,
                    observed=observed,
                    scaled=rule.scaled,
                    note=str(shock.get("note", "")),
                )
            )

    created: dict[str, int] = {}
    seen: dict[tuple[str, str, int], tuple[str, str, str]] = {}
    used_structures: set[str] = set()
    for i, entry in enumerate(_array_of_tables(data.get("target", []), path, "target")):
        where = f"target[{i}]"
        if "structure" not in entry:
            raise ScenarioError(f"{path}: field '{where}.structure': required field is missing")
        name = _text(entry["structure"], path, f"{where}.structure")
        figures = {k: v for k, v in entry.items() if k not in DESCRIPTIVE_KEYS}
        model_name = rules.structures.get(name)
        if model_name is not None:
            used_structures.add(name)
        if "created" in entry:
            year_created = _year(entry["created"], path, f"{where}.created")
            if model_name is not None:
                created.setdefault(model_name, year_created)
        if not figures:
            continue  # a structure described (e.g. its creation year) but with no figure
        if "year" not in entry:
            raise ScenarioError(f"{path}: field '{where}.year': required field is missing")
        year = _year(entry["year"], path, f"{where}.year")
        if model_name is None:
            raise ScenarioError(
                f"{path}: field '{where}.structure': unknown structure {name!r}; expected one of "
                f"{_names(rules.structures)} (add it to [structures] of {mapping_path})"
            )
        for key, value in figures.items():
            label = f"{where}.{printable(key)}"
            found = figure(key, value, label, rules.indicators, "[indicators]")
            if found is None:
                continue
            observed, rule = found
            identity = (model_name, rule.column, year)
            if identity in seen:
                first_label, first_name, first_key = seen[identity]
                names = sorted({name, first_name})
                keys = sorted({key, first_key})
                raise ScenarioError(
                    f"{path}: field '{label}': the same figure (structure {model_name!r}, "
                    f"column {rule.column!r}, year {year}) is already given by "
                    f"'{first_label}'; expected each figure once ({mapping_path} maps "
                    f"{' and '.join(map(repr, names))} to {model_name!r} in [structures], "
                    f"{' and '.join(map(repr, keys))} to {rule.column!r} in [indicators])"
                )
            seen[identity] = (label, name, key)
            targets.append(
                Target(
                    label=label,
                    source_name=name,
                    structure=model_name,
                    indicator=key,
                    table="structures",
                    column=rule.column,
                    method="value",
                    years=(year, year),
                    observed=observed,
                    scaled=rule.scaled,
                    note=str(entry.get("note", "")),
                )
            )

    targets += _note_figures(data, rules.notes, reader)
    unused = sorted(set(rules.structures) - used_structures)
    if unused:
        raise ScenarioError(
            f"{mapping_path}: field 'structures.{printable(unused[0])}': unknown structure "
            f"{unused[0]!r}: no [[target]] of {path} has this structure; expected one of "
            f"{sorted({str(t.get('structure')) for t in data.get('target', [])})}"
        )
    if not targets:
        raise ScenarioError(f"{path}: top level: no figure to compare; expected [[target]] tables")
    return Targets(
        path=path,
        mapping_path=mapping_path,
        targets=_classify(targets, rules.identities, rules.misses, mapping_path),
        not_compared=tuple(not_compared),
        created=created,
        structure_names=dict(rules.structures),
    )


def check_targets(targets: Targets, scenario: Scenario) -> None:
    """Check that a scenario can produce every figure of ``targets``.

    Every mapped structure must be created by the scenario's timeline, before the year of its
    figures; its kind must produce the mapped column; every year must be inside the run.

    Raises:
        ScenarioError: naming the mapping (or targets) file and the field concerned.
    """
    from ptce_sim.simulation.agents.structures import STRUCTURE_CLASSES, Structure
    from ptce_sim.simulation.agents.structures.base import COMMON_INDICATORS

    created = structure_creation(scenario)
    kinds = {
        event.structure.name: event.structure.kind
        for event in scenario.events
        if event.type == "create_structure"
    }
    first, last = scenario.run.start_year, scenario.run.end_year
    for source_name, model_name in targets.structure_names.items():
        if model_name not in created:
            raise ScenarioError(
                f"{targets.mapping_path}: field 'structures.{printable(source_name)}': unknown "
                f"structure {model_name!r}: the scenario {scenario.run.name!r} creates no "
                f"structure of that name; expected one of {sorted(created)}"
            )
    for target in targets.targets:
        start, end = target.years
        if start < first or end > last:
            raise ScenarioError(
                f"{targets.path}: field '{target.label}': year {target.period} is outside the "
                f"run of {scenario.run.name!r} ({first}-{last})"
            )
        if target.structure is None:
            continue
        year_created = created[target.structure][0]
        if target.year < year_created:
            raise ScenarioError(
                f"{targets.path}: field '{target.label}': the figure is for {target.year} but the "
                f"scenario creates {target.structure!r} in {year_created}"
            )
        cls: type[Structure] = STRUCTURE_CLASSES[kinds[target.structure]]
        if target.column not in cls.indicators | COMMON_INDICATORS:
            raise ScenarioError(
                f"{targets.mapping_path}: field 'indicators.{printable(target.indicator)}': column "
                f"{target.column!r} does not apply to {target.structure!r} (kind "
                f"{kinds[target.structure]}); expected one of "
                f"{sorted(cls.indicators | COMMON_INDICATORS)}"
            )


def structure_creation(scenario: Scenario) -> dict[str, tuple[int, int]]:
    """(year, month) of creation of each structure of the scenario's timeline."""
    return {
        event.structure.name: (event.year, event.month)
        for event in scenario.events
        if event.type == "create_structure"
    }


# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    column: str
    method: Method
    scaled: bool
    years: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class _Rules:
    structures: dict[str, str]
    indicators: dict[str, _Rule]
    territory: dict[str, _Rule]
    shock: dict[str, _Rule]
    not_compared: dict[str, str]
    identities: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(section, name, indicator) -> derivation; the name is empty for the territory."""
    notes: dict[tuple[str, str], _NoteRule] = field(default_factory=dict)
    """(structure of the targets file, indicator) -> how a figure stated in its note is read."""
    misses: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(section, name, indicator) -> the likely reason the model misses an emergent figure."""


@dataclass(frozen=True)
class _NoteRule:
    quote: str
    value: object
    held_out: bool
    rule: _Rule
    where: str


@dataclass(frozen=True)
class _TargetsReader:
    path: Path
    mapping_path: Path
    rules: _Rules

    def observed(self, value: object, label: str, path: Path | None = None) -> float:
        """An observed figure: a positive finite number (``path``: the file giving it)."""
        path = path or self.path
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(
                f"{path}: field '{label}': expected a positive number, got {_short(value)}"
            )
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float (TOML integers are not bounded here)
            number = math.inf
        if not math.isfinite(number):
            raise ScenarioError(
                f"{path}: field '{label}': expected a finite positive number, got {_short(value)}"
            )
        if number <= 0:
            raise ScenarioError(
                f"{path}: field '{label}': expected a positive number (a count, amount or "
                f"rate; relative errors need a non-zero observation), got {_short(value)}"
            )
        return number


def _parse_mapping(mapping: Mapping[str, object], path: Path) -> _Rules:
    _check_keys(mapping, MAPPING_KEYS, path, "", "section")
    structures: dict[str, str] = {}
    for key, value in _table(mapping.get("structures", {}), path, "structures").items():
        structures[key] = _text(value, path, f"structures.{printable(key)}")
    indicators = {
        key: _rule(value, path, f"indicators.{printable(key)}", table="structures")
        for key, value in _table(mapping.get("indicators", {}), path, "indicators").items()
    }
    territory = {
        key: _rule(value, path, f"territory.{printable(key)}", table="territory")
        for key, value in _table(mapping.get("territory", {}), path, "territory").items()
    }
    shock = {
        key: _rule(value, path, f"shock.{printable(key)}", table="territory", period=True)
        for key, value in _table(mapping.get("shock", {}), path, "shock").items()
    }
    not_compared = {
        key: _text(value, path, f"not_compared.{printable(key)}")
        for key, value in _table(mapping.get("not_compared", {}), path, "not_compared").items()
    }
    identities = _figure_texts(mapping.get("identities", {}), path, "identities")
    notes = _notes(mapping.get("notes", {}), path)
    misses = _figure_texts(mapping.get("misses", {}), path, "misses")
    return _Rules(structures, indicators, territory, shock, not_compared, identities, notes, misses)


def _notes(value: object, path: Path) -> dict[tuple[str, str], _NoteRule]:
    """The ``[notes]`` section: figures a ``[[target]]``'s note states in words."""
    found: dict[tuple[str, str], _NoteRule] = {}
    for name, figures in _table(value, path, "notes").items():
        place = f"notes.{printable(name)}"
        for indicator, body in _table(figures, path, place).items():
            where = f"{place}.{printable(indicator)}"
            entry = _table(body, path, where)
            _check_keys(entry, NOTE_KEYS, path, where, "key")
            for required in ("quote", "value"):
                if required not in entry:
                    raise ScenarioError(
                        f"{path}: field '{where}.{required}': required field is missing"
                    )
            held_out = entry.get("held_out", False)
            if not isinstance(held_out, bool):
                raise ScenarioError(
                    f"{path}: field '{where}.held_out': expected true or false, "
                    f"got {_short(held_out)}"
                )
            rule = _rule(
                {"method": "value"}  # a note states one number: its value in one year
                | {k: v for k, v in entry.items() if k not in {"quote", "value", "held_out"}},
                path,
                where,
                table="territory",
            )
            quote = _text(entry["quote"], path, f"{where}.quote").strip()
            found[(name, indicator)] = _NoteRule(quote, entry["value"], held_out, rule, where)
    return found


def _note_figures(
    data: Mapping[str, object], notes: dict[tuple[str, str], _NoteRule], reader: _TargetsReader
) -> list[Target]:
    """The figures of ``[notes]``, each checked against the note it quotes."""
    entries = data.get("target", [])
    figures = []
    for (name, indicator), note in notes.items():
        quoted = [
            i
            for i, entry in enumerate(entries)
            if entry.get("structure") == name and note.quote in str(entry.get("note", ""))
        ]
        if not quoted:
            notes_of = [e["note"] for e in entries if e.get("structure") == name and "note" in e]
            expected = (
                f"words of its note {notes_of[0]!r}"
                if notes_of
                else f"a [[target]] of {reader.path} with structure {name!r} and a note"
            )
            raise ScenarioError(
                f"{reader.mapping_path}: field '{note.where}.quote': {note.quote!r} is not in "
                f"the note of any [[target]] with structure {name!r}; expected {expected}"
            )
        label = f"target[{quoted[0]}].note.{printable(indicator)}"
        figures.append(
            Target(
                label=label,
                source_name=name,
                structure=None,
                indicator=indicator,
                table="territory",
                column=note.rule.column,
                method=note.rule.method,
                years=note.rule.years,
                observed=reader.observed(note.value, f"{note.where}.value", reader.mapping_path),
                scaled=note.rule.scaled,
                note=note.quote,
                held_out=note.held_out,
            )
        )
    return figures


FIGURE_TEXTS = {
    "identities": "the figure's derivation or reason in words (an identity needs one)",
    "misses": "the likely reason the model misses the figure, in words",
}
"""The mapping's sections that give figures a text, and what that text must say."""


def _figure_texts(value: object, path: Path, key: str) -> dict[tuple[str, str, str], str]:
    """``[identities]`` or ``[misses]``: ``(section, name, indicator) -> text in words``."""
    sections = _table(value, path, key)
    _check_keys(sections, IDENTITY_SECTIONS, path, key, "section")
    found: dict[tuple[str, str, str], str] = {}
    for section, body in sections.items():
        where = f"{key}.{section}"
        named = {"": body} if section == "territory" else _table(body, path, where)
        for name, figures in named.items():
            place = f"{where}.{printable(name)}" if name else where
            for indicator, text in _table(figures, path, place).items():
                field_name = f"{place}.{printable(indicator)}"
                if not isinstance(text, str) or len(text.split()) < 3:
                    raise ScenarioError(
                        f"{path}: field '{field_name}': expected {FIGURE_TEXTS[key]}, got "
                        f"{_short(text)}"
                    )
                found[(section, name, indicator)] = text.strip()
    return found


def _section(target: Target) -> tuple[str, str]:
    """The targets file's section of a figure and its name there (empty for the territory)."""
    if target.label.startswith("territory."):
        return "territory", ""
    if target.label.startswith("shock["):
        return "shock", target.source_name
    return "target", target.source_name


def _classify(
    targets: list[Target],
    identities: dict[tuple[str, str, str], str],
    misses: dict[tuple[str, str, str], str],
    path: Path,
) -> tuple[Target, ...]:
    """The figures with their derivation (``[identities]``) and likely reason (``[misses]``).

    Raises:
        ScenarioError: an entry names no compared figure (unknown, or not compared), or a
            likely reason is given to an identity (it cannot miss).
    """
    compared = {(*_section(t), t.indicator) for t in targets}
    for where, texts in (("identities", identities), ("misses", misses)):
        for key in texts:
            section, name, indicator = key
            place = f"{where}.{section}" + (f".{printable(name)}" if name else "")
            if key not in compared:
                expected = sorted(i for s, n, i in compared if (s, n) == (section, name)) or sorted(
                    {n for s, n, _ in compared if s == section}
                )
                raise ScenarioError(
                    f"{path}: field '{place}.{printable(indicator)}': no compared figure "
                    f"{indicator!r} of {section} {name!r} (an entry of [{where}] must name a "
                    f"figure of the targets file that is compared); expected one of {expected}"
                )
            if where == "misses" and key in identities:
                raise ScenarioError(
                    f"{path}: field '{place}.{printable(indicator)}': {indicator!r} of "
                    f"{section} {name!r} is an identity ([identities]): it follows from the "
                    "inputs and cannot miss; expected a likely reason only for an emergent figure"
                )
    return tuple(
        replace(
            t,
            identity=identities.get((*_section(t), t.indicator), ""),
            likely_reason=misses.get((*_section(t), t.indicator), ""),
        )
        for t in targets
    )


def _rule(value: object, path: Path, where: str, *, table: str, period: bool = False) -> _Rule:
    """One mapping entry: ``{ column, scaled[, method, years] }``."""
    entry = _table(value, path, where)
    allowed = {"column", "scaled", "method"} | (
        set() if period or table == "structures" else {"years"}
    )
    _check_keys(entry, allowed, path, where, "key")
    for required in ("column", "scaled"):
        if required not in entry:
            raise ScenarioError(f"{path}: field '{where}.{required}': required field is missing")
    column = _text(entry["column"], path, f"{where}.column")
    known = STRUCTURE_COLUMNS[3:] if table == "structures" else TERRITORY_COLUMNS[1:]
    if column not in known:
        raise ScenarioError(
            f"{path}: field '{where}.column': unknown column {column!r} of the {table} table; "
            f"expected one of {', '.join(known)}"
        )
    scaled = entry["scaled"]
    if not isinstance(scaled, bool):
        raise ScenarioError(
            f"{path}: field '{where}.scaled': expected true or false, got {_short(scaled)}"
        )
    if table == "structures":
        methods: tuple[str, ...] = ("value",)
    elif period:
        methods = ("peak_to_trough",)
    else:
        methods = ("growth_rate", "value")
    method = entry.get("method", methods[0])
    if method not in methods:
        raise ScenarioError(
            f"{path}: field '{where}.method': unknown method {method!r}; expected one of "
            f"{', '.join(methods)}"
        )
    years = (0, 0)
    if not period and table == "territory":
        if "years" not in entry:
            raise ScenarioError(f"{path}: field '{where}.years': required field is missing")
        given = entry["years"]
        if method == "value" and isinstance(given, list):
            raise ScenarioError(
                f"{path}: field '{where}.years': method 'value' reads one year; expected a year "
                f"(e.g. 2012), got {_short(given)}"
            )
        if method == "growth_rate" and not isinstance(given, list):
            raise ScenarioError(
                f"{path}: field '{where}.years': method 'growth_rate' needs two years; expected "
                f"[first_year, last_year], got {_short(given)}"
            )
        if method == "value":
            year = _year(given, path, f"{where}.years")
            years = (year, year)
        else:
            years = _period(given, path, f"{where}.years")
            if years[0] == years[1]:
                raise ScenarioError(
                    f"{path}: field '{where}.years': a growth rate needs two different years, "
                    f"got {list(years)}"
                )
    return _Rule(column=column, method=method, scaled=scaled, years=years)


def _check_keys(
    table: Mapping[str, object],
    allowed: frozenset[str] | set[str],
    path: Path,
    where: str,
    what: str,
) -> None:
    for key in table:
        if key not in allowed:
            field_name = f"{where}.{printable(key)}" if where else printable(key)
            raise ScenarioError(
                f"{path}: field '{field_name}': unknown {what}; expected one of "
                f"{', '.join(sorted(allowed))}"
            )


def _table(value: object, path: Path, where: str) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(f"{path}: field '{where}': expected a table, got {_short(value)}")
    return value


def _array_of_tables(value: object, path: Path, where: str) -> list[dict]:
    if not isinstance(value, list):
        raise ScenarioError(
            f"{path}: field '{where}': expected an array of tables ([[{where}]]), "
            f"got {_short(value)}"
        )
    for i, item in enumerate(value):
        _table(item, path, f"{where}[{i}]")
    return value


def _text(value: object, path: Path, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(
            f"{path}: field '{where}': expected a non-empty string, got {_short(value)}"
        )
    return value


def _year(value: object, path: Path, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(
            f"{path}: field '{where}': expected a year (e.g. 2012), got {_short(value)}"
        )
    if not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        raise ScenarioError(
            f"{path}: field '{where}': expected a year between {YEAR_RANGE[0]} and "
            f"{YEAR_RANGE[1]}, got {value}"
        )
    return value


def _period(value: object, path: Path, where: str) -> tuple[int, int]:
    if value is None:
        raise ScenarioError(f"{path}: field '{where}': required field is missing")
    if not isinstance(value, list) or len(value) != 2:
        raise ScenarioError(
            f"{path}: field '{where}': expected [first_year, last_year], got {_short(value)}"
        )
    first = _year(value[0], path, f"{where}[0]")
    last = _year(value[1], path, f"{where}[1]")
    if last < first:
        raise ScenarioError(
            f"{path}: field '{where}': last year {last} is before first year {first}"
        )
    return first, last


def _names(table: Mapping[str, object]) -> str:
    return ", ".join(repr(k) for k in table) if table else "(none mapped)"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
