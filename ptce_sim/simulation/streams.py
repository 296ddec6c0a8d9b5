"""The model's random streams: one per concern, spawned once from the seeded generator.

Every draw of a rule comes from the stream of the mechanism it serves, never from the model's
generator itself (Mesa's ``model.rng``, which only spawns them). Switching a mechanism off then
removes its draws from its own stream and leaves every other stream's sequence untouched: two runs
with the same seed, one mechanism off (a counterfactual, a dashboard fork), draw the same numbers
for everything else until the mechanism's first effect on the shared state (a post, a hire, a
member). These are the common random numbers that keep paired comparisons sharp.

Each month, every stream but the set-up's starts again from a state that depends on the month
only (:meth:`Streams.new_month`: its starting state advanced by ``month × 2**64`` draws, far
beyond what a month consumes). Without it, one extra draw in one month (a firm more to give a
noise to, a post more to match) would shift every later draw of that stream, and two paired runs
would soon draw unrelated numbers for the same firm or person. With it, a draw's value depends
on the month and its rank within the month: the persons and firms both runs share (same rows)
keep the same draws, month after month, whatever happened before.

The streams are spawned in the order of the fields of :class:`Streams`; a child's seed depends on
its rank only, so a new stream goes at the end and leaves the others as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

MONTH_STRIDE = 2**64
"""Draws between the starts of two months of a stream (PCG64's period is 2**128)."""
REKEYED = (
    "economy",
    "demography",
    "labour_market",
    "shared_employment",
    "geiq",
    "training",
    "incubation",
    "cooperation",
    "funding",
    "housing",
    "accompaniment",
)
"""The streams restarted each month: all but the set-up's, which draws before the first month."""


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
        funding: whether the animator's application to a call for projects wins.
        housing: which young newcomers have no housing of their own.
        accompaniment: the PLIE: who enters its caseload, drop-outs, who is sent to a course.
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
    housing: np.random.Generator
    accompaniment: np.random.Generator
    starts: dict[str, dict] = field(default_factory=dict, repr=False, compare=False)
    """Each restarted stream's state when spawned (filled in by :meth:`spawn`)."""

    def generators(self) -> dict[str, np.random.Generator]:
        """Every stream, by name, in spawning order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "starts"}

    def month_start(self, name: str, month: int) -> dict:
        """The state stream ``name`` starts ``month`` from (that of a stream that has not drawn)."""
        bit_generator = type(getattr(self, name).bit_generator)()
        bit_generator.state = self.starts[name]
        bit_generator.advance(month * MONTH_STRIDE)
        return bit_generator.state

    def new_month(self, month: int) -> None:
        """Restart every stream of :data:`REKEYED` at ``month``'s own starting point."""
        for name in REKEYED:
            bit_generator = getattr(self, name).bit_generator
            bit_generator.state = self.starts[name]
            bit_generator.advance(month * MONTH_STRIDE)

    @classmethod
    def spawn(cls, rng: np.random.Generator) -> Streams:
        """The streams spawned from ``rng`` (the model's seeded generator), in the fields' order."""
        names = [f.name for f in fields(cls) if f.name != "starts"]
        streams = cls(**dict(zip(names, rng.spawn(len(names)), strict=True)))  # type: ignore[arg-type]
        streams.starts.update(
            {name: getattr(streams, name).bit_generator.state for name in REKEYED}
        )
        return streams
