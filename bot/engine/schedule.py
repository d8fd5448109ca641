"""When to look at a task again: first after its expected generation time, then with backoff."""

from __future__ import annotations

from bot.backoff import backoff

BACKOFF_START = 15.0
BACKOFF_FACTOR = 1.5
BACKOFF_MAX = 60.0
# With callbacks on, polling is only the safety net for a lost callback.
CALLBACK_SAFETY_FACTOR = 3.0
CALLBACK_BACKOFF_MAX = 300.0
# A callback's confirming query waits this long, so callbacks arriving together share one list query
# (short enough to keep callback -> posted well under a second).
CONFIRM_DELAY = 0.25
SUBMIT_RETRY_START = 5.0
SUBMIT_RETRY_MAX = 120.0
DELIVERY_RETRY_START = 10.0
DELIVERY_RETRY_MAX = 600.0


def first_check_delay(expected: float, *, callbacks: bool) -> float:
    """Return how long after submission to look at a task that usually takes `expected` seconds."""
    return expected * CALLBACK_SAFETY_FACTOR if callbacks else expected


def next_check_delay(polls: int, *, callbacks: bool) -> float:
    """Return how long to wait after the `polls`-th look that found the task unfinished."""
    cap = CALLBACK_BACKOFF_MAX if callbacks else BACKOFF_MAX
    return backoff(polls, start=BACKOFF_START, factor=BACKOFF_FACTOR, cap=cap)


def submit_retry_delay(attempts: int) -> float:
    """Return how long to wait before reconciling a create whose outcome was unknown."""
    return backoff(attempts, start=SUBMIT_RETRY_START, cap=SUBMIT_RETRY_MAX)


def delivery_retry_delay(attempts: int) -> float:
    """Return how long to wait before trying a failed delivery again."""
    return backoff(attempts, start=DELIVERY_RETRY_START, cap=DELIVERY_RETRY_MAX)
