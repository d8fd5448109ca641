"""The Kling exception tree and the one place that maps HTTP status + business code onto it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

OPERATOR_MESSAGE = "The bot is misconfigured, so it can't reach the video service. An admin has been told."
TRANSIENT_MESSAGE = "The video service is having trouble right now. Please try again in a few minutes."


class KlingError(Exception):
    """Base of every error the Kling client raises.

    `str(error)` is for logs and operators; `user_message` is safe to show a Discord user.
    """

    default_user_message = "The video service failed unexpectedly. Please try again later."

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.request_id = request_id

    @property
    def user_message(self) -> str:
        """Return a sentence a Discord user can read and act on."""
        return self.default_user_message

    def __str__(self) -> str:
        parts = [self.message]
        if self.http_status is not None or self.code is not None:
            parts.append(f"(HTTP {self.http_status}, code {self.code})")
        if self.request_id:
            parts.append(f"[request {self.request_id}]")
        return " ".join(parts)


# --- the operator must act: credentials, account, plan, host ----------------------------------------


class OperatorError(KlingError):
    """The provider refuses the bot itself; no user can fix this by changing their request."""

    default_user_message = OPERATOR_MESSAGE


class AuthenticationError(OperatorError):
    """The key or token was rejected (1000–1004)."""

    @property
    def is_clock_problem(self) -> bool:
        """Return True when the token's time window was rejected: this host's clock is likely off."""
        return self.code in (1003, 1004)


class AccountError(OperatorError):
    """The account is abnormal or in arrears (1100, 1101)."""


class ResourcePackExhaustedError(OperatorError):
    """The resource pack is used up or expired (1102)."""


class PermissionDeniedError(OperatorError):
    """The account may not use this API or model, or this IP is not allowed (1103, 1304)."""


class EndpointNotFoundError(OperatorError):
    """The endpoint or model does not exist at this host (1202, 1203, or a 404 without a Kling body)."""


# --- the user must change the request ---------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """A change to a refused request that makes it go: `{"mode": "pro"}`, "Use Professional — 2.5 units"."""

    changes: Mapping[str, object]
    label: str


class UserError(KlingError):
    """The request itself is at fault; `user_message` says what to change."""


class InvalidRequestError(UserError):
    """Refused before sending: the request breaks a documented limit for this provider or model.

    `fix`, when set, is the one change that makes it go, with its price, for a button.
    """

    def __init__(self, message: str, *, field: str | None = None, fix: Fix | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.fix = fix

    @property
    def user_message(self) -> str:
        """Return the validation message itself: it names the field and the rule."""
        return self.message


class InvalidInputError(UserError):
    """The provider rejected the parameters (1200, 1201) with its own explanation."""

    @property
    def user_message(self) -> str:
        """Return the provider's explanation."""
        return f"The video service rejected the request: {self.message}"


class ContentPolicyError(UserError):
    """The prompt or an image broke the provider's content policy (1300, 1301)."""

    @property
    def user_message(self) -> str:
        """Return the provider's reason."""
        return f"Blocked by the video service's content policy: {self.message}"


class NoFaceError(UserError):
    """identify-face found no face to lip-sync (or one on screen for under 2 seconds)."""

    @property
    def user_message(self) -> str:
        """Return the reason."""
        return self.message


class VideoUnavailableError(UserError):
    """The provider no longer has the video a follow-up names (Kling keeps them 30 days)."""

    @property
    def user_message(self) -> str:
        """Return the reason."""
        return self.message


# --- lookups ------------------------------------------------------------------------------------------


class TaskNotFoundError(KlingError):
    """No task with that id (or external id) exists at the provider."""


class LookupUnavailableError(KlingError):
    """The provider documents no query by our external id, so an uncertain create can't be settled."""

    default_user_message = (
        "The video service couldn't confirm whether it received this request, and this provider offers no way "
        "to ask. It was not sent again, so it can't be charged twice; you were refunded."
    )


