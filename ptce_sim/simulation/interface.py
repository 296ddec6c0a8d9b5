"""What a rule may use: the model's interface to its agents and mechanisms.

Structures, authorities and mechanisms are typed against :class:`Context`, never against
:class:`~ptce_sim.simulation.model.PtceModel`: this is the whole of what a rule may read or call.
Everything else of the model (building the territory, the order of the month, the events, the
records) is the model's own business. A new rule that needs something not listed here adds it
here first, which keeps the list honest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from random import Random

    import numpy as np

    from ptce_sim.config.scenario import Scenario
    from ptce_sim.simulation.accounts import Ledger
    from ptce_sim.simulation.agents.firms import FirmTable
    from ptce_sim.simulation.agents.persons import PersonTable
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
    from ptce_sim.simulation.recorder import Tally
    from ptce_sim.simulation.streams import Streams


class Context(Protocol):
    """The model as its rules see it.

    Parameters and time:
        spec: the scenario in force (policy events and levers change it during a run).
        scale: agents per person of the territory (1: one agent per person).
        month_index: months since the start (0 is the first month).
        year, month_of_year: the calendar date of the current month.
        hours_per_month: working hours of one FTE in a month.
        cooperation_on: whether the cooperation network (trust, charter, PLIE, requests) works.

    Randomness (see :mod:`~ptce_sim.simulation.streams`):
        streams: one generator per concern (set-up, economy, demography, labour market, each
            mechanism), spawned once from Mesa's ``model.rng``; a rule draws from its own
            mechanism's stream only, never from ``model.rng`` (which is not part of this
            interface).
        random: Mesa's Python generator, handed to ``AgentSet``s; no rule draws from it.

    State:
        people: every person's state, one row each.
        firms: every classic firm's state, one row each.
        orgs: every organisation by id.
        staff: persons and FTE per organisation and status, as last counted.
        authorities: the funders.
        pole: the ESS structures and the actions on them.
        tally: the year's flows (jobs by mechanism, project requests, public money).
        ledger: the books: every euro moved between two named accounts.
        events_applied: (month, type, note) of every event so far, failures included.
        agent_id_counter: Mesa's counter of agent ids; persons take theirs from it.

    Mechanisms: ``demography``, ``economy``, ``markets``, ``firm_accounts``, ``labour``,
    ``training``, ``funding``, ``treasury``, ``network``, ``deliberation`` (the CBE's colleges),
    ``legal_forms`` (structures' legal forms, reserves and public members), ``site`` (the shared
    site), ``housing`` (young people's housing and the FJT), ``gpec`` (skills planning), ``plie``
    (the PLIE's accompaniment), ``circles`` (the pact, the charter, trust between pairs).
    """

    spec: Scenario
    scale: float
    month_index: int
    hours_per_month: float
    streams: Streams
    random: Random
    people: PersonTable
    firms: FirmTable
    orgs: Organisations
    staff: StaffCounts
    authorities: list[Authority]
    pole: Pole
    tally: Tally
    ledger: Ledger
    events_applied: list[tuple[int, str, str]]
    agent_id_counter: int
    demography: Demography
    economy: Economy
    markets: Markets
    firm_accounts: FirmAccounts
    labour: LabourMarket
    training: TrainingMechanism
    funding: Funding
    treasury: Treasury
    network: CooperationNetwork
    deliberation: Deliberation
    legal_forms: LegalForms
    site: SharedSite
    housing: Housing
    gpec: SkillsPlanning
    plie: Plie
    circles: Circles

    @property
    def year(self) -> int:
        """Calendar year of the current month."""
        ...

    @property
    def month_of_year(self) -> int:
        """Calendar month (1-12) of the current month."""
        ...

    @property
    def cooperation_on(self) -> bool:
        """Whether the cooperation network works."""
        ...

    @property
    def employed(self) -> int:
        """Residents in a job."""
        ...

    def stochastic_round(self, x: float | np.ndarray, rng: np.random.Generator) -> int | np.ndarray:
        """Round down or up at random with ``rng`` (the caller's own stream), keeping the mean."""
        ...
