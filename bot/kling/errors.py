"""The Kling exception tree and the one place that maps HTTP status + business code onto it."""

from __future__ import annotations

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


class UserError(KlingError):
    """The request itself is at fault; `user_message` says what to change."""


class InvalidRequestError(UserError):
    """Refused before sending: the request breaks a documented limit for this provider or model."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

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


# --- lookups ------------------------------------------------------------------------------------------


class TaskNotFoundError(KlingError):
    """No task with that id (or external id) exists at the provider."""


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

_NOT_FOUND_WORDS = ("not found", "not exist", "does not exist", "no such")
_DUPLICATE_WORDS = ("already exist", "duplicate")


def error_from_response(
    http_status: int,
    code: int | None,
    message: str,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> KlingError:
    """Map an error answer onto the exception tree: business code first, then HTTP status."""
    cls = _BY_CODE.get(code) if code is not None else None
    if cls is None:
        cls = ServerError if http_status >= 500 else _BY_STATUS.get(http_status, KlingError)
    if code == 1201 or (cls is InvalidInputError and code is None):
        cls = _refine_invalid_input(message, cls)
    if code == 1303 or (http_status == 429 and code is None and "concurren" in message.lower()):
        cls = ConcurrencyLimitError
    text = message or f"HTTP {http_status}"
    if issubclass(cls, RetryableError):
        return cls(text, http_status=http_status, code=code, request_id=request_id, retry_after=retry_after)
    return cls(text, http_status=http_status, code=code, request_id=request_id)


def _refine_invalid_input(message: str, default: type[KlingError]) -> type[KlingError]:
    lowered = message.lower()
    if any(word in lowered for word in _DUPLICATE_WORDS):
        return DuplicateTaskError
    if any(word in lowered for word in _NOT_FOUND_WORDS):
        return TaskNotFoundError
    return default
