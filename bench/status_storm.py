"""Results while Discord rate-limits every status edit: `python -m bot` against the loopback fakes, 20 tasks
in one channel, each PATCH of a status message answered 429 (retry after 1 s). The results must not wait.
"""

from __future__ import annotations

from typing import Any

from bench.common import Figure, median, percentile
from bench.live import callback_to_post
from tests.fake_discord import FakeDiscord

GOAL = 2.0  # seconds from the provider's finish (its final callback) to the result in the channel


def rate_limit_status_edits(discord: FakeDiscord, channel: Any) -> None:
    """Answer every edit of a message in `channel` with 429, retry after 1 s."""
    discord.inject_rest_error("PATCH", f"/channels/{channel.id}/messages/*", 429, times=10**6, retry_after=1.0)


async def measure(tasks: int) -> list[Figure]:
    """Return finish -> posted p50 and p99 under the 429 storm."""
    delays = await callback_to_post(tasks, 1, spread=0.0, prepare=rate_limit_status_edits)
    p50, p99 = median(delays), percentile(delays, 0.99)
    return [
        Figure(f"finish -> posted, {tasks} tasks in one channel, every status edit 429 (1 s), p50", p50, "s",
               f"< {GOAL:.0f} s", p50 < GOAL, f"{len(delays)} of {tasks} posted"),
        Figure("… p99", p99, "s", f"< {GOAL:.0f} s", p99 < GOAL, "status edits wait; results don't"),
    ]  # fmt: skip
