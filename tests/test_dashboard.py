"""The dashboard's state logic, without a browser: sessions, levers, live events, forks, the view.

The page itself (Solara, a real Chromium) is tested in ``test_dashboard_browser.py``; here the
session (:mod:`ptce_sim.interfaces.dashboard.session`) and the charts' data
(:mod:`ptce_sim.interfaces.dashboard.charts`) are checked directly, on the Seignanx scenario at a
small scale.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from ptce_sim.interfaces import dashboard
from ptce_sim.interfaces.dashboard import charts, net
from ptce_sim.interfaces.dashboard.charts import NetworkLayout, build_view
from ptce_sim.interfaces.dashboard.session import (
    ALL_MECHANISMS,
    INTENSITY_PATHS,
    Session,
    list_scenarios,
    load_listed_scenario,
    plan_frame,
    settle_heap,
    shown_date,
    shown_name,
)
from ptce_sim.runs.i18n import using
from ptce_sim.studies import additionality

SCALE = 0.05


@pytest.fixture
def session() -> Session:
    """A fresh session on the Seignanx scenario at a small scale."""
    return Session(scale=SCALE)


def _parameter(model, path: str):
    section, _, name = path.partition(".")
    return getattr(getattr(model.spec.mechanisms, section), name)


def _json(view) -> str:
    # no default=: a numpy scalar or array left in the view fails here, as it would in the widget
    return json.dumps(dataclasses.asdict(view), allow_nan=False)


# -- packaging, serving, scenario listing ----------------------------------------------------------


def test_importing_the_package_is_light():
    """``import ptce_sim.interfaces.dashboard`` loads neither Solara nor Mesa.

    It is the CLI's path to ``serve``.
    """
    code = (
        "import sys, ptce_sim.interfaces.dashboard; "
        "print(sorted(m for m in ('solara', 'mesa', 'ptce_sim.simulation.model') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_app_builds_no_model():
    """The app module creates no model at import time (each session makes its own)."""
    code = """
import ptce_sim.simulation.model as m
built = []
original = m.PtceModel.__init__
def spy(self, *args, **kwargs):
    built.append(1)
    original(self, *args, **kwargs)
m.PtceModel.__init__ = spy
import ptce_sim.interfaces.dashboard.app as app
assert callable(app.Page)
print(len(built))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_serve_command_defaults_and_options():
    """``solara run`` on the app, 127.0.0.1:8765 in production mode by default."""
    command = dashboard.serve_command()
    assert command[:4] == [sys.executable, "-m", "solara", "run"]
    assert Path(command[4]) == dashboard.APP_PATH and dashboard.APP_PATH.is_file()
    assert command[5:] == ["--host", "127.0.0.1", "--port", "8765", "--production"]
    other = dashboard.serve_command(host="0.0.0.0", port=9000, production=False)
    assert other[5:] == ["--host", "0.0.0.0", "--port", "9000"]
    with pytest.raises(ValueError, match="port"):
        dashboard.serve_command(port=70000)


def test_port_0_is_bound_once_and_held():
    """Port 0: the kernel picks a free port, bound and listening at once, never released."""
    import socket

    with dashboard.listening_socket("127.0.0.1", 0) as listener:
        port = listener.getsockname()[1]
        assert port != 0
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it listens already
        with pytest.raises(OSError), socket.socket() as other:
            other.bind(("127.0.0.1", port))  # and nobody else can take it
    with pytest.raises(ValueError, match="port"):
        dashboard.listening_socket("127.0.0.1", 70000)


def test_serve_runs_solara_and_returns_its_status(monkeypatch, capsys):
    """``serve`` runs the server without the Solara banner and returns its exit status.

    In production mode, uvicorn serves Solara behind the room's door (on a socket bound here);
    otherwise ``solara run`` (hot reload). The room's limits reach the server's environment.
    """
    calls = []

    class FakeServer:
        def __init__(self, command, **kwargs):
            calls.append((command, kwargs))

        def wait(self, timeout=None):
            return 3

    monkeypatch.setattr(dashboard.subprocess, "Popen", FakeServer)
    assert dashboard.serve(port=0, max_sessions=4) == 3
    ((command, kwargs),) = calls
    assert command[1:3] == ["-m", "uvicorn"] and command[-1] == dashboard.ASGI_APP
    assert kwargs["env"]["SOLARA_THEME_SHOW_BANNER"] == "False"
    assert kwargs["env"]["PTCE_DASHBOARD_MAX_SESSIONS"] == "4"
    assert "http://127.0.0.1:" in capsys.readouterr().out
    calls.clear()
    assert dashboard.serve(port=8123, production=False) == 3
    ((command, kwargs),) = calls
    assert command == dashboard.serve_command(port=8123, production=False)
    assert "http://127.0.0.1:8123/" in capsys.readouterr().out


