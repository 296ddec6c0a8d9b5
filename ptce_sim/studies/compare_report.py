"""The comparison report's charts (PNG) and pages (HTML and Markdown).

Rendering only, for :mod:`ptce_sim.studies.compare`, which computes the figures and the sentences.
Every text is in the language in force (:func:`ptce_sim.runs.i18n.using`, set by the comparison).
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ptce_sim.runs.atomic import replacing
from ptce_sim.runs.i18n import N_, _, language, money, number

if TYPE_CHECKING:
    from ptce_sim.studies.additionality import ReportTable
    from ptce_sim.studies.compare import Difference

COLOURS = ["#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#4d4d4d"]


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def plot_trajectories(yearly: Any, names: list[str], scales: dict[str, float], path: Path) -> None:
    """Employment, unemployment, ESS jobs and public money per year: mean and 5-95% band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("employed", _("people in work"), 1.0, True),
        ("unemployment_rate", _("unemployment rate (%)"), 100.0, False),
        ("ess_headcount", _("ESS jobs"), 1.0, True),
        ("public_funding_eur", _("public money per year (€)"), 1.0, True),
    ]
    colours = COLOURS
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for ax, (column, title, factor, per_scale) in zip(axes.flat, panels, strict=True):
        for i, name in enumerate(names):
            rows = yearly[yearly["scenario"] == name]
            scale = scales[name] if per_scale else 1.0
            values = rows[column].astype(float) * factor / scale
            grouped = values.groupby(rows["year"])
            colour = colours[i % len(colours)]
            ax.plot(grouped.mean().index, grouped.mean(), color=colour, label=name)
            ax.fill_between(
                grouped.mean().index,
                grouped.quantile(0.05),
                grouped.quantile(0.95),
                color=colour,
                alpha=0.18,
                lw=0,
            )
        ax.set_title(title, fontsize=11, loc="left")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(frameon=False, fontsize=9)
    fig.suptitle(
        _("Scenarios over time (mean over replicates, 5-95% band; full-scale equivalents)"),
        fontsize=11,
    )
    fig.tight_layout()
    _save(fig, path)


