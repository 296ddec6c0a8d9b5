"""The "Funding scenarios" page (Solara).

Build variants of a scenario's funding, run their paired comparison in the background, read and
download it. Its logic is in :mod:`.funding`.

The page is opened with ``?page=funding`` (``&run=<run id>`` reopens a comparison: the page puts
it in the URL when it starts one, so a reload finds it; the visitor's last comparison is also
reopened by their Solara session). Only the visitor who started a comparison sees it.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs

import solara

from ptce_sim.config.scenario_io import ScenarioError
from ptce_sim.interfaces.dashboard import funding
from ptce_sim.interfaces.dashboard.funding import (
    DEFAULT_REPLICATES,
    DEFAULT_SCALE,
    FINISHED,
    KINDS,
    LINES,
    MAX_VARIANTS,
    MEASURES,
    Change,
    Variant,
)
from ptce_sim.interfaces.dashboard.session import list_scenarios
from ptce_sim.runs.i18n import _, money, number, using
from ptce_sim.studies.reduced_scale import scale_note

SCALES = (0.02, 0.05, 0.1, 0.25, 0.5, 1.0)
LANGUAGE_BUTTONS = {"FR": "fr", "EN": "en"}
POLL_S = 1.0


def query(search: str | None) -> dict[str, str]:
    """The URL's query parameters (first value of each)."""
    return {k: v[0] for k, v in parse_qs(search or "").items() if v}


def wants_funding(search: str | None) -> bool:
    """Whether the URL asks for the funding page (``?page=funding``)."""
    return query(search).get("page") == "funding"


def _owner() -> str:
    """The visitor: their Solara session id (a browser cookie), else a token of this page."""
    try:
        return solara.get_session_id()
    except Exception:  # noqa: BLE001 - outside a server (tests): a page of its own
        import secrets

        return "page-" + secrets.token_hex(8)


def _amount(line: funding.FunderLine) -> str:
    if line.line == "insertion_aid":
        return _("{amount} per post a year").format(amount=money(line.amount))
    if line.line == "calls":
        return _("{amount} in all").format(amount=money(line.amount))
    return _("{amount} a year").format(amount=money(line.amount))


def _change_text(change: Change) -> str:
    line = _(LINES[change.line])
    if change.kind == "stop":
        what = _("stopped")
    elif change.kind == "new":
        what = _("{amount} a year").format(amount=money(change.value))
    else:
        what = ("+" if change.value >= 0 else "−") + number(abs(change.value)) + " %"
    return f"{change.funder}, {line}: {what} ({change.start}-{change.end})"


@solara.component
def FundingPage(lang: str, on_lang, on_live):
    """The funding page in ``lang``.

    ``on_lang(lang)`` switches language, ``on_live()`` goes back to the live dashboard.
    """
    router = solara.use_router()
    owner = solara.use_memo(_owner, [])
    queue = funding.the_queue()
    scenarios = solara.use_memo(lambda: dict(list_scenarios()), [])
    params = query(router.search)
    run_id = solara.use_reactive(params.get("run") or "")
    if not run_id.value:
        latest = queue.latest(owner)
        if latest is not None:
            run_id.set(latest.run_id)
    job = queue.get(run_id.value, owner)
    with using(lang):
        solara.Title(_("PTCE funding scenarios"))
        with solara.Column(gap="10px", style={"padding": "8px 16px", "max-width": "1100px"}):
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.Markdown("## " + _("Funding scenarios"))
                solara.Button(_("Live dashboard"), outlined=True, on_click=on_live)
                solara.ToggleButtonsSingle(
                    value=lang.upper(),
                    values=list(LANGUAGE_BUTTONS),
                    on_value=lambda button: on_lang(LANGUAGE_BUTTONS[button]),
                    classes=["ptce-language"],
                )
            solara.Text(
                _(
                    "Compare the reference scenario with up to four variants of its public "
                    "funding, each run several times with the same random draws."
                )
            )
            Builder(lang, scenarios, owner, run_id, router)
            if job is not None:
                JobPanel(job, lang)


