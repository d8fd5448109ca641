"""The words a member reads when quota refuses a request: the limit, what is left, and when it frees up."""

from __future__ import annotations

from bot.quota import LimitKind, QuotaRefusal
from bot.quota.decision import MONTH_WINDOW


def quota_refusal_message(refusal: QuotaRefusal) -> str:
    """Return the refusal in words, with the way out (wait for a task, or until a time Discord shows live)."""
    if refusal.limit is LimitKind.ACTIVE_TASKS:
        return f"You already have {refusal.used} task(s) in progress (limit {refusal.allowed}). Wait for one to finish."
    if refusal.limit in (LimitKind.BOT_DAILY_BUDGET, LimitKind.BOT_MONTHLY_BUDGET):
        period = "daily" if refusal.limit is LimitKind.BOT_DAILY_BUDGET else "30-day"
        text = f"The bot has reached its {period} budget, set by its operator, for everyone."
        if refusal.frees_at is None:
            return f"{text} This request alone is larger than that budget."
        return f"{text} It resets <t:{int(refusal.frees_at)}:R>."
    who = "You have" if refusal.limit.scope == "user" else "This server has"
    period = "these 30 days" if refusal.limit.window == MONTH_WINDOW else "today"
    text = f"{who} {refusal.left} of {refusal.allowed} units left for {period}; this request costs {refusal.cost}."
    if refusal.frees_at is None:
        return f"{text} It is larger than the whole limit; ask an admin to raise it."
    return f"{text} Quota frees up <t:{int(refusal.frees_at)}:R>."
