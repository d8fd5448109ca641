"""The bot's web server: provider callbacks, `/healthz` and `/metrics`."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.engine import Engine
from bot.health import Health
from bot.metrics import Metrics

log = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 1024 * 1024
CALLBACK_ROUTE = "/callbacks/kling/{task_id}/{token}"


def build_web_app(engine: Engine, *, health: Health | None = None, metrics: Metrics | None = None) -> web.Application:
    """Return the aiohttp application with every route."""
    app = web.Application(client_max_size=MAX_CALLBACK_BYTES)

    async def callback(request: web.Request) -> web.Response:
        status = await engine.handle_callback(
            request.match_info["task_id"], request.match_info["token"], await request.read(), request.headers
        )
        return web.Response(status=status, text="ok" if status == 200 else "rejected")

    async def healthz(request: web.Request) -> web.Response:
        assert health is not None  # noqa: S101 - only routed when given
        status, body = await health.report()
        return web.json_response(body, status=status)

    async def metrics_page(request: web.Request) -> web.Response:
        assert metrics is not None  # noqa: S101 - only routed when given
        metrics.refresh(await engine.task_counts())
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_post(CALLBACK_ROUTE, callback)
    if health is not None:
        app.router.add_get("/healthz", healthz)
    if metrics is not None:
        app.router.add_get("/metrics", metrics_page)
    return app


class WebServer:
    """Serves the web app on a host and port until stopped."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None)
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
