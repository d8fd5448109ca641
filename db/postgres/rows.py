"""Turning values into PostgreSQL columns and rows back into records, the way `db.tasks` does for SQLite."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import asyncpg

from db.models import TaskRecord, from_cents, to_cents
from db.tasks import JSON_FIELDS, UNIT_FIELDS, WRITABLE_FIELDS


def assignments(fields: Mapping[str, Any], first: int) -> tuple[str, list[Any]]:
    """Return `, name = $first, …` for the task fields and their values as stored."""
    unknown = set(fields) - WRITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not task fields: {sorted(unknown)}")
    sql = "".join(f", {name} = ${first + i}" for i, name in enumerate(fields))
    return sql, [to_column(name, value) for name, value in fields.items()]


def to_column(name: str, value: Any) -> Any:
    """Return a task field's value as its column holds it (JSON text, hundredths, an enum's value)."""
    if name in JSON_FIELDS:
        return json.dumps(
            [v.model_dump() if hasattr(v, "model_dump") else v for v in value]
            if isinstance(value, (list, tuple))
            else value
        )
    if name in UNIT_FIELDS and value is not None:
        return to_cents(Decimal(value))
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def task_from_row(row: asyncpg.Record) -> TaskRecord:
    """Turn a `tasks` row into a `TaskRecord` (JSON arrives as text, units as hundredths)."""
    data = {key: value for key, value in row.items() if key in TaskRecord.model_fields}
    for name in JSON_FIELDS:
        data[name] = json.loads(data[name])
    for name in UNIT_FIELDS:
        data[name] = from_cents(data[name])
    return TaskRecord.model_validate(data)
