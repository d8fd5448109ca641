"""`/healthz`: is the database reachable, is the gateway connected, when did the provider last answer."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import discord

from bot.kling.provider import ProviderClient
from db import Storage

log = logging.getLogger(__name__)


class Health:
    """Answers the health check from live state."""

    def __init__(self, storage: Storage, client: discord.Client, kling: ProviderClient) -> None:
        self._storage = storage
        self._client = client
        self._kling = kling

    async def report(self) -> tuple[int, dict[str, Any]]:
        """Return (HTTP status, body): 200 when the database answers and the gateway is connected, else 503."""
        database = await self._database()
        gateway = "connected" if self._gateway_open() else "disconnected"
        last = self._kling.last_success_at
        body: dict[str, Any] = {
            "database": database,
            "gateway": gateway,
            "last_provider_success": datetime.fromtimestamp(last, tz=UTC).isoformat() if last else None,
            "seconds_since_provider_success": round(time.time() - last, 1) if last else None,
        }
        healthy = database == "ok" and gateway == "connected"
        body["status"] = "ok" if healthy else "unhealthy"
        return (200 if healthy else 503), body

    def _gateway_open(self) -> bool:
        # The websocket, not on_ready: READY can lag the connection by seconds while guilds stream in.
        ws = getattr(self._client, "ws", None)
        return not self._client.is_closed() and ws is not None and bool(ws.open)

    async def _database(self) -> str:
        try:
            await self._storage.tasks.count_active()
        except Exception as exc:  # any failure means "not reachable"; the reason goes in the answer
            log.warning("Health check: database unreachable: %s", exc)
            return f"error: {type(exc).__name__}"
        return "ok"
