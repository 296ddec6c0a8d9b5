"""Change a scenario by parameter path: ``mechanisms.cooperation.trust_gain = 0.06``.

A **path** walks the scenario's tables with dots. Lists of tables (``sectors``, ``authorities``,
``events``, ``territory.growth``) take a selector in brackets:

* ``authorities[European Social Fund].plie_aid_per_person_eur_per_year``: the item whose
  ``name`` is ``European Social Fund`` (names may hold spaces and dots);
* ``events[GEIQ BTP].structure.contact_rate``: an event is named by the structure it creates
  (a ``create_structure`` event has no name of its own), which survives a new event earlier in
  the timeline where an index would not;
* ``events[3].depth``: the item at index 3 (counted from 0);
* ``authorities[*].animation_grant_eur_per_year``: every item of the list.

An override either **sets** the value (``op = "set"``) or **multiplies** the scenario's own value
(``op = "multiply"``): ``authorities[*].animation_grant_eur_per_year`` multiplied by 1.5 raises
every authority's grant by half, keeping their differences.

Overriding a mechanism parameter (``mechanisms.<section>.<parameter>``) also removes that
parameter from the ``set`` of later ``policy`` events, so that the value holds for the whole run
(a policy left with nothing to do is dropped). Pass ``keep_timeline=True`` to keep them.

:func:`narrow_years` shortens a scenario's run and trims its timeline to fit, for quick
experiments; see its docstring for what happens to events before the new start.

Everything here works on plain data (``Scenario.model_dump(mode="json")``) and validates the
result again; nothing reads files and nothing imports Mesa.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ptce_sim.config.scenario import Scenario
from ptce_sim.config.scenario_io import ScenarioError, parse_scenario

Op = Literal["set", "multiply"]

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?")
_BUDGET_ITEMS = {
    "budget": "budget_eur_per_year",
    "animation_grant": "animation_grant_eur_per_year",
    "insertion_aid": "aid_per_insertion_post_eur_per_year",
    "training_budget": "training_budget_eur_per_year",
    "operating_grant": "ess_operating_grant_share",
}


class PathError(ValueError):
    """A parameter path that does not name a parameter of the scenario, or a value it refuses."""


@dataclass(frozen=True)
class Segment:
    """One step of a path: a key, and a list selector when the key holds a list of tables.

    Attributes:
        key: the table key.
        selector: ``None`` (no brackets), ``"*"``, an index (``"3"``) or an item name.
    """

    key: str
    selector: str | None = None

    def __str__(self) -> str:
        return self.key if self.selector is None else f"{self.key}[{self.selector}]"


@dataclass(frozen=True)
class Override:
    """One change to a scenario.

    Attributes:
        path: where, e.g. ``"authorities[*].animation_grant_eur_per_year"``.
        value: the new value (``op="set"``) or the factor (``op="multiply"``).
        op: ``"set"`` or ``"multiply"``.
        keep_timeline: keep later policy events that set the same mechanism parameter.
        round_int: round a float to the nearest whole number when the parameter is a whole
            number (continuous designs sample floats).
    """

    path: str
    value: Any
    op: Op = "set"
    keep_timeline: bool = False
    round_int: bool = False


def parse_path(path: str) -> list[Segment]:
    """Split a parameter path into segments.

    Raises:
        PathError: the path is empty or malformed.
    """
    if not isinstance(path, str) or not path.strip():
        raise PathError("expected a parameter path such as 'mechanisms.cooperation.trust_gain'")
    segments: list[Segment] = []
    position = 0
    while True:
        match = _SEGMENT.match(path, position)
        if match is None:
            raise PathError(
                f"malformed parameter path {path!r} at character {position + 1}; expected "
                "dotted keys with optional [name], [index] or [*] selectors, e.g. "
                "'authorities[State].aid_per_insertion_post_eur_per_year'"
            )
        key, selector = match.group(1), match.group(2)
        if selector is not None:
            selector = selector.strip()
            if not selector:
                raise PathError(f"empty selector [] in parameter path {path!r}")
        segments.append(Segment(key, selector))
        position = match.end()
        if position == len(path):
            return segments
        if path[position] != ".":
            raise PathError(
                f"malformed parameter path {path!r} at character {position + 1}: "
                f"expected '.' or the end, found {path[position]!r}"
            )
        position += 1


def _item_name(item: Any) -> str | None:
    """An item's name for a ``[name]`` selector.

    Its ``name``, else the name of the structure it creates (``create_structure`` events).
    """
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("name"), str):
        return item["name"]
    structure = item.get("structure")
    return structure.get("name") if isinstance(structure, dict) else None


def _select(items: list, segment: Segment, where: str) -> list[tuple[str, Any]]:
    """The items of a list that ``segment``'s selector picks, with their own path."""
    if segment.selector is None:
        raise PathError(
            f"'{where}' is a list; add a selector: [name], [index] or [*] (e.g. '{where}[*]')"
        )
    if segment.selector == "*":
        if not items:
            raise PathError(f"'{where}[*]' matches no item: the list is empty")
        return [(f"{where}[{i}]", item) for i, item in enumerate(items)]
    if re.fullmatch(r"-?\d+", segment.selector):
        index = int(segment.selector)
        if not 0 <= index < len(items):
            raise PathError(
                f"'{where}[{index}]' is out of range: the list has {len(items)} items "
                f"(indices 0 to {len(items) - 1})"
            )
        return [(f"{where}[{index}]", items[index])]
    names = [_item_name(item) for item in items]
    if not any(isinstance(n, str) for n in names):
        raise PathError(
            f"items of '{where}' have no name; select them by index (e.g. '{where}[0]') or [*]"
        )
    found = [
        (f"{where}[{i}]", item)
        for i, (item, name) in enumerate(zip(items, names, strict=True))
        if name == segment.selector
    ]
    if not found:
        known = ", ".join(repr(n) for n in names if isinstance(n, str))
        raise PathError(f"no item named {segment.selector!r} in '{where}'; expected one of {known}")
    return found


