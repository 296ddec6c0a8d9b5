"""A run's population beside the census its demography follows (``territory.census``).

The census counts the residents on 1 January of its year; the run's population then is read off
the monthly series (``persons``, the residents at the end of January, at the run's scale) and
brought to full scale and to the whole population (divided by the scale and the activity rate).
The yearly territory table's ``population`` is at the end of December.
"""

from __future__ import annotations

import pandas as pd

from ptce_sim.runs.runner import RunResult


def census_gaps(result: RunResult) -> pd.DataFrame:
    """The run's population at each census year it covers, beside the census.

    Returns:
        One row per census year within the run: ``year``, ``census``, ``simulated`` and ``gap``
        (simulated / census - 1). Empty when the scenario has no census.
    """
    spec = result.scenario
    census = spec.territory.census
    columns = ["year", "census", "simulated", "gap"]
    if census is None:
        return pd.DataFrame(columns=columns)
    persons = result.monthly.set_index("month")["persons"]
    rows = []
    for year, population in zip(census.years, census.population, strict=True):
        month = 12 * (year - spec.run.start_year)
        if month not in persons.index:
            continue
        simulated = persons[month] / spec.run.scale / spec.territory.activity_rate
        rows.append((year, population, simulated, simulated / population - 1.0))
    return pd.DataFrame(rows, columns=columns)
