"""``ptce-sim compare``: paired runs, differences with 90% intervals, the report for policy staff.

Real runs, tiny: the Seignanx with and without its pole over 2003-2012 (the 2008 crisis is a
shock to measure) at scale 0.1, 3 paired replicates; and two scenario files (the second
doubles every animator grant) with 4 replicates. The report files must exist and hold the
plain-language sentences with their intervals; paired runs share their seeds. Where the model
implies a direction (the pole creates jobs; more grants mean more public money spent and no
fewer ESS jobs), the report's paired 90% interval must say so. The statistics and the wording
are also checked on given numbers.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import dump_toml
from scipy import stats

from ptce_sim.config.overrides import Override, apply_overrides, narrow_years
from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.interfaces.cli import main
from ptce_sim.studies.additionality import MIN_DENOMINATOR
from ptce_sim.studies.batch import load_batch
from ptce_sim.studies.compare import Difference, Metric, interval_text, paired, sentence

ROOT = Path(__file__).resolve().parents[1]
SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"
PNG = b"\x89PNG\r\n\x1a\n"

VERSUS_SCALE = 0.1
"""The with/without comparison's scale. At 0.05 the pole's mechanisms create a handful of posts
a year (0 to 15 in a replicate), and the year the GE starts with its members' contracts
(docs/ODD.md 7.4) spreads the 3 replicates' jobs created beyond what 3 pairs separate from 0."""
VERSUS = """
[experiment]
name = "tiny_versus"
replicates = 3
master_seed = 9
start_year = 2003
end_year = 2012
scale = {scale}

[[scenarios]]
name = "without_pole"
file = "{scenario}"
without_cooperation = true

[[scenarios]]
name = "with_pole"
file = "{scenario}"
"""


@pytest.fixture(scope="module")
def versus(tmp_path_factory) -> Path:
    """The report of the with/without-pole comparison, made through the command line."""
    folder = tmp_path_factory.mktemp("versus")
    scenario = folder / "seignanx.toml"  # a copy: the comparison sees one version of it
    shutil.copyfile(SEIGNANX, scenario)
    experiment = folder / "versus.toml"
    text = VERSUS.format(scenario=scenario.as_posix(), scale=VERSUS_SCALE)
    experiment.write_text(text, encoding="utf-8")
    out = folder / "report"
    code = main(["compare", str(experiment), "--out", str(out), "--workers", "2", "--quiet"])
    assert code == 0
    return out


def test_report_files_exist(versus: Path) -> None:
    """The HTML and Markdown reports, the CSV and the PNG charts exist and link up."""
    for name in ("report.html", "report.md", "comparison.csv"):
        assert (versus / name).stat().st_size > 500, name
    for name in ("trajectories.png", "differences.png", "resilience.png"):
        assert (versus / name).read_bytes()[:8] == PNG, name
    html = (versus / "report.html").read_text(encoding="utf-8")
    markdown = (versus / "report.md").read_text(encoding="utf-8")
    for image in ("trajectories.png", "differences.png", "resilience.png"):
        assert f'src="{image}"' in html and f"]({image})" in markdown
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html


def test_report_sentences_have_intervals(versus: Path) -> None:
    """The plain-language sentences carry their 90% intervals."""
    markdown = (versus / "report.md").read_text(encoding="utf-8")
    html = (versus / "report.html").read_text(encoding="utf-8")
    jobs = re.search(
        r"with_pole creates [\d,.]+ more jobs than without_pole "
        r"\(90% interval [^)]+\)",
        markdown,
    )
    assert jobs, markdown
    assert jobs.group(0).replace("&", "") in html.replace("&amp;", "")
    expected = [
        r"with_pole has [\d,.]+ more people in work than without_pole at the end \(90% interval",
        r"Unemployment at the end is [\d.]+ points lower in with_pole",
        r"with_pole has [\d,.]+ more jobs in the social and solidarity economy \(ESS\) than "
        r"without_pole",
        r"with_pole spends €[\d,]+ more public money than without_pole",
        r"earn [\d.]+ points (more|less) of their income",
        r"When .*\(2008-10\) hits, employment in with_pole ends up [\d.]+ points",
    ]
    for pattern in expected:
        assert re.search(pattern, markdown), pattern
    assert markdown.count("90% interval") >= 8
    table = pd.read_csv(versus / "comparison.csv")
    assert {
        "jobs_created",
        "public_money_eur",
        "cost_per_job_eur",
        "resistance",
        "recovery_months",
        "renewal",
        "self_financing_end",
    } <= set(table["indicator"])
    jobs_row = table[table["indicator"] == "jobs_created"].iloc[0]
    assert jobs_row["reference_mean"] == 0  # no pole, no job created by its mechanisms
    assert jobs_row["interval_low"] <= jobs_row["difference"] <= jobs_row["interval_high"]
    # the pole's gross effects, each beyond the noise of the 3 paired replicates: their 90%
    # interval (Student's t on the paired differences) lies on the side the model implies. Its
    # net effect on residents in work (gross less deadweight, displacement and leakage) is within
    # the noise of 3 pairs at this scale: the interval must hold the difference, nothing more.
    rows = table[table["shock"].isna()].set_index("indicator")
    for indicator in ("jobs_created", "ess_jobs_end", "public_money_eur"):
        assert rows.loc[indicator, "interval_low"] > 0, rows.loc[indicator]
    for indicator in ("employed_end", "unemployment_rate_end"):
        row = rows.loc[indicator]
        assert row["interval_low"] <= row["difference"] <= row["interval_high"], row


