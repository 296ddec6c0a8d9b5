"""The targets file and its mapping (:mod:`ptce_sim.studies.targets`).

The shipped files, and clear errors.

Each error case writes a modified copy of the shipped targets file or mapping (parsed, changed in
Python, written back as TOML) into ``tmp_path``, so each case differs from a valid pair of files by
one thing; the message must name the file, the field and what was expected.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import dump_toml

from ptce_sim.config.scenario_io import ScenarioError, load_scenario
from ptce_sim.studies.targets import (
    check_targets,
    default_mapping_path,
    load_targets,
    parse_targets,
)

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "scenarios" / "targets" / "seignanx.toml"
MAPPING = ROOT / "scenarios" / "targets" / "seignanx_mapping.toml"
ORIGINALS = (
    ROOT.parent / "shared" / "targets" / "seignanx.toml",  # the shared file the copy comes from
    ROOT / "scenarios" / "sources" / "seignanx_targets.toml",  # the sources' copy of it
)
SCENARIO = ROOT / "scenarios" / "seignanx_1970_2015.toml"


def _load(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def shipped():
    """The shipped targets with their mapping."""
    return load_targets(TARGETS)


@pytest.fixture
def write_pair(tmp_path: Path) -> Callable[..., Path]:
    """Write (possibly modified) copies of the targets file and mapping; returns the targets path.

    ``write_pair(targets=change, mapping=change)`` calls each ``change(data)`` on the parsed file;
    ``targets_text=`` / ``mapping_text=`` write the given text instead.
    """

    def write(
        targets: Callable[[dict], None] | None = None,
        mapping: Callable[[dict], None] | None = None,
        *,
        targets_text: str | None = None,
        mapping_text: str | None = None,
    ) -> Path:
        path = tmp_path / "case.toml"
        for target_path, change, text, source in (
            (path, targets, targets_text, TARGETS),
            (default_mapping_path(path), mapping, mapping_text, MAPPING),
        ):
            if text is None:
                data = _load(source)
                if change is not None:
                    change(data)
                text = dump_toml(data)
            target_path.write_text(text, encoding="utf-8")
        return path

    return write


# ------------------------------------------------------------------------------------------------
# The shipped files


def test_shipped_copy_has_the_shared_figures_and_cites_its_sources():
    """The repository's copy keeps the shared file's keys and values and cites every source."""
    originals = [path for path in ORIGINALS if path.exists()]
    if not originals:
        pytest.skip("no original of the targets file to compare with")
    for original in originals:
        assert _load(TARGETS) == _load(original), original  # same keys and values
    header = TARGETS.read_text(encoding="utf-8").split("[territory]")[0]
    for source in ("[S1]", "[S2]", "[S3]", "[S4]", "[S5]", "[C]"):
        assert source in header


def test_every_numeric_figure_is_compared_or_listed_as_not_compared(shipped):
    """No numeric figure of the targets file is silently skipped."""
    data = _load(TARGETS)
    figures = [
        (section, key)
        for section in ("territory",)
        for key, value in data[section].items()
        if isinstance(value, int | float)
    ]
    figures += [
        ("shock", key)
        for shock in data["shock"]
        for key, value in shock.items()
        if isinstance(value, int | float) and key != "period"
    ]
    figures += [
        ("target", key)
        for target in data["target"]
        for key, value in target.items()
        if isinstance(value, int | float) and key not in {"created", "year"}
    ]
    stated_in_notes = [t for t in shipped.targets if ".note." in t.label]
    assert len(shipped) - len(stated_in_notes) + len(shipped.not_compared) == len(figures)
    assert len(shipped) == 24
    # the number a note states in words ("about 20 structures grouped around it by 2013"), read
    # through [notes] and held out of the calibration
    assert [(t.label, t.observed, t.column, t.kind) for t in stated_in_notes] == [
        ("target[8].note.pole_structures", 20.0, "pole_structures", "held_out")
    ]
    assert {label for label, _, _ in shipped.not_compared} == {
        "territory.population_growth_per_year",  # an input: the residents follow the census
        "shock[0].jobs_destroyed",  # an input, hidden in counts by the census's growth
        "territory.tarnos_inhabitants",
        "territory.sud_aquitain_inhabitants",
        "territory.industrial_port_zone_ha",
        "target[1].meals_per_day",  # contradicts the same source's turnover at its meal price
    }
    assert all(reason for _, _, reason in shipped.not_compared)


def test_mapping_of_names_and_indicators(shipped):
    """Target names and indicators map to the scenario's structures and columns."""
    by_label = {t.label: t for t in shipped.targets}
    genese = by_label["target[3].hours_lent"]
    assert (genese.structure, genese.column, genese.observed) == ("GE GENESE", "hours", 30_000)
    cae = by_label["target[6].project_holders_per_year"]
    assert (cae.structure, cae.column) == ("CAE Interstices", "project_holders")
    gpec = by_label["target[7].employers_involved"]
    assert (gpec.source_name, gpec.structure, gpec.column) == (
        "CBE territorial skills planning (GPEC)",
        "CBE du Seignanx",
        "employers_involved",
    )
    assert by_label["target[4].employees"].structure == "GEIQ interprofessionnel"
    assert by_label["target[1].turnover_eur"].structure == "SCIC EOLE"
    assert all(t.year == 2012 and t.scaled for t in shipped.targets if t.table == "structures")


