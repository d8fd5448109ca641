"""Quota: which limits apply to a member, and whether a request fits them (pure decisions, no I/O).

Storage calls `decide` inside the transaction that reserves, so concurrent requests can't overshoot;
the Discord layer turns a `QuotaRefusal` into words.
"""

from bot.quota.decision import (
    BOT_WINDOWS,
    QUOTA_WINDOW,
    LimitKind,
    QuotaExceededError,
    QuotaRefusal,
    decide,
    release_time,
)
from bot.quota.limits import POLICY_FIELDS, ceiling_breaches, resolve_limits
from bot.quota.standing import QuotaStanding, standing

__all__ = [
    "BOT_WINDOWS",
    "POLICY_FIELDS",
    "QUOTA_WINDOW",
    "LimitKind",
    "QuotaExceededError",
    "QuotaRefusal",
    "QuotaStanding",
    "ceiling_breaches",
    "decide",
    "release_time",
    "resolve_limits",
    "standing",
]