def test_the_report_in_french(versus: Path, tmp_path: Path) -> None:
    """The same comparison in French: its sentences, tables, figures and notes (``--lang fr``).

    Made again from the finished batch; the English report beside it is unchanged.
    """
    from ptce_sim.studies.compare import write_report

    comparison = write_report(versus / "batch", tmp_path, lang="fr")
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    plain = markdown.replace("\u202f", " ").replace("\xa0", " ")
    expected = [
        r"# Comparaison de with_pole avec without_pole",
        r"## with_pole comparé à without_pole",
        r"- En 2012, with_pole compte [\d ,]+ emplois bruts dans les structures et dispositifs",
        r"with_pole crée [\d ,]+ emplois de plus que without_pole \(intervalle à 90 % : ",
        r"À la fin, with_pole compte [\d ,]+ personnes en emploi de (plus|moins) que without_pole",
        r"Sur la période, with_pole dépense [\d ]+ € d'argent public de plus que without_pole",
        r"\| indicateur \| without_pole \| with_pole \| écart \| intervalle à 90 % \| paires \|",
        r"### Emplois bruts et nets",
        r"\| − effet d'aubaine \(les mêmes emplois dans le cas de référence\) \|",
        r"\*\*Coût public par emploi net supplémentaire, par financeur \(2003-2012\)\*\*",
        r"## Comment lire ce rapport",
        r"- Les emplois bruts sont les emplois des structures et dispositifs que le pôle soutient",
    ]
    for pattern in expected:
        assert re.search(pattern, plain), pattern
    for english in ("compared with", "more jobs than", "How to read", "90% interval", "€"):
        assert english not in plain.replace(" €", ""), english
    assert html.startswith('<!DOCTYPE html>\n<html lang="fr">') and "Graphiques" in html
    assert comparison.sentences["with_pole"][1].startswith("with_pole crée")
    english = (versus / "report.md").read_text(encoding="utf-8")
    assert "## with_pole compared with without_pole" in english


