"""The gateway websocket: HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME with replay."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .waiting import Changes

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 9, 10, 11
AUTHENTICATION_FAILED = 4004
CLOSE_TIMEOUT = 5.0
Frame = dict[str, Any]


@dataclass(eq=False)
class Session:
    """One gateway session: its sequence, every dispatch sent (for replay) and its live socket."""

    session_id: str
    intents: int
    seq: int = 0
    log: list[Frame] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


async def send(ws: web.WebSocketResponse, frame: Frame) -> None:
    """Send a plain text JSON frame; discord.py decompresses only binary frames (gotcha 3)."""
    with contextlib.suppress(ConnectionError, RuntimeError):  # the peer went away: RESUME replays it
        await ws.send_str(json.dumps(frame))


class Gateway:
    """Serve the bot's gateway connections; `on_identify` returns the READY and GUILD_CREATE payloads."""

    def __init__(
        self, token: str, interval_ms: int, changes: Changes, on_identify: Callable[[str], list[tuple[str, Any]]]
    ) -> None:
        self.token = token
        self.interval_ms = interval_ms
        self.changes = changes
        self.on_identify = on_identify
        self.session: Session | None = None
        self.ready = False
        self.identifies = self.resumes = self.heartbeats = 0
        self.opcodes: list[int] = []

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Run one websocket connection until either side closes it."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        try:
            await send(ws, {"op": HELLO, "d": {"heartbeat_interval": self.interval_ms}, "s": None, "t": None})
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(ws, json.loads(message.data))
        finally:
            if self.session is not None and self.session.ws is ws:
                self.session.ws = None
                self._set_ready(False)
        return ws

    async def dispatch(self, event: str, data: Any) -> int:
        """Send an event on the session (or keep it for RESUME to replay) and return its sequence number."""
        session = self.session
        if session is None:
            raise RuntimeError("fake Discord: no gateway session yet; await wait_until_ready() first")
        async with session.lock:
            session.seq += 1
            frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
            session.log.append(frame)
            if session.ws is not None:
                await send(session.ws, frame)
            return session.seq

    async def disconnect(self, code: int = 4000) -> None:
        """Close the live socket with a resumable code, so the bot must RESUME."""
        ws = self.session.ws if self.session else None
        self._set_ready(False)
        if ws is not None:
            await asyncio.wait_for(ws.close(code=code, message=b"fake disconnect"), CLOSE_TIMEOUT)

    async def close(self) -> None:
        """Close the live socket normally."""
        if self.session is not None and self.session.ws is not None:
            await asyncio.wait_for(self.session.ws.close(), CLOSE_TIMEOUT)

    def intends(self, bit: int) -> bool:
        """Return whether the session's IDENTIFY asked for intent `bit`."""
        return self.session is not None and bool(self.session.intents & (1 << bit))

    async def _on_frame(self, ws: web.WebSocketResponse, frame: Frame) -> None:
        op = frame.get("op")
        self.opcodes.append(op if isinstance(op, int) else -1)
        if op == HEARTBEAT:
            self.heartbeats += 1
            await send(ws, {"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op in (IDENTIFY, RESUME) and (frame.get("d") or {}).get("token") != self.token:
            await ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
        elif op == IDENTIFY:
            await self._identify(ws, frame["d"])
        elif op == RESUME:
            await self._resume(ws, frame["d"])
        # Presence (3), voice state (4) and member requests (8) are accepted and ignored.

    async def _identify(self, ws: web.WebSocketResponse, data: Frame) -> None:
        self.identifies += 1
        session_id = secrets.token_hex(16)
        self.session = Session(session_id, int(data.get("intents") or 0), ws=ws)
        for event, payload in self.on_identify(session_id):
            await self.dispatch(event, payload)
        self._set_ready(True)

    async def _resume(self, ws: web.WebSocketResponse, data: Frame) -> None:
        session = self.session
        if session is None or data.get("session_id") != session.session_id:
            await send(ws, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        async with session.lock:
            missed = [frame for frame in session.log if frame["s"] > (data.get("seq") or 0)]
            for frame in missed:
                await send(ws, frame)
            session.ws = ws
        log.debug("fake gateway: resumed %s, replayed %d dispatches", session.session_id, len(missed))
        self.resumes += 1
        await self.dispatch("RESUMED", {"_trace": ["fake-discord"]})
        self._set_ready(True)

    def _set_ready(self, ready: bool) -> None:
        self.ready = ready
        self.changes.notify()
