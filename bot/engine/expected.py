"""How long a task will take at the provider: learned from recent completions per model, mode and duration.

Seeded from the provider's own figure (the catalogue's) until a few completions of that kind are seen; the
provider's timestamps are used, not when we noticed, so a lost callback can't teach it to wait longer.
"""

from __future__ import annotations

import statistics
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import Any

from bot.vocabulary import TaskKind

SAMPLES = 20  # recent completions remembered per key
MIN_SAMPLES = 3  # before this many, the seed is used
Key = tuple[str, str, str, str]
Seed = Callable[[TaskKind, dict[str, Any]], float]


def key_of(kind: TaskKind, params: dict[str, Any]) -> Key:
    """Return what generation time depends on: kind, model, mode and duration."""
    return (
        kind.value,
        str(params.get("model") or ""),
        str(params.get("mode") or ""),
        str(params.get("duration") or ""),
    )


class ExpectedTimes:
    """The median of recent generation times per key, or the seed while there are too few."""

    def __init__(self, seed: Seed) -> None:
        self._seed = seed
        self._samples: defaultdict[Key, deque[float]] = defaultdict(lambda: deque(maxlen=SAMPLES))

    def learn(self, kind: TaskKind, params: dict[str, Any], seconds: float) -> None:
        """Remember that a task like this took `seconds` at the provider."""
        if seconds > 0:
            self._samples[key_of(kind, params)].append(seconds)

    def learn_all(self, completions: Iterable[tuple[TaskKind, dict[str, Any], float]]) -> None:
        """Remember many completions, oldest first (at start, from the database)."""
        for kind, params, seconds in completions:
            self.learn(kind, params, seconds)

    def seconds(self, kind: TaskKind, params: dict[str, Any]) -> float:
        """Return how long a task like this is expected to take."""
        samples = self._samples.get(key_of(kind, params))
        if samples is None or len(samples) < MIN_SAMPLES:
            return self._seed(kind, params)
        return statistics.median(samples)
