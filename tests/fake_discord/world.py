"""The fake's world: users, guilds, text channels and DM channels."""

from __future__ import annotations

from typing import Any

from .builders import guild_create_payload
from .errors import DiscordError
from .models import DEFAULT_PERMISSIONS, DM_CHANNEL, UPLOAD_LIMITS, FakeChannel, FakeGuild, FakeUser, Snowflakes


class World:
    """Everything that exists on the fake Discord besides messages and commands."""

    def __init__(self, ids: Snowflakes, bot: FakeUser, owner: FakeUser) -> None:
        self.ids = ids
        self.bot = bot
        self.owner = owner
        self.users: dict[int, FakeUser] = {bot.id: bot, owner.id: owner}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}

    def add_guild(
        self,
        name: str,
        premium_tier: int = 0,
        features: list[str] | None = None,
        permissions: int | None = None,
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """Create a guild the bot (and the application owner) belongs to; `shard` (id, count) picks its shard."""
        guild = FakeGuild(
            id=self.ids.next() if shard is None else self.ids.next_on_shard(*shard),
            name=name,
            premium_tier=premium_tier,
            owner_id=self.owner.id,
            everyone_permissions=DEFAULT_PERMISSIONS if permissions is None else permissions,
            features=list(features or []),
            member_ids=[self.bot.id, self.owner.id],
        )
        self.guilds[guild.id] = guild
        return guild

    def add_text_channel(self, guild: FakeGuild, name: str) -> FakeChannel:
        """Create a text channel in `guild`."""
        channel = FakeChannel(self.ids.next(), name, guild_id=guild.id, position=len(guild.channel_ids))
        self.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        return channel

    def add_member(self, guild: FakeGuild, username: str) -> FakeUser:
        """Create a user who is a member of `guild`."""
        user = FakeUser(self.ids.next(), username)
        self.users[user.id] = user
        guild.member_ids.append(user.id)
        return user

    def dm_channel(self, user: FakeUser) -> FakeChannel | None:
        """Return the bot's DM channel with `user`, if open."""
        return next((c for c in self.channels.values() if c.recipient_id == user.id), None)

    def open_dm(self, user: FakeUser) -> FakeChannel:
        """Return the bot's DM channel with `user`, opening it if needed."""
        channel = self.dm_channel(user)
        if channel is None:
            channel = FakeChannel(self.ids.next(), "", type=DM_CHANNEL, recipient_id=user.id)
            self.channels[channel.id] = channel
        return channel

    def channel(self, channel_id: int) -> FakeChannel:
        """Return a channel or raise Unknown Channel."""
        if channel_id not in self.channels:
            raise DiscordError(404, 10003)
        return self.channels[channel_id]

    def guild(self, guild_id: int) -> FakeGuild:
        """Return a guild or raise Unknown Guild."""
        if guild_id not in self.guilds:
            raise DiscordError(404, 10004)
        return self.guilds[guild_id]

    def user(self, user_id: int) -> FakeUser:
        """Return a user or raise Unknown User."""
        if user_id not in self.users:
            raise DiscordError(404, 10013)
        return self.users[user_id]

    def guild_of(self, channel: FakeChannel) -> FakeGuild | None:
        """Return the channel's guild, or None for a DM."""
        return None if channel.guild_id is None else self.guilds[channel.guild_id]

    def upload_limit(self, channel: FakeChannel) -> int:
        """Return the per-file upload limit in `channel`."""
        guild = self.guild_of(channel)
        return guild.upload_limit if guild else UPLOAD_LIMITS[0]

    def guild_create(self, guild: FakeGuild) -> dict[str, Any]:
        """Build the guild's GUILD_CREATE payload."""
        channels = [self.channels[i] for i in guild.channel_ids]
        return guild_create_payload(guild, channels, [self.users[i] for i in guild.member_ids])
