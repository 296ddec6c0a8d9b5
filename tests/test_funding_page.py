"""The dashboard's funding page.

Funders' lines, variants made into scenario files, the queue of comparisons (order, one runner,
cancel, owners), the rerun of the downloaded files with the command line (same figures), and the
page in French and English.

The page's logic is in :mod:`ptce_sim.interfaces.dashboard.funding`; the Solara component
(:mod:`ptce_sim.interfaces.dashboard.funding_page`) is rendered with Solara's test renderer.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.interfaces.dashboard import funding
from ptce_sim.interfaces.dashboard.funding import (
    CANCELLED,
    DONE,
    FAILED,
    Change,
    JobQueue,
    Variant,
)
from ptce_sim.runs.i18n import using
from ptce_sim.studies.experiment import load_experiment

ROOT = Path(__file__).resolve().parents[1]
SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"
SMALL = ROOT / "scenarios" / "innovales_like_2000_2020.toml"
TINY = 0.02


def _authority(model, name: str):
    return next(a for a in model.authorities if a.name == name)


# -- funders' lines and variants ------------------------------------------------------------------


def test_funder_lines_are_the_scenario_amounts():
    """Each funder's lines as the scenario has them: amounts a year, years, the calls' total."""
    lines = funding.funder_lines(load_scenario(SEIGNANX))
    found = {(x.funder, x.line): x for x in lines}
    assert found[("State", "animation_grant")].amount == 40_000
    assert found[("State", "insertion_aid")].amount == 10_000
    assert found[("Aquitaine region", "training_budget")].amount == 360_000
    assert found[("Seignanx intercommunality", "animation_grant")].years == "1994-2015"
    calls = found[("State", "calls")]
    assert calls.amount == 200_000 and calls.years == "2013, 2015"
    assert ("European Social Fund", "animation_grant") not in found  # zero lines left out
    assert funding.solidarity_fund_year(load_scenario(SEIGNANX)) == 2015


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_variants_the_page_cannot_run_are_refused(lang):
    """Variants the page cannot run are refused with a message, in either language."""
    scenario = load_scenario(SMALL)
    cut = Change("State", "animation_grant", "percent", -50, 2010, 2020)
    cases = [
        [],
        [Variant(f"v{i}", (cut,)) for i in range(5)],
        [Variant("a", (cut,)), Variant("a", (cut,))],
        [Variant("bad name!", (cut,))],
        [Variant("empty", ())],
        [Variant("x", (Change("Nobody", "animation_grant", "stop", 0, 2010, 2020),))],
        [Variant("x", (Change("State", "animation_grant", "stop", 0, 1990, 2020),))],
        [Variant("x", (Change("State", "animation_grant", "percent", -150, 2010, 2020),))],
        [Variant("x", (cut, cut))],
    ]
    with using(lang):
        for variants in cases:
            with pytest.raises(ValueError):
                funding.check_variants(scenario, variants)
        funding.check_variants(scenario, [Variant("cut", (cut,))])  # a good one passes


def _write(tmp_path, variants, reference=SMALL):
    experiment = funding.write_files(
        tmp_path, reference, variants, replicates=1, scale=TINY, seed=7
    )
    return load_experiment(experiment)


def _model(scenario):
    from ptce_sim.simulation.model import PtceModel

    run = scenario.run.model_copy(update={"scale": TINY})
    return PtceModel(scenario.model_copy(update={"run": run}), seed=1)


def _model_at(scenario, year: int, model=None):
    """A tiny-scale model of ``scenario`` in January of ``year``, its events applied."""
    model = model or _model(scenario)
    while model.spec.run.start_year + model.month_index // 12 < year:
        model.step()
    model.step()
    return model


def test_a_cut_over_a_period_is_undone_after_it(tmp_path):
    """-50% of the State's animation grant 2008-2012: half then, all again from 2013.

    The variant's file is the reference plus funding_level events (not shocks).
    """
    change = Change("State", "animation_grant", "percent", -50, 2008, 2012)
    experiment = _write(tmp_path, [Variant("cut", (change,))])
    variant = experiment.scenarios["cut"]
    added = [e for e in variant.events if e.type == "funding_level"]
    assert [(e.date, e.level, e.items) for e in added] == [
        ("2008-01", 0.5, ["animation_grant"]),
        ("2013-01", 1.0, ["animation_grant"]),
    ]
    assert (tmp_path / "cut.toml").read_text().startswith((tmp_path / "reference.toml").read_text())
    model = _model_at(variant, 2010)
    state = _authority(model, "State")
    assert state.rule("animation_grant", state.spec.animation_grant_eur_per_year) == 20_000
    state = _authority(_model_at(variant, 2013, model), "State")
    assert state.rule("animation_grant", state.spec.animation_grant_eur_per_year) == 40_000


def test_a_raise_and_a_new_line_keep_the_reference_outside_their_period(tmp_path):
    """+20% of the aid per post and a new training budget from 2015.

    The base amounts are raised (experiment's set), held at the scenario's amounts before 2015 by
    the levels.
    """
    variant = Variant(
        "more",
        (
            Change("State", "insertion_aid", "percent", 20, 2015, 2020),
            Change("State", "training_budget", "new", 50_000, 2015, 2020),
        ),
    )
    experiment = _write(tmp_path, [variant])
    scenario = experiment.scenarios["more"]
    reference = experiment.scenarios["reference"]
    model = _model_at(scenario, 2012)
    before = _authority(model, "State")
    ref = _authority(_model_at(reference, 2012), "State")
    for item, name in [
        ("insertion_aid", "aid_per_insertion_post_eur_per_year"),
        ("training_budget", "training_budget_eur_per_year"),
        ("budget", "budget_eur_per_year"),
    ]:
        assert before.rule(item, getattr(before.spec, name)) == pytest.approx(
            ref.rule(item, getattr(ref.spec, name))
        )
    after = _authority(_model_at(scenario, 2016, model), "State")
    assert after.rule("insertion_aid", after.spec.aid_per_insertion_post_eur_per_year) == (
        pytest.approx(12_000)
    )
    assert after.rule("training_budget", after.spec.training_budget_eur_per_year) == (
        pytest.approx(50_000)
    )
    budget = after.rule("budget", after.spec.budget_eur_per_year)
    assert budget == pytest.approx(700_000 * 1.2 + 50_000)


def test_a_change_before_a_funder_exists_starts_when_it_does(tmp_path):
    """The intercommunality exists from 1994: a cut over 1980-2000 starts in 1994."""
    change = Change("Seignanx intercommunality", "animation_grant", "percent", -50, 1980, 2000)
    experiment = _write(tmp_path, [Variant("cut", (change,))], reference=SEIGNANX)
    added = [e for e in experiment.scenarios["cut"].events if e.type == "funding_level"]
    assert [(e.date, e.level) for e in added] == [("1994-01", 0.5), ("2001-01", 1.0)]


def test_stopped_calls_are_no_calls_and_new_calls_come_each_year(tmp_path):
    """Stopped calls keep their date with no money (no call); a new line is a call a year."""
    stop = Variant("nocall", (Change("State", "calls", "stop", 0, 2010, 2020),))
    new = Variant("calls", (Change("State", "calls", "new", 30_000, 2016, 2018),))
    experiment = _write(tmp_path, [stop, new])
    calls = [e for e in experiment.scenarios["nocall"].events if e.type == "funding_call"]
    assert calls and all(e.grant_eur == 0 for e in calls)
    added = [
        (e.year, e.grant_eur)
        for e in experiment.scenarios["calls"].events
        if e.type == "funding_call" and e.year >= 2016
    ]
    assert added == [(2016, 30_000), (2017, 30_000), (2018, 30_000)]
    model = _model_at(experiment.scenarios["nocall"], 2020)
    assert model.funding.funding_call("State", 0.0) == 0.0


# -- the queue ------------------------------------------------------------------------------------


class FakeRunner:
    """Records the jobs it runs and how many run at once; each takes ``runs`` progress steps."""

    def __init__(self, runs: int = 3, pause: float = 0.05) -> None:
        self.order: list[str] = []
        self.running = 0
        self.most = 0
        self.runs = runs
        self.pause = pause
        self.lock = threading.Lock()

    def __call__(self, job, progress) -> None:
        """Run ``job``: ``runs`` progress steps."""
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.order.append(job.run_id)
        try:
            for done in range(1, self.runs + 1):
                time.sleep(self.pause)
                progress(done, 0, self.runs)
        finally:
            with self.lock:
                self.running -= 1


def _submit(queue: JobQueue, owner: str = "alice"):
    return queue.submit(owner, "en", lambda folder: (folder / "x.toml").write_text("x"))


def test_one_comparison_at_a_time_in_order_with_places(tmp_path):
    """Comparisons run one at a time, oldest first; the others know their place."""
    runner = FakeRunner(runs=4, pause=0.05)
    queue = JobQueue(tmp_path, runner)
    jobs = [_submit(queue, owner) for owner in ("alice", "bob", "carol")]
    time.sleep(0.02)
    assert [queue.place(j) for j in jobs] == [0, 1, 2]
    assert queue.idle(timeout=10)
    assert runner.order == [j.run_id for j in jobs]
    assert runner.most == 1
    assert all(j.status == DONE and j.done == 4 for j in jobs)


def test_cancel_a_waiting_and_a_running_comparison(tmp_path):
    """A waiting comparison leaves the queue; a running one stops after its current run."""
    runner = FakeRunner(runs=50, pause=0.02)
    queue = JobQueue(tmp_path, runner)
    running, waiting = _submit(queue), _submit(queue)
    time.sleep(0.1)
    queue.cancel(waiting)
    assert waiting.status == CANCELLED and queue.place(waiting) == 0
    queue.cancel(running)
    assert queue.idle(timeout=5)
    assert running.status == CANCELLED and running.done < 50
    assert runner.order == [running.run_id]


def test_a_failing_comparison_is_shown_and_the_queue_goes_on(tmp_path):
    """A comparison that fails says why, and the next one runs."""
    calls = []

    def runner(job, progress):
        calls.append(job.run_id)
        if len(calls) == 1:
            raise RuntimeError("boom")

    queue = JobQueue(tmp_path, runner)
    bad, good = _submit(queue), _submit(queue)
    assert queue.idle(timeout=5)
    assert bad.status == FAILED and "boom" in bad.error and good.status == DONE


def test_a_visitor_sees_only_their_comparisons_even_after_a_restart(tmp_path):
    """Only its owner gets a comparison, by run id, from memory or from its folder."""
    queue = JobQueue(tmp_path, FakeRunner(runs=1, pause=0.0))
    mine = _submit(queue, "alice")
    assert queue.idle(timeout=5)
    assert queue.get(mine.run_id, "alice") is mine
    assert queue.get(mine.run_id, "mallory") is None
    assert queue.latest("mallory") is None and queue.latest("alice") is mine
    assert queue.get("../" + mine.run_id, "alice") is None
    restarted = JobQueue(tmp_path, FakeRunner())  # a new server: the job from its folder
    again = restarted.get(mine.run_id, "alice")
    assert again is not None and again.status == DONE
    assert restarted.get(mine.run_id, "mallory") is None


def test_files_that_fail_to_prepare_queue_nothing(tmp_path):
    """Files that cannot be written leave no job and no folder."""
    queue = JobQueue(tmp_path, FakeRunner())

    def broken(folder):
        raise ValueError("no variant")

    with pytest.raises(ValueError):
        queue.submit("alice", "en", broken)
    assert queue.waiting == [] and list(tmp_path.iterdir()) == []


def test_batch_workers_run_at_a_lower_priority():
    """``init_worker(nice)`` lowers the worker's priority."""
    code = (
        "import os; from ptce_sim.studies.batch_worker import init_worker; "
        "before = os.nice(0); init_worker(7); print(os.nice(0) - before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() in ("7", str(19 - 0))  # capped at 19


def test_the_server_uses_all_cores_but_one(monkeypatch):
    """The page's comparisons use every core but one, at least one."""
    from ptce_sim.studies import batch

    monkeypatch.setattr(batch, "default_workers", lambda: 2)
    assert funding.workers() == 1
    monkeypatch.setattr(batch, "default_workers", lambda: 1)
    assert funding.workers() == 1


# -- a real comparison, its download rerun with the command line ----------------------------------


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A comparison run by the page's queue at a tiny scale: a cut, 2 replicates, in French."""
    root = tmp_path_factory.mktemp("funding")
    queue = JobQueue(root, funding.run_comparison)
    variant = Variant("coupe", (Change("State", "animation_grant", "percent", -50, 2012, 2020),))
    job = queue.submit("alice", "fr", funding.prepare(SMALL, [variant], replicates=2, scale=TINY))
    assert queue.idle(timeout=600)
    assert job.status == DONE, job.error
    return job


def test_the_downloaded_files_rerun_with_the_cli_give_the_same_figures(finished, tmp_path):
    """The zip's files, rerun with ``ptce-sim compare``, give byte-identical figures."""
    from ptce_sim.interfaces.cli import main

    archive = zipfile.ZipFile(io.BytesIO(funding.download(finished)))
    names = set(archive.namelist())
    assert {"report.html", "experiment.toml", "reference.toml", "coupe.toml"} <= names
    assert {"comparison.csv", "additionality.csv", "README.txt"} <= names
    archive.extractall(tmp_path / "download")
    out = tmp_path / "rerun"
    status = main(
        [
            "compare",
            str(tmp_path / "download" / "experiment.toml"),
            "--out",
            str(out),
            "--lang",
            "fr",
            "--workers",
            "1",
        ]
    )
    assert status == 0
    for name in ("comparison.csv", "additionality.csv"):
        assert (out / name).read_bytes() == archive.read(name), name
    assert "Échelle réduite" in archive.read("report.html").decode()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_results_have_every_measure_with_intervals_and_sentences(finished, lang):
    """Every measure has figures with their sentence, and a chart."""
    with using(lang):
        found = funding.results(finished)
    assert set(found.measures) == set(funding.MEASURES)
    assert found.reference == "reference" and found.replicates == 2 and found.scale == TINY
    for key in ("gross", "net", "unemployment", "cost"):
        assert found.measures[key], key
    costs = {row.label for row in found.measures["cost"]}
    assert len(costs) >= 3  # each funder and all of them
    assert all(row.text for rows in found.measures.values() for row in rows)
    assert found.measures["resilience"], "the scenario's shocks are measured"
    png = funding.chart(found.measures["net"], "net")
    assert png.startswith(b"\x89PNG")


# -- the page (Solara's test renderer) ------------------------------------------------------------


def _texts(widget) -> list[str]:
    """Every text a rendered widget tree shows (labels, items, values, Markdown)."""
    import ipywidgets

    found = []
    for name in ("children", "label", "items", "title"):
        if not widget.has_trait(name):
            continue
        value = getattr(widget, name)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, ipywidgets.Widget):
                found += _texts(item)
            elif isinstance(item, str):
                found.append(item)
    if widget.has_trait("template") and isinstance(getattr(widget, "template", None), str):
        markdown = re.search(r"<template>(.*?)</template>", widget.template, re.S)
        if markdown:
            found.append(re.sub(r"<[^>]+>", " ", markdown.group(1)))
    return found


PAGE_WORDS = {
    "fr": ["Scénarios de financement", "Lancer la comparaison", "subvention d'animation"],
    "en": ["Funding scenarios", "Run the comparison", "animation grant"],
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_renders_in_both_languages(lang, monkeypatch, tmp_path):
    """The page is in the language asked, with none of the other's words."""
    solara = pytest.importorskip("solara")
    from ptce_sim.interfaces.dashboard import funding_page

    monkeypatch.setattr(funding, "_QUEUE", JobQueue(tmp_path, FakeRunner()))
    box, rc = solara.render(
        funding_page.FundingPage(lang, lambda _lang: None, lambda: None), handle_error=False
    )
    try:
        text = " ".join(_texts(box))
        for words in PAGE_WORDS[lang]:
            assert words in text, words
        other = "en" if lang == "fr" else "fr"
        for words in PAGE_WORDS[other]:
            assert words not in text, words
    finally:
        rc.close()


def test_a_finished_comparison_is_shown_in_french(finished, monkeypatch):
    """A finished comparison: its download, its notes and its measures, in French."""
    solara = pytest.importorskip("solara")
    from ptce_sim.interfaces.dashboard import funding_page

    box, rc = solara.render(funding_page.JobPanel(finished, "fr"), handle_error=False)
    try:
        text = " ".join(_texts(box))
        assert "Télécharger le rapport" in text
        assert "Aucun échantillon a posteriori" in text  # none is committed yet
        assert "Échelle réduite" in text
        assert "Emplois nets additionnels" in text and "intervalle" in text
    finally:
        rc.close()


def test_the_url_opens_the_funding_page():
    """``?page=funding&run=ID`` opens the funding page on a comparison."""
    from ptce_sim.interfaces.dashboard.funding_page import query, wants_funding

    assert wants_funding("page=funding&run=abc") and not wants_funding(None)
    assert query("page=funding&run=abc")["run"] == "abc"


def test_a_committed_posterior_goes_with_the_files_so_that_they_rerun_alone(monkeypatch, tmp_path):
    """A committed posterior is copied among the files, and the experiment names the copy.

    ``ptce-sim compare experiment.toml`` then draws the same parameters, with no option.
    """
    import pandas as pd

    from ptce_sim.studies.experiment import load_experiment
    from ptce_sim.studies.posterior import COMPARE_SEEDS_PER_DRAW, write_posterior

    sample = write_posterior(
        tmp_path / "committed.parquet",
        pd.DataFrame({"trust": [0.2, 0.4], "weight": [0.5, 0.5]}),
        {"trust": "mechanisms.cooperation.initial_trust"},
        {"scale": 0.1},
    )
    monkeypatch.setattr(funding, "posterior_file", lambda reference: sample)
    variant = Variant("coupe", (Change("State", "animation_grant", "percent", -50, 2012, 2020),))
    folder = tmp_path / "files"
    funding.prepare(SMALL, [variant], replicates=2, scale=TINY)(folder)
    copy = folder / funding.POSTERIOR_COPY
    assert copy.read_bytes() == sample.read_bytes()
    experiment = load_experiment(folder / "experiment.toml")
    assert experiment.posterior is not None
    assert experiment.posterior.seeds_per_draw == COMPARE_SEEDS_PER_DRAW
    assert experiment.posterior.paths == ("mechanisms.cooperation.initial_trust",)
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert funding.POSTERIOR_COPY in readme and "--posterior" not in readme
    monkeypatch.setattr(funding, "posterior_file", lambda reference: None)
    plain = tmp_path / "plain"
    funding.prepare(SMALL, [variant], replicates=2, scale=TINY)(plain)
    assert not (plain / funding.POSTERIOR_COPY).exists()
    assert load_experiment(plain / "experiment.toml").posterior is None
