"""Tests of scenario loading: validation on load, one clear message per bad file, the Seignanx.

Every bad scenario must give ONE :class:`~ptce_sim.config.scenario_io.ScenarioError` whose one-line
message names the file, the field (``authorities[0].budget_eur_per_year``, ``events[3]``...) and
what was expected; never another exception. Bad files are modified copies of the shipped Seignanx
scenario (see ``conftest.write_scenario``), so each case differs from a valid file by one thing.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import RawToml

from ptce_sim.config.scenario import CreateStructureSpec, PolicySwitchSpec, Scenario
from ptce_sim.config.scenario_io import (
    ScenarioError,
    load_scenario,
    parse_scenario,
    scenario_digest,
    scenario_hash,
)

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def load_error(path: Path) -> str:
    """The message of the ScenarioError that loading ``path`` raises (any other outcome fails)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message, "the error message is empty"
    assert "\n" not in message.strip(), f"expected ONE line, got:\n{message}"
    assert "Traceback" not in message
    return message


def add_event(data: dict, event: dict) -> str:
    """Append ``event`` to the timeline; returns its field path (``events[i]``)."""
    data.setdefault("events", []).append(event)
    return f"events[{len(data['events']) - 1}]"


def years(data: dict) -> tuple[int, int]:
    """(start_year, end_year) of the run."""
    return data["run"]["start_year"], data["run"]["end_year"]


def mid_year(data: dict) -> int:
    """A year inside the run."""
    start, end = years(data)
    return (start + end) // 2


def plant_closure(data: dict, **fields: object) -> dict:
    """A valid plant-closure event (``fields`` replace its keys)."""
    return {
        "date": mid_year(data),
        "type": "plant_closure",
        "sector": data["sectors"][0]["name"],
        "jobs": 10,
        **fields,
    }


def structure_event(data: dict, name: str = "New structure", **structure: object) -> dict:
    """A valid create-structure event (``structure`` adds or replaces spec keys)."""
    return {
        "date": mid_year(data),
        "type": "create_structure",
        "structure": {"name": name, "kind": "work_integration", **structure},
    }


def set_field(*path: str | int, value: object) -> Callable[[dict], str]:
    """A change that sets ``data[path...] = value``; returns the dotted field path."""

    def change(data: dict) -> str:
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[path[-1]] = value
        text = ""
        for key in path:
            text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
        return text

    return change


def delete_field(*path: str | int) -> Callable[[dict], str]:
    """A change that deletes ``data[path...]``; returns the dotted field path."""

    def change(data: dict) -> str:
        node = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        return ".".join(str(k) for k in path)

    return change


def appended(make: Callable[[dict], dict], suffix: str = "") -> Callable[[dict], str]:
    """A change that appends the event ``make(data)``; returns ``events[i]`` + ``suffix``."""

    def change(data: dict) -> str:
        return add_event(data, make(data)) + suffix

    return change


# --------------------------------------------------------------------------------------------
# Bad scenarios: (change, phrases of what was expected)
# --------------------------------------------------------------------------------------------


def _job_shares_off(data: dict) -> str:
    data["sectors"][0]["job_share"] += 0.05
    return "sectors"


def _end_before_start(data: dict) -> str:
    data["run"]["end_year"] = data["run"]["start_year"] - 1
    return "run"


def _no_demography(data: dict) -> str:
    del data["territory"]["census"]
    return "territory.labour_force"


def _age_ranges_off(data: dict) -> str:
    data["territory"]["census"]["age_ranges"]["percent"]["0-14"][0] += 10.0
    return "territory.census.age_ranges.percent"


def _bad_age_range(data: dict) -> str:
    percent = data["territory"]["census"]["age_ranges"]["percent"]
    percent["old"] = percent.pop("75+")
    return "territory.census.age_ranges.percent.old"


def _age_shares_off(data: dict) -> str:
    data["territory"].setdefault("age_shares", {})["young"] = 0.5
    return "territory.age_shares"


def _duplicate_sector(data: dict) -> str:
    data["sectors"][1]["name"] = data["sectors"][0]["name"]
    return "sectors"


def _duplicate_authority(data: dict) -> str:
    data["authorities"][1]["name"] = data["authorities"][0]["name"]
    return "authorities"


def _created_twice(data: dict) -> str:
    first = next(e for e in data["events"] if e["type"] == "create_structure")
    return add_event(
        data, {**structure_event(data, first["structure"]["name"]), "date": years(data)[1]}
    )


def _authority(data: dict, level: str) -> int:
    """Index of the first authority of a level."""
    return next(i for i, a in enumerate(data["authorities"]) if a["level"] == level)


def _rules_over_budget(data: dict) -> str:
    i = _authority(data, "region")
    region = data["authorities"][i]
    region["training_budget_eur_per_year"] = region["budget_eur_per_year"] + 1.0
    return f"authorities[{i}].budget_eur_per_year"


