"""The validation report in French and in English (``ptce-sim validate --lang fr|en``).

A small validation (2 seeds at scale 0.05, with and without cooperation) is written in both
languages. The French report has French headings and French numbers ("4 000 000", "60,7",
"54 %") and no English word outside what it quotes from the targets files (structure names,
derivations, reasons) and a short list of shared terms. The English report keeps, line for line,
what the code wrote before the reports spoke French: its key lines are rebuilt here with the
former formats, from the result's tables.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.runs import reference
from ptce_sim.runs.i18n import number, using
from ptce_sim.studies import fit
from ptce_sim.studies.targets import load_targets
from ptce_sim.studies.unemployment import load_rates
from ptce_sim.studies.validation import ValidationResult, markdown, validate, write_report

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "seignanx_1970_2015.toml"
TARGETS = ROOT / "scenarios" / "targets" / "seignanx.toml"
RATES = ROOT / "scenarios" / "targets" / "unemployment_france_landes.toml"
STAMP = "0123456789ab"

FRENCH_HEADINGS = (
    "# Validation : ",
    "## Synthèse",
    "## Chiffres observés et valeurs simulées (chiffres émergents)",
    "## Identités (non comptées dans l'ajustement)",
    "## Motifs",
    "## Le chômage à côté de la France et des Landes (hors échantillon)",
    "## Ce que change le pôle (contrefactuel)",
    "### Emplois bruts et nets (additionnalité)",
    "## Chiffres non comparés",
)
ENGLISH_WORDS = frozenset(
    """the and of with without is are not to from per run runs seed seeds job jobs figure
    figures pattern patterns year years above below within beyond median over interval
    unemployment employment rate gross cooperation pole observed simulated error goal met
    holds growth grows appears trust timeline prediction check input counterfactual residents
    none low medium high identity identities summary emergent funders funder cost
    scenario targets read through parameters made reference stamp where which that this
    """.split()
)
"""Common English words of the report that are not French words."""
SHARED_TERMS = ("Additionality Guide", "Homes and Communities Agency")
"""Names the French report keeps in English (the field's French terms are French already)."""


@pytest.fixture(scope="module")
def result() -> ValidationResult:
    """A small validation: 2 seeds at scale 0.05, with the observed unemployment rates."""
    return validate(
        load_scenario(SCENARIO),
        load_targets(TARGETS),
        seeds=(0, 1),
        scale=0.05,
        rates=load_rates(RATES),
    )


@pytest.fixture(scope="module")
def french(result: ValidationResult) -> str:
    """The small validation's report in French."""
    with using("fr"):
        return markdown(result, stamp=STAMP)


@pytest.fixture(scope="module")
def english(result: ValidationResult) -> str:
    """The small validation's report in English (the default)."""
    return markdown(result, stamp=STAMP)


def _plain(text: str) -> str:
    """Babel's no-break spaces as plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_the_french_report_has_french_headings_and_numbers(result, french):
    """Headings, the summary's counts and percentages, the figures' thousands and decimals."""
    for heading in FRENCH_HEADINGS:
        assert heading in french, heading
    text = _plain(french)
    emergent = fit.emergent(result.table)
    share = f"{100 * result.share_passed:.0f} %"
    assert (
        f"- **{fit.passed_count(result.table)} chiffres émergents sur {len(emergent)}** "
        f"({share}) sont à ±25 % ou moins de la valeur observée (objectif : au moins 80 %)."
    ) in text
    assert f"Produit avec l'empreinte de référence `{STAMP}`" in text
    assert reference.stamp_in(french) == STAMP  # the stamp is found in a French report too
    assert "à l'échelle 0,05, 2 graines (0-1)" in text
    with using("fr"):
        for row in emergent.itertuples():
            observed = _plain(number(row.observed))
            assert f"| {row.structure} | {row.indicator} | {row.period} | {observed} |" in text
    big = emergent[emergent["observed"] >= 1000]
    assert len(big) and re.search(r"\| \d{1,3}( \d{3})+ \|", text)  # "| 4 000 000 |"
    assert re.search(r"\| [+-]\d+ % \| (✅|⚠️|❌) \|", text)  # errors as "-9 %"
    assert "taux de chômage" in text and "années-emplois" in text


def test_the_french_report_has_no_english_outside_its_data(result, french):
    """No common English word is left once the targets files' texts are taken out.

    Taken out: the texts quoted from the targets files, file names, code spans, shared terms.
    """
    text = french
    quoted = [
        result.scenario.run.title,
        *result.table["structure"],
        *result.table["indicator"],
        *result.table["derivation"].dropna(),
        *result.table["likely_reason"].dropna(),  # the mapping file's words, as derivations
        *result.table["note"].dropna(),  # a source's own words, quoted
        *(reason for _label, _value, reason in result.targets.not_compared),
        result.rates.calibration_note or "",
        *result.additionality.funders,
        *SHARED_TERMS,
    ]
    for data in sorted(filter(None, quoted), key=len, reverse=True):
        text = text.replace(data, " ")
    text = re.sub(r"`[^`]*`|\([^()]*\.png\)", " ", text)
    words = {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]+(?:'[a-z]+)?", text)}
    assert not words & ENGLISH_WORDS, sorted(words & ENGLISH_WORDS)


def test_the_english_report_keeps_its_former_lines(result, english):
    """The English report's key lines are those the code wrote before it spoke French.

    The summary, the tables' rows, the patterns and the unemployment rows, with the formats
    rebuilt here as they were.
    """
    table, lines = result.table, english.split("\n")
    emergent = fit.emergent(table)
    applicable = result.patterns[result.patterns["holds"].notna()]
    predictions = applicable[applicable["basis"].str.startswith("prediction")]
    k, beyond = len(fit.identities(table)), result.beyond_50_count
    held = len(fit.held_out(table))
    expected = [
        "# Validation: " + (result.scenario.run.title or result.scenario.run.name),
        f"Made with reference stamp `{STAMP}` (see `tests/reference/digests.json`).",
        "## Summary",
        f"- {len(emergent) + held} of {len(table)} figures are emergent (the model could get them "
        f"wrong; goal: at least {fit.MIN_EMERGENT}, "
        f"{'met' if fit.enough_emergent(table) else 'not met'}); "
        f"{k} {'is an identity' if k == 1 else 'are identities'}, listed apart"
        + (
            f" ({held} emergent figure{' is' if held == 1 else 's are'} held out of the "
            "calibration and reported apart)."
            if held
            else "."
        ),
        f"- **{fit.passed_count(table)} of {len(emergent)} emergent figures** "
        f"({100 * result.share_passed:.0f}%) are within ±25% of the observed value (goal: at "
        "least 80%).",
        f"- **{beyond}** {'is' if beyond == 1 else 'are'} more than ±50% away (goal: none).",
        f"- Goal **{'met' if result.goal_met else 'not met'}** (emergent figures only).",
        f"- **{int(applicable['holds'].astype(bool).sum())} of {len(applicable)} patterns** hold "
        f"(in at least 80% of the runs), of which {int(predictions['holds'].astype(bool).sum())} "
        f"of {len(predictions)} predictions.",
        "| structure | indicator | year | observed | simulated median | 90% interval | error "
        "| fit |",
    ]
    for row in result.counterfactual.itertuples():
        expected.append(
            f"- Cooperation effect in {row.year}: {row.indicator} "
            f"{_signed(row.difference_median)} {row.unit} (90% interval "
            f"{_signed(row.difference_q05)} to {_signed(row.difference_q95)})."
        )
        unit = "%" if row.unit == "points" else ""
        expected.append(
            f"| {row.year} | {row.indicator} | {_number(row.with_cooperation)}{unit} | "
            f"{_number(row.without_cooperation)}{unit} | {_signed(row.difference_median)} "
            f"{row.unit} | {_signed(row.difference_q05)} to {_signed(row.difference_q95)} |"
        )
    for row in emergent.itertuples():
        mark = "✅" if row.passed else ("❌" if row.beyond_50 else "⚠️")
        expected.append(
            f"| {row.structure} | {row.indicator} | {row.period} | {_number(row.observed)} | "
            f"{_number(row.simulated_median)} | {_number(row.simulated_q05)} - "
            f"{_number(row.simulated_q95)} | {_percent(row.relative_error)} | {mark} |"
        )
    for row in result.patterns.itertuples():
        holds = "n/a" if pd.isna(row.holds) else ("✅" if row.holds else "❌")
        share = "n/a" if not math.isfinite(row.share_of_runs) else f"{100 * row.share_of_runs:.0f}%"
        expected.append(
            f"| {row.group} | {row.pattern} | {row.expected} | {row.basis} | {share} | {holds} "
            f"| {row.detail} |"
        )
    for row in result.unemployment.itertuples():
        landes = "" if math.isnan(row.landes) else f"{row.landes:.1f}% ({row.landes_periods})"
        national = "" if math.isnan(row.national) else f"{row.national:.1f}%"
        gaps = [("" if math.isnan(g) else f"{g:+.1f}") for g in (row.gap_national, row.gap_landes)]
        expected.append(
            f"| {row.year} | {row.simulated_median:.1f}% | {row.simulated_q05:.1f}% - "
            f"{row.simulated_q95:.1f}% | {national} | {landes} | {gaps[0]} | {gaps[1]} |"
        )
    for label, value, reason in result.targets.not_compared:
        expected.append(f"- `{label}` = {_number(value)}: {reason}.")
    missing = [line for line in expected if line not in lines]
    assert not missing, missing


def test_write_report_writes_the_language_asked(result, tmp_path):
    """``lang="fr"``: the Markdown is French, the CSV tables keep the result's English words."""
    files = write_report(result, tmp_path, stamp=STAMP, lang="fr")
    text = (tmp_path / "validation.md").read_text(encoding="utf-8")
    assert "## Synthèse" in text and "## Summary" not in text
    assert files[0] == tmp_path / "validation.md"
    patterns = (tmp_path / "validation_patterns.csv").read_text(encoding="utf-8")
    assert "job losses" in patterns and "pertes d'emplois" not in patterns


# -- the report's formats before it spoke French (for the English report's lines) -------------


def _number(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if value == int(value):
        return f"{value:.0f}"
    return f"{value:.3g}"


def _signed(value: float) -> str:
    text = _number(value)
    return text if text.startswith("-") or text == "n/a" else f"+{text}"


def _percent(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{100 * value:+.0f}%"
