"""Task rows on PostgreSQL: `$n` placeholders and asyncpg records over the shared column rules (`db.task_columns`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from db.models import TaskRecord
from db.task_columns import assignments as _assignments
from db.task_columns import record_from_columns


def assignments(fields: Mapping[str, Any], first: int) -> tuple[str, list[Any]]:
    """Return `, name = $first, …` for the task fields and their values as stored."""
    return _assignments(fields, lambda i: f"${first + i}")


def task_from_row(row: asyncpg.Record) -> TaskRecord:
    """Turn a `tasks` row into a `TaskRecord` (JSON arrives as text, units as hundredths)."""
    return record_from_columns(dict(row.items()))