def test_report_counts_gross_and_net_jobs(versus: Path) -> None:
    """Gross, deadweight, displacement, net jobs, net jobs by group and cost per net job.

    In the report (a sentence and three tables, in plain words) and in additionality.csv; net
    jobs are the paired difference of residents in work, and the cost per net job of all
    funders the extra public money over them, pair by pair.
    """
    markdown = (versus / "report.md").read_text(encoding="utf-8")
    html = (versus / "report.html").read_text(encoding="utf-8")
    assert "### Gross and net jobs" in markdown and "<h3>Gross and net jobs</h3>" in html
    assert re.search(
        r"In 2012, with_pole has [\d,]+ gross jobs in the pole's structures and mechanisms; "
        r"[\d,]+ such jobs exist in without_pole anyway \(deadweight\).*net, [\d,.]+ "
        r"(more|fewer) residents in work than without_pole",
        markdown,
    ), markdown
    leakage = [
        line
        for line in markdown.splitlines()
        if line.startswith("| − leakage (jobs taken by non-residents) |")
    ]
    assert leakage and "not modelled" not in leakage[0]  # in-commuting is modelled
    assert (
        "| long-term unemployed (the PLIE's public: ever unemployed 12 months or more) |"
        in markdown
    )
    table = pd.read_csv(versus / "additionality.csv")
    assert {
        "gross",
        "deadweight",
        "displacement",
        "leakage",
        "net",
        "net_young",
        "net_long_term",
        "net_rsa",
        "public_extra_eur",
        "cost_per_net_job_eur",
        "cost_per_net_job_year_eur",
    } <= set(table["indicator"])
    frame = load_batch(versus / "batch")
    funders = {
        c[len("public_") : -len("_eur")]
        for c in frame.columns
        if re.fullmatch(r"public_.+_eur", c) and c != "public_funding_eur"
    }
    period = table[table["scope"] == "period"].set_index(["indicator", "funder"])
    assert set(period.loc["cost_per_net_job_eur"].index) == funders | {"total"}
    end = frame[frame["year"] == 2012].pivot(index="replicate", columns="scenario")
    net = (end["employed", "with_pole"] - end["employed", "without_pole"]) / VERSUS_SCALE
    row = table[(table["first_year"] == 2012) & (table["indicator"] == "net")].iloc[0]
    assert row["median"] == pytest.approx(np.median(net), rel=1e-5)
    groups = table[(table["first_year"] == 2012) & table["indicator"].str.startswith("net_")]
    assert (groups["median"].abs() <= end["employed"].max().max() / VERSUS_SCALE).all()
    money = frame.groupby(["scenario", "replicate"])["public_funding_eur"].sum().unstack(0)
    extra = (money["with_pole"] - money["without_pole"]) / VERSUS_SCALE
    cost = period.loc[("cost_per_net_job_eur", "total")]
    if np.quantile(net, 0.05) > 0:
        assert cost["status"] == "estimated"
        counted = net >= MIN_DENOMINATOR  # a pair with less than one net job has no ratio
        expected = np.median((extra / net)[counted])
        assert cost["median"] == pytest.approx(expected, rel=1e-5)  # %.6g
    else:
        assert cost["status"] == "not significant" and math.isnan(cost["median"])
    pairs = pd.read_parquet(versus / "additionality_pairs.parquet")
    assert len(pairs) == 3 * 10 and set(pairs["replicate"]) == {0, 1, 2}
    assert np.allclose(pairs["residual"], 0.0)


def test_paired_runs_share_their_seeds(versus: Path) -> None:
    """Replicate r of each scenario runs with the same seed."""
    frame = load_batch(versus / "batch")
    seeds = frame.groupby(["scenario", "replicate"])["seed"].first().unstack("scenario")
    assert len(seeds) == 3
    assert (seeds["with_pole"] == seeds["without_pole"]).all()
    assert seeds["with_pole"].nunique() == 3


