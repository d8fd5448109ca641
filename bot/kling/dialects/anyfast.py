"""AnyFast: the official routes behind `/kling`, but OpenAI-style create, query and error shapes.

- Create answers `{id, task_id, object, model, status, progress, created_at}` (seconds).
- Query answers `{code: "success", data: {task_id, status: SUBMITTED|PROCESSING|SUCCESS|FAILED,
  fail_reason, progress, finish_time, data: {code, message, data: <official task object>}}}`.
- Errors are `{error: {message, type, code}}`, `code` carrying Kling's business code as a string.
"""

from __future__ import annotations

from typing import Any

from bot.kling.dialects.official import ErrorInfo, OfficialDialect
from bot.kling.errors import MalformedResponseError
from bot.kling.models import KlingTask, TaskStatus
from bot.kling.wire import WireTask, from_seconds, parse_model, parse_status
from bot.settings import Provider


class AnyFastDialect(OfficialDialect):
    """Speaks AnyFast's Kling routes."""

    name: Provider = "anyfast"
    prefix = "/kling"
    has_list = False
    has_balance = False  # not documented

    def error_of(self, payload: Any) -> ErrorInfo | None:
        """Read `{error: {...}}`, or a non-success `code`; None when the answer is a success."""
        if not isinstance(payload, dict):
            return ErrorInfo(None, "answer is not a JSON object")
        error = payload.get("error")
        if isinstance(error, dict):
            return ErrorInfo(_int_or_none(error.get("code")), str(error.get("message") or error.get("type") or ""))
        code = payload.get("code")
        if code in (None, 0, "success") or "task_id" in payload:
            return None
        return ErrorInfo(_int_or_none(code), str(payload.get("message") or code))

    def parse_created(self, payload: Any, external_task_id: str) -> KlingTask:
        """Read the OpenAI-video-style create answer."""
        if not isinstance(payload, dict) or not (payload.get("task_id") or payload.get("id")):
            raise MalformedResponseError("Create answer carries no task id")
        return KlingTask(
            task_id=str(payload.get("task_id") or payload["id"]),
            external_task_id=external_task_id,
            status=parse_status(str(payload.get("status") or "submitted")),
            created_at=from_seconds(payload.get("created_at")),
        )

    def parse_task(self, payload: Any) -> KlingTask:
        """Read the nested query answer, preferring the official task object inside it."""
        outer = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(outer, dict) or not outer.get("task_id"):
            raise MalformedResponseError("Query answer carries no task")
        inner = outer.get("data")
        official = inner.get("data") if isinstance(inner, dict) else None
        if isinstance(official, dict) and official.get("task_id"):
            return parse_model(WireTask, official, "task").to_task()
        status = parse_status(str(outer.get("status") or "processing"))
        return KlingTask(
            task_id=str(outer["task_id"]),
            status=status,
            failure_reason=(outer.get("fail_reason") or None) if status is TaskStatus.FAILED else None,
            updated_at=from_seconds(outer.get("finish_time")),
        )

    def parse_list(self, payload: Any) -> list[KlingTask]:
        """AnyFast has no list pages."""
        raise NotImplementedError("AnyFast has no task list")


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
