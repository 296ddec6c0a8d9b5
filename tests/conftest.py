"""Shared fixtures: the shipped Seignanx scenario and modified copies of it written to tmp_path.

A modified copy is made by parsing the shipped file, changing the parsed data in Python and
writing it back as TOML, so that the tests do not depend on the exact text (comments, layout) of
a scenario file that is still being edited.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"


class RawToml(str):
    """A value written verbatim into the TOML output (e.g. a TOML date ``1978-03-01``)."""


def toml_value(value: object) -> str:
    """One value as inline TOML (tables become inline tables, so the output has one key a line)."""
    if isinstance(value, RawToml):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ "
            + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
            + " }"
        )
    raise TypeError(f"cannot write {value!r} as TOML")


def dump_toml(data: dict) -> str:
    """A scenario dict as TOML text: ``key = <inline value>``, arrays of tables one item a line."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n  ".join(toml_value(v) for v in value)
            lines.append(f"{json.dumps(key)} = [\n  {items},\n]")
        else:
            lines.append(f"{json.dumps(key)} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def seignanx_path() -> Path:
    """The shipped Seignanx 1970-2015 scenario file."""
    return SEIGNANX


@pytest.fixture
def seignanx_data() -> dict:
    """A fresh parsed copy of the shipped scenario (a plain dict, safe to modify)."""
    with SEIGNANX.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write a modified copy of the Seignanx scenario into ``tmp_path``; returns its path.

    ``write_scenario(change)`` calls ``change(data)`` on the parsed scenario (it modifies ``data``
    in place) and writes the result; ``text=`` writes the given text instead; ``raw=`` the given
    bytes; ``name=`` names the file.
    """

    def write(
        change: Callable[[dict], None] | None = None,
        *,
        text: str | None = None,
        raw: bytes | None = None,
        name: str = "scenario.toml",
    ) -> Path:
        path = tmp_path / name
        if raw is not None:
            path.write_bytes(raw)
            return path
        if text is None:
            with SEIGNANX.open("rb") as handle:
                data = tomllib.load(handle)
            if change is not None:
                change(data)
            text = dump_toml(data)
        path.write_text(text, encoding="utf-8")
        return path

    return write
