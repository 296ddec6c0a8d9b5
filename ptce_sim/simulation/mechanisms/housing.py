"""Young people's housing and the Foyer de Jeunes Travailleurs (FJT).

Some young residents have no housing of their own (``[housing]`` of the scenario: a share of the
young, drawn once per person from the ``housing`` stream when they first appear in the
territory). Such a person is less likely to take a post or a course: a share of them are too far
from where they stay, and those they take with a lower chance (the acceptance factor of
:meth:`Housing.acceptance`, applied in the labour market's matching and in the admission to
courses; it changes a threshold, never the number of draws). They find housing of their own
after some months in work, or when they are no longer young (ASSUMPTION).

The FJT (an ``fjt`` event: :class:`~ptce_sim.config.scenario.FjtSpec`) has places. Each month
its free places go to the young residents without housing: job seekers first, then trainees, then
those in work, the longest in their status first (a rule, no draw). A resident stays at most
``stay_months``; on leaving, one in work has found housing, another is without housing again if
still young. Residents pay a rent (households to the FJT); the FJT's running cost per occupied
place is paid as wages and purchases; a named funder pays the rest (money it brings outside its
yearly budget for the pole). Sources: the FJT of Tarnos (1972) houses young people and trains
them with the PERF training centre [S1]; the 2000s growth made housing hard for the young
[S1]; the shares, the acceptance and the FJT's figures are ASSUMPTIONS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.accounts import FJT, HOUSEHOLDS, REST_OF_WORLD, Flow
from ptce_sim.simulation.agents.persons import EMPLOYED, YOUNG_AGE, Status, is_in

if TYPE_CHECKING:
    from ptce_sim.config.scenario import FjtSpec
    from ptce_sim.simulation.interface import Context

UNDRAWN, HOUSED, WITHOUT, IN_FJT = -1, 0, 1, 2
"""A person's housing (column ``housing``): not drawn yet, housed, without housing, in the FJT."""
ADMISSION_ORDER = (
    (Status.SEEKER, Status.LONG_TERM),
    (Status.TRAINING,),
    tuple(int(s) for s in EMPLOYED),
)
"""Who gets a free place first: job seekers, then trainees, then young people in work."""


class Housing:
    """Who is without housing, the FJT's places and residents, and its accounts.

    Attributes:
        fjt: the FJT's event (None until it opens).
        admitted_year: young people who entered the FJT over the year so far.
    """

    def __init__(self, model: Context) -> None:
        self.model = model
        self.fjt: FjtSpec | None = None
        self.admitted_year = 0

    def open_fjt(self, spec: FjtSpec) -> None:
        """The FJT opens."""
        self.fjt = spec

    def places(self) -> int:
        """The FJT's places at the run's scale (0 before it opens)."""
        return round(self.fjt.places * self.model.scale) if self.fjt is not None else 0

    # -- the month ------------------------------------------------------------------------------

    def step(self) -> None:
        """Draw newcomers' housing, housing found, the FJT's leavers and entrants, its accounts."""
        self._draw()
        self._find_housing()
        if self.fjt is not None:
            self._leave()
            self._admit()
            self._accounts()

    def _draw(self) -> None:
        """Residents not drawn yet: the young are without housing with the scenario's share."""
        people = self.model.people
        rule = self.model.spec.housing
        new = np.flatnonzero(people.housing == UNDRAWN)
        if new.size == 0:
            return
        without = np.zeros(new.size, dtype=bool)
        young = people.resident[new] & (people.age[new] < YOUNG_AGE)
        if rule.young_without_housing_share > 0:
            draws = self.model.streams.housing.random(new.size)
            without = young & (draws < rule.young_without_housing_share)
        people.housing[new] = np.where(without, WITHOUT, HOUSED)

    def _find_housing(self) -> None:
        """Young people without housing find some after months in work, or once no longer young."""
        model = self.model
        people = model.people
        months = model.spec.housing.months_in_work_to_own_housing
        without = people.housing == WITHOUT
        settled = is_in(people.status, EMPLOYED) & (model.month_index - people.since >= months)
        people.housing[without & (settled | (people.age >= YOUNG_AGE))] = HOUSED

    def _leave(self) -> None:
        """Residents at the end of their stay, or no longer young, leave the FJT."""
        model = self.model
        people = model.people
        leaving = (people.housing == IN_FJT) & (
            (people.housing_until <= model.month_index) | (people.age >= YOUNG_AGE)
        )
        in_work = is_in(people.status, EMPLOYED) | (people.age >= YOUNG_AGE)
        people.housing[leaving] = np.where(in_work[leaving], HOUSED, WITHOUT)
        people.housing_until[leaving] = -1

    def _admit(self) -> None:
        """Free places go to young residents without housing, in the order of the rule."""
        model = self.model
        people = model.people
        free = self.places() - self.residents()
        waiting = (people.housing == WITHOUT) & people.resident
        for statuses in ADMISSION_ORDER:
            if free <= 0:
                return
            rows = np.flatnonzero(waiting & is_in(people.status, statuses))
            rows = rows[np.argsort(people.since[rows], kind="stable")][:free]
            people.housing[rows] = IN_FJT
            people.housing_until[rows] = model.month_index + self.fjt.stay_months
            self.admitted_year += int(rows.size)
            free -= rows.size

    def _accounts(self) -> None:
        """Residents' rents in, running costs out, the funder's grant for the deficit."""
        model = self.model
        spec = self.fjt
        residents = self.residents()
        ledger = model.ledger
        rents = residents * spec.rent_eur_per_month
        cost = residents * spec.cost_eur_per_place_month
        ledger.transfer(HOUSEHOLDS, FJT, rents, Flow.FJT_RENT)
        deficit = max(0.0, cost - ledger.balance(FJT))  # rents in, any surplus kept
        if deficit > 0:
            funder = next(a for a in model.authorities if a.name == spec.funder)
            ledger.transfer(REST_OF_WORLD, funder.org, deficit, Flow.HOUSING_BUDGET)
            ledger.transfer(funder.org, FJT, deficit, Flow.HOUSING_GRANT)
            model.tally.public(funder.spec.level, deficit)
        wages = cost * spec.staff_share_of_cost
        ledger.transfer(FJT, HOUSEHOLDS, wages, Flow.WAGES)
        ledger.transfer(FJT, REST_OF_WORLD, cost - wages, Flow.PURCHASES)

    # -- what other rules read ------------------------------------------------------------------

    def acceptance(self, rows: np.ndarray) -> np.ndarray:
        """Chance factor that each person takes a post or a course offered (1 when housed).

        A young person without housing takes the far share of offers with
        ``far_acceptance_without_housing``, the near ones always.
        """
        rule = self.model.spec.housing
        factor = 1.0 - rule.far_post_share * (1.0 - rule.far_acceptance_without_housing)
        return np.where(self.model.people.housing[rows] == WITHOUT, factor, 1.0)

    # -- indicators -----------------------------------------------------------------------------

    def residents(self) -> int:
        """Young people living in the FJT."""
        return int(np.count_nonzero(self.model.people.housing == IN_FJT))

    def occupancy(self) -> float:
        """Share of the FJT's places occupied (0 before it opens)."""
        places = self.places()
        return self.residents() / places if places else 0.0

    def without_housing(self) -> int:
        """Young residents without housing (the FJT's residents are housed)."""
        return int(np.count_nonzero(self.model.people.housing == WITHOUT))

    def new_year(self) -> None:
        """A new year's entries."""
        self.admitted_year = 0
