"""The fake Discord's sharding, as Discord documents it: GET /gateway(/bot), IDENTIFY with `shard`, and each
guild's events on shard `(guild_id >> 22) % num_shards` (DMs on shard 0)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.fake_discord import FakeDiscord
from tests.fake_discord.gateway import shard_of

TOKEN = "fake-bot-token"
TIMEOUT = aiohttp.ClientTimeout(total=5)


async def test_gateway_routes_say_where_to_connect() -> None:
    """GET /gateway needs no token; GET /gateway/bot does, and recommends a shard count."""
    async with FakeDiscord(token=TOKEN, recommended_shards=3) as fake, aiohttp.ClientSession(timeout=TIMEOUT) as http:
        async with http.get(f"{fake.api_base}/gateway") as response:
            assert await response.json() == {"url": fake.gateway_url}
        async with http.get(f"{fake.api_base}/gateway/bot") as response:
            assert response.status == 401
        headers = {"Authorization": f"Bot {TOKEN}"}
        async with http.get(f"{fake.api_base}/gateway/bot", headers=headers) as response:
            body = await response.json()
    assert (body["url"], body["shards"], body["session_start_limit"]["max_concurrency"]) == (fake.gateway_url, 3, 1)


async def identify(http: aiohttp.ClientSession, fake: FakeDiscord, shard: list[int]) -> aiohttp.ClientWebSocketResponse:
    """Open a gateway connection and IDENTIFY as `shard`."""
    ws = await http.ws_connect(fake.gateway_url)
    assert (await ws.receive_json())["op"] == 10  # HELLO
    await ws.send_str(json.dumps({"op": 2, "d": {"token": TOKEN, "intents": 1 << 9, "shard": shard}}))
    return ws


async def events(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[tuple[str, Any]]:
    """Read `count` dispatches."""
    frames = [await ws.receive_json(timeout=5) for _ in range(count)]
    return [(frame["t"], frame["d"]) for frame in frames]


async def test_each_shard_gets_its_own_guilds_and_their_events() -> None:
    """READY carries the shard and only its guilds; a guild's interaction goes to its shard, a bad shard is refused."""
    async with FakeDiscord(token=TOKEN) as fake, aiohttp.ClientSession(timeout=TIMEOUT) as http:
        guilds = [fake.add_guild(f"g{n}", shard=(n, 2)) for n in (0, 1, 1)]
        assert [shard_of(guild.id, 2) for guild in guilds] == [0, 1, 1]
        sockets = [await identify(http, fake, [n, 2]) for n in (0, 1)]
        for n, ws in enumerate(sockets):
            received = await events(ws, 1 + (1 if n == 0 else 2))
            assert received[0][0] == "READY"
            assert received[0][1]["shard"] == [n, 2]
            mine = [str(guild.id) for guild in guilds if shard_of(guild.id, 2) == n]
            assert [guild["id"] for guild in received[0][1]["guilds"]] == mine
            assert [data["id"] for event, data in received[1:] if event == "GUILD_CREATE"] == mine
        await fake.wait_until_ready(shards=(0, 1))
        await fake.dispatch("TYPING_START", {"guild_id": str(guilds[2].id), "channel_id": "1"})
        await fake.dispatch("TYPING_START", {"channel_id": "2"})  # no guild: shard 0
        assert await events(sockets[1], 1) == [("TYPING_START", {"guild_id": str(guilds[2].id), "channel_id": "1"})]
        assert await events(sockets[0], 1) == [("TYPING_START", {"channel_id": "2"})]
        refused = await identify(http, fake, [2, 2])
        assert (await refused.receive(timeout=5)).data == 4010  # Invalid shard
        for ws in sockets:
            await ws.close()
