"""Experiment files and parameter overrides (no simulation run here).

* parameter paths: names, indices and ``[*]`` in lists, ``set`` and ``multiply``, whole numbers,
  mechanism overrides that hold for the whole run;
* :func:`narrow_years`: the timeline trimmed to the new years, still a valid scenario;
* the shipped experiment files load, with the expected numbers of design points;
* seeds from the master seed: reproducible, common across design points or independent;
* every validation problem is ONE message naming the file, the field and the expectation, and
  through the command line one ``ptce-sim: error:`` line with exit status 2.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ptce_sim.config.overrides import (
    Override,
    PathError,
    apply_overrides,
    narrow_years,
    parse_path,
    trim_timeline,
)
from ptce_sim.config.scenario import Scenario
from ptce_sim.config.scenario_io import ScenarioError, load_scenario
from ptce_sim.interfaces.cli import main
from ptce_sim.studies.experiment import (
    Experiment,
    load_experiment,
    parse_outcome,
    run_seed,
)

ROOT = Path(__file__).resolve().parents[1]
SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))


@pytest.fixture(scope="module")
def seignanx() -> Scenario:
    """The shipped Seignanx scenario."""
    return load_scenario(SEIGNANX)


# --------------------------------------------------------------------------------------------
# Paths and overrides
# --------------------------------------------------------------------------------------------


def test_parse_path_keeps_names_with_spaces_and_dots() -> None:
    """Selectors keep item names whole, spaces and dots included."""
    segments = parse_path("authorities[Commune of St. Martin].budget_eur_per_year")
    assert [(s.key, s.selector) for s in segments] == [
        ("authorities", "Commune of St. Martin"),
        ("budget_eur_per_year", None),
    ]
    assert [str(s) for s in parse_path("events[3].depth")] == ["events[3]", "depth"]


@pytest.mark.parametrize("path", ["", "a..b", "a.", ".a", "a[]", "a[1]b", "1a"])
def test_malformed_paths_are_refused(path: str) -> None:
    """A malformed path is a PathError."""
    with pytest.raises(PathError):
        parse_path(path)


def test_override_by_name_index_and_wildcard(seignanx: Scenario) -> None:
    """Items are addressed by name, by index or all at once; others stay untouched."""
    changed = apply_overrides(
        seignanx,
        [
            Override("authorities[State].aid_per_insertion_post_eur_per_year", 5000.0),
            Override("sectors[*].cycle_amplitude", 0.01),
            Override("sectors[0].trend_per_year", 0.005),
            Override("territory.age_shares.young", 0.22),
        ],
    )
    state = next(a for a in changed.authorities if a.name == "State")
    assert state.aid_per_insertion_post_eur_per_year == 5000.0
    others = [a for a in changed.authorities if a.name != "State"]
    before = {a.name: a for a in seignanx.authorities}
    for authority in others:  # the other funders are untouched
        assert authority == before[authority.name]
    assert {s.cycle_amplitude for s in changed.sectors} == {0.01}
    assert changed.sectors[0].trend_per_year == 0.005
    assert changed.sectors[1].trend_per_year == seignanx.sectors[1].trend_per_year


def test_an_event_is_named_by_the_structure_it_creates(seignanx: Scenario) -> None:
    """``events[GEIQ BTP]`` picks the event creating GEIQ BTP, wherever it is in the timeline.

    The same change as by its index, and still the same event after an earlier one is added.
    """
    index = next(
        i
        for i, e in enumerate(seignanx.events)
        if e.type == "create_structure" and e.structure.name == "GEIQ BTP"
    )
    field = "structure.staff_per_output"
    by_name = apply_overrides(seignanx, [Override(f"events[GEIQ BTP].{field}", 0.3)])
    by_index = apply_overrides(seignanx, [Override(f"events[{index}].{field}", 0.3)])
    assert by_name == by_index
    assert by_name.events[index].structure.staff_per_output == 0.3
    events = seignanx.events
    assert events[1].type == "sector_shock" and index > 1
    earlier = seignanx.model_copy(update={"events": [*events[:2], events[1], *events[2:]]})
    shifted = apply_overrides(earlier, [Override(f"events[GEIQ BTP].{field}", 0.3)])
    assert shifted.events[index + 1].structure.staff_per_output == 0.3
    assert shifted.events[index + 1].structure.name == "GEIQ BTP"


def test_multiply_scales_every_item_keeping_their_differences(seignanx: Scenario) -> None:
    """'multiply' scales each authority's own amount."""
    changed = apply_overrides(
        seignanx, [Override("authorities[*].animation_grant_eur_per_year", 1.5, "multiply")]
    )
    for old, new in zip(seignanx.authorities, changed.authorities, strict=True):
        assert new.animation_grant_eur_per_year == pytest.approx(
            1.5 * old.animation_grant_eur_per_year
        )
        assert new.budget_eur_per_year == old.budget_eur_per_year


