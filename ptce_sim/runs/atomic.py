"""Write files so that a reader never sees one half-written: a temporary name, then a rename.

Every result file of ptce-sim (tables, reports, plots, batch runs, manifests) is written through
this module. The temporary file is ``.<name>.tmp`` in the same folder (a rename within a folder
is atomic); a batch removes such leftovers of an interrupted write when it resumes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def temporary_name(path: Path) -> Path:
    """Where ``path`` is written before it is renamed into place."""
    return path.with_name(f".{path.name}.tmp")


@contextlib.contextmanager
def replacing(path: str | Path, *, durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it is removed.

    Args:
        path: the file to write.
        durable: flush the file to disk (``fsync``) before the rename, so that it survives a
            power cut or a killed machine, not only a killed process.
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`replacing`)."""
    with replacing(path, durable=durable) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | Path, text: str, *, durable: bool = False) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`replacing`)."""
    write_bytes(path, text.encode("utf-8"), durable=durable)
