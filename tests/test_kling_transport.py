"""The transport reads whole answers, however the provider splits them on the wire."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.kling.auth import ApiKey
from bot.kling.catalogue import load_catalogue
from bot.kling.client import KlingClient
from bot.vocabulary import TaskKind
from tests.conftest import FAST_RETRY

PAGE = [
    {"task_id": str(10**17 + i), "task_status": "succeed", "task_info": {"external_task_id": f"ext-{i}"},
     "task_result": {"videos": [{"id": "v", "url": f"https://cdn.example/{i}.mp4", "duration": "5"}]}}
    for i in range(500)
]  # fmt: skip


@pytest.fixture
async def slow_provider() -> AsyncIterator[str]:
    """A server that sends a 500-task list page in pieces, pausing between them."""

    async def listing(request: web.Request) -> web.StreamResponse:
        body = json.dumps({"code": 0, "message": "SUCCEED", "data": PAGE}).encode()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(body)
        await response.prepare(request)
        for start in range(0, len(body), 16 * 1024):
            await response.write(body[start : start + 16 * 1024])
            await asyncio.sleep(0.001)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/v1/videos/text2video", listing)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_a_list_page_in_many_pieces_is_read_whole(slow_provider: str, session: aiohttp.ClientSession) -> None:
    """A 500-task page arriving in 16 KB pieces parses completely."""
    client = KlingClient(session, provider="official", base_url=slow_provider, credentials=ApiKey(SecretStr("k")),
                         catalogue=load_catalogue(), retry=FAST_RETRY)  # fmt: skip
    tasks = await client.list_page(TaskKind.TEXT_TO_VIDEO)
    assert len(tasks) == 500
