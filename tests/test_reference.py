"""Results are locked: the reference runs give the committed digests, and reports are current.

A change that changes results regenerates ``tests/reference/digests.json`` (``make reference``)
in the same commit, regenerates the reports that take minutes (``make validate``) and says what
moved in ``docs/CHANGES.md``. Studies that take hours (``docs/sensitivity/``) are not rerun: they
say which results they were made with and, once those have changed, that they have.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ptce_sim.runs import reference

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = ROOT / "tests" / "reference" / "digests.json"
CURRENT_REPORTS = (
    ROOT / "docs" / "validation.md",
    ROOT / "docs" / "displacement.md",
    ROOT / "README.md",
    ROOT / "docs" / "ODD.md",
)
"""Reports regenerated in the same commit as any change of results (the ODD quotes the headline)."""
LONG_STUDIES = (ROOT / "docs" / "sensitivity" / "README.md", ROOT / "docs" / "calibration.md")
"""Studies that take hours: they say when results have changed since they were made."""
CHANGED_SINCE = "results changed since"


@pytest.fixture(scope="module")
def recorded() -> dict:
    return reference.read_record(DIGESTS)


@pytest.mark.slow
def test_reference_runs_give_the_committed_digests(recorded: dict) -> None:
    now = reference.compute_digests(ROOT / "scenarios")
    differing = reference.differences(recorded["digests"], now)
    versions = reference.reference_record(now)["versions"]
    moved = {
        k: (v, versions.get(k)) for k, v in recorded["versions"].items() if versions.get(k) != v
    }
    assert not differing, (
        f"results changed for {differing}; if intended, run `make reference` and `make validate`, "
        f"and say what moved in docs/CHANGES.md (package versions changed since: {moved or 'none'})"
    )


def test_the_stamp_is_the_digest_of_the_digests(recorded: dict) -> None:
    assert recorded["stamp"] == reference.stamp_of(recorded["digests"])
    assert set(recorded["digests"]) == {run.key for run in reference.REFERENCE_RUNS}


@pytest.mark.parametrize("report", CURRENT_REPORTS, ids=lambda p: p.name)
def test_reports_are_made_with_the_current_results(report: Path, recorded: dict) -> None:
    stamp = reference.stamp_in(report.read_text(encoding="utf-8"))
    assert stamp == recorded["stamp"], (
        f"{report.relative_to(ROOT)} was made with results {stamp}, not the current "
        f"{recorded['stamp']}: regenerate it (make validate) in the commit that changed results"
    )


@pytest.mark.parametrize("study", LONG_STUDIES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_long_studies_say_when_results_have_changed_since(study: Path, recorded: dict) -> None:
    text = study.read_text(encoding="utf-8")
    stamp = reference.stamp_in(text)
    assert stamp is not None, f"{study.relative_to(ROOT)} does not say which results it used"
    if stamp != recorded["stamp"]:
        assert CHANGED_SINCE in text, (
            f"{study.relative_to(ROOT)} was made with results {stamp}; say '{CHANGED_SINCE}' "
            f"(current: {recorded['stamp']}) or rerun the study"
        )


def test_a_changed_table_is_named() -> None:
    before = {"a@1#0": {table: "x" for table in reference.TABLES}}
    after = {"a@1#0": {**before["a@1#0"], "territory": "y"}, "b@1#0": {}}
    assert reference.differences(before, after) == [
        "a@1#0: territory",
        *(f"b@1#0: {table}" for table in reference.TABLES),
    ]


def test_a_table_digest_sees_types_names_and_values() -> None:
    import pandas as pd

    base = pd.DataFrame({"year": [1970, 1971], "jobs": [1.0, 2.0]})
    digest = reference.table_digest(base)
    assert reference.table_digest(base.copy()) == digest
    assert reference.table_digest(base.astype({"jobs": "float32"})) != digest
    assert reference.table_digest(base.rename(columns={"jobs": "job"})) != digest
    assert reference.table_digest(base.assign(jobs=[1.0, 2.0 + 1e-12])) != digest
