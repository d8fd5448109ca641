"""Clocks the fake reads its notion of "now" from."""

from __future__ import annotations

import time
from typing import Protocol

DEFAULT_START = 1_800_000_000.0


class Clock(Protocol):
    """Anything that tells the time in Unix seconds."""

    def now(self) -> float:
        """Return the current time in Unix seconds."""
        ...


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = float(start)

    def now(self) -> float:
        """Return the current fake time in Unix seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        if seconds < 0:
            raise ValueError("a ManualClock cannot go backwards")
        self._now += seconds


class SystemClock:
    """The real wall clock, for benchmarks with `auto_advance=True`."""

    def now(self) -> float:
        """Return the real time in Unix seconds."""
        return time.time()
