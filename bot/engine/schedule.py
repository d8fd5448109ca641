"""When to look at a task again: at its expected end, then more often the closer that was.

Checks are batched (one list page answers for hundreds of tasks), so looking near the expected time costs
little per task, and a lost callback costs seconds rather than minutes.
"""

from __future__ import annotations

import math

from bot.backoff import backoff

# With callbacks on, the first check leaves the callback a moment to land (it then makes the check moot).
CALLBACK_GRACE = 3.0
# Past the expected time, look again after a tenth of the overrun, between these bounds.
RECHECK_MIN = 10.0
RECHECK_MAX = 60.0
RECHECK_SHARE = 0.1
# Checks fall on a shared grid (Unix time), so every task due in the same cell is answered by one list
# request, however their submissions were spread: at most one request per cell. The cell is a quarter of
# the expected time, at most 10 s (a quick provider, like the simulator, gets a finer grid).
CHECK_GRID = 10.0
GRID_SHARE = 1 / 4
# A check also takes tasks falling due this soon after it (clock jitter between the cells' edges).
PULL_FORWARD = 1.0
# A callback's confirming query waits this long, so callbacks arriving together share one list query
# (short enough to keep callback -> posted well under a second).
CONFIRM_DELAY = 0.25
SUBMIT_RETRY_START = 5.0
SUBMIT_RETRY_MAX = 120.0
DELIVERY_RETRY_START = 10.0
DELIVERY_RETRY_MAX = 600.0


def first_check_at(now: float, expected: float, *, callbacks: bool) -> float:
    """Return when to first look at a task submitted `now` that usually takes `expected` seconds."""
    return on_grid(now + expected + (CALLBACK_GRACE if callbacks else 0.0), expected)


def on_grid(at: float, expected: float) -> float:
    """Return the first time at or after `at` on the check grid of tasks that take `expected` seconds."""
    cell = min(CHECK_GRID, max(expected * GRID_SHARE, 1.0))
    return math.ceil(at / cell) * cell


def next_check_delay(overrun: float) -> float:
    """Return how long to wait after a look found the task unfinished, `overrun` seconds past its expected end."""
    return min(max(overrun * RECHECK_SHARE, RECHECK_MIN), RECHECK_MAX)


def submit_retry_delay(attempts: int) -> float:
    """Return how long to wait before reconciling a create whose outcome was unknown."""
    return backoff(attempts, start=SUBMIT_RETRY_START, cap=SUBMIT_RETRY_MAX)


def delivery_retry_delay(attempts: int) -> float:
    """Return how long to wait before trying a failed delivery again."""
    return backoff(attempts, start=DELIVERY_RETRY_START, cap=DELIVERY_RETRY_MAX)