def test_territory_figures_are_inputs_not_compared(shipped):
    """The shock's jobs destroyed and the population growth are inputs: not compared."""
    by_label = {t.label: t for t in shipped.targets}
    assert "shock[0].jobs_destroyed" not in by_label
    # the population follows the census, an input: its growth is not compared
    assert "territory.population_growth_per_year" not in by_label


def test_creation_years_from_the_sources(shipped):
    """Creation years are read from the targets, by scenario structure name."""
    assert shipped.created["EI ITEMS"] == 1998
    assert shipped.created["SCIC PERF"] == 1972
    assert shipped.created["CBE du Seignanx"] == 1993  # from the "CBE" entry, which has no figure


def test_shipped_targets_fit_the_shipped_scenario(shipped):
    """The shipped scenario can produce every shipped figure."""
    check_targets(shipped, load_scenario(SCENARIO))


# ------------------------------------------------------------------------------------------------
# Errors


def test_missing_targets_file(tmp_path):
    """A missing targets file is named."""
    with pytest.raises(ScenarioError, match=r"nowhere\.toml: targets file not found"):
        load_targets(tmp_path / "nowhere.toml")


def test_missing_mapping_file(tmp_path):
    """A missing mapping file is named."""
    path = tmp_path / "alone.toml"
    path.write_text(TARGETS.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"alone_mapping\.toml: targets mapping file not found"):
        load_targets(path)


def test_broken_toml(write_pair):
    """A targets file that is not TOML is refused with its name."""
    path = write_pair(targets_text='[[target]]\nstructure = "EI ITEMS"\nyear = \n')
    with pytest.raises(ScenarioError, match=r"case\.toml: invalid TOML"):
        load_targets(path)


def test_broken_mapping_toml(write_pair):
    """A mapping file that is not TOML is refused with its name."""
    path = write_pair(mapping_text="[structures\n")
    with pytest.raises(ScenarioError, match=r"case_mapping\.toml: invalid TOML"):
        load_targets(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-127, r"expected a positive number .*got -127"),
        (0, r"expected a positive number .*got 0"),
        ("127", r"expected a positive number, got '127'"),
        (True, r"expected a positive number, got True"),
        (float("nan"), r"expected a finite positive number, got nan"),
        (float("inf"), r"expected a finite positive number, got inf"),
        ([127], r"expected a positive number, got \[127\]"),
    ],
)
def test_target_value_must_be_a_positive_number(write_pair, value, expected):
    """A figure that is not a positive finite number is refused."""

    def change(data: dict) -> None:
        data["target"][2]["employees"] = value

    with pytest.raises(
        ScenarioError, match=r"case\.toml: field 'target\[2\]\.employees': " + expected
    ):
        load_targets(write_pair(targets=change))