@solara.component
def Builder(lang, scenarios, owner, run_id, router):
    """Pick a reference, see its funders' lines, build variants, start the comparison."""
    names = list(scenarios)
    default = "seignanx_1970_2015" if "seignanx_1970_2015" in scenarios else names[0]
    reference = solara.use_reactive(default)
    variants = solara.use_reactive([])
    name = solara.use_reactive("")
    draft = solara.use_reactive([])
    replicates = solara.use_reactive(DEFAULT_REPLICATES)
    scale = solara.use_reactive(DEFAULT_SCALE)
    error = solara.use_reactive("")
    scenario = solara.use_memo(lambda: _load(scenarios[reference.value]), [reference.value])
    lines = funding.funder_lines(scenario)
    funders = [a.name for a in scenario.authorities]
    start, end = scenario.run.start_year, scenario.run.end_year
    funder = solara.use_reactive(funders[0])
    line = solara.use_reactive("animation_grant")
    kind = solara.use_reactive("percent")
    value = solara.use_reactive(-50.0)
    first = solara.use_reactive(max(start, end - 9))
    last = solara.use_reactive(end)
    if funder.value not in funders:
        funder.set(funders[0])
    with using(lang):
        line_labels = {_(label): key for key, label in LINES.items()}
        kind_labels = {_(label): key for key, label in KINDS.items()}

        def pick(new: str) -> None:
            reference.set(new)
            variants.set([])
            draft.set([])

        def add_change() -> None:
            change = Change(
                funder.value, line.value, kind.value, float(value.value), first.value, last.value
            )
            draft.set([*draft.value, change])

        def add_variant() -> None:
            with using(lang):
                variant = Variant(name.value.strip(), tuple(draft.value))
                try:
                    funding.check_variants(scenario, [*variants.value, variant])
                except ValueError as exc:
                    error.set(str(exc))
                    return
            error.set("")
            variants.set([*variants.value, variant])
            draft.set([])
            name.set("")

        def run() -> None:
            with using(lang):
                try:
                    job = funding.the_queue().submit(
                        owner,
                        lang,
                        funding.prepare(
                            scenarios[reference.value],
                            variants.value,
                            replicates=int(replicates.value),
                            scale=float(scale.value),
                        ),
                    )
                except (ValueError, ScenarioError) as exc:
                    error.set(str(exc))
                    return
            error.set("")
            run_id.set(job.run_id)
            if router.set_path is not None:
                router.push(f"{router.path}?page=funding&run={job.run_id}")

        with solara.Card(_("1. The reference scenario and its funders' lines"), margin=0):
            solara.Select(
                _("Reference scenario"), values=names, value=reference.value, on_value=pick
            )
            rows = [
                f"| {x.funder} | {_(LINES[x.line])} | {_amount(x)} | {x.years} |" for x in lines
            ]
            header = f"| {_('funder')} | {_('line')} | {_('amount')} | {_('years')} |"
            solara.Markdown("\n".join([header, "|---|---|---|---|", *rows]))
            fund = funding.solidarity_fund_year(scenario)
            solara.Text(
                _(
                    "The solidarity fund opens in {year}, endowed by the members' contributions: "
                    "no funder pays into it in this scenario."
                ).format(year=fund)
                if fund
                else _("This scenario has no solidarity fund.")
            )
        with solara.Card(_("2. Variants (one to four)"), margin=0):
            with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
                solara.Select(_("Funder"), values=funders, value=funder)
                solara.Select(
                    _("Line"),
                    values=list(line_labels),
                    value=_(LINES[line.value]),
                    on_value=lambda v: line.set(line_labels[v]),
                )
                solara.Select(
                    _("Change"),
                    values=list(kind_labels),
                    value=_(KINDS[kind.value]),
                    on_value=lambda v: kind.set(kind_labels[v]),
                )
                if kind.value == "percent":
                    solara.InputFloat(_("Change (%)"), value=value)
                elif kind.value == "new":
                    solara.InputFloat(_("Amount a year (€)"), value=value)
                solara.InputInt(_("From"), value=first)
                solara.InputInt(_("To"), value=last)
                solara.Button(_("Add the change"), outlined=True, on_click=add_change)
            for change in draft.value:
                solara.Text("• " + _change_text(change))
            if draft.value:
                solara.Button(_("Clear the changes"), text=True, on_click=lambda: draft.set([]))
            with solara.Row(style={"align-items": "center"}):
                solara.InputText(_("Variant name"), value=name)
                solara.Button(
                    _("Save the variant"),
                    color="primary",
                    disabled=not draft.value or len(variants.value) >= MAX_VARIANTS,
                    on_click=add_variant,
                )
            for variant in variants.value:
                solara.Markdown(
                    f"**{variant.name}**: " + "; ".join(_change_text(c) for c in variant.changes)
                )
            if variants.value:
                solara.Button(
                    _("Remove the variants"), outlined=True, on_click=lambda: variants.set([])
                )
        with solara.Card(_("3. Run the comparison"), margin=0):
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.InputInt(_("Replicates"), value=replicates)
                solara.Select(_("Scale"), values=list(SCALES), value=scale)
                solara.Button(
                    _("Run the comparison"),
                    color="primary",
                    icon_name="mdi-play",
                    disabled=not variants.value,
                    on_click=run,
                )
            solara.Text(
                _(
                    "Defaults ({replicates} replicates at scale {scale}) take about a minute "
                    "when no other comparison waits; comparisons run one at a time, at a lower "
                    "priority."
                ).format(replicates=DEFAULT_REPLICATES, scale=number(DEFAULT_SCALE, None))
            )
            if error.value:
                solara.Error(error.value)