def test_whole_numbers_stay_whole(seignanx: Scenario) -> None:
    """Counts stay whole numbers when multiplied or sampled; a fraction set by hand is refused."""
    changed = apply_overrides(seignanx, [Override("other_ess.count", 1.33, "multiply")])
    assert changed.other_ess.count == round(1.33 * seignanx.other_ess.count)
    sampled = apply_overrides(
        seignanx,
        [Override("mechanisms.cooperation.requests_per_launch", 7.6, round_int=True)],
    )
    assert sampled.mechanisms.cooperation.requests_per_launch == 8
    with pytest.raises(ScenarioError, match="requests_per_launch"):
        apply_overrides(seignanx, [Override("mechanisms.cooperation.requests_per_launch", 7.6)])


def test_mechanism_override_holds_for_the_whole_run(seignanx: Scenario) -> None:
    """A mechanism override removes later policy sets of it, unless keep_timeline."""

    def later_sets(scenario: Scenario) -> list[object]:
        return [
            e.set["cooperation.plie"]
            for e in scenario.events
            if e.type == "policy" and "cooperation.plie" in e.set
        ]

    assert later_sets(seignanx), "the shipped scenario switches the PLIE on by a policy event"
    held = apply_overrides(seignanx, [Override("mechanisms.cooperation.plie", False)])
    assert held.mechanisms.cooperation.plie is False
    assert later_sets(held) == []
    assert len(held.events) < len(seignanx.events)  # the policy had nothing else to do
    kept = apply_overrides(
        seignanx,
        [Override("mechanisms.cooperation.plie", False, keep_timeline=True)],
    )
    assert later_sets(kept) == later_sets(seignanx)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("authorities[Nobody].budget_eur_per_year", "no item named 'Nobody'"),
        ("authorities.budget_eur_per_year", "add a selector"),
        (
            "mechanisms.cooperation.trust_gian",
            "unknown parameter 'mechanisms.cooperation.trust_gian'",
        ),
        ("mechanisms.cooperation", "names a table"),
        ("events[999].depth", "out of range"),
        ("territory.labour_force[0]", "not a list of tables"),
        ("events[Crisis].depth", "no item named 'Crisis' in 'events'; expected one of 'SCIC PERF'"),
    ],
)
def test_bad_paths_are_explained(seignanx: Scenario, path: str, message: str) -> None:
    """Each kind of bad path gets its own explanation."""
    with pytest.raises(ScenarioError, match=re.escape(message)):
        apply_overrides(seignanx, [Override(path, 1.0)])


def test_a_name_among_unnamed_items_is_explained(seignanx: Scenario) -> None:
    """A timeline of shocks only (no event creates a structure) has no names to select by."""
    shocks = [e for e in seignanx.events if e.type in ("sector_shock", "plant_closure")]
    timeline = seignanx.model_copy(update={"events": shocks})
    with pytest.raises(ScenarioError, match="have no name; select them by index"):
        apply_overrides(timeline, [Override("events[Crisis].depth", 0.1)])


def test_a_value_the_scenario_refuses_names_its_field(seignanx: Scenario) -> None:
    """A value out of the parameter's range names the field and the bound."""
    with pytest.raises(ScenarioError, match=r"mechanisms\.cooperation\.trust_gain.*<= 1"):
        apply_overrides(seignanx, [Override("mechanisms.cooperation.trust_gain", 1.5)])


