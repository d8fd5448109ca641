"""The time left, in words: rough on purpose, never a false precision, never negative."""

from __future__ import annotations

import pytest

from bot.discord.eta import duration_words, time_left_words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.5, "a few seconds"),
        (5, "a few seconds"),
        (14.9, "a few seconds"),
        (15, "about 20 s"),
        (42, "about 40 s"),
        (56, "about 1 min"),
        (60, "about 1 min"),
        (100, "about 1 min 40 s"),
        (124, "about 2 min"),
        (599, "about 10 min"),
        (600, "about 10 min"),
        (1500, "about 25 min"),
        (3590, "about 1 h"),
        (3700, "about 1 h 2 min"),
        (7200, "about 2 h"),
    ],
)
def test_duration_words(seconds: float, words: str) -> None:
    """Seconds under 15 are "a few"; to the nearest 10 s up to 10 min; then to the minute, in hours past one."""
    assert duration_words(seconds) == words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(5, "a few seconds left"), (100, "about 1 min 40 s left"), (0, "any moment now"), (-30, "any moment now")],
)
def test_time_left_words(seconds: float, words: str) -> None:
    """What is left reads "… left"; an overdue estimate says "any moment now", never a negative time."""
    assert time_left_words(seconds) == words
