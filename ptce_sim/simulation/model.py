"""The Mesa model of a territorial economic cooperation pole (PTCE).

:class:`PtceModel` builds the territory from a validated :class:`~ptce_sim.config.scenario.Scenario`
(no file access here) and steps it month by month through the phases of :meth:`PtceModel.step`.
Its rules live elsewhere: persons and firms in column tables (:mod:`~ptce_sim.simulation.agents`),
ESS structures as Mesa agents owned by the :class:`~ptce_sim.simulation.pole.Pole`, the
interactions in :mod:`~ptce_sim.simulation.mechanisms`; each sees the model only through
:class:`~ptce_sim.simulation.interface.Context`. What is recorded is the
:class:`~ptce_sim.simulation.recorder.Recorder`'s.

Randomness comes from ``self.rng`` alone (Mesa's seeded ``numpy.random.Generator``), which only
spawns, once at set-up and in a fixed order, one stream per concern (``self.streams``, see
:class:`~ptce_sim.simulation.streams.Streams`): the set-up, the economy, the demography, the
labour market, and each mechanism of the pole. Every rule draws from its own mechanism's stream,
so switching a mechanism off leaves the other streams' draws unchanged until its first effect.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.agentset import AgentSet

from ptce_sim.config.scenario import EventSpec, Scenario
from ptce_sim.simulation import events
from ptce_sim.simulation.accounts import Ledger
from ptce_sim.simulation.agents.firms import FirmTable
from ptce_sim.simulation.agents.persons import EMPLOYED, PersonTable
from ptce_sim.simulation.build import build_territory
from ptce_sim.simulation.mechanisms import commuting
from ptce_sim.simulation.mechanisms.circles import Circles
from ptce_sim.simulation.mechanisms.cooperation import CooperationNetwork
from ptce_sim.simulation.mechanisms.deliberation import Deliberation
from ptce_sim.simulation.mechanisms.demography import Demography
from ptce_sim.simulation.mechanisms.economy import Economy
from ptce_sim.simulation.mechanisms.firm_accounts import FirmAccounts
from ptce_sim.simulation.mechanisms.funding import Authority, Funding
from ptce_sim.simulation.mechanisms.gpec import SkillsPlanning
from ptce_sim.simulation.mechanisms.housing import Housing
from ptce_sim.simulation.mechanisms.labour_market import LabourMarket
from ptce_sim.simulation.mechanisms.legal_forms import LegalForms
from ptce_sim.simulation.mechanisms.markets import Markets
from ptce_sim.simulation.mechanisms.plie import Plie
from ptce_sim.simulation.mechanisms.site import SharedSite
from ptce_sim.simulation.mechanisms.training import TrainingMechanism
from ptce_sim.simulation.mechanisms.treasury import Treasury
from ptce_sim.simulation.organisations import Organisations, StaffCounts
from ptce_sim.simulation.pole import Pole
from ptce_sim.simulation.recorder import Recorder
from ptce_sim.simulation.streams import Streams

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class PtceModel(mesa.Model):
    """A territory, its labour force, firms, ESS structures, authorities and their cooperation.

    Args:
        scenario: the validated scenario (see :func:`ptce_sim.config.scenario_io.load_scenario`).
        seed: seed of the model's random generator.

    Attributes:
        spec: the scenario in force (policy events and levers replace it).
        input_spec: the scenario as given.
        held: parameters a user set with ``hold=True``: the timeline leaves them alone.
        people, firms, orgs, staff, authorities, pole: the territory's state (see
            :class:`~ptce_sim.simulation.interface.Context`).
        recorder: what is recorded each month and year; ``tally``: the year's flows.
        events_applied: (month, type, note) of every event applied, failures included.
        shocks: (label, kind, month) of every shock applied so far.
    """

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(rng=seed)
        # One stream per concern, spawned once: two runs with the same seed and one mechanism off
        # (a counterfactual, a dashboard fork) draw the same numbers for everything else until
        # that mechanism first changes the shared state (common random numbers).
        self.streams = Streams.spawn(self.rng)
        self.spec = scenario
        self.input_spec = scenario
        self.held: dict[str, events.Lever] = {}
        self.seed = seed
        self.scale = scenario.run.scale
        self.month_index = 0
        self.hours_per_month = scenario.finance.hours_per_fte_year / 12.0
        self.ledger = Ledger()
        self.people = PersonTable()
        self.firms = FirmTable()
        self.orgs = Organisations(self.firms)
        self.staff = StaffCounts()
        self.authorities: list[Authority] = []
        self.pole = Pole(self)
        self.recorder = Recorder()
        self.tally = self.recorder.tally
        self.events_applied: list[tuple[int, str, str]] = []
        self.shocks: list[tuple[str, str, int]] = []
        self.timeline = events.Timeline(scenario)
        self.demography = Demography(self)
        self.labour = LabourMarket(self)
        self.economy = Economy(self)
        self.markets = Markets(self)
        self.firm_accounts = FirmAccounts(self)
        self.funding = Funding(self)
        self.training = TrainingMechanism(self)
        self.treasury = Treasury(self)
        self.network = CooperationNetwork(self)
        self.deliberation = Deliberation(self)
        self.legal_forms = LegalForms(self)
        self.site = SharedSite(self)
        self.housing = Housing(self)
        self.gpec = SkillsPlanning(self)
        self.plie = Plie(self)
        self.circles = Circles(self)
        build_territory(self)
        self.running = True

    # -- the month ------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance the territory by one month, phase by phase."""
        if self.month_index >= self.spec.months:
            self.running = False
            return
        self.streams.new_month(self.month_index)
        self.legal_forms.open_decided()  # the new activities decided at the year's close
        AgentSet(self.authorities, random=self.random).do("start_month")  # budgets
        for event in self.timeline.due(self.month_index):  # 1. the timeline's events
            self.apply_event(event)
        self.demography.age_and_renew()  # 2. ageing, retirements, newcomers
        self.housing.step()  # young people's housing, the FJT
        self.economy.update_demand()  # 3. demand, firms' labour demand, exits, entries
        self.labour.firm_separations()  # 4. quits and lay-offs
        self._recount()
        self.pole.end_contracts()  # 5. fixed-term contracts end, then courses
        self.training.step()
        self._recount()
        openings = self.labour.firm_openings()  # 6. openings, internalisation, matching
        openings += self.pole.plan()
        self.pole.hired(self.labour.match(openings))
        self.pole.assign_hosts()  # 7. hosts for new GE and GEIQ workers
        self._recount()
        self.site.settle()  # 8. the shared site's rents and loan
        self.pole.settle()  # accounts (members pay the GE/GEIQ), the treasury, failures
        self.markets.close_month()
        self.firm_accounts.settle()  # firms' accounts; firms broke for too long close
        commuting.send_wages_home(self)
        self.network.cooperate()  # 9. trust, members, requests, the charter
        self.demography.drift()  # 10. long-term unemployment, discouragement, drift
        self.recorder.record_month(self)  # 11. the month's records; the year's in December
        self.month_index += 1
        if self.month_of_year == 1:
            self._close_year()
        if self.month_index >= self.spec.months:
            self.running = False

    def _recount(self) -> None:
        """Count every organisation's staff: later phases read these counts (``model.staff``)."""
        self.staff.recount(self.people, len(self.orgs))

    def _close_year(self) -> None:
        self.recorder.close_year(self)
        self.treasury.new_year()
        self.plie.new_year()
        self.markets.new_year()
        self.legal_forms.close_year()
        self.legal_forms.new_activities()  # the structures' colleges decide, on the year's accounts
        self.site.new_year()
        self.housing.new_year()
        for structure in self.pole.structures:
            structure.year.reset()

    def run(self) -> None:
        """Run to the scenario's end."""
        while self.running:
            self.step()

    # -- events and levers ----------------------------------------------------------------------

    def apply_event(self, event: EventSpec) -> None:
        """Apply an event now (from the timeline, or live from the dashboard or a script)."""
        events.apply_event(self, event)

    def set_parameter(self, path: str, value: events.Lever, *, hold: bool = False) -> None:
        """Change a mechanism parameter from now on (see :func:`events.set_parameter`)."""
        events.set_parameter(self, path, value, hold=hold)

    def set_funding_level(self, item: str, level: float) -> None:
        """Scale every authority's ``item`` (see :func:`events.set_funding_level`)."""
        events.set_funding_level(self, item, level)

    # -- time and small queries -----------------------------------------------------------------

    @property
    def year(self) -> int:
        """Calendar year of the current month."""
        return self.spec.run.start_year + self.month_index // 12

    @property
    def month_of_year(self) -> int:
        """Calendar month (1-12) of the current month."""
        return self.month_index % 12 + 1

    @property
    def date_label(self) -> str:
        """The current month, e.g. "March 1987"."""
        return f"{MONTH_NAMES[self.month_of_year - 1]} {self.year}"

    @property
    def cooperation_on(self) -> bool:
        """Whether the cooperation network (trust, charter, PLIE, requests) works."""
        return self.spec.mechanisms.cooperation.enabled

    @property
    def employed(self) -> int:
        """Residents in a job (the territory's employed population).

        In-commuters are left out: they spend their wages where they live.
        """
        return int(self.people.resident_counts()[EMPLOYED].sum())

    @property
    def structures(self) -> list:
        """Every ESS structure ever opened (see :attr:`Pole.structures`)."""
        return self.pole.structures

    def stochastic_round(self, x, rng: np.random.Generator):
        """Round down or up at random, keeping the expectation (scalar or array).

        ``rng`` is the caller's stream, so that each mechanism's roundings stay in its own stream.
        """
        x = np.asarray(x, dtype=np.float64)
        floor = np.floor(x)
        rounded = floor + (rng.random(x.shape) < (x - floor))
        return int(rounded) if rounded.ndim == 0 else rounded.astype(np.int64)
