"""FakeDiscord: a loopback Discord (REST under /api/v10 and the gateway websocket) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

from aiohttp import web

from .builders import application_payload, ready_payload
from .commands import CommandStore
from .errors import DiscordError, ErrorInjector, HeldRoutes
from .gateway import Gateway, shard_of
from .messages import MessageStore
from .models import FakeChannel, FakeGuild, FakeInteraction, FakeUser, Snowflakes
from .rest_app import build_app
from .slash import command_data, interaction_payload
from .waiting import Changes
from .world import World

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
HEARTBEAT_INTERVAL_MS = 41250
SHUTDOWN_TIMEOUT = 0.5
Channelish = FakeChannel | int


class FakeDiscord:
    """A fake Discord for transport-level tests of an unmodified discord.py client."""

    def __init__(
        self,
        token: str = "fake-bot-token",  # noqa: S107 - a test credential
        application_id: int | None = None,
        bot_user_id: int | None = None,
        bot_name: str = "kling-bot",
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
        ack_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        recommended_shards: int = 1,
    ) -> None:
        self.token = token
        self.recommended_shards = recommended_shards  # what GET /gateway/bot recommends
        self.ids = Snowflakes()
        self.application_id = application_id or self.ids.next()
        self.bot = FakeUser(bot_user_id or self.application_id, bot_name, bot=True)
        self.ack_deadline = ack_deadline
        self.token_lifetime = token_lifetime
        self.changes = Changes()
        self.world = World(self.ids, self.bot, FakeUser(self.ids.next(), "app-owner"))
        self.store = MessageStore(self.ids, self.changes, lambda: self.base_url)
        self.command_store = CommandStore(self.ids, self.application_id, self.changes)
        self.gateway = Gateway(token, heartbeat_interval_ms, self.changes, self._identify_events)
        self.injector = ErrorInjector()
        self.held = HeldRoutes()
        self.left_guilds: list[int] = []
        self.requests: list[tuple[str, str]] = []
        self.interactions: dict[int, FakeInteraction] = {}
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        """Bind 127.0.0.1 on a free port and start serving."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord is already started")
        runner = web.AppRunner(build_app(self), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self._base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        log.debug("fake Discord listening on %s", self._base_url)
        return self

    async def close(self) -> None:
        """Close the gateway socket and stop serving."""
        if self._runner is None:
            return
        await self.gateway.close()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- addresses ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Return "http://127.0.0.1:PORT"."""
        if self._base_url is None:
            raise RuntimeError("FakeDiscord.start() was not awaited")
        return self._base_url

    @property
    def api_base(self) -> str:
        """Return the value for discord.http.Route.BASE."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """Return the value for DiscordWebSocket.DEFAULT_GATEWAY (also READY's resume_gateway_url)."""
        return self.base_url.replace("http://", "ws://", 1) + GATEWAY_PATH

    def env(self) -> dict[str, str]:
        """Return the environment variables the sitecustomize.py shim reads."""
        return {"FAKE_DISCORD_API": self.api_base, "FAKE_DISCORD_GATEWAY": self.gateway_url}

    # -- the world ---------------------------------------------------------------

    def add_guild(
        self,
        name: str = "Test",
        premium_tier: int = 0,
        features: list[str] | None = None,
        permissions: int | None = None,
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """Create a guild the bot is in (add guilds before the bot connects; GUILD_CREATE is sent at IDENTIFY).

        `shard` (shard id, shard count) picks an id whose events that shard carries.
        """
        return self.world.add_guild(name, premium_tier, features, permissions, shard)

    def add_text_channel(self, guild: FakeGuild, name: str = "general") -> FakeChannel:
        """Create a text channel."""
        return self.world.add_text_channel(guild, name)

    def add_member(self, guild: FakeGuild, username: str = "alice") -> FakeUser:
        """Create a member of `guild`."""
        return self.world.add_member(guild, username)

    def dm_channel(self, user: FakeUser) -> FakeChannel | None:
        """Return the DM channel the bot opened with `user`, if any."""
        return self.world.dm_channel(user)

    def open_dm(self, user: FakeUser) -> FakeChannel:
        """Return the DM channel between the bot and `user`, opening it (to invoke commands in a DM)."""
        return self.world.open_dm(user)

    def add_attachment(self, filename: str, data: bytes, content_type: str | None = None) -> dict[str, Any]:
        """Upload a file as a user would for an attachment option; its url is served by the fake."""
        attachment = self.store.add_blob(self.application_id, filename, data, {"ephemeral": True})
        if content_type is not None:
            attachment["content_type"] = content_type
        return attachment

    # -- what tests read -----------------------------------------------------------

    @property
    def commands(self) -> list[dict[str, Any]]:
        """Return every synced command (global, then guild ones with guild_id)."""
        return self.command_store.all()

    @property
    def identifies(self) -> int:
        """Return how many times the bot sent IDENTIFY."""
        return self.gateway.identifies

    @property
    def resumes(self) -> int:
        """Return how many times the bot RESUMEd successfully."""
        return self.gateway.resumes

    def messages(self, channel: Channelish) -> list[dict[str, Any]]:
        """Return the channel's visible messages, oldest first, with "attachments_data"."""
        return [m.view() for m in self.store.by_channel.get(_channel_id(channel), [])]

    async def wait_until_ready(
        self,
        timeout: float = 20.0,  # noqa: ASYNC109 - the documented test API
        shards: Iterable[int] | None = None,
    ) -> None:
        """Wait until the bot has IDENTIFY'd (or RESUMEd) and received READY and every GUILD_CREATE.

        With `shards`, until each of those shards has (a sharded bot connects them one after another).
        """
        wanted = None if shards is None else tuple(shards)

        def check() -> bool | None:
            if wanted is None:
                return True if self.gateway.ready else None
            return True if all(self.gateway.shard_ready(shard) for shard in wanted) else None

        await self.changes.wait_for(
            check, timeout, f"the bot to connect (shards {wanted})" if wanted else "the bot to connect"
        )

    async def wait_for_commands(self, timeout: float = 20.0) -> list[dict[str, Any]]:  # noqa: ASYNC109 - the documented test API
        """Wait until the bot has synced its application commands and return them."""

        def check() -> list[dict[str, Any]] | None:
            return self.commands if self.command_store.syncs else None

        return await self.changes.wait_for(check, timeout, "a command sync")

    async def wait_for_message(
        self,
        channel: Channelish,
        predicate: Callable[[dict[str, Any]], bool] = bool,
        timeout: float = 60.0,  # noqa: ASYNC109 - the documented test API
    ) -> dict[str, Any]:
        """Wait for a message in the channel satisfying `predicate` and return it."""

        def check() -> dict[str, Any] | None:
            return next((m for m in self.messages(channel) if predicate(m)), None)

        return await self.changes.wait_for(check, timeout, f"a message in channel {_channel_id(channel)}")

    # -- what tests drive ------------------------------------------------------------

    async def invoke_slash(
        self,
        user: FakeUser,
        channel: FakeChannel,
        name: str,
        subcommand: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for a synced slash command; `subcommand` is "sub" or "group sub"."""
        guild = self.world.guild_of(channel)
        command = self.command_store.find(name, guild.id if guild else None)
        if command is None:
            raise LookupError(f"/{name} was never synced by the bot; synced: {[c['name'] for c in self.commands]}")
        data = command_data(command, subcommand, options or {}, guild)
        interaction_id, token = self.ids.next(), secrets.token_urlsafe(48)
        payload = interaction_payload((interaction_id, token, self.application_id), data, user, channel, guild)
        interaction = FakeInteraction(interaction_id, token, user, channel, payload, self.changes)
        self.interactions[interaction_id] = interaction
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def dispatch(self, event: str, data: Any) -> int:
        """Send any gateway event to the bot and return its sequence number."""
        return await self.gateway.dispatch(event, data)

    def inject_rest_error(
        self,
        method: str,
        path_glob: str,
        status: int,
        code: int = 0,
        times: int = 1,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next `times` matching REST requests (path under /api/v10, `*` = one segment) with an error."""
        self.injector.add(method, path_glob, DiscordError(status, code, message, retry_after=retry_after), times)

    def hold_rest(self, method: str, path_glob: str) -> asyncio.Event:
        """Leave matching REST requests unanswered until the returned event is set."""
        return self.held.add(method, path_glob)

    def slow_rest(self, method: str, path_glob: str, seconds: float) -> None:
        """Answer matching REST requests `seconds` late, as an upload over a real link takes time."""
        self.held.add_delay(method, path_glob, seconds)

    async def disconnect_gateway(self, code: int = 4000) -> None:
        """Close the bot's websocket with a resumable code; it should RESUME."""
        await self.gateway.disconnect(code)

    # -- internals used by the gateway and routes -------------------------------------

    def _identify_events(self, session_id: str, shard_id: int, shard_count: int) -> list[tuple[str, Any]]:
        guilds = [g for g in self.world.guilds.values() if shard_of(g.id, shard_count) == shard_id]
        ready = ready_payload(self.bot, self.application_id, guilds, session_id, self.gateway_url)
        if shard_count > 1:
            ready["shard"] = [shard_id, shard_count]
        return [("READY", ready), *(("GUILD_CREATE", self.world.guild_create(g)) for g in guilds)]

    def gateway_bot(self) -> dict[str, Any]:
        """Return GET /gateway/bot: the URL, the recommended shard count and the session start limit."""
        limit = {"total": 1000, "remaining": 1000 - self.gateway.identifies, "reset_after": 86_400_000}
        return {"url": self.gateway_url, "shards": self.recommended_shards,
                "session_start_limit": {**limit, "max_concurrency": 1}}  # fmt: skip

    def application(self) -> dict[str, Any]:
        """Return the application object."""
        return application_payload(self.application_id, self.bot, self.world.owner)


def _channel_id(channel: Channelish) -> int:
    return channel if isinstance(channel, int) else channel.id
