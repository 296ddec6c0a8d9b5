"""Paired runs stay paired: one random stream per concern (``ptce_sim/simulation/streams.py``).

Two runs with the same seed, one of them with a mechanism switched off from the start, must draw
the same numbers for everything else until that mechanism first changes the shared state. Each
month of both runs, stepped side by side, the test compares every stream's generator state and a
digest of the shared state (every column of the persons' and the firms' tables). Before the
mechanism's first effect (its own, read off the run with the mechanism on: the CAE's first
projects on the labour market, the first firm joining a GEIQ), the shared state is the same in
both runs and so is every other stream; the mechanism's own stream has drawn meanwhile, in some
month before the effect for at least one seed, so that the comparison can tell the designs apart.

Verified to fail on the design before these streams (commit f829ef6, where the rules drew from
``model.rng`` itself): the same side-by-side comparison, run on that code (``git archive`` to a
temporary folder) with ``model.rng`` in place of the mechanism's stream, finds the persons' table
different from the very month the mechanism first draws (month 24 for the CAE, 12 for the GEIQ,
with each of the three seeds), before its first effect (the CAE's first projects in month 34 with
seed 0 and none by 2006 with seeds 1 and 2; the first GEIQ member in months 15 and 13 with seeds
1 and 2): the draws it made shifted every later draw of the matching. With the streams, the first
difference is the first effect, for every seed (CAE: month 38 with seed 1, 24 with seed 2, none
with seed 0; GEIQ: months 14, 16, 16), and the mechanism's stream first drew in month 24 (CAE)
and 12 (GEIQ).

Determinism (same seed, same tables) is ``tests/test_model.py::test_same_seed_same_tables``.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers import base_scenario, switched_off

from ptce_sim.config.overrides import narrow_years
from ptce_sim.config.scenario import StructureKind
from ptce_sim.simulation.agents.persons import NO_ORG
from ptce_sim.simulation.model import PtceModel
from ptce_sim.simulation.streams import Streams

SIMULATION = Path(__file__).resolve().parents[1] / "ptce_sim" / "simulation"
SEEDS = (0, 1, 2)


def shared_state(model: PtceModel) -> str:
    """Digest of every column of the persons' and the firms' tables."""
    digest = hashlib.sha256()
    for table in (model.people, model.firms):
        for name in type(table).columns:
            digest.update(np.ascontiguousarray(getattr(table, name)).tobytes())
    return digest.hexdigest()


def stream_states(model: PtceModel) -> dict[str, dict]:
    """Every stream's generator state, by name."""
    return {name: g.bit_generator.state for name, g in model.streams.generators().items()}


def cae_brings_projects(model: PtceModel) -> bool:
    """The CAE put project holders' posts (fixed-term tests) on the labour market this month."""
    return any(
        opening.contract_months > 0
        for s in model.pole.structures
        if s.kind == StructureKind.ACTIVITY_COOPERATIVE
        for opening in s.openings
    )


def a_firm_is_in_a_geiq(model: PtceModel) -> bool:
    """A firm has joined a GEIQ."""
    return bool((model.firms.geiq != NO_ORG).any())


CASES = {
    # the CAE opens in 2002 (month 24): it draws its intake every month, projects come later
    "incubation": (2000, 2006, cae_brings_projects),
    # GEIQ BTP opens in 1999 (month 12): firms draw whether they join every month
    "geiq": (1998, 2003, a_firm_is_in_a_geiq),
}


def paired_months(
    mechanism: str, seed: int, start: int, end: int, effect: Callable[[PtceModel], bool]
) -> tuple[int | None, int, list[tuple[bool, dict[str, bool]]]]:
    """Step a run and its twin without ``mechanism`` side by side, at scale 0.05.

    Returns:
        The month the mechanism's own stream first moved (``None``: never), the month of its
        first effect in the run with it (the run's length if none), and for each month before
        that effect whether the shared state and each other stream are the same in both runs.
    """
    scenario = narrow_years(base_scenario(0.05), start, end)
    on, off = PtceModel(scenario, seed=seed), PtceModel(switched_off(scenario, mechanism), seed)
    first_draw, months = None, []
    for month in range(scenario.months):
        on.step()
        off.step()
        fresh = on.streams.month_start(mechanism, month)
        if first_draw is None and stream_states(on)[mechanism] != fresh:
            first_draw = month
        if effect(on):
            return first_draw, month, months
        a, b = stream_states(on), stream_states(off)
        same = {name: a[name] == b[name] for name in a if name != mechanism}
        months.append((shared_state(on) == shared_state(off), same))
    return first_draw, scenario.months, months


