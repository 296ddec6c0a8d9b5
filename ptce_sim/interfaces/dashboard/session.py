"""State of one dashboard session, without Solara: models, levers, live events, branches.

One :class:`Session` per browser session (the page creates it inside its component, never at
import time). All changes to a model go through the session under :attr:`Session.lock`, so that
the play loop (a thread) and button clicks (another thread) never touch a model at the same time.

Levers are the trainer's: once a switch or slider has been moved, its value is re-asserted after
every month, so that a policy event of the scenario's timeline (e.g. the treasury opening in June
2006) does not silently undo it. The model's own dynamics are untouched: levers only use the model's
public API (:meth:`~ptce_sim.simulation.model.PtceModel.set_parameter`,
:meth:`~ptce_sim.simulation.model.PtceModel.set_funding_level`,
:meth:`~ptce_sim.simulation.model.PtceModel.apply_event`).
"""

from __future__ import annotations

import copy
import gc
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptce_sim.config.scenario import (
    BudgetCutSpec,
    MechanismsSpec,
    PlantClosureSpec,
    Scenario,
    SectorShockSpec,
)
from ptce_sim.config.scenario_io import load_scenario
from ptce_sim.interfaces.dashboard.inputs import check_scale, check_seed, check_speed  # noqa: F401
from ptce_sim.interfaces.dashboard.room import track
from ptce_sim.runs.i18n import DEFAULT, N_, _, check_language, month_year, percent
from ptce_sim.simulation.model import PtceModel

DEFAULT_SCENARIO = "seignanx_1970_2015"
SCALES = (1.0, 0.5, 0.25, 0.1)
"""Scales offered by the page (1.0: one agent per person)."""

SWITCHES: dict[str, tuple[str, str]] = {
    "cooperation": ("cooperation.enabled", N_("Cooperation network")),
    "ge": ("shared_employment.enabled", N_("Employer groups (GE)")),
    "geiq": ("geiq.enabled", N_("GEIQ work-study")),
    "treasury": ("treasury.enabled", N_("Treasury pooling")),
}
"""On/off levers: key -> (mechanism parameter, label: a message, see :mod:`ptce_sim.runs.i18n`)."""

ALL_MECHANISMS = tuple(
    name
    for name, field_info in MechanismsSpec.model_fields.items()
    if "enabled" in getattr(field_info.annotation, "model_fields", {})
)
"""Sections switched off by "switch off cooperation" (as :meth:`Scenario.without_cooperation`)."""

INTENSITY_PATHS = (
    "cooperation.trust_gain",
    "cooperation.request_rate",
    "shared_employment.contact_rate",
    "geiq.contact_rate",
)
"""Parameters multiplied by the cooperation intensity (each capped at 1, being probabilities)."""

FUNDING_LEVERS: dict[str, str] = {
    "training_budget": N_("Training budget"),
    "animation_grant": N_("Animator grant"),
    "insertion_aid": N_("Insertion aid"),
}
"""Funding sliders: funding item -> label (level x the scenario's amounts)."""

LIVE_SHOCK = {"onset_months": 3, "recovery_months": 24}
"""Shape of a sector downturn triggered live."""

# -- scenarios ----------------------------------------------------------------------------------


def scenario_dir() -> Path:
    """The ``scenarios/`` folder the picker lists: the project's, else the working directory's."""
    project = Path(__file__).resolve().parents[3] / "scenarios"
    return project if project.is_dir() else Path.cwd() / "scenarios"


def list_scenarios(directory: Path | None = None) -> dict[str, Path]:
    """Scenario files directly inside ``directory`` (default :func:`scenario_dir`), by name.

    Only regular ``*.toml`` files whose real path is inside the folder are listed (a symbolic link
    pointing elsewhere is left out), so the picker can never open a file outside ``scenarios/``.
    """
    directory = (directory or scenario_dir()).resolve()
    found: dict[str, Path] = {}
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.toml")):
        real = path.resolve()
        if real.is_file() and real.parent == directory:
            found[path.stem] = real
    return found


def load_listed_scenario(name: str, directory: Path | None = None) -> Scenario:
    """Load a scenario by its name in the listing (never by a path given by a user).

    Raises:
        ValueError: the name is not in the listing.
        ScenarioError: the file is not a valid scenario.
    """
    listing = list_scenarios(directory)
    if name not in listing:
        raise ValueError(f"unknown scenario {name!r}; expected one of {sorted(listing)}")
    return load_scenario(listing[name])


# -- dates --------------------------------------------------------------------------------------


