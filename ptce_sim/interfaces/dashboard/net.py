"""Gross and net jobs since the fork: branch B (the fork) against branch A (the reference).

The two branches share their state and random stream up to the fork, so they are a pair of
runs with common random numbers; :func:`ptce_sim.studies.additionality.decompose` turns their
territory tables into gross jobs, deadweight, displacement and net jobs, the extra public money
by funder and the public cost per net job, as ``compare`` and the validation do. Here there is one
pair: no interval.

The tables are the years closed since the fork year, plus, while the run goes on, a row for the
year in progress (:func:`live_row`): jobs as at the end of the last month simulated, public
money paid so far this year. Both branches hold the same history up to the fork, so the money of
the fork year's first months cancels out: the extra money is the money since the fork. Figures
are full-scale equivalents (counts and euros divided by the run's scale), as in the studies.

The decomposition's terms (:func:`ptce_sim.studies.additionality.paired_terms`, without the
summary table the reports need) cost about 10 ms (pandas on small tables): while the page plays,
they are recomputed at most every :data:`REFRESH_S` seconds and at each year's end
(:func:`live_panel`); paused, after every change.

Every visible word is in :data:`TEXTS` (messages of the catalogues, see
:mod:`ptce_sim.runs.i18n`): the panel is drawn in the language in force.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd

from ptce_sim.interfaces.dashboard.session import month_label
from ptce_sim.runs.i18n import N_, _, language, money, number
from ptce_sim.simulation import metrics
from ptce_sim.studies import additionality

if TYPE_CHECKING:
    from ptce_sim.simulation.model import PtceModel

TEXTS = {
    "title": N_("Since the fork ({fork}): B compared with A"),
    "gross": N_("gross jobs in the pole's structures (B)"),
    "deadweight": N_("− deadweight: what A has anyway"),
    "displacement": N_("− displacement: classic jobs lost"),
    "leakage": N_("− leakage: jobs taken by non-residents"),
    "multiplier": N_("+ multiplier: induced local jobs"),
    "residual": N_("+ other (residents working outside)"),
    "net": N_("= net jobs: residents in work, B − A"),
    "money_title": N_("Public money, B − A since the fork"),
    "funder": N_("funder"),
    "extra": N_("extra money"),
    "per_net_job": N_("per net job"),
    "total": N_("all funders"),
    "saves": N_("saves money"),
    "no_cost": N_("no cost per net job: net jobs ≤ 0"),
    "not_modelled": N_("Not modelled: {terms}."),
    "one_pair": N_("One pair of runs: no interval."),
    "live": N_("Jobs at the end of {month}; money since the fork, so far."),
    "full_scale": N_("Full-scale equivalents (run at scale {scale})."),
    "funders": {
        "state": N_("State"),
        "esf": N_("European Social Fund"),
        "region": N_("Région"),
        "departement": N_("Département"),
        "intercommunality": N_("Intercommunality"),
        "commune": N_("Communes"),
    },
}
"""The panel's visible texts, in one place (messages, translated where shown)."""

TERMS = ("gross", "deadweight", "displacement", "leakage", "multiplier", "residual", "net")
"""The decomposition's lines, in the order shown (a term not modelled is left out)."""
OPTIONAL = ("leakage", "multiplier")
"""Terms shown only when the runs record them (otherwise listed as not modelled)."""
SAVES = additionality.SPENDS_LESS
REFRESH_S = 0.5
"""While playing, the panel is recomputed at most this often (and at each year's end)."""

_panels: WeakKeyDictionary = WeakKeyDictionary()
"""The last panel of each fork's model: ((months of A and B, fork month), time, panel)."""


def live_row(model: PtceModel) -> dict[str, float] | None:
    """The territory row of the year in progress (None once the run is over).

    Stocks as at the end of the last month simulated, public money paid so far this year.
    """
    if model.month_index >= model.spec.months:
        return None
    recorder = model.recorder
    year = model.spec.run.start_year + model.month_index // 12
    return metrics.territory_row(
        model, year, recorder.tally, recorder.year_public_eur, recorder.year_public_by_funder
    )


def since(model: PtceModel, fork_year: int) -> pd.DataFrame:
    """A branch's territory table from ``fork_year`` on, the year in progress included."""
    rows = [r for r in model.recorder.rows("territory") if r["year"] >= fork_year]
    live = live_row(model)
    return pd.DataFrame([*rows, *([live] if live else [])])


def _jobs(value: float) -> str:
    """Jobs to the unit (one decimal below 10), with a true minus sign."""
    if not math.isfinite(value):
        return "—"
    shown = number(abs(value), 0 if abs(value) >= 10 or value == 0 else 1)
    return ("−" if value < 0 else "") + shown


def _eur(value: float) -> str:
    """Euros to three significant digits, with a true minus sign."""
    if not math.isfinite(value):
        return "—"
    size = abs(value)
    digits = 3 - int(math.floor(math.log10(size))) - 1 if size else 0
    return ("−" if value < 0 else "") + money(round(size, min(digits, 0)))


