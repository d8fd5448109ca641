"""Bearer credentials: a static API key, or an HS256 JWT minted from AccessKey/SecretKey."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Protocol

import jwt
from jwt.warnings import InsecureKeyLengthWarning
from pydantic import SecretStr

JWT_LIFETIME = 1800  # seconds; what Kling's own samples use
JWT_NOT_BEFORE_SLACK = 5  # seconds back-dated, for small clock differences
JWT_RENEW_MARGIN = 300  # re-mint this long before expiry, so no request carries a dying token


class Credentials(Protocol):
    """Something that yields the `Authorization` header value."""

    def header(self) -> str:
        """Return the current `Authorization` header value."""
        ...

    def renew(self) -> bool:
        """Drop any cached token; return True if a retry could carry a different one."""
        ...


class ApiKey:
    """A static key sent as the Bearer token (official API keys and the aggregators' keys)."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key

    def header(self) -> str:
        """Return `Bearer <key>`."""
        return f"Bearer {self._key.get_secret_value()}"

    def renew(self) -> bool:
        """A static key can't be renewed."""
        return False

    def __repr__(self) -> str:
        return "ApiKey(**********)"


class JwtToken:
    """A JWT minted from AccessKey/SecretKey, reused until shortly before it expires."""

    def __init__(
        self,
        access_key: SecretStr,
        secret_key: SecretStr,
        *,
        clock: Callable[[], float] = time.time,
        lifetime: int = JWT_LIFETIME,
    ) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._clock = clock
        self._lifetime = lifetime
        self._token: str | None = None
        self._expires_at = 0.0
        self.minted = 0  # how many tokens this instance has made, for tests and metrics

    def header(self) -> str:
        """Return `Bearer <jwt>`, minting a new token when the cached one is near expiry."""
        now = self._clock()
        if self._token is None or now >= self._expires_at - min(JWT_RENEW_MARGIN, self._lifetime / 2):
            self._token = self._mint(now)
        return f"Bearer {self._token}"

    def renew(self) -> bool:
        """Forget the cached token so the next request mints a fresh one."""
        self._token = None
        return True

    def _mint(self, now: float) -> str:
        issued = int(now)
        self._expires_at = issued + self._lifetime
        self.minted += 1
        claims = {
            "iss": self._access_key.get_secret_value(),
            "exp": issued + self._lifetime,
            "nbf": issued - JWT_NOT_BEFORE_SLACK,
        }
        with warnings.catch_warnings():
            # Kling issues the SecretKey; its length is not ours to choose, so don't warn about it on every mint.
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            return jwt.encode(claims, self._secret_key.get_secret_value(), algorithm="HS256", headers={"typ": "JWT"})

    def __repr__(self) -> str:
        return "JwtToken(**********)"
