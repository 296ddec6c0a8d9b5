"""Checks of the values a page sends (seed, scale, speed): a clear refusal, never a traceback.

A control of the page only offers valid values, but a websocket message can carry any value for
any widget: the session checks each one here before it reaches a model.
"""

from __future__ import annotations

import math

MAX_SEED = 2**63 - 1
"""Largest seed accepted (the seed also seeds the network layout's generator)."""


def check_seed(seed: object) -> int:
    """A seed as an integer in [0, :data:`MAX_SEED`].

    Raises:
        ValueError: not a whole number, or out of range (with what is accepted).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | float | str):
        raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    try:
        value = int(seed) if not isinstance(seed, float) or seed.is_integer() else None
    except (ValueError, OverflowError):
        value = None
    if value is None or not 0 <= value <= MAX_SEED:
        shown = repr(seed) if len(repr(seed)) <= 40 else repr(seed)[:37] + "..."
        raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED}, got {shown}")
    return value


def check_scale(scale: object) -> float:
    """A scale in (0, 1] (1: one agent per person).

    Raises:
        ValueError: not a number in (0, 1].
    """
    try:
        value = float(scale)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if isinstance(scale, bool) or not 0.0 < value <= 1.0:
        raise ValueError(f"the scale must be a number above 0 and at most 1, got {scale!r}")
    return value


def check_speed(speed: object, fastest: float, strict: bool = False) -> float:
    """A play speed in months per second, in [1, ``fastest``].

    A value outside is brought back within the range, or refused with ``strict``.

    Raises:
        ValueError: with ``strict``, not a number in [1, ``fastest``].
    """
    try:
        value = float(speed)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if strict and (isinstance(speed, bool) or not 1.0 <= value <= fastest):
        raise ValueError(f"the speed must be from 1 to {fastest:g} months a second, got {speed!r}")
    return min(max(value, 1.0), float(fastest)) if math.isfinite(value) else 1.0
