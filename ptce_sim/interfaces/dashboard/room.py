"""The room: how many sessions the dashboard's server holds, for how long, and their fair turns.

Without Solara (the page, :mod:`.app`, and the server, :mod:`.server`, use it):

* **A cap on sessions** (:func:`room_settings`: ``PTCE_DASHBOARD_MAX_SESSIONS``, ``ptce-sim
  dashboard --max-sessions N``; default from the machine's cores and memory, at least 30). A
  newcomer beyond it gets the "room is full" page (:func:`room_full_html`, French and English,
  in the order of the browser's ``Accept-Language``), at once, without a session being built.
  When the room is full but a page has lost its connection, the newcomer takes its place.
* **Idle sessions are released**: no click and no play for ``PTCE_DASHBOARD_IDLE_MINUTES``
  (default 30) closes the session (its page asks to be reloaded) and frees its place and its
  models. A page whose connection dropped keeps its session ``PTCE_DASHBOARD_RECONNECT_SECONDS``
  (default 300) for a reconnect (Solara's kernel cull timeout), then it is released too.
* **Fair turns** (:class:`Turns`): the models of every session live in one process, so one
  Python interpreter steps them all. Each frame's stepping waits for its turn in a first-come
  queue and stops at a time budget (:data:`TURN_BUDGET_S`), so 30 sessions each playing as fast
  as they can get the same share of the processor, whatever their speed, scale or branches.
  The budget holds only while another session waits: before each month, a turn past
  :data:`TURN_BUDGET_S` ends as soon as someone is queued (:meth:`Turns.others_waiting`), and
  while nobody is, it goes on up to :data:`ALONE_BUDGET_S` (two branches alone then step
  several months a frame). Whether others wait is asked month by month, not decided at the
  turn's start: then the other sessions are often drawing their frame, not queued, and a budget
  chosen at that moment gave one session long turns and the others less than a fair share.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ptce_sim.runs.i18n import preferred

TURN_BUDGET_S = 0.08
"""Longest stepping of one frame while others wait for their turn: past it, the turn ends before
the next month as soon as another session is queued (a month is never cut)."""
ALONE_BUDGET_S = 0.25
"""Longest stepping of one frame in any case, when nobody queues for a turn: long enough for two
branches at full scale (about 55 ms a month) to step several months a frame and play faster than
10 months a second, short enough that a click (pause, shock) waits at most about a quarter
second; a session queuing meanwhile waits at most one month past :data:`TURN_BUDGET_S`."""
MIN_SESSIONS = 30
"""The cap is never below this (a classroom) unless set explicitly."""
SESSION_MIB = 40
"""Memory set aside per session for the default cap (a full-scale run with its page: ~15-25 MiB;
two branches double it)."""

LIVE: weakref.WeakSet = weakref.WeakSet()
"""Every session and model object still alive in the process (weak: collected ones drop out)."""


def track(obj: object) -> object:
    """Count ``obj`` among :data:`LIVE` until it is garbage-collected; returns it."""
    LIVE.add(obj)
    return obj


def alive(kind: str) -> int:
    """How many tracked objects of class ``kind`` (e.g. ``"PtceModel"``) are still alive."""
    return sum(1 for obj in list(LIVE) if type(obj).__name__ == kind)


# -- settings ------------------------------------------------------------------------------------


def default_cap(cpus: int | None = None, available_mib: float | None = None) -> int:
    """15 sessions per core, as many as the available memory holds, never fewer than 30."""
    cpus = cpus or os.cpu_count() or 2
    if available_mib is None:
        try:
            import psutil

            available_mib = psutil.virtual_memory().available / 2**20
        except ImportError:  # pragma: no cover - psutil comes with the dashboard's extras
            available_mib = 8192.0
    by_memory = int(max(available_mib - 512.0, 0.0) // SESSION_MIB)
    return max(MIN_SESSIONS, min(15 * cpus, by_memory))


@dataclass(frozen=True)
class RoomSettings:
    """The room's limits: sessions at most, idle time and reconnect time (seconds)."""

    max_sessions: int
    idle_s: float
    reconnect_s: float


def _positive(env: dict, name: str, default: float, kind=float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name} must be a positive number, got {text!r}") from None
    if not value > 0:
        raise ValueError(f"{name} must be a positive number, got {text!r}")
    return value


def room_settings(env: dict | None = None) -> RoomSettings:
    """The settings from the environment (``PTCE_DASHBOARD_*``; see the module's docstring).

    Raises:
        ValueError: a setting is not a positive number.
    """
    env = os.environ if env is None else env
    return RoomSettings(
        max_sessions=int(_positive(env, "PTCE_DASHBOARD_MAX_SESSIONS", 0, int) or default_cap()),
        idle_s=60.0 * _positive(env, "PTCE_DASHBOARD_IDLE_MINUTES", 30.0),
        reconnect_s=_positive(env, "PTCE_DASHBOARD_RECONNECT_SECONDS", 300.0),
    )