def plot_differences(diffs: list[Difference], keys: list[str], path: Path) -> None:
    """Each headline difference (``keys``) with its 90% interval, one panel per indicator."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {d.metric.key: d.metric.label for d in diffs}
    shown = [k for k in keys if any(d.metric.key == k and d.pairs for d in diffs)]
    scenarios = list(dict.fromkeys(d.scenario for d in diffs))
    fig, axes = plt.subplots(
        len(shown),
        1,
        figsize=(9, 0.55 + 0.95 * len(shown) * max(1, len(scenarios) / 2)),
        squeeze=False,
    )
    for ax, key in zip(axes[:, 0], shown, strict=True):
        for j, name in enumerate(scenarios):
            d = next((x for x in diffs if x.metric.key == key and x.scenario == name), None)
            if d is None or not d.pairs:
                continue
            ax.barh(j, d.mean, color="#6a8caf", height=0.55)
            if math.isfinite(d.low):
                ax.errorbar(
                    d.mean,
                    j,
                    xerr=[[d.mean - d.low], [d.high - d.mean]],
                    fmt="none",
                    ecolor="black",
                    capsize=4,
                )
        ax.axvline(0, color="black", lw=0.7)
        ax.set_yticks(
            range(len(scenarios)), [f"{s} − {diffs[0].reference}" for s in scenarios], fontsize=8
        )
        ax.set_title(labels[key], fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(_("Differences from the reference (bars) with 90% intervals"), fontsize=11)
    fig.tight_layout()
    _save(fig, path)


def plot_resilience(per_run: Any, names: list[str], path: Path) -> bool:
    """Resistance to each shock by scenario (mean and 5-95% range); False if no shock."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    columns = [c for c in per_run.columns if c.startswith("resistance|")]
    if not columns:
        return False
    fig, ax = plt.subplots(figsize=(9, 0.9 + 0.6 * len(columns) * len(names)))
    colours = COLOURS
    height = 0.8 / len(names)
    for i, name in enumerate(names):
        rows = per_run[per_run["scenario"] == name]
        means = [float(np.nanmean(rows[c])) if rows[c].notna().any() else np.nan for c in columns]
        lows = [
            float(np.nanquantile(rows[c], 0.05)) if rows[c].notna().any() else np.nan
            for c in columns
        ]
        highs = [
            float(np.nanquantile(rows[c], 0.95)) if rows[c].notna().any() else np.nan
            for c in columns
        ]
        y = np.arange(len(columns)) + (i - (len(names) - 1) / 2) * height
        ax.barh(y, means, height=height, color=colours[i % len(colours)], label=name)
        err = [np.subtract(means, lows), np.subtract(highs, means)]
        ax.errorbar(means, y, xerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=3)
    ax.set_yticks(range(len(columns)), [c.split("|", 1)[1] for c in columns], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.7)
    ax.set_xlabel(_("resistance: employment at the trough vs its pre-shock trend (%)"))
    ax.legend(frameon=False, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(_("Resilience to each shock (Martin 2012)"), fontsize=11, loc="left")
    fig.tight_layout()
    _save(fig, path)
    return True


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _cell(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return _("n/a")
    if unit == "eur":
        return money(value)
    if unit == "jobs":
        return number(value, 0 if abs(value) >= 10 else 1)
    if unit == "months":
        return number(value, 1)
    return number(value, 2)


def _diff_cell(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return _("n/a")
    return ("+" if value >= 0 else "−") + _cell(abs(value), unit)


def _rows(diffs: list[Difference], scenario: str) -> list[list[str]]:
    rows = []
    for d in diffs:
        if d.scenario != scenario:
            continue
        label = d.metric.label + (f" — {d.shock}" if d.shock else "")
        unit = d.metric.unit
        interval = (
            _("{low} to {high}").format(low=_diff_cell(d.low, unit), high=_diff_cell(d.high, unit))
            if math.isfinite(d.low)
            else _("n/a")
        )
        rows.append(
            [
                label,
                _cell(d.mean_reference, unit),
                _cell(d.mean_scenario, unit),
                _diff_cell(d.mean, unit),
                interval,
                f"{d.pairs}/{d.replicates}",
            ]
        )
    return rows


HEADER = [N_("indicator"), "{a}", "{b}", N_("difference"), N_("90% interval"), N_("pairs")]
"""The differences' table header (messages; ``{a}``, ``{b}``: the scenarios)."""
NET_HEADING = N_("Gross and net jobs")


def _compared(scenario: str, reference: str) -> str:
    return _("{scenario} compared with {reference}").format(scenario=scenario, reference=reference)


def markdown(
    title: str,
    intro: list[str],
    diffs: list[Difference],
    words: dict,
    images: list[str],
    notes: list[str],
    tables: dict[str, list[ReportTable]] | None = None,
) -> str:
    """The report as Markdown: sentences and tables per compared scenario, charts, notes.

    ``tables``: the gross-to-net tables of each compared scenario.
    """
    tables = tables or {}
    lines = [f"# {title}", "", *intro, ""]
    for scenario, texts in words.items():
        reference = diffs[0].reference
        lines += ["## " + _compared(scenario, reference), ""]
        lines += [f"- {t}" for t in texts] + [""]
        header = [_(h).format(a=reference, b=scenario) for h in HEADER]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(row) + " |" for row in _rows(diffs, scenario)]
        lines.append("")
        if tables.get(scenario):
            lines += [f"### {_(NET_HEADING)}", ""]
            for table in tables[scenario]:
                lines += table.markdown()
    lines += [f"## {_('Charts')}", ""] + [f"![{i}]({i})" for i in images] + [""]
    lines += [f"## {_('How to read this report')}", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


def page(
    title: str,
    intro: list[str],
    diffs: list[Difference],
    words: dict,
    images: list[str],
    notes: list[str],
    tables: dict[str, list[ReportTable]] | None = None,
) -> str:
    """The report as a self-contained HTML page (the charts are PNG files beside it)."""
    e = html.escape
    tables = tables or {}
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5;color:#222}table{border-collapse:collapse;margin:1rem 0}"
        "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}"
        "td:first-child,th:first-child{text-align:left}th{background:#f2f2f2}"
        "li{margin:.3rem 0}img{max-width:100%;margin:1rem 0}.note{color:#555;font-size:.9rem}"
        "</style></head><body>",
        f"<h1>{e(title)}</h1>",
        *[f"<p>{e(p)}</p>" for p in intro],
    ]
    for scenario, texts in words.items():
        reference = diffs[0].reference
        parts.append(f"<h2>{e(_compared(scenario, reference))}</h2><ul>")
        parts += [f"<li>{e(t)}</li>" for t in texts]
        parts.append("</ul><table><thead><tr>")
        parts += [f"<th>{e(_(h).format(a=reference, b=scenario))}</th>" for h in HEADER]
        parts.append("</tr></thead><tbody>")
        for row in _rows(diffs, scenario):
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
        if tables.get(scenario):
            parts.append(f"<h3>{e(_(NET_HEADING))}</h3>")
            parts += [_html_table(table) for table in tables[scenario]]
    parts.append(f"<h2>{e(_('Charts'))}</h2>")
    parts += [f'<img src="{e(i)}" alt="{e(i)}">' for i in images]
    parts.append(f'<h2>{e(_("How to read this report"))}</h2><ul class="note">')
    parts += [f"<li>{e(n)}</li>" for n in notes]
    parts.append("</ul></body></html>\n")
    return "\n".join(parts)


def _html_table(table: ReportTable) -> str:
    """One gross-to-net table as HTML, its title above."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    return (
        f"<p><strong>{e(table.title)}</strong></p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
