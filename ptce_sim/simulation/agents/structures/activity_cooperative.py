"""The activity cooperative (CAE): project holders test an activity as salaried members."""

from __future__ import annotations

import numpy as np

from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.accounts import HOUSEHOLDS, Account, Flow
from ptce_sim.simulation.agents.persons import HOLDER, Status
from ptce_sim.simulation.agents.structures.base import Openings, Structure


class ActivityCooperative(Structure):
    """CAE / incubator: project holders test an activity as salaried members; some create one."""

    kind = StructureKind.ACTIVITY_COOPERATIVE
    contract_status = HOLDER
    indicators = Structure.indicators | {"project_holders", "contracts_started"}

    def plan(self) -> None:
        """Permanent staff for its holders; openings for the projects job seekers bring.

        How many holders it has is not set: job seekers bring projects at ``intake_rate`` a month
        and each tests it for ``test_months``.
        """
        self.openings = []
        rule = self.model.spec.mechanisms.incubation
        holders = self.staff(HOLDER)
        self.adjust_permanent(holders * self.spec.staff_per_output)
        if not rule.enabled:
            return
        seekers = int(self.model.people.counts()[[Status.SEEKER, Status.LONG_TERM]].sum())
        projects = int(self.model.streams.incubation.binomial(seekers, rule.intake_rate))
        if projects:
            self.openings.append(
                Openings(self.org, Status.ESS, projects, 1.0, 0.35, -1, False, rule.test_months)
            )

    def revenue(self) -> tuple[float, float, float]:
        """Sales: the holders' contribution, a share of their turnover; and its incubation aid."""
        rule = self.model.spec.mechanisms.incubation
        holders = self.staff(HOLDER)
        holders_turnover = holders * rule.holder_turnover_eur_per_month
        self.year.activity_turnover_eur += holders_turnover
        aid = self.model.funding.incubation_aid(self, holders)
        return rule.contribution_share * holders_turnover, 0.0, aid

    def turnover(self) -> float:
        """The holders' activity turnover of the year so far."""
        return self.year.activity_turnover_eur

    def payers(self, sales: float, fees: float) -> list[tuple[Account, float, Flow]]:
        """Its sales, the holders' contribution, come out of the holders' turnover.

        That turnover is paid by their customers. ASSUMPTION: the territory's households (services
        to persons, crafts); the rest of that turnover is the holders' pay, from households to
        households, so not booked.
        """
        return [(HOUSEHOLDS, sales, Flow.SALES), *super().payers(0.0, fees)]

    def end_contracts(self, rows: np.ndarray) -> None:
        """The test ends.

        A successful holder creates a micro firm or, sometimes, an ESS structure.
        """
        rule = self.model.spec.mechanisms.incubation
        model = self.model
        p = rule.activity_success * (0.5 + model.people.skill[rows])
        success = model.streams.incubation.random(rows.size) < np.clip(p, 0.0, 1.0)
        as_ess = success & (model.streams.incubation.random(rows.size) < rule.ess_structure_share)
        for row_uid in model.people.uid[rows[as_ess]]:
            model.pole.incubate_ess_structure(int(row_uid), founder=self)
        model.pole.incubate_firms(rows[success & ~as_ess])
        model.labour.to_seeking(rows[~success], exit_kind="incubation")