@pytest.mark.parametrize("mechanism", list(CASES))
def test_a_mechanism_off_leaves_every_other_stream_alone_until_its_first_effect(mechanism):
    """Same shared state, same draws on every other stream, up to the mechanism's first effect."""
    start, end, effect = CASES[mechanism]
    drew_before_acting = False
    for seed in SEEDS:
        first_draw, first_effect, months = paired_months(mechanism, seed, start, end, effect)
        for month, (same_state, same_streams) in enumerate(months):
            assert same_state, f"seed {seed}: the shared state differs in month {month}"
            moved = [name for name, same in same_streams.items() if not same]
            assert not moved, f"seed {seed}: {moved} drew differently in month {month}"
        assert first_draw is not None, f"seed {seed}: {mechanism} never drew"
        drew_before_acting |= first_draw < first_effect
    # the mechanism drew in a month before its first effect: a shared generator would have moved
    assert drew_before_acting


def test_the_newcomers_are_the_same_with_or_without_the_pole():
    """The counterfactual without the pole draws the same newcomers while it has as many residents.

    The demography's draws depend on the residents' count (deaths, entrants, the census path),
    not on the pole. Out-migrants are chosen with the unemployed likelier, so the two arms may
    lose different persons; when one of them reaches the retirement age later in one arm only,
    that month's counts differ, and so do its draws. Each month restarts the stream: the months
    after are paired again.
    """
    scenario = narrow_years(base_scenario(0.05), 1995, 2005)
    on, off = PtceModel(scenario, seed=4), PtceModel(scenario.without_cooperation(), seed=4)
    paired_months = 0
    for _ in range(scenario.months):
        residents = on.people.residents(), off.people.residents()
        on.step()
        off.step()
        retired = on.demography.flows["retired"], off.demography.flows["retired"]
        if residents[0] == residents[1] and retired[0] == retired[1]:
            assert stream_states(on)["demography"] == stream_states(off)["demography"]
            paired_months += 1
    assert paired_months >= 0.8 * scenario.months
    assert shared_state(on) != shared_state(off)  # the pole did change the territory


def test_streams_are_spawned_in_a_fixed_order_from_the_seed():
    """Same seed, same streams, each its own sequence; the first two kept their ranks.

    The territory's and the economy's streams had ranks 0 and 1 before the others came: the
    initial persons' attributes and the firms' sizes kept their draws.
    """
    a, b = Streams.spawn(np.random.default_rng(7)), Streams.spawn(np.random.default_rng(7))
    first = {name: g.random(3).tolist() for name, g in a.generators().items()}
    assert first == {name: g.random(3).tolist() for name, g in b.generators().items()}
    assert len({tuple(v) for v in first.values()}) == len(first)
    territory, economy = np.random.default_rng(7).spawn(2)
    assert first["territory"] == territory.random(3).tolist()
    assert first["economy"] == economy.random(3).tolist()


def test_a_month_starts_its_draws_afresh_whatever_came_before():
    """One draw more in a month (a firm more, a post more) leaves the next month's draws alone.

    Every month has draws of its own; the set-up's stream is never restarted.
    """
    a, b = Streams.spawn(np.random.default_rng(7)), Streams.spawn(np.random.default_rng(7))
    for streams, extra in ((a, 0), (b, 1)):
        streams.new_month(3)
        streams.economy.random(5 + extra)
        streams.labour_market.random(extra)
        streams.new_month(4)
    assert a.economy.random(4).tolist() == b.economy.random(4).tolist()
    assert a.labour_market.random(4).tolist() == b.labour_market.random(4).tolist()
    a.new_month(5)
    may = a.economy.random(3).tolist()
    a.new_month(6)
    assert a.economy.random(3).tolist() != may
    a.new_month(5)
    assert a.economy.random(3).tolist() == may
    territory = np.random.default_rng(7).spawn(1)[0]
    assert a.territory.random(3).tolist() == territory.random(3).tolist()


# -- no rule draws from the model's generator ---------------------------------------------------


def rng_uses(source: str, name: str) -> list[str]:
    """Every ``<something>.rng`` in ``source`` (``name``: the file, for the message)."""
    return [
        f"{name}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(source, name))
        if isinstance(node, ast.Attribute) and node.attr == "rng"
    ]


def test_only_the_spawning_touches_the_model_generator():
    """``model.rng`` (Mesa's seeded generator) spawns the streams and is read nowhere else."""
    found = []
    for path in sorted(SIMULATION.rglob("*.py")):
        found += rng_uses(path.read_text(encoding="utf-8"), str(path.relative_to(SIMULATION)))
    assert [use.split(":")[0] + ":" + use.split(":")[2] for use in found] == ["model.py: self.rng"]
    source = (SIMULATION / "model.py").read_text(encoding="utf-8")
    assert "self.streams = Streams.spawn(self.rng)" in source


def test_the_scan_sees_a_draw_from_the_model_generator():
    """The scan above can fail: it finds ``model.rng`` however it is reached."""
    snippet = "def f(model):\n    rng = model.rng\n    return self.model.rng.random()\n"
    assert rng_uses(snippet, "rule.py") == ["rule.py:2: model.rng", "rule.py:3: self.model.rng"]
