"""PNG plots of a run: employment, unemployment and the pole's growth (a leaf module)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from ptce_sim.runs.atomic import replacing
from ptce_sim.runs.runner import RunResult  # noqa: E402

STYLE = {"font.size": 12, "axes.titlesize": 14, "axes.labelsize": 12, "figure.dpi": 110}
SHOCK_COLOUR = "#b2182b"


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
            label="employed",
        )
        ax.plot(
            years,
            monthly["ess_jobs"] / result.scenario.run.scale,
            color="#1b7837",
            label="ESS jobs",
        )
        ax.plot(
            years,
            monthly["unemployed"] / result.scenario.run.scale,
            color="#762a83",
            label="unemployed",
        )
        _mark_shocks(ax, result)
        ax.set(
            xlabel="year",
            ylabel="persons (full-scale equivalent)",
            title=f"Employment - {result.scenario.run.title or result.scenario.run.name}",
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
        ax.set(xlabel="year", ylabel="unemployment rate (%)", title="Unemployment rate")
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
            territory["year"], territory["pole_members"], label="pole members", color="#1b7837"
        )
        top.plot(
            territory["year"], territory["ess_structures"], label="ESS structures", color="#5aae61"
        )
        top.plot(
            territory["year"], territory["member_firms"], label="member firms", color="#2166ac"
        )
        top.set(ylabel="organisations", title="Growth of the pole")
        top.legend(frameon=False)
        top.grid(alpha=0.3)
        columns = [
            "ge_posts",
            "geiq_hires",
            "insertion_exits_to_work",
            "incubated_activities",
            "internalised_posts",
        ]
        bottom.stackplot(
            jobs["year"],
            [jobs[c] for c in columns],
            labels=[c.replace("_", " ") for c in columns],
            alpha=0.85,
        )
        bottom.set(
            xlabel="year", ylabel="jobs per year", title="Jobs created or secured, by mechanism"
        )
        bottom.legend(frameon=False, fontsize=9, loc="upper left")
        bottom.grid(alpha=0.3)
        fig.tight_layout()
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)


def write_plots(result: RunResult, out: Path) -> list[Path]:
    """Write the run's PNG plots into ``out``."""
    paths = [out / "employment.png", out / "unemployment.png", out / "pole_growth.png"]
    plot_employment(result, paths[0])
    plot_unemployment(result, paths[1])
    plot_pole(result, paths[2])
    return paths
