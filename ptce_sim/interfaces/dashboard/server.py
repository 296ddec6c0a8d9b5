"""The ASGI application: Solara's server behind a door that counts the room.

``uvicorn ptce_sim.interfaces.dashboard.server:app`` (see
:func:`~ptce_sim.interfaces.dashboard.start_server`). In front of Solara's own application
(``solara.server.starlette:app``):

* a page asked for when the room is full gets the room-full page (HTTP 503, ``Retry-After``; French
  and English, in the browser's order) at once, and no session is built for it
  (:mod:`.room`);
* every message a page sends on its websocket is checked before Solara reads it: one that is not a
  well-formed Jupyter message (a truncated frame, a JSON that is no message) is dropped with one
  line in the log, and the connection and the session go on (Solara would end the connection with
  a traceback);
* ``/_ptce/room`` answers the room's figures as JSON (seats, cap, sessions and models still alive,
  memory; ``?detail=1``: per seat) to this machine only (127.0.0.1, ::1).

Importing this module imports Solara's server: it is only imported in the server's process.
"""

from __future__ import annotations

import json
import logging
import os

from ptce_sim.interfaces.dashboard.room import room_full_html, room_settings, the_room

logger = logging.getLogger("ptce_sim.dashboard")

_settings = room_settings()  # a bad PTCE_DASHBOARD_* value stops the server here, clearly
os.environ["SOLARA_KERNEL_CULL_TIMEOUT"] = f"{_settings.reconnect_s:g}s"

import solara.server.settings  # noqa: E402 - after the cull timeout is set
import solara.server.starlette  # noqa: E402

solara.server.settings.kernel.cull_timeout = f"{_settings.reconnect_s:g}s"
solara_app = solara.server.starlette.app

PAGE_PREFIXES = ("/static", "/_solara", "/jupyter", "/resourcez", "/readyz", "/favicon")
"""Paths that are not the page itself (assets, the websocket, Solara's own routes)."""
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_MESSAGE_BYTES = 16 * 2**20
"""A page's messages are small (clicks, widget values); a bigger one is dropped."""


def check_message(text: str | None, data: bytes | None) -> str | None:
    """Why a websocket message from a page is malformed, or None when Solara can read it.

    Text: one JSON object with ``header.msg_type`` (a string), ``channel`` and ``content`` (an
    object). Binary (Jupyter's buffers): the offsets table must fit, its first part be such a
    JSON object.
    """
    size = len(text) if text is not None else len(data or b"")
    if size > MAX_MESSAGE_BYTES:
        return f"{size} bytes, more than {MAX_MESSAGE_BYTES}"
    if text is None:
        return _check_binary(data or b"")
    try:
        message = json.loads(text)
    except ValueError as exc:
        return f"not JSON ({exc.msg} at character {exc.pos} of {len(text)}: truncated?)"
    return _check_fields(message)


def _check_fields(message: object) -> str | None:
    if not isinstance(message, dict):
        return f"a JSON {type(message).__name__}, not a message"
    header = message.get("header")
    if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
        return "no header.msg_type"
    if not isinstance(message.get("channel"), str):
        return "no channel"
    if not isinstance(message.get("content"), dict):
        return "no content"
    if header["msg_type"].startswith("comm_") and not isinstance(
        message["content"].get("comm_id"), str
    ):
        return "a comm message without comm_id"
    return None


def _check_binary(data: bytes) -> str | None:
    if len(data) < 8:
        return f"a binary frame of {len(data)} bytes (truncated?)"
    count = int.from_bytes(data[:4], "little")
    if not 1 <= count <= 1024 or len(data) < 4 * (count + 1):
        return "a binary frame whose offsets table does not fit (truncated?)"
    offsets = [int.from_bytes(data[4 * i : 4 * i + 4], "little") for i in range(1, count + 1)]
    ends = [*offsets[1:], len(data)]
    if any(not 0 < a <= b <= len(data) for a, b in zip(offsets, ends, strict=True)):
        return "a binary frame whose parts lie beyond its end (truncated?)"
    try:
        message = json.loads(data[offsets[0] : ends[0]])
    except ValueError as exc:
        return f"a binary frame whose message is not JSON ({exc.msg})"
    return _check_fields(message)


class RoomDoor:
    """ASGI middleware: the room-full page, the websocket's message check, ``/_ptce/room``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Call."""
        if scope["type"] == "websocket":
            await self.app(scope, self._checked(scope, receive), send)
            return
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            if path == "/_ptce/room":
                await self._figures(scope, send)
                return
            if not path.startswith(PAGE_PREFIXES) and the_room().full:
                await self._room_full(scope, send)
                return
        await self.app(scope, receive, send)

    def _checked(self, scope, receive):
        where = scope.get("path", "")

        async def checked_receive():
            while True:
                message = await receive()
                if message["type"] != "websocket.receive":
                    return message
                problem = check_message(message.get("text"), message.get("bytes"))
                if problem is None:
                    return message
                logger.warning("dropped a malformed message on %s: %s", where, problem)

        return checked_receive

    async def _room_full(self, scope, send) -> None:
        room = the_room()
        headers = dict(scope.get("headers") or [])
        accept = headers.get(b"accept-language", b"").decode("latin-1")
        body = room_full_html(room.settings.max_sessions, room.settings.idle_s, accept)
        await _respond(send, 503, body.encode("utf-8"), "text/html; charset=utf-8", retry=True)

    async def _figures(self, scope, send) -> None:
        client = (scope.get("client") or ("", 0))[0]
        if client not in LOOPBACK:
            await _respond(send, 403, b"this machine only\n", "text/plain")
            return
        detail = b"detail=1" in scope.get("query_string", b"")
        body = json.dumps(the_room().figures(detail=detail)).encode("utf-8")
        await _respond(send, 200, body, "application/json")


async def _respond(send, status: int, body: bytes, kind: str, retry: bool = False) -> None:
    headers = [
        (b"content-type", kind.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if retry:
        headers.append((b"retry-after", b"30"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = RoomDoor(solara_app)
"""The ASGI application uvicorn serves."""
