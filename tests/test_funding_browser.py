"""The funding page end to end in Chromium, in French.

A cut, two replicates at scale 0.02, the result shown, kept over a reload, the report downloaded
and its figures equal to the command line's.

Like ``test_dashboard_browser.py``: Solara's server on a port of 127.0.0.1 (its comparisons in
its working folder's ``results/funding``), Playwright driving Debian's Chromium, skipped without
one (a failure with ``CI`` set).
"""

from __future__ import annotations

import zipfile

import pytest
from conftest import dashboard_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]

TIMEOUT_MS = 30_000
RUN_TIMEOUT_MS = 300_000


@pytest.fixture(scope="session", autouse=True)
def needs_chromium(chromium: str) -> str:
    """Every test of this module needs Chromium (``chromium`` in ``conftest.py``)."""
    return chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory, local_cdn):
    """The dashboard's server (:func:`conftest.dashboard_server`); its URL."""
    with dashboard_server(tmp_path_factory.mktemp("funding_server"), local_cdn.env) as url:
        yield url


def test_a_policy_officer_runs_and_downloads_a_cut_in_french(server, french_browser, tmp_path):
    """A French browser: the funding page, a cut, 2 replicates at scale 0.02, a reload, the zip.

    The zip's experiment, rerun with ``ptce-sim compare``, gives the same figures.
    """
    from ptce_sim.interfaces.cli import main

    context = french_browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server)
        page.get_by_role("button", name="Scénarios de financement").click(timeout=60_000)
        page.get_by_text("1. Le scénario de référence et les lignes de ses financeurs").wait_for()
        assert "page=funding" in page.url
        assert page.get_by_text("subvention d'animation").first.is_visible()
        page.get_by_role("button", name="Ajouter la modification").click()
        page.get_by_text("Commune of Tarnos, subvention d'animation: −50 %").wait_for()
        page.get_by_label("Nom de la variante").fill("coupe")
        page.get_by_role("button", name="Enregistrer la variante").click()
        page.get_by_text("coupe", exact=True).wait_for()
        replicates = page.get_by_label("Répliques")
        replicates.fill("2")
        replicates.press("Enter")
        page.get_by_label("Échelle").click(force=True)
        page.get_by_role("option", name="0.02").click()
        page.get_by_role("button", name="Lancer la comparaison").click()
        download = page.get_by_role("button", name="Télécharger le rapport")
        download.wait_for(timeout=RUN_TIMEOUT_MS)
        assert "run=" in page.url
        assert page.get_by_text("Emplois nets additionnels").first.is_visible()

        page.reload()  # the comparison is found again by its run id
        download = page.get_by_role("button", name="Télécharger le rapport")
        download.wait_for(timeout=60_000)
        with page.expect_download() as info:
            download.click()
        path = tmp_path / "funding.zip"
        info.value.save_as(path)
    finally:
        context.close()
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "zip")
        report = archive.read("report.html").decode()
        figures = {n: archive.read(n) for n in ("comparison.csv", "additionality.csv")}
    assert "Échelle réduite" in report and "coupe" in report and "0,02" in report
    out = tmp_path / "rerun"
    args = ["compare", str(tmp_path / "zip" / "experiment.toml"), "--out", str(out)]
    assert main([*args, "--lang", "fr", "--workers", "1"]) == 0
    for name, content in figures.items():
        assert (out / name).read_bytes() == content, name
