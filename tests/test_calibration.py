"""Calibration with uncertainty (ptce_sim/studies/calibration.py, abc.py, posterior.py).

* the definition loader refuses bad files with one line naming the file and the field;
* rejection ABC with regression adjustment recovers the known posterior of a linear-Gaussian
  toy (median, 90% interval, coverage over repeated truths), better than plain rejection, and
  computes Kish's effective sample size right;
* the recovery check (pseudo-observed points left out of the table) covers known parameters;
* a posterior sample round-trips through its file, and ``--posterior`` draws are reproducible
  and reach the runs' overrides;
* on the real model at a tiny scale, an interrupted design table completes with ``--resume``
  and every run yields its figures (slow).
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.studies import abc
from ptce_sim.studies.calibration import (
    design_experiment,
    figure_values,
    load_calibration,
    recovery,
    statistics,
)
from ptce_sim.studies.posterior import load_posterior, write_posterior

ROOT = Path(__file__).resolve().parents[1]
DEFINITION = ROOT / "experiments" / "calibration" / "seignanx.toml"


def definition(tmp_path: Path, old: str = "", new: str = "") -> Path:
    """The real definition with ``old`` replaced by ``new``, paths made absolute."""
    text = DEFINITION.read_text(encoding="utf-8").replace('"../../', f'"{ROOT.as_posix()}/')
    assert old in text
    path = tmp_path / "calibration.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_real_definition_loads_with_the_emergent_figures() -> None:
    """The committed definition loads; its statistics are emergent figures only."""
    calibration = load_calibration(DEFINITION)
    assert len(calibration.figures) >= 10
    assert all(t.emergent for t in calibration.figures)
    held = {t.label for t in calibration.targets.targets if t.held_out}
    assert held and not held & {t.label for t in calibration.figures}  # out-of-sample tests
    assert len(calibration.labels) == 10  # with the trade qualifications' factor
    # no structure's own number is calibrated: a size follows from rules shared by a kind
    paths = [p.path for p in calibration.spec.parameters]
    assert not [path for path in paths if path.startswith("events[")]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("bounds = [0.0003, 0.005]", "bounds = [0.005, 0.0003]", "parameters[0].bounds"),
        (
            'prior = "uniform"\nbounds = [0.0, 1.0]',
            'prior = "log_uniform"\nbounds = [0.0, 1.0]',
            "parameters[1].bounds",
        ),
        ("accept = 0.5", "accept = 1.5", "abc.accept"),
        ('kernel = "epanechnikov"', 'kernel = "gaussian"', "abc.kernel"),
        ("points = 2000", "points = 2000\nexclude = ['target[9].nothing']", "calibration.exclude"),
        (
            'path = "firms.risk_premium"',
            'path = "firms.no_such_parameter"',
            "parameters[1].path",
        ),
        ("bounds = [100000.0, 420000.0]", "bounds = [100000.0, 900000.0]", "parameters[4].bounds"),
        ('why = "mark-up', 'whyy = "mark-up', "parameters[1]"),
    ],
)
def test_bad_definitions_give_one_line_naming_file_and_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    """Each bad field gives one line naming the file and the field."""
    path = definition(tmp_path, old, new)
    with pytest.raises(ScenarioError) as caught:
        load_calibration(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message and field in message


def test_the_design_is_stable_across_loads_so_that_resume_accepts_it(tmp_path: Path) -> None:
    """The same definition gives the same plan (``--resume`` accepts it); another size does not."""
    first = design_experiment(load_calibration(DEFINITION)).digest()
    assert design_experiment(load_calibration(DEFINITION)).digest() == first
    other = load_calibration(definition(tmp_path, "points = 2000", "points = 2500"))
    assert design_experiment(other).digest() != first


def test_log_uniform_priors_are_sampled_on_log_scale() -> None:
    """A log-uniform prior puts half its points below the geometric middle of its bounds."""
    experiment = design_experiment(load_calibration(DEFINITION), points=400)
    values = np.array(
        [p.params["mechanisms.shared_employment.contact_rate"] for p in experiment.points()]
    )
    assert values.min() >= 0.0003 and values.max() <= 0.005
    geometric_middle = np.sqrt(0.0003 * 0.005)  # 0.0012: half the points below it
    assert 0.4 < np.mean(values < geometric_middle) < 0.6


# ------------------------------------------------------------------------------------------------
# ABC on a linear-Gaussian toy: theta ~ U(-10, 10), s = theta + N(0, 1); posterior ~ N(s_obs, 1)

TOY_PRIOR = abc.Prior(np.array([-10.0]), np.array([10.0]), np.array([False]))


def toy_table(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A table of ``n`` simulations of the toy over its prior."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-10, 10, size=(n, 1))
    return theta, theta + rng.standard_normal((n, 1))


def test_regression_abc_recovers_the_known_posterior() -> None:
    """Median and 90% interval match N(s_obs, 1), even with a wide tolerance."""
    theta, stats = toy_table(40_000, 1)
    observed = np.array([2.0])
    for accept in (0.1, 0.4):  # a tolerance of about 1 and of about 4 standard deviations
        result = abc.fit(theta, stats, observed, TOY_PRIOR, accept=accept, scale=np.ones(1))
        q05, median, q95 = abc.weighted_quantiles(
            result.adjusted[:, 0], result.weights, [0.05, 0.5, 0.95]
        )
        assert median == pytest.approx(2.0, abs=0.1)
        assert q05 == pytest.approx(2.0 - 1.645, abs=0.2)
        assert q95 == pytest.approx(2.0 + 1.645, abs=0.2)
        assert result.acceptance == int(accept * 40_000)
        assert result.adjusted.min() > -10 and result.adjusted.max() < 10
    raw = abc.weighted_quantiles(result.raw[:, 0], result.weights, [0.05, 0.95])
    assert raw[1] - raw[0] > 1.5 * (q95 - q05)  # plain rejection at this tolerance is too wide


def test_the_90_percent_intervals_cover_the_truth_about_9_times_in_10() -> None:
    """Over 200 truths, the 90% intervals hold the truth 82-97% of the time."""
    theta, stats = toy_table(5000, 2)
    rng = np.random.default_rng(3)
    truths = rng.uniform(-6, 6, size=200)
    inside = []
    for truth in truths:
        observed = np.array([truth + rng.standard_normal()])
        result = abc.fit(theta, stats, observed, TOY_PRIOR, accept=0.1)
        low, high = abc.weighted_quantiles(result.adjusted[:, 0], result.weights, [0.05, 0.95])
        inside.append(low <= truth <= high)
    assert 0.82 <= np.mean(inside) <= 0.97


def test_effective_sample_size_is_kish() -> None:
    """ESS is (sum w)^2 / sum w^2."""
    assert abc.effective_sample_size(np.ones(50)) == pytest.approx(50)
    assert abc.effective_sample_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1)
    assert abc.effective_sample_size(np.array([3.0, 1.0])) == pytest.approx(16 / 10)
    theta, stats = toy_table(2000, 4)
    result = abc.fit(theta, stats, np.zeros(1), TOY_PRIOR, accept=0.5)
    w = result.weights
    assert result.ess == pytest.approx(1 / np.sum(w**2)) and w.sum() == pytest.approx(1)
    assert result.ess < result.acceptance  # the kernel's weights are unequal


def test_the_transformation_keeps_adjusted_values_within_the_bounds() -> None:
    """The logit transformation round-trips and maps any value within the bounds."""
    prior = abc.Prior(np.array([0.001, -1.0]), np.array([0.1, 1.0]), np.array([True, False]))
    x = np.array([[0.002, 0.5], [0.09, -0.99]])
    assert np.allclose(prior.from_unbounded(prior.to_unbounded(x)), x)
    far = prior.from_unbounded(np.array([[50.0, -50.0]]))
    assert 0.001 <= far[0, 0] <= 0.1 and -1.0 <= far[0, 1] <= 1.0


def test_too_few_accepted_points_for_the_regression_is_an_error() -> None:
    """The regression needs more kept points than parameters and statistics."""
    theta, stats = toy_table(20, 5)
    with pytest.raises(ValueError, match="raise the design size"):
        abc.fit(theta, stats, np.zeros(1), TOY_PRIOR, accept=0.1)


def test_recovery_check_covers_known_parameters() -> None:
    """Pseudo-observed points left out of the table fall in their 90% intervals."""
    theta, stats = toy_table(3000, 6)
    calibration = SimpleNamespace(
        prior=TOY_PRIOR, labels=["theta"], spec=SimpleNamespace(abc=SimpleNamespace(accept=0.1))
    )
    fit = SimpleNamespace(theta=theta, stats=stats)
    table = recovery(calibration, fit, 60, seed=7)
    assert len(table) == 60 and 0.75 <= table["inside"].mean() <= 1.0


def test_statistics_are_log_ratios_with_a_floor() -> None:
    """0 on target; an absent or NaN figure counts as the floor."""
    figures = (SimpleNamespace(label="a", observed=10.0), SimpleNamespace(label="b", observed=4.0))
    values = pd.DataFrame({"a": [10.0, 0.0, np.nan], "b": [8.0, 4.0, 4.0]})
    s = statistics(values, figures, floor=0.05)
    assert s[0, 0] == pytest.approx(0.0) and s[1, 1] == pytest.approx(0.0)
    assert s[0, 1] == pytest.approx(np.log(8.2 / 4.2))
    assert s[1, 0] == pytest.approx(np.log(0.05 / 1.05)) and s[2, 0] == s[1, 0]


# ------------------------------------------------------------------------------------------------
# Posterior files and --posterior


def posterior_file(tmp_path: Path) -> Path:
    """A 4-particle posterior of one parameter, the first with weight 0."""
    frame = pd.DataFrame({"trust": [0.1, 0.2, 0.3, 0.4], "weight": [0.0, 0.5, 0.25, 0.25]})
    return write_posterior(
        tmp_path / "posterior.parquet",
        frame,
        {"trust": "mechanisms.cooperation.initial_trust"},
        {"scale": 0.1, "ess": 2.7},
    )


def test_a_posterior_round_trips_and_its_draws_are_reproducible(tmp_path: Path) -> None:
    """Same seed, same draws; draws follow the weights; overrides carry the drawn values."""
    posterior = load_posterior(posterior_file(tmp_path))
    assert posterior.paths == ("mechanisms.cooperation.initial_trust",)
    assert posterior.metadata["ess"] == 2.7
    draws = [posterior.draw(11, r) for r in range(200)]
    assert draws == [posterior.draw(11, r) for r in range(200)]
    rows = [row for row, _ in draws]
    assert 0 not in rows  # weight 0: never drawn
    assert 0.4 < np.mean(np.array(rows) == 1) < 0.6
    row, overrides = draws[0]
    assert overrides[0].path == "mechanisms.cooperation.initial_trust"
    assert overrides[0].value == posterior.values[row, 0]
    assert [posterior.draw(12, r)[0] for r in range(50)] != rows[:50]


def test_posterior_draws_reach_the_batch_runs(tmp_path: Path) -> None:
    """Each replicate's task carries its drawn particle's overrides; the plan's digest changes."""
    from ptce_sim.studies.batch import tasks
    from ptce_sim.studies.experiment import experiment_from_scenarios

    posterior = load_posterior(posterior_file(tmp_path))
    seignanx = ROOT / "scenarios" / "seignanx_1970_2015.toml"
    cut = ROOT / "scenarios" / "seignanx_funding_cut_2016_2025.toml"
    plain = experiment_from_scenarios([seignanx, cut], replicates=6, master_seed=3)
    drawn = plain.with_options(posterior=posterior)
    assert drawn.digest() != plain.digest()  # --resume cannot mix runs with and without
    runs = list(tasks(drawn))
    expected = [posterior.draw(3, r)[0] for r in range(6)]
    assert [t.draw for t in runs] == expected * 2  # a replicate's scenarios share their draw
    for task in runs:
        (override,) = task.overrides
        assert override.value == posterior.values[task.draw, 0]
    assert all(t.draw is None and not t.overrides for t in tasks(plain))


