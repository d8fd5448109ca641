"""The one mapping from HTTP status + business code to the exception tree (kling-api.md's table)."""

from __future__ import annotations

import pytest

from bot.kling.errors import (
    OPERATOR_MESSAGE,
    AccountError,
    AuthenticationError,
    ConcurrencyLimitError,
    ContentPolicyError,
    DuplicateTaskError,
    EndpointNotFoundError,
    InvalidInputError,
    KlingError,
    OperatorError,
    PermissionDeniedError,
    RateLimitedError,
    ResourcePackExhaustedError,
    ServerError,
    TaskNotFoundError,
    UserError,
    error_from_response,
)


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (401, 1000, "auth failed", AuthenticationError),
        (401, 1001, "empty", AuthenticationError),
        (401, 1002, "invalid", AuthenticationError),
        (401, 1003, "not yet valid", AuthenticationError),
        (401, 1004, "expired", AuthenticationError),
        (429, 1100, "account abnormal", AccountError),
        (429, 1101, "arrears", AccountError),
        (429, 1102, "resource pack exhausted", ResourcePackExhaustedError),
        (403, 1103, "no permission", PermissionDeniedError),
        (400, 1200, "invalid parameters", InvalidInputError),
        (400, 1201, "image_tail is invalid", InvalidInputError),
        (400, 1201, "external_task_id already exists", DuplicateTaskError),
        (404, 1202, "method not allowed", EndpointNotFoundError),
        (404, 1203, "model does not exist", EndpointNotFoundError),
        (400, 1300, "platform policy", ContentPolicyError),
        (400, 1301, "content safety", ContentPolicyError),
        (429, 1302, "rate limit", RateLimitedError),
        (429, 1303, "parallel task over resource pack limit", ConcurrencyLimitError),
        (429, 1304, "ip whitelist", PermissionDeniedError),
        (500, 5000, "server error", ServerError),
        (503, 5001, "maintenance", ServerError),
        (504, 5002, "timeout", ServerError),
        (502, None, "<html>bad gateway</html>", ServerError),
        (401, None, "Unauthorized", AuthenticationError),
        (429, None, "slow down", RateLimitedError),
        (404, None, "task not found", EndpointNotFoundError),
        (418, None, "teapot", KlingError),
    ],
)
def test_status_and_code_map_to_one_class(status: int, code: int | None, message: str, expected: type) -> None:
    """Every documented code lands on exactly the documented class."""
    error = error_from_response(status, code, message, request_id="req-1")
    assert type(error) is expected
    assert error.http_status == status
    assert error.code == code
    assert "req-1" in str(error)


@pytest.mark.parametrize(
    ("code", "name", "message", "reading", "expected"),
    [
        (1201, None, "Task not found", True, TaskNotFoundError),  # a query's only value is the id
        (1201, None, "anything at all", True, TaskNotFoundError),  # by code, whatever the words
        (1201, None, "Task not found", False, InvalidInputError),  # a create's 1201 is a bad value
        (1201, None, "external_task_id already exists", False, DuplicateTaskError),
        (None, "task_not_exist", "record not found", True, TaskNotFoundError),  # AnyFast / new-api
        (None, "task_not_exist", "", False, TaskNotFoundError),
        (None, None, "task does not exist", True, InvalidInputError),  # words alone never make a not-found
    ],
)
def test_not_found_is_told_by_code_not_by_words(
    code: int | None, name: str | None, message: str, reading: bool, expected: type
) -> None:
    """Not-found comes from a code (Kling's 1201 on a query, new-api's "task_not_exist"), never the message."""
    error = error_from_response(400, code, message, reading=reading, name=name)
    assert type(error) is expected


def test_rate_limit_carries_retry_after() -> None:
    """Retry-After reaches the caller on retryable errors."""
    error = error_from_response(429, 1302, "rate limit", retry_after=7.0)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7.0


def test_user_messages_by_family() -> None:
    """Operators' problems stay vague to users; users' problems carry the provider's reason."""
    operator = error_from_response(429, 1102, "resource pack exhausted")
    assert isinstance(operator, OperatorError)
    assert operator.user_message == OPERATOR_MESSAGE
    policy = error_from_response(400, 1301, "the prompt mentions violence")
    assert isinstance(policy, UserError)
    assert "the prompt mentions violence" in policy.user_message
    invalid = error_from_response(400, 1200, "duration must be 5 or 10")
    assert "duration must be 5 or 10" in invalid.user_message


def test_clock_problems_are_recognised() -> None:
    """1003/1004 point at the clock; other auth failures do not."""
    assert error_from_response(401, 1004, "expired").is_clock_problem  # type: ignore[attr-defined]
    assert not error_from_response(401, 1002, "invalid").is_clock_problem  # type: ignore[attr-defined]
