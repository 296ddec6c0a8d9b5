"""Hypothesis strategies that turn the shipped input files into broken (or extreme) ones.

Used by ``tests/test_fuzz_loaders.py``. Three families:

* **field-level mutants** (:func:`mutants`): a shipped file is parsed, one to three mutations are
  applied to the parsed data (a leaf replaced by a value of another type, NaN, ±inf, a huge or
  negative number, an empty string, table or list; a key deleted; an unknown key added; a year
  out of range; a section emptied; a table duplicated; a value spliced from elsewhere in the
  shipped files) and the result is written back as TOML by ``conftest.dump_toml``. The file is
  valid TOML, so the loader must either accept it or name the field;
* **raw files** (:func:`raw_files`): the file's bytes truncated, spliced with junk, replaced by
  binary or random text, made invalid UTF-8, nested too deeply, padded just over the size limit;
  or a directory, or no file at all, where the file should be;
* **extreme but valid scenarios** (:func:`extreme_scenarios`): numbers of a shipped scenario set
  to the bounds of their schema (read from the pydantic models), to check that whatever the
  loader accepts also builds and steps a model.
"""

from __future__ import annotations

import copy
import math
import re
import shutil
import sys
import tomllib
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types as at
from conftest import RawToml, dump_toml
from hypothesis import strategies as st
from pydantic import BaseModel

from ptce_sim.config.scenario import Scenario
from ptce_sim.config.scenario_io import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = tuple(
    ROOT / "scenarios" / name
    for name in (
        "seignanx_1970_2015.toml",
        "innovales_like_2000_2020.toml",
        "seignanx_funding_cut_2016_2025.toml",
        "seignanx_no_cooperation.toml",
    )
)
EXPERIMENT_FILES = tuple(sorted((ROOT / "experiments").glob("*.toml")))
TARGETS_FILE = ROOT / "scenarios" / "targets" / "seignanx.toml"
MAPPING_FILE = ROOT / "scenarios" / "targets" / "seignanx_mapping.toml"

Key = str | int
"""A step of a path into parsed TOML: a table key or an array index."""


