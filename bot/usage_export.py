"""`python -m bot usage`: tasks, units and their cost over a period, by server, member, model and/or day,
as CSV or as a table."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TextIO

from bot.settings import QuotaSettings, StorageSettings, read_section
from db import open_storage
from db.models import UsageRow

GROUP_COLUMNS = {"guild": "guild_id", "user": "user_id", "model": "model", "day": "day"}
COUNT_COLUMNS = ("tasks", "succeeded", "failed", "units_charged", "units_refunded")
MONEY_COLUMNS = ("cost", "currency")


def day_start(day: date) -> float:
    """Return the Unix time of midnight UTC at the start of `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


async def export_usage(
    env_file: str,
    since: date,
    until: date | None,
    guild_id: int | None,
    out: TextIO = sys.stdout,
    *,
    by: Sequence[str] = ("guild", "user"),
    table: bool = False,
) -> int:
    """Write the usage for tasks created from `since` up to and including `until` (default: today)."""
    storage_settings, problems = read_section(StorageSettings, env_file)
    quota, quota_problems = read_section(QuotaSettings, env_file)
    if storage_settings is None or quota is None or problems or quota_problems:
        print("\n".join(problems + quota_problems), file=sys.stderr)
        return 2
    last = until or datetime.now(UTC).date()
    storage = await open_storage(storage_settings.database_url.get_secret_value())
    try:
        rows = await storage.quotas.usage_report(day_start(since), day_start(last + timedelta(days=1)), guild_id, by=by)
    finally:
        await storage.close()
    header = [*(GROUP_COLUMNS[name] for name in by), *COUNT_COLUMNS, *MONEY_COLUMNS]
    lines = [[str(value) for value in line] for line in (_line(row, quota) for row in rows)]
    if table:
        _table(out, header, lines)
    else:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(lines)
    return 0


def _line(row: UsageRow, quota: QuotaSettings) -> list[object]:
    cost = (row.units_charged * quota.price_per_unit).quantize(Decimal("0.01"))
    return [*row.keys, *(getattr(row, column) for column in COUNT_COLUMNS), cost, quota.currency]


def _table(out: TextIO, header: list[str], lines: list[list[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines, strict=True)]
    for line in (header, ["-" * width for width in widths], *lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(), file=out)