def _load(path: Path):
    from ptce_sim.config.scenario_io import load_scenario

    return load_scenario(path)


@solara.component
def JobPanel(job: funding.Job, lang: str):
    """A comparison: its place in the queue or its progress, then its results."""
    tick = solara.use_reactive(0)

    def poll() -> None:
        while job.status not in FINISHED:
            time.sleep(POLL_S)
            tick.set(tick.value + 1)
        tick.set(tick.value + 1)

    solara.use_thread(poll, dependencies=[job.run_id])
    queue = funding.the_queue()
    _tick = tick.value
    with using(lang), solara.Card(_("Comparison {run}").format(run=job.run_id), margin=0):
        place = queue.place(job)
        if job.status == funding.WAITING:
            solara.Text(
                _("Waiting: number {place} in the queue.").format(place=place)
                if place
                else _("Waiting.")
            )
        elif job.status == funding.RUNNING:
            share = job.done / job.planned if job.planned else 0.0
            solara.Text(
                _("Running: {done} of {planned} runs done.").format(
                    done=job.done, planned=job.planned
                )
            )
            solara.ProgressLinear(value=100 * share)
        elif job.status == funding.FAILED:
            solara.Error(_("The comparison failed: {error}").format(error=job.error))
        elif job.status == funding.CANCELLED:
            solara.Warning(_("The comparison was cancelled."))
        if job.status in (funding.WAITING, funding.RUNNING):
            solara.Button(
                _("Cancel"), color="error", outlined=True, on_click=lambda: queue.cancel(job)
            )
        if job.status == funding.DONE:
            Results(job, lang)


@solara.component
def Results(job: funding.Job, lang: str):
    """A finished comparison's figures, sentences and charts, and its download."""
    found, charts = solara.use_memo(lambda: _results(job, lang), [job.run_id, lang])
    with using(lang):
        solara.FileDownload(
            data=lambda: funding.download(job),
            filename=f"funding_{job.run_id}.zip",
            label=_("Download the report and the files to rerun it (zip)"),
        )
        notes = [
            _(
                "{replicates} paired replicates of each scenario, {span}; every interval is a "
                "90% interval."
            ).format(replicates=found.replicates, span=f"{found.start}-{found.end}")
        ]
        if found.scale < 1:
            notes.append(scale_note(found.scale))
        notes.append(
            _("Parameters drawn from the calibrated posterior sample {file}.").format(
                file=found.posterior
            )
            if found.posterior
            else _(
                "No calibrated posterior sample is available yet: the intervals show the "
                "randomness of the runs, not the uncertainty of the calibrated parameters."
            )
        )
        for note in notes:
            solara.Text(note)
        for variant, text in found.headlines.items():
            solara.Markdown(f"**{variant}**: {text}")
        for key, title in MEASURES.items():
            rows = found.measures[key]
            with solara.Card(_(title), margin=0):
                solara.Image(charts[key])
                for row in rows:
                    solara.Text(row.text)


def _results(job: funding.Job, lang: str) -> tuple[funding.Results, dict[str, bytes]]:
    """The figures and the charts of a finished comparison, in ``lang`` (made once per page)."""
    with using(lang):
        found = funding.results(job)
        charts = {
            key: funding.chart(found.measures[key], _(title)) for key, title in MEASURES.items()
        }
    return found, charts
