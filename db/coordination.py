"""Coordination on SQLite: one process owns the database file, so it always leads and has no one to wake."""

from __future__ import annotations

from collections.abc import Callable, Iterable


class SoloCoordination:
    """The `Coordination` of a process alone on its database."""

    @property
    def shared(self) -> bool:
        """Return False: no other process works on this database."""
        return False

    @property
    def leading(self) -> bool:
        """Return True: the only process leads."""
        return True

    async def connect(self, on_wake: Callable[[str], None], on_lost: Callable[[], None]) -> bool:
        """Do nothing: there are no other processes to hear from."""
        return False

    async def try_lead(self) -> bool:
        """Return True: the only process leads."""
        return True

    async def wake(self, names: Iterable[str]) -> None:
        """Do nothing: the process's own loops are woken directly."""

    async def close(self) -> None:
        """Do nothing."""