def test_the_cli_dashboard_command_calls_serve(monkeypatch):
    """``ptce-sim dashboard [--host H] [--port P]`` calls ``serve``; a bad port is refused."""
    from ptce_sim.interfaces import cli

    if "dashboard" not in getattr(cli, "COMMANDS", {}):
        pytest.skip("ptce-sim has no dashboard subcommand yet")
    calls = []
    monkeypatch.setattr(dashboard, "serve", lambda **kwargs: calls.append(kwargs) or 0)
    assert cli.main(["dashboard"]) == 0
    assert cli.main(["dashboard", "--host", "0.0.0.0", "--port", "9001"]) == 0
    assert cli.main(["dashboard", "--port", "0"]) == 0  # any free port
    assert calls == [
        {"host": "127.0.0.1", "port": 8765},
        {"host": "0.0.0.0", "port": 9001},
        {"host": "127.0.0.1", "port": 0},
    ]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["dashboard", "--port", "not-a-port"])
    assert exit_info.value.code == 2


def test_scenario_listing_stays_inside_the_folder(tmp_path, seignanx_path):
    """Only ``*.toml`` files directly inside ``scenarios/`` can be opened, never a path."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "good.toml").write_bytes(seignanx_path.read_bytes())
    (folder / "notes.txt").write_text("not a scenario")
    (folder / "nested").mkdir()
    (folder / "nested" / "deep.toml").write_bytes(seignanx_path.read_bytes())
    outside = tmp_path / "outside.toml"
    outside.write_bytes(seignanx_path.read_bytes())
    (folder / "escape.toml").symlink_to(outside)
    assert list(list_scenarios(folder)) == ["good"]
    assert load_listed_scenario("good", folder).run.name == "seignanx_1970_2015"
    for name in ("escape", "../outside", str(outside), "nested/deep", "notes"):
        with pytest.raises(ValueError, match="unknown scenario"):
            load_listed_scenario(name, folder)


def test_the_picker_switches_scenarios_and_refuses_a_broken_one(tmp_path, seignanx_path):
    """Another listed scenario opens from its start; a broken file leaves the run as it was."""
    from ptce_sim.config.scenario_io import ScenarioError

    text = seignanx_path.read_text(encoding="utf-8")
    (tmp_path / "alpha.toml").write_text(text, encoding="utf-8")
    (tmp_path / "beta.toml").write_text(
        text.replace('name = "seignanx_1970_2015"', 'name = "beta"'), encoding="utf-8"
    )
    (tmp_path / "broken.toml").write_text("[run]\nname = 1\n", encoding="utf-8")
    session = Session(scale=SCALE, directory=tmp_path)
    assert session.scenario_name == "alpha"  # no Seignanx file here: the first one
    session.step(5)
    session.reset(scenario_name="beta")
    assert session.model.spec.run.name == "beta" and session.model.month_index == 0
    session.step(5)
    with pytest.raises(ScenarioError, match="broken.toml"):
        session.reset(scenario_name="broken")
    assert session.scenario_name == "beta" and session.model.month_index == 5


def test_the_project_scenarios_are_listed():
    """The picker lists the project's scenarios."""
    assert "seignanx_1970_2015" in list_scenarios()


# -- running ---------------------------------------------------------------------------------------


def test_a_session_starts_on_seignanx_and_steps_month_by_month(session):
    """The date shown is the month about to be simulated; a step moves it on by one."""
    assert session.scenario_name == "seignanx_1970_2015"
    assert session.model.spec.run.scale == SCALE
    assert shown_date(session.model) == "January 1970"
    assert build_view(session).status == "ready to start"
    assert session.step() == 1
    assert shown_date(session.model) == "February 1970"
    session.step(11)
    view = build_view(session)
    assert (view.date, view.year, view.month_index) == ("January 1971", 1971, 12)
    assert view.status == "month 12 of 552"