def month_label(model: PtceModel, month: int) -> str:
    """``"March 1987"`` (``"mars 1987"``) for a month index of the model's run."""
    return month_year(model.spec.run.start_year + month // 12, month % 12 + 1)


def shown_month(model: PtceModel) -> int:
    """The month the dashboard calls "now".

    The month about to be simulated (the charts run up to the month before), or the last month
    once the run is over.
    """
    return min(model.month_index, model.spec.months - 1)


def shown_date(model: PtceModel) -> str:
    """The date shown in big, e.g. ``"March 1987"`` (see :func:`shown_month`)."""
    return month_label(model, shown_month(model))


def event_date(model: PtceModel) -> str:
    """``"YYYY-MM"`` of the month about to be simulated (kept within the run's years)."""
    month = min(model.month_index, model.spec.months - 1)
    start = model.spec.run.start_year
    return f"{start + month // 12:04d}-{month % 12 + 1:02d}"


MAX_MONTHS_PER_FRAME = 12


def plan_frame(speed: float, max_fps: float = 10.0, last_frame_s: float = 0.0) -> tuple[int, float]:
    """Months per frame and seconds per frame to play at ``speed`` months per second.

    At most ``max_fps`` frames a second are drawn: faster speeds step several months per frame.
    When the last frame took ``last_frame_s`` seconds (stepping and drawing), at least that
    many seconds' worth of months are stepped per frame, so that a slow machine (or two
    branches) still plays at the asked speed, with fewer frames; at most a year per frame.
    """
    speed = max(float(speed), 0.1)
    steps = max(1, round(speed / max_fps), math.ceil(speed * max(last_frame_s, 0.0) - 1e-9))
    steps = min(steps, MAX_MONTHS_PER_FRAME)
    return steps, steps / speed


# -- a branch: one model and the trainer's levers on it -----------------------------------------


def _get_parameter(model: PtceModel, path: str) -> Any:
    section, _sep, name = path.partition(".")
    return getattr(getattr(model.spec.mechanisms, section), name)


def _base_parameter(model: PtceModel, path: str) -> Any:
    section, _sep, name = path.partition(".")
    return getattr(getattr(model.input_spec.mechanisms, section), name)


@dataclass
class Branch:
    """A model and the levers the trainer moved on it.

    Attributes:
        label: ``"A"``, ``"B"``, or ``""`` when there is a single run.
        model: the running model.
        funding: funding levels set by the trainer (item -> level).
        intensity: cooperation intensity (multiplier of :data:`INTENSITY_PATHS`).
        layout: the network positions cached for this branch (see :mod:`.charts`).
        drawn: its network chart last drawn, with what it was drawn for
            (:func:`.charts.network_option`).
    """

    label: str
    model: PtceModel
    funding: dict[str, float] = field(default_factory=dict)
    intensity: float = 1.0
    layout: Any = None
    drawn: Any = None

    def set_parameter(self, path: str, value: Any) -> None:
        """Set a mechanism parameter now and hold it against the timeline's policy events.

        Raises:
            ValueError: the parameter does not exist or does not accept ``value``.
        """
        self.model.set_parameter(path, value, hold=True)

    def switch(self, key: str) -> bool:
        """Current state of an on/off lever (see :data:`SWITCHES`)."""
        return bool(_get_parameter(self.model, SWITCHES[key][0]))

    def set_switch(self, key: str, on: bool) -> None:
        """Switch a mechanism on or off."""
        if key not in SWITCHES:
            raise ValueError(f"unknown switch {key!r}; expected one of {sorted(SWITCHES)}")
        self.set_parameter(SWITCHES[key][0], bool(on))

    def set_intensity(self, factor: float) -> None:
        """Cooperation intensity: the scenario's trust gain, request and join rates x ``factor``."""
        factor = float(factor)
        if not 0.0 <= factor <= 10.0:
            raise ValueError(f"cooperation intensity must be in [0, 10], got {factor}")
        for path in INTENSITY_PATHS:
            self.set_parameter(path, min(1.0, float(_base_parameter(self.model, path)) * factor))
        self.intensity = factor

    def set_funding(self, item: str, level: float) -> None:
        """A funding item at ``level`` times the scenario's amounts."""
        if item not in FUNDING_LEVERS:
            raise ValueError(
                f"unknown funding lever {item!r}; expected one of {sorted(FUNDING_LEVERS)}"
            )
        self.model.set_funding_level(item, float(level))
        self.funding[item] = float(level)

    def switch_off_cooperation(self) -> None:
        """Every cooperation mechanism off (the counterfactual "no pole")."""
        for section in ALL_MECHANISMS:
            self.set_parameter(f"{section}.enabled", False)

    def clone(self, label: str) -> Branch:
        """A fork: same state and same random stream, its own levers and layout from now on."""
        return Branch(
            label=label,
            model=track(copy.deepcopy(self.model)),
            funding=dict(self.funding),
            intensity=self.intensity,
            layout=copy.deepcopy(self.layout),
        )


# -- the session ---------------------------------------------------------------------------------


class Session:
    """One browser session's simulation: a run, or two branches of it after a fork.

    Args:
        scenario_name: name of a file in ``scenarios/`` (see :func:`list_scenarios`).
        seed: the model's seed.
        scale: share of the population simulated (replaces the scenario's).
        directory: the scenarios folder (default :func:`scenario_dir`).
        lang: the page's language (see :mod:`ptce_sim.runs.i18n`); texts the session keeps
            (its message, the live events) are translated when shown, so a switch takes them too.
    """

    def __init__(
        self,
        scenario_name: str | None = None,
        seed: int = 0,
        scale: float | None = 1.0,
        directory: Path | None = None,
        lang: str = DEFAULT,
    ) -> None:
        self.lock = threading.RLock()
        self.lang = check_language(lang)
        self.directory = directory
        names = list(list_scenarios(directory))
        if not names:
            raise ValueError(f"no scenario file in {directory or scenario_dir()}")
        if scenario_name is None:
            scenario_name = DEFAULT_SCENARIO if DEFAULT_SCENARIO in names else names[0]
        self.scenario_name = scenario_name
        self.seed = int(seed)
        self.scale = scale
        self.branches: list[Branch] = []
        self.fork_month: int | None = None
        self.lever_target = 0
        self.live_events: list[tuple[int, str, dict]] = []  # (month, message, its fields)
        # the last action's (message, its fields, the month it names): translated when shown
        self.notice: tuple[str, dict, int | None] | None = None
        self.generation = 0
        self.playing = False  # the page is playing: the net jobs panel is refreshed less often
        self.reset()
        track(self)

    # -- run control --------------------------------------------------------------------------

    def reset(
        self,
        scenario_name: str | None = None,
        seed: int | None = None,
        scale: float | None = None,
    ) -> None:
        """A new run from the start (optionally another scenario, seed or scale); levers reset."""
        from ptce_sim.interfaces.dashboard.charts import NetworkLayout

        with self.lock:
            if seed is not None:
                seed = check_seed(seed)
            new_scale = self.scale if scale is None else check_scale(scale)
            if scenario_name is not None and not isinstance(scenario_name, str):
                raise ValueError(f"expected a scenario name, got {scenario_name!r}")
            scenario = load_listed_scenario(scenario_name or self.scenario_name, self.directory)
            if new_scale is not None:
                scenario = scenario.with_overrides(scale=new_scale)
            self.scenario_name = scenario_name or self.scenario_name
            self.seed = self.seed if seed is None else int(seed)
            self.scale = new_scale
            model = track(PtceModel(scenario, self.seed))
            self.branches = [Branch("", model, layout=NetworkLayout(self.seed))]
            self.generation += 1
            self.fork_month = None
            self.lever_target = 0
            self.live_events = []
            self.notice = None

    @property
    def running(self) -> bool:
        """Whether the run has months left."""
        return any(b.model.running for b in self.branches)

    @property
    def model(self) -> PtceModel:
        """The (first branch's) model."""
        return self.branches[0].model

    def step(
        self,
        months: int = 1,
        generation: int | None = None,
        budget_s: float | None = None,
        *,
        others_waiting: Callable[[], bool] | None = None,
        alone_budget_s: float | None = None,
    ) -> int:
        """Advance every branch by up to ``months`` months; return the months done.

        With ``generation``, nothing happens unless the run is still that one (no reset since):
        the play loop's last frame never steps a run that a click has just replaced. With
        ``budget_s``, no month is begun once that many seconds have passed (at least one is done).
        With ``others_waiting`` too (the play loop's turn: "does another session wait for its
        turn now?", asked before each month), ``budget_s`` only stops the stepping while that
        answers yes; while nobody waits, it goes on up to ``alone_budget_s`` seconds (never
        longer, whoever waits; default ``budget_s``). A month is never cut.
        """
        done = 0
        start = time.perf_counter()
        alone = others_waiting is not None and alone_budget_s is not None
        with self.lock:
            if generation is not None and generation != self.generation:
                return 0
            for _month in range(int(months)):
                if not self.running:
                    break
                if done and budget_s is not None:
                    elapsed = time.perf_counter() - start
                    if elapsed > budget_s and (
                        not alone or elapsed > alone_budget_s or others_waiting()
                    ):
                        break
                for branch in self.branches:
                    if branch.model.running:
                        branch.model.step()
                done += 1
        return done

    # -- levers ---------------------------------------------------------------------------------

    @property
    def compare(self) -> bool:
        """Whether the run is forked into two branches."""
        return len(self.branches) == 2

    def target(self) -> Branch:
        """The branch the levers act on."""
        return self.branches[min(self.lever_target, len(self.branches) - 1)]

    def set_lever_target(self, index: int) -> None:
        """Which branch the levers act on (0: A, 1: B)."""
        with self.lock:
            if index not in range(len(self.branches)):
                raise ValueError(f"no branch {index}")
            self.lever_target = index

    def set_switch(self, key: str, on: bool) -> None:
        """Switch a mechanism on or off in the target branch."""
        with self.lock:
            self.target().set_switch(key, on)

    def set_intensity(self, factor: float) -> None:
        """Cooperation intensity of the target branch."""
        with self.lock:
            self.target().set_intensity(factor)

    def set_funding(self, item: str, level: float) -> None:
        """A funding level in the target branch."""
        with self.lock:
            self.target().set_funding(item, level)

    def switch_off_cooperation(self, index: int | None = None) -> None:
        """Every cooperation mechanism off in branch ``index`` (default: the target branch)."""
        with self.lock:
            if index is not None and index not in range(len(self.branches)):
                raise ValueError(f"no branch {index}")
            branch = self.target() if index is None else self.branches[index]
            branch.switch_off_cooperation()

    # -- live events (they hit every branch: the same territory, the same blow) ------------------

    def sectors(self) -> list[str]:
        """The scenario's sector names."""
        return [s.name for s in self.model.spec.sectors]

    def authorities(self) -> list[str]:
        """The scenario's authority names."""
        return [a.name for a in self.model.authorities]

    def _apply(self, make_events, label: str, fields: dict) -> None:
        """Apply ``make_events(date)`` to every branch; ``label``: the event's message."""
        with self.lock:
            model = self.model
            if not model.running:
                raise ValueError("the run is over: reset it to apply an event")
            date = event_date(model)
            events = make_events(date)
            for branch in self.branches:
                for event in events:
                    branch.model.apply_event(event)
            self.live_events.append((model.month_index, label, fields))
            self.notice = (N_("{event} in {month}"), {"event": (label, fields)}, model.month_index)

    def plant_closure(self, sector: str | None = None, jobs: int = 300) -> None:
        """The largest firms of ``sector`` (default: the largest sector) close.

        About ``jobs`` jobs at full scale are lost (scaled with the run).
        """
        sectors = self.model.spec.sectors
        sector = sector or max(sectors, key=lambda s: s.job_share).name
        if sector not in self.sectors():
            raise ValueError(f"unknown sector {sector!r}; expected one of {self.sectors()}")
        self._apply(
            lambda date: [
                PlantClosureSpec(
                    type="plant_closure", date=date, sector=sector, jobs=int(jobs), note="live"
                )
            ],
            N_("Plant closure ({sector})"),
            {"sector": sector},
        )

    def sector_downturn(self, sectors: list[str] | None = None, depth: float = 0.1) -> None:
        """Demand of ``sectors`` (default: all) falls by ``depth``, then recovers over two years."""
        sectors = list(sectors or self.sectors())
        unknown = [s for s in sectors if s not in self.sectors()]
        if unknown:
            raise ValueError(f"unknown sectors {unknown}; expected some of {self.sectors()}")
        which = (N_("all sectors"), {}) if len(sectors) == len(self.sectors()) else sectors
        self._apply(
            lambda date: [
                SectorShockSpec(
                    type="sector_shock",
                    date=date,
                    sectors=sectors,
                    depth=float(depth),
                    note="live",
                    **LIVE_SHOCK,
                )
            ],
            N_("Sector downturn ({which}, -{depth})"),
            {"which": which, "depth": ("percent", float(depth))},
        )

    def funding_cut(self, authority: str | None = None, share: float = 0.3) -> None:
        """An authority (default: every one) cuts its budget for the pole by ``share``."""
        names = self.authorities()
        if not names:
            raise ValueError("this scenario has no authority to cut funding")
        if authority is not None and authority not in names:
            raise ValueError(f"unknown authority {authority!r}; expected one of {names}")
        chosen = [authority] if authority else names
        self._apply(
            lambda date: [
                BudgetCutSpec(
                    type="budget_cut", date=date, authority=name, share=float(share), note="live"
                )
                for name in chosen
            ],
            N_("Funding cut ({who}, -{share})"),
            {"who": authority or (N_("all authorities"), {}), "share": ("percent", float(share))},
        )

    def live_event_lines(self) -> list[str]:
        """The events triggered live, e.g. ``"March 1987: Plant closure (industry)"``."""
        return [
            _("{month}: {event}").format(
                month=month_label(self.model, m), event=shown(label, fields)
            )
            for m, label, fields in self.live_events
        ]

    @property
    def message(self) -> str:
        """The last action's message, in the language in force ("" if none)."""
        if self.notice is None:
            return ""
        label, fields, month = self.notice
        if month is not None:
            fields = {**fields, "month": month_label(self.model, month)}
        return shown(label, fields)

    # -- branch and compare ---------------------------------------------------------------------

    def fork_date(self) -> str | None:
        """The month of the fork, e.g. ``"March 1987"`` (None without a fork)."""
        return None if self.fork_month is None else month_label(self.model, self.fork_month)

    def set_language(self, lang: str) -> None:
        """The page's language from now on (every text is translated when it is shown).

        Raises:
            ValueError: a language not offered.
        """
        self.lang = check_language(lang)

    def fork(self, cooperation_off: bool = False) -> None:
        """Fork the run into branches A (as is) and B (a copy: same state, same random stream).

        Levers then act on B. With ``cooperation_off``, B loses every cooperation mechanism.
        """
        with self.lock:
            if self.compare:
                raise ValueError("already forked: keep A or B first")
            base = self.branches[0]
            base.label = "A"
            self.branches.append(base.clone("B"))
            self.fork_month = base.model.month_index
            self.lever_target = 1
            if cooperation_off:
                self.branches[1].switch_off_cooperation()
            self.notice = (N_("Forked in {month}"), {}, base.model.month_index)

    def keep(self, index: int) -> None:
        """Back to a single run: keep branch ``index`` (0: A, 1: B)."""
        with self.lock:
            if not self.compare:
                return
            if index not in (0, 1):
                raise ValueError(f"no branch {index}")
            kept = self.branches[index]
            kept.label = ""
            self.branches = [kept]
            self.fork_month = None
            self.lever_target = 0
            self.notice = (N_("Kept branch {branch}"), {"branch": "AB"[index]}, None)


SCENARIO_NAMES = frozenset(
    {
        # the Seignanx scenario's sectors
        N_("industry"),
        N_("aerospace"),
        N_("construction"),
        N_("retail_services"),
        N_("crafts"),
        N_("conurbation"),
        N_("insertion_services"),
        N_("catering"),
        N_("local_ess_services"),
        # and its funders
        N_("Commune of Tarnos"),
        N_("Seignanx intercommunality"),
        N_("Landes departement"),
        N_("Aquitaine region"),
        N_("State"),
        N_("European Social Fund"),
    }
)
"""Names of the shipped scenarios' sectors and funders, shown in the page's language; any other
name (another scenario's, a structure's) is shown as it is written."""


def shown_name(name: str) -> str:
    """A sector's or funder's name in the language in force (see :data:`SCENARIO_NAMES`)."""
    return _(name) if name in SCENARIO_NAMES else name


def shown(label: str, fields: dict) -> str:
    """A kept message in the language in force, its fields filled in.

    A field is plain text (a name), a list (of names), ``(message, fields)`` (translated in
    turn) or ``("percent", share)``.
    """
    values = {}
    for key, value in fields.items():
        if isinstance(value, list):
            values[key] = ", ".join(shown_name(v) for v in value)
        elif isinstance(value, tuple) and value[0] == "percent":
            values[key] = percent(value[1], 0)
        elif isinstance(value, tuple):
            values[key] = shown(*value)
        else:
            values[key] = shown_name(value)
    return _(label).format(**values)


_heap = {"released": False}


def release_heap() -> None:
    """Give the frozen objects back to the collector (a session closes: its models can go).

    The next :func:`settle_heap_if_released` collects and freezes again.
    """
    gc.unfreeze()
    _heap["released"] = True


def settle_heap_if_released() -> None:
    """:func:`settle_heap` if :func:`release_heap` was called since the last one."""
    if _heap["released"]:
        settle_heap()


def settle_heap(collect: bool = True) -> None:
    """Collect garbage, then exempt the long-lived objects from the collector (:func:`gc.freeze`).

    A full-scale model holds about 150,000 Python objects (twice that after a fork); each scan
    of the oldest generation then takes 0.1-0.2 s, a visible stall while playing. Called by the
    page after a reset, a fork or a branch kept (when models are created or dropped); it affects
    the whole process: objects of every session are collected first (unless ``collect`` is
    False: nothing was dropped), then frozen.
    """
    if collect:
        gc.unfreeze()
        gc.collect()
        _heap["released"] = False
    gc.freeze()