def test_shock_and_territory_values_are_checked_too(write_pair):
    """Shock and territory figures are checked like the structures'."""

    def negative_shock(data: dict) -> None:
        data["shock"][0]["jobs_destroyed"] = -1000

    with pytest.raises(
        ScenarioError, match=r"field 'shock\[0\]\.jobs_destroyed': expected a positive"
    ):
        load_targets(write_pair(targets=negative_shock))

    def text_growth(data: dict) -> None:
        data["territory"]["population_growth_per_year"] = "3%"

    with pytest.raises(
        ScenarioError, match=r"field 'territory\.population_growth_per_year': expected a positive"
    ):
        load_targets(write_pair(targets=text_growth))


def test_unknown_indicator(write_pair):
    """An indicator missing from the mapping is an error that says where to add it."""

    def change(data: dict) -> None:
        data["target"][2]["apprentices"] = 12

    with pytest.raises(
        ScenarioError,
        match=r"case\.toml: field 'target\[2\]\.apprentices': unknown indicator 'apprentices'; "
        r"expected one of .*'hours_lent'.*\[indicators\] of .*case_mapping\.toml",
    ):
        load_targets(write_pair(targets=change))


def test_unknown_territory_figure(write_pair):
    """A territory figure neither mapped nor listed as not compared is an error."""

    def change(data: dict) -> None:
        data["territory"]["firms"] = 900

    with pytest.raises(ScenarioError, match=r"field 'territory\.firms': unknown indicator 'firms'"):
        load_targets(write_pair(targets=change))


def test_target_structure_not_in_the_mapping(write_pair):
    """A target's structure missing from the mapping is an error."""

    def change(data: dict) -> None:
        data["target"][0]["structure"] = "EI ITEMZ"

    with pytest.raises(
        ScenarioError,
        match=r"case\.toml: field 'target\[0\]\.structure': unknown structure 'EI ITEMZ'; "
        r"expected one of .*\[structures\] of",
    ):
        load_targets(write_pair(targets=change))


def test_unknown_structure_in_the_mapping(write_pair):
    """A mapped structure that no target names is an error."""

    def change(mapping: dict) -> None:
        mapping["structures"]["GE Nowhere"] = "GE GENESE"

    with pytest.raises(
        ScenarioError,
        match=r"case_mapping\.toml: field 'structures\.GE Nowhere': unknown structure 'GE Nowhere'",
    ):
        load_targets(write_pair(mapping=change))


def test_mapping_names_a_structure_the_scenario_lacks(write_pair):
    """A mapped structure the scenario does not create is an error."""

    def change(mapping: dict) -> None:
        mapping["structures"]["GEIQ interprofessional"] = "GEIQ interpro"

    targets = load_targets(write_pair(mapping=change))
    with pytest.raises(
        ScenarioError,
        match=r"case_mapping\.toml: field 'structures\.GEIQ interprofessional': unknown structure "
        r"'GEIQ interpro'.*expected one of .*'GEIQ interprofessionnel'",
    ):
        check_targets(targets, load_scenario(SCENARIO))


def test_mapping_column_that_does_not_apply_to_the_structure(write_pair):
    """A column the structure's kind does not produce is an error."""

    def change(mapping: dict) -> None:
        mapping["indicators"]["insertion_employees"]["column"] = "member_firms"

    targets = load_targets(write_pair(mapping=change))
    with pytest.raises(
        ScenarioError,
        match=r"case_mapping\.toml: field 'indicators\.insertion_employees': column 'member_firms' "
        r"does not apply to 'EI ITEMS'",
    ):
        check_targets(targets, load_scenario(SCENARIO))