def test_a_run_ends_on_its_last_month(session):
    """Stepping stops at the run's end, which shows its last month."""
    assert session.step(10_000) == 552
    assert not session.running
    assert session.step() == 0
    view = build_view(session)
    assert (view.date, view.status) == ("December 2015", "end of the run")
    with pytest.raises(ValueError, match="over"):
        session.plant_closure()


def test_reset_starts_again_with_another_seed_and_drops_levers_and_branches(session):
    """Reset: a new model (another seed if asked), no levers, no branch."""
    session.step(30)
    session.set_switch("ge", False)
    session.fork()
    session.reset(seed=5)
    assert session.seed == 5 and session.model.seed == 5
    assert session.model.month_index == 0 and not session.compare
    assert _parameter(session.model, "shared_employment.enabled") is True
    with pytest.raises(ValueError, match="seed"):
        session.reset(seed=-1)
    with pytest.raises(ValueError, match="unknown scenario"):
        session.reset(scenario_name="../../etc/passwd")
    assert session.scenario_name == "seignanx_1970_2015"


def test_plan_frame_draws_at_most_ten_frames_a_second():
    """Fast speeds, or slow frames, step several months per frame rather than draw more."""
    assert plan_frame(1) == (1, 1.0)
    assert plan_frame(10) == (1, pytest.approx(0.1))
    assert plan_frame(30) == (3, pytest.approx(0.1))
    assert plan_frame(0) == (1, pytest.approx(10.0))
    assert plan_frame(10, last_frame_s=0.05) == (1, pytest.approx(0.1))  # keeps up: 10 fps
    assert plan_frame(10, last_frame_s=0.25) == (3, pytest.approx(0.3))  # slow frames: catch up
    assert plan_frame(30, max_fps=5) == (6, pytest.approx(0.2))
    assert plan_frame(30, last_frame_s=5.0) == (12, pytest.approx(0.4))  # a year at most


# -- levers ----------------------------------------------------------------------------------------


def test_switches_and_funding_levels_reach_the_model(session):
    """On/off levers set the mechanisms, funding sliders the authorities' levels."""
    model = session.model
    session.set_switch("ge", False)
    session.set_switch("geiq", False)
    session.set_switch("cooperation", False)
    assert not model.spec.mechanisms.shared_employment.enabled
    assert not model.spec.mechanisms.geiq.enabled
    assert not model.cooperation_on
    session.set_switch("treasury", True)
    assert model.spec.mechanisms.treasury.enabled
    session.set_funding("training_budget", 0.5)
    session.set_funding("insertion_aid", 0.0)
    assert all(a.factor["training_budget"] == 0.5 for a in model.authorities)
    assert all(a.factor["insertion_aid"] == 0.0 for a in model.authorities)
    levers = build_view(session).levers
    assert levers["ge"] is False and levers["treasury"] is True
    assert levers["training_budget"] == 0.5
    with pytest.raises(ValueError):
        session.set_switch("nonsense", True)
    with pytest.raises(ValueError):
        session.set_funding("budget", 0.5)  # not a lever of the page
    with pytest.raises(ValueError):
        session.set_funding("animation_grant", -1)


def test_cooperation_intensity_scales_the_scenario_rates(session):
    """Intensity multiplies the scenario's trust gain, request and join rates."""
    model = session.model
    base = {path: _parameter(model, path) for path in INTENSITY_PATHS}
    session.set_intensity(2.0)
    for path in INTENSITY_PATHS:
        assert _parameter(model, path) == pytest.approx(min(1.0, 2 * base[path]))
    session.set_intensity(0.0)
    assert all(_parameter(model, path) == 0.0 for path in INTENSITY_PATHS)
    session.set_intensity(1.0)  # relative to the scenario, not to the last setting
    assert all(_parameter(model, path) == pytest.approx(base[path]) for path in INTENSITY_PATHS)
    with pytest.raises(ValueError):
        session.set_intensity(-0.5)


