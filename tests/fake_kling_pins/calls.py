"""Raw HTTP calls to the fake, as a provider client would make them."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.fake_kling import FakeKling, b64
from tests.fake_kling.testing import bearer, create_url, minimal_body, query_url

KEY = bearer("test-api-key")
WHSEC = "whsec_" + b64(b"0123456789abcdef0123456789abcdef")


async def call(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    kwargs.setdefault("headers", KEY)
    async with http.request(method, url, **kwargs) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text


async def post(http: aiohttp.ClientSession, fake: FakeKling, kind: Any, body: dict[str, Any]) -> tuple[int, Any]:
    return await call(http, "POST", create_url(fake, kind), json=body)


async def create(http: aiohttp.ClientSession, fake: FakeKling, kind: Any = "image2video", **fields: Any) -> Any:
    status, body = await post(http, fake, kind, minimal_body(kind, fake.dialect, **fields))
    assert status == 200, body
    return body


async def finish(http: aiohttp.ClientSession, fake: FakeKling, kind: Any, body: dict[str, Any]) -> dict[str, Any]:
    """Create a task, let it finish on the fake clock and return the queried (official) task object."""
    status, created = await post(http, fake, kind, body)
    assert status == 200, created
    await fake.advance(60)
    status, answer = await call(http, "GET", query_url(fake, kind, created["data"]["task_id"]))
    assert status == 200, answer
    task: dict[str, Any] = answer["data"]
    assert task["task_status"] == "succeed", task
    return task


def task_of(body: Any) -> Any:
    """Return the official task object from an official/CometAPI or AnyFast query answer."""
    return body["data"]["data"]["data"] if body.get("code") == "success" else body["data"]


async def probe(http: aiohttp.ClientSession, fake: FakeKling, headers: dict[str, str]) -> tuple[int, Any]:
    return await call(http, "GET", query_url(fake, "image2video", "nope"), headers=headers)
