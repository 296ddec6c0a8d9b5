"""Read scenario files (TOML) into validated :class:`~ptce_sim.config.scenario.Scenario` objects.

Every problem with a file, from a missing file to a probability above 1, becomes one
:class:`ScenarioError` whose message names the file, the field and what was expected.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from ptce_sim.config.scenario import NAME_PATTERN, FieldProblem, Scenario, printable

MAX_FILE_BYTES = 5_000_000
MAX_NESTING = 32
"""Deepest nesting of tables and arrays accepted in an input file (a scenario needs 5)."""

_KEY_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_DEEP_KEY = re.compile(
    rf"(?<![A-Za-z0-9_\-\"']){_KEY_PART}(?:[ \t]*+\.[ \t]*+{_KEY_PART}){{{MAX_NESTING},}}"
)
"""A dotted key (``a.b.c = 1``, ``[a.b.c]``) of more than :data:`MAX_NESTING` parts (it is found
in strings and comments too, where so many dotted words do not occur in an input file)."""


class ScenarioError(Exception):
    """A scenario (or other input) file that cannot be used; the message says why and where."""


def read_toml(path: str | Path, what: str = "scenario") -> dict:
    """Parse a TOML file, turning every failure into a :class:`ScenarioError`."""
    path = Path(path)
    shown = printable(str(path))
    try:
        if not path.exists():
            raise ScenarioError(f"{shown}: {what} file not found")
        if not path.is_file():
            raise ScenarioError(
                f"{shown}: expected a {what} file, found a directory or special file"
            )
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"{shown}: file is larger than {MAX_FILE_BYTES} bytes; expected a {what} file"
            )
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is tolerated
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{shown}: not a UTF-8 text file (byte {exc.start}); expected TOML"
        ) from None
    except OSError as exc:  # no permission, a name too long, an I/O error...
        raise ScenarioError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    deep = _DEEP_KEY.search(text)
    if deep is not None:  # the parser's memory grows with the square of a dotted key's length
        line = text.count("\n", 0, deep.start()) + 1
        raise ScenarioError(
            f"{shown}: line {line}: key {_short(deep.group())} has more than {MAX_NESTING} "
            f"dotted parts; expected a {what} file (at most {MAX_NESTING} levels of tables)"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{shown}: invalid TOML: {exc}") from None
    except RecursionError:  # the parser recurses into nested arrays and inline tables
        raise ScenarioError(
            f"{shown}: arrays or tables nested too deeply; expected a {what} file "
            f"(at most {MAX_NESTING} levels)"
        ) from None
    _check_nesting(data, shown, what)
    return data


def _check_nesting(data: dict, path: str, what: str) -> None:
    """Refuse tables and arrays nested deeper than :data:`MAX_NESTING`.

    Checked without recursion, before anything recurses into the data (``json.dumps``, pydantic).
    """
    stack: list[tuple[dict | list, tuple, int]] = [(data, (), 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_NESTING:
            shown = _location(where[:4]) + "..."
            raise ScenarioError(
                f"{path}: field '{shown}': tables or arrays nested more than {MAX_NESTING} "
                f"levels deep; expected a {what} file"
            )
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend(
            (value, (*where, key), depth + 1)
            for key, value in items
            if isinstance(value, dict | list)
        )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: the file is missing, not TOML, or does not describe a valid scenario.
    """
    data = read_toml(path)
    return parse_scenario(data, source=str(path))


def parse_scenario(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate already-parsed scenario data; ``source`` names it in error messages.

    Raises:
        ScenarioError: the data does not describe a valid scenario.
    """
    try:
        # strict JSON-mode validation: a string or a boolean where a number is expected is an
        # error, not a silent conversion (TOML dates become strings and are refused likewise)
        return Scenario.model_validate_json(
            json.dumps(data, default=str, allow_nan=True), strict=True
        )
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None


def format_validation_error(exc: ValidationError, source: str) -> str:
    """One clear message for the first problem (and how many others there are)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    location = _location(first["loc"])
    problem = first.get("ctx", {}).get("error")
    if isinstance(problem, FieldProblem):  # a check across fields names the field it concerns
        field = printable(problem.field)
        location = f"{location}.{field}" if location else field
    message = _explain(first)
    more = (
        f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        if len(errors) > 1
        else ""
    )
    where = f"field '{location}'" if location else "top level"
    return f"{source}: {where}: {message}{more}"


EVENT_TYPES = (
    "create_structure",
    "sector_shock",
    "plant_closure",
    "funding_call",
    "budget_cut",
    "policy",
)
"""The ``type`` of each kind of event (the tag of their discriminated union)."""


def _location(loc: tuple) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif i == 2 and loc[0] == "events" and isinstance(loc[1], int) and item in EVENT_TYPES:
            continue  # the tag of the events' discriminated union (events[3].plant_closure.jobs)
        else:
            parts.append(("." if parts else "") + printable(str(item)))
    return "".join(parts)


REMOVED_KEYS = {
    "contact_rate": "a structure no longer has its own contact rate (what differs between two "
    "GEIQs or GEs comes from their sectors, members and dates): remove it and set "
    "[mechanisms.geiq] or [mechanisms.shared_employment] contact_rate",
    "planning_employers_per_animator_fte": "removed: employers decide whether to take part in the "
    "skills planning; remove it (the cost they weigh: [mechanisms.gpec] "
    "hours_per_employer_per_year)",
}
"""Keys that older scenario files may still hold: what replaced them (else: an unknown key)."""


def _explain(error: dict) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        removed = REMOVED_KEYS.get(str(error["loc"][-1])) if error.get("loc") else None
        return removed or "unknown key; remove it or check its spelling"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return (
            f"unknown event type {error.get('ctx', {}).get('tag')!r}; expected one of "
            + ", ".join(EVENT_TYPES)
        )
    if kind == "union_tag_not_found":
        return "event has no 'type'; expected one of " + ", ".join(EVENT_TYPES)
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"expected a table (a valid dictionary of keys), got {_short(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"expected a finite number, got {value!r}"
    text = error["msg"]
    if text.startswith("Value error, "):
        text = text[len("Value error, ") :]
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == NAME_PATTERN:
        return (
            "expected a name of letters, digits, '_', '-' and '.' starting with a letter or a "
            f"digit (it names an output folder), got {_short(value)}"
        )
    if kind in {
        "greater_than_equal",
        "less_than_equal",
        "greater_than",
        "less_than",
        "finite_number",
    }:
        return f"expected a number {_bound(error)}, got {value!r}"
    return f"{text} (got {_short(value)})" if "input" in error and kind != "value_error" else text


def _bound(error: dict) -> str:
    ctx = error.get("ctx", {})
    words = {"ge": ">=", "le": "<=", "gt": ">", "lt": "<"}
    parts = [f"{words[k]} {v}" for k, v in ctx.items() if k in words]
    return " and ".join(parts) if parts else "that is finite"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def scenario_hash(path: str | Path) -> str:
    """SHA-256 of a scenario file's bytes (recorded beside results)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of a scenario's validated content (stable across formatting of the file)."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