def test_a_lever_the_trainer_moved_survives_the_timeline(write_scenario):
    """The timeline opens the treasury; a trainer who switched it off keeps it off."""

    def treasury_opens_in_1972(data: dict) -> None:
        data["mechanisms"]["treasury"]["enabled"] = False
        data["events"].append(
            {"date": "1972-06", "type": "policy", "set": {"treasury.enabled": True}}
        )

    folder = write_scenario(treasury_opens_in_1972, name="opening.toml").parent
    kept, default = (Session(scale=SCALE, directory=folder) for _ in range(2))
    assert not default.model.spec.mechanisms.treasury.enabled
    kept.set_switch("treasury", False)
    for s in (kept, default):
        s.step(12 * 3)  # to January 1973
    assert default.model.spec.mechanisms.treasury.enabled
    assert not kept.model.spec.mechanisms.treasury.enabled
    (opening,) = [
        e for e in kept.model.input_spec.events if e.type == "policy" and e.date == "1972-06"
    ]
    kept.model.apply_event(opening)  # not even for the month of the event
    assert not kept.model.spec.mechanisms.treasury.enabled
    assert kept.model.held == {"treasury.enabled": False}


# -- live events -----------------------------------------------------------------------------------


def test_live_events_hit_now_and_are_listed(session):
    """Closures, downturns and cuts apply at the current month and are listed."""
    session.step(40)
    now = session.model.month_index
    largest = max(session.model.spec.sectors, key=lambda s: s.job_share).name
    session.plant_closure()
    assert session.model.shocks[-1] == (f"{largest} plant closure", "plant_closure", now)
    session.sector_downturn(["construction"], depth=0.2)
    assert session.model.shocks[-1] == ("construction downturn", "sector_shock", now)
    session.funding_cut(share=0.5)
    cuts = [s for s in session.model.shocks if s[1] == "budget_cut"]
    assert len(cuts) == len(session.authorities())
    assert all(a.factor["budget"] == pytest.approx(0.5) for a in session.model.authorities)
    last = session.authorities()[-1]
    session.funding_cut(last, 0.5)
    lines = session.live_event_lines()
    assert lines[0] == f"May 1973: Plant closure ({largest})"
    assert len(lines) == 4 and last in lines[-1]
    session.step()  # the model steps on after live events
    with pytest.raises(ValueError, match="unknown sector"):
        session.plant_closure("spaceships")
    with pytest.raises(ValueError, match="unknown sectors"):
        session.sector_downturn(["spaceships"])
    with pytest.raises(ValueError, match="unknown authority"):
        session.funding_cut("Mars")


def test_the_scenario_s_sectors_and_funders_are_named_in_the_page_s_language(session):
    """In French a closure of "industry" reads "industrie", the State "État".

    The charts' shock labels too; a name without translation (another scenario's) is shown as it
    is written.
    """
    session.step(12)
    session.plant_closure("industry")
    session.funding_cut("State", 0.5)
    with using("fr"):
        lines = session.live_event_lines()
        assert lines[0] == "janvier 1971 : Fermeture d'usine (industrie)", lines
        assert "État" in lines[1] and "State" not in lines[1], lines
        assert "bâtiment, industrie" in charts.shock_label(
            "construction, industry downturn", "sector_shock"
        )
        assert shown_name("Spaceport") == "Spaceport"
    with using("en"):
        assert session.live_event_lines()[0] == "January 1971: Plant closure (industry)"


def test_chart_numbers_follow_the_language():
    """Each chart's option tells the browser which locale writes its numbers ("12 345" in French).

    The chart's template formats value axes and tooltips with it.
    """
    from ptce_sim.interfaces.dashboard.parts import ECHARTS_TEMPLATE, Chart

    for lang, locale in (("fr", "fr-FR"), ("en", "en-GB")):
        with using(lang):
            element = Chart({"yAxis": {"type": "value"}}, "test")
        assert element.kwargs["option"].data["ptceLocale"] == locale
    assert ECHARTS_TEMPLATE is not None
    assert "this.chart.setOption(this.ptceLocalised(this.option), true);" in ECHARTS_TEMPLATE
    assert "this.chart.setOption(this.option, true);" not in ECHARTS_TEMPLATE
    assert "toLocaleString(locale)" in ECHARTS_TEMPLATE


