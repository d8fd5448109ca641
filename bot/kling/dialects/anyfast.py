"""AnyFast: the official routes behind `/kling`, but OpenAI-style create, query and error shapes.

- Create answers `{id, task_id, object, model, status, progress, created_at}` (seconds).
- Query answers `{code: "success", data: {task_id, status: SUBMITTED|PROCESSING|SUCCESS|FAILED,
  fail_reason, progress, finish_time, data: {code, message, data: <official task object>}}}`.
- Errors are `{error: {message, type, code}}`, `code` carrying Kling's business code as a string;
  new-api based gateways answer an unknown task with HTTP 400 `{"code": "task_not_exist", ...}`.
- Queries go to `/kling/v1/videos/{action}/{task_id}`, even for image tasks (kling-api.md, "AnyFast,
  corrected"); a multi-image2video task is looked for under its own action, then under text2video
  (which one AnyFast uses is unconfirmed). Queries by our external id are not documented, so none are
  made: an uncertain create is never sent again, and the task says plainly it can't be recovered.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.kling.dialects.official import ErrorInfo, OfficialDialect
from bot.kling.errors import MalformedResponseError
from bot.kling.models import KlingTask, TaskStatus
from bot.kling.wire import WireTask, from_seconds, parse_model, parse_status
from bot.settings import Provider
from bot.vocabulary import TaskKind

# The query actions docs.anyfast.ai lists; a kind not here is looked for under its own name.
QUERY_ACTIONS = {TaskKind.TEXT_TO_IMAGE: "generations", TaskKind.LIP_SYNC: "lip-sync"}
FALLBACK_ACTION = "text2video"


class AnyFastDialect(OfficialDialect):
    """Speaks AnyFast's Kling routes."""

    name: Provider = "anyfast"
    prefix = "/kling"
    has_list = False
    has_balance = False  # not documented
    finds_by_external_id = False  # not documented

    def query_path(self, kind: TaskKind, task_id: str) -> str:
        """Return `/kling/v1/videos/{action}/{task_id}` (image tasks too)."""
        action = QUERY_ACTIONS.get(kind, kind.value)
        return f"{self.prefix}/v1/videos/{action}/{quote(task_id, safe='')}"

    def query_paths(self, kind: TaskKind, task_id: str) -> list[str]:
        """Return the task's own action, then text2video for multi-image2video (unconfirmed which is right)."""
        paths = [self.query_path(kind, task_id)]
        if kind is TaskKind.MULTI_IMAGE_TO_VIDEO:
            paths.append(self.query_path(TaskKind.TEXT_TO_VIDEO, task_id))
        return paths

    def error_of(self, payload: Any) -> ErrorInfo | None:
        """Read `{error: {...}}`, or a non-success `code`; None when the answer is a success."""
        if not isinstance(payload, dict):
            return ErrorInfo(None, "answer is not a JSON object")
        error = payload.get("error")
        if isinstance(error, dict):
            code = error.get("code")
            message = str(error.get("message") or error.get("type") or "")
            return ErrorInfo(_int_or_none(code), message, name=_name_or_none(code))
        code = payload.get("code")
        if code in (None, 0, "success") or "task_id" in payload:
            return None
        return ErrorInfo(_int_or_none(code), str(payload.get("message") or code), name=_name_or_none(code))

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


def _name_or_none(value: Any) -> str | None:
    """Return a code given as a word ("task_not_exist"), or None for a number."""
    return value if isinstance(value, str) and _int_or_none(value) is None else None