def _plain(data: object) -> object:
    """Scenario data without the ``None`` of unset optional fields (TOML has no null)."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def test_compare_two_scenario_files(tmp_path: Path, capsys) -> None:
    """Two scenario files (same run name) are compared and named by their files."""
    base = narrow_years(load_scenario(SEIGNANX), 2004, 2010)
    richer = apply_overrides(
        base, [Override("authorities[*].animation_grant_eur_per_year", 2.0, "multiply")]
    )
    a, b = tmp_path / "base.toml", tmp_path / "double_grant.toml"
    a.write_text(dump_toml(_plain(base.model_dump(mode="json"))), encoding="utf-8")
    b.write_text(dump_toml(_plain(richer.model_dump(mode="json"))), encoding="utf-8")
    out = tmp_path / "report"
    code = main(
        [
            "compare",
            str(a),
            str(b),
            "--replicates",
            "4",
            "--scale",
            "0.05",
            "--workers",
            "2",
            "--quiet",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "double_grant compared with base" in printed  # same run names: the files name them
    assert "residents in work than base" in printed and "additionality.csv" in printed
    markdown = (out / "report.md").read_text(encoding="utf-8")
    table = pd.read_csv(out / "comparison.csv")
    rows = table[table["shock"].isna()].set_index("indicator")
    # a cost per job exists only for the pairs where jobs were created
    pairs = rows["pairs"].drop("cost_per_job_eur")
    assert (pairs == 4).all() and 1 <= rows.loc["cost_per_job_eur", "pairs"] <= 4, rows["pairs"]
    # Twice the animator grants (€270,000 a year more in all): the authorities pay them, so more
    # public money in every pair (the 5% quantile of the paired differences is above 0) and on
    # average. The Student interval of the mean of 4 pairs is not required above 0: since the
    # institutions (the FJT's deficit grants, SCIC shares, the colleges' launches) the pairs'
    # extra money varies by more than its mean allows with 3 degrees of freedom.
    money = rows.loc["public_money_eur"]
    assert money["spread_q05"] > 0 and money["difference"] > 0, money
    assert re.search(
        r"double_grant spends €[\d,]+ more public money than base over the period \(90% interval",
        markdown,
    )
    # ... which pays a larger animator team (ESS staff, and more PLIE places): at least as many
    # ESS jobs. The direct effect (about 7 full-time jobs) is far below the noise of 4 pairs at
    # this scale (one person is 20 jobs), so the bound is the noise: not clearly fewer, i.e. the
    # upper end of the paired 90% interval is not below 0.
    ess = rows.loc["ess_jobs_end"]
    assert ess["interval_high"] >= 0, ess
    # the jobs sentence says what the table says
    jobs = rows.loc["jobs_created"]
    said = re.search(
        r"double_grant creates ([\d,.]+ (more|fewer) jobs than base|as many jobs)", markdown
    )
    assert said, markdown
    direction = said.group(2) or "as many"
    assert direction == {1: "more", -1: "fewer", 0: "as many"}[int(np.sign(jobs["difference"]))]
    assert (out / "report.html").is_file() and (out / "differences.png").is_file()


def test_compare_refuses_bad_input(tmp_path: Path, capsys) -> None:
    """One scenario, a design, a missing file: exit 2 with one line."""
    code = main(["compare", str(SEIGNANX), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "two or more scenario files" in err
    sweep = ROOT / "experiments" / "funding_sweep.toml"
    code = main(["compare", str(sweep), "--quiet", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no parameter design" in err
    code = main(["compare", str(SEIGNANX), str(tmp_path / "missing.toml"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "missing.toml" in err


# --------------------------------------------------------------------------------------------
# Statistics and words on given numbers
# --------------------------------------------------------------------------------------------


def test_paired_interval_is_students_t() -> None:
    """The interval is Student's t on the paired differences; NaN pairs are left out."""
    reference = [100.0, 110.0, 90.0, 105.0, 95.0]
    other = [220.0, 250.0, 200.0, 230.0, 210.0]
    mean, low, high, q05, q95, n = paired(reference, other)
    diff = [o - r for r, o in zip(reference, other, strict=True)]
    sem = stats.sem(diff)
    t = stats.t.ppf(0.95, len(diff) - 1)
    assert n == 5 and mean == pytest.approx(122.0)
    assert (low, high) == pytest.approx((122.0 - t * sem, 122.0 + t * sem))
    assert q05 <= mean <= q95
    single = paired([1.0], [3.0])
    assert single[0] == 2.0 and math.isnan(single[1]) and single[5] == 1
    with_nan = paired([1.0, float("nan"), 2.0], [2.0, 5.0, 4.0])
    assert with_nan[5] == 2 and with_nan[0] == pytest.approx(1.5)


def _difference(
    key: str,
    unit: str,
    mean: float,
    low: float,
    high: float,
    *,
    reference_mean: float = 1.0,
    scenario_mean: float = 1.0,
) -> Difference:
    return Difference(
        Metric(key, key, unit),
        "A",
        "B",
        reference_mean,
        scenario_mean,
        mean,
        low,
        high,
        low,
        high,
        10,
        10,
    )


def test_the_headline_sentence() -> None:
    """The sentences read as the issue asks, in both directions and with unclear intervals."""
    jobs = _difference("jobs_created", "jobs", 120.0, 80.0, 160.0)
    cost = _difference("cost_per_job_eur", "eur", -14_000.0, -19_000.0, -9_000.0)
    assert sentence(jobs, cost) == (
        "B creates 120 more jobs than A (90% interval 80–160) at €14,000 less per job "
        "created (90% interval €9,000–€19,000)."
    )
    unclear = _difference("unemployment_rate_end", "points", -0.4, -1.1, 0.3)
    assert interval_text(unclear) == " (90% interval −1.10 to +0.30: not clearly different from A)"
    assert sentence(unclear).startswith("Unemployment at the end is 0.40 points lower in B")
    fewer = _difference("jobs_created", "jobs", -35.0, -50.0, -20.0)
    assert sentence(fewer).startswith("B creates 35 fewer jobs than A (90% interval 20–50)")
    sooner = _difference("recovery_months|crisis (2008-10)", "months", -6.0, -9.0, -3.0)
    sooner = Difference(
        sooner.metric,
        "A",
        "B",
        20.0,
        14.0,
        -6.0,
        -9.0,
        -3.0,
        -9.0,
        -3.0,
        10,
        10,
        "crisis (2008-10)",
    )
    assert sentence(sooner) == (
        "After crisis (2008-10), B gets back to its pre-shock employment 6.0 months sooner "
        "than A (90% interval 3.0–9.0)."
    )
