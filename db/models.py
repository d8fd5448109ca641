"""What the repositories return: typed records, never rows."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bot.vocabulary import Outcome, TaskKind, TaskState

CENTS = Decimal(100)
Delivery = Literal["channel", "dm"]  # where a result goes: the channel it was asked in, or the requester's DMs
NO_LEASE: Mapping[str, Any] = MappingProxyType({"lease_owner": None, "lease_until": None})  # fields ending a lease


def to_cents(units: Decimal) -> int:
    """Store units as exact integer hundredths."""
    return int((units * CENTS).to_integral_value())


def from_cents(cents: int | None) -> Decimal | None:
    """Read integer hundredths back as units."""
    return None if cents is None else Decimal(cents) / CENTS


class ImageRef(BaseModel):
    """An input image kept in the input store: which request field, its hash and size."""

    model_config = ConfigDict(frozen=True)

    field: str
    sha256: str
    size: int


class TaskRecord(BaseModel):
    """One task row."""

    model_config = ConfigDict(frozen=True)

    id: str
    provider: str
    kind: TaskKind
    guild_id: int
    channel_id: int
    user_id: int
    params: dict[str, Any]
    images: tuple[ImageRef, ...]
    state: TaskState
    outcome: Outcome | None = None
    provider_task_id: str | None = None
    callback_token: str
    slots: int = 1
    units_reserved: Decimal
    units_charged: Decimal | None = None
    provider_units: str | None = None
    result_urls: tuple[str, ...] = ()
    result_video_ids: tuple[str, ...] = ()  # the provider's ids of the result videos (for lip sync)
    archived_paths: tuple[str, ...] = ()
    deliver_to: Delivery = "channel"
    status_message_id: int | None = None
    delivery_message_id: int | None = None
    withheld_by: int | None = None  # who stopped it being posted (cancelled while queued, or withheld at Kling)
    error_reason: str | None = None
    delivery_error: str | None = None
    submit_attempts: int = 0
    polls: int = 0
    empty_result_checks: int = 0
    generation_seconds: float | None = None
    expected_at: float | None = None
    delivery_attempts: int = 0
    created_at: float
    updated_at: float
    submitted_at: float | None = None
    finished_at: float | None = None
    delivered_at: float | None = None
    deadline_at: float | None = None
    next_poll_at: float | None = None
    next_delivery_at: float | None = None
    lease_owner: str | None = None  # the process sending (submitting) or posting (delivering) it, while it does
    lease_until: float | None = None  # past this, the lease is dead and any process may take the task over


class NewTask(BaseModel):
    """What the engine inserts when a request is accepted."""

    model_config = ConfigDict(frozen=True)

    id: str
    provider: str
    kind: TaskKind
    guild_id: int
    channel_id: int
    user_id: int
    params: dict[str, Any]
    images: tuple[ImageRef, ...]
    callback_token: str
    slots: int
    units: Decimal
    deliver_to: Delivery = "channel"


class QuotaLimits(BaseModel):
    """The limits that apply to one user in one guild (None = unlimited)."""

    model_config = ConfigDict(frozen=True)

    user_daily_units: Decimal | None
    user_max_active: int | None
    guild_daily_units: Decimal | None
    user_monthly_units: Decimal | None = None  # over a rolling 30 days
    guild_monthly_units: Decimal | None = None
    bot_daily_units: Decimal | None = None  # the operator's budgets for the whole bot, in units
    bot_monthly_units: Decimal | None = None


class PolicyOverride(BaseModel):
    """A guild's or a role's settings; None fields fall back to the level below."""

    model_config = ConfigDict(frozen=True)

    user_daily_units: Decimal | None = None
    user_max_active: int | None = None
    guild_daily_units: Decimal | None = None
    user_monthly_units: Decimal | None = None
    guild_monthly_units: Decimal | None = None


class Usage(BaseModel):
    """A user's standing in a guild: units used in the window, tasks active."""

    model_config = ConfigDict(frozen=True)

    units_used: Decimal
    active_tasks: int
    guild_units_used: Decimal
    oldest_counted_at: float | None = None  # the earliest reservation still counting (it frees up a day later)
    units_month: Decimal = Decimal(0)  # the member's over 30 days
    guild_units_month: Decimal = Decimal(0)
    bot_units_day: Decimal = Decimal(0)  # the whole bot's, when a bot-wide budget asks for them
    bot_units_month: Decimal = Decimal(0)


class GuildSettings(BaseModel):
    """What a guild's admins chose: defaults for new requests and where the bot may be used."""

    model_config = ConfigDict(frozen=True)

    guild_id: int
    default_model: str | None = None
    default_mode: str | None = None
    allowed_channels: tuple[int, ...] = ()
    alert_channel_id: int | None = None  # budget alerts for this server's admins
    threads: bool = False  # each generation in its own thread

    def allows(self, channel_id: int) -> bool:
        """Return True if requests are accepted in `channel_id` (no list means everywhere)."""
        return not self.allowed_channels or channel_id in self.allowed_channels


class GuildAccess(BaseModel):
    """Whether a server may use the bot (under GUILD_POLICY=approval), and who decided."""

    model_config = ConfigDict(frozen=True)

    guild_id: int
    name: str = ""
    status: Literal["pending", "approved", "denied"]
    requested_at: float
    decided_at: float | None = None
    decided_by: int | None = None


class AuditEntry(BaseModel):
    """One operator or admin change."""

    model_config = ConfigDict(frozen=True)

    guild_id: int | None
    actor_id: int | None
    action: str
    before: str
    after: str
    at: float


class ContentRule(BaseModel):
    """A word (matched case-insensitively) or a regular expression a server blocks in prompts."""

    model_config = ConfigDict(frozen=True)

    pattern: str
    is_regex: bool = False


class UsageRow(BaseModel):
    """Tasks and units over a period for one group (e.g. one guild and user, one model, one day)."""

    model_config = ConfigDict(frozen=True)

    keys: tuple[int | str, ...]  # one value per grouping asked for, in order
    tasks: int
    succeeded: int
    failed: int
    units_charged: Decimal
    units_refunded: Decimal


class RequestDefaults(BaseModel):
    """Options a request gets when the member leaves them out; None: no preference."""

    model_config = ConfigDict(frozen=True)

    model: str | None = None
    mode: str | None = None
    duration: str | None = None  # whole seconds, as the request takes them
    aspect_ratio: str | None = None
    sound: bool | None = None

    def chosen(self) -> dict[str, str | bool]:
        """Return the request fields this sets (those with a preference)."""
        return {name: value for name in DEFAULT_FIELDS if (value := getattr(self, name)) is not None}


DEFAULT_FIELDS = ("model", "mode", "duration", "aspect_ratio", "sound")


class MemberSettings(RequestDefaults):
    """A member's own defaults in one server (`/settings`), and where their results go."""

    guild_id: int
    user_id: int
    delivery: Delivery = "channel"


class Preset(RequestDefaults):
    """Options saved under a name: a member's own, or one a server's admins published (`owner_id` None)."""

    guild_id: int
    owner_id: int | None
    name: str
    prompt_suffix: str = ""  # appended to what the member types
    negative_prompt: str = ""
    published_by: int | None = None  # a server preset: the admin who published it
