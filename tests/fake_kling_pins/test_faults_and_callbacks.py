"""The fake's callbacks, injected faults, error shapes, paging and real-clock mode."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from standardwebhooks import Webhook

from tests.fake_kling import FakeKling, Fault, SystemClock
from tests.fake_kling.testing import CallbackReceiver, create_url, minimal_body, query_url
from tests.fake_kling_pins.calls import KEY, WHSEC, call, create


@pytest.mark.parametrize("envelope", [False, True])
async def test_callbacks_are_signed_per_status_change(http, envelope):
    """Every status change is POSTed once, verifiable with Standard Webhooks."""
    async with CallbackReceiver() as receiver, FakeKling(webhook_secret=WHSEC, callback_envelope=envelope) as fake:
        await create(http, fake, callback_url=receiver.url)
        await fake.advance(60)
    statuses = []
    for headers, body in receiver.received:
        payload = Webhook(WHSEC).verify(body, headers)
        statuses.append((payload["data"] if envelope else payload)["task_status"])
    assert statuses == ["processing", "succeed"]
    assert [(url, status) for url, status, _ in fake.callbacks_sent] == [(receiver.url, 200)] * 2


async def test_failed_callback_is_recorded_as_none(http, fake):
    """An unreachable callback URL is recorded with None and not retried."""
    await create(http, fake, callback_url="http://127.0.0.1:9/cb")
    await fake.advance(60)
    assert [status for _, status, _ in fake.callbacks_sent] == [None, None]


async def test_unknown_outcome_create_faults(http, fake):
    """after_create faults create the task, then answer 504 or drop the connection."""
    fake.inject(Fault(op="create", status=504, code=5002, after_create=True))
    fake.inject(Fault(op="create", disconnect=True, after_create=True))
    status, body = await call(
        http, "POST", create_url(fake, "image2video"), json=minimal_body("image2video", external_task_id="x")
    )
    assert (status, body["code"]) == (504, 5002)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(
            http, "POST", create_url(fake, "image2video"), json=minimal_body("image2video", external_task_id="y")
        )
    assert fake.creates_by_external_id == {"x": 1, "y": 1}
    assert fake.task_by_external_id("y") is not None


async def test_query_faults_rate_limit_malformed_and_delay(http, fake):
    """Query faults: 429 with Retry-After, a malformed 200, a slow answer; then normal."""
    task_id = (await create(http, fake))["data"]["task_id"]
    url = query_url(fake, "image2video", task_id)
    fake.inject(Fault(op="query", status=429, code=1302, retry_after=1))
    fake.inject(Fault(op="query", malformed=True))
    fake.inject(Fault(op="query", delay=1.0))
    async with http.get(url, headers=KEY) as resp:
        assert (resp.status, resp.headers["Retry-After"], (await resp.json())["code"]) == (429, "1", 1302)
    assert await call(http, "GET", url) == (200, '{"code":0,"data":{"task_')
    with pytest.raises(TimeoutError):
        await call(http, "GET", url, timeout=aiohttp.ClientTimeout(total=0.2))
    assert (await call(http, "GET", url))[0] == 200
    assert fake.requests.count(("GET", f"/v1/videos/image2video/{task_id}")) == 4


async def test_anyfast_error_shapes(http):
    """AnyFast errors are OpenAI style with the Kling code as a string; an unknown task is new-api's
    `task_not_exist` (kling-api.md, "AnyFast, corrected")."""
    async with FakeKling(dialect="anyfast") as fake:
        fake.inject(Fault(op="any", status=429, code=1303, message="busy", times=2))
        for _ in range(2):
            status, body = await call(http, "GET", query_url(fake, "text2video", "1"))
            assert (status, body["error"]["code"], body["error"]["type"]) == (429, "1303", "rate_limit_error")
        status, body = await call(http, "GET", query_url(fake, "text2video", "1"))
    assert (status, body["code"]) == (400, "task_not_exist")


async def test_official_list_paging(http, fake):
    """Lists are newest first, paged by pageNum/pageSize, with ranges enforced."""
    for index in range(5):
        await create(http, fake, "text2video", external_task_id=f"t{index}")
        await fake.advance(1)
    status, body = await call(http, "GET", create_url(fake, "text2video"), params={"pageNum": 2, "pageSize": 2})
    assert status == 200
    assert [task["task_info"]["external_task_id"] for task in body["data"]] == ["t2", "t1"]
    status, body = await call(http, "GET", create_url(fake, "text2video"), params={"pageSize": 501})
    assert (status, body["code"]) == (400, 1200)


async def test_auto_advance_with_a_real_clock(http):
    """With auto_advance the ticker finishes tasks and sends callbacks in real time."""
    async with (
        CallbackReceiver() as receiver,
        FakeKling(clock=SystemClock(), processing_after=0.05, finish_after=0.1, auto_advance=True) as fake,
    ):
        await create(http, fake, callback_url=receiver.url)
        for _ in range(40):
            if len(receiver.received) == 2:
                break
            await asyncio.sleep(0.05)
    assert [json.loads(body)["task_status"] for _, body in receiver.received] == ["processing", "succeed"]
