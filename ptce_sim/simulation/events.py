"""Events and levers: what changes the territory from outside its rules.

:class:`Timeline` applies the scenario's dated events when their month comes; the same
:func:`apply_event` serves live events (the dashboard's shocks, a script's). Levers
(:func:`set_parameter`, :func:`set_funding_level`) change a mechanism's parameter or a funding
line from now on; a lever a user *holds* outranks the timeline's later policy events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptce_sim.config.scenario import (
    BudgetCutSpec,
    CreateStructureSpec,
    EventSpec,
    FjtSpec,
    FundingCallSpec,
    FundingLevelSpec,
    LegalFormChangeSpec,
    PlantClosureSpec,
    PolicySwitchSpec,
    Scenario,
    SectorShockSpec,
    SharedSiteSpec,
    check_mechanism_path,
)
from ptce_sim.simulation.mechanisms.funding import ITEMS

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel

Lever = bool | float | int | str
"""A parameter's value as a lever sets it."""


class Timeline:
    """The scenario's events not applied yet, in date order."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.pending = sorted(scenario.events, key=lambda e: scenario.month_index(e.year, e.month))

    def due(self, month_index: int) -> list[EventSpec]:
        """Take the events due by ``month_index`` (in date order)."""
        due = []
        while (
            self.pending
            and self.scenario.month_index(self.pending[0].year, self.pending[0].month)
            <= month_index
        ):
            due.append(self.pending.pop(0))
        return due


def apply_event(model: PtceModel, event: EventSpec) -> None:
    """Apply an event now (from the timeline, or live from the dashboard or a script)."""
    month = model.month_index
    match event:
        case CreateStructureSpec():
            model.pole.create(event.structure, event.founders)
        case SectorShockSpec():
            model.economy.start_shock(event)
            model.shocks.append((f"{', '.join(event.sectors)} downturn", "sector_shock", month))
        case PlantClosureSpec():
            model.economy.close_plants(event)
            model.shocks.append((f"{event.sector} plant closure", "plant_closure", month))
        case FundingCallSpec():
            model.funding.funding_call(event.authority, event.grant_eur)
        case BudgetCutSpec():
            authority = next(a for a in model.authorities if a.name == event.authority)
            authority.cut(event)
            model.shocks.append((f"{event.authority} budget cut", "budget_cut", month))
        case FundingLevelSpec():
            authority = next(a for a in model.authorities if a.name == event.authority)
            for item in event.items:
                authority.set_level(item, event.level)
        case PolicySwitchSpec():
            for path, value in event.set.items():
                if path not in model.held:  # a user's setting outranks the timeline
                    set_parameter(model, path, value)
            if event.create_solidarity_fund:
                model.treasury.create_fund()
            if event.formalise_pole:
                model.network.formalise()
        case LegalFormChangeSpec():
            model.legal_forms.change(event)
        case SharedSiteSpec():
            model.site.buy(event)  # nothing when no animator is open to buy it
        case FjtSpec():
            model.housing.open_fjt(event)
    model.events_applied.append((month, event.type, event.note or event.type))


def set_parameter(model: PtceModel, path: str, value: Lever, *, hold: bool = False) -> None:
    """Change a mechanism parameter (``"treasury.enabled"``) from now on.

    Args:
        model: the model.
        path: ``"<mechanism>.<field>"``.
        value: its new value.
        hold: keep it for the rest of the run: the timeline's policy events that would set
            the same parameter later leave it as it is (a trainer's lever, a live demo).

    Raises:
        ValueError: unknown parameter or a value it does not accept.
    """
    check_mechanism_path(model.spec.mechanisms, path, value, "set_parameter")
    if hold:
        model.held[path] = value
    section_name, _, field = path.partition(".")
    section = getattr(model.spec.mechanisms, section_name)
    mechanisms = model.spec.mechanisms.model_copy(
        update={section_name: type(section).model_validate({**section.model_dump(), field: value})}
    )
    model.spec = model.spec.model_copy(update={"mechanisms": mechanisms})


def set_funding_level(model: PtceModel, item: str, level: float) -> None:
    """Set every authority's ``item`` to ``level`` times the scenario's amount.

    ``item`` is one of ``budget``, ``animation_grant``, ``insertion_aid``, ``training_budget``,
    ``operating_grant``.

    Raises:
        ValueError: unknown item or a negative level.
    """
    if item not in ITEMS:
        raise ValueError(f"unknown funding item {item!r}; expected one of {list(ITEMS)}")
    if not level >= 0:
        raise ValueError(f"funding level must be >= 0, got {level}")
    for authority in model.authorities:
        authority.set_level(item, level)
