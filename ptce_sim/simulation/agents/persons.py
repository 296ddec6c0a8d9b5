"""Persons of the territory's labour force.

Their state lives in :class:`PersonTable`, a :class:`~ptce_sim.simulation.tables.ColumnTable` with
one row per person: the model's monthly rules update every person at once, which keeps a
full-scale run (some ten thousand persons over 552 months) within seconds. Persons are not Mesa
agents (nothing schedules them one by one), but each has a Mesa ``unique_id``, taken from the
model's agent counter, and a :class:`Person` view, built on demand, shows one person with
attribute access, for a test or the dashboard.

Every change of status goes through :meth:`PersonTable.move`, which keeps each person's pathway
(the history of where they were, and for how long) and counts the flows the indicators need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.tables import Column, ColumnTable, reserve_unique_ids

if TYPE_CHECKING:
    import mesa

    from ptce_sim.simulation.interface import Context


class Status(IntEnum):
    """Where a person is; every person is in exactly one status."""

    CLASSIC = 0
    """Employed by a classic firm."""
    ESS = 1
    """Employed by an ESS structure (permanent staff, or project holder in the CAE)."""
    INSERTION = 2
    """On a fixed-term insertion post (EI, integration restaurant)."""
    GEIQ = 3
    """On a GEIQ work-study contract, lent to a member firm."""
    GE = 4
    """Employed by an employer group (GE) and lent to member firms."""
    TRAINING = 5
    """Job seeker in a training course."""
    SEEKER = 6
    """Job seeker, unemployed for less than the long-term threshold."""
    LONG_TERM = 7
    """Long-term job seeker."""
    INACTIVE = 8
    """Out of the labour force for now (discouraged, caring, ill); may come back."""


EMPLOYED = np.array([Status.CLASSIC, Status.ESS, Status.INSERTION, Status.GEIQ, Status.GE])
ESS_SIDE = np.array([Status.ESS, Status.INSERTION, Status.GEIQ, Status.GE])
UNEMPLOYED = np.array([Status.SEEKER, Status.LONG_TERM])
N_STATUS = len(Status)

HOLDER = N_STATUS
"""Pseudo-status column of the per-organisation counts: ESS staff on a fixed-term test (CAE
holders)."""

NO_ORG = -1
NO_SECTOR = -1

YOUNG_AGE = 26.0
"""Persons under this age are young (the age limit of French youth employment schemes)."""
RSA_PROXY_MONTHS = 24
"""Unemployment spell after which a person counts as an RSA beneficiary (``ever_unemployed_24m``).

ASSUMPTION: the model has no benefits; unemployment insurance lasts at most 24 months (the
usual maximum for job seekers under 53 in the insurance rules of 2009 to 2023), after which a
job seeker without other income draws the RSA. The proxy flags everyone who reached it.
"""


class AgeGroup(IntEnum):
    """Age groups used by the rules and the indicators."""

    YOUNG = 0
    ADULT = 1
    SENIOR = 2


def is_in(status: np.ndarray, statuses) -> np.ndarray:
    """Boolean mask of ``status`` values among ``statuses`` (a fast ``np.isin`` of status codes)."""
    lookup = np.zeros(N_STATUS, dtype=bool)
    lookup[np.asarray(statuses, dtype=np.int64)] = True
    return lookup[status]


def age_group(age: np.ndarray) -> np.ndarray:
    """Age group (young < 26, adult < 50, senior) of each age in years."""
    return np.digitize(age, [YOUNG_AGE, 50.0]).astype(np.int8)


@dataclass(frozen=True)
class Spell:
    """One step of a person's pathway."""

    status: Status
    employer: int
    start_month: int
    months: int


