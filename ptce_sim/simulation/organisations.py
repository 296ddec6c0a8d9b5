"""Organisations (firms, structures, authorities) by id, and their staff as last counted.

Every organisation gets an id, its index in :class:`Organisations`; persons point at their
employer and host by that id. :class:`StaffCounts` holds, per organisation and status, the persons
and full-time equivalents it employs *as last counted*: the model recounts at fixed points of the
month (see :meth:`ptce_sim.simulation.model.PtceModel.step`), and rules in between read the counts
of the last recount, not the persons' current state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ptce_sim.simulation.agents.persons import HOLDER, N_STATUS, NO_ORG, Status

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.firms import FirmTable
    from ptce_sim.simulation.agents.persons import PersonTable


class Organisations:
    """Every organisation of the run, by id (ids are never reused: a closed firm keeps its id)."""

    def __init__(self, firms: FirmTable) -> None:
        self._orgs: list[Any] = []
        self._firms = firms

    def register(self, organisation: Any) -> int:
        """Give an organisation its id."""
        self._orgs.append(organisation)
        return len(self._orgs) - 1

    def __getitem__(self, org: int) -> Any:
        return self._orgs[org]

    def __len__(self) -> int:
        return len(self._orgs)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._orgs)

    def firm_rows(self, orgs: np.ndarray) -> np.ndarray:
        """Firm rows of organisation ids.

        Organisations that are not firms, and ``NO_ORG``, get -1.
        """
        lookup = np.full(len(self._orgs) + 1, -1, dtype=np.int64)
        lookup[self._firms.org] = np.arange(len(self._firms))
        return lookup[np.asarray(orgs)]


class StaffCounts:
    """Persons and FTE per organisation and status column, as last counted.

    Columns are the :class:`~ptce_sim.simulation.agents.persons.Status` codes and ``HOLDER``
    (ESS staff on a fixed-term test: the CAE's project holders). Trainees on a course are counted
    at the training centre that hosts them.

    Attributes:
        counts: persons, shape (organisations, statuses + 1).
        fte: full-time equivalents, same shape.
        version: how many times they were counted (what is computed from them can be kept
            until it changes).
    """

    def __init__(self) -> None:
        self.counts = np.zeros((0, N_STATUS + 1))
        self.fte = np.zeros((0, N_STATUS + 1))
        self.version = 0

    def grow(self, n_orgs: int) -> None:
        """Make room for organisations created since the last count (with zero staff)."""
        extra = n_orgs - self.counts.shape[0]
        if extra > 0:
            pad = np.zeros((extra, N_STATUS + 1))
            self.counts = np.vstack([self.counts, pad])
            self.fte = np.vstack([self.fte, pad])
            self.version += 1

    def recount(self, people: PersonTable, n_orgs: int) -> None:
        """Count every organisation's staff from the persons' current state."""
        rows = np.flatnonzero(people.employer != NO_ORG)
        column = people.status[rows].astype(np.int64)
        column[(column == Status.ESS) & (people.contract_end[rows] >= 0)] = HOLDER
        key = people.employer[rows].astype(np.int64) * (N_STATUS + 1) + column
        size = n_orgs * (N_STATUS + 1)
        self.counts = np.bincount(key, minlength=size).reshape(-1, N_STATUS + 1).astype(np.float64)
        self.fte = np.bincount(key, weights=people.fte[rows], minlength=size).reshape(
            -1, N_STATUS + 1
        )
        training = np.flatnonzero((people.status == Status.TRAINING) & (people.host != NO_ORG))
        self.counts[:, Status.TRAINING] = np.bincount(people.host[training], minlength=n_orgs)
        self.version += 1

    def trainees_of(self, org: int) -> int:
        """Job seekers on a course of this training centre."""
        return int(self.counts[org, Status.TRAINING]) if org < len(self.counts) else 0
