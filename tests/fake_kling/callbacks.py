"""Callback delivery: one POST per status change, optionally Standard-Webhooks signed."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp
from standardwebhooks import Webhook

log = logging.getLogger(__name__)

CALLBACK_TIMEOUT = aiohttp.ClientTimeout(total=5)
Sent = tuple[str, int | None, bytes]


class CallbackSender:
    """POST callbacks with one session and record every attempt."""

    def __init__(self, webhook_secret: str | None) -> None:
        self.sent: list[Sent] = []
        self.sent_at: list[float] = []  # wall-clock time each callback left, beside `sent`
        self._webhook = Webhook(webhook_secret) if webhook_secret else None
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Open the session callbacks are sent with."""
        self._session = aiohttp.ClientSession(timeout=CALLBACK_TIMEOUT)

    async def close(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send_in_order(self, deliveries: list[tuple[str, bytes]]) -> None:
        """Send callbacks one after another (one task's changes stay in order)."""
        for url, body in deliveries:
            await self.send(url, body)

    async def send(self, url: str, body: bytes) -> None:
        """POST `body` to `url` once; record the status, or None on failure."""
        if self._session is None:
            raise RuntimeError("CallbackSender.open() was not awaited")
        started = time.time()
        try:
            async with self._session.post(url, data=body, headers=self._headers(body)) as resp:
                await resp.read()
                status: int | None = resp.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("callback to %s failed: %r", url, exc)
            status = None
        self.sent.append((url, status, body))
        self.sent_at.append(started)

    def _headers(self, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._webhook is None:
            return headers
        msg_id = f"msg_{uuid.uuid4().hex}"
        # Real time, not the fake clock: verifiers check it against their own clock.
        timestamp = datetime.now(UTC)
        headers["webhook-id"] = msg_id
        headers["webhook-timestamp"] = str(int(timestamp.timestamp()))
        headers["webhook-signature"] = self._webhook.sign(msg_id, timestamp, body.decode())
        return headers


def encode_payload(payload: Any) -> bytes:
    """Serialise a callback payload the way it goes on the wire."""
    return json.dumps(payload, separators=(",", ":")).encode()