def test_bad_posterior_files_are_refused(tmp_path: Path) -> None:
    """A missing file or a Parquet file without posterior metadata is refused."""
    with pytest.raises(ScenarioError, match="no such posterior file"):
        load_posterior(tmp_path / "missing.parquet")
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"x": [1.0]}).to_parquet(plain)
    with pytest.raises(ScenarioError, match="not a posterior sample"):
        load_posterior(plain)


# ------------------------------------------------------------------------------------------------
# The real model at a tiny scale


@pytest.mark.slow
def test_an_interrupted_design_completes_with_resume(tmp_path: Path) -> None:
    """An interrupted design table completes with resume; every run yields its figures."""
    from ptce_sim.studies.batch import run_batch, run_files

    calibration = load_calibration(DEFINITION)
    experiment = design_experiment(calibration, points=3, scale=0.04)
    out = tmp_path / "table"

    def stop_after_one(done: int, failed: int, planned: int) -> None:
        """Interrupt the batch after its first finished run."""
        if done >= 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(experiment, out, workers=1, progress=stop_after_one)
    assert len(run_files(out)) == 1
    again = design_experiment(load_calibration(DEFINITION), points=3, scale=0.04)
    report = run_batch(again, out, workers=1, resume=True)
    assert report.skipped == 1 and report.ran == 2 and report.done == 3
    values = figure_values(out, calibration.figures, 0.04)
    assert len(values) == 3
    figures = values[[t.label for t in calibration.figures]].to_numpy(dtype=float)
    assert np.isfinite(figures).all() and (figures > 0).any(axis=0).sum() >= 8


