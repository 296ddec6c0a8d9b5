"""The PLIE's accompaniment: a caseload of advisers, a pathway of steps, exits by kind.

The animator (CBE) runs the PLIE once ``cooperation.plie`` is on. Its advisers are the
animator's staff (paid by its grants, the PLIE's funding per person followed among them, through
the ledger); each follows up to the animator's ``capacity`` persons (the caseload per adviser).
While the caseload has room, long-term job seekers not yet followed enter, drawn at random.

A person followed goes through steps (:data:`DIAGNOSIS`, :data:`PLACEMENT`, :data:`SEARCH`):

* diagnosis (``diagnosis_months``): the adviser assesses the person; at its end a share
  (``training_share``) is sent to a course of the training centre when it has a free seat: an
  exit to training;
* work placement (``placement_months``): an immersion in a firm, which closes ``placement_gain``
  of the gap to full employability;
* accompanied job search: each month closes ``search_gain_per_month`` of that gap.

Exits: to work (hired by the matching, where the PLIE's caseload is weighed ``plie_priority``
on posts for people far from work), to training (a course, prescribed or asked for), dropping
out (``dropout_rate`` a month, or becoming inactive), end of the pathway (``pathway_months``). A
person whose pathway ended may enter again ``pathway_months`` later (ASSUMPTION).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import EMPLOYED, Status, is_in

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context

DIAGNOSIS, PLACEMENT, SEARCH = 0, 1, 2
"""Steps of the pathway (the ``plie_step`` column; -1: not followed)."""
EXIT_KINDS = ("work", "training", "dropout", "end")
"""Kinds of exit from the pathway, as counted in the yearly outputs."""


class Plie:
    """The PLIE's caseload and pathways.

    Attributes:
        entries_year: persons who entered the pathway this year.
        exits_year: exits this year by kind (:data:`EXIT_KINDS`).
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.new_year()

    def new_year(self) -> None:
        """Reset the year's entries and exits."""
        self.entries_year = 0
        self.exits_year: Counter[str] = Counter()

    @property
    def on(self) -> bool:
        """The PLIE runs: cooperation works, the PLIE is set up, an animator runs it."""
        model = self.model
        return (
            model.cooperation_on
            and model.spec.mechanisms.cooperation.plie
            and model.pole.animator() is not None
        )

    def caseload(self) -> int:
        """Persons followed now."""
        return int(np.count_nonzero(self.model.people.plie_step >= 0))

    def step(self, advisers: float, per_adviser: float) -> None:
        """The month's accompaniment: exits first, then steps, then entries.

        Entries fill the caseload that ``advisers`` FTE following ``per_adviser`` persons each
        can hold.
        """
        self.record_exits()
        if not self.on:
            self._end(np.flatnonzero(self.model.people.plie_step >= 0), "end")
            return
        if self.model.spec.mechanisms.plie_pathway.enabled:
            self._advance()
        self._end_pathways()
        self._enter(int(per_adviser * advisers))

    def record_exits(self) -> None:
        """Persons whose pathway other rules ended (hired, in a course, inactive) leave it."""
        people = self.model.people
        followed = people.plie_step >= 0
        gone = np.flatnonzero(followed & ~people.plie)
        looking = is_in(people.status, (Status.SEEKER, Status.LONG_TERM))
        gone = np.union1d(gone, np.flatnonzero(followed & ~looking))
        if gone.size == 0:
            return
        status = people.status[gone]
        self._end(gone[is_in(status, EMPLOYED)], "work")
        self._end(gone[status == Status.TRAINING], "training")
        self._end(gone[~is_in(status, (*EMPLOYED, Status.TRAINING))], "dropout")

    def _end(self, rows: np.ndarray, kind: str) -> None:
        people = self.model.people
        people.plie[rows] = False
        people.plie_step[rows] = -1
        people.plie_step_month[rows] = self.model.month_index  # the month the pathway ended
        self.exits_year[kind] += int(rows.size)

    def _advance(self) -> None:
        model = self.model
        rule = model.spec.mechanisms.plie_pathway
        people = model.people
        now = model.month_index
        rng = model.streams.accompaniment
        followed = np.flatnonzero(people.plie_step >= 0)
        dropping = followed[rng.random(followed.size) < rule.dropout_rate]
        self._end(dropping, "dropout")
        in_step = now - people.plie_step_month
        diagnosed = np.flatnonzero(
            (people.plie_step == DIAGNOSIS) & (in_step >= rule.diagnosis_months)
        )
        placed = np.flatnonzero(
            (people.plie_step == PLACEMENT) & (in_step >= rule.placement_months)
        )
        searching = np.flatnonzero(people.plie_step == SEARCH)
        people.employability[searching] += rule.search_gain_per_month * (
            1.0 - people.employability[searching]
        )
        people.employability[placed] += rule.placement_gain * (1.0 - people.employability[placed])
        self._move(placed, SEARCH)
        sent = diagnosed[rng.random(diagnosed.size) < rule.training_share]
        enrolled = model.training.enrol(sent)
        self._end(enrolled, "training")
        self._move(np.setdiff1d(diagnosed, enrolled, assume_unique=True), PLACEMENT)

    def _end_pathways(self) -> None:
        """Pathways ``pathway_months`` old end."""
        people = self.model.people
        age = self.model.month_index - people.plie_entry_month
        months = self.model.spec.mechanisms.plie_pathway.pathway_months
        self._end(np.flatnonzero((people.plie_step >= 0) & (age >= months)), "end")

    def _move(self, rows: np.ndarray, step: int) -> None:
        people = self.model.people
        people.plie_step[rows] = step
        people.plie_step_month[rows] = self.model.month_index

    def _enter(self, caseload: int) -> None:
        """Long-term job seekers not followed enter while the caseload has room.

        One whose pathway ended may enter again ``pathway_months`` later.
        """
        model = self.model
        people = model.people
        room = max(0, caseload - self.caseload())
        pause = model.month_index - people.plie_step_month
        rested = (people.plie_entry_month < 0) | (
            pause >= model.spec.mechanisms.plie_pathway.pathway_months
        )
        candidates = np.flatnonzero(
            (people.status == Status.LONG_TERM) & (people.plie_step < 0) & rested
        )
        if room == 0 or candidates.size == 0:
            return
        chosen = np.sort(
            model.streams.accompaniment.choice(
                candidates, size=min(room, candidates.size), replace=False
            )
        )
        people.plie[chosen] = True
        people.plie_entry_month[chosen] = model.month_index
        self._move(chosen, DIAGNOSIS)
        self.entries_year += int(chosen.size)
