"""How long a task has left, in words a member reads at a glance ("about 1 min 40 s left")."""

from __future__ import annotations

FEW_SECONDS = 15  # below this, a number would be false precision
MINUTE, HOUR = 60, 3600
FINE_UNTIL = 10 * MINUTE  # below this, to the nearest 10 s; above, to the nearest minute


def duration_words(seconds: float) -> str:
    """Return a rough length: "a few seconds", "about 40 s", "about 1 min 40 s", "about 1 h 2 min"."""
    if seconds < FEW_SECONDS:
        return "a few seconds"
    if seconds < FINE_UNTIL:
        rounded = round(seconds / 10) * 10
        minutes, rest = divmod(rounded, MINUTE)
        if not minutes:
            return f"about {rest} s"
        return f"about {minutes} min {rest} s" if rest else f"about {minutes} min"
    hours, minutes = divmod(round(seconds / MINUTE), 60)
    if not hours:
        return f"about {minutes} min"
    return f"about {hours} h {minutes} min" if minutes else f"about {hours} h"


def time_left_words(seconds: float) -> str:
    """Return what is left of an estimate: "about 1 min 40 s left", or "any moment now" once it is overdue."""
    if seconds <= 0:
        return "any moment now"
    return f"{duration_words(seconds)} left"