def test_unknown_column(write_pair):
    """A mapped column that no table has is an error."""

    def change(mapping: dict) -> None:
        mapping["indicators"]["hours_lent"]["column"] = "hours_lent"

    with pytest.raises(
        ScenarioError,
        match=r"case_mapping\.toml: field 'indicators\.hours_lent\.column': unknown column "
        r"'hours_lent' of the structures table; expected one of .*hours",
    ):
        load_targets(write_pair(mapping=change))


def test_scaled_must_be_said(write_pair):
    """Each mapping entry says whether it is a count, with a boolean."""

    def missing(mapping: dict) -> None:
        del mapping["indicators"]["fte"]["scaled"]

    with pytest.raises(ScenarioError, match=r"field 'indicators\.fte\.scaled': required field"):
        load_targets(write_pair(mapping=missing))

    def text(mapping: dict) -> None:
        mapping["indicators"]["fte"]["scaled"] = "yes"

    with pytest.raises(
        ScenarioError, match=r"field 'indicators\.fte\.scaled': expected true or false"
    ):
        load_targets(write_pair(mapping=text))


def test_unknown_method_and_key_in_the_mapping(write_pair):
    """Unknown methods and keys of the mapping are errors."""

    def method(mapping: dict) -> None:
        del mapping["not_compared"]["jobs_destroyed"]
        mapping["shock"] = {
            "jobs_destroyed": {"method": "largest_drop", "column": "classic_jobs", "scaled": True}
        }

    with pytest.raises(
        ScenarioError,
        match=r"field 'shock\.jobs_destroyed\.method': unknown method 'largest_drop'; "
        r"expected one of peak_to_trough",
    ):
        load_targets(write_pair(mapping=method))

    def key(mapping: dict) -> None:
        mapping["indicators"]["fte"]["colum"] = "fte"

    with pytest.raises(ScenarioError, match=r"field 'indicators\.fte\.colum': unknown key"):
        load_targets(write_pair(mapping=key))


def test_unknown_section(write_pair):
    """An unknown section of the targets file is an error."""

    def change(data: dict) -> None:
        data["targets"] = data.pop("target")

    with pytest.raises(ScenarioError, match=r"case\.toml: field 'targets': unknown section"):
        load_targets(write_pair(targets=change))


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        (lambda d: d["target"][2].pop("year"), r"target\[2\]\.year", "required field is missing"),
        (lambda d: d["target"][2].update(year="2012"), r"target\[2\]\.year", "expected a year"),
        (lambda d: d["target"][2].update(year=12), r"target\[2\]\.year", "between 1800 and 2200"),
        (lambda d: d["target"][2].pop("structure"), r"target\[2\]\.structure", "required field"),
        (
            lambda d: d["shock"][0].update(period=[1979, 1970]),
            r"shock\[0\]\.period",
            "before first",
        ),
        (lambda d: d["shock"][0].update(period=1975), r"shock\[0\]\.period", r"expected \[first"),
        (lambda d: d["shock"][0].pop("period"), r"shock\[0\]\.period", "required field"),
    ],
)
def test_years_and_periods(write_pair, change, field, expected):
    """Years and periods must be present, whole and ordered."""
    with pytest.raises(ScenarioError, match=rf"case\.toml: field '{field}': .*{expected}"):
        load_targets(write_pair(targets=change))


def test_the_same_figure_twice(write_pair):
    """A figure given twice is an error naming both places."""

    def change(data: dict) -> None:
        data["target"].append(dict(data["target"][2]))

    with pytest.raises(
        ScenarioError,
        match=r"field 'target\[9\]\.employees': the same figure .*target\[2\]\.employees",
    ):
        load_targets(write_pair(targets=change))


