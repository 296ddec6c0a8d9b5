"""The fit score of a validation: emergent figures only, identities listed apart.

Every compared figure of a targets file is either *emergent* (the model could get it wrong) or an
*identity*: it follows from the scenario's inputs or from another figure, with its derivation
given in the mapping file's ``[identities]`` (:mod:`ptce_sim.studies.targets`). An identity
cannot fail for a reason worth knowing, so the fit score (the share of figures within ±25%, the
count beyond ±50%) counts emergent figures only; the report lists identities apart, with their
derivation and their simulated value. An emergent figure may be *held out* of the calibration (the
mapping's ``[notes]`` with ``held_out = true``): it is then an out-of-sample test, reported apart
and not in the in-sample fit score, but it still counts among the emergent figures.

The functions work on the validation's target table (``ptce_sim.studies.validation.target_table``:
one row per figure, with ``kind``, ``passed`` and ``beyond_50`` columns).
"""

from __future__ import annotations

import pandas as pd

from ptce_sim.runs.i18n import _, ngettext

EMERGENT = "emergent"
IDENTITY = "identity"
HELD_OUT = "held_out"
MIN_EMERGENT = 15
"""Issue 12: at least this many figures stay emergent, so that the fit score means something."""


def emergent(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the in-sample emergent figures: those the fit score counts."""
    return table[table["kind"] == EMERGENT]


def held_out(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the emergent figures held out of the calibration (out of sample)."""
    return table[table["kind"] == HELD_OUT]


def identities(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the identities, listed apart with their derivation."""
    return table[table["kind"] == IDENTITY]


def share_passed(table: pd.DataFrame) -> float:
    """Share of the emergent figures within ±25% (0 when there is none)."""
    rows = emergent(table)
    return float(rows["passed"].mean()) if len(rows) else 0.0


def passed_count(table: pd.DataFrame) -> int:
    """Number of emergent figures within ±25%."""
    return int(emergent(table)["passed"].sum())


def beyond_count(table: pd.DataFrame) -> int:
    """Number of emergent figures more than ±50% away."""
    return int(emergent(table)["beyond_50"].sum())


def enough_emergent(table: pd.DataFrame) -> bool:
    """Whether at least :data:`MIN_EMERGENT` figures are emergent (held out or not)."""
    return len(emergent(table)) + len(held_out(table)) >= MIN_EMERGENT


def count_line(table: pd.DataFrame) -> str:
    """One sentence, in the language in force: how many figures are emergent or identities."""
    h, k = len(held_out(table)), len(identities(table))
    n = len(emergent(table)) + h
    verdict = _("met") if enough_emergent(table) else _("not met")
    line = _(
        "{n} of {total} figures are emergent (the model could get them wrong; goal: at least "
        "{least}, {verdict}); {identities}"
    )
    if h:
        line += " " + ngettext(
            "({h} emergent figure is held out of the calibration and reported apart)",
            "({h} emergent figures are held out of the calibration and reported apart)",
            h,
        ).format(h=h)
    return line.format(
        n=n,
        total=len(table),
        least=MIN_EMERGENT,
        verdict=verdict,
        identities=ngettext(
            "{k} is an identity, listed apart", "{k} are identities, listed apart", k
        ).format(k=k),
    )