def _call_before_funder_exists(data: dict) -> str:
    i = _authority(data, "intercommunality")
    data["authorities"][i]["active_from"] = "2001-07"
    call = {"date": "2001-03", "type": "funding_call", "authority": data["authorities"][i]["name"]}
    return add_event(data, {**call, "grant_eur": 1000.0}) + ".date"


def _cut_before_funder_exists(data: dict) -> str:
    i = _authority(data, "intercommunality")
    data["authorities"][i]["active_from"] = years(data)[1]
    cut = {"date": mid_year(data), "type": "budget_cut", "share": 0.5}
    return add_event(data, {**cut, "authority": data["authorities"][i]["name"]}) + ".date"


def _outside_after(data: dict) -> str:
    return add_event(data, plant_closure(data, date=years(data)[1] + 1))


def _outside_before(data: dict) -> str:
    return add_event(data, plant_closure(data, date=f"{years(data)[0] - 1}-12"))


# Problems found by one field's own type or bounds: the message is "<file>: field '<path>': ...".
FIELD_CASES = [
    # unknown keys
    pytest.param(set_field("bogus", value=1), ["unknown key"], id="unknown-key-top-level"),
    pytest.param(
        set_field("territory", "labor_force", value=6700),
        ["unknown key"],
        id="unknown-key-territory",
    ),
    pytest.param(
        set_field("mechanisms", "geiq", "hire_probability", value=0.5),
        ["unknown key"],
        id="unknown-key-mechanism",
    ),
    pytest.param(
        set_field("authorities", 0, "budget", value=1000),
        ["unknown key"],
        id="unknown-key-authority",
    ),
    pytest.param(
        appended(lambda d: plant_closure(d, workers=3), ".workers"),
        ["unknown key"],
        id="unknown-key-event",
    ),
    pytest.param(
        appended(lambda d: structure_event(d, cash=1000), ".structure.cash"),
        ["unknown key"],
        id="unknown-key-structure",
    ),
    # wrong types
    pytest.param(
        set_field("territory", "labour_force", value="many"),
        ["valid integer"],
        id="wrong-type-count",
    ),
    pytest.param(
        set_field("territory", "labour_force", value=6700.5),
        ["valid integer"],
        id="wrong-type-fractional-count",
    ),
    pytest.param(
        set_field("mechanisms", "geiq", "hire_base_probability", value="high"),
        ["valid number"],
        id="wrong-type-probability",
    ),
    pytest.param(
        set_field("mechanisms", "incubation", value=5),
        [("table", "dictionary")],
        id="wrong-type-section",
    ),
    pytest.param(set_field("sectors", 0, "name", value=5), ["valid string"], id="wrong-type-name"),
    pytest.param(
        set_field("labour_market", "unqualified_hire_factor", value=1.5),
        ["<= 1"],
        id="hire-factor-above-one",
    ),
    pytest.param(
        set_field("labour_market", "unqualified_hire_factor", value=-0.1),
        [">= 0"],
        id="hire-factor-negative",
    ),
    pytest.param(
        set_field("labour_market", "qualification_months", value=0),
        [">= 1"],
        id="qualification-months-zero",
    ),
    pytest.param(
        set_field("authorities", 0, "level", value="county"),
        ["commune", "region"],
        id="unknown-authority-level",
    ),
    pytest.param(
        appended(lambda d: structure_event(d, kind="bakery"), ".structure.kind"),
        ["work_integration", "geiq"],
        id="unknown-structure-kind",
    ),
    # negative counts and budgets
    pytest.param(
        set_field("territory", "labour_force", value=-5), [">= 0"], id="negative-labour-force"
    ),
    pytest.param(set_field("other_ess", "count", value=-1), [">= 0"], id="negative-count"),
    pytest.param(
        set_field("authorities", 0, "budget_eur_per_year", value=-1), [">= 0"], id="negative-budget"
    ),
    pytest.param(
        set_field("authorities", 0, "training_budget_eur_per_year", value=-100.0),
        [">= 0"],
        id="negative-training-budget",
    ),
    pytest.param(
        appended(
            lambda d: {
                "date": mid_year(d),
                "type": "funding_call",
                "authority": d["authorities"][0]["name"],
                "grant_eur": -1,
            },
            ".grant_eur",
        ),
        [">= 0"],
        id="negative-grant",
    ),
    pytest.param(
        appended(lambda d: structure_event(d, cash_eur=-1.0), ".structure.cash_eur"),
        [">= 0"],
        id="negative-structure-cash",
    ),
    pytest.param(
        appended(lambda d: structure_event(d, permanent_staff=-1), ".structure.permanent_staff"),
        [">= 0"],
        id="negative-structure-staff",
    ),
    # probabilities outside [0, 1]
    pytest.param(
        set_field("mechanisms", "geiq", "hire_base_probability", value=1.5),
        ["<= 1"],
        id="probability-above-one",
    ),
    pytest.param(
        set_field("mechanisms", "geiq", "hire_base_probability", value=-0.1),
        [">= 0"],
        id="probability-below-zero",
    ),
    pytest.param(
        set_field("territory", "initial_unemployment_rate", value=2.0),
        ["<= 1"],
        id="share-above-one",
    ),
    pytest.param(
        appended(
            lambda d: {
                "date": mid_year(d),
                "type": "sector_shock",
                "sectors": [d["sectors"][0]["name"]],
                "depth": 1.5,
            },
            ".depth",
        ),
        ["<= 1"],
        id="event-probability-above-one",
    ),
    # NaN and infinities (TOML allows nan and inf)
    pytest.param(
        set_field("mechanisms", "geiq", "hire_base_probability", value=math.nan),
        ["finite"],
        id="nan-probability",
    ),
    pytest.param(
        set_field("mechanisms", "geiq", "hire_base_probability", value=math.inf),
        ["finite"],
        id="inf-probability",
    ),
    pytest.param(
        set_field("authorities", 0, "budget_eur_per_year", value=math.inf),
        ["finite"],
        id="inf-budget",
    ),
    pytest.param(
        set_field("authorities", 0, "budget_eur_per_year", value=-math.inf),
        ["finite"],
        id="minus-inf-budget",
    ),
    pytest.param(
        set_field("territory", "labour_force", value=math.nan),
        [("finite", "integer")],
        id="nan-count",
    ),
    pytest.param(
        set_field("territory", "skill_sd", value=math.nan), ["finite"], id="nan-bounded-float"
    ),
    pytest.param(
        set_field("finance", "wage_cost_eur_per_fte_month", value=math.inf),
        ["finite"],
        id="inf-wage",
    ),
    pytest.param(set_field("run", "scale", value=math.inf), ["finite"], id="inf-scale"),
    pytest.param(
        set_field("territory", "census", "population", 1, value=math.nan),
        [("finite", "integer")],
        id="nan-census-population",
    ),
    pytest.param(
        appended(
            lambda d: {
                "date": mid_year(d),
                "type": "sector_shock",
                "sectors": [d["sectors"][0]["name"]],
                "depth": math.nan,
            },
            ".depth",
        ),
        ["finite"],
        id="nan-event-field",
    ),
    # dates that are not a year or "YYYY-MM"
    pytest.param(
        appended(lambda d: plant_closure(d, date="March 1998"), ".date"),
        ["YYYY-MM"],
        id="date-words",
    ),
    pytest.param(
        appended(lambda d: plant_closure(d, date="1998-13"), ".date"),
        ["YYYY-MM"],
        id="date-month-13",
    ),
    pytest.param(
        appended(lambda d: plant_closure(d, date="1998-00"), ".date"),
        ["YYYY-MM"],
        id="date-month-0",
    ),
    pytest.param(
        appended(lambda d: plant_closure(d, date="1998-06-15"), ".date"),
        ["YYYY-MM"],
        id="date-full-date-string",
    ),
    pytest.param(
        appended(lambda d: plant_closure(d, date=""), ".date"), ["YYYY-MM"], id="date-empty"
    ),
    pytest.param(
        appended(lambda d: plant_closure(d, date=99999), ".date"),
        ["YYYY-MM"],
        id="date-five-digits",
    ),
    pytest.param(
        appended(lambda d: {k: v for k, v in plant_closure(d).items() if k != "date"}, ".date"),
        ["required"],
        id="date-missing",
    ),
    # events of an unknown type, without a type, doing nothing
    pytest.param(
        appended(lambda d: plant_closure(d, type="plant_shutdown")),
        ["unknown event type", "plant_shutdown", "expected one of", "plant_closure"],
        id="unknown-event-type",
    ),
    pytest.param(
        appended(lambda d: {k: v for k, v in plant_closure(d).items() if k != "type"}),
        ["no 'type'", "expected one of"],
        id="event-without-type",
    ),
    pytest.param(
        appended(lambda d: {"date": mid_year(d), "type": "policy"}),
        ["set", "formalise_pole"],
        id="policy-doing-nothing",
    ),
    # sections that must be consistent in themselves
    pytest.param(
        _end_before_start, ["end_year", "before start_year"], id="end-year-before-start-year"
    ),
    pytest.param(_age_shares_off, ["sum to 1"], id="age-shares-sum"),
    pytest.param(delete_field("territory", "name"), ["required"], id="missing-required-field"),
    pytest.param(
        set_field("territory", "labour_force", value=6700),
        ["either labour_force", "or a census, not both"],
        id="labour-force-and-census",
    ),
    pytest.param(
        set_field("territory", "growth", value=[{"from_year": 1970, "rate_per_year": 0.01}]),
        ["either labour_force", "not both"],
        id="growth-and-census",
    ),
    pytest.param(
        _no_demography,
        ["give either labour_force (with growth periods) or a census"],
        id="no-demography",
    ),
    pytest.param(
        set_field("territory", "census", "population", value=[10_547, 13_202]),
        ["one population per census year"],
        id="census-population-length",
    ),
    pytest.param(
        set_field(
            "territory", "census", "years", value=[1968, 1975, 1975, 1990, 1999, 2010, 2015, 2021]
        ),
        ["increasing and distinct"],
        id="census-years-repeated",
    ),
    pytest.param(_age_ranges_off, ["shares of 2010 sum to 110"], id="census-age-shares-sum"),
    pytest.param(
        _bad_age_range,
        ["age range such as '0-14'"],
        id="census-age-range-name",
    ),
    pytest.param(delete_field("run"), ["required"], id="missing-section"),
]