# -- fair turns ----------------------------------------------------------------------------------


class Turns:
    """First come, first served turns to step a model: one at a time, each in its arrival order.

    A session that has just had its turn queues behind every session already waiting, so under
    load each playing session gets one turn per round (round robin); alone, it never waits.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: collections.deque[object] = collections.deque()
        self._busy = False

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this caller's turn; the ``with`` block is the turn."""
        me = object()
        with self._cond:
            self._queue.append(me)
            while self._busy or self._queue[0] is not me:
                self._cond.wait()
            self._queue.popleft()
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    @property
    def waiting(self) -> int:
        """Callers waiting for a turn now."""
        return len(self._queue)

    def others_waiting(self) -> bool:
        """Whether another caller waits for a turn now (asked within a turn: it ends it early)."""
        return bool(self._queue)


# -- the sessions --------------------------------------------------------------------------------


@dataclass
class Seat:
    """A session's place in the room.

    Attributes:
        number: the seat's number (in order of arrival since the server started).
        close: closes the session (its page, its kernel); called when it is released.
        connected: whether its page is connected now.
        last_active: ``time.monotonic()`` of its last click, frame or connection.
        playing: whether it is playing now.
        frames: ``(monotonic time at its end, months stepped, seconds stepping)`` of the last
            frames played (a bounded window).
        months: months played in all.
    """

    number: int
    close: Callable[[], None]
    connected: Callable[[], bool]
    last_active: float = field(default_factory=time.monotonic)
    playing: bool = False
    frames: collections.deque = field(default_factory=lambda: collections.deque(maxlen=2000))
    months: int = 0

    def touch(self) -> None:
        """Something happened: the seat is not idle."""
        self.last_active = time.monotonic()

    def frame(self, months: int, stepping_s: float) -> None:
        """A frame was played."""
        now = time.monotonic()
        self.last_active = now
        self.months += months
        self.frames.append((now, months, stepping_s))

    def figures(self) -> dict:
        """Months played, frames, and the time between frames (p50/p95, ms) of the window."""
        frames = list(self.frames)
        gaps = np.diff([t for t, _, _ in frames]) * 1000.0 if len(frames) > 1 else np.zeros(0)
        steps = np.asarray([s for _, _, s in frames]) * 1000.0
        return {
            "seat": self.number,
            "months": self.months,
            "frames": len(frames),
            "playing": self.playing,
            "frame_ms_p50": float(np.percentile(gaps, 50)) if gaps.size else None,
            "frame_ms_p95": float(np.percentile(gaps, 95)) if gaps.size else None,
            "stepping_ms_mean": float(steps.mean()) if steps.size else None,
        }


