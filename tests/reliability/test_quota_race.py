"""The 50-way quota race, end to end: one member fires 50 commands at once with room for 3."""

from __future__ import annotations

import asyncio

import pytest

from tests.reliability.conftest import StageFactory

pytestmark = pytest.mark.reliability


@pytest.mark.timeout(120)
async def test_fifty_commands_at_once_three_accepted(stage: StageFactory) -> None:
    """Exactly 3 are queued; 47 are told why (and that a task must finish first); 3 are created at Kling."""
    s = await stage(users=1, env={"QUOTA_USER_MAX_ACTIVE": "3"}, kling_options={"finish_after": 30.0})
    answers = await asyncio.gather(*(s.ask(s.users[0], f"boat {i}") for i in range(50)))
    queued = [a for a in answers if a.startswith("Queued as")]
    refused = [a for a in answers if "3 task(s) in progress (limit 3)" in a]
    assert (len(queued), len(refused)) == (3, 47)
    for _ in range(50):
        if len(s.kling.creates_by_external_id) == 3:
            break
        await asyncio.sleep(0.1)
    assert len(s.kling.creates_by_external_id) == 3
