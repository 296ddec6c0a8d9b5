"""The simulated unemployment rate beside France's and the Landes' (studies/unemployment.py).

The observed series is a copy of the shared INSEE file; the comparison is built here from
synthetic territory tables, so that every number of it can be told in advance.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.studies import unemployment
from ptce_sim.studies.unemployment import comparison_table, load_rates

ROOT = Path(__file__).resolve().parents[1]
RATES = ROOT / "scenarios" / "targets" / "unemployment_france_landes.toml"
SHARED = ROOT.parent / "shared" / "targets" / "unemployment_france_landes.toml"


@pytest.fixture(scope="module")
def rates():
    """The shipped copy of the observed rates."""
    return load_rates(RATES)


def _territory(rates_by_year: dict[int, float]) -> pd.DataFrame:
    """A territory table with only what the comparison reads (rates as fractions)."""
    return pd.DataFrame(
        {"year": list(rates_by_year), "unemployment_rate": list(rates_by_year.values())}
    )


def test_copy_equals_the_shared_file():
    """The repository's copy has the shared file's sections, keys and values.

    It also has its own note on what calibration used.
    """
    if not SHARED.is_file():
        pytest.skip("the shared notes are not next to this clone")
    with SHARED.open("rb") as shared, RATES.open("rb") as copy:
        ours = tomllib.load(copy)
        assert "2008-2015" in ours.pop("calibration")["note"]
        assert ours == tomllib.load(shared)
    assert "INSEE" in RATES.read_text(encoding="utf-8")


def test_shipped_rates(rates):
    """National rates for each year from 1975 to 2011, the Landes' by period, the 2011 census."""
    assert set(range(1975, 2012)) <= set(rates.national)
    assert rates.national[1975] == 3.4 and rates.national[2009] == 9.1
    assert rates.landes["2012-Q3"] == 9.6
    assert rates.landes_census == pytest.approx(100 * 8.6 / 72.6)
    by_year = rates.landes_by_year()
    assert by_year[2012] == (pytest.approx((9.6 + 9.9) / 2), "Q3, Q4")
    assert by_year[2014] == (9.7, "year")


def test_comparison_table_from_synthetic_runs(rates):
    """Median, interval and gaps per year; empty where no observed rate is given."""
    years = range(1970, 2016)
    runs = [_territory({y: 0.10 + k / 100 for y in years}) for k in (0, 1, 2)]
    table = comparison_table(rates, runs)
    assert list(table.columns) == list(unemployment.COLUMNS)
    assert list(table["year"]) == list(range(1975, 2016))
    row = table.set_index("year")
    assert row.loc[1975, "simulated_median"] == pytest.approx(11.0)
    assert row.loc[1975, "simulated_q05"] == pytest.approx(10.1)
    assert row.loc[1975, "gap_national"] == pytest.approx(11.0 - 3.4)
    assert math.isnan(row.loc[1975, "landes"]) and row.loc[1975, "landes_periods"] == ""
    assert math.isnan(row.loc[2012, "national"])
    assert row.loc[2012, "gap_landes"] == pytest.approx(11.0 - 9.75)
    assert (table["runs"] == 3).all()


def test_gap_is_explained_as_a_model_failure_when_too_wide(rates):
    """A gap beyond what the census definition explains is called a failure of the model."""
    years = range(1970, 2016)
    high = comparison_table(rates, [_territory({y: 0.16 for y in years})])
    text = unemployment.gap_paragraph(high, rates)
    assert "census-like" in text and "failure of the model" in text
    assert "11.8%" in text  # the Landes' census rate, 8.6 / 72.6
    close = comparison_table(
        rates, [_territory({y: rates.national.get(y, 9.0) / 100 + 0.02 for y in years})]
    )
    text = unemployment.gap_paragraph(close, rates)
    assert "failure" not in text and "within the 1 to 3 points" in text
    low = comparison_table(rates, [_territory({y: 0.02 for y in years})])
    assert "below the national one" in unemployment.gap_paragraph(low, rates)


def test_markdown_section_and_plot(rates, tmp_path):
    """The section has its heading, the paragraph, one row per year and the plot."""
    runs = [_territory({y: 0.12 for y in range(1970, 2016)})]
    table = comparison_table(rates, runs)
    lines = unemployment.markdown(table, rates, "u.png")
    text = "\n".join(lines)
    assert text.startswith("## Unemployment beside France and the Landes")
    assert "| 1975 | 12.0% | 12.0% - 12.0% | 3.4% |  | +8.6 |  |" in text
    assert "| 2012 | 12.0% | 12.0% - 12.0% |  | 9.8% (Q3, Q4) |  | +2.2 |" in text
    assert "![unemployment beside France and the Landes](u.png)" in text
    path = unemployment.plot(table, rates, tmp_path / "u.png", "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("[national_annual]\n1975 = 130\n", "national_annual.1975", "rate in percent"),
        ('[national_annual]\n1975 = "3"\n', "national_annual.1975", "rate in percent"),
        ("[national_annual]\nabc = 3\n", "national_annual.abc", "expected a year"),
        ('[landes_quarterly]\n"2012-Q5" = 3\n', "landes_quarterly.2012-Q5", "quarter"),
        ("[regional]\n1975 = 3\n", "regional", "unknown section"),
        (
            "[national_annual]\n1975 = 3\n[landes_census_2011]\nactive_percent = 70\n",
            "landes_census_2011.unemployed_percent",
            "required",
        ),
        ("national_annual = 3\n", "national_annual", "expected a table"),
    ],
)
def test_bad_rates_are_refused_in_one_line(tmp_path, text, field, expected):
    """Each problem: one line naming the file and the field."""
    path = tmp_path / "rates.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        load_rates(path)
    message = str(error.value)
    assert f"rates.toml: field '{field}'" in message and expected in message
    assert "\n" not in message


def test_missing_file_and_no_rate(tmp_path):
    """A missing file and a file without any rate are refused."""
    with pytest.raises(ScenarioError, match="unemployment rates file not found"):
        load_rates(tmp_path / "none.toml")
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError, match="no rate"):
        load_rates(empty)


def test_the_report_says_which_rates_calibration_used(rates, tmp_path):
    """The shipped note is stated; without one, the rates are all out of sample.

    A bad note or key is refused in one line.
    """
    assert "2008-2015" in (rates.calibration_note or "")
    table = comparison_table(rates, [_territory({y: 0.1 for y in range(1975, 2016)})])
    assert "Calibration used part of this table: the Seignanx" in "\n".join(
        unemployment.markdown(table, rates, "u.png")
    )
    bare = dataclasses.replace(rates, calibration_note=None)
    assert "No rate of this table was used in calibration." in "\n".join(
        unemployment.markdown(table, bare, "u.png")
    )
    for section, phrase in (
        ('[calibration]\nnote = ""', "field 'calibration.note': expected a sentence"),
        ('[calibration]\nnotes = "x"', "field 'calibration.notes': unknown key"),
    ):
        path = tmp_path / "rates.toml"
        path.write_text(f"[national_annual]\n1975 = 3.4\n{section}\n", encoding="utf-8")
        with pytest.raises(ScenarioError, match=phrase) as error:
            load_rates(path)
        assert "\n" not in str(error.value)
