"""Advisory lock keys: the two-int form (namespace, key), so ours never meet a one-bigint key someone else picks."""

from __future__ import annotations

LOCK_NAMESPACE = 0x4B4C  # "KL": the bot-wide keys below
MIGRATION_LOCK = 1  # applying migrations
RESERVATION_LOCK = 2  # quota reservations (shared: one guild's; exclusive: bot-wide budgets)
LEADER_LOCK = 3  # the process that runs the provider-facing loops (session-level, held while it leads)
TRANSFER_LOCK = 16  # `migrate-db` copying a SQLite database in (well clear of the keys a running bot takes)
GUILD_LOCK_NAMESPACE = LOCK_NAMESPACE + 1  # one guild's quota reservations, keyed by `int4(guild_id)`
PRESET_LOCK_NAMESPACE = LOCK_NAMESPACE + 2  # one owner's presets, keyed by `int4(guild_id ^ owner_id)`


def int4(value: int) -> int:
    """Fold a 64-bit id into a 32-bit key (two ids sharing a key only wait for each other, never wrongly pass)."""
    folded = (value ^ (value >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded
