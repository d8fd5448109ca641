"""A member's usage on PostgreSQL: the sums `decide` reads, as `db.quotas` computes them on SQLite."""

from __future__ import annotations

from decimal import Decimal

from bot.vocabulary import ACTIVE_STATES
from db.models import Usage, from_cents
from db.postgres.database import Connection
from db.quotas import MONTH

# Reservations that still count: made since $1 and not refunded; then the scope's guild ($2) and user ($3).
COUNTED = (
    "FROM quota_ledger r WHERE r.entry = 'reserve' AND r.created_at > $1 {scope}"
    "AND NOT EXISTS (SELECT 1 FROM quota_ledger f WHERE f.task_id = r.task_id AND f.entry = 'refund')"
)
SCOPES = ("", "AND r.guild_id = $2 ", "AND r.guild_id = $2 AND r.user_id = $3 ")  # bot, guild, member


def counted_sql(scope: int) -> str:
    """Return the FROM/WHERE of the counting reservations: scope 0 the bot's, 1 a guild's, 2 a member's."""
    return COUNTED.format(scope=SCOPES[scope])


async def read_usage(
    conn: Connection,
    guild_id: int,
    user_id: int,
    since: float,
    now: float,
    bot_windows: tuple[float, float] | None,
) -> Usage:
    """Return the member's usage since `since` (and over 30 days), and the bot's in `bot_windows` if asked."""
    day, month = (
        (await _sum(conn, now - bot_windows[0]), await _sum(conn, now - bot_windows[1]))
        if bot_windows is not None
        else (0, 0)
    )
    oldest = await conn.fetchval("SELECT MIN(r.created_at) " + counted_sql(2), since, guild_id, user_id)
    return Usage(
        units_used=_units(await _sum(conn, since, guild_id, user_id)),
        active_tasks=await _active(conn, guild_id, user_id),
        guild_units_used=_units(await _sum(conn, since, guild_id)),
        oldest_counted_at=None if oldest is None else float(oldest),
        units_month=_units(await _sum(conn, now - MONTH, guild_id, user_id)),
        guild_units_month=_units(await _sum(conn, now - MONTH, guild_id)),
        bot_units_day=_units(day),
        bot_units_month=_units(month),
    )


async def _sum(conn: Connection, since: float, *scope: int) -> int:
    value = await conn.fetchval("SELECT COALESCE(SUM(r.units), 0)::bigint " + counted_sql(len(scope)), since, *scope)
    return int(value or 0)


async def _active(conn: Connection, guild_id: int, user_id: int) -> int:
    value = await conn.fetchval(
        "SELECT COUNT(*) FROM tasks WHERE guild_id = $1 AND user_id = $2 AND state = ANY($3::text[])",
        guild_id,
        user_id,
        [state.value for state in ACTIVE_STATES],
    )
    return int(value or 0)


def _units(cents: int) -> Decimal:
    return from_cents(cents) or Decimal(0)
