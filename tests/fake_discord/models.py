"""Plain records of the fake's world: users, guilds, channels, messages and interactions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .waiting import Changes

DISCORD_EPOCH_MS = 1_420_070_400_000
MIB = 1024 * 1024
TEXT_CHANNEL = 0
DM_CHANNEL = 1
EPHEMERAL_FLAG = 1 << 6
LOADING_FLAG = 1 << 7
UPLOAD_LIMITS = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}
# @everyone: view, send, embed links, attach files, read history, reactions, external emoji, slash commands.
DEFAULT_PERMISSIONS = sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 18, 31))


class Snowflakes:
    """Mint increasing Discord snowflakes from the wall clock."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a fresh snowflake, larger than every earlier one."""
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(now, self._last + 1)
        return self._last

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """Return a fresh snowflake whose guild would be on that shard: `(id >> 22) % shard_count == shard_id`."""
        milliseconds = self.next() >> 22
        milliseconds += (shard_id - milliseconds) % shard_count  # a few milliseconds ahead at most
        self._last = max(self._last, milliseconds << 22)
        return self._last


@dataclass
class FakeUser:
    """A user (or the bot) the fake knows."""

    id: int
    username: str
    bot: bool = False


@dataclass
class FakeChannel:
    """A guild text channel or a DM channel (`recipient_id` set)."""

    id: int
    name: str
    type: int = TEXT_CHANNEL
    guild_id: int | None = None
    recipient_id: int | None = None
    position: int = 0


@dataclass
class FakeGuild:
    """A guild with its channels, members and boost tier."""

    id: int
    name: str
    premium_tier: int = 0
    owner_id: int = 0
    everyone_permissions: int = DEFAULT_PERMISSIONS
    features: list[str] = field(default_factory=list)
    channel_ids: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)

    @property
    def upload_limit(self) -> int:
        """Return the per-file upload limit in bytes for this boost tier."""
        return UPLOAD_LIMITS.get(self.premium_tier, UPLOAD_LIMITS[0])


@dataclass(eq=False)
class StoredMessage:
    """A message as the fake keeps it: the wire payload plus the bytes of its attachments."""

    payload: dict[str, Any]
    data: dict[str, bytes] = field(default_factory=dict)  # attachment id -> bytes
    ephemeral: bool = False
    created_at: float = field(default_factory=time.monotonic)

    @property
    def id(self) -> int:
        """Return the message id."""
        return int(self.payload["id"])

    def view(self) -> dict[str, Any]:
        """Return a copy of the payload plus "attachments_data": [(filename, bytes)]."""
        files = [(a["filename"], self.data[a["id"]]) for a in self.payload.get("attachments", [])]
        return {**self.payload, "attachments_data": files}


@dataclass(eq=False)
class FakeInteraction:
    """One dispatched interaction and everything the bot did with it."""

    id: int
    token: str
    user: FakeUser
    channel: FakeChannel
    payload: dict[str, Any]
    changes: Changes
    created_at: float = field(default_factory=time.monotonic)
    acknowledged_at: float | None = None
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    ephemeral: bool = False
    original_message: StoredMessage | None = None
    followup_messages: list[StoredMessage] = field(default_factory=list)

    @property
    def size_limit(self) -> int:
        """Return the attachment_size_limit this interaction carried."""
        return int(self.payload["attachment_size_limit"])

    @property
    def ack_delay(self) -> float | None:
        """Return seconds from dispatch to the callback, or None before it."""
        return None if self.acknowledged_at is None else self.acknowledged_at - self.created_at

    @property
    def original(self) -> dict[str, Any] | None:
        """Return the @original message as it stands after edits, or None."""
        return None if self.original_message is None else self.original_message.view()

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Return every followup message, in order."""
        return [message.view() for message in self.followup_messages]

    async def wait_acknowledged(self, timeout: float = 5.0) -> int:  # noqa: ASYNC109 - the documented test API
        """Wait for the bot's callback and return its type."""
        return await self.changes.wait_for(lambda: self.callback_type, timeout, f"ack of interaction {self.id}")

    async def wait_original(
        self,
        predicate: Callable[[dict[str, Any]], bool] = bool,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API
    ) -> dict[str, Any]:
        """Wait until the @original message satisfies `predicate` and return it."""

        def check() -> dict[str, Any] | None:
            original = self.original
            return original if original is not None and predicate(original) else None

        return await self.changes.wait_for(check, timeout, f"original response of interaction {self.id}")

    async def wait_followup(
        self,
        predicate: Callable[[dict[str, Any]], bool] = bool,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API
    ) -> dict[str, Any]:
        """Wait for a followup that satisfies `predicate` and return it."""

        def check() -> dict[str, Any] | None:
            return next((m for m in self.followups if predicate(m)), None)

        return await self.changes.wait_for(check, timeout, f"followup of interaction {self.id}")