class Room:
    """The sessions of the server: admitted up to the cap, released when idle or gone."""

    def __init__(self, settings: RoomSettings) -> None:
        self.settings = settings
        self.turns = Turns()
        self._lock = threading.Lock()
        self._seats: dict[int, Seat] = {}
        self._numbers = itertools.count(1)
        self._released_since_settle = False
        self.refused = 0
        self._reaper: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self._seats)

    @property
    def full(self) -> bool:
        """Whether a newcomer would be refused now (no free seat, no page gone)."""
        with self._lock:
            return len(self._seats) >= self.settings.max_sessions and not any(
                not _safe(s.connected) for s in self._seats.values()
            )

    def admit(self, close: Callable[[], None], connected: Callable[[], bool]) -> Seat | None:
        """A seat for a new session, or None when the room is full.

        When it is full but some page has lost its connection, that session (the one idle the
        longest) is released and its seat given to the newcomer.
        """
        gone = None
        with self._lock:
            if len(self._seats) >= self.settings.max_sessions:
                lost = [s for s in self._seats.values() if not _safe(s.connected)]
                if not lost:
                    self.refused += 1
                    return None
                gone = min(lost, key=lambda s: s.last_active)
                del self._seats[gone.number]
            seat = Seat(next(self._numbers), close, connected)
            self._seats[seat.number] = seat
        if gone is not None:
            self._close(gone)
        self._start_reaper()
        return seat

    def leave(self, seat: Seat) -> None:
        """The session ended (its page was closed, culled or released): free its seat."""
        with self._lock:
            self._seats.pop(seat.number, None)
            self._released_since_settle = True

    def release(self, seat: Seat) -> None:
        """Close a session now and free its seat."""
        self.leave(seat)
        self._close(seat)

    def _close(self, seat: Seat) -> None:
        try:
            seat.close()
        except Exception:  # noqa: BLE001 - a session that cannot close is dropped all the same
            import logging

            logging.getLogger(__name__).warning(
                "closing seat %s failed", seat.number, exc_info=True
            )
        with self._lock:
            self._released_since_settle = True

    def release_idle(self, now: float | None = None) -> list[int]:
        """Release every session idle (not playing, untouched) longer than the setting."""
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [
                s
                for s in self._seats.values()
                if not s.playing and now - s.last_active > self.settings.idle_s
            ]
        for seat in idle:
            self.release(seat)
        return [s.number for s in idle]

    def settle_if_released(self) -> bool:
        """After sessions left: collect their models and refreeze the heap (see ``session``)."""
        with self._lock:
            released, self._released_since_settle = self._released_since_settle, False
        if released:
            from ptce_sim.interfaces.dashboard.session import settle_heap

            settle_heap()
        return released

    def _start_reaper(self) -> None:
        with self._lock:
            if self._reaper is not None:
                return
            self._reaper = threading.Thread(target=self._reap, name="ptce-room", daemon=True)
        self._reaper.start()

    def _reap(self) -> None:
        tick = min(5.0, max(0.2, self.settings.idle_s / 10))
        while True:
            time.sleep(tick)
            self.release_idle()
            if not any(s.playing for s in list(self._seats.values())):
                # a session that left may still be held for a while by its page's context
                # (Solara drops it later): collect again until no session outlives its seat
                if alive("Session") > len(self._seats):
                    with self._lock:
                        self._released_since_settle = True
                self.settle_if_released()  # a full collection stalls playing sessions: wait

    def figures(self, detail: bool = False) -> dict:
        """The room now: seats, cap, sessions and models alive, memory; per seat with ``detail``."""
        with self._lock:
            seats = list(self._seats.values())
        figures = {
            "max_sessions": self.settings.max_sessions,
            "idle_s": self.settings.idle_s,
            "reconnect_s": self.settings.reconnect_s,
            "sessions": len(seats),
            "playing": sum(s.playing for s in seats),
            "refused": self.refused,
            "sessions_alive": alive("Session"),
            "models_alive": alive("PtceModel"),
            "rss_mib": _rss_mib(),
        }
        if detail:
            figures["seats"] = [s.figures() for s in seats]
        return figures


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:  # noqa: BLE001 - a page whose state cannot be read counts as connected
        return True


def _rss_mib() -> float | None:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover
        return None


_room: dict[str, Room] = {}
_room_lock = threading.Lock()


def the_room() -> Room:
    """This process's room (made on first use from :func:`room_settings`)."""
    with _room_lock:
        if "room" not in _room:
            _room["room"] = Room(room_settings())
        return _room["room"]


# -- the room-full page --------------------------------------------------------------------------

ROOM_FULL = {
    "fr": (
        "La salle est pleine",
        "Les {cap} places du tableau de bord sont prises. Réessayez dans un moment : une place "
        "se libère dès qu'une session est fermée ou reste inactive {idle} minutes.",
        "Réessayer",
    ),
    "en": (
        "The room is full",
        "All {cap} seats of the dashboard are taken. Try again in a moment: a seat is freed as "
        "soon as a session is closed or stays idle for {idle} minutes.",
        "Try again",
    ),
}


def languages(accept_language: str | None) -> list[str]:
    """``["fr", "en"]`` or ``["en", "fr"]``: French first when the browser prefers it."""
    first = preferred(accept_language)
    return [first, "en" if first == "fr" else "fr"]


def room_full_body(cap: int, idle_s: float, accept_language: str | None = None) -> str:
    """The room-full message as HTML sections: both languages, the browser's preferred first."""
    idle = f"{idle_s / 60:g}"
    blocks = []
    for lang in languages(accept_language):
        title, text, again = ROOM_FULL[lang]
        blocks.append(
            f'<section lang="{lang}" class="ptce-room-full"><h1>{title}</h1>'
            f'<p>{text.format(cap=cap, idle=idle)}</p><p><a href="/">{again}</a></p></section>'
        )
    return "".join(blocks)


def room_full_html(cap: int, idle_s: float, accept_language: str | None = None) -> str:
    """The room-full page (see :func:`room_full_body`); it tries again by itself every 30 s."""
    first = languages(accept_language)[0]
    return (
        f'<!doctype html><html lang="{first}"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="30"><title>PTCE dashboard</title>'
        "<style>body{font-family:sans-serif;font-size:22px;max-width:46em;margin:3em auto;"
        "color:#222}h1{font-size:40px}section+section{border-top:1px solid #ccc;color:#555}"
        "</style></head><body>" + room_full_body(cap, idle_s, accept_language) + "</body></html>"
    )