def test_the_charts_mark_each_event(session):
    """A live event appears as a mark on the jobs chart and in the resilience summary."""
    session.step(24)
    session.plant_closure("construction")
    session.step(6)
    option = build_view(session).jobs
    marks = option["series"][0]["markLine"]["data"]
    closure = [m for m in marks if m["name"].startswith("construction plant closure")]
    assert len(closure) == 1
    assert closure[0]["name"] == "construction plant closure (January 1972)"
    assert closure[0]["xAxis"] == charts._x(session.model, 24)
    summary = build_view(session).resilience_text[0]
    assert summary["shock"] == "construction plant closure" and summary["date"] == "January 1972"


# -- branch and compare ----------------------------------------------------------------------------


def test_a_fork_keeps_the_state_and_the_random_stream(session):
    """Two branches left alone stay identical (same state, same random stream)."""
    session.step(30)
    session.fork()
    a, b = session.branches
    assert (a.label, b.label, session.fork_month) == ("A", "B", 30)
    assert a.model is not b.model
    session.step(24)
    assert (
        a.model.recorder.monthly == b.model.recorder.monthly
    )  # nothing changed: identical branches
    view = build_view(session)
    assert view.compare and view.fork_date == "July 1972"
    assert all(row[-1] in ("0", "0.0", "0.00") for row in view.table)


def test_a_fork_without_cooperation_diverges_and_is_compared(session):
    """Without cooperation, B diverges from A; the view overlays and subtracts them."""
    session.step(12 * 30)
    session.fork(cooperation_off=True)
    a, b = session.branches
    for section in ALL_MECHANISMS:
        assert _parameter(b.model, f"{section}.enabled") is False
    assert a.model.spec.mechanisms.shared_employment.enabled
    session.step(12 * 10)
    assert a.model.recorder.monthly["employed"] != b.model.recorder.monthly["employed"]
    view = build_view(session)
    assert [s["name"] for s in view.jobs["series"]] == ["A (as is)", "B (variant)"]
    assert view.difference["series"][0]["name"] == "Jobs: B − A"
    assert len(view.networks) == len(view.structures) == 2
    assert view.table[0][0] == "Jobs" and len(view.table[0]) == 4
    assert view.networks[1]["series"][0]["data"]  # both networks drawn
    _json(view)
    with pytest.raises(ValueError, match="already forked"):
        session.fork()
    session.keep(1)
    assert not session.compare and session.branches[0].model is b.model
    assert session.branches[0].label == "" and session.fork_month is None


def test_the_fork_shows_gross_and_net_jobs_as_the_studies_decompose_them():
    """GEIQ off in B: the panel is the paired decomposition of the branches since the fork.

    At a year's end it equals :func:`additionality.decompose` on the two territory tables from
    the fork year (full-scale figures, extra money by funder); mid-year its net and gross jobs
    are those of the last month; it says "gross" and "net".
    """
    scale = 0.25  # at the fixture's 0.05 the GEIQ has no trainee before 2011
    session = Session(scale=scale)
    session.step(12 * 30 + 4)  # May 2000
    session.fork()
    session.set_switch("geiq", False)
    session.step(12 * 3 + 8)  # January 2004: 2000-2003 closed
    a, b = (branch.model for branch in session.branches)
    assert a.spec.mechanisms.geiq.enabled and not b.spec.mechanisms.geiq.enabled
    panel = build_view(session).net
    tables = [pd.DataFrame(m.recorder.rows("territory")).query("year >= 2000") for m in (a, b)]
    expected = additionality.decompose(tables[:1], tables[1:], scale=scale)
    for term in ("gross", "deadweight", "displacement", "net"):
        assert panel["figures"][term] == pytest.approx(expected.row(term, 2003)["median"]), term
    assert panel["figures"]["gross"] != panel["figures"]["deadweight"]  # B differs from A
    leakage = expected.row("leakage", 2003)["median"]  # in-commuters: modelled, estimated
    assert panel["figures"]["leakage"] == pytest.approx(leakage)
    for funder in expected.funders:
        extra = expected.row("public_extra_eur", funder=funder)["median"]
        assert panel["figures"][f"extra_{funder}_eur"] == pytest.approx(extra), funder
    assert panel["money"][-1][0] == net.TEXTS["total"]
    net_jobs, extra = panel["figures"]["net"], panel["figures"]["extra_total_eur"]
    if net_jobs > 0 and extra >= 0:
        assert panel["figures"]["cost_per_net_job_eur"] == pytest.approx(extra / net_jobs)
    else:
        assert panel["figures"]["cost_per_net_job_eur"] is None
    assert any("no interval" in note for note in panel["notes"])  # one pair
    words = " ".join(line[0] for line in panel["lines"])
    assert "gross" in words and "net" in words
    assert [line[0] for line in panel["lines"]][-1].startswith("= net jobs")

    session.step(5)  # June 2004: the year in progress
    panel = build_view(session).net
    employed_a, employed_b = (m.recorder.monthly["employed"][-1] for m in (a, b))
    assert panel["figures"]["net"] == pytest.approx((employed_b - employed_a) / scale)
    assert panel["figures"]["gross"] == pytest.approx(b.recorder.monthly["ess_jobs"][-1] / scale)
    assert any("May 2004" in note for note in panel["notes"])
    _json(build_view(session))