# Problems across fields or sections (found by the scenario's own validator).
CROSS_CASES = [
    pytest.param(_outside_after, ["outside the run's years"], id="event-after-end-year"),
    pytest.param(_outside_before, ["outside the run's years"], id="event-before-start-year"),
    pytest.param(_created_twice, ["created twice"], id="structure-created-twice"),
    pytest.param(
        appended(lambda d: plant_closure(d, sector="mining")),
        ["unknown sector", "mining", "expected one of"],
        id="closure-unknown-sector",
    ),
    pytest.param(
        appended(
            lambda d: {
                "date": mid_year(d),
                "type": "sector_shock",
                "sectors": ["mining"],
                "depth": 0.1,
            }
        ),
        ["unknown sector", "mining", "expected one of"],
        id="shock-unknown-sector",
    ),
    pytest.param(
        appended(lambda d: structure_event(d, kind="geiq", sectors=["mining"])),
        ["unknown sector", "mining"],
        id="structure-unknown-sector",
    ),
    pytest.param(
        appended(
            lambda d: {
                "date": mid_year(d),
                "type": "funding_call",
                "authority": "Nobody",
                "grant_eur": 1000.0,
            }
        ),
        ["unknown authority", "Nobody", "expected one of"],
        id="funding-call-unknown-authority",
    ),
    pytest.param(
        appended(
            lambda d: {
                "date": mid_year(d),
                "type": "budget_cut",
                "authority": "Nobody",
                "share": 0.5,
            }
        ),
        ["unknown authority", "Nobody"],
        id="budget-cut-unknown-authority",
    ),
    pytest.param(
        appended(lambda d: {**structure_event(d), "founders": ["Nobody"]}),
        ["founders", "Nobody", "not created before"],
        id="unknown-founder",
    ),
    pytest.param(_job_shares_off, ["job_share", "sum to 1"], id="job-shares-not-summing-to-one"),
    pytest.param(_duplicate_sector, ["appears twice"], id="duplicate-sector"),
    pytest.param(_duplicate_authority, ["appears twice"], id="duplicate-authority"),
    pytest.param(
        _rules_over_budget,
        ["animation_grant_eur_per_year + training_budget_eur_per_year", "exceed"],
        id="budget-rules-over-budget",
    ),
    pytest.param(
        _call_before_funder_exists,
        ["before it exists", "active_from is 2001-07"],
        id="funding-call-before-funder-exists",
    ),
    pytest.param(
        _cut_before_funder_exists,
        ["before it exists", "active_from"],
        id="budget-cut-before-funder-exists",
    ),
    pytest.param(
        set_field("authorities", 1, "active_from", value="1994-13"),
        ["expected a year"],
        id="malformed-active-from",
    ),
    pytest.param(
        appended(lambda d: {"date": mid_year(d), "type": "policy", "set": {"geiq.hire_prob": 0.5}}),
        ["unknown mechanism parameter", "geiq.hire_prob"],
        id="policy-unknown-parameter",
    ),
    pytest.param(
        appended(
            lambda d: {"date": mid_year(d), "type": "policy", "set": {"banking.enabled": True}}
        ),
        ["unknown mechanism parameter", "banking.enabled"],
        id="policy-unknown-mechanism",
    ),
    pytest.param(
        appended(lambda d: {"date": mid_year(d), "type": "policy", "set": {"geiq": 0.5}}),
        ["unknown mechanism parameter", "geiq"],
        id="policy-parameter-without-dot",
    ),
    pytest.param(
        appended(
            lambda d: {
                "date": mid_year(d),
                "type": "policy",
                "set": {"geiq.hire_base_probability": 1.5},
            }
        ),
        ["geiq.hire_base_probability", "not accepted", "less than or equal to 1"],
        id="policy-value-out-of-range",
    ),
    pytest.param(
        appended(
            lambda d: {"date": mid_year(d), "type": "policy", "set": {"treasury.enabled": "maybe"}}
        ),
        ["treasury.enabled", "not accepted", "boolean"],
        id="policy-value-wrong-type",
    ),
]


