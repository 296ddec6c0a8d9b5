"""French and English for what people read: gettext catalogues and Babel's formats.

The messages are English in the code, marked ``_("...")`` (translated where they are used),
``N_("...")`` (module constants, translated later by :func:`_`) or ``ngettext`` (plurals). Their
catalogues are ``ptce_sim/locale/{fr,en}/LC_MESSAGES/ptce_sim.po`` (in the repository), managed
with Babel (``make translations``: extract, update, compile; see ``babel.cfg``); the compiled
``.mo`` files are built by ``make``'s install step and ignored by git.

The language is a context variable (:func:`using`), not an argument threaded through every
function: a report or a dashboard frame sets it around its drawing (``with using("fr"):``), and
every message and format inside follows. Each thread starts in :data:`DEFAULT`. Catalogues are
loaded once per language and process (:func:`translations`), so a lookup is a dict lookup.

A ``.mo`` missing, or older than its ``.po`` (a catalogue edited since the last ``make``), is not
an error: the ``.po`` is compiled in memory with ``babel.messages`` (a few milliseconds, once), so
a checkout works without a build step and never shows stale translations.

This module sits in ``runs`` (the lowest layer that shows text: the plots); ``studies`` and the
interfaces import it from here, and the simulation never does.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gettext
import io
import re
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    format_percent,
    parse_pattern,
)

LANGUAGES = ("en", "fr")
"""The languages offered: English (the code's) and French."""
DEFAULT = "en"
"""The language of the command line's reports, and of a browser that asks for neither."""
DOMAIN = "ptce_sim"
"""The catalogues' name (``ptce_sim.po``, ``ptce_sim.mo``)."""
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
"""Where the catalogues are: ``<lang>/LC_MESSAGES/ptce_sim.po`` (and ``.mo``)."""
BABEL_LOCALES = {"en": "en_GB", "fr": "fr_FR"}
"""The Babel locale of each language (its dates, numbers and money)."""
BROWSER_LOCALES = {lang: locale.replace("_", "-") for lang, locale in BABEL_LOCALES.items()}
"""The same locales as a browser names them (``Accept-Language``, ``toLocaleString``)."""

_current: ContextVar[str] = ContextVar("ptce_sim_language", default=DEFAULT)


def check_language(lang: object) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`.

    Raises:
        ValueError: another language (with the ones offered).
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {list(LANGUAGES)}")
    return str(lang)


@functools.cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The catalogue of ``lang``: its ``.mo``, or its ``.po`` compiled in memory (see module).

    Raises:
        FileNotFoundError: the language has no ``.po`` (the package is incomplete).
    """
    folder = LOCALE_DIR / check_language(lang) / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po.is_file():
        raise FileNotFoundError(f"no {lang} catalogue: {po} is missing (reinstall ptce-sim)")
    return gettext.GNUTranslations(io.BytesIO(compile_po(po)))


def compile_po(po: Path) -> bytes:
    """A ``.po`` catalogue compiled to ``.mo`` bytes (babel.messages)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compile_catalogues() -> list[Path]:
    """Write every language's ``.mo`` from its ``.po``; the files written.

    Not ``pybabel compile``: its checks take ``90% i`` (the English "90% interval") and ``% s``
    (the French "90 % sur") for ``%``-placeholders that do not match, and fail; the messages use
    ``{field}`` placeholders, which ``tests/test_i18n.py`` checks instead.
    """
    written = []
    for lang in LANGUAGES:
        folder = LOCALE_DIR / lang / "LC_MESSAGES"
        mo = folder / f"{DOMAIN}.mo"
        mo.write_bytes(compile_po(folder / f"{DOMAIN}.po"))
        written.append(mo)
    return written


def language() -> str:
    """The language in force here (see :func:`using`)."""
    return _current.get()


@contextlib.contextmanager
def using(lang: str) -> Iterator[str]:
    """Within the ``with`` block, messages and formats are in ``lang``.

    Raises:
        ValueError: ``lang`` is not offered.
    """
    token = _current.set(check_language(lang))
    try:
        yield lang
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """``message`` in the language in force."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n``, in the language in force."""
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for a marker
    """Mark ``message`` for the catalogues without translating it (translated later by ``_``)."""
    return message


def preferred(accept_language: str | None) -> str:
    """The language a browser's ``Accept-Language`` header prefers among :data:`LANGUAGES`.

    Tags are ranked by their ``q`` weight (ties: in the header's order); the first French or
    English one wins; :data:`DEFAULT` when there is none.
    """
    ranked = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        ranked.append((-q, index, tag.strip().lower().split("-")[0]))
    for _q, _index, tag in sorted(ranked):
        if tag in LANGUAGES:
            return tag
    return DEFAULT


# -- formats ---------------------------------------------------------------------------------------


def _locale() -> Locale:
    """The Babel locale of the language in force.

    Parsed once: the dashboard formats hundreds of figures a frame.
    """
    return _babel_locale(_current.get())


@functools.cache
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[lang])


@functools.cache
def _pattern(lang: str, kind: str, digits: int) -> NumberPattern:
    """The locale's number pattern of ``kind`` (decimal, percent, currency) with ``digits``.

    Parsed once.
    """
    return parse_pattern(_pattern_text(lang, kind, digits))


def _pattern_text(lang: str, kind: str, digits: int) -> str:
    locale = _babel_locale(lang)
    formats = {
        "decimal": locale.decimal_formats,
        "percent": locale.percent_formats,
        "currency": locale.currency_formats,
    }[kind]
    pattern = formats["standard" if kind == "currency" else None].pattern.split(";")[0]
    core = "#,##0" + ("." + "0" * digits if digits else "")
    return re.sub(r"[#0,]+(\.[0#]+)?", core, pattern, count=1)


def number(value: float, digits: int | None = 0) -> str:
    """``1 234,5`` (French) or ``1,234.5`` (English), with exactly ``digits`` decimals.

    ``digits=None``: as many as needed, up to three (``0,25``, ``0,1``).
    """
    if digits is None:
        return format_decimal(value, locale=_locale())
    return format_decimal(
        value, format=_pattern(_current.get(), "decimal", digits), locale=_locale()
    )


def signed(value: float, digits: int = 0) -> str:
    """:func:`number` with a ``+`` before a positive value."""
    return ("+" if value > 0 else "") + number(value, digits)


def money(value: float, digits: int = 0) -> str:
    """``96 200 €`` (French) or ``€96,200`` (English)."""
    pattern = _pattern(_current.get(), "currency", digits)
    return format_currency(value, "EUR", format=pattern, locale=_locale(), currency_digits=False)


def percent(share: float, digits: int = 1) -> str:
    """A share as a percentage: ``12,3 %`` (French) or ``12.3%`` (English)."""
    return format_percent(
        share, format=_pattern(_current.get(), "percent", digits), locale=_locale()
    )


def localise(text: str) -> str:
    """A figure Python formatted in English, with the language's separators and percent sign.

    ``1,234.5``, ``+12%``, ``0.307`` become ``1 234,5``, ``+12 %``, ``0,307`` in French. For
    reports whose figures keep Python's formats (significant digits, signs, ``-0``) in every
    language: the English text is exactly the formatted one. Pass a figure, not a sentence.
    """
    return text.translate(_symbols(_current.get()))


@functools.cache
def _symbols(lang: str) -> dict[int, str]:
    """The table from Python's English number characters to those of ``lang`` (CLDR)."""
    locale = Locale.parse(BABEL_LOCALES[lang])
    symbols = locale.number_symbols["latn"]
    percent_sign = locale.percent_formats[None].pattern.split(";")[0].rsplit("0", 1)[-1]
    return str.maketrans(
        {
            ",": symbols["group"],
            ".": symbols["decimal"],
            "%": percent_sign,
            "-": symbols["minusSign"],
            "+": symbols["plusSign"],
        }
    )


def month_year(year: int, month: int) -> str:
    """``mars 1987`` (French) or ``March 1987`` (English); ``month`` from 1 to 12."""
    return _month_year(_current.get(), year, month)


@functools.cache
def _month_year(lang: str, year: int, month: int) -> str:
    return format_date(datetime.date(year, month, 1), "LLLL y", locale=_babel_locale(lang))


def fill_english(po: Path = LOCALE_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.po") -> int:
    """Give every untranslated message of the English catalogue its msgid; the count filled.

    The code's messages are English: a new one's English translation is itself until someone
    rewords it in the catalogue (``make translations`` calls this after updating).
    """
    from babel.messages.pofile import read_po, write_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return filled