class DuplicateTaskError(KlingError):
    """A task with this external id already exists: an earlier create reached the provider."""


# --- try again later -----------------------------------------------------------------------------------


class RetryableError(KlingError):
    """A temporary refusal or failure; `retry_after` is the provider's hint in seconds, if any."""

    default_user_message = TRANSIENT_MESSAGE

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        http_status: int | None = None,
        code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, http_status=http_status, code=code, request_id=request_id)
        self.retry_after = retry_after


class RateLimitedError(RetryableError):
    """Too many requests (1302, or 429 without a code). A create refused so was not created."""


class ConcurrencyLimitError(RetryableError):
    """The account's parallel task limit is reached (1303). The task was NOT created: queue it."""


class TransientError(RetryableError):
    """A server error, timeout or dropped connection. For a create, the outcome is unknown."""


class ServerError(TransientError):
    """The provider answered 5xx (codes 5000–5002)."""


class KlingConnectionError(TransientError):
    """The request failed in transit: refused, reset, timed out."""


class MalformedResponseError(TransientError):
    """The provider answered something that is not the documented shape."""


class OutcomeUnknownError(KlingError):
    """A create may or may not have reached the provider and the lookup could not tell.

    The caller must keep the external id and reconcile later; it must not create blindly.
    """

    default_user_message = TRANSIENT_MESSAGE


class CallbackError(KlingError):
    """A callback was unsigned when a signature is required, badly signed, or not a task."""


_BY_CODE: dict[int, type[KlingError]] = {
    **dict.fromkeys(range(1000, 1005), AuthenticationError),
    1100: AccountError,
    1101: AccountError,
    1102: ResourcePackExhaustedError,
    1103: PermissionDeniedError,
    1200: InvalidInputError,
    1201: InvalidInputError,
    1202: EndpointNotFoundError,
    1203: EndpointNotFoundError,
    1300: ContentPolicyError,
    1301: ContentPolicyError,
    1302: RateLimitedError,
    1303: ConcurrencyLimitError,
    1304: PermissionDeniedError,
    **dict.fromkeys(range(5000, 5003), ServerError),
}

_BY_STATUS: dict[int, type[KlingError]] = {
    400: InvalidInputError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: EndpointNotFoundError,
    408: KlingConnectionError,
    429: RateLimitedError,
}

_DUPLICATE_WORDS = ("already exist", "duplicate")
# Not-found codes by name: new-api based gateways (AnyFast) answer `{"code": "task_not_exist"}`.
_NOT_FOUND_NAMES = frozenset({"task_not_exist"})


def error_from_response(
    http_status: int,
    code: int | None,
    message: str,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
    reading: bool = False,
    name: str | None = None,
) -> KlingError:
    """Map an error answer onto the exception tree: business code first, then HTTP status.

    Not-found is told by code, never by the message's words: a named not-found code, or Kling's 1201
    ("invalid value") answering a query, whose only value is the task id. A create's 1201 is a duplicate
    external id when the message says so (Kling gives the two no separate codes), else a bad parameter.
    """
    if name in _NOT_FOUND_NAMES or (reading and code == 1201):
        return TaskNotFoundError(message or "task not found", http_status=http_status, code=code, request_id=request_id)
    cls = _BY_CODE.get(code) if code is not None else None
    if cls is None:
        cls = ServerError if http_status >= 500 else _BY_STATUS.get(http_status, KlingError)
    if not reading and code == 1201 and any(word in message.lower() for word in _DUPLICATE_WORDS):
        cls = DuplicateTaskError
    if code == 1303 or (http_status == 429 and code is None and "concurren" in message.lower()):
        cls = ConcurrencyLimitError
    text = message or f"HTTP {http_status}"
    if issubclass(cls, RetryableError):
        return cls(text, http_status=http_status, code=code, request_id=request_id, retry_after=retry_after)
    return cls(text, http_status=http_status, code=code, request_id=request_id)