def _unjustified_market(data: dict) -> str:
    del data["markets"][0]["displacement_reason"]
    return "markets[0].displacement_reason"


def _duplicate_market(data: dict) -> str:
    data["markets"].append(dict(data["markets"][0]))
    return f"markets[{len(data['markets']) - 1}].name"


# Markets: displacement in [0, 1] (or a level of the ready reckoner), justified; buyers' shares
# summing to 1; every seller naming a market that exists.
MARKET_CASES = [
    pytest.param(
        set_field("markets", 0, "displacement", value=1.5),
        ["displacement", "<= 1"],
        id="displacement-above-one",
    ),
    pytest.param(
        set_field("markets", 0, "displacement", value=-0.25),
        ["displacement", ">= 0"],
        id="displacement-negative",
    ),
    pytest.param(
        set_field("markets", 0, "displacement", value="huge"),
        ["expected a share in [0, 1] or one of", "medium", "huge"],
        id="displacement-unknown-level",
    ),
    pytest.param(_unjustified_market, ["required"], id="displacement-unjustified"),
    pytest.param(
        set_field("markets", 0, "buyers", value={"households": 0.5, "firms": 0.25}),
        ["sum to 1", "0.75"],
        id="buyers-not-summing-to-one",
    ),
    pytest.param(
        set_field("markets", 0, "sector", value="mining"),
        ["unknown sector", "mining", "expected one of"],
        id="market-unknown-sector",
    ),
    pytest.param(_duplicate_market, ["appears twice"], id="duplicate-market"),
    pytest.param(
        appended(
            lambda d: structure_event(d, kind="ess_enterprise", market="nowhere"),
            ".structure.market",
        ),
        ["unknown market", "nowhere", "expected one of", "catering"],
        id="structure-unknown-market",
    ),
    pytest.param(
        appended(lambda d: structure_event(d, kind="work_integration"), ".structure.market"),
        ["sells in a market", "expected one of"],
        id="seller-without-market",
    ),
    pytest.param(
        appended(lambda d: structure_event(d, kind="geiq", market="catering"), ".structure.market"),
        ["sells in no market"],
        id="market-for-a-non-seller",
    ),
    pytest.param(
        set_field("other_ess", "market", value="nowhere"),
        ["unknown market", "nowhere"],
        id="other-ess-unknown-market",
    ),
    pytest.param(
        set_field("mechanisms", "cooperation", "launched_market", value="nowhere"),
        ["unknown market", "nowhere"],
        id="launched-unknown-market",
    ),
]