# --------------------------------------------------------------------------------------------
# Narrowing the years
# --------------------------------------------------------------------------------------------


def test_narrow_years_trims_the_timeline(seignanx: Scenario) -> None:
    """Narrowed years: structures moved to the start, past shocks dropped, policies folded."""
    narrow = narrow_years(seignanx, 1995, 2005)
    assert (narrow.run.start_year, narrow.run.end_year) == (1995, 2005)
    assert all(1995 <= e.year <= 2005 for e in narrow.events)
    created = [e.structure.name for e in narrow.events if e.type == "create_structure"]
    before = [
        e.structure.name for e in seignanx.events if e.type == "create_structure" and e.year <= 2005
    ]
    assert created == before  # structures created before 1995 exist from the start
    moved = [e for e in narrow.events if e.type == "create_structure" and e.year == 1995]
    assert all(e.month == 1 for e in moved)
    assert not any(
        e.type in ("sector_shock", "plant_closure") and e.year < 1995 for e in narrow.events
    )
    later = narrow_years(seignanx, 2008, 2012)
    assert later.mechanisms.treasury.enabled  # the 2006 policy is folded into the mechanisms
    assert any(e.type == "sector_shock" for e in later.events)  # the 2008 crisis stays


def test_trim_folds_budget_cuts_and_moves_pole_formalisation(seignanx: Scenario) -> None:
    """Past budget cuts are folded into the amounts; pole formalisation moves to the start."""
    data = seignanx.model_dump(mode="json")
    data["events"].append(
        {
            "date": "1990-03",
            "type": "budget_cut",
            "authority": "State",
            "share": 0.25,
            "items": ["budget", "insertion_aid"],
            "note": "",
        }
    )
    data["events"].append(
        {
            "date": "1991-01",
            "type": "policy",
            "formalise_pole": True,
            "set": {"training.enabled": False},
            "create_solidarity_fund": False,
            "note": "",
        }
    )
    data["run"]["start_year"] = 2000
    trimmed = Scenario.model_validate(trim_timeline(data))
    state = next(a for a in trimmed.authorities if a.name == "State")
    original = next(a for a in seignanx.authorities if a.name == "State")
    assert state.budget_eur_per_year == pytest.approx(0.75 * original.budget_eur_per_year)
    assert state.aid_per_insertion_post_eur_per_year == pytest.approx(
        0.75 * original.aid_per_insertion_post_eur_per_year
    )
    assert state.animation_grant_eur_per_year == original.animation_grant_eur_per_year
    assert not trimmed.mechanisms.training.enabled
    formalised = [e for e in trimmed.events if e.type == "policy" and e.formalise_pole]
    assert formalised and formalised[0].date == "2000-01"


# --------------------------------------------------------------------------------------------
# Shipped experiments, designs and seeds
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[p.stem for p in EXPERIMENTS])
def test_shipped_experiments_load(path: Path) -> None:
    """Every shipped experiment file loads."""
    experiment = load_experiment(path)
    assert experiment.points()
    assert experiment.replicates >= 1


def test_shipped_experiment_designs() -> None:
    """The shipped experiments have the designs the issue asks for."""
    names = {p.stem for p in EXPERIMENTS}
    assert {
        "seignanx_replicates",
        "funding_sweep",
        "cooperation_sobol",
        "seignanx_pole_vs_none",
    } <= names
    sweep = load_experiment(ROOT / "experiments" / "funding_sweep.toml")
    assert len(sweep.points()) == 25
    assert {p.path for p in sweep.design.parameters} == {
        "authorities[*].animation_grant_eur_per_year",
        "authorities[*].aid_per_insertion_post_eur_per_year",
    }
    sobol = load_experiment(ROOT / "experiments" / "cooperation_sobol.toml")
    d = len(sobol.design.parameters)
    assert len(sobol.points()) == sobol.design.samples * (d + 2)
    assert all(  # the cooperation network's parameters and the charter's commitment (circles)
        p.path.startswith(("mechanisms.cooperation.", "mechanisms.circles."))
        for p in sobol.design.parameters
    )
    versus = load_experiment(ROOT / "experiments" / "seignanx_pole_vs_none.toml")
    with_pole, without = versus.scenarios["with_pole"], versus.scenarios["without_pole"]
    assert with_pole.mechanisms.cooperation.enabled
    sections = type(without.mechanisms).model_fields
    assert not any(getattr(without.mechanisms, m).enabled for m in sections)