def test_target_year_outside_the_run_or_before_the_structure(write_pair):
    """A figure's year must be in the run and after the structure's creation."""
    scenario = load_scenario(SCENARIO)

    def late(data: dict) -> None:
        data["target"][2]["year"] = 2020

    with pytest.raises(
        ScenarioError, match=r"field 'target\[2\]\.\w+': year 2020 is outside the run"
    ):
        check_targets(load_targets(write_pair(targets=late)), scenario)

    def early(data: dict) -> None:
        data["target"][4]["year"] = 2005

    with pytest.raises(
        ScenarioError,
        match=r"field 'target\[4\]\.\w+': the figure is for 2005 but the scenario creates "
        r"'GEIQ interprofessionnel' in 2010",
    ):
        check_targets(load_targets(write_pair(targets=early)), scenario)


def test_parse_targets_is_pure():
    """Parsed data can be checked without files."""
    targets = parse_targets(_load(TARGETS), _load(MAPPING), path="t.toml", mapping_path="m.toml")
    assert len(targets) == 24 and str(targets.path) == "t.toml"


# ------------------------------------------------------------------------------------------------
# Figures stated in a note ([notes])


def _note(data: dict) -> dict:
    return data["notes"]["CBE"]["pole_structures"]


def test_a_note_figure_must_quote_its_note(write_pair):
    """A quote not found in the structure's note is refused, naming the mapping field and note."""
    path = write_pair(mapping=lambda d: _note(d).update(quote="about 30 structures"))
    with pytest.raises(ScenarioError) as err:
        load_targets(path)
    message = str(err.value)
    assert "case_mapping.toml: field 'notes.CBE.pole_structures.quote'" in message
    assert "'about 30 structures' is not in the note" in message
    assert "about 20 structures grouped around it by 2013" in message  # the note's own words


def test_a_note_figure_of_an_unknown_structure_is_refused(write_pair):
    """A [notes] entry whose structure has no [[target]] names the structure."""
    path = write_pair(mapping=lambda d: d["notes"].update({"Nowhere": d["notes"].pop("CBE")}))
    with pytest.raises(
        ScenarioError,
        match=r"field 'notes\.Nowhere\.pole_structures\.quote'.*"
        r"structure 'Nowhere'",
    ):
        load_targets(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda e: e.pop("value"), r"'notes\.CBE\.pole_structures\.value': required field"),
        (
            lambda e: e.update(value=-3),
            r"case_mapping\.toml: field 'notes\.CBE\.pole_structures"
            r"\.value': expected a positive number",
        ),
        (
            lambda e: e.update(held_out="yes"),
            r"'notes\.CBE\.pole_structures\.held_out': expected "
            r"true or false",
        ),
        (
            lambda e: e.update(column="pole_size"),
            r"'notes\.CBE\.pole_structures\.column': unknown "
            r"column 'pole_size'",
        ),
        (lambda e: e.update(colour="red"), r"'notes\.CBE\.pole_structures\.colour': unknown key"),
        (lambda e: e.pop("years"), r"'notes\.CBE\.pole_structures\.years': required field"),
    ],
)
def test_a_bad_note_figure_gets_a_located_error(write_pair, change, expected):
    """Each malformed [notes] entry is refused with its field and what was expected."""
    path = write_pair(mapping=lambda d: change(_note(d)))
    with pytest.raises(ScenarioError, match=expected):
        load_targets(path)


def test_a_note_figure_held_out_is_emergent_but_not_calibrated(write_pair):
    """held_out keeps the figure out of the calibration; without it, it is calibrated on."""
    held = next(
        t for t in load_targets(write_pair()).targets if t.label.endswith("note.pole_structures")
    )
    assert (held.emergent, held.calibrated, held.kind) == (True, False, "held_out")
    path = write_pair(mapping=lambda d: _note(d).update(held_out=False))
    fitted = next(t for t in load_targets(path).targets if t.label.endswith("note.pole_structures"))
    assert (fitted.emergent, fitted.calibrated, fitted.kind) == (True, True, "emergent")
    assert (fitted.table, fitted.method, fitted.years, fitted.scaled) == (
        "territory",
        "value",
        (2013, 2013),
        False,
    )
