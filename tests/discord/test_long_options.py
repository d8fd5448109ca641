"""Text options are bounded and every echo is cut: a refusal always reaches the member."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from simcord.backend.errors import OptionError

from tests.discord.conftest import World
from tests.discord.helpers import scene

MESSAGE_MAX = 2000


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("video text", {"prompt": "a boat", "model": "m" * 64}),
        ("kling-admin defaults", {"model": "m" * 64}),
    ],
    ids=["video-model", "admin-default-model"],
)
async def test_a_long_model_name_still_gets_a_short_answer(
    simcord_env: Any, world: World, command: str, options: dict
) -> None:
    """A 64-character model name (the option's limit): the member is told, in a message Discord accepts."""
    guild, channel, alice = scene(simcord_env)
    if command.startswith("kling-admin"):
        admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
        alice = guild.add_member(simcord_env.create_user("boss"), roles=[admins])
    result = await alice.slash(channel, command, **options)
    simcord_env.errors.clear()  # the refusal is expected; its reporting is what is checked
    text = (result.response.content if result.response else "") or ""
    assert result.ephemeral
    assert 0 < len(text) <= MESSAGE_MAX
    assert "m" * 64 not in text  # echoes are cut
    assert world.fake.create_attempts == 0


async def test_text_options_are_bounded(simcord_env: Any, world: World) -> None:
    """Discord's client enforces each text option's limit: a 2,000-character model name can't be sent."""
    _, channel, alice = scene(simcord_env)
    with pytest.raises(OptionError, match="at most 64 characters"):
        await alice.slash(channel, "video text", prompt="a boat", model="m" * 2000)
