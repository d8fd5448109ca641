"""Callback payloads: both documented shapes, AnyFast's, and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from standardwebhooks.webhooks import Webhook

from bot.kling.callbacks import parse_callback
from bot.kling.errors import CallbackError
from bot.kling.models import TaskStatus

SECRET = "whsec_" + base64.b64encode(b"a-32-byte-secret-for-the-tests!!").decode()
TASK = {
    "task_id": "8612345678901234567",
    "task_status": "succeed",
    "task_status_msg": "",
    "task_info": {"external_task_id": "ext-1"},
    "task_result": {"videos": [{"id": "v1", "url": "https://cdn.example/v1.mp4", "duration": "5.041"}]},
    "final_unit_deduction": "2",
    "created_at": 1_800_000_000_000,
    "updated_at": 1_800_000_060_000,
}


def signed_headers(body: bytes, secret: str = SECRET, when: datetime | None = None) -> dict[str, str]:
    timestamp = when or datetime.now(UTC)
    signature = Webhook(secret).sign("msg_1", timestamp, body.decode())
    return {"webhook-id": "msg_1", "webhook-timestamp": str(int(timestamp.timestamp())), "webhook-signature": signature}


@pytest.mark.parametrize(
    "payload",
    [
        TASK,
        {"code": 0, "message": "SUCCEED", "request_id": "r", "data": TASK},
        {"code": "success", "data": {"task_id": TASK["task_id"], "status": "SUCCESS", "data": {"data": TASK}}},
    ],
    ids=["bare", "envelope", "anyfast"],
)
def test_every_shape_parses_to_the_same_task(payload: dict[str, object]) -> None:
    """Bare task object, wrapped envelope and AnyFast's nesting all normalise alike."""
    task = parse_callback(json.dumps(payload).encode(), {})
    assert task.task_id == TASK["task_id"]
    assert task.external_task_id == "ext-1"
    assert task.status is TaskStatus.SUCCEEDED
    assert task.result_urls == ["https://cdn.example/v1.mp4"]
    assert task.videos[0].duration == pytest.approx(5.041)
    assert str(task.units_charged) == "2"


def test_failed_callback_carries_the_reason() -> None:
    """A failed task's status message becomes the failure reason."""
    body = json.dumps({**TASK, "task_status": "failed", "task_status_msg": "risk control", "task_result": {}})
    task = parse_callback(body.encode(), {})
    assert (task.status, task.failure_reason) == (TaskStatus.FAILED, "risk control")


def test_valid_signature_is_accepted() -> None:
    """A correctly signed callback passes verification."""
    body = json.dumps(TASK).encode()
    assert parse_callback(body, signed_headers(body), secret=SecretStr(SECRET)).task_id == TASK["task_id"]


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: {},
        lambda body: signed_headers(body, secret="whsec_" + base64.b64encode(b"x" * 32).decode()),
        lambda body: signed_headers(body + b" "),
        lambda body: signed_headers(body, when=datetime(2020, 1, 1, tzinfo=UTC)),
        lambda body: {**signed_headers(body), "webhook-signature": "garbage"},
    ],
    ids=["unsigned", "wrong-secret", "tampered-body", "replayed-old", "garbled-header"],
)
def test_forged_callbacks_are_refused(headers) -> None:
    """Unsigned, wrongly signed, tampered, stale or garbled signatures raise CallbackError."""
    body = json.dumps(TASK).encode()
    with pytest.raises(CallbackError):
        parse_callback(body, headers(body), secret=SecretStr(SECRET))


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"hello": 1}', b'{"task_id": 5}'])
def test_garbage_is_refused(body: bytes) -> None:
    """Bodies that are not a task raise CallbackError, never a crash."""
    with pytest.raises(CallbackError):
        parse_callback(body, {})