def test_design_points_follow_the_design(tmp_path: Path) -> None:
    """Factorial, Morris and Latin hypercube designs give the expected, reproducible points."""

    def experiment(design: str) -> Experiment:
        return load_experiment(write(tmp_path, "x.toml", BASE + design))

    factorial = experiment(FACTORIAL)
    assert [p.params for p in factorial.points()] == [
        {"grant": a, "mechanisms.cooperation.trust_gain": b}
        for a in (0.5, 2.0)
        for b in (0.02, 0.04, 0.08)
    ]
    morris = experiment(MORRIS)
    assert len(morris.points()) == 5 * (2 + 1)
    lhs = experiment(MORRIS.replace('"morris"', '"latin_hypercube"'))
    values = [p.params["mechanisms.cooperation.trust_gain"] for p in lhs.points()]
    assert len(values) == 5 and all(0.02 <= v <= 0.08 for v in values)
    assert [p.params for p in lhs.points()] == [
        p.params for p in experiment(MORRIS.replace('"morris"', '"latin_hypercube"')).points()
    ]  # reproducible


def test_seeds_derive_from_the_master_seed(tmp_path: Path) -> None:
    """Seeds: common across points by default, independent on request, all from the master seed."""
    common = load_experiment(write(tmp_path, "c.toml", BASE + FACTORIAL))
    seeds = [[common.seed(p, r) for r in range(4)] for p in range(3)]
    assert seeds[0] == seeds[1] == seeds[2]  # common random numbers across points
    assert len(set(seeds[0])) == 4
    assert seeds[0][2] == run_seed(11, 2)
    independent = load_experiment(
        write(
            tmp_path,
            "i.toml",
            BASE.replace('seeds = "common"', 'seeds = "independent"') + FACTORIAL,
        )
    )
    other = [[independent.seed(p, r) for r in range(4)] for p in range(3)]
    assert len({s for row in other for s in row}) == 12
    assert all(0 <= s < 2**63 for row in other for s in row)


def test_options_change_the_digest(tmp_path: Path) -> None:
    """The digest (resume check) follows the options that change the runs."""
    experiment = load_experiment(write(tmp_path, "c.toml", BASE + FACTORIAL))
    assert experiment.digest() == load_experiment(tmp_path / "c.toml").digest()
    assert experiment.with_options(replicates=7).digest() != experiment.digest()
    scaled = experiment.with_options(scale=0.1)
    assert scaled.digest() != experiment.digest()
    assert all(s.run.scale == 0.1 for s in scaled.scenarios.values())


def test_outcomes() -> None:
    """Outcome texts: last year by default, a year, or an aggregate; bad ones refused."""
    assert parse_outcome("employed").aggregate == "last"
    assert parse_outcome("employed@2010").year == 2010
    assert parse_outcome("ess_jobs:mean").aggregate == "mean"
    assert parse_outcome("x:sum").of([2000, 2001], [1, 2]) == 3
    assert parse_outcome("x@2001").of([2000, 2001], [1, 2]) == 2
    for bad in ("employed:median", "employed@20", "", "2x"):
        with pytest.raises(ValueError):
            parse_outcome(bad)


# --------------------------------------------------------------------------------------------
# Validation errors
# --------------------------------------------------------------------------------------------

BASE = f"""
[experiment]
name = "x"
replicates = 2
master_seed = 11
seeds = "common"
start_year = 1995
end_year = 2000
scale = 0.05

[[scenarios]]
name = "seignanx"
file = "{SEIGNANX.as_posix()}"
"""

