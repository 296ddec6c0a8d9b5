"""French and English: complete catalogues, localised formats, the language of a page or report.

The catalogues (``ptce_sim/locale/{fr,en}/LC_MESSAGES/ptce_sim.po``) must hold every message the
code marks (``_``, ``N_``, ``ngettext``; extracted here as ``make translations`` does), each
translated in both languages with the same ``{fields}``; nothing else. Dates, numbers, money and
percentages follow the language (Babel's CLDR data); a dashboard session speaks its own language.
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ptce_sim.runs import i18n
from ptce_sim.runs.i18n import LANGUAGES, money, month_year, number, percent, preferred, using
from ptce_sim.studies import additionality

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ptce_sim"
FIELD = re.compile(r"\{[^{}]*\}")


def _catalogue(lang: str):
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as handle:
        return read_po(handle)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="module")
def marked() -> set[str]:
    """The messages marked in the code (singular msgids), extracted as ``make translations``."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")]
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_its_fields(lang: str) -> None:
    """Every message of a catalogue has a translation, with the same ``{fields}`` as its msgid."""
    catalogue = _catalogue(lang)
    untranslated, fields = [], []
    for message in catalogue:
        if not message.id:
            continue
        strings = _strings(message)
        if not all(s and s.strip() for s in strings):
            untranslated.append(_ids(message)[0])
        wanted = set(FIELD.findall(_ids(message)[-1]))
        for string in strings:
            if string and set(FIELD.findall(string)) - wanted:
                fields.append((_ids(message)[0], string))
    assert not untranslated, f"{lang}: no translation for {untranslated}"
    assert not fields, f"{lang}: translations with fields their msgid lacks: {fields}"
    assert len(catalogue) > 250  # the dashboard's and the reports' messages are in


def test_the_catalogues_hold_exactly_the_code_messages(marked: set[str]) -> None:
    """No marked message missing from a catalogue (``make translations``), none left over."""
    assert len(marked) > 250
    for lang in LANGUAGES:
        ids = {_ids(m)[0] for m in _catalogue(lang) if m.id}
        assert not marked - ids, f"{lang}: not in the catalogue (make translations): {marked - ids}"
        assert not ids - marked, f"{lang}: no longer in the code: {ids - marked}"


def test_additionality_texts_are_in_the_catalogues(marked: set[str]) -> None:
    """The gross-to-net labels and notes (additionality.py) are marked for translation (``N_``).

    So the reports translate them by their English text.
    """
    texts = [*additionality.LABELS.values(), *additionality.NOTES]
    assert not [t for t in texts if t not in marked]


def test_a_translation_is_found_and_plurals_follow_the_language() -> None:
    """French and English words, French plurals (0 and 1 singular), English ones (1 singular)."""
    with using("fr"):
        assert i18n._("Play") == "Lecture"
        assert [i18n.ngettext("{n} job", "{n} jobs", n).format(n=n) for n in (0, 1, 2)] == [
            "0 emploi",
            "1 emploi",
            "2 emplois",
        ]
    with using("en"):
        assert i18n._("Play") == "Play"
        assert i18n.ngettext("{n} job", "{n} jobs", 0).format(n=0) == "0 jobs"
    assert i18n.language() == "en"


# -- formats ---------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Babel's no-break spaces (U+00A0, narrow U+202F) as plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_french_formats() -> None:
    """Dates "mars 1987", numbers "1 234,5", money "1 234,5 €", percentages "12,3 %"."""
    with using("fr"):
        assert month_year(1987, 3) == "mars 1987"
        assert month_year(1970, 1) == "janvier 1970"
        assert number(1234.5, 1) == "1\u202f234,5"  # CLDR's French group separator
        assert _plain(money(1234.5, 1)) == "1 234,5 €"
        assert _plain(money(96200)) == "96 200 €"
        assert _plain(percent(0.123)) == "12,3 %"
        assert number(0.25, None) == "0,25"


def test_english_formats() -> None:
    """The same in English, as the reports have always shown them."""
    with using("en"):
        assert month_year(1987, 3) == "March 1987"
        assert number(1234.5, 1) == "1,234.5"
        assert money(96200) == "€96,200"
        assert percent(0.123) == "12.3%"
        assert number(0.1, None) == "0.1"


def test_a_python_formatted_figure_is_localised() -> None:
    """``localise``: Python's English formats (kept by the reports) with the language's marks."""
    with using("en"):
        assert [i18n.localise(t) for t in ("1,234.5", "+12%", "-0.307")] == [
            "1,234.5",
            "+12%",
            "-0.307",
        ]
    with using("fr"):
        assert [_plain(i18n.localise(t)) for t in ("1,234.5", "+12%", "-0.307")] == [
            "1 234,5",
            "+12 %",
            "-0,307",
        ]
        assert _plain(i18n.localise(f"{0.123:.1%}")) == _plain(percent(0.123))


def test_the_language_is_set_for_a_block_and_a_thread() -> None:
    """``using`` holds for its block only; another thread starts in English; others refused."""
    seen = {}
    with using("fr"):
        assert i18n.language() == "fr"
        thread = threading.Thread(target=lambda: seen.setdefault("lang", i18n.language()))
        thread.start()
        thread.join()
        with using("en"):
            assert i18n.language() == "en"
        assert i18n.language() == "fr"
    assert i18n.language() == "en" and seen["lang"] == "en"
    with pytest.raises(ValueError, match="unknown language 'de'"), using("de"):
        pass


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,de;q=0.9,fr;q=0.5,en;q=0.4", "fr"),
        ("en;q=0.2, fr-CA;q=0.6", "fr"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
        ("fr;q=bad, en", "en"),
    ],
)
def test_the_browser_preference_chooses_the_language(header: str | None, lang: str) -> None:
    """The first French or English tag by weight wins; English when there is none."""
    assert preferred(header) == lang


def test_a_missing_or_stale_mo_is_compiled_from_its_po(tmp_path, monkeypatch) -> None:
    """Without a .mo (a fresh checkout) or with one older than its .po, the .po is used."""
    source = i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copyfile(source, folder / source.name)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("fr").gettext("Play") == "Lecture"
        stale = folder / f"{i18n.DOMAIN}.mo"
        stale.write_bytes(b"not a catalogue")  # older than the .po: never read
        import os

        os.utime(stale, (0, 0))
        i18n.translations.cache_clear()
        assert i18n.translations("fr").gettext("Play") == "Lecture"
    finally:
        i18n.translations.cache_clear()


# -- the dashboard's session speaks its own language --------------------------------------------


def test_a_french_session_shows_french_and_switches_to_english() -> None:
    """Dates, status, charts, figures and the messages a session keeps follow its language."""
    from ptce_sim.interfaces.dashboard.charts import build_view
    from ptce_sim.interfaces.dashboard.session import Session

    session = Session(scale=0.1, lang="fr")
    view = build_view(session)
    assert (view.date, view.status) == ("janvier 1970", "prêt à démarrer")
    assert view.jobs["title"]["text"] == "Emploi et chômage"
    assert [row[0] for row in view.table][:2] == ["Emplois", "Chômeurs"]
    session.step(26)
    session.plant_closure()
    with using(session.lang):
        assert session.message.startswith("Fermeture d'usine (") and "mars 1972" in session.message
    session.set_language("en")
    view = build_view(session)
    assert view.date == "March 1972" and view.jobs["title"]["text"] == "Jobs and unemployment"
    with using(session.lang):
        assert session.message.startswith("Plant closure (") and "March 1972" in session.message
    with pytest.raises(ValueError, match="unknown language"):
        session.set_language("de")
