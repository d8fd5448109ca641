"""Kling-looking numeric ids for tasks, videos and face sessions."""

from __future__ import annotations

import secrets


def new_numeric_id() -> str:
    """Return a random 18-19 digit numeric id, like Kling's task ids."""
    return str(10**17 + secrets.randbelow(10**19 - 10**17))