class PersonTable(ColumnTable):
    """All persons' state as columns; rows stay sorted by the persons' ``unique_id``.

    Attributes:
        uid: the person's ``unique_id``, taken from Mesa's agent counter (see :meth:`add`).
        status: :class:`Status` code.
        age: age in years.
        skill: skill level in [0, 1].
        employability: in [0, 1]; how attractive the person is to an employer.
        employer: organisation id of the employer (``NO_ORG`` when not employed).
        host: organisation id of the firm a GE or GEIQ worker is lent to.
        fte: working time as a full-time equivalent.
        since: month the current status began.
        contract_end: month a fixed-term contract or course ends (-1: none).
        trained_sector: sector a course aimed at, under skills planning (-1: none).
        qualification: the trade (sector) the person is qualified in (-1: none; see
            :mod:`~ptce_sim.simulation.mechanisms.qualifications`).
        plie: followed by the PLIE (the animator's caseload of people far from work); cleared on
            hiring.
        ever_long_term: long-term unemployed at some time (never cleared): the PLIE's public, a
            group defined by the same rule whether or not a PLIE exists, for the indicators.
        ever_unemployed_24m: unemployed for :data:`RSA_PROXY_MONTHS` months or more in one spell
            at some time (never cleared): the proxy for RSA beneficiaries.
        priority: weight in the job matching (insertion leavers and PLIE have more).
        exit_kind: pathway (insertion, training, GEIQ, incubation) last left, -1 once employed.
        exit_month: month that pathway was left.
        resident: lives in the territory; False for an in-commuter, who only ever holds the post
            they came for and leaves the table when they leave it (see
            :mod:`~ptce_sim.simulation.mechanisms.commuting`).
        housing: -1 not drawn yet, 0 housed, 1 a young person without housing, 2 in the FJT (see
            :mod:`~ptce_sim.simulation.mechanisms.housing`).
        housing_until: month a stay in the FJT ends (-1: none).
        plie_step: step of the PLIE pathway of a person followed (see
            :mod:`~ptce_sim.simulation.mechanisms.plie`), -1 when not followed;
            ``plie_step_month``: month that step began; ``plie_entry_month``: month the pathway
            began.
    """

    columns = {
        "uid": Column(np.dtype(np.int64)),
        "status": Column(np.dtype(np.int8)),
        "age": Column(np.dtype(np.float64)),
        "skill": Column(np.dtype(np.float64)),
        "employability": Column(np.dtype(np.float64)),
        "employer": Column(np.dtype(np.int32), NO_ORG),
        "host": Column(np.dtype(np.int32), NO_ORG),
        "fte": Column(np.dtype(np.float64), 0.0),
        "since": Column(np.dtype(np.int32)),
        "contract_end": Column(np.dtype(np.int32), -1),
        "trained_sector": Column(np.dtype(np.int16), NO_SECTOR),
        "qualification": Column(np.dtype(np.int16), NO_SECTOR),
        "plie": Column(np.dtype(np.bool_), False),
        "ever_long_term": Column(np.dtype(np.bool_), False),
        "ever_unemployed_24m": Column(np.dtype(np.bool_), False),
        "priority": Column(np.dtype(np.float64), 1.0),
        "exit_kind": Column(np.dtype(np.int8), -1),
        "exit_month": Column(np.dtype(np.int32), -10_000),
        "resident": Column(np.dtype(np.bool_), True),
        "housing": Column(np.dtype(np.int8), -1),
        "housing_until": Column(np.dtype(np.int32), -1),
        "plie_step": Column(np.dtype(np.int8), -1),
        "plie_step_month": Column(np.dtype(np.int32), -1),
        "plie_entry_month": Column(np.dtype(np.int32), -1),
    }

    def __init__(self) -> None:
        super().__init__()
        self._history: list[tuple[np.ndarray, ...]] = []
        self.flows = np.zeros((N_STATUS, N_STATUS), dtype=np.int64)

    # -- growth and shrinkage -----------------------------------------------------------------

    def add(self, model: Context, columns: dict[str, np.ndarray]) -> np.ndarray:
        """Append persons entering in the current month; ``columns`` gives their initial state.

        Their ``unique_id`` values are taken from Mesa's agent counter
        (:func:`~ptce_sim.simulation.tables.reserve_unique_ids`), which is advanced past them:
        they are the ids the persons had when each was a Mesa agent, and no Mesa agent (firm,
        structure) created later can take one.

        Args:
            model: the model (its agent counter and current month).
            columns: at least ``status``, ``age``, ``skill`` and ``employability``; other columns
                take their default.

        Returns:
            The rows of the new persons.
        """
        n = len(columns["status"])
        uid = reserve_unique_ids(model, n)
        rows = super().add(**{"uid": uid, "since": np.full(n, model.month_index), **columns})
        self._log(rows, np.full(n, -1), model.month_index)
        return rows

    def remove(self, rows: np.ndarray, month: int) -> None:
        """Remove persons (retirement): their pathway ends this month and their rows go."""
        if rows.size == 0:
            return
        self._history.append(
            (
                self.uid[rows],
                np.full(rows.size, month),
                self.status[rows],
                np.full(rows.size, -1, dtype=np.int8),
                np.full(rows.size, NO_ORG, dtype=np.int32),
            )
        )
        self.drop(rows)

    # -- status changes -------------------------------------------------------------------------

    def move(
        self,
        rows: np.ndarray,
        status: Status,
        month: int,
        *,
        employer: int | np.ndarray = NO_ORG,
        host: int | np.ndarray = NO_ORG,
        fte: float | np.ndarray = 0.0,
        contract_end: int | np.ndarray = -1,
    ) -> None:
        """Move persons to a new status (and employer), recording the pathway and the flows."""
        if rows.size == 0:
            return
        old = self.status[rows]
        np.add.at(self.flows, (old, np.full(rows.size, int(status))), 1)
        self.status[rows] = status
        self.employer[rows] = employer
        self.host[rows] = host
        self.fte[rows] = fte
        self.contract_end[rows] = contract_end
        self.since[rows] = month
        self._log(rows, old, month)

    def _log(self, rows: np.ndarray, old: np.ndarray, month: int) -> None:
        self._history.append(
            (
                self.uid[rows].copy(),
                np.full(rows.size, month, dtype=np.int32),
                np.asarray(old, dtype=np.int8),
                self.status[rows].copy(),
                self.employer[rows].copy(),
            )
        )

    def take_flows(self) -> np.ndarray:
        """Flows between statuses since the last call (``flows[from, to]``), then reset."""
        flows, self.flows = self.flows, np.zeros_like(self.flows)
        return flows

    # -- queries ----------------------------------------------------------------------------------

    def row_of(self, uid: int) -> int:
        """Row of the person with this ``unique_id``.

        Raises:
            KeyError: no such person (never existed or retired).
        """
        row = int(np.searchsorted(self.uid, uid))
        if row >= len(self) or self.uid[row] != uid:
            raise KeyError(f"no person with unique_id {uid}")
        return row

    def person(self, model: Context, uid: int) -> Person:
        """A view of the person with this ``unique_id`` (see :class:`Person`).

        Raises:
            KeyError: no such person (never existed or retired).
        """
        self.row_of(uid)
        return Person(model, int(uid))

    def in_status(self, *statuses: Status) -> np.ndarray:
        """Rows of persons in any of these statuses."""
        return np.flatnonzero(is_in(self.status, statuses))

    def counts(self) -> np.ndarray:
        """Number of persons in each status, in-commuters included (jobs of the territory)."""
        return np.bincount(self.status, minlength=N_STATUS)

    def resident_counts(self) -> np.ndarray:
        """Number of residents in each status (the territory's population)."""
        return np.bincount(self.status[self.resident], minlength=N_STATUS)

    def residents(self) -> int:
        """Number of residents: the territory's labour force and inactive persons."""
        return int(np.count_nonzero(self.resident))

    def pathway(self, uid: int, now: int) -> list[Spell]:
        """The pathway of one person: each status held, from when and for how long."""
        history = self._history_arrays()
        mine = history[0] == uid
        months, new, employers = history[1][mine], history[3][mine], history[4][mine]
        order = np.argsort(months, kind="stable")
        spells: list[Spell] = []
        for i, j in enumerate(order):
            if new[j] < 0:
                break
            end = months[order[i + 1]] if i + 1 < order.size else now
            spells.append(
                Spell(Status(int(new[j])), int(employers[j]), int(months[j]), int(end - months[j]))
            )
        return spells

    def _history_arrays(self) -> tuple[np.ndarray, ...]:
        if len(self._history) > 1:
            self._history = [
                tuple(np.concatenate(cols) for cols in zip(*self._history, strict=True))
            ]
        return self._history[0]


