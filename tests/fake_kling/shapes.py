"""JSON bodies the fake answers with: Kling envelopes and AnyFast's shapes."""

from __future__ import annotations

import uuid
from typing import Any

from .catalog import family, is_image
from .state import FakeTask

_ANYFAST_STATUS = {
    "submitted": "SUBMITTED",
    "processing": "PROCESSING",
    "succeed": "SUCCESS",
    "failed": "FAILED",
}
_OPENAI_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "rate_limit_error",
}


def ms(seconds: float) -> int:
    """Convert Unix seconds to Kling's Unix milliseconds."""
    return round(seconds * 1000)


def envelope(data: Any) -> dict[str, Any]:
    """Wrap `data` in Kling's success envelope."""
    return {"code": 0, "message": "SUCCEED", "request_id": str(uuid.uuid4()), "data": data}


def kling_error(code: int, message: str) -> dict[str, Any]:
    """Return a Kling error body."""
    return {"code": code, "message": message, "request_id": str(uuid.uuid4())}


def anyfast_error(status: int, code: int | None, message: str) -> dict[str, Any]:
    """Return an OpenAI-style error body, as AnyFast sends."""
    kind = _OPENAI_ERROR_TYPES.get(status, "server_error" if status >= 500 else "api_error")
    return {"error": {"message": message, "type": kind, "code": None if code is None else str(code)}}


def anyfast_not_found(message: str) -> dict[str, Any]:
    """Return a new-api gateway's not-found body (kling-api.md: HTTP 400 `{"code": "task_not_exist", ...}`)."""
    return {"code": "task_not_exist", "message": message, "data": None}


def task_info(task: FakeTask) -> dict[str, Any]:
    """Return `task_info`: the external id when one was given; a lip-sync task's `parent_video` (API copy)."""
    info: dict[str, Any] = {"external_task_id": task.external_task_id} if task.external_task_id else {}
    if task.parent_video is not None:
        info["parent_video"] = dict(task.parent_video)
    return info


def create_data(task: FakeTask) -> dict[str, Any]:
    """Return the `data` of a successful official create answer."""
    return {
        "task_id": task.task_id,
        "task_status": "submitted",
        "task_info": task_info(task),
        "created_at": ms(task.created_at),
        "updated_at": ms(task.created_at),
    }


def task_object(task: FakeTask, base_url: str) -> dict[str, Any]:
    """Return the official task object (query, list and callback payload)."""
    watermark = bool((task.body.get("watermark_info") or {}).get("enabled", False))
    data: dict[str, Any] = {
        "task_id": task.task_id,
        "task_status": task.status,
        "task_status_msg": task.fail_reason,
        "task_info": task_info(task),
        "created_at": ms(task.created_at),
        "updated_at": ms(task.updated_at),
        "final_unit_deduction": task.units,
        "watermark_info": {"enabled": watermark},
    }
    if task.status == "succeed":
        data["task_result"] = task_result(task, base_url, watermark)
    return data


def task_result(task: FakeTask, base_url: str, watermark: bool) -> dict[str, Any]:
    """Return `task_result` with result URLs served by the fake itself."""
    root = f"{base_url}/results/{task.task_id}"
    if not task.results_ready:
        return {"images": []} if is_image(task.kind) else {"videos": []}
    if is_image(task.kind):
        images = [{"index": i, "url": f"{root}/{i}.png"} for i in range(task.n_outputs)]
        return {"images": images}
    video: dict[str, Any] = {"id": task.result_id, "url": f"{root}/video.mp4"}
    if watermark:
        video["watermark_url"] = f"{root}/watermark.mp4"
    video["duration"] = task.duration_text
    return {"videos": [video]}


def anyfast_create(task: FakeTask) -> dict[str, Any]:
    """Return AnyFast's OpenAI-video-style create answer."""
    return {
        "id": task.task_id,
        "task_id": task.task_id,
        "object": "image" if family(task.kind) == "images" else "video",
        "model": task.model_name,
        "status": "submitted",
        "progress": 0,
        "created_at": int(task.created_at),
    }


def anyfast_query(task: FakeTask, base_url: str, progress: int) -> dict[str, Any]:
    """Return AnyFast's query answer wrapping the official task object."""
    inner = {"code": 0, "message": "SUCCEED", "data": task_object(task, base_url)}
    return {
        "code": "success",
        "message": "",
        "data": {
            "task_id": task.task_id,
            "status": _ANYFAST_STATUS[task.status],
            "fail_reason": task.fail_reason,
            "progress": f"{progress}%",
            "finish_time": 0 if task.active else int(task.updated_at),
            "data": inner,
        },
    }