@pytest.mark.parametrize(("change", "phrases"), FIELD_CASES + CROSS_CASES + MARKET_CASES)
def test_bad_scenario_gives_one_clear_message(write_scenario, change, phrases):
    """Each problem gives one ScenarioError naming the file, the field and what was expected."""
    field: list[str] = []
    path = write_scenario(lambda data: field.append(change(data)))
    message = load_error(path)
    assert str(path) in message, f"the file is not named: {message}"
    assert message.startswith(f"{path}: "), message
    assert field[0] in message, f"the field {field[0]!r} is not named: {message}"
    for phrase in phrases:
        options = (phrase,) if isinstance(phrase, str) else phrase  # a tuple: any one of them
        assert any(o in message for o in options), f"{phrase!r} is not said: {message}"


@pytest.mark.parametrize(
    ("change", "phrases"),
    FIELD_CASES + CROSS_CASES,
)
def test_message_follows_documented_format(write_scenario, change, phrases):
    """``<file>: field '<dotted.path[i].x>': <what was expected>`` (a sub-field of it is fine)."""
    field: list[str] = []
    path = write_scenario(lambda data: field.append(change(data)))
    message = load_error(path)
    pattern = rf"{re.escape(str(path))}: field '{re.escape(field[0])}(\[\d+\])?(\.[\w.\[\]]+)?': \S"
    assert re.match(pattern, message), f"expected the form {pattern!r}, got: {message}"


# --------------------------------------------------------------------------------------------
# Problems with the file itself
# --------------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    """A missing file: 'not found', with its path."""
    path = tmp_path / "no_such_scenario.toml"
    message = load_error(path)
    assert str(path) in message
    assert "not found" in message


def test_directory_instead_of_file(tmp_path):
    """A directory: said to be a directory, with its path."""
    folder = tmp_path / "a_folder.toml"
    folder.mkdir()
    message = load_error(folder)
    assert str(folder) in message
    assert "directory" in message
    assert "expected" in message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[run]\nname = = 'x'\n", id="double-equals"),
        pytest.param("[run\nname = 'x'\n", id="unclosed-table"),
        pytest.param("[run]\nname = 'x'\nname = 'y'\n", id="duplicate-key"),
        pytest.param('[run]\nname = "x\n', id="unterminated-string"),
        pytest.param("run = { name = 'x',\n start_year = 1970 }\n", id="multiline-inline-table"),
    ],
)
def test_invalid_toml_syntax(write_scenario, text):
    """TOML syntax errors: 'invalid TOML' and the line."""
    path = write_scenario(text=text)
    message = load_error(path)
    assert str(path) in message
    assert "invalid TOML" in message
    assert "line" in message, f"the line of the syntax error is not given: {message}"


