"""Callback (webhook) payloads: verify the Standard Webhooks signature, then read the task.

Kling posts the task object itself; some copies of its docs wrap it in `{code, message, data}`,
and AnyFast may forward its own query shape. All three are accepted. A callback is only a hint:
confirm it with a query before acting on the result it names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from bot.kling.dialects import AnyFastDialect
from bot.kling.errors import CallbackError, MalformedResponseError
from bot.kling.models import KlingTask
from bot.kling.wire import WireTask, parse_model


def parse_callback(body: bytes, headers: Mapping[str, str], *, secret: SecretStr | None = None) -> KlingTask:
    """Return the task a callback describes; raise `CallbackError` if it is unsigned, forged or garbled."""
    if secret is not None:
        verify_signature(body, headers, secret)
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise CallbackError("Callback body is not JSON") from exc
    try:
        return _task_from(payload)
    except MalformedResponseError as exc:
        raise CallbackError(f"Callback does not describe a task: {exc}") from exc


def verify_signature(body: bytes, headers: Mapping[str, str], secret: SecretStr) -> None:
    """Check the `webhook-id/-timestamp/-signature` headers against the body (±5 min tolerance)."""
    try:
        Webhook(secret.get_secret_value()).verify(body, dict(headers), json_parse=False)
    except (WebhookVerificationError, ValueError) as exc:
        raise CallbackError(f"Callback signature rejected: {exc}") from exc


def _task_from(payload: Any) -> KlingTask:
    if not isinstance(payload, dict):
        raise MalformedResponseError("not a JSON object")
    if "task_id" in payload:
        return parse_model(WireTask, payload, "callback").to_task()
    data = payload.get("data")
    if isinstance(data, dict) and "task_status" in data:
        return parse_model(WireTask, data, "callback").to_task()
    if isinstance(data, dict) and "status" in data:
        return AnyFastDialect().parse_task(payload)
    raise MalformedResponseError("no task_id")
