"""Wait, with a deadline, for the fake's state to satisfy a check."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Changes:
    """A broadcast signal: every change wakes every waiter, which re-runs its check."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake every waiter."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(self, check: Callable[[], T | None], within: float, what: str) -> T:
        """Return the first non-None result of `check`, re-run on each change; TimeoutError after `within` s."""
        try:
            async with asyncio.timeout(within):
                while (result := check()) is None:
                    await self._event.wait()
        except TimeoutError:
            raise TimeoutError(f"fake Discord: timed out after {within}s waiting for {what}") from None
        return result