def test_invalid_toml_inside_the_real_scenario(write_scenario, seignanx_path):
    """A syntax error in the real file (one bracket missing)."""
    original = seignanx_path.read_text(encoding="utf-8")
    assert "\n[run]\n" in original
    text = original.replace("\n[run]\n", "\n[run\n", 1)
    path = write_scenario(text=text)
    message = load_error(path)
    assert str(path) in message and "invalid TOML" in message and "line" in message


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(bytes(range(256)) * 8, id="binary"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", id="png-image"),
        pytest.param("[run]\nname = 'P\u00f4le'\n".encode("latin-1"), id="latin-1-text"),
        pytest.param("[run]\nname = 'x'\n".encode("utf-16"), id="utf-16-text"),
    ],
)
def test_not_utf8_file(write_scenario, raw):
    """Binary or non-UTF-8 text: said to be not UTF-8."""
    path = write_scenario(raw=raw)
    message = load_error(path)
    assert str(path) in message
    assert "UTF-8" in message
    assert "expected" in message


def test_empty_file(write_scenario):
    """An empty file: the first missing section is named."""
    path = write_scenario(text="")
    message = load_error(path)
    assert message.startswith(f"{path}: ")
    assert "run" in message and "required" in message


def test_parse_scenario_names_its_source(seignanx_data):
    """parse_scenario names the given source in its message."""
    seignanx_data["authorities"][0]["budget_eur_per_year"] = -1
    with pytest.raises(ScenarioError) as info:
        parse_scenario(seignanx_data, source="in-memory.toml")
    assert str(info.value).startswith(
        "in-memory.toml: field 'authorities[0].budget_eur_per_year': "
    )
    assert ">= 0" in str(info.value)


