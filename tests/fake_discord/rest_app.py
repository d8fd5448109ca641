"""The aiohttp app: request log, bot auth, injected errors, attachments, gateway and the 404 fallback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from .errors import DiscordError
from .rest_bot import BotRoutes
from .rest_interactions import InteractionRoutes
from .rest_messages import MessageRoutes

if TYPE_CHECKING:
    from .server import FakeDiscord

API_PREFIX = "/api/v10"
MAX_BODY_BYTES = 256 * 1024 * 1024  # far above any upload limit, so the 413 rule answers, not aiohttp
NO_AUTH_PREFIXES = ("/interactions/", "/webhooks/")  # interaction callbacks and followups (gotcha 2)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(fake: FakeDiscord) -> web.Application:
    """Build the web app serving `fake`."""
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[discord_middleware(fake)])
    router = app.router
    for routes in (BotRoutes(fake), MessageRoutes(fake), InteractionRoutes(fake)):
        routes.register(router, API_PREFIX)
    router.add_get("/gateway", fake.gateway.handle)
    router.add_get(r"/attachments/{scope:\d+}/{attachment_id:\d+}/{filename}", attachment_handler(fake))
    router.add_route("*", "/{tail:.*}", not_found)
    return app


def discord_middleware(fake: FakeDiscord) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Log every request, then check the bot token and injected errors on REST routes."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        is_api = request.path.startswith(API_PREFIX + "/")
        path = request.path.removeprefix(API_PREFIX) if is_api else request.path
        fake.requests.append((request.method, path))
        try:
            if is_api:
                check_auth(fake.token, request, path)
                await fake.held.wait(request.method, path)
                if (error := fake.injector.take(request.method, path)) is not None:
                    raise error
            return await handler(request)
        except DiscordError as error:
            return error.response()

    return middleware


def check_auth(token: str, request: web.Request, path: str) -> None:
    """Require "Authorization: Bot <token>" except on interaction callbacks and webhooks."""
    if path.startswith(NO_AUTH_PREFIXES) or path == "/gateway":
        return
    if request.headers.get("Authorization") != f"Bot {token}":
        raise DiscordError(401, 0, "401: Unauthorized")


def attachment_handler(fake: FakeDiscord) -> Handler:
    """Serve uploaded bytes at attachment URLs, as the CDN does."""

    async def handler(request: web.Request) -> web.StreamResponse:
        blob = fake.store.blobs.get(int(request.match_info["attachment_id"]))
        if blob is None:
            raise DiscordError(404, 0, "404: Not Found")
        return web.Response(body=blob.data, content_type=blob.content_type)

    return handler


async def not_found(request: web.Request) -> web.StreamResponse:
    """Answer any other route like Discord does."""
    raise DiscordError(404, 0, "404: Not Found")
