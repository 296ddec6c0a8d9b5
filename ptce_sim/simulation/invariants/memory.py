"""Checks that need memory: the treasury's steps and the yearly rows added since the last check."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.structures import (
    Structure,
)
from ptce_sim.simulation.invariants.report import (
    MAY_BE_EMPTY,
    RATES,
    SIGNED_STRUCTURE_COLUMNS,
    SIGNED_TERRITORY_COLUMNS,
    InvariantError,
    Report,
    Violation,
    close,
)
from ptce_sim.simulation.invariants.state import check_state

if TYPE_CHECKING:
    from ptce_sim.simulation.mechanisms.treasury import Treasury
    from ptce_sim.simulation.model import PtceModel

# -- what needs memory: the treasury steps and the yearly rows --------------------------------


class TreasuryAudit:
    """Checks each step of a treasury as it runs: cash is moved, never created or destroyed.

    The audit replaces the ``step`` method of this one treasury object by a checked version (the
    class and other models are untouched) that compares, around the original step, the members'
    cash plus the solidarity fund
    (:meth:`~ptce_sim.simulation.mechanisms.treasury.Treasury.total_cash`, which the step must
    conserve) and the loans outstanding with the step's flows:
    ``outstanding after = before + lent - repaid - written off``.

    Attributes:
        violations: violations found since the last :meth:`take`.
        steps: treasury steps audited.
        moved: euros of cash that changed hands in the audited steps (members' changes summed).
    """

    def __init__(self, model: PtceModel) -> None:
        self.model = model
        self.violations: list[Violation] = []
        self.steps = 0
        self.moved = 0.0
        treasury = model.treasury
        self._original = treasury.step
        treasury.step = self._checked_step

    def _checked_step(self, members: list[Structure], surplus: dict[int, float]) -> None:
        treasury: Treasury = self.model.treasury
        before = treasury.total_cash(members)
        outstanding = treasury.outstanding()
        flows = (treasury.lent_year, treasury.repaid_year, treasury.written_off_year)
        cash_before = [m.cash for m in members]
        self._original(members, surplus)
        after = treasury.total_cash(members)
        scale = max(abs(before), sum(abs(c) for c in cash_before), outstanding)
        report = Report(self.model.month_index)
        report.expect(
            "treasury_conserves_cash",
            math.isfinite(after) and close(after, before, scale),
            lambda: f"members' cash + fund {before:.6f} -> {after:.6f} in the treasury step",
        )
        lent = treasury.lent_year - flows[0]
        repaid = treasury.repaid_year - flows[1]
        lost = treasury.written_off_year - flows[2]
        now = treasury.outstanding()
        report.expect(
            "loans_match_flows",
            close(now, outstanding + lent - repaid - lost, scale),
            lambda: (
                f"outstanding {outstanding:.2f} -> {now:.2f} but lent {lent:.2f}, "
                f"repaid {repaid:.2f}, written off {lost:.2f}"
            ),
        )
        self.violations.extend(report.violations)
        self.steps += 1
        self.moved += sum(abs(m.cash - c) for m, c in zip(members, cash_before, strict=True))

    def take(self) -> list[Violation]:
        """The violations found since the last call."""
        found, self.violations = self.violations, []
        return found


class InvariantChecker:
    """Checks a model's invariants after each of its steps.

    Create it before the first step (it audits the treasury from then on), then call
    :meth:`check` (or :meth:`assert_ok`) after every ``model.step()``.

    Args:
        model: the model to watch.

    Attributes:
        checks: times :meth:`check` ran.
        treasury: the audit of the treasury steps.
    """

    def __init__(self, model: PtceModel) -> None:
        self.model = model
        self.treasury = TreasuryAudit(model)
        self.checks = 0
        self._rows = {"territory": 0, "structures": 0, "jobs_by_mechanism": 0}

    def check(self) -> list[Violation]:
        """Every invariant on the model's state, its treasury steps and its new yearly rows."""
        violations = check_state(self.model)
        violations += self.treasury.take()
        violations += self._yearly_rows()
        self.checks += 1
        return violations

    def assert_ok(self) -> None:
        """Check and raise :class:`InvariantError` if any invariant is violated."""
        violations = self.check()
        if violations:
            raise InvariantError(violations)

    def _new_rows(self, name: str) -> list[dict]:
        new = self.model.recorder.rows(name, self._rows[name])
        self._rows[name] += len(new)
        return new

    def _yearly_rows(self) -> list[Violation]:
        from ptce_sim.simulation.metrics import (
            MECHANISM_COLUMNS,
            STRUCTURE_COLUMNS,
            TERRITORY_COLUMNS,
        )

        report = Report(self.model.month_index)
        for row in self._new_rows("territory"):
            year = row.get("year")
            values = {k: row.get(k) for k in TERRITORY_COLUMNS if k != "year"}
            bad = {
                k: v
                for k, v in values.items()
                if not is_number(v) or not (math.isfinite(v) or (k in MAY_BE_EMPTY and v != v))
            }
            report.expect(
                "yearly_indicators",
                not bad and set(row) == set(TERRITORY_COLUMNS),
                lambda year=year, bad=bad: f"territory {year}: not finite or missing {bad}",
            )
            numbers = {k: v for k, v in values.items() if k not in bad and v == v}
            negative = {
                k: v for k, v in numbers.items() if v < 0 and k not in SIGNED_TERRITORY_COLUMNS
            }
            report.expect(
                "yearly_indicators",
                not negative,
                lambda year=year, negative=negative: f"territory {year}: negative {negative}",
            )
            rates = {k: numbers[k] for k in RATES if k in numbers and not 0 <= numbers[k] <= 1}
            report.expect(
                "yearly_indicators",
                not rates,
                lambda year=year, rates=rates: f"territory {year}: rates outside [0, 1] {rates}",
            )
            if not bad:
                in_commuters = row["jobs_held_by_non_residents"]
                jobs = row["classic_jobs"] + row["ess_jobs"] - in_commuters
                active = row["employed"] + row["unemployed"] + row["in_training"]
                report.expect(
                    "yearly_indicators",
                    row["employed"] == jobs and row["labour_force"] == active,
                    lambda year=year, row=row, jobs=jobs, active=active: (
                        f"territory {year}: employed {row['employed']} "
                        f"!= classic + ESS jobs held by residents {jobs}, "
                        f"or labour force {row['labour_force']} != "
                        f"employed + unemployed + in training {active}"
                    ),
                )
        for row in self._new_rows("structures"):
            name, year = row.get("structure"), row.get("year")
            bad = {
                k: row.get(k)
                for k in STRUCTURE_COLUMNS[3:]
                if row.get(k) is not None
                and not (
                    is_number(row[k])
                    and math.isfinite(row[k])
                    and (row[k] >= 0 or k in SIGNED_STRUCTURE_COLUMNS)
                )
            }
            report.expect(
                "yearly_indicators",
                not bad,
                lambda name=name, year=year, bad=bad: (
                    f"structure {name} {year}: negative or not finite {bad}"
                ),
            )
        for row in self._new_rows("jobs_by_mechanism"):
            year = row.get("year")
            bad = {
                k: row.get(k)
                for k in MECHANISM_COLUMNS[1:]
                if not (is_number(row.get(k)) and math.isfinite(row[k]) and row[k] >= 0)
            }
            report.expect(
                "yearly_indicators",
                not bad,
                lambda year=year, bad=bad: (
                    f"jobs by mechanism {year}: negative, missing or not finite {bad}"
                ),
            )
        return report.violations


def is_number(value: object) -> bool:
    """Whether ``value`` is an int or a float (numpy's included), not a bool."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
