"""The gateway websocket: HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME with replay, and shards.

A bot may IDENTIFY several times with `"shard": [shard_id, num_shards]` (discord.py's AutoShardedBot does, one
connection per shard): each shard is a session of its own, and a guild's events go to shard
`(guild_id >> 22) % num_shards`, DMs to shard 0, as Discord's docs ("Sharding") say.
"""

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
AUTHENTICATION_FAILED, INVALID_SHARD = 4004, 4010
CLOSE_TIMEOUT = 5.0
GUILD_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})  # the guild's own id is "id"
Frame = dict[str, Any]
# Called at IDENTIFY with (session id, shard id, shard count): the READY and GUILD_CREATE events to send.
OnIdentify = Callable[[str, int, int], list[tuple[str, Any]]]


@dataclass(eq=False)
class Session:
    """One gateway session (one shard's): its sequence, every dispatch sent (for replay) and its live socket."""

    session_id: str
    intents: int
    shard_id: int = 0
    seq: int = 0
    log: list[Frame] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


async def send(ws: web.WebSocketResponse, frame: Frame) -> None:
    """Send a plain text JSON frame; discord.py decompresses only binary frames (gotcha 3)."""
    with contextlib.suppress(ConnectionError, RuntimeError):  # the peer went away: RESUME replays it
        await ws.send_str(json.dumps(frame))


def shard_of(guild_id: int, shard_count: int) -> int:
    """Return the shard that carries a guild's events (Discord's formula)."""
    return (guild_id >> 22) % shard_count


class Gateway:
    """Serve the bot's gateway connections; `on_identify` returns each shard's READY and GUILD_CREATE payloads."""

    def __init__(self, token: str, interval_ms: int, changes: Changes, on_identify: OnIdentify) -> None:
        self.token = token
        self.interval_ms = interval_ms
        self.changes = changes
        self.on_identify = on_identify
        self.sessions: dict[int, Session] = {}  # by shard id; 0 when the bot doesn't shard
        self.shard_count = 1
        self.identified_shards: list[tuple[int, int]] = []  # (shard id, shard count) of every IDENTIFY
        self.identifies = self.resumes = self.heartbeats = 0
        self.opcodes: list[int] = []

    @property
    def session(self) -> Session | None:
        """Return shard 0's session (the only one when the bot doesn't shard)."""
        return self.sessions.get(0)

    @property
    def ready(self) -> bool:
        """Return True when the bot has a session and every session is connected and READY."""
        return bool(self.sessions) and all(session.ready for session in self.sessions.values())

    def shard_ready(self, shard_id: int) -> bool:
        """Return True when that shard is connected and READY."""
        session = self.sessions.get(shard_id)
        return session is not None and session.ready

    def session_for(self, guild_id: int | None) -> Session | None:
        """Return the session a guild's events go to (DMs: shard 0), if that shard is connected at all."""
        return self.sessions.get(0 if guild_id is None else shard_of(guild_id, self.shard_count))

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
            for session in self.sessions.values():
                if session.ws is ws:
                    session.ws = None
                    self._set_ready(session, False)
        return ws

    async def dispatch(self, event: str, data: Any) -> int:
        """Send an event on its guild's shard (or keep it for RESUME to replay) and return its sequence number."""
        guild_id = _guild_of(event, data)
        session = self.session_for(guild_id)
        if session is None:
            where = "" if guild_id is None else f" for guild {guild_id}'s shard"
            raise RuntimeError(f"fake Discord: no gateway session{where} yet; await wait_until_ready() first")
        return await self._send_on(session, event, data)

    async def disconnect(self, code: int = 4000) -> None:
        """Close every live socket with a resumable code, so the bot must RESUME."""
        for session in self.sessions.values():
            ws = session.ws
            self._set_ready(session, False)
            if ws is not None:
                await asyncio.wait_for(ws.close(code=code, message=b"fake disconnect"), CLOSE_TIMEOUT)

    async def close(self) -> None:
        """Close every live socket normally."""
        for session in self.sessions.values():
            if session.ws is not None:
                await asyncio.wait_for(session.ws.close(), CLOSE_TIMEOUT)

    def intends(self, bit: int, guild_id: int | None = None) -> bool:
        """Return whether the IDENTIFY of the session carrying `guild_id`'s events asked for intent `bit`."""
        session = self.session_for(guild_id)
        return session is not None and bool(session.intents & (1 << bit))

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
        shard_id, shard_count = data.get("shard") or (0, 1)
        if not (isinstance(shard_id, int) and isinstance(shard_count, int) and 0 <= shard_id < shard_count):
            await ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return
        if shard_count != self.shard_count:  # a bot (re)started with another layout: its old sessions are gone
            self.sessions.clear()
            self.shard_count = shard_count
        self.identifies += 1
        self.identified_shards.append((shard_id, shard_count))
        session_id = secrets.token_hex(16)
        session = Session(session_id, int(data.get("intents") or 0), shard_id=shard_id, ws=ws)
        self.sessions[shard_id] = session
        for event, payload in self.on_identify(session_id, shard_id, shard_count):
            await self._send_on(session, event, payload)
        self._set_ready(session, True)

    async def _resume(self, ws: web.WebSocketResponse, data: Frame) -> None:
        session = next((s for s in self.sessions.values() if s.session_id == data.get("session_id")), None)
        if session is None:
            await send(ws, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        async with session.lock:
            missed = [frame for frame in session.log if frame["s"] > (data.get("seq") or 0)]
            for frame in missed:
                await send(ws, frame)
            session.ws = ws
        log.debug("fake gateway: resumed %s, replayed %d dispatches", session.session_id, len(missed))
        self.resumes += 1
        await self._send_on(session, "RESUMED", {"_trace": ["fake-discord"]})
        self._set_ready(session, True)

    async def _send_on(self, session: Session, event: str, data: Any) -> int:
        """Send an event on `session` (or keep it for RESUME to replay) and return its sequence number."""
        async with session.lock:
            session.seq += 1
            frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
            session.log.append(frame)
            if session.ws is not None:
                await send(session.ws, frame)
            return session.seq

    def _set_ready(self, session: Session, ready: bool) -> None:
        session.ready = ready
        self.changes.notify()


def _guild_of(event: str, data: Any) -> int | None:
    """Return the guild an event belongs to (its shard carries it), or None (shard 0)."""
    if not isinstance(data, dict):
        return None
    value = data.get("id") if event in GUILD_EVENTS else data.get("guild_id")
    return int(value) if value is not None else None