def test_the_net_panel_and_networks_are_refreshed_less_often_while_playing(session, monkeypatch):
    """Playing, a fresh panel and network charts are kept within the year.

    Paused, or at the year's end, they are drawn again.
    """
    monkeypatch.setattr(net, "REFRESH_S", 3600.0)
    session.step(12 * 30 + 2)
    session.fork(cooperation_off=True)
    session.step(1)
    first = build_view(session)
    session.playing = True
    session.step(2)
    kept = build_view(session)
    assert kept.net is first.net
    assert all(a is b for a, b in zip(kept.networks, first.networks, strict=True))
    session.playing = False
    paused = build_view(session)
    assert paused.net is not first.net
    assert all(a is not b for a, b in zip(paused.networks, first.networks, strict=True))
    assert session.model.month_index == 12 * 30 + 5
    session.playing = True
    session.step(12 - 5)  # January of the next year: a year has ended
    new_year = build_view(session)
    assert new_year.net is not paused.net
    assert all(a is not b for a, b in zip(new_year.networks, paused.networks, strict=True))
    monkeypatch.setattr(net, "REFRESH_S", 0.0)  # playing, but the last drawing is too old
    session.step(1)
    assert build_view(session).networks[0] is not new_year.networks[0]


def test_levers_act_on_the_chosen_branch(session):
    """Levers act on the chosen branch only; events hit both."""
    session.step(12)
    session.fork()
    session.set_switch("geiq", False)  # B by default
    a, b = session.branches
    assert a.model.spec.mechanisms.geiq.enabled and not b.model.spec.mechanisms.geiq.enabled
    session.set_lever_target(0)
    session.set_funding("animation_grant", 0.0)
    assert all(x.factor["animation_grant"] == 0.0 for x in a.model.authorities)
    assert all(x.factor["animation_grant"] == 1.0 for x in b.model.authorities)
    assert build_view(session).lever_target == "A"
    session.plant_closure()  # events hit both branches
    assert a.model.shocks[-1] == b.model.shocks[-1]
    with pytest.raises(ValueError):
        session.set_lever_target(2)


def test_sessions_are_independent():
    """One session's steps, levers and events never reach another's model."""
    one, two = Session(scale=SCALE), Session(scale=SCALE)
    one.step(20)
    one.set_switch("ge", False)
    one.plant_closure()
    assert two.model.month_index == 0 and two.model is not one.model
    assert two.model.spec.mechanisms.shared_employment.enabled
    assert two.model.shocks == [] and two.live_events == []


# -- the view --------------------------------------------------------------------------------------