FACTORIAL = """
[design]
type = "factorial"

[[design.parameters]]
name = "grant"
path = "authorities[*].animation_grant_eur_per_year"
op = "multiply"
values = [0.5, 2.0]

[[design.parameters]]
path = "mechanisms.cooperation.trust_gain"
values = [0.02, 0.04, 0.08]
"""

MORRIS = """
[design]
type = "morris"
samples = 5

[[design.parameters]]
path = "mechanisms.cooperation.trust_gain"
bounds = [0.02, 0.08]

[[design.parameters]]
path = "territory.activity_rate"
bounds = [0.4, 0.5]
"""


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name``; returns the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BAD = {
    "unknown key": (
        BASE.replace("replicates = 2", "replicates = 2\nreplicats = 3") + FACTORIAL,
        "experiment.replicats",
        "unknown key",
    ),
    "bad design name": (
        BASE + FACTORIAL.replace('"factorial"', '"sobolx"'),
        "design.type",
        "'factorial'",
    ),
    "negative replicates": (
        BASE.replace("replicates = 2", "replicates = -3") + FACTORIAL,
        "experiment.replicates",
        ">= 1",
    ),
    "unknown parameter path": (
        BASE + FACTORIAL.replace("trust_gain", "trust_gian"),
        "design.parameters[1].path",
        "unknown parameter 'mechanisms.cooperation.trust_gian'",
    ),
    "bounds reversed": (
        BASE + MORRIS.replace("[0.02, 0.08]", "[0.08, 0.02]"),
        "design.parameters[0].bounds",
        "reversed",
    ),
    "value out of the parameter's range": (
        BASE + MORRIS.replace("[0.02, 0.08]", "[0.02, 1.5]"),
        "design.parameters[0].bounds",
        "<= 1",
    ),
    "values in a sampled design": (
        BASE + MORRIS.replace("bounds = [0.02, 0.08]", "values = [0.02, 0.08]"),
        "design.parameters[0].bounds",
        "needs bounds",
    ),
    "sobol samples not a power of 2": (
        BASE + MORRIS.replace('"morris"', '"sobol"').replace("samples = 5", "samples = 24"),
        "design.samples",
        "power of 2",
    ),
    "missing scenario file": (
        BASE.replace(SEIGNANX.as_posix(), "nowhere.toml") + FACTORIAL,
        "scenarios[0].file",
        "not found",
    ),
    "unknown kept indicator": (
        BASE.replace("scale = 0.05", 'scale = 0.05\nkeep = ["employed", "happiness"]') + FACTORIAL,
        "experiment.keep",
        "unknown indicator 'happiness'",
    ),
    "years reversed": (
        BASE.replace("end_year = 2000", "end_year = 1990") + FACTORIAL,
        "experiment.end_year",
        "before start_year",
    ),
    "no scenario": (
        BASE.split("[[scenarios]]")[0] + FACTORIAL,
        "scenarios",
        "required",
    ),
    "unknown outcome": (
        BASE + MORRIS + '\n[sensitivity]\noutcomes = ["employed:median"]\n',
        "sensitivity.outcomes[0]",
        "unknown aggregate",
    ),
    "a bad fixed override": (
        BASE + 'set = { "firms.hiring_speed" = "fast" }\n' + FACTORIAL,
        "scenarios[0].set.firms.hiring_speed",
        "not accepted",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_validation_errors_are_one_clear_message(tmp_path: Path, case: str) -> None:
    """Each bad experiment file: one line naming the file, the field and the expectation."""
    text, field, expectation = BAD[case]
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    assert f"'{field}" in message, message
    assert expectation in message, message


@pytest.mark.parametrize("case", ["unknown key", "negative replicates", "bounds reversed"])
def test_cli_reports_a_bad_experiment_on_one_line(tmp_path: Path, capsys, case: str) -> None:
    """Through the CLI: exit 2, one 'ptce-sim: error:' line, nothing written."""
    text, field, _ = BAD[case]
    path = write(tmp_path, "bad.toml", text)
    code = main(["batch", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ptce-sim: error: "), err
    assert field in lines[0] and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # refused before anything is written
