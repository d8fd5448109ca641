"""Say in one sentence why the provider refused a probe, for the operator (`check`, `/kling-admin health`)."""

from __future__ import annotations

from bot.kling.errors import (
    AccountError,
    AuthenticationError,
    EndpointNotFoundError,
    KlingConnectionError,
    KlingError,
    MalformedResponseError,
    PermissionDeniedError,
    ResourcePackExhaustedError,
)
from bot.settings import KlingSettings


def explain_probe_failure(exc: KlingError, settings: KlingSettings, clock_offset: float | None) -> str:
    """Turn a probe failure into the one sentence an operator needs."""
    host = settings.resolved_base_url
    if isinstance(exc, AuthenticationError) and exc.is_clock_problem:
        skew = f" (this host is {-clock_offset:+.0f} s off the provider's clock)" if clock_offset is not None else ""
        return f"the provider rejected the token's time window (code {exc.code}): fix this host's clock{skew}"
    if isinstance(exc, AuthenticationError):
        which = "KLING_API_KEY" if settings.api_key else "KLING_ACCESS_KEY / KLING_SECRET_KEY"
        return f"bad credentials: the provider rejected {which} ({exc.message}, code {exc.code})"
    if isinstance(exc, KlingConnectionError):
        return f"cannot reach {host}: {exc.message}. Check KLING_BASE_URL and this host's network"
    if isinstance(exc, EndpointNotFoundError | MalformedResponseError):
        return f"wrong host? {host} does not answer like {settings.provider}'s Kling API ({exc})"
    if isinstance(exc, AccountError | ResourcePackExhaustedError | PermissionDeniedError):
        return f"the account can't create tasks: {exc}"
    return f"unexpected answer: {exc}"
