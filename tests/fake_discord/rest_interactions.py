"""Interaction callbacks and the application's webhook: followups and @original (no bot auth, gotcha 2)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import DiscordError, json_response
from .events import announce, interaction_fields
from .models import EPHEMERAL_FLAG, LOADING_FLAG, FakeInteraction, StoredMessage
from .multipart import read_body
from .rest_bot import ID, snowflake

if TYPE_CHECKING:
    from .messages import Files
    from .server import FakeDiscord

MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL = 4, 5, 6, 7, 9
CALLBACK_TYPES = {1, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, 8, MODAL, 10, 12}
TRUE_VALUES = ("true", "1")


def wants(request: web.Request, flag: str) -> bool:
    """Return whether a boolean query parameter is set."""
    return request.query.get(flag, "").lower() in TRUE_VALUES


def callback_body(interaction: FakeInteraction, kind: int, message: StoredMessage | None) -> dict[str, Any]:
    """Build the with_response=true answer discord.py reads."""
    summary: dict[str, Any] = {"id": str(interaction.id), "type": interaction.payload["type"]}
    resource: dict[str, Any] = {"type": kind}
    if message is not None:
        summary.update(
            response_message_id=str(message.id),
            response_message_loading=kind == DEFERRED_MESSAGE,
            response_message_ephemeral=message.ephemeral,
        )
        resource["message"] = message.payload
    return {"interaction": summary, "resource": resource}


class InteractionRoutes:
    """Handlers for interaction callbacks and the interaction webhook."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        """Add the routes under `prefix`."""
        router.add_post(f"{prefix}/interactions/{ID % 'interaction_id'}/{{token}}/callback", self.callback)
        webhook = f"{prefix}/webhooks/{ID % 'application_id'}/{{token}}"
        router.add_post(webhook, self.followup)
        message = webhook + "/messages/{message_id:[0-9]+|@original}"
        router.add_get(message, self.get_message)
        router.add_patch(message, self.edit_message)
        router.add_delete(message, self.delete_message)

    async def callback(self, request: web.Request) -> web.Response:
        """POST the interaction response (4 message, 5 deferred, 6/7 component, 9 modal), once, within the deadline."""
        interaction = self._callback_target(request)
        body, files = await read_body(request)
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in CALLBACK_TYPES:
            raise DiscordError(400, 50035)
        message = await self._respond(interaction, kind, data, files)
        interaction.acknowledged_at = time.monotonic()
        interaction.callback_type, interaction.callback_data = kind, data
        interaction.ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL_FLAG)
        self.fake.changes.notify()
        if wants(request, "with_response"):
            return json_response(callback_body(interaction, kind, message))
        return web.Response(status=204)

    async def followup(self, request: web.Request) -> web.Response:
        """POST a followup; after a deferral the first one fills the loading @original, as Discord does."""
        interaction = self._webhook_target(request)
        body, files = await read_body(request)
        loading = interaction.original_message
        if loading is not None and loading.payload["flags"] & LOADING_FLAG and not interaction.followup_messages:
            self.fake.store.edit(loading, body, files, interaction.size_limit)
            message, event = loading, "MESSAGE_UPDATE"
        else:
            fields = interaction_fields(self.fake.world, interaction)
            message = self.fake.store.create(interaction.channel.id, body, files, interaction.size_limit, fields)
            event = "MESSAGE_CREATE"
        interaction.followup_messages.append(message)
        self.fake.changes.notify()
        await announce(self.fake.gateway, self.fake.world, event, message)
        return json_response(message.payload) if wants(request, "wait") else web.Response(status=204)

    async def get_message(self, request: web.Request) -> web.Response:
        """GET @original or a followup."""
        return json_response(self._webhook_message(request)[1].payload)

    async def edit_message(self, request: web.Request) -> web.Response:
        """PATCH @original or a followup (multipart allowed)."""
        interaction, message = self._webhook_message(request)
        body, files = await read_body(request)
        self.fake.store.edit(message, body, files, interaction.size_limit)
        await announce(self.fake.gateway, self.fake.world, "MESSAGE_UPDATE", message)
        return json_response(message.payload)

    async def delete_message(self, request: web.Request) -> web.Response:
        """DELETE @original or a followup."""
        interaction, message = self._webhook_message(request)
        if interaction.original_message is message:
            interaction.original_message = None
        if message in interaction.followup_messages:
            interaction.followup_messages.remove(message)
        self.fake.store.delete(message)
        await announce(self.fake.gateway, self.fake.world, "MESSAGE_DELETE", message)
        return web.Response(status=204)

    async def _respond(
        self, interaction: FakeInteraction, kind: int, data: dict[str, Any], files: Files
    ) -> StoredMessage | None:
        fake, limit = self.fake, interaction.size_limit
        if kind == MESSAGE:
            body = data
        elif kind == DEFERRED_MESSAGE:
            body = {"flags": LOADING_FLAG | (int(data.get("flags") or 0) & EPHEMERAL_FLAG)}
        else:
            return None
        fields = interaction_fields(fake.world, interaction)
        message = fake.store.create(interaction.channel.id, body, files, limit, fields)
        interaction.original_message = message
        await announce(fake.gateway, fake.world, "MESSAGE_CREATE", message)
        return message

    def _callback_target(self, request: web.Request) -> FakeInteraction:
        interaction = self.fake.interactions.get(snowflake(request, "interaction_id"))
        if interaction is None or interaction.token != request.match_info["token"]:
            raise DiscordError(404, 10062)
        if interaction.callback_type is not None:
            raise DiscordError(400, 40060)
        if time.monotonic() - interaction.created_at > self.fake.ack_deadline:
            raise DiscordError(404, 10062)  # the 3-second deadline passed: the token is dead
        return interaction

    def _webhook_target(self, request: web.Request) -> FakeInteraction:
        if snowflake(request, "application_id") != self.fake.application_id:
            raise DiscordError(404, 10015)
        token = request.match_info["token"]
        interaction = next((i for i in self.fake.interactions.values() if i.token == token), None)
        if interaction is None or time.monotonic() - interaction.created_at > self.fake.token_lifetime:
            raise DiscordError(401, 50027)
        if interaction.callback_type is None:
            raise DiscordError(404, 10015)
        return interaction

    def _webhook_message(self, request: web.Request) -> tuple[FakeInteraction, StoredMessage]:
        interaction = self._webhook_target(request)
        wanted = request.match_info["message_id"]
        candidates = [interaction.original_message, *interaction.followup_messages]
        if wanted == "@original":
            message = interaction.original_message
        else:
            message = next((m for m in candidates if m is not None and m.id == int(wanted)), None)
        if message is None:
            raise DiscordError(404, 10008)
        return interaction, message