def net_panel(reference: PtceModel, fork: PtceModel, fork_month: int) -> dict | None:
    """The panel's figures and lines (plain, JSON-ready data); None with no year since the fork.

    Keys: ``title``; ``figures`` (every term of the decomposition, ``None`` when not modelled,
    and ``extra_<funder>_eur``); ``lines`` ([label, figure] of the decomposition); ``money_title``,
    ``money_header`` and ``money`` ([funder, extra money, per net job] for every funder who paid
    something in either branch, all funders last); ``notes``.
    """
    start = reference.spec.run.start_year
    fork_year = start + fork_month // 12
    ref_table, fork_table = since(reference, fork_year), since(fork, fork_year)
    if ref_table.empty or fork_table.empty:
        return None
    used = additionality.columns_used(ref_table.columns)  # fewer columns: faster, every frame
    # one pair: each term is an array of 1 x the years since the fork year; no summary table
    terms, extra_money, _years = additionality.paired_terms(
        [ref_table[used]], [fork_table[used]], scale=reference.scale
    )
    now = {t: math.nan if terms[t] is None else float(terms[t][0, -1]) for t in TERMS}
    figures: dict[str, float | None] = {
        t: None if math.isnan(value) else value for t, value in now.items()
    }
    lines = [
        [_(TEXTS[t]), _jobs(figures[t])]
        for t in TERMS
        if figures[t] is not None and (t != "residual" or abs(figures[t]) >= 0.5)
    ]
    net = terms["net"][0, -1:]
    money = []
    for funder, values in extra_money.items():
        extra = float(values.sum())
        figures[f"extra_{funder}_eur"] = extra
        total = funder == additionality.TOTAL
        column = additionality.TOTAL_MONEY if total else f"public_{funder}_eur"
        status, ratios = additionality.cost_ratios(np.array([extra]), net)
        cost = float(ratios[0]) if status == additionality.ESTIMATED else None
        if total:
            figures["cost_per_net_job_eur"] = cost
        elif not _paid(column, ref_table, fork_table):
            continue
        name = _(TEXTS["total"]) if total else _(TEXTS["funders"].get(funder, funder))
        per_job = _eur(cost) if cost is not None else _(TEXTS["saves"]) if status == SAVES else "—"
        money.append([name, _signed_eur(extra), per_job])
    missing = [_(TEXTS[t]).split(":")[0].strip("−+ ") for t in OPTIONAL if figures[t] is None]
    notes = [_(TEXTS["one_pair"])]
    if figures["net"] is None or figures["net"] <= 0:
        notes.insert(0, _(TEXTS["no_cost"]))
    if missing:
        notes.append(_(TEXTS["not_modelled"]).format(terms=", ".join(missing)))
    if reference.month_index < reference.spec.months:
        last = max(reference.month_index - 1, 0)
        notes.append(_(TEXTS["live"]).format(month=month_label(reference, last)))
    if reference.scale != 1.0:
        notes.append(_(TEXTS["full_scale"]).format(scale=number(reference.scale, None)))
    return {
        "title": _(TEXTS["title"]).format(fork=month_label(reference, fork_month)),
        "money_title": _(TEXTS["money_title"]),
        "figures": figures,
        "lines": lines,
        "money_header": [_(TEXTS["funder"]), _(TEXTS["extra"]), _(TEXTS["per_net_job"])],
        "money": money,
        "notes": notes,
    }


def _paid(column: str, *tables: pd.DataFrame) -> bool:
    """Whether a funder paid anything in either branch since the fork year."""
    return any(column in t.columns and bool((t[column].abs() > 0).any()) for t in tables)


def _signed_eur(value: float) -> str:
    return ("+" if value > 0 else "") + _eur(value) if math.isfinite(value) else _eur(value)


def live_panel(
    reference: PtceModel, fork: PtceModel, fork_month: int, *, playing: bool = False
) -> dict | None:
    """:func:`net_panel`, kept while the branches have not moved (or, ``playing``, for a while).

    While ``playing``, a panel less than :data:`REFRESH_S` old is kept unless a year has ended
    since; its notes name the month its jobs are counted at.
    """
    key = (fork.month_index, fork_month, language(), reference.month_index - fork.month_index)
    now = time.monotonic()
    cached = _panels.get(fork)
    if cached is not None and reusable(cached, key, now, playing=playing):
        return cached[2]
    panel = net_panel(reference, fork, fork_month)
    _panels[fork] = (key, now, panel)
    return panel


def reusable(cached: tuple, key: tuple, now: float, *, playing: bool) -> bool:
    """Whether a drawing made for ``cached`` = (key, time, drawing) may be shown for ``key``.

    A key is ``(month index, *what else it depends on)``. The same key, always; while
    ``playing``, also a drawing of the same year and the same rest less than :data:`REFRESH_S`
    seconds old (the page plays up to 30 months a second: figures that take milliseconds are
    redrawn twice a second and at each year's end, not at every frame).
    """
    old, stamp, _drawing = cached
    if old == key:
        return True
    same_year = old[0] // 12 == key[0] // 12 and old[1:] == key[1:]
    return playing and same_year and now - stamp < REFRESH_S
