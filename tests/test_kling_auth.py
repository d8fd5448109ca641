"""Credentials: the API key as a Bearer token, and the HS256 JWT minted from AccessKey/SecretKey."""

from __future__ import annotations

import jwt
from pydantic import SecretStr

from bot.kling.auth import JWT_LIFETIME, JWT_RENEW_MARGIN, ApiKey, JwtToken

ACCESS, SECRET = "ak-123", "sk-456-secret-long-enough-for-hs256!"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def decode(header: str) -> dict[str, object]:
    token = header.removeprefix("Bearer ")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    return jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False})


def test_api_key_is_the_bearer_token_and_hidden_from_repr() -> None:
    """The key goes out as-is and never shows up in repr."""
    key = ApiKey(SecretStr("k-789"))
    assert key.header() == "Bearer k-789"
    assert "k-789" not in repr(key)
    assert key.renew() is False


def test_jwt_claims_follow_kling_docs() -> None:
    """iss is the AccessKey, exp now+1800, nbf now-5, signed HS256 with the SecretKey."""
    clock = Clock(1_800_000_000.0)
    claims = decode(JwtToken(SecretStr(ACCESS), SecretStr(SECRET), clock=clock).header())
    assert claims == {"iss": ACCESS, "exp": 1_800_000_000 + JWT_LIFETIME, "nbf": 1_800_000_000 - 5}


def test_jwt_is_reused_then_renewed_before_expiry() -> None:
    """One token serves until shortly before it expires; then a fresh one is minted."""
    clock = Clock(1_800_000_000.0)
    token = JwtToken(SecretStr(ACCESS), SecretStr(SECRET), clock=clock)
    first = token.header()
    clock.now += JWT_LIFETIME - JWT_RENEW_MARGIN - 1
    assert token.header() == first
    assert token.minted == 1
    clock.now += 2
    second = token.header()
    assert second != first
    assert token.minted == 2
    assert decode(second)["exp"] == int(clock.now) + JWT_LIFETIME


def test_renew_forces_a_fresh_token() -> None:
    """After the provider rejects a token, renew() makes the next header a new token."""
    clock = Clock(1_800_000_000.0)
    token = JwtToken(SecretStr(ACCESS), SecretStr(SECRET), clock=clock)
    token.header()
    clock.now += 1
    assert token.renew() is True
    token.header()
    assert token.minted == 2
    assert SECRET not in repr(token)
