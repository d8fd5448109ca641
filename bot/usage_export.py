"""`python -m bot usage`: tasks and units per guild and user over a period, as CSV."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TextIO

from bot.settings import QuotaSettings, StorageSettings, read_section
from db import open_storage

COLUMNS = ("guild_id", "user_id", "tasks", "succeeded", "failed", "units_charged", "units_refunded")
MONEY_COLUMNS = ("cost", "currency")


def day_start(day: date) -> float:
    """Return the Unix time of midnight UTC at the start of `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


async def export_usage(
    env_file: str, since: date, until: date | None, guild_id: int | None, out: TextIO = sys.stdout
) -> int:
    """Write the CSV for tasks created from `since` up to and including `until` (default: today)."""
    storage_settings, problems = read_section(StorageSettings, env_file)
    quota, quota_problems = read_section(QuotaSettings, env_file)
    if storage_settings is None or quota is None or problems or quota_problems:
        print("\n".join(problems + quota_problems), file=sys.stderr)
        return 2
    last = until or datetime.now(UTC).date()
    storage = await open_storage(storage_settings.database_url)
    try:
        rows = await storage.quotas.usage_report(day_start(since), day_start(last + timedelta(days=1)), guild_id)
    finally:
        await storage.close()
    writer = csv.writer(out)
    writer.writerow(COLUMNS + MONEY_COLUMNS)
    for row in rows:
        cost = (row.units_charged * quota.price_per_unit).quantize(Decimal("0.01"))
        writer.writerow([*(getattr(row, column) for column in COLUMNS), cost, quota.currency])
    return 0