TINY = """
[experiment]
name = "tiny_posterior"
replicates = 3
master_seed = 9
start_year = 1999
end_year = 2001
scale = 0.05
keep = ["employed"]

[[scenarios]]
name = "seignanx"
file = "{scenario}"
"""


def test_batch_with_posterior_records_each_runs_draw(tmp_path: Path) -> None:
    """``ptce-sim batch --posterior``: the manifest names the sample, each run its draw."""
    from ptce_sim.interfaces.cli import main
    from ptce_sim.studies.batch import read_manifest, run_files, run_metadata

    experiment = tmp_path / "tiny.toml"
    scenario = (ROOT / "scenarios" / "seignanx_1970_2015.toml").as_posix()
    experiment.write_text(TINY.format(scenario=scenario), encoding="utf-8")
    posterior = posterior_file(tmp_path)
    out = tmp_path / "batch"
    args = ["batch", str(experiment), "--posterior", str(posterior), "--out", str(out)]
    assert main([*args, "--workers", "1", "--quiet"]) == 0
    manifest = read_manifest(out)
    assert manifest["posterior"]["sha256"] == load_posterior(posterior).digest
    draws = [run_metadata(p)["posterior_draw"] for p in run_files(out)]
    assert draws == [load_posterior(posterior).draw(9, r)[0] for r in range(3)]


