"""The bot's web server: provider callbacks, and the operator's `/healthz` and `/metrics`.

Every route has a time limit and a body cap. The operator's routes can move to their own address
(`WEB_OPS_PORT`, e.g. only on 127.0.0.1) and can require a bearer token (`WEB_OPS_TOKEN`).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import SecretStr

from bot.engine import Engine
from bot.health import Health
from bot.metrics import Metrics

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # a callback is a few KB; nothing else takes a body
HANDLER_TIMEOUT = 10.0  # seconds any request may take, body included
CALLBACK_ROUTE = "/callbacks/kling/{task_id}/{token}"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def time_limit(seconds: float) -> Middleware:
    """Return a middleware answering 503 when a request (a slow body, a stuck check) takes longer."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            async with asyncio.timeout(seconds):
                return await handler(request)
        except TimeoutError:
            log.warning("%s %s took over %.1f s; answered 503", request.method, request.path, seconds)
            return web.Response(status=503, text="timed out")

    return middleware


def new_app(*, handler_timeout: float = HANDLER_TIMEOUT) -> web.Application:
    """Return an empty application with the time limit and the body cap."""
    return web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[time_limit(handler_timeout)])


def add_callback_route(app: web.Application, engine: Engine) -> None:
    """Route provider callbacks to the engine."""

    async def callback(request: web.Request) -> web.Response:
        status = await engine.handle_callback(
            request.match_info["task_id"], request.match_info["token"], await request.read(), request.headers
        )
        return web.Response(status=status, text="ok" if status == 200 else "rejected")

    app.router.add_post(CALLBACK_ROUTE, callback)


def add_ops_routes(
    app: web.Application, engine: Engine, *, health: Health, metrics: Metrics, token: SecretStr | None = None
) -> None:
    """Route `/healthz` and `/metrics`, behind a bearer token when one is set."""

    def allowed(request: web.Request) -> bool:
        if token is None:
            return True
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").encode()
        return hmac.compare_digest(given, token.get_secret_value().encode())

    async def healthz(request: web.Request) -> web.Response:
        if not allowed(request):
            return web.Response(status=401, text="a bearer token is required")
        status, body = await health.report()
        return web.json_response(body, status=status)

    async def metrics_page(request: web.Request) -> web.Response:
        if not allowed(request):
            return web.Response(status=401, text="a bearer token is required")
        metrics.refresh(await engine.task_counts())
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)


def build_web_app(engine: Engine, *, health: Health | None = None, metrics: Metrics | None = None) -> web.Application:
    """Return one application with the callback route and, when given, the operator's routes (no token)."""
    app = new_app()
    add_callback_route(app, engine)
    if health is not None and metrics is not None:
        add_ops_routes(app, engine, health=health, metrics=metrics)
    return app


class WebServer:
    """Serves the web app on a host and port until stopped."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, keepalive_timeout=30)
        self._host, self._port = host, port
        self.port: int | None = None

    async def start(self) -> None:
        """Bind and start serving; `port` tells which port was bound (useful with port 0)."""
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        self.port = self._runner.addresses[0][1]
        log.info("Web server listening on %s:%s", self._host, self.port)

    async def stop(self) -> None:
        """Stop serving."""
        await self._runner.cleanup()