def test_parse_scenario_rejects_non_table(seignanx_data):
    """Data that is not a table gives a ScenarioError, not a crash."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario([seignanx_data], source="list.toml")  # type: ignore[arg-type]
    assert str(info.value).startswith("list.toml: ")


# --------------------------------------------------------------------------------------------
# Dates and the run's years: the boundaries
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "year", "month"),
    [(1998, 1998, 1), ("1998", 1998, 1), ("1998-06", 1998, 6), ("1998-12", 1998, 12)],
)
def test_valid_dates(write_scenario, date, year, month):
    """A year, a year string and "YYYY-MM" are accepted and normalised."""
    index: list[str] = []
    path = write_scenario(lambda d: index.append(add_event(d, plant_closure(d, date=date))))
    scenario = load_scenario(path)
    event = scenario.events[int(index[0][7:-1])]
    assert (event.year, event.month) == (year, month)
    assert event.date == f"{year:04d}-{month:02d}"


@pytest.mark.parametrize(
    ("date", "ok"),
    [
        pytest.param(lambda s, e: f"{s}-01", True, id="first-month"),
        pytest.param(lambda s, e: f"{e}-12", True, id="last-month"),
        pytest.param(lambda s, e: e, True, id="end-year"),
        pytest.param(lambda s, e: f"{s - 1}-12", False, id="month-before-start"),
        pytest.param(lambda s, e: f"{e + 1}-01", False, id="month-after-end"),
    ],
)
def test_event_dates_at_the_run_boundaries(write_scenario, date, ok):
    """Events in the first and last month are in; one month out is not."""
    field: list[str] = []
    path = write_scenario(
        lambda d: field.append(add_event(d, plant_closure(d, date=date(*years(d)))))
    )
    if ok:
        load_scenario(path)
    else:
        message = load_error(path)
        assert field[0] in message and "outside the run's years" in message


# --------------------------------------------------------------------------------------------
# Wrong TOML types, absurd counts, founders by date (bugs once marked strict xfail, now fixed)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(RawToml("1998-06-15"), id="toml-local-date"),
        pytest.param(RawToml("1998-06-15T10:00:00"), id="toml-datetime"),
        pytest.param(1998.5, id="float"),
        pytest.param([1998], id="array"),
    ],
)
def test_date_of_wrong_toml_type(write_scenario, value):
    """A date of another TOML type: the date field and "YYYY-MM" are named."""
    field: list[str] = []
    path = write_scenario(lambda d: field.append(add_event(d, plant_closure(d, date=value))))
    message = load_error(path)
    assert f"field '{field[0]}.date': " in message, message
    assert "YYYY-MM" in message, message


@pytest.mark.parametrize(
    ("values", "phrase"),
    [
        pytest.param({"cooperation.plie_priority": math.nan}, "finite", id="nan"),
        pytest.param({"cooperation.plie_priority": math.inf}, "finite", id="inf"),
        pytest.param({"cooperation.plie_priority": [1.6]}, "cooperation.plie_priority", id="array"),
        pytest.param({"treasury": {"enabled": True}}, "treasury.enabled", id="unquoted-dotted-key"),
    ],
)
def test_policy_set_value_of_wrong_type(write_scenario, values, phrase):
    """A policy value of the wrong type: the parameter and what was expected."""
    field: list[str] = []
    path = write_scenario(
        lambda d: field.append(add_event(d, {"date": mid_year(d), "type": "policy", "set": values}))
    )
    message = load_error(path)
    assert f"{field[0]}.set" in message, message
    assert ".bool'" not in message and "valid boolean" not in message, message
    assert phrase in message, message


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(set_field("territory", "labour_force", value=True), id="bool-for-count"),
        pytest.param(set_field("territory", "labour_force", value="6700"), id="string-for-count"),
        pytest.param(
            set_field("mechanisms", "geiq", "hire_base_probability", value="0.55"),
            id="string-for-probability",
        ),
        pytest.param(
            set_field("mechanisms", "geiq", "hire_base_probability", value=True),
            id="bool-for-probability",
        ),
        pytest.param(
            set_field("mechanisms", "treasury", "enabled", value="no"), id="string-for-bool"
        ),
        pytest.param(set_field("run", "start_year", value="1970"), id="string-for-year"),
    ],
)
def test_wrong_toml_type_is_not_coerced(write_scenario, change):
    """A value of the wrong TOML type is an error, not silently converted."""
    field: list[str] = []
    path = write_scenario(lambda data: field.append(change(data)))
    message = load_error(path)
    assert f"field '{field[0]}'" in message, message


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"treasury.enabled": "no"}, id="string-for-bool"),
        pytest.param({"treasury.enabled": 1}, id="int-for-bool"),
        pytest.param({"geiq.hire_base_probability": "0.5"}, id="string-for-probability"),
        pytest.param({"geiq.hire_base_probability": True}, id="bool-for-probability"),
    ],
)
def test_policy_set_value_is_not_coerced(write_scenario, values):
    """A policy value of the wrong TOML type is refused like the same value in its section."""
    field: list[str] = []
    path = write_scenario(
        lambda d: field.append(add_event(d, {"date": mid_year(d), "type": "policy", "set": values}))
    )
    message = load_error(path)
    assert field[0] in message and next(iter(values)) in message, message


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(set_field("other_ess", "count", value=10**9), id="other-ess-count"),
        pytest.param(
            appended(
                lambda d: structure_event(d, permanent_staff=10**20), ".structure.permanent_staff"
            ),
            id="structure-staff",
        ),
    ],
)
def test_absurd_counts_are_refused_on_load(write_scenario, change):
    """A count far beyond any territory is refused on load, before a run can hang or crash."""
    field: list[str] = []
    path = write_scenario(lambda data: field.append(change(data)))
    message = load_error(path)
    assert f"field '{field[0]}'" in message, message


def test_absurd_labour_force_is_refused_on_load(write_scenario):
    """The labour force is bounded (a typo with extra zeros cannot exhaust the memory)."""
    path = write_scenario(lambda d: d["territory"].__setitem__("labour_force", 10**20))
    message = load_error(path)
    assert "field 'territory.labour_force'" in message and "<=" in message, message


def _founder_created_later(data: dict) -> str:
    """Date a founder's creation one year after a structure that names it as founder."""
    events = data["events"]
    child_index, child = next(
        (i, e)
        for i, e in enumerate(events)
        if e["type"] == "create_structure" and e.get("founders")
    )
    founder = child["founders"][0]
    parent = next(
        e for e in events if e["type"] == "create_structure" and e["structure"]["name"] == founder
    )
    child_year = int(str(child["date"])[:4])
    assert child_year + 1 <= years(data)[1]
    parent["date"] = child_year + 1
    return f"events[{child_index}]"


def test_founder_created_after_the_structure_by_date_is_rejected(write_scenario):
    """Founders must exist at the structure's DATE."""
    field: list[str] = []
    path = write_scenario(lambda data: field.append(_founder_created_later(data)))
    message = load_error(path)
    assert "founders" in message and "not created before" in message, message


def test_founder_listed_later_but_dated_earlier_is_accepted(write_scenario):
    """File order does not matter, dates do."""

    def move_founder_to_end(data: dict) -> None:
        events = data["events"]
        child = next(e for e in events if e["type"] == "create_structure" and e.get("founders"))
        founder = next(
            e
            for e in events
            if e["type"] == "create_structure" and e["structure"]["name"] == child["founders"][0]
        )
        events.remove(founder)
        events.append(founder)

    load_scenario(write_scenario(move_founder_to_end))


# --------------------------------------------------------------------------------------------
# The shipped scenario
# --------------------------------------------------------------------------------------------

