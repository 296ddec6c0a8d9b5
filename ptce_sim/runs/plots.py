"""PNG plots of a run: employment, unemployment and the pole's growth (a leaf module).

Their texts are in the language in force (:func:`ptce_sim.runs.i18n.using`; :func:`write_plots`
takes it).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from ptce_sim.runs.atomic import replacing
from ptce_sim.runs.i18n import DEFAULT, N_, _, using
from ptce_sim.runs.runner import RunResult  # noqa: E402

STYLE = {"font.size": 12, "axes.titlesize": 14, "axes.labelsize": 12, "figure.dpi": 110}
SHOCK_COLOUR = "#b2182b"
MECHANISMS = {
    "ge_posts": N_("GE posts"),
    "geiq_hires": N_("GEIQ hires"),
    "insertion_exits_to_work": N_("insertion exits to work"),
    "incubated_activities": N_("incubated activities"),
    "internalised_posts": N_("internalised posts"),
}
"""The mechanisms of the jobs created or secured (stacked in the pole's plot): column -> label."""


def _mark_shocks(ax, result: RunResult) -> None:
    start = result.scenario.run.start_year
    for month, kind, _note in result.events:
        if kind in ("sector_shock", "plant_closure", "budget_cut"):
            ax.axvline(start + month / 12, color=SHOCK_COLOUR, lw=0.8, ls="--", alpha=0.7)


def plot_employment(result: RunResult, path: Path) -> None:
    """Employed persons (classic and ESS jobs) and unemployment over time."""
    monthly = result.monthly
    years = result.scenario.run.start_year + monthly["month"] / 12
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 5))
        ax.plot(
            years,
            monthly["employed"] / result.scenario.run.scale,
            color="#2166ac",
            label=_("employed"),
        )
        ax.plot(
            years,
            monthly["ess_jobs"] / result.scenario.run.scale,
            color="#1b7837",
            label=_("ESS jobs"),
        )
        ax.plot(
            years,
            monthly["unemployed"] / result.scenario.run.scale,
            color="#762a83",
            label=_("unemployed"),
        )
        _mark_shocks(ax, result)
        ax.set(
            xlabel=_("year"),
            ylabel=_("persons (full-scale equivalent)"),
            title=_("Employment - {scenario}").format(
                scenario=result.scenario.run.title or result.scenario.run.name
            ),
        )
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)


def plot_unemployment(result: RunResult, path: Path) -> None:
    """Unemployment rate by year."""
    territory = result.territory
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 4.5))
        ax.plot(
            territory["year"],
            100 * territory["unemployment_rate"],
            color="#762a83",
            marker="o",
            ms=3,
        )
        _mark_shocks(ax, result)
        ax.set(xlabel=_("year"), ylabel=_("unemployment rate (%)"), title=_("Unemployment rate"))
        ax.grid(alpha=0.3)
        fig.tight_layout()
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)


def plot_pole(result: RunResult, path: Path) -> None:
    """The pole's growth: members, ESS structures, and jobs created or secured by mechanism."""
    territory, jobs = result.territory, result.jobs_by_mechanism
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 8), sharex=True)
        top.plot(
            territory["year"], territory["pole_members"], label=_("pole members"), color="#1b7837"
        )
        top.plot(
            territory["year"],
            territory["ess_structures"],
            label=_("ESS structures"),
            color="#5aae61",
        )
        top.plot(
            territory["year"], territory["member_firms"], label=_("member firms"), color="#2166ac"
        )
        top.set(ylabel=_("organisations"), title=_("Growth of the pole"))
        top.legend(frameon=False)
        top.grid(alpha=0.3)
        bottom.stackplot(
            jobs["year"],
            [jobs[c] for c in MECHANISMS],
            labels=[_(label) for label in MECHANISMS.values()],
            alpha=0.85,
        )
        bottom.set(
            xlabel=_("year"),
            ylabel=_("jobs per year"),
            title=_("Jobs created or secured, by mechanism"),
        )
        bottom.legend(frameon=False, fontsize=9, loc="upper left")
        bottom.grid(alpha=0.3)
        fig.tight_layout()
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)


def write_plots(result: RunResult, out: Path, lang: str = DEFAULT) -> list[Path]:
    """Write the run's PNG plots into ``out``, their texts in ``lang`` (``en`` or ``fr``)."""
    paths = [out / "employment.png", out / "unemployment.png", out / "pole_growth.png"]
    with using(lang):
        plot_employment(result, paths[0])
        plot_unemployment(result, paths[1])
        plot_pole(result, paths[2])
    return paths