def resolve(data: dict, path: str) -> list[tuple[dict, str, str]]:
    """The leaves a path names in scenario data.

    Args:
        data: scenario data (``Scenario.model_dump(mode="json")``).
        path: a parameter path.

    Returns:
        ``(parent table, key, concrete path)`` of each leaf (several with ``[*]``).

    Raises:
        PathError: a key does not exist, a selector matches nothing, or the path ends on a
            table or a list instead of a parameter.
    """
    segments = parse_path(path)
    current: list[tuple[str, Any]] = [("", data)]
    leaves: list[tuple[dict, str, str]] = []
    for depth, segment in enumerate(segments):
        last = depth == len(segments) - 1
        following: list[tuple[str, Any]] = []
        for where, node in current:
            if not isinstance(node, dict):
                raise PathError(f"'{where}' is a value, not a table; it has no '{segment.key}'")
            here = f"{where}.{segment.key}" if where else segment.key
            if segment.key not in node:
                known = ", ".join(sorted(node))
                raise PathError(f"unknown parameter '{here}'; expected one of: {known}")
            value = node[segment.key]
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                selected = _select(value, segment, here)
                if last:
                    raise PathError(f"{path!r} names a table, not a parameter")
                following.extend(selected)
            elif segment.selector is not None:
                if isinstance(value, list) and not value:
                    raise PathError(
                        f"'{here}{'[' + segment.selector + ']'}' matches no item: the list is empty"
                    )
                raise PathError(f"'{here}' is not a list of tables; remove [{segment.selector}]")
            elif last:
                if isinstance(value, dict):
                    raise PathError(f"{path!r} names a table, not a parameter")
                leaves.append((node, segment.key, here))
            else:
                following.append((here, value))
        current = following
    return leaves


def _convert(old: Any, override: Override, where: str) -> Any:
    """The new value of a leaf whose current value is ``old``."""
    value = override.value
    if override.op == "multiply":
        if isinstance(old, bool) or not isinstance(old, int | float):
            raise PathError(f"'{where}' is not a number ({old!r}); it cannot be multiplied")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PathError(f"a factor must be a number, got {value!r}")
        value = old * value
    whole = isinstance(old, int) and not isinstance(old, bool)
    if whole and isinstance(value, float) and math.isfinite(value):
        if override.round_int or override.op == "multiply":
            return int(round(value))  # a count stays a whole number
    return value


def _strip_policies(data: dict, mechanism_path: str) -> None:
    """Remove ``mechanism_path`` from later policy events; drop policies left with nothing."""
    kept = []
    for event in data.get("events", []):
        if event.get("type") == "policy" and mechanism_path in event.get("set", {}):
            event["set"] = {k: v for k, v in event["set"].items() if k != mechanism_path}
            if not (
                event["set"] or event.get("formalise_pole") or event.get("create_solidarity_fund")
            ):
                continue
        kept.append(event)
    data["events"] = kept


