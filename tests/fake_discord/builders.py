"""JSON shapes of users, members, roles, channels, guilds, the application and READY."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .models import DM_CHANNEL, FakeChannel, FakeGuild, FakeUser

API_VERSION = 10
APPLICATION_FLAGS = 1 << 23  # APPLICATION_COMMAND_BADGE; no privileged intents


def now_iso() -> str:
    """Return the current time as Discord's ISO 8601 timestamp."""
    return datetime.now(UTC).isoformat()


def user_payload(user: FakeUser) -> dict[str, Any]:
    """Build a user object."""
    return {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": None if user.bot else user.username.title(),
        "avatar": None,
        "bot": user.bot,
        "public_flags": 0,
        "flags": 0,
    }


def member_payload(user: FakeUser, permissions: int | None = None) -> dict[str, Any]:
    """Build a guild member object (with `permissions` as in interactions)."""
    member: dict[str, Any] = {
        "user": user_payload(user),
        "nick": None,
        "avatar": None,
        "roles": [],
        "joined_at": now_iso(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        member["permissions"] = str(permissions)
    return member


def everyone_role(guild: FakeGuild) -> dict[str, Any]:
    """Build the @everyone role, whose id is the guild id."""
    return {
        "id": str(guild.id),
        "name": "@everyone",
        "permissions": str(guild.everyone_permissions),
        "position": 0,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def channel_payload(channel: FakeChannel, recipient: FakeUser | None = None) -> dict[str, Any]:
    """Build a guild text channel, or a DM channel with its recipient."""
    if channel.type == DM_CHANNEL:
        recipients = [user_payload(recipient)] if recipient is not None else []
        return {"id": str(channel.id), "type": DM_CHANNEL, "last_message_id": None, "recipients": recipients}
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [],
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": None,
    }


def guild_payload(guild: FakeGuild) -> dict[str, Any]:
    """Build a guild object as REST returns it."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "features": list(guild.features),
        "premium_tier": guild.premium_tier,
        "premium_subscription_count": (0, 2, 7, 14)[min(guild.premium_tier, 3)],
        "roles": [everyone_role(guild)],
        "emojis": [],
        "stickers": [],
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "system_channel_id": str(guild.channel_ids[0]) if guild.channel_ids else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "preferred_locale": "en-US",
        "premium_progress_bar_enabled": False,
        "vanity_url_code": None,
        "max_members": 500000,
    }


def guild_create_payload(guild: FakeGuild, channels: list[FakeChannel], members: list[FakeUser]) -> dict[str, Any]:
    """Build a GUILD_CREATE event: the guild plus channels, members and the gateway-only lists."""
    return {
        **guild_payload(guild),
        "unavailable": False,
        "large": False,
        "lazy": True,
        "joined_at": now_iso(),
        "member_count": len(members),
        "members": [member_payload(user) for user in members],
        "channels": [channel_payload(channel) for channel in channels],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def application_payload(application_id: int, bot: FakeUser, owner: FakeUser) -> dict[str, Any]:
    """Build the application object of GET /oauth2/applications/@me."""
    return {
        "id": str(application_id),
        "name": bot.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": APPLICATION_FLAGS,
        "owner": user_payload(owner),
        "team": None,
        "bot": user_payload(bot),
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "approximate_guild_count": 1,
    }


def ready_payload(
    bot: FakeUser, application_id: int, guilds: list[FakeGuild], session_id: str, resume_url: str
) -> dict[str, Any]:
    """Build the READY event: every guild unavailable until its GUILD_CREATE."""
    return {
        "v": API_VERSION,
        "user": {**user_payload(bot), "verified": True, "mfa_enabled": False, "email": None},
        "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_url,
        "application": {"id": str(application_id), "flags": APPLICATION_FLAGS},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "user_settings": {},
        "geo_ordered_rtc_regions": ["local"],
        "guild_join_requests": [],
    }