TIMELINE = {
    "EI ITEMS": 1998,
    "SCIC EOLE": 2006,
    "GEIQ BTP": 1999,
    "GE GENESE": 2006,
    "GEIQ interprofessionnel": 2010,
    "SCIC PERF": 1972,
    "CAE Interstices": 2002,
    "CBE du Seignanx": 1993,
}


@pytest.fixture(scope="module")
def seignanx(seignanx_path) -> Scenario:
    """The shipped scenario, loaded once."""
    return load_scenario(seignanx_path)


def test_seignanx_loads(seignanx):
    """The shipped scenario loads and spans 1970-2015."""
    assert isinstance(seignanx, Scenario)
    assert seignanx.run.name == "seignanx_1970_2015"
    assert (seignanx.run.start_year, seignanx.run.end_year) == (1970, 2015)
    assert seignanx.months == 12 * 46
    assert math.isclose(sum(s.job_share for s in seignanx.sectors), 1.0)


def test_seignanx_creates_the_named_structures_at_the_timelines_years(seignanx):
    """The pole's structures open in the timeline's years."""
    created = {
        e.structure.name: e.year for e in seignanx.events if isinstance(e, CreateStructureSpec)
    }
    for name, year in TIMELINE.items():
        assert name in created, f"{name} is not created by the timeline"
        assert created[name] == year, f"{name} is created in {created[name]}, expected {year}"
    assert len(created) == sum(isinstance(e, CreateStructureSpec) for e in seignanx.events)


def test_every_structure_is_created_after_its_founders(seignanx):
    """In the shipped timeline, founders exist before (by date)."""
    when: dict[str, int] = {}
    for event in seignanx.events:
        if isinstance(event, CreateStructureSpec):
            when[event.structure.name] = seignanx.month_index(event.year, event.month)
    for event in seignanx.events:
        if isinstance(event, CreateStructureSpec):
            for founder in event.founders:
                assert when[founder] < when[event.structure.name], (founder, event.structure.name)


def test_parse_scenario_equals_load_scenario(seignanx, seignanx_data, seignanx_path):
    """parse_scenario on the parsed file gives the same scenario."""
    assert parse_scenario(seignanx_data, source=str(seignanx_path)) == seignanx


def test_rewritten_copy_loads_the_same(write_scenario, seignanx, seignanx_path):
    """Guards the test helper: an unmodified copy (other layout) gives the same scenario."""
    path = write_scenario()
    copy = load_scenario(path)
    assert copy == seignanx
    assert scenario_digest(copy) == scenario_digest(seignanx)
    assert scenario_hash(path) != scenario_hash(seignanx_path)


def test_scenario_hash_is_the_files_sha256(seignanx_path):
    """scenario_hash is the SHA-256 of the file's bytes."""
    assert scenario_hash(seignanx_path) == hashlib.sha256(seignanx_path.read_bytes()).hexdigest()


def test_with_overrides_scale(seignanx):
    """with_overrides(scale=0.1) changes the scale and nothing else."""
    small = seignanx.with_overrides(scale=0.1)
    assert small.run.scale == 0.1
    assert seignanx.run.scale == 1.0, "the original scenario was changed"
    before, after = seignanx.model_dump(), small.model_dump()
    before["run"].pop("scale"), after["run"].pop("scale")
    assert before == after, "with_overrides changed more than the scale"
    assert scenario_digest(small) != scenario_digest(seignanx)


@pytest.mark.parametrize("scale", [0, -1, 11, math.nan])
def test_with_overrides_validates_again(seignanx, scale):
    """with_overrides validates the new value."""
    with pytest.raises(ValueError):
        seignanx.with_overrides(scale=scale)


def test_without_cooperation_switches_every_mechanism_off(seignanx):
    """The counterfactual: every mechanism off for the whole run."""
    counterfactual = seignanx.without_cooperation()
    mechanisms = counterfactual.mechanisms
    for name in type(mechanisms).model_fields:
        assert getattr(mechanisms, name).enabled is False, f"mechanism {name} is still enabled"
    for event in counterfactual.events:
        if isinstance(event, PolicySwitchSpec):
            for path, value in event.set.items():
                assert not (path.endswith(".enabled") and value), (
                    f"{event.date}: {path} switched back on"
                )
    # the same territory, sectors, funders and timeline
    assert counterfactual.territory == seignanx.territory
    assert counterfactual.sectors == seignanx.sectors
    assert counterfactual.authorities == seignanx.authorities
    assert [(e.type, e.date) for e in counterfactual.events] == [
        (e.type, e.date) for e in seignanx.events
    ]
    # the original is untouched
    assert seignanx.mechanisms.geiq.enabled is True


def test_seignanx_file_is_plain_utf8_toml(seignanx_path):
    """The shipped file has only the scenario's sections."""
    with seignanx_path.open("rb") as handle:
        data = tomllib.load(handle)
    assert set(data) <= set(Scenario.model_fields)