def test_the_comparison_report_says_which_uncertainty_its_intervals_include() -> None:
    """Without a posterior: random draws only; with one: the calibration's uncertainty too."""
    from ptce_sim.studies.compare import posterior_note

    assert "random draws only" in posterior_note(None)
    note = posterior_note({"file": "/x/seignanx.parquet"})
    assert "seignanx.parquet" in note and "calibration leaves uncertain" in note
    assert "cannot be told apart" in note
    split = posterior_note({"file": "/x/seignanx.parquet", "seeds_per_draw": 3})
    assert "Each draw ran with 3 seeds" in split and "cannot be told apart" not in split


def test_split_variance_recovers_known_random_and_parameter_parts() -> None:
    """Draws of known spread (parameters SD 3, random SD 1): the split finds both."""
    from ptce_sim.studies.posterior import split_variance

    rng = np.random.default_rng(5)
    draws = rng.normal(0.0, 3.0, 400)
    groups = np.repeat(np.arange(400), 3)
    values = draws[groups] + rng.normal(0.0, 1.0, groups.size)
    random_sd, parameter_sd = split_variance(values, groups)
    assert random_sd == pytest.approx(1.0, rel=0.08)
    assert parameter_sd == pytest.approx(3.0, rel=0.12)
    # no parameter effect: the parameters' part is (close to) nothing
    flat = rng.normal(0.0, 1.0, groups.size)
    assert split_variance(flat, groups)[1] < 0.25
    # unequal groups and a missing value are handled; one value per group cannot be split
    uneven = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    assert all(math.isfinite(x) for x in split_variance(np.arange(9.0), uneven))
    assert all(math.isnan(x) for x in split_variance(np.arange(4.0), np.arange(4)))
    assert all(math.isnan(x) for x in split_variance([1.0, np.nan, 2.0], [0, 0, 1]))


