"""ESS structures: one class per kind, each with its own rule.

Every structure is a Mesa agent with cash, sales, public aid, member fees, costs and staff, and
fails when its cash stays below its overdraft for too long. Each month the model calls, in order:

1. :meth:`Structure.end_contracts` for its persons whose fixed-term contract ends this month;
2. :meth:`Structure.plan`, which sets the openings it brings to the labour market and sheds staff
   it cannot keep;
3. (the labour market fills openings, see :mod:`ptce_sim.simulation.mechanisms.labour_market`);
4. :meth:`Structure.settle`, its monthly accounts (sales, fees, aid, wages, overheads).

A structure's size is never set: it follows from its market, its members' needs, its funding and
its cash, under its kind's rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptce_sim.config.scenario import StructureKind, StructureSpec
from ptce_sim.simulation.agents.persons import NO_ORG
from ptce_sim.simulation.agents.structures.activity_cooperative import ActivityCooperative
from ptce_sim.simulation.agents.structures.animator import Animator
from ptce_sim.simulation.agents.structures.base import Openings, Structure, YearAccounts
from ptce_sim.simulation.agents.structures.employer_groups import EmployerGroup, Geiq
from ptce_sim.simulation.agents.structures.market import (
    EssEnterprise,
    IntegrationRestaurant,
    MarketStructure,
    WorkIntegrationEnterprise,
)
from ptce_sim.simulation.agents.structures.training_centre import TrainingCentre

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context


STRUCTURE_CLASSES: dict[StructureKind, type[Structure]] = {
    cls.kind: cls
    for cls in (
        EssEnterprise,
        WorkIntegrationEnterprise,
        IntegrationRestaurant,
        EmployerGroup,
        Geiq,
        ActivityCooperative,
        TrainingCentre,
        Animator,
    )
}
"""The class that implements each kind's rule."""


def make_structure(model: Context, spec: StructureSpec) -> Structure:
    """Create the structure of the right class for ``spec.kind``."""
    return STRUCTURE_CLASSES[spec.kind](model, spec)


__all__ = [
    "MarketStructure",
    "YearAccounts",
    "NO_ORG",
    "STRUCTURE_CLASSES",
    "ActivityCooperative",
    "Animator",
    "EmployerGroup",
    "EssEnterprise",
    "Geiq",
    "IntegrationRestaurant",
    "Openings",
    "Structure",
    "TrainingCentre",
    "WorkIntegrationEnterprise",
    "make_structure",
]
