"""Sensitivity indices from real batches (Seignanx at scale 0.05 over two years).

The designs vary the activity rate (the labour force of the census's population), which drives
the labour force and employment, and
the aid per incubated project holder, which cannot change them within two years: the indices
must say so (Sobol: S1 and ST near 1 for the first, 0 for the second; Morris: mu* of the first
far above the second's), and the table and chart files must exist.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.interfaces.cli import main
from ptce_sim.studies.batch import run_batch, run_files
from ptce_sim.studies.experiment import load_experiment
from ptce_sim.studies.sensitivity import analyse

ROOT = Path(__file__).resolve().parents[1]
SEIGNANX = ROOT / "scenarios" / "seignanx_1970_2015.toml"
PNG = b"\x89PNG\r\n\x1a\n"

DESIGN = """
[experiment]
name = "tiny_{kind}"
title = "tiny {kind}"
replicates = 1
master_seed = 3
start_year = 2000
end_year = 2001
scale = 0.05
keep = ["labour_force", "employed", "ess_jobs"]

[[scenarios]]
name = "seignanx"
file = "{scenario}"

[design]
type = "{kind}"
samples = {samples}

[[design.parameters]]
path = "territory.activity_rate"
bounds = [0.35, 0.55]

[[design.parameters]]
name = "holder_aid"
path = "mechanisms.incubation.aid_per_holder_eur"
bounds = [500, 2000]

[sensitivity]
outcomes = ["labour_force:first", "employed"]
"""


def _batch(tmp_path_factory, kind: str, samples: int) -> Path:
    folder = tmp_path_factory.mktemp(kind)
    path = folder / f"{kind}.toml"
    scenario = folder / "seignanx.toml"  # a copy: the batch sees one version of the file
    shutil.copyfile(SEIGNANX, scenario)
    text = DESIGN.format(kind=kind, samples=samples, scenario=scenario.as_posix())
    path.write_text(text, encoding="utf-8")
    out = folder / "batch"
    report = run_batch(load_experiment(path), out, workers=2)
    assert report.done == report.planned and not report.failures
    return out


@pytest.fixture(scope="module")
def sobol_batch(tmp_path_factory) -> Path:
    """A Saltelli design of 16 * (2 + 2) = 64 runs."""
    return _batch(tmp_path_factory, "sobol", 16)


@pytest.fixture(scope="module")
def morris_batch(tmp_path_factory) -> Path:
    """A Morris design of 4 trajectories * (2 + 1) = 12 runs."""
    return _batch(tmp_path_factory, "morris", 4)


def test_sobol_indices_are_plausible(sobol_batch: Path, tmp_path: Path) -> None:
    """Sobol: the labour force explains its outcomes (S1, ST near 1), the aid nothing."""
    assert len(run_files(sobol_batch)) == 64
    result = analyse(sobol_batch, dest=tmp_path)  # the experiment's own outcomes
    table = result.table.set_index(["outcome", "parameter"])
    assert list(result.table.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    # With 16 base samples the estimates are noisy (S1 ~1.15 +- 0.55 here): each is checked
    # against what an index can be, widened by its own 95% half-width (``*_conf``), never more.
    for outcome in ("labour_force:first", "employed"):
        rows = table.loc[outcome]
        assert (rows[["S1_conf", "ST_conf"]] >= 0).all().all()
        for index in ("S1", "ST"):
            conf = rows[f"{index}_conf"]
            # an index is a share of the variance: within [0, 1], up to its error
            assert (rows[index] >= -conf).all() and (rows[index] <= 1 + conf).all(), rows
        # first order (alone) <= total (with interactions), up to both errors
        assert (rows["S1"] <= rows["ST"] + rows["S1_conf"] + rows["ST_conf"]).all(), rows
        # first-order indices add up to at most 1, up to their errors
        assert rows["S1"].sum() <= 1 + rows["S1_conf"].sum(), rows
        driver = rows.loc["territory.activity_rate"]
        inert = rows.loc["holder_aid"]
        for index in ("S1", "ST"):
            # the activity rate explains (nearly) all: 1 lies within its interval, and it is large
            conf = driver[f"{index}_conf"]
            assert driver[index] - conf <= 1 <= driver[index] + conf, driver
            assert driver[index] >= 0.7, driver
        assert abs(inert["S1"]) < 0.05 and abs(inert["ST"]) < 0.05, inert
    assert result.files == [tmp_path / "sobol.csv", tmp_path / "sobol.png"]
    assert (tmp_path / "sobol.png").read_bytes()[:8] == PNG
    written = pd.read_csv(tmp_path / "sobol.csv")
    assert len(written) == 4 and set(written["parameter"]) == {
        "territory.activity_rate",
        "holder_aid",
    }


def test_sensitivity_command(sobol_batch: Path, capsys) -> None:
    """ptce-sim sensitivity prints the table and writes the files."""
    code = main(["sensitivity", str(sobol_batch), "--outcome", "employed@2001"])
    out = capsys.readouterr().out
    assert code == 0
    assert "employed@2001" in out and "S1" in out and "ST" in out
    assert (sobol_batch / "sensitivity" / "sobol.csv").is_file()
    assert (sobol_batch / "sensitivity" / "sobol.png").read_bytes()[:8] == PNG


def test_morris_measures_rank_the_parameters(morris_batch: Path) -> None:
    """Morris: mu* of the activity rate (the labour force) far above the aid's."""
    result = analyse(morris_batch, ["labour_force:first"])
    table = result.table.set_index("parameter")
    assert list(result.table.columns) == [
        "outcome",
        "parameter",
        "mu",
        "mu_star",
        "mu_star_conf",
        "sigma",
    ]
    assert table.loc["territory.activity_rate", "mu_star"] > 10 * max(
        table.loc["holder_aid", "mu_star"], 1e-9
    )
    assert table.loc["territory.activity_rate", "mu"] > 0  # a higher rate, a larger labour force
    assert (morris_batch / "sensitivity" / "morris.png").read_bytes()[:8] == PNG
    assert (morris_batch / "sensitivity" / "morris.csv").is_file()


