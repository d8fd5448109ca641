"""Shared bits: percentiles, an event-loop lag probe, and the figure table."""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from dataclasses import dataclass, field


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which `fraction` of `values` fall (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    """Return the median (nan when empty)."""
    return statistics.median(values) if values else float("nan")


@dataclass
class Figure:
    """One measured figure beside its goal."""

    name: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None
    note: str = ""

    def line(self) -> str:
        """Render as one table row."""
        verdict = {True: "met", False: "MISSED", None: ""}[self.met]
        return f"| {self.name} | {self.value:.4g} {self.unit} | {self.goal} | {verdict} | {self.note} |"


@dataclass
class LagProbe:
    """Measures how late a 10 ms sleep wakes up: the event loop's responsiveness under load."""

    interval: float = 0.01
    lags: list[float] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(max(time.perf_counter() - started - self.interval, 0.0))

    def start(self) -> None:
        """Begin sampling."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def print_table(title: str, figures: list[Figure]) -> bool:
    """Print a markdown table of figures; return False if any could not be measured (nan: nothing to measure)."""
    print(f"\n### {title}\n")
    print("| figure | measured | goal | | note |")
    print("|---|---|---|---|---|")
    for figure in figures:
        print(figure.line())
    return not any(math.isnan(figure.value) for figure in figures)
