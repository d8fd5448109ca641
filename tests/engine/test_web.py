"""The web server: a body cap and a time limit on every route; the operator's routes on their own port or
behind a token; the container's health check follows them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from pydantic import SecretStr

from bot.app import web_servers
from bot.health import Health
from bot.healthcheck import main as healthcheck
from bot.healthcheck import url_and_headers
from bot.metrics import Metrics
from bot.settings import WebSettings
from bot.web import WebServer, add_callback_route, new_app
from tests.engine.harness import Harness

pytestmark = pytest.mark.parametrize("dialect", ["official"])


async def serve(harness: Harness, **web: Any) -> list[WebServer]:
    assert harness.engine is not None
    assert harness.storage is not None
    health = Health(harness.storage, discord.Client(intents=discord.Intents.none()), harness.client)  # type: ignore[arg-type]
    servers = web_servers(
        WebSettings(_env_file=None, host="127.0.0.1", port=0, **web), harness.engine, health, Metrics()
    )
    for server in servers:
        await server.start()
    return servers


@pytest.fixture
async def stop() -> AsyncIterator[list[WebServer]]:
    started: list[WebServer] = []
    yield started
    for server in started:
        await server.stop()


async def status(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> int:
    async with session.get(url, **kwargs) as response:
        return response.status


async def test_ops_routes_want_the_token(harness: Harness, session: aiohttp.ClientSession, stop: list) -> None:
    """With WEB_OPS_TOKEN, /healthz and /metrics answer 401 without it and work with it."""
    stop.extend(await serve(harness, ops_token=SecretStr("s3cret")))
    base = f"http://127.0.0.1:{stop[0].port}"
    assert await status(session, f"{base}/metrics") == 401
    assert await status(session, f"{base}/healthz", headers={"Authorization": "Bearer wrong"}) == 401
    assert await status(session, f"{base}/metrics", headers={"Authorization": "Bearer s3cret"}) == 200
    assert await status(session, f"{base}/healthz", headers={"Authorization": "Bearer s3cret"}) == 503  # no gateway


async def test_ops_routes_can_have_their_own_port(harness: Harness, session: aiohttp.ClientSession, stop: list) -> None:
    """With WEB_OPS_PORT, the public server has only callbacks; the operator's server has the rest."""
    stop.extend(await serve(harness, ops_port=0))
    public, ops = (f"http://127.0.0.1:{server.port}" for server in stop)
    assert await status(session, f"{public}/metrics") == 404
    assert await status(session, f"{ops}/metrics") == 200


async def test_a_body_over_the_cap_is_refused(harness: Harness, session: aiohttp.ClientSession, stop: list) -> None:
    """A 2 MB callback body is answered 413 without reaching the engine."""
    stop.extend(await serve(harness))
    url = f"http://127.0.0.1:{stop[0].port}/callbacks/kling/x/y"
    async with session.post(url, data=b"x" * (2 * 1024 * 1024)) as response:
        assert response.status == 413


async def test_a_body_that_never_arrives_is_timed_out(harness: Harness, stop: list) -> None:
    """A client that announces a body and stalls gets a 503 when the time limit passes, not a stuck handler."""
    assert harness.engine is not None
    app = new_app(handler_timeout=0.3)
    add_callback_route(app, harness.engine)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    stop.append(server)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"POST /callbacks/kling/x/y HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    await writer.drain()
    answer = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 503")


async def test_the_container_health_check_follows_port_and_token(
    harness: Harness, stop: list, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot.healthcheck` asks the ops port with the token, and fails (1) on a 503."""
    stop.extend(await serve(harness, ops_port=0, ops_token=SecretStr("t")))
    ops_port = stop[1].port
    assert url_and_headers(WebSettings(_env_file=None, ops_port=ops_port, ops_token=SecretStr("t")), "/healthz") == (
        f"http://127.0.0.1:{ops_port}/healthz",
        {"Authorization": "Bearer t"},
    )
    monkeypatch.setenv("WEB_OPS_PORT", str(ops_port))
    monkeypatch.setenv("WEB_OPS_TOKEN", "t")
    assert await asyncio.to_thread(healthcheck, ["/metrics"]) == 0
    assert await asyncio.to_thread(healthcheck, ["/healthz"]) == 1  # the gateway isn't connected here
    assert '"gateway": "disconnected"' in capsys.readouterr().err
    monkeypatch.setenv("WEB_OPS_TOKEN", "wrong")
    assert await asyncio.to_thread(healthcheck, ["/metrics"]) == 1
