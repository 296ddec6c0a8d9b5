"""The model's random streams: one per concern, spawned once from the seeded generator.

Every draw of a rule comes from the stream of the mechanism it serves, never from the model's
generator itself (Mesa's ``model.rng``, which only spawns them). Switching a mechanism off then
removes its draws from its own stream and leaves every other stream's sequence untouched: two runs
with the same seed, one mechanism off (a counterfactual, a dashboard fork), draw the same numbers
for everything else until the mechanism's first effect on the shared state (a post, a hire, a
member). These are the common random numbers that keep paired comparisons sharp.

The streams are spawned in the order of the fields of :class:`Streams`; a child's seed depends on
its rank only, so a new stream goes at the end and leaves the others as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class Streams:
    """One ``numpy.random.Generator`` per concern.

    Attributes:
        territory: the set-up: persons' attributes, their placement in firms, the territory's
            other ESS structures. First, as before streams had names, so the initial persons keep
            their draws.
        economy: sectors' cycle phases, firms' noise, exits, entries and sizes, and every new
            firm's own draws (incubated firms' too). Second, for the same reason.
        demography: newcomers (how many, age, skill, employability), discouragement, re-entry.
        labour_market: quits and lay-offs (classic firms', and structures shedding staff),
            rounding of firms' vacancies, the matching of every opening (all mechanisms' posts meet
            in one market, so a mechanism's posts are its effect on this stream).
        shared_employment: employer groups (GE): firms joining, hosts of GE workers,
            internalisation of a GE worker by the host.
        geiq: GEIQ: firms joining, trainees wanted (rounding), hosts, hiring at contract end.
        training: the training centre: seekers asking for a course, seats, the course's sector.
        incubation: the CAE: projects brought, tests that succeed, activities that become an ESS
            structure, sectors of the micro firms created.
        cooperation: the cooperation network: the PLIE's caseload, other ESS structures joining,
            members' project requests to the animator.
        funding: calls for projects won with a chance (issue 11, item 1); unused today, spawned now
            so that the rule needs no new rank.
    """

    territory: np.random.Generator
    economy: np.random.Generator
    demography: np.random.Generator
    labour_market: np.random.Generator
    shared_employment: np.random.Generator
    geiq: np.random.Generator
    training: np.random.Generator
    incubation: np.random.Generator
    cooperation: np.random.Generator
    funding: np.random.Generator

    @classmethod
    def spawn(cls, rng: np.random.Generator) -> Streams:
        """The streams spawned from ``rng`` (the model's seeded generator), in the fields' order."""
        names = [field.name for field in fields(cls)]
        return cls(**dict(zip(names, rng.spawn(len(names)), strict=True)))
