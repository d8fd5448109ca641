"""The bot's web server: provider callbacks (health and metrics join it later)."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.engine.engine import Engine

log = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 1024 * 1024
CALLBACK_ROUTE = "/callbacks/kling/{task_id}/{token}"


def build_web_app(engine: Engine) -> web.Application:
    """Return the aiohttp application with every route."""
    app = web.Application(client_max_size=MAX_CALLBACK_BYTES)

    async def callback(request: web.Request) -> web.Response:
        status = await engine.handle_callback(
            request.match_info["task_id"], request.match_info["token"], await request.read(), request.headers
        )
        return web.Response(status=status, text="ok" if status == 200 else "rejected")

    app.router.add_post(CALLBACK_ROUTE, callback)
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
