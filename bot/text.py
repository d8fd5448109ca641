"""Echo what a member typed without letting it take over a message."""

from __future__ import annotations

ECHO_MAX = 60  # characters of a member's own input repeated back in a message


def shown(value: object, limit: int = ECHO_MAX) -> str:
    """Return `value` as text, cut to `limit` characters with an ellipsis."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