def load_toml(path: Path) -> dict:
    """A shipped file, parsed."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


def get(data: Any, path: Sequence[Key]) -> Any:
    """The node at ``path`` in parsed TOML."""
    for key in path:
        data = data[key]
    return data


def positions(data: Any, prefix: tuple[Key, ...] = ()) -> list[tuple[Key, ...]]:
    """The path of every node below ``data`` (tables, arrays and leaves), depth first."""
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return []
    found: list[tuple[Key, ...]] = []
    for key, value in items:
        path = (*prefix, key)
        found.append(path)
        found.extend(positions(value, path))
    return found


def dotted(path: Sequence[Key]) -> str:
    """A path as the loaders name fields: ``events[3].structure.name``."""
    text = ""
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            text += f".{key}" if text else key
    return text


def printable(text: str) -> str:
    """``text`` as a one-line message shows it (control characters escaped)."""
    return text if text.isprintable() else repr(text)[1:-1]


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

# Text that conftest.dump_toml writes as valid TOML: JSON escapes every control character but
# DEL, and writes characters beyond the BMP as surrogate pairs, which TOML refuses.
TEXT = st.text(
    st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",), exclude_characters="\x7f"),
    max_size=12,
)

SPECIAL_VALUES: tuple[object, ...] = (
    math.nan,
    math.inf,
    -math.inf,
    -0.0,
    0,
    -1,
    -1.5,
    1e308,
    -1e308,
    5e-324,
    10**30,
    -(10**30),
    2**63 - 1,
    -(2**63),
    2**64,
    10**400,  # beyond a float: TOML says 64 bits, Python's tomllib reads it anyway
    "",
    " ",
    "nan",
    "inf",
    "1e999",
    "\n",
    "a\nb",
    True,
    False,
    [],
    {},
    [[]],
    [1, "a"],
    {"": 1},
    RawToml("1998-06-15"),
    RawToml("1998-06-15T10:00:00"),
    RawToml("1998-06-15T10:00:00+02:00"),
    RawToml("10:30:00"),
)

NASTY_VALUES = st.one_of(
    st.sampled_from(SPECIAL_VALUES),
    st.integers(),
    st.floats(),
    TEXT,
    st.booleans(),
    st.lists(st.one_of(st.integers(-5, 5), TEXT, st.floats()), max_size=3),
    st.dictionaries(TEXT, st.one_of(st.integers(-5, 5), TEXT), max_size=2),
)
"""A replacement value of any TOML type, with the special numbers over-represented."""

YEAR_VALUES = st.one_of(
    st.sampled_from(
        [
            1799,
            1800,
            2200,
            2201,
            0,
            -1,
            99999,
            10**6,
            -(10**20),
            10**30,
            "1799",
            "2201-01",
            "1799-12",
            "1998-13",
            "1998-00",
            "1998-6",
            " 1998 ",
            "1998-06-15",
            "",
            [1800, 2200],
            [2200, 1800],
            [1799, 1800],
            [2000, 2201],
            [2000],
            [2000, 2001, 2002],
            [],
            1998.0,
            1998.5,
            math.nan,
            RawToml("1998-06-15"),
        ]
    ),
    st.integers(1700, 2300),
    st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(1790, 2210), st.integers(0, 13)),
    st.lists(st.integers(1790, 2210), min_size=2, max_size=2),
)
"""Years and dates: out of range, reversed, malformed, of the wrong type."""

_YEARLIKE = re.compile(r"^((start|end|from)_)?years?$|^(date|period|created)$")

UNKNOWN_KEYS = st.one_of(
    st.sampled_from(
        [
            "bogus",
            "labor_force",
            "Name",
            "name ",
            "type",
            "enabled",
            "policy",
            "create_structure",
            "a.b",
            "a b",
            "",
            "a\nb",
            "\u2028",
            "événement",
            "[x]",
            "'quoted'",
            "__class__",
            "model_config",
        ]
    ),
    TEXT,
)


# --------------------------------------------------------------------------------------------
# Field-level mutants
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """One change to parsed TOML.

    Attributes:
        kind: ``replace``, ``year``, ``tweak``, ``splice``, ``wrap``, ``empty``, ``delete``,
            ``add_key`` or ``duplicate``.
        path: the node changed (for ``add_key``: the new key's path; for ``duplicate``: the
            item copied to the end of its array).
        value: the new value, if any.
    """

    kind: str
    path: tuple[Key, ...]
    value: object = None

    def apply(self, data: dict) -> None:
        """Change ``data`` in place."""
        parent, key = get(data, self.path[:-1]), self.path[-1]
        if self.kind == "delete":
            del parent[key]
        elif self.kind == "duplicate":
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[key] = copy.deepcopy(self.value)

    @property
    def field(self) -> str:
        """The changed field, as the loaders name it."""
        return dotted(self.path)

    @property
    def names(self) -> tuple[str, ...]:
        """What an error message about this change must contain (one of them).

        The field's dotted path, or its last key: a problem across fields names the field it
        concerns, e.g. ``end_year`` when ``start_year`` moved after it, with both years in its
        wording. A deleted entry may also be named by its table, whose entries must then add up
        (the census's age ranges of a year sum to 100).
        """
        keys = [k for k in self.path if isinstance(k, str)]
        names = [printable(self.field)]
        if keys:
            names.append(printable(keys[-1]))
        if self.kind == "delete" and len(self.path) > 1:
            names.append(f"field '{printable(dotted(self.path[:-1]))}'")
        return tuple(names)

    def __str__(self) -> str:
        value = "" if self.kind in ("delete", "duplicate") else f" = {self.value!r}"
        return f"{self.kind} {self.field}{value}"


@dataclass(frozen=True)
class Mutant:
    """Parsed TOML changed by mutations.

    Attributes:
        base: the shipped file it comes from.
        data: the changed data.
        mutations: what was changed, in order.
    """

    base: Path
    data: dict = field(repr=False)
    mutations: tuple[Mutation, ...]

    def text(self) -> str:
        """The data as TOML, written by ``conftest.dump_toml`` (checked to parse)."""
        text = dump_toml(self.data)
        tomllib.loads(text)  # the writer's output must be TOML: the loader sees a valid file
        return text

    def __str__(self) -> str:
        return f"{self.base.name}: " + "; ".join(str(m) for m in self.mutations)

    def __repr__(self) -> str:
        return f"Mutant({self})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def _numeric_tweaks(value: object) -> list[object]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > 10**300:
        return []
    tweaks: list[object] = [-value, value + 1, value - 1, 0, value * 10**6, -1]
    if isinstance(value, int):
        tweaks += [value * 10**30, float(value), value + 0.5]
    else:
        tweaks += [value * 1e300, round(value), math.nextafter(value, math.inf)]
    return tweaks


MUTATION_KINDS = (
    "replace",
    "year",
    "tweak",
    "splice",
    "wrap",
    "empty",
    "delete",
    "add_key",
    "duplicate",
)
"""The kinds of :class:`Mutation` (see its ``kind``)."""


@st.composite
def mutation_of(draw: st.DrawFn, data: dict, pool: Sequence[object]) -> Mutation:
    """One mutation of ``data``.

    The node is chosen section first, so that every section gets its share, however long the
    timeline.
    """
    nodes = positions(data)
    sections = sorted({path[0] for path in nodes}, key=str)
    kind = draw(st.sampled_from(MUTATION_KINDS))
    if kind == "add_key" or not nodes:
        tables = [()] + [p for p in nodes if isinstance(get(data, p), dict)]
        where = draw(st.sampled_from(tables))
        key = draw(UNKNOWN_KEYS)
        known = get(data, where)
        return Mutation("replace" if key in known else "add_key", (*where, key), draw(NASTY_VALUES))
    section = draw(st.sampled_from(sections))
    candidates = [p for p in nodes if p[0] == section]
    if kind == "year":
        years = [
            p
            for p in nodes
            if any(isinstance(k, str) and _YEARLIKE.search(k) for k in p[-2:])
            and not isinstance(get(data, p), dict)
        ]
        if years:
            return Mutation("year", draw(st.sampled_from(years)), draw(YEAR_VALUES))
        kind = "replace"
    if kind == "duplicate":
        items = [p for p in nodes if isinstance(p[-1], int) and isinstance(get(data, p), dict)]
        if items:
            return Mutation("duplicate", draw(st.sampled_from(items)))
        kind = "replace"
    if kind == "empty":
        containers = [p for p in nodes if isinstance(get(data, p), dict | list | str)]
        if containers:
            path = draw(st.sampled_from(containers))
            old = get(data, path)
            empty = {} if isinstance(old, dict) else [] if isinstance(old, list) else ""
            return Mutation("empty", path, empty)
        kind = "replace"
    if kind == "tweak":
        numbers = [p for p in candidates if _numeric_tweaks(get(data, p))]
        if numbers:
            path = draw(st.sampled_from(numbers))
            return Mutation("tweak", path, draw(st.sampled_from(_numeric_tweaks(get(data, path)))))
        kind = "replace"
    path = draw(st.sampled_from(candidates))
    if kind == "delete":
        return Mutation("delete", path)
    if kind == "splice":
        return Mutation("splice", path, draw(st.sampled_from(pool)))
    if kind == "wrap":
        old = get(data, path)
        return Mutation("wrap", path, draw(st.sampled_from([[old], {"value": old}, [old, old]])))
    return Mutation("replace", path, draw(NASTY_VALUES))


class ValuePool(tuple):
    """Values to splice into a file (shown by their number in hypothesis' reports)."""

    def __repr__(self) -> str:
        return f"<{len(self)} values>"


def value_pool(bases: Sequence[dict], extra: Sequence[object] = ()) -> ValuePool:
    """Every node of the shipped files (to splice a value where another belongs), plus extras."""
    pool: list[object] = list(extra)
    for data in bases:
        pool.extend(get(data, path) for path in positions(data))
    return ValuePool(pool)


@st.composite
def mutants(
    draw: st.DrawFn,
    bases: Sequence[Path],
    pool: Sequence[object],
    max_mutations: int = 3,
) -> Mutant:
    """A shipped file's data with one mutation (most often) or a few."""
    base = draw(st.sampled_from(bases))
    data = load_toml(base)
    count = 1 if max_mutations == 1 else draw(st.sampled_from([1, 1, 1, 1, 2, max_mutations]))
    done: list[Mutation] = []
    for _ in range(count):
        mutation = draw(mutation_of(data, pool))
        mutation.apply(data)
        done.append(mutation)
    return Mutant(base, data, tuple(done))


# --------------------------------------------------------------------------------------------
# Raw files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawFile:
    """What is found where an input file is expected.

    Attributes:
        kind: ``bytes`` (a file with ``content``), ``directory`` or ``missing``.
        content: the file's bytes.
        how: how the content was made (for the failure report).
        valid: the content is the base file's TOML unchanged in meaning (a byte-order mark,
            Windows line ends), so the loader must accept it.
    """

    kind: str
    content: bytes = b""
    how: str = ""
    valid: bool = False

    def write(self, path: Path) -> None:
        """Put this at ``path`` (whatever was there before is removed)."""
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        if self.kind == "directory":
            path.mkdir()
        elif self.kind == "bytes":
            path.write_bytes(self.content)

    def __repr__(self) -> str:
        shown = self.content[:80] + (b"..." if len(self.content) > 80 else b"")
        return f"RawFile({self.kind}, {self.how}, {len(self.content)} bytes: {shown!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


JUNK = st.one_of(
    st.binary(min_size=1, max_size=16),
    st.sampled_from(
        [
            b"\xff",
            b"\xc3\x28",
            b"\xed\xa0\x80",  # an encoded surrogate: not UTF-8
            b"\x00",
            b'"',
            b"'''",
            b'"""',
            b"[",
            b"]]",
            b"=",
            b"\n[run]\n",
            b"\n[[events]]\n",
            b"\nx = 1\nx = 2\n",
            b"\r",
            b"\\u0000",
            b"\xef\xbb\xbf",
            b"\n\x1b[31m",
            b"inf",
            b"nan",
            b"1e999",
            b"99999999999999999999999999",
        ]
    ),
)


def _nested(kind: str, depth: int) -> bytes:
    if kind == "array":
        return b"bogus = " + b"[" * depth + b"]" * depth
    if kind == "inline":
        return b"bogus = " + b"{a = " * depth + b"1" + b"}" * depth
    if kind == "dotted":
        return b"a." * depth + b"a = 1"
    return b"[" + b"a." * depth + b"a]\nb = 1"


@st.composite
def raw_files(draw: st.DrawFn, bases: Sequence[Path]) -> RawFile:
    """Broken (or, rarely, re-encoded but valid) bytes made from a shipped file, or no file."""
    base = draw(st.sampled_from(bases))
    text = base.read_bytes()
    how = draw(
        st.sampled_from(
            [
                "truncate",
                "insert",
                "delete",
                "duplicate",
                "overwrite",
                "binary",
                "text",
                "invalid_utf8",
                "nested",
                "oversize",
                "bom",
                "crlf",
                "directory",
                "missing",
            ]
        )
    )
    label = f"{how} of {base.name}"
    at_ = draw(st.integers(0, len(text)))
    if how == "truncate":
        return RawFile("bytes", text[:at_], label)
    if how == "insert":
        return RawFile("bytes", text[:at_] + draw(JUNK) + text[at_:], label)
    if how == "delete":
        end = draw(st.integers(at_, min(len(text), at_ + 200)))
        return RawFile("bytes", text[:at_] + text[end:], label)
    if how == "duplicate":
        end = draw(st.integers(at_, min(len(text), at_ + 400)))
        return RawFile("bytes", text[:end] + text[at_:end] + text[end:], label)
    if how == "overwrite":
        junk = draw(st.binary(min_size=1, max_size=32))
        return RawFile("bytes", text[:at_] + junk + text[at_ + len(junk) :], label)
    if how == "binary":
        return RawFile("bytes", draw(st.binary(max_size=300)), label)
    if how == "text":
        return RawFile("bytes", draw(st.text(max_size=200)).encode("utf-8", "surrogatepass"), label)
    if how == "invalid_utf8":
        bad = draw(st.sampled_from([b"\x80", b"\xff\xfe", b"\xc3", b"\xe2\x82", b"\xf8\x88\x80"]))
        return RawFile("bytes", text[:at_] + bad + text[at_:], label)
    if how == "nested":
        kind = draw(st.sampled_from(["array", "inline", "dotted", "header"]))
        depth = draw(st.sampled_from([2, 10, 31, 32, 33, 64, 200, 999, 1000, 5000, 100_000]))
        return RawFile("bytes", _nested(kind, depth) + b"\n" + text, f"{label}, {kind} {depth}")
    if how == "oversize":
        extra = draw(st.integers(1, 64))
        padding = b"\n#" + b"x" * max(0, MAX_FILE_BYTES - len(text) - 2 + extra - 1) + b"\n"
        return RawFile("bytes", text + padding, label)
    if how == "bom":
        return RawFile("bytes", b"\xef\xbb\xbf" + text, label, valid=True)
    if how == "crlf":
        return RawFile("bytes", text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), label, True)
    return RawFile(how, b"", label)


# --------------------------------------------------------------------------------------------
# Extreme but valid scenarios
# --------------------------------------------------------------------------------------------


def _unwrap(annotation: Any, value: Any) -> tuple[Any, list]:
    """Strip ``Annotated`` and unions (``X | None``, the events' tagged union): (type, metadata)."""
    metadata: list = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:
                metadata.extend(getattr(item, "metadata", [item]))
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            chosen = members[0]
            if isinstance(value, dict):
                for member in members:
                    tag = getattr(member, "model_fields", {}).get("type")
                    if tag is not None and get_args(tag.annotation) == (value.get("type"),):
                        chosen = member
            annotation = chosen
        else:
            return annotation, metadata


def schema_of(data: dict, path: Sequence[Key]) -> tuple[Any, list] | None:
    """The type and the constraints of the scenario field at ``path``.

    Returns:
        The bare type and its ``annotated_types`` metadata (bounds), or ``None`` when the schema
        does not type the field (a policy event's ``set``).
    """
    annotation: Any = Scenario
    metadata: list = []
    node: Any = data
    for key in path:
        bare, _ = _unwrap(annotation, node)
        if isinstance(key, int):
            args = get_args(bare)
            if not args:
                return None
            annotation, metadata = args[0], []
        elif isinstance(bare, type) and issubclass(bare, BaseModel) and key in bare.model_fields:
            info = bare.model_fields[key]
            annotation, metadata = info.annotation, list(info.metadata)
        else:
            return None
        node = node[key]
    bare, extra = _unwrap(annotation, node)
    return bare, metadata + extra


def extreme_values(kind: Any, metadata: list) -> list[object]:
    """Values at (or just inside) the bounds of a numeric field; huge ones when unbounded."""
    low = high = None
    for item in metadata:
        if isinstance(item, at.Ge):
            low = item.ge
        elif isinstance(item, at.Gt):
            low = item.gt + 1 if kind is int else math.nextafter(item.gt, math.inf)
        elif isinstance(item, at.Le):
            high = item.le
        elif isinstance(item, at.Lt):
            high = item.lt - 1 if kind is int else math.nextafter(item.lt, -math.inf)
    if kind is int:
        values: list[object] = [low if low is not None else -(2**63)]
        values.append(high if high is not None else 2**63 - 1)
        values += [10**6, 10**9] if high is None else []
        return [int(v) for v in values]
    values = [low if low is not None else -sys.float_info.max]
    values.append(high if high is not None else sys.float_info.max)
    values += [1e9, 1e15, 1e300] if high is None else []
    if low is not None and low == 0:
        values.append(5e-324)
    return [float(v) for v in values]


@st.composite
def extreme_scenarios(draw: st.DrawFn, bases: Sequence[Path] = SCENARIO_FILES) -> Mutant:
    """A shipped scenario with one to four numbers at the bounds of their schema.

    Numbers go to their bounds (or huge when unbounded) and booleans are flipped: most such
    scenarios load, and must then build and step a model.
    """
    base = draw(st.sampled_from(bases))
    data = load_toml(base)
    leaves = []
    for path in positions(data):
        value = get(data, path)
        if isinstance(value, bool | int | float):
            schema = schema_of(data, path)
            if schema is not None and schema[0] in (int, float, bool):
                leaves.append((path, schema))
    done = []
    for _ in range(draw(st.integers(1, 4))):
        path, (kind, metadata) = draw(st.sampled_from(leaves))
        if kind is bool:
            value: object = not get(data, path)
        else:
            value = draw(st.sampled_from(extreme_values(kind, metadata)))
        mutation = Mutation("extreme", path, value)
        mutation.apply(data)
        done.append(mutation)
    return Mutant(base, data, tuple(done))
