"""The package's layers import only downwards (import-linter contract of ``pyproject.toml``).

Layers, from the top: ``interfaces`` (command line, then dashboard), ``studies``, ``runs``,
``simulation``, ``config``; see ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_parent: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the ``ptce_sim`` package found in ``package_parent``."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def lint_available() -> None:
    if not LINT.exists():
        pytest.fail(f"import-linter is not installed beside {sys.executable} (test extras)")


def test_the_layers_contract_is_kept(lint_available: None) -> None:
    result = lint_imports(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "back_import"),
    [
        ("simulation/model.py", "import ptce_sim.runs.runner"),
        ("config/scenario.py", "from ptce_sim.simulation import model"),
        ("runs/results.py", "import ptce_sim.interfaces.dashboard"),
        ("interfaces/dashboard/charts.py", "import ptce_sim.interfaces.cli"),
    ],
)
def test_a_back_import_breaks_the_contract(
    lint_available: None, tmp_path: Path, module: str, back_import: str
) -> None:
    copy = tmp_path / "ptce_sim"
    shutil.copytree(ROOT / "ptce_sim", copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{back_import}  # a back-import\n")
    result = lint_imports(tmp_path, tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout or "broken" in result.stdout


CORE_MODULE_LINES = 400
"""Most lines a module of the simulation core may have (docs/ARCHITECTURE.md: one concept each)."""


def test_simulation_modules_stay_small() -> None:
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "ptce_sim" / "simulation").rglob("*.py")
    }
    assert len(sizes) > 20, sizes
    too_long = {path: n for path, n in sizes.items() if n > CORE_MODULE_LINES}
    assert not too_long, f"split these modules of the simulation core: {too_long}"
