"""What a run records: the monthly series and the yearly tables, apart from the stepping.

:class:`Recorder` plays the role of Mesa's ``DataCollector`` and is built on it: the monthly
series are its model reporters (:data:`MONTHLY`), the yearly tables (territory, structures, jobs
by mechanism) its tables, filled each January with the rows :mod:`ptce_sim.simulation.metrics`
computes from the model. The model is only read. The rules' flows over the year (jobs by
mechanism, project requests, public money paid) go to :class:`Tally`, which rules reach as
``model.tally`` and the recorder empties at the end of each year.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from ptce_sim.simulation import metrics
from ptce_sim.simulation.agents.persons import EMPLOYED, ESS_SIDE, Status, is_in
from ptce_sim.simulation.mechanisms import commuting

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel


def _counts(model: PtceModel) -> np.ndarray:
    return model.people.resident_counts()


MONTHLY = {
    "month": lambda m: m.month_index,
    "employed": lambda m: float(_counts(m)[EMPLOYED].sum()),
    "unemployed": lambda m: float(_counts(m)[[Status.SEEKER, Status.LONG_TERM]].sum()),
    "labour_force": lambda m: float(m.people.residents() - _counts(m)[Status.INACTIVE]),
    "ess_jobs": lambda m: float(m.people.counts()[ESS_SIDE].sum()),
    "pole_members": lambda m: float(m.network.graph.number_of_nodes()),
    "persons": lambda m: float(m.people.residents()),
    "jobs_held_by_non_residents": lambda m: float(commuting.jobs_held(m)),
}
"""The monthly series: Mesa model reporters, read at the end of each month. As in the yearly
territory table, ``employed``, ``unemployed``, ``labour_force`` and ``persons`` count residents;
``ess_jobs`` counts every holder of the ESS side's jobs (in-commuters included)."""


class Tally:
    """Flows the rules add up over the year: read, then emptied, when the year closes.

    Attributes:
        jobs: jobs created or secured, by mechanism (see ``metrics.MECHANISM_COLUMNS``).
        skilled: the labour market's skilled posts over the year: ``hires``, ``at_requirement``
            (hires who meet the post's skill requirement) and ``vacant_months`` (a post left
            unfilled in a month counts one).
        project_requests: requests sent to the animator.
        public_month_eur: public money paid this month (all funders).
        public_month_by_funder: the same by level of funder.
    """

    def __init__(self) -> None:
        self.jobs: dict[str, float] = defaultdict(float)
        self.skilled: dict[str, int] = defaultdict(int)
        self.project_requests = 0
        self.public_month_eur = 0.0
        self.public_month_by_funder: dict[str, float] = defaultdict(float)

    def public(self, level: str, amount: float) -> None:
        """Public money paid this month by a funder of this level."""
        self.public_month_eur += amount
        self.public_month_by_funder[level] += amount

    def count(self, mechanism: str, jobs: float) -> None:
        """Add to this year's count of jobs created or secured by a mechanism."""
        self.jobs[mechanism] += jobs


class Recorder:
    """The run's records, filled at the end of each month and each year.

    Attributes:
        collector: Mesa's ``DataCollector`` holding the monthly series and the yearly tables.
        tally: this year's flows (see :class:`Tally`).
    """

    def __init__(self) -> None:
        self.collector = mesa.DataCollector(
            model_reporters=MONTHLY,
            tables={
                "territory": list(metrics.TERRITORY_COLUMNS),
                "structures": list(metrics.STRUCTURE_COLUMNS),
                "jobs_by_mechanism": list(metrics.MECHANISM_COLUMNS),
            },
        )
        self.tally = Tally()
        self.year_public_eur = 0.0
        self.year_public_by_funder: dict[str, float] = defaultdict(float)
        self._year_staff: list[np.ndarray] = []

    @property
    def monthly(self) -> dict[str, list[float]]:
        """The monthly series so far, by name (a list per series, one value per month)."""
        return self.collector.model_vars

    def rows(self, table: str, start: int = 0) -> list[dict]:
        """The rows of a yearly table from row ``start`` on, as dictionaries.

        The yearly tables are ``territory``, ``structures``, ``jobs_by_mechanism``.
        """
        columns = self.collector.tables[table]
        names = list(columns)
        return [
            dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=False)
        ][start:]

    def add_row(self, table: str, row: dict) -> None:
        """Append a row to a yearly table."""
        self.collector.add_table_row(table, row)

    def record_month(self, model: PtceModel) -> None:
        """The month's series, its public money, and who worked on the ESS side."""
        self.collector.collect(model)
        self.year_public_eur += self.tally.public_month_eur
        self.tally.public_month_eur = 0.0
        for level, amount in self.tally.public_month_by_funder.items():
            self.year_public_by_funder[level] += amount
        self.tally.public_month_by_funder.clear()
        people = model.people
        rows = np.flatnonzero(is_in(people.status, ESS_SIDE))
        holder = (people.status[rows] == Status.ESS) & (people.contract_end[rows] >= 0)
        self._year_staff.append(np.stack([people.employer[rows], people.uid[rows], holder]))

    def close_year(self, model: PtceModel) -> None:
        """The rows of the year that has just ended; then the year's flows start again."""
        year = model.year - 1
        employees, holders = metrics.distinct_staff(self._year_staff)
        self.add_row(
            "territory",
            metrics.territory_row(
                model, year, self.tally, self.year_public_eur, self.year_public_by_funder
            ),
        )
        for structure in model.pole.structures:
            if structure.alive or structure.year.costs_eur > 0:
                row = structure.row(employees.get(structure.org, 0), holders.get(structure.org, 0))
                self.add_row(
                    "structures",
                    {"year": year, "structure": structure.name, "kind": structure.kind_name, **row},
                )
        self.add_row("jobs_by_mechanism", metrics.mechanism_row(model, year, self.tally))
        self.year_public_eur = 0.0
        self.year_public_by_funder = defaultdict(float)
        self._year_staff = []
        self.tally.jobs = defaultdict(float)
        self.tally.skilled = defaultdict(int)
        self.tally.project_requests = 0

    def tables(self) -> dict[str, pd.DataFrame]:
        """The run's tables: territory, structures, jobs by mechanism, and the monthly series."""
        collector = self.collector
        return metrics.typed_tables(
            territory=collector.get_table_dataframe("territory"),
            structures=collector.get_table_dataframe("structures"),
            jobs_by_mechanism=collector.get_table_dataframe("jobs_by_mechanism"),
            monthly=pd.DataFrame(dict(collector.model_vars)),
        )
