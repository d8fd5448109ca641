"""The words for quota limits: what each is called, the operator's setting that caps it, a policy in words."""

from __future__ import annotations

from decimal import Decimal

from bot.quota.decision import units
from db.models import PolicyOverride

# field: (in a sentence, as a name, the operator's setting)
LIMITS = {
    "user_daily_units": ("units per member per day", "Units per member per day", "QUOTA_USER_DAILY_UNITS"),
    "user_max_active": ("tasks at once", "Tasks at once per member", "QUOTA_USER_MAX_ACTIVE"),
    "guild_daily_units": ("units per day for the server", "Units per day for the server", "QUOTA_GUILD_DAILY_UNITS"),
    "user_monthly_units": (
        "units per member per 30 days", "Units per member per 30 days", "QUOTA_USER_MONTHLY_UNITS",
    ),
    "guild_monthly_units": (
        "units per 30 days for the server", "Units per 30 days for the server", "QUOTA_GUILD_MONTHLY_UNITS",
    ),
}  # fmt: skip


def describe(policy: PolicyOverride) -> str:
    """Return a policy in words."""
    parts = [f"{value} {LIMITS[name][0]}" for name in LIMITS if (value := getattr(policy, name)) is not None]
    return ", ".join(parts) or "no limits set"


def ceiling_refusal(breaches: list[tuple[str, object, object]]) -> str:
    """Return why limits above the operator's are refused, naming each ceiling and its setting."""
    return " ".join(
        f"{LIMITS[name][1]} can be at most {cap} (the bot operator's limit, {LIMITS[name][2]}); you asked for {asked}."
        for name, asked, cap in breaches
    )


def amount(value: float | None, price: Decimal | None) -> Decimal | None:
    """Return an amount typed by an admin as units (dividing by the unit price when it was money)."""
    if value is None:
        return None
    typed = Decimal(str(value))
    return units(typed if price is None else typed / price)  # whole hundredths, as the ledger keeps them
