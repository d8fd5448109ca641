"""The one exception the fake raises to answer with a Kling error."""

from __future__ import annotations


class KlingError(Exception):
    """An error answer: HTTP status, Kling business code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str, code: int = 1200) -> KlingError:
    """Build a 400 error with a parameter-validation business code."""
    return KlingError(400, code, message)


def not_found(message: str, code: int = 1203) -> KlingError:
    """Build a 404 error (unknown route, method or model)."""
    return KlingError(404, code, message)
