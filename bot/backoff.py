"""Capped exponential back-off: the one formula every retry and re-check in the bot uses."""

from __future__ import annotations


def backoff(attempt: int, *, start: float, cap: float, factor: float = 2.0) -> float:
    """Return the wait after the `attempt`-th try (1-based): `start`, then × `factor` each time, never over `cap`."""
    return float(min(start * factor ** max(attempt - 1, 0), cap))
