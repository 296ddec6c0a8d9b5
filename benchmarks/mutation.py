"""Mutation testing of the simulation core: run mutmut, then report the share of mutants killed.

``make mutation`` runs this script. mutmut (the ``mutation`` extra; configured in pyproject.toml,
``[tool.mutmut]``) copies the package into ``mutants/``, mutates the agents and mechanisms, and
runs the fast rule tests (tests/test_mechanism_rules.py) against each mutant, one at a time. Its
results are cached in ``mutants/``: a second run only tests mutants it has not tested yet (or whose
function changed), so an interrupted run resumes where it stopped. Not part of ``make test`` or CI.

Usage::

    python benchmarks/mutation.py                 # run every mutant, then the table
    python benchmarks/mutation.py --only 'ptce_sim.simulation.mechanisms.*'
    python benchmarks/mutation.py --report        # the table of the cached results only
    python benchmarks/mutation.py --survivors     # and the names of the surviving mutants

The table gives, per module, the mutants killed, survived, timed out (counted as killed, as
mutmut does), with no test reaching them, and not yet checked; the score is killed (with
timeouts) over the mutants checked.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    None: "not checked",
}
COLUMNS = ("killed", "survived", "timeout", "no tests", "other", "not checked")


def results() -> dict[str, Counter]:
    """Mutant outcomes per module (dotted name), read from mutmut's cache."""
    table: dict[str, Counter] = defaultdict(Counter)
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        module = ".".join(meta.relative_to(MUTANTS).with_suffix("").with_suffix("").parts)
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for code in codes.values():
            table[module][STATUS.get(code, "other")] += 1
    return {m: c for m, c in table.items() if sum(c.values())}


def survivors() -> list[str]:
    """Names of the mutants that survived (``mutmut show NAME`` prints the change)."""
    names = []
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        names += [name for name, code in codes.items() if code == 0]
    return names


def score(counts: Counter) -> float | None:
    """The share of the mutants checked that were killed (timeouts included); None if none."""
    checked = sum(counts[c] for c in ("killed", "survived", "timeout", "no tests", "other"))
    return (counts["killed"] + counts["timeout"]) / checked if checked else None


def markdown(table: dict[str, Counter]) -> str:
    """The table as Markdown, with a total for the mechanisms and one for the agents."""
    head = "| module | " + " | ".join(COLUMNS) + " | killed share |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    groups: dict[str, Counter] = defaultdict(Counter)
    for module, counts in sorted(table.items()):
        short = module.removeprefix("ptce_sim.simulation.")
        groups[short.split(".")[0]] += counts
        lines.append(_row(short, counts))
    for group, counts in sorted(groups.items()):
        lines.append(_row(f"**{group} (all)**", counts))
    return "\n".join(lines)


def _row(name: str, counts: Counter) -> str:
    share = score(counts)
    shown = "-" if share is None else f"{100 * share:.1f}%"
    return f"| {name} | " + " | ".join(str(counts[c]) for c in COLUMNS) + f" | {shown} |"


def main() -> int:
    """Run mutmut (unless ``--report``), then print the table; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="only report the cached results")
    parser.add_argument("--only", nargs="*", default=[], help="mutant name patterns to run")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    args = parser.parse_args()
    if not args.report:
        mutmut = Path(sys.executable).with_name("mutmut")
        command = [str(mutmut), "run", "--max-children", "1", *args.only]
        code = subprocess.call(command, cwd=ROOT)
        if code not in (0, 1):  # 1: some mutants survived
            return code
    print(markdown(results()))
    if args.survivors:
        print("\n".join(survivors()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
