"""How a task's fields are stored, on either backend: JSON as text, units as hundredths, enums by their value."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from db.models import TaskRecord, from_cents, to_cents

JSON_FIELDS = frozenset({"params", "images", "result_urls", "result_video_ids", "archived_paths"})
UNIT_FIELDS = frozenset({"units_reserved", "units_charged"})
WRITABLE_FIELDS = frozenset(TaskRecord.model_fields) - {"id", "created_at", "updated_at", "state"}


def assignments(fields: Mapping[str, Any], placeholder: Callable[[int], str]) -> tuple[str, list[Any]]:
    """Return `, name = <placeholder(i)>, …` for the task fields and their values as stored."""
    unknown = set(fields) - WRITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not task fields: {sorted(unknown)}")
    sql = "".join(f", {name} = {placeholder(i)}" for i, name in enumerate(fields))
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


def record_from_columns(columns: Mapping[str, Any]) -> TaskRecord:
    """Turn a `tasks` row's columns (by name) into a `TaskRecord`; columns it doesn't hold are ignored."""
    data = {key: value for key, value in columns.items() if key in TaskRecord.model_fields}
    for name in JSON_FIELDS:
        data[name] = json.loads(data[name])
    for name in UNIT_FIELDS:
        data[name] = from_cents(data[name])
    return TaskRecord.model_validate(data)
