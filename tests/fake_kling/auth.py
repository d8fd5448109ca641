"""Bearer authentication: static API keys and HS256 JWTs checked on the fake clock."""

from __future__ import annotations

import hmac
import warnings
from dataclasses import dataclass
from typing import Any, TypeGuard

import jwt

from .errors import KlingError

_JWT_OPTIONS: Any = {
    # exp/nbf are compared to the fake clock below, not to the real one.
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "require": ["exp", "nbf", "iss"],
}


@dataclass(frozen=True)
class Credentials:
    """What the fake accepts: an API key and/or an AccessKey/SecretKey pair."""

    api_key: str | None
    access_key: str | None
    secret_key: str | None


def check_auth(header: str | None, creds: Credentials, jwt_allowed: bool, now: float) -> None:
    """Raise a 401 KlingError unless `header` carries an accepted token."""
    token = _bearer_token(header)
    if creds.api_key is not None and _same(token, creds.api_key):
        return
    if jwt_allowed and creds.access_key is not None and creds.secret_key is not None:
        _check_jwt(token, creds.access_key, creds.secret_key, now)
        return
    raise KlingError(401, 1002, "Authorization is invalid")


def _bearer_token(header: str | None) -> str:
    if not header or not header.strip():
        raise KlingError(401, 1001, "Authorization is empty")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise KlingError(401, 1002, "Authorization must use the Bearer scheme")
    if not token.strip():
        raise KlingError(401, 1001, "Authorization is empty")
    return token.strip()


def _same(token: str, expected: str) -> bool:
    return hmac.compare_digest(token.encode(), expected.encode())


def _check_jwt(token: str, access_key: str, secret_key: str, now: float) -> None:
    claims = _decode(token, secret_key)
    if claims.get("iss") != access_key:
        raise KlingError(401, 1000, "Authentication failed: unknown access key")
    nbf, exp = claims.get("nbf"), claims.get("exp")
    if not _is_number(nbf) or not _is_number(exp):
        raise KlingError(401, 1002, "Authorization is invalid: nbf and exp must be numbers")
    if nbf > now:
        raise KlingError(401, 1003, "Authorization is not active yet")
    if now >= exp:
        raise KlingError(401, 1004, "Authorization has expired")


def _decode(token: str, secret_key: str) -> dict[str, Any]:
    try:
        with warnings.catch_warnings():
            # Test secrets are short; PyJWT warns about that on every decode.
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
            claims: dict[str, Any] = jwt.decode(token, secret_key, algorithms=["HS256"], options=_JWT_OPTIONS)
    except jwt.PyJWTError as exc:
        raise KlingError(401, 1002, f"Authorization is invalid: {exc}") from None
    return claims


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
