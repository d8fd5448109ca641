"""Message fields that depend on who sent it, and the MESSAGE_* gateway events the bot receives."""

from __future__ import annotations

from typing import Any

from .builders import member_payload, user_payload
from .gateway import Gateway
from .models import FakeChannel, FakeInteraction, StoredMessage
from .world import World

GUILD_MESSAGES_INTENT, DIRECT_MESSAGES_INTENT = 9, 12
CHAT_INPUT_COMMAND_MESSAGE = 20


def bot_fields(world: World, channel: FakeChannel) -> dict[str, Any]:
    """Return author and guild_id of a message the bot posts in `channel`."""
    fields: dict[str, Any] = {"author": user_payload(world.bot)}
    if channel.guild_id is not None:
        fields["guild_id"] = str(channel.guild_id)
    return fields


def interaction_fields(world: World, interaction: FakeInteraction) -> dict[str, Any]:
    """Return the fields of a response or followup: sent by the application's webhook."""
    application_id = interaction.payload["application_id"]
    metadata = {
        "id": str(interaction.id),
        "type": interaction.payload["type"],
        "user": user_payload(interaction.user),
        "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
        "name": interaction.payload.get("data", {}).get("name", ""),
        "command_type": 1,
    }
    return {
        **bot_fields(world, interaction.channel),
        "type": CHAT_INPUT_COMMAND_MESSAGE,
        "webhook_id": application_id,
        "application_id": application_id,
        "interaction_metadata": metadata,
    }


async def announce(gateway: Gateway, world: World, event: str, message: StoredMessage) -> None:
    """Dispatch MESSAGE_CREATE/UPDATE/DELETE if the bot's intents ask for it; ephemeral messages never are."""
    payload = message.payload
    guild_id = payload.get("guild_id")
    intent = GUILD_MESSAGES_INTENT if guild_id else DIRECT_MESSAGES_INTENT
    # Only the shard carrying the guild hears of it (none connected: nobody does).
    if message.ephemeral or not gateway.intends(intent, int(guild_id) if guild_id else None):
        return
    if event == "MESSAGE_DELETE":
        data = {key: payload[key] for key in ("id", "channel_id", "guild_id") if key in payload}
    elif guild_id:
        member = member_payload(world.bot)
        del member["user"]
        data = {**payload, "member": member}
    else:
        data = payload
    await gateway.dispatch(event, data)