def apply_to_data(data: dict, overrides: Iterable[Override]) -> dict:
    """Apply overrides to scenario data in place (no validation); returns ``data``.

    Raises:
        PathError: a path or a value that cannot be applied.
    """
    for override in overrides:
        for parent, key, where in resolve(data, override.path):
            parent[key] = _convert(parent[key], override, where)
            if where.startswith("mechanisms.") and not override.keep_timeline:
                _strip_policies(data, where.removeprefix("mechanisms."))
    return data


def apply_overrides(
    scenario: Scenario, overrides: Sequence[Override], *, source: str = "<overrides>"
) -> Scenario:
    """A copy of ``scenario`` with ``overrides`` applied in order, validated again.

    Args:
        scenario: the base scenario.
        overrides: the changes.
        source: what to name in error messages (e.g. the experiment file).

    Raises:
        ScenarioError: a path that names no parameter, or a scenario the values make invalid.
    """
    data = scenario.model_dump(mode="json")
    try:
        apply_to_data(data, overrides)
    except PathError as exc:
        raise ScenarioError(f"{source}: {exc}") from None
    return parse_scenario(data, source=source)


def narrow_years(scenario: Scenario, start_year: int | None, end_year: int | None) -> Scenario:
    """The scenario run over ``[start_year, end_year]`` only, its timeline trimmed to fit.

    Meant for quick experiments and tests. The territory still starts from the scenario's
    initial state (its labour force, firms and skills are not re-calibrated to the new start).
    Events after the new end are dropped. Events before the new start are:

    * ``create_structure``: moved to January of the start year (the structure exists from the
      start, its founders with it); ``legal_form``: likewise, after the structure's creation;
    * ``policy``: its ``set`` is folded into ``[mechanisms]``; pole formalisation and the
      solidarity fund move to January of the start year;
    * ``budget_cut``: folded into the authority's amounts (each cut item multiplied by
      ``1 - share``), as the cut is in force at the start;
    * ``sector_shock``, ``plant_closure``, ``funding_call``: dropped (past history is not
      replayed).

    Args:
        scenario: a validated scenario.
        start_year: the new first year, or ``None`` to keep the scenario's.
        end_year: the new last year, or ``None`` to keep the scenario's.

    Raises:
        ScenarioError: the years are reversed or the trimmed scenario is not valid.
    """
    data = scenario.model_dump(mode="json")
    start = scenario.run.start_year if start_year is None else start_year
    end = scenario.run.end_year if end_year is None else end_year
    data["run"]["start_year"], data["run"]["end_year"] = start, end
    trimmed = trim_timeline(data)
    return parse_scenario(trimmed, source=f"<{scenario.run.name} narrowed to {start}-{end}>")


def trim_timeline(data: dict) -> dict:
    """Scenario data with its events fitted to its ``[run]`` years (see :func:`narrow_years`).

    Returns:
        A new dict; ``data`` is not modified.
    """
    data = copy.deepcopy(data)
    start, end = data["run"]["start_year"], data["run"]["end_year"]
    authorities = {a["name"]: a for a in data.get("authorities", [])}
    events = []
    ordered = sorted(enumerate(data.get("events", [])), key=lambda item: (item[1]["date"], item[0]))
    for _, event in ordered:
        year = int(str(event["date"])[:4])
        if year > end:
            continue
        if year >= start:
            events.append(event)
            continue
        kind = event["type"]
        if kind in ("create_structure", "legal_form"):  # a change of form after the creation
            events.append({**event, "date": f"{start:04d}-01"})
        elif kind == "policy":
            for path, value in event.get("set", {}).items():
                section, _, field = path.partition(".")
                data["mechanisms"][section][field] = value
            if event.get("formalise_pole") or event.get("create_solidarity_fund"):
                events.append({**event, "set": {}, "date": f"{start:04d}-01"})
        elif kind == "budget_cut":
            authority = authorities[event["authority"]]
            for item in event.get("items", ["budget"]):
                authority[_BUDGET_ITEMS[item]] *= 1.0 - event["share"]
        # sector_shock, plant_closure, funding_call before the start: past history, dropped
    data["events"] = events  # in date order, the file's order on equal dates
    return data