def test_the_view_is_plain_json_at_every_stage(session):
    """The view is JSON (no numpy) and holds the expected series, names and marks."""
    _json(build_view(session))
    session.step(12 * 36 + 5)  # June 2006: most structures exist, partial year
    session.sector_downturn(depth=0.2)
    session.step(3)
    view = build_view(session)
    text = _json(view)
    assert len(text) < 400_000  # what travels to the browser each frame
    jobs = view.jobs
    assert jobs["animation"] is False and jobs["useUTC"] is True
    assert jobs["graphic"][0]["style"]["text"] == "2006"
    assert len(jobs["series"][0]["data"]) == session.model.month_index
    assert jobs["xAxis"]["type"] == "time" and jobs["yAxis"][0]["name"]
    mechanisms = view.mechanisms
    assert [s["name"] for s in mechanisms["series"]][:3] == [
        "GE shared jobs",
        "Posts internalised from GE",
        "GEIQ hires",
    ]
    assert mechanisms["series"][0]["data"][36] is not None  # the current year, so far
    assert mechanisms["series"][0]["data"][37] is None  # not simulated yet
    names = view.structures[0]["yAxis"]["data"]
    assert "CBE du Seignanx" in names and any(n.startswith("Other ESS members") for n in names)
    network = view.networks[0]["series"][0]
    graph = session.model.network.graph
    colleges = [n for n in network["data"] if n["id"].startswith("college:")]
    assert len(colleges) == 4  # the CBE's colleges, around the animator
    assert len(network["data"]) == graph.number_of_nodes() + len(colleges)
    assert len(network["links"]) == graph.number_of_edges() + len(colleges)
    categories = {c["name"] for c in network["categories"]}
    assert {"Animator", "GE / GEIQ", "Member firms", "Authorities", "CBE colleges"} <= categories
    decided = view.deliberation["series"]
    assert [s["name"] for s in decided][:2] == ["Accepted", "Refused"]
    counts = [session.model.deliberation.year_counts(y) for y in range(1970, 2007)]
    assert sum(v or 0 for s in decided[:3] for v in s["data"]) == sum(
        c["accepted"] + c["refused"] + c["lapsed"] for c in counts
    )
    assert decided[3]["name"] == "New SCIC activities (their colleges)"
    assert sum(v or 0 for v in decided[3]["data"]) == sum(
        session.model.legal_forms.activity_counts(y)["decided"] for y in range(1970, 2007)
    )
    assert view.resilience_text[0]["shock"].endswith("downturn")
    assert [row[0] for row in view.table][:2] == ["Jobs", "Unemployed"]


def test_font_sizes_are_large_enough_for_a_projector(session):
    """Titles, labels and legends are in large type."""
    session.step(12)
    view = build_view(session)
    for option in (view.jobs, view.mechanisms, view.structures[0], view.networks[0]):
        assert option["title"]["textStyle"]["fontSize"] >= 20
        assert option["textStyle"]["fontSize"] >= 16
        assert option["legend"]["textStyle"]["fontSize"] >= 16


def test_the_network_layout_is_cached_incremental_and_seeded():
    """Positions are cached, new nodes placed next to neighbours, relaxations spread."""
    graph = nx.star_graph(20)  # a hub (0) and 20 leaves
    layout = NetworkLayout(seed=3)
    first = dict(layout.update(graph, 0))
    assert layout.update(graph, 1) is layout.pos and layout.computations == 1  # cached
    again = NetworkLayout(seed=3).update(graph, 0)
    assert again == first  # same seed, same picture
    graph.add_edge(0, 21)  # a new node next to the hub: placed at once near its neighbour
    moved = layout.update(graph, 2)
    assert set(moved) == set(graph.nodes) and layout.computations == 2
    assert all(moved[v] == first[v] for v in range(21))  # no relaxation for one node more
    hub, new = moved[0], moved[21]
    assert abs(hub[0] - new[0]) <= 0.08 + 1e-9 and abs(hub[1] - new[1]) <= 0.08 + 1e-9
    layout.update(graph, 20)  # a year later: nothing new, nothing to do
    assert layout.computations == 2
    graph.add_edges_from((0, v) for v in range(22, 26))  # grown by more than a tenth: relax
    layout.update(graph, 21)
    assert layout.pending > 0
    while layout.pending:
        layout.update(graph, 22)
    assert layout.iterations == charts.LAYOUT_ITERATIONS_FIRST + charts.LAYOUT_ITERATIONS_UPDATE
    json.dumps(layout.pos)


def test_the_layout_never_draws_from_the_model_random_stream(session):
    """Drawing the charts leaves the model's random streams untouched."""
    session.step(12 * 36)

    def states():
        generators = [session.model.rng, *session.model.streams.generators().values()]
        return [g.bit_generator.state for g in generators]

    before = states()
    build_view(session)
    assert states() == before


