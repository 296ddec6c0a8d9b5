"""The code stays lint-clean and formatted: ruff's check and format check pass.

The rules are those of ``pyproject.toml`` (``[tool.ruff]``), run by the ruff pinned in the test
extras (lint rules and formatting change between versions), as ``make lint`` does.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["ptce_sim", "tests", "benchmarks", "experiments", "scenarios"]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ruff`` with ``args`` on the package, tests, benchmarks and scripts."""
    if importlib.util.find_spec("ruff") is None:
        pytest.fail(
            f"ruff is not installed for {sys.executable}: run `make test`, which installs the "
            "test extras (ruff pinned among them)"
        )
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_finds_nothing_to_report():
    result = ruff("check")
    assert result.returncode == 0, f"ruff check:\n{result.stdout}{result.stderr}"


def test_the_code_is_formatted_as_ruff_formats_it():
    result = ruff("format", "--check")
    assert result.returncode == 0, f"ruff format --check:\n{result.stdout}{result.stderr}"
