"""REST routes for channels: messages (create, edit, fetch, delete, history), channel info and DMs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .builders import channel_payload
from .errors import DiscordError, json_response
from .events import announce, bot_fields
from .models import FakeChannel, StoredMessage
from .multipart import parse_json, read_body
from .rest_bot import ID, snowflake

if TYPE_CHECKING:
    from .server import FakeDiscord


class MessageRoutes:
    """Handlers for channels and the messages the bot posts in them."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        """Add the routes under `prefix`."""
        channel = f"{prefix}/channels/{ID % 'channel_id'}"
        message = f"{channel}/messages/{ID % 'message_id'}"
        router.add_get(channel, self.get_channel)
        router.add_get(f"{channel}/messages", self.history)
        router.add_post(f"{channel}/messages", self.create)
        router.add_get(message, self.get_message)
        router.add_patch(message, self.edit)
        router.add_delete(message, self.delete)
        router.add_post(f"{prefix}/users/@me/channels", self.open_dm)

    async def get_channel(self, request: web.Request) -> web.Response:
        """GET /channels/{id}."""
        channel = self._channel(request)
        recipient = self.fake.world.users.get(channel.recipient_id or 0)
        return json_response(channel_payload(channel, recipient))

    async def history(self, request: web.Request) -> web.Response:
        """GET /channels/{id}/messages with limit, before and after."""
        channel = self._channel(request)
        try:
            return json_response(self.fake.store.history(channel.id, dict(request.query)))
        except ValueError:
            raise DiscordError(400, 50035) from None

    async def create(self, request: web.Request) -> web.Response:
        """POST /channels/{id}/messages, JSON or multipart; a repeated enforced nonce returns the first message."""
        fake = self.fake
        channel = self._channel(request)
        body, files = await read_body(request)
        if (earlier := fake.store.by_nonce(channel.id, body)) is not None:
            return json_response(earlier.payload)
        limit = fake.world.upload_limit(channel)
        message = fake.store.create(channel.id, body, files, limit, bot_fields(fake.world, channel))
        await announce(fake.gateway, fake.world, "MESSAGE_CREATE", message)
        return json_response(message.payload)

    async def get_message(self, request: web.Request) -> web.Response:
        """GET /channels/{id}/messages/{id}."""
        return json_response(self._message(request).payload)

    async def edit(self, request: web.Request) -> web.Response:
        """PATCH /channels/{id}/messages/{id}: only the bot's own messages."""
        message = self._message(request)
        if message.payload["author"]["id"] != str(self.fake.bot.id):
            raise DiscordError(403, 50005)
        body, files = await read_body(request)
        self.fake.store.edit(message, body, files, self.fake.world.upload_limit(self._channel(request)))
        await announce(self.fake.gateway, self.fake.world, "MESSAGE_UPDATE", message)
        return json_response(message.payload)

    async def delete(self, request: web.Request) -> web.Response:
        """DELETE /channels/{id}/messages/{id}."""
        message = self._message(request)
        self.fake.store.delete(message)
        await announce(self.fake.gateway, self.fake.world, "MESSAGE_DELETE", message)
        return web.Response(status=204)

    async def open_dm(self, request: web.Request) -> web.Response:
        """POST /users/@me/channels: open (or return) the DM channel with a recipient."""
        body = parse_json(await request.text())
        try:
            user = self.fake.world.user(int(body.get("recipient_id", "")))
        except ValueError:
            raise DiscordError(400, 50035) from None
        channel = self.fake.world.open_dm(user)
        return json_response(channel_payload(channel, user))

    def _channel(self, request: web.Request) -> FakeChannel:
        return self.fake.world.channel(snowflake(request, "channel_id"))

    def _message(self, request: web.Request) -> StoredMessage:
        return self.fake.store.get(self._channel(request).id, snowflake(request, "message_id"))
