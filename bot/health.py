"""`/healthz`: the database answers and takes writes, the data folders take writes and have room, the gateway
is connected; and when the provider last answered."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord

from bot.disk import DiskGuard
from bot.kling.provider import ProviderClient
from db import Storage

log = logging.getLogger(__name__)


class Health:
    """Answers the health check from live state."""

    def __init__(
        self,
        storage: Storage,
        client: discord.Client,
        kling: ProviderClient,
        *,
        disk: DiskGuard | None = None,
        data_folders: Iterable[Path] = (),
        gateway: bool = True,
    ) -> None:
        self._storage = storage
        self._client = client
        self._gateway = gateway  # False: a worker, which speaks to Discord over REST only
        self._kling = kling
        self._disk = disk
        self._folders = tuple(data_folders)

    async def report(self) -> tuple[int, dict[str, Any]]:
        """Return (HTTP status, body): 200 when every check is "ok" and the gateway is connected (where this
        process has one), else 503."""
        checks = {"database": await self._database(), "data_folders": self._writable(), "disk": self._room()}
        gateway = "connected" if self._gateway_open() else "disconnected"
        if not self._gateway:
            gateway = "not used" if not self._client.is_closed() else "disconnected"
        last = self._kling.last_success_at
        body: dict[str, Any] = {
            **checks,
            "gateway": gateway,
            "last_provider_success": datetime.fromtimestamp(last, tz=UTC).isoformat() if last else None,
            "seconds_since_provider_success": round(time.time() - last, 1) if last else None,
        }
        healthy = all(value == "ok" for value in checks.values()) and gateway in ("connected", "not used")
        body["status"] = "ok" if healthy else "unhealthy"
        return (200 if healthy else 503), body

    def _gateway_open(self) -> bool:
        # The websocket, not on_ready: READY can lag the connection by seconds while guilds stream in.
        if self._client.is_closed():
            return False
        if isinstance(self._client, discord.AutoShardedClient):  # every shard this process runs
            shards = self._client.shards.values()
            return bool(shards) and not any(shard.is_closed() for shard in shards)
        ws = getattr(self._client, "ws", None)
        return ws is not None and bool(ws.open)

    async def _database(self) -> str:
        try:
            await self._storage.tasks.count_active()
            await self._storage.guilds.set_meta("health:last_write", str(time.time()), now=time.time())
        except Exception as exc:  # any failure means "not usable"; the reason goes in the answer
            log.warning("Health check: database unusable: %s", exc)
            return f"error: {type(exc).__name__}"
        return "ok"

    def _writable(self) -> str:
        for folder in self._folders:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryFile(dir=folder):
                    pass
            except OSError as exc:
                log.warning("Health check: %s is not writable: %s", folder, exc)
                return f"error: {folder} is not writable ({exc.strerror or type(exc).__name__})"
        return "ok"

    def _room(self) -> str:
        problem = self._disk.problem() if self._disk is not None else None
        return "ok" if problem is None else f"low: {problem}"