def test_replicates_share_a_draw_in_pairs_with_two_seeds_per_draw(tmp_path: Path) -> None:
    """``--seeds-per-draw 2``: replicates 2k and 2k+1 run one particle with their own seeds."""
    from ptce_sim.studies.batch import tasks
    from ptce_sim.studies.experiment import experiment_from_scenarios

    seignanx = ROOT / "scenarios" / "seignanx_1970_2015.toml"
    plain = experiment_from_scenarios([seignanx], replicates=8, master_seed=3)
    one = plain.with_options(posterior=load_posterior(posterior_file(tmp_path)))
    two = plain.with_options(posterior=load_posterior(posterior_file(tmp_path), seeds_per_draw=2))
    assert one.digest() != two.digest()  # --resume cannot mix the two
    runs = list(tasks(two))
    assert [t.draw for t in runs] == [one.posterior.draw(3, r // 2)[0] for r in range(8)]
    assert len({t.seed for t in runs}) == 8
    with pytest.raises(ScenarioError, match="seeds-per-draw 0"):
        load_posterior(posterior_file(tmp_path), seeds_per_draw=0)


def test_compare_with_a_posterior_splits_random_and_parameter_uncertainty(tmp_path: Path) -> None:
    """``compare --posterior`` splits each difference's spread, or says it cannot.

    Two seeds per draw by default: the report's table and the CSV split the spread; with
    ``--seeds-per-draw 1`` the report says the two kinds cannot be told apart.
    """
    from test_compare import VERSUS

    from ptce_sim.interfaces.cli import main

    scenario = (ROOT / "scenarios" / "seignanx_1970_2015.toml").as_posix()
    experiment = tmp_path / "versus.toml"
    short = VERSUS.replace("end_year = 2012", "end_year = 2006")  # test_compare's, 2003-2006
    experiment.write_text(short.format(scenario=scenario, scale=0.05), encoding="utf-8")
    posterior = posterior_file(tmp_path)
    out = tmp_path / "split"
    args = ["compare", str(experiment), "--posterior", str(posterior), "--replicates", "4"]
    args.append("--quiet")
    assert main([*args, "--out", str(out), "--workers", "2"]) == 0
    table = pd.read_csv(out / "comparison.csv")
    # the cost per job has no difference when the reference creates no job through the pole
    split = table.dropna(subset=["random_sd", "parameter_sd"])
    assert len(split) >= len(table) - 1
    assert (split["random_sd"] >= 0).all() and (split["parameter_sd"] >= 0).all()
    # counts at scale 0.05 move by steps of 20: two seeds of a draw may tie on one of them, not
    # on every indicator (the unemployment rates are not counts)
    assert (split["random_sd"] > 0).any() and (split["parameter_sd"] > 0).any()
    employed = table[table["indicator"] == "employed_end"].iloc[0]
    assert employed["random_sd"] + employed["parameter_sd"] > 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "**Random and parameter uncertainty**" in report
    assert "Each draw ran with 2 seeds" in report
    single = tmp_path / "single"
    assert main([*args, "--out", str(single), "--seeds-per-draw", "1", "--workers", "2"]) == 0
    report = (single / "report.md").read_text(encoding="utf-8")
    assert "Random and parameter uncertainty**" not in report
    assert "cannot be told apart" in report
    assert pd.read_csv(single / "comparison.csv")["parameter_sd"].isna().all()


def test_seeds_per_draw_without_a_posterior_is_refused(tmp_path: Path, capsys) -> None:
    """``--seeds-per-draw`` means nothing without ``--posterior``: one line, exit status 2."""
    from test_compare import VERSUS

    from ptce_sim.interfaces.cli import main

    experiment = tmp_path / "versus.toml"
    scenario = (ROOT / "scenarios" / "seignanx_1970_2015.toml").as_posix()
    experiment.write_text(VERSUS.format(scenario=scenario, scale=0.05), encoding="utf-8")
    out = tmp_path / "out"
    args = ["compare", str(experiment), "--seeds-per-draw", "2", "--out", str(out), "--quiet"]
    assert main(args) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "--seeds-per-draw" in error and "--posterior" in error
    assert not out.exists()


def test_calibrate_refuses_a_bad_definition_in_one_line(tmp_path: Path, capsys) -> None:
    """``ptce-sim calibrate`` with a bad field: exit status 2 and one line, no traceback."""
    from ptce_sim.interfaces.cli import main

    path = definition(tmp_path, "scale = 0.25 ", "scale = 2.0 ")
    assert main(["calibrate", str(path), "--quiet"]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "calibration.scale" in error and str(path) in error


def test_a_posterior_calibrated_on_other_results_is_said_to_be(tmp_path: Path) -> None:
    """The posterior keeps the stamp of the results it was fitted to; reports flag a change."""
    from ptce_sim.runs.reference import current_stamp, reference_stamp
    from ptce_sim.studies.compare import posterior_note
    from ptce_sim.studies.posterior import stale_note
    from ptce_sim.studies.validation import posterior_line

    current = current_stamp()
    assert current == reference_stamp(ROOT / "tests" / "reference" / "digests.json")
    old = "0123456789ab"
    frame = pd.DataFrame({"trust": [0.2, 0.3], "weight": [0.5, 0.5]})
    path = write_posterior(
        tmp_path / "p.parquet",
        frame,
        {"trust": "mechanisms.cooperation.initial_trust"},
        {"reference_stamp": old},
    )
    posterior = load_posterior(path)
    assert posterior.stamp == old and posterior.describe()["reference_stamp"] == old

    assert stale_note(current, current) is None
    assert stale_note(old, None) is None  # an installed package: nothing to compare with
    assert old in stale_note(old, current) and current in stale_note(old, current)
    assert "does not say" in stale_note(None, current)

    assert "changed since" in posterior_note(posterior.describe(), current)
    assert "changed since" not in posterior_note(
        {**posterior.describe(), "reference_stamp": current}, current
    )
    seeds = {**posterior.describe(), "rows": [0, 1], "master_seed": 3}
    assert "changed since" in posterior_line(seeds, current)
    assert "changed since" not in posterior_line({**seeds, "reference_stamp": current}, current)


def test_an_experiment_file_names_its_posterior_like_the_option(tmp_path: Path) -> None:
    """``posterior`` in ``[experiment]`` draws as ``--posterior FILE`` does: same plan, same draws.

    A missing sample, or ``seeds_per_draw`` without one, is refused with the file and field.
    """
    from ptce_sim.studies.experiment import load_experiment

    sample = posterior_file(tmp_path)
    seignanx = ROOT / "scenarios" / "seignanx_1970_2015.toml"
    text = (
        '[experiment]\nname = "drawn"\nreplicates = 4\nmaster_seed = 3\n'
        'posterior = "posterior.parquet"\nseeds_per_draw = 2\n\n'
        f'[[scenarios]]\nname = "seignanx_1970_2015"\nfile = "{seignanx}"\n'
    )
    path = tmp_path / "drawn.toml"
    path.write_text(text, encoding="utf-8")
    from_file = load_experiment(path)
    plain = tmp_path / "plain.toml"
    plain.write_text(text.replace('posterior = "posterior.parquet"\nseeds_per_draw = 2\n', ""))
    option = load_experiment(plain).with_options(posterior=load_posterior(sample, 2))
    assert load_experiment(plain).posterior is None
    assert from_file.posterior.seeds_per_draw == 2
    assert from_file.digest() == option.digest()  # --resume takes one for the other
    assert [from_file.posterior.draw(3, r) for r in range(4)] == [
        option.posterior.draw(3, r) for r in range(4)
    ]
    path.write_text(text.replace('"posterior.parquet"', '"nowhere.parquet"'), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"drawn\.toml: field 'experiment\.posterior': .*"
                       r"nowhere\.parquet: no such posterior file"):  # fmt: skip
        load_experiment(path)
    path.write_text(text.replace('posterior = "posterior.parquet"\n', ""), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"drawn\.toml: field 'experiment\.seeds_per_draw'.*"
                       r"needs posterior"):  # fmt: skip
        load_experiment(path)
