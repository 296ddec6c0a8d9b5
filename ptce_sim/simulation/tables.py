"""Column tables: the state of many agents as one numpy array per attribute.

The idea is that of mesa-frames' ``AgentSet`` (https://github.com/projectmesa/mesa-frames): a
population of agents is a table, one row per agent and one column per attribute, and the model's
rules act on whole columns at once instead of looping over agent objects. mesa-frames keeps its
tables in data frames (Polars); here a :class:`ColumnTable` keeps plain numpy arrays instead, the
ones the rules already index and assign in place (``people.host[rows] = org``,
``e = people.employability; e += bonus``), so a column is an ordinary attribute of the table.

A subclass declares its columns once, in :attr:`ColumnTable.columns` (name, dtype and the value
given to rows added without that column); :meth:`ColumnTable.add` appends rows and
:meth:`ColumnTable.drop` removes rows, keeping every column aligned and in order. The tables of the
model are :class:`~ptce_sim.simulation.agents.persons.PersonTable` and
:class:`~ptce_sim.simulation.agents.firms.FirmTable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import mesa


class Column(NamedTuple):
    """Declaration of one column of a :class:`ColumnTable`."""

    dtype: np.dtype
    """Type of the column's values."""
    default: Any = None
    """Value of the rows added without this column; ``None``: the column must be given."""


class ColumnTable:
    """Rows of agents stored as one numpy array per column, every column of the same length.

    Subclasses set :attr:`columns`; each declared column is then an attribute of the table holding
    a 1-D numpy array of its dtype. Rules may index, assign in place or replace a column (with an
    array of the same length); rows are added and removed only through :meth:`add` and
    :meth:`drop`. A subclass may override :meth:`add` with a signature of its own domain (computing
    the columns that depend on the model, such as ids or the current month) that ends by calling
    ``super().add``.
    """

    columns: ClassVar[Mapping[str, Column]] = {}
    """The table's columns, in order: name -> :class:`Column` (the first gives the length)."""

    def __init__(self) -> None:
        for name, column in self.columns.items():
            setattr(self, name, np.empty(0, dtype=column.dtype))

    def __len__(self) -> int:
        """Number of rows (the length of the first column)."""
        return getattr(self, next(iter(self.columns))).size

    def add(self, **values: Any) -> np.ndarray:
        """Append rows; each keyword gives one column's values for the new rows.

        Columns not given are filled with their default; values are cast to the column's dtype.

        Args:
            **values: one 1-D array-like per given column, all of the same length.

        Returns:
            The rows of the new agents (``len(self) - n`` to ``len(self) - 1``).

        Raises:
            ValueError: no column given, an unknown column, values that are not 1-D or of
                different lengths, or a column without a default left out.
        """
        unknown = sorted(set(values) - set(self.columns))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no column {', '.join(unknown)}")
        if not values:
            raise ValueError("add needs at least one column to know how many rows to add")
        missing = [n for n, c in self.columns.items() if c.default is None and n not in values]
        if missing:
            raise ValueError(f"columns without a default must be given: {', '.join(missing)}")
        arrays = {name: np.asarray(v) for name, v in values.items()}
        shapes = {name: a.shape for name, a in arrays.items()}
        if any(len(shape) != 1 for shape in shapes.values()) or len(set(shapes.values())) > 1:
            raise ValueError(f"columns must be 1-D arrays of one length, got shapes {shapes}")
        n = next(iter(shapes.values()))[0]
        new = {  # every column checked and cast before the table changes
            name: arrays[name].astype(column.dtype, copy=False)
            if name in arrays
            else np.full(n, column.default, dtype=column.dtype)
            for name, column in self.columns.items()
        }
        start = len(self)
        for name, added in new.items():
            setattr(self, name, np.concatenate([getattr(self, name), added]))
        return np.arange(start, start + n)

    def drop(self, rows: np.ndarray) -> None:
        """Remove rows (integer indices); the remaining rows keep their order.

        Args:
            rows: indices of the rows to remove.
        """
        keep = np.ones(len(self), dtype=bool)
        keep[rows] = False
        for name in self.columns:
            setattr(self, name, getattr(self, name)[keep])

    def lengths(self) -> dict[str, int]:
        """Length of every column (all equal :func:`len` of the table unless it is corrupted)."""
        return {name: getattr(self, name).size for name in self.columns}


def reserve_unique_ids(model: mesa.Model, n: int) -> np.ndarray:
    """Take ``n`` consecutive ``unique_id`` values from Mesa's counter, for rows that are agents.

    Mesa gives each agent it registers the model's ``agent_id_counter`` and then increments it
    (``mesa.Model.register_agent``). Rows of a table are not registered with Mesa, but advancing
    that same counter past the ids they take means that no Mesa agent created later (a firm, a
    structure) gets one of them, and that every id is what it would be had each row been
    registered as a Mesa agent at that moment.

    Args:
        model: the Mesa model whose counter is advanced.
        n: number of ids.

    Returns:
        The ids, increasing (int64).
    """
    first = model.agent_id_counter
    model.agent_id_counter = first + n
    return np.arange(first, first + n, dtype=np.int64)
