"""Time as the engine sees it, so tests can move it instead of sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Something with `now()` in Unix seconds."""

    def now(self) -> float:
        """Return the current time in Unix seconds."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """Return `time.time()`."""
        return time.time()