def test_settle_heap_freezes_and_collects():
    """``settle_heap`` collects then freezes the heap (undone here for the other tests)."""
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        settle_heap(collect=False)
    finally:
        gc.unfreeze()


def test_the_figure_table_counts_ess_jobs_as_the_full_scale_headcount() -> None:
    """The figure table's ESS jobs: the full-scale headcount times the scale.

    At scale 0.1, SCIC PERF's founding staff of 3 is one part-time person (0.3 FTE): the table
    counts the 0.3 person it stands for, not one person (ten at full scale).
    """
    from ptce_sim.config.scenario_io import load_scenario
    from ptce_sim.simulation.metrics import ess_headcount
    from ptce_sim.simulation.model import PtceModel

    scenario = load_scenario(
        Path(__file__).resolve().parents[1] / "scenarios/seignanx_1970_2015.toml"
    )
    model = PtceModel(scenario.with_overrides(scale=0.1), 0)
    for _ in range(36):  # into 1972, PERF open
        model.step()
    holders = model.recorder.monthly["ess_jobs"][-1]
    shown = charts.figures(model)["ess_jobs"]
    assert shown == pytest.approx(ess_headcount(model))
    assert 0 < shown < holders


def test_the_figure_table_shows_how_long_skilled_posts_wait_in_both_languages() -> None:
    """The skilled posts' wait (Little's law over all trades) is a headline figure, FR and EN."""
    from ptce_sim.config.scenario_io import load_scenario
    from ptce_sim.simulation.model import PtceModel

    scenario = load_scenario(
        Path(__file__).resolve().parents[1] / "scenarios/seignanx_1970_2015.toml"
    )
    model = PtceModel(scenario.with_overrides(scale=0.05), 0)
    for _ in range(24):
        model.step()
    skilled = model.labour.skilled
    wait = charts.figures(model)["skilled_wait"]
    assert wait == pytest.approx(min(12.0, skilled.vacant.sum() / skilled.filled.sum()))
    assert wait > 0  # skilled posts wait, if only for the matching's chance
    branch = dataclasses.make_dataclass("B", ["model"])(model)
    with using("fr"):
        rows = {row[0]: row[1] for row in charts.figure_table([branch])}
        assert "Postes qualifiés : mois d'attente" in rows
    with using("en"):
        rows = {row[0]: row[1] for row in charts.figure_table([branch])}
        assert rows["Skilled posts: months of waiting"] == charts.number(wait, 1)


def test_the_figure_table_shows_the_treasury_s_loans_and_unmet_needs_in_both_languages() -> None:
    """What the treasury lent this year and the cash needs no lender met, in k€, FR and EN.

    With a lending floor no pair of structures reaches before the pact, the first member short of
    cash finds no lender: its need stays unmet.
    """
    from ptce_sim.config.scenario_io import load_scenario
    from ptce_sim.simulation.model import PtceModel

    path = Path(__file__).resolve().parents[1] / "scenarios/seignanx_1970_2015.toml"
    scenario = load_scenario(path).with_overrides(scale=0.05)
    data = scenario.model_dump(mode="python")
    data["mechanisms"]["circles"]["lending_trust"] = 1.0
    model = PtceModel(type(scenario).model_validate(data), 0)
    while model.treasury.unmet_year <= 0 and model.running:
        model.step()
    assert model.treasury.unmet_year > 0
    values = charts.figures(model)
    assert values["treasury_unmet"] == pytest.approx(model.treasury.unmet_year / 1000.0)
    assert values["treasury_lent"] == pytest.approx(model.treasury.lent_year / 1000.0)
    branch = dataclasses.make_dataclass("B", ["model"])(model)
    with using("fr"):
        rows = {row[0]: row[1] for row in charts.figure_table([branch])}
        assert rows["Trésorerie : besoins non couverts cette année (k€)"] == charts.number(
            values["treasury_unmet"], 0
        )
        assert "Trésorerie : prêté cette année (k€)" in rows
    with using("en"):
        rows = {row[0]: row[1] for row in charts.figure_table([branch])}
        assert rows["Treasury: cash needs unmet this year (k€)"] == charts.number(
            values["treasury_unmet"], 0
        )
