"""Result files are replaced whole or not at all (``ptce_sim.runs.atomic``)."""

from __future__ import annotations

import pytest

from ptce_sim.runs import atomic


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    """The new content is in place; no ``.<name>.tmp`` is left behind."""
    path = tmp_path / "table.csv"
    path.write_text("old")
    atomic.write_text(path, "new ✓", durable=True)
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_a_write_cut_short_keeps_the_old_file(tmp_path):
    """An error while writing: the old file is untouched and the temporary is removed."""
    path = tmp_path / "plot.png"
    path.write_bytes(b"old plot")
    with pytest.raises(RuntimeError), atomic.replacing(path) as tmp:
        tmp.write_bytes(b"half a pl")
        assert atomic.temporary_name(path) == tmp and tmp.parent == path.parent
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old plot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png"]


def test_a_reader_never_sees_a_partial_file(tmp_path):
    """While the temporary is being written, the path still holds the complete old file."""
    path = tmp_path / "run.parquet"
    path.write_bytes(b"complete old run")
    with atomic.replacing(path) as tmp:
        tmp.write_bytes(b"partial")
        assert path.read_bytes() == b"complete old run"
    assert path.read_bytes() == b"partial"
