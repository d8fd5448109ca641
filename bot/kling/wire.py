"""Kling's own JSON shapes (the official envelope and task object) and their normalisation."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.kling.errors import MalformedResponseError
from bot.kling.models import ImageResult, KlingTask, TaskStatus, VideoResult

log = logging.getLogger(__name__)

_STATUSES = {
    "submitted": TaskStatus.SUBMITTED,
    "processing": TaskStatus.PROCESSING,
    "succeed": TaskStatus.SUCCEEDED,
    "succeeded": TaskStatus.SUCCEEDED,
    "success": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
    "fail": TaskStatus.FAILED,
    "failure": TaskStatus.FAILED,
}


def parse_status(raw: str) -> TaskStatus:
    """Map a provider status word onto `TaskStatus`; an unknown word counts as still processing."""
    status = _STATUSES.get(raw.strip().lower())
    if status is None:
        log.warning("Unknown task status %r from the provider; treating it as processing", raw)
        return TaskStatus.PROCESSING
    return status


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WireVideo(_Wire):
    id: str = ""
    url: str
    watermark_url: str | None = None
    duration: str | float | None = None


class WireImage(_Wire):
    index: int = 0
    url: str


class WireResult(_Wire):
    videos: list[WireVideo] = []
    images: list[WireImage] = []


class WireTaskInfo(_Wire):
    external_task_id: str | None = None


class WireTask(_Wire):
    """The official task object: in query answers, list pages and callbacks."""

    task_id: str
    task_status: str
    task_status_msg: str | None = None
    task_info: WireTaskInfo | None = None
    task_result: WireResult | None = None
    final_unit_deduction: str | float | None = None
    created_at: int | None = None
    updated_at: int | None = None

    def to_task(self) -> KlingTask:
        """Normalise into a `KlingTask`."""
        status = parse_status(self.task_status)
        result = self.task_result or WireResult()
        return KlingTask(
            task_id=self.task_id,
            external_task_id=(self.task_info.external_task_id or None) if self.task_info else None,
            status=status,
            failure_reason=(self.task_status_msg or None) if status is TaskStatus.FAILED else None,
            videos=tuple(
                VideoResult(id=v.id, url=v.url, watermark_url=v.watermark_url or None, duration=_number(v.duration))
                for v in result.videos
            ),
            images=tuple(ImageResult(index=i.index, url=i.url) for i in result.images),
            units_charged=_decimal(self.final_unit_deduction),
            created_at=from_millis(self.created_at),
            updated_at=from_millis(self.updated_at),
        )


class Envelope(_Wire):
    """`{code, message, request_id, data}` around every official answer."""

    code: int
    message: str = ""
    request_id: str | None = None
    data: Any = None


WireT = TypeVar("WireT", bound=BaseModel)


def parse_model(model: type[WireT], payload: Any, what: str) -> WireT:
    """Validate `payload` as `model`, turning a shape mismatch into `MalformedResponseError`."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise MalformedResponseError(f"Unexpected {what} from the provider: {exc.error_count()} problem(s)") from exc


def from_millis(value: int | None) -> datetime | None:
    """Convert Kling's Unix milliseconds to an aware datetime."""
    return datetime.fromtimestamp(value / 1000, tz=UTC) if value else None


def from_seconds(value: int | float | None) -> datetime | None:
    """Convert Unix seconds to an aware datetime."""
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _number(value: str | float | None) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except ValueError:
        return None


def _decimal(value: str | float | None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
