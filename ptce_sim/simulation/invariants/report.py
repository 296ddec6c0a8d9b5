"""Violations, their report, and what the checks share (tolerances, kinds of organisation)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import (
    Status,
)
from ptce_sim.simulation.agents.structures import (
    ActivityCooperative,
    EmployerGroup,
    Geiq,
    Structure,
    TrainingCentre,
    WorkIntegrationEnterprise,
)

if TYPE_CHECKING:
    pass

TOLERANCE = 1e-6
"""Relative tolerance of money comparisons (sums of floats in a different order)."""
MAY_BE_EMPTY = frozenset({"self_financing_ratio", "solidarity_fund_eur"})
"""Territory columns that are NaN by definition in some years.

See :mod:`ptce_sim.simulation.metrics`.
"""
RATES = (
    "unemployment_rate",
    "self_financing_ratio",
    "mean_trust",
    "site_occupancy",
    "fjt_occupancy",
    "young_employment_rate",
)
"""Territory columns that are shares, in [0, 1]."""
SIGNED_STRUCTURE_COLUMNS = frozenset({"cash_eur"})
"""Structure columns that may be negative (cash within the overdraft)."""
SIGNED_TERRITORY_COLUMNS = frozenset({"induced_jobs"})
"""Territory columns that may be negative (jobs the residents' earnings remove when earnings per
resident fall below the start's)."""

# kinds of organisation, for vectorised checks of who employs whom
FIRM, AUTHORITY, STRUCTURE, EI, GE, GEIQ, CENTRE, CAE = range(8)
KIND_OF_CLASS = (
    (EmployerGroup, GE),
    (Geiq, GEIQ),
    (TrainingCentre, CENTRE),
    (WorkIntegrationEnterprise, EI),
    (ActivityCooperative, CAE),
    (Structure, STRUCTURE),
)
EMPLOYER_KINDS = {
    Status.CLASSIC: (FIRM,),
    Status.ESS: (STRUCTURE, EI, GE, GEIQ, CENTRE, CAE),
    Status.INSERTION: (EI,),
    Status.GEIQ: (GEIQ,),
    Status.GE: (GE,),
}
FIXED_TERM = (Status.INSERTION, Status.GEIQ, Status.TRAINING)
OPEN_ENDED = (Status.CLASSIC, Status.GE, Status.SEEKER, Status.LONG_TERM, Status.INACTIVE)


@dataclass(frozen=True)
class Violation:
    """A broken invariant.

    Attributes:
        invariant: its name (see the module docstring).
        month: the model's ``month_index`` when it was found (the month about to be simulated).
        message: what was found, with the first offending values.
    """

    invariant: str
    month: int
    message: str

    def __str__(self) -> str:
        return f"month {self.month}: {self.invariant}: {self.message}"


class InvariantError(AssertionError):
    """Raised by :meth:`InvariantChecker.assert_ok` with every violation found."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = [str(v) for v in violations[:20]]
        if len(violations) > 20:
            lines.append(f"... and {len(violations) - 20} more")
        super().__init__("invariants violated:\n" + "\n".join(lines))


class Report:
    """Collects the violations of one check."""

    def __init__(self, month: int) -> None:
        self.month = month
        self.violations: list[Violation] = []

    def expect(self, invariant: str, ok: bool, message: str | Callable[[], str]) -> None:
        """Record ``message`` under ``invariant`` unless ``ok`` (a callable is only called then)."""
        if not ok:
            text = message() if callable(message) else message
            self.violations.append(Violation(invariant, self.month, text))


def first_values(values: np.ndarray, n: int = 5) -> list:
    """The first ``n`` values, flattened, as a list (for messages)."""
    return np.asarray(values).ravel()[:n].tolist()


def bad_range(values: np.ndarray, low: float, high: float = math.inf) -> np.ndarray:
    """Where ``values`` are not finite or outside [``low``, ``high``]."""
    values = np.asarray(values, dtype=np.float64)
    return ~np.isfinite(values) | (values < low) | (values > high)


def close(a: float, b: float, scale: float) -> bool:
    """Whether ``a`` and ``b`` agree within :data:`TOLERANCE` of ``scale`` (at least 1)."""
    return abs(a - b) <= TOLERANCE * max(1.0, abs(scale))