@dataclass(frozen=True)
class Person:
    """A member of the territory's labour force: a read-only view on a row of :class:`PersonTable`.

    Persons are rows, not Mesa agents; a view is built on demand (``Person(model, uid)``, or
    :meth:`PersonTable.person`) and reads the row of its ``unique_id`` at each access, so it stays
    current while the model runs (and raises :class:`KeyError` once the person has retired).
    """

    model: Context = field(repr=False, compare=False)
    """The model the person lives in."""
    unique_id: int
    """The person's id (column ``uid`` of :class:`PersonTable`)."""

    @property
    def _row(self) -> int:
        return self.model.people.row_of(self.unique_id)

    def _get(self, column: str):
        return getattr(self.model.people, column)[self._row]

    @property
    def status(self) -> Status:
        """Current status."""
        return Status(int(self._get("status")))

    @property
    def age(self) -> float:
        """Age in years."""
        return float(self._get("age"))

    @property
    def age_group(self) -> AgeGroup:
        """Young, adult or senior."""
        return AgeGroup(int(age_group(np.array([self.age]))[0]))

    @property
    def skill(self) -> float:
        """Skill level in [0, 1]."""
        return float(self._get("skill"))

    @property
    def employability(self) -> float:
        """Employability in [0, 1]."""
        return float(self._get("employability"))

    @property
    def employer(self) -> mesa.Agent | None:
        """The organisation that employs the person, if any."""
        org = int(self._get("employer"))
        return None if org == NO_ORG else self.model.orgs[org]

    @property
    def pathway(self) -> list[Spell]:
        """Statuses held so far, with their start month and duration."""
        return self.model.people.pathway(self.unique_id, self.model.month_index)
