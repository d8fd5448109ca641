"""REST routes about the bot itself: users, the application, commands, guilds and members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .builders import channel_payload, guild_payload, member_payload, user_payload
from .errors import DiscordError, json_response
from .multipart import load_json

if TYPE_CHECKING:
    from .server import FakeDiscord

ID = r"{%s:\d+}"


def snowflake(request: web.Request, name: str) -> int:
    """Return a numeric path parameter."""
    return int(request.match_info[name])


class BotRoutes:
    """Handlers for the bot's identity, its commands and the guilds it is in."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        """Add the routes under `prefix`."""
        app, guild = ID % "application_id", ID % "guild_id"
        router.add_get(f"{prefix}/users/@me", self.me)
        router.add_get(f"{prefix}/users/{ID % 'user_id'}", self.user)
        router.add_get(f"{prefix}/oauth2/applications/@me", self.application)
        for path in (f"{prefix}/applications/{app}/commands", f"{prefix}/applications/{app}/guilds/{guild}/commands"):
            router.add_get(path, self.list_commands)
            router.add_put(path, self.put_commands)
        router.add_get(f"{prefix}/guilds/{guild}", self.guild)
        router.add_get(f"{prefix}/guilds/{guild}/channels", self.guild_channels)
        router.add_get(f"{prefix}/guilds/{guild}/members/{ID % 'user_id'}", self.member)
        router.add_delete(f"{prefix}/users/@me/guilds/{guild}", self.leave_guild)
        router.add_get(f"{prefix}/gateway", self.gateway)
        router.add_get(f"{prefix}/gateway/bot", self.gateway_bot)

    async def me(self, request: web.Request) -> web.Response:
        """GET /users/@me: the bot user."""
        return json_response({**user_payload(self.fake.bot), "verified": True, "mfa_enabled": False})

    async def gateway(self, request: web.Request) -> web.Response:
        """GET /gateway: where to connect (no authentication needed)."""
        return json_response({"url": self.fake.gateway_url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        """GET /gateway/bot: the URL, the recommended number of shards and the session start limit."""
        return json_response(self.fake.gateway_bot())

    async def user(self, request: web.Request) -> web.Response:
        """GET /users/{id}."""
        return json_response(user_payload(self.fake.world.user(snowflake(request, "user_id"))))

    async def application(self, request: web.Request) -> web.Response:
        """GET /oauth2/applications/@me."""
        return json_response(self.fake.application())

    async def list_commands(self, request: web.Request) -> web.Response:
        """GET the global or a guild's commands."""
        return json_response(self.fake.command_store.listing(self._command_scope(request)))

    async def put_commands(self, request: web.Request) -> web.Response:
        """PUT (bulk overwrite) the global or a guild's commands; answer them with ids."""
        guild_id = self._command_scope(request)
        body = load_json(await request.text())
        return json_response(self.fake.command_store.overwrite(body, guild_id))

    async def leave_guild(self, request: web.Request) -> web.Response:
        """DELETE /users/@me/guilds/{id}: the bot leaves the guild (204; 10004 Unknown Guild if not in it)."""
        guild = self.fake.world.guild(snowflake(request, "guild_id"))
        del self.fake.world.guilds[guild.id]
        self.fake.left_guilds.append(guild.id)
        return web.Response(status=204)

    async def guild(self, request: web.Request) -> web.Response:
        """GET /guilds/{id}."""
        return json_response(guild_payload(self.fake.world.guild(snowflake(request, "guild_id"))))

    async def guild_channels(self, request: web.Request) -> web.Response:
        """GET /guilds/{id}/channels."""
        world = self.fake.world
        guild = world.guild(snowflake(request, "guild_id"))
        return json_response([channel_payload(world.channels[i]) for i in guild.channel_ids])

    async def member(self, request: web.Request) -> web.Response:
        """GET /guilds/{id}/members/{user}."""
        world = self.fake.world
        guild = world.guild(snowflake(request, "guild_id"))
        user_id = snowflake(request, "user_id")
        if user_id not in guild.member_ids:
            raise DiscordError(404, 10007)
        return json_response(member_payload(world.users[user_id]))

    def _command_scope(self, request: web.Request) -> int | None:
        if snowflake(request, "application_id") != self.fake.application_id:
            raise DiscordError(404, 10002)
        if "guild_id" not in request.match_info:
            return None
        return self.fake.world.guild(snowflake(request, "guild_id")).id