def test_errors_are_one_line(sobol_batch: Path, tmp_path: Path, capsys) -> None:
    """Unknown outcome, no batch, another design, missing points: one clear message."""
    code = main(["sensitivity", str(sobol_batch), "--outcome", "happiness"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "happiness" in err
    code = main(["sensitivity", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not a batch folder" in err
    # a batch made with another design
    other = tmp_path / "factorial"
    shutil.copytree(sobol_batch, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["design"]["type"] = "factorial"
    (other / "manifest.json").write_text(json.dumps(manifest))
    code = main(["sensitivity", str(other)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "'sobol' design" in err
    # an unfinished batch
    partial = tmp_path / "partial"
    shutil.copytree(sobol_batch, partial)
    run_files(partial)[5].unlink()
    with pytest.raises(ScenarioError, match="1 of 64 design points have no value.*--resume"):
        analyse(partial)


@pytest.mark.parametrize(
    ("manifest", "named"),
    [
        ("{}", "'experiment'"),
        ("[1, 2]", "JSON object"),
        ('{"experiment": "x"}', "'design'"),
        (
            '{"experiment": "x", "design": {}, "replicates": 1, "keep": [], "parameters": [],'
            ' "scenarios": {}, "sessions": []}',
            "'design.type'",
        ),
        ("{not json", "cannot be read as JSON"),
    ],
)
def test_a_broken_manifest_is_one_line(tmp_path: Path, capsys, manifest: str, named: str) -> None:
    """A manifest that is not a batch's: exit 2, one line naming the file and the field."""
    (tmp_path / "manifest.json").write_text(manifest)
    code = main(["sensitivity", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert str(tmp_path / "manifest.json") in err and named in err
