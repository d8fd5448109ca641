"""Pin the behaviour of the fake Kling server that other tests lean on."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import av
import pytest
from PIL import Image
from standardwebhooks import Webhook

from tests.fake_kling import FAIL_REASON, FakeKling, Fault, SystemClock, b64, make_jpeg, make_png
from tests.fake_kling.testing import CallbackReceiver, bearer, create_url, minimal_body, mint_jwt, query_url

KEY = bearer("test-api-key")
WHSEC = "whsec_" + b64(b"0123456789abcdef0123456789abcdef")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


@pytest.fixture
async def fake() -> AsyncIterator[FakeKling]:
    async with FakeKling() as server:
        yield server


async def call(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    kwargs.setdefault("headers", KEY)
    async with http.request(method, url, **kwargs) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text


async def create(http: aiohttp.ClientSession, fake: FakeKling, kind: Any = "image2video", **fields: Any) -> Any:
    status, body = await call(http, "POST", create_url(fake, kind), json=minimal_body(kind, fake.dialect, **fields))
    assert status == 200, body
    return body


def task_of(body: Any) -> Any:
    """Return the official task object from an official/CometAPI or AnyFast query answer."""
    return body["data"]["data"]["data"] if body.get("code") == "success" else body["data"]


async def probe(http: aiohttp.ClientSession, fake: FakeKling, headers: dict[str, str]) -> tuple[int, Any]:
    return await call(http, "GET", query_url(fake, "image2video", "nope"), headers=headers)


async def test_api_key_is_accepted_and_missing_header_is_1001(http, fake):
    """A good key reaches the handler (1201 for an unknown id); no header is 401/1001."""
    status, body = await probe(http, fake, KEY)
    assert (status, body["code"], body["message"]) == (400, 1201, "Task not found")
    status, body = await probe(http, fake, {})
    assert (status, body["code"]) == (401, 1001)
    status, body = await probe(http, fake, bearer("garbage"))
    assert (status, body["code"]) == (401, 1002)


async def test_jwt_is_accepted_until_it_expires_on_the_fake_clock(http, fake):
    """JWT exp is checked against the fake clock, so advancing time expires it."""
    headers = bearer(mint_jwt("test-ak", "test-sk", fake.clock.now()))
    assert (await probe(http, fake, headers))[0] == 400
    await fake.advance(1800)
    status, body = await probe(http, fake, headers)
    assert (status, body["code"]) == (401, 1004)


@pytest.mark.parametrize(
    ("access_key", "secret_key", "nbf_skew", "code"),
    [
        ("test-ak", "test-sk", -60, 1003),
        ("test-ak", "wrong-secret", 5, 1002),
        ("other-ak", "test-sk", 5, 1000),
    ],
)
async def test_jwt_rejections(http, fake, access_key, secret_key, nbf_skew, code):
    """Not-yet-valid, badly signed and foreign-issuer tokens get their own codes."""
    token = mint_jwt(access_key, secret_key, fake.clock.now(), nbf_skew=nbf_skew)
    status, body = await probe(http, fake, bearer(token))
    assert (status, body["code"]) == (401, code)


@pytest.mark.parametrize("dialect", ["official", "cometapi", "anyfast"])
async def test_lifecycle_shapes_per_dialect(http, dialect):
    """Create, advance through processing to succeed, and query by both ids."""
    async with FakeKling(dialect=dialect) as fake:
        created = await create(http, fake, external_task_id="ext-1")
        task_id = created["task_id"] if dialect == "anyfast" else created["data"]["task_id"]
        assert task_id.isdigit()
        assert len(task_id) in (18, 19)
        await fake.advance(1)
        _, body = await call(http, "GET", query_url(fake, "image2video", task_id))
        assert task_of(body)["task_status"] == "processing"
        await fake.advance(59)
        status, body = await call(http, "GET", query_url(fake, "image2video", "ext-1"))
    assert status == 200
    if dialect == "anyfast":
        assert created["object"] == "video"
        assert created["created_at"] == 1_800_000_000
        assert (body["data"]["status"], body["data"]["progress"]) == ("SUCCESS", "100%")
    task = task_of(body)
    assert (task["task_status"], task["task_info"]) == ("succeed", {"external_task_id": "ext-1"})
    assert task["final_unit_deduction"] == "2"
    assert task["updated_at"] == 1_800_000_060_000
    assert task["task_result"]["videos"][0]["url"] == f"{fake.base_url}/results/{task_id}/video.mp4"


async def test_results_are_a_valid_mp4_and_pngs(http, fake):
    """Result URLs serve a decodable H.264 MP4 and one PNG per requested image."""
    video = (await create(http, fake))["data"]["task_id"]
    image = (await create(http, fake, "multi-image2image", n=2))["data"]["task_id"]
    await fake.advance(60)
    async with http.get(f"{fake.base_url}/results/{video}/video.mp4") as resp:
        assert resp.content_type == "video/mp4"
        assert resp.content_length == len(fake.video_bytes)
        data = await resp.read()
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in container.decode(video=0)) == 10
    _, body = await call(http, "GET", query_url(fake, "multi-image2image", image))
    urls = [item["url"] for item in body["data"]["task_result"]["images"]]
    assert body["data"]["final_unit_deduction"] == "32"
    assert len(urls) == 2
    async with http.get(urls[1]) as resp:
        assert resp.content_type == "image/png"
        assert await resp.read() == fake.png_bytes
    assert Image.open(io.BytesIO(fake.png_bytes)).format == "PNG"


async def test_fail_marker_and_custom_outcome(http, fake):
    """Prompts with "[fail]" fail with a reason and no units; set_outcome overrides that."""
    failed = (await create(http, fake, prompt="x [fail]"))["data"]["task_id"]
    await fake.advance(60)
    _, body = await call(http, "GET", query_url(fake, "image2video", failed))
    assert (body["data"]["task_status"], body["data"]["task_status_msg"]) == ("failed", FAIL_REASON)
    assert "task_result" not in body["data"]
    assert body["data"]["final_unit_deduction"] == "0"
    fake.set_outcome(lambda task: "custom" if task.prompt == "odd" else None)
    custom = (await create(http, fake, prompt="odd"))["data"]["task_id"]
    await fake.advance(60)
    assert (fake.tasks[custom].status, fake.tasks[custom].fail_reason) == ("failed", "custom")


@pytest.mark.parametrize(
    ("fields", "status", "code", "fragment"),
    [
        ({"image": "data:image/png;base64," + b64(make_png())}, 400, 1200, "data: prefix"),
        ({"image": b64(make_png(200, 400))}, 400, 1200, "at least 300px"),
        ({"image": b64(make_jpeg(1000, 300))}, 400, 1200, "aspect ratio"),
        ({"image": b64(b"GIF89a" + bytes(100))}, 400, 1200, "JPG/JPEG/PNG"),
        ({"duration": 5}, 400, 1200, "duration"),
        ({"model_name": "kling-v2-master", "mode": "std"}, 400, 1200, "mode"),
        ({"cfg_scale": 0.5}, 400, 1200, "cfg_scale"),
        ({"image_tail": "https://x/y.png", "camera_control": {"type": "simple"}}, 400, 1200, "exclusive"),
        ({"model_name": "kling-v1"}, 404, 1203, "discontinued"),
        ({"model_name": "kling-v9"}, 400, 1200, "not supported"),
        ({"prompt": "[policy] nope"}, 400, 1301, "content safety"),
    ],
)
async def test_validation_rejections(http, fake, fields, status, code, fragment):
    """Each documented rule answers with its status, code and a readable message."""
    got_status, body = await call(
        http, "POST", create_url(fake, "image2video"), json=minimal_body("image2video", **fields)
    )
    assert (got_status, body["code"]) == (status, code)
    assert fragment in body["message"]
    assert not fake.tasks
    assert fake.create_attempts == 1


async def test_non_json_body_and_unrouted_paths(http, fake):
    """Garbage bodies are 400/1200 and unknown routes 404 with a Kling body."""
    status, body = await call(http, "POST", create_url(fake, "text2video"), data=b"{not json")
    assert (status, body["code"]) == (400, 1200)
    status, body = await call(http, "GET", fake.base_url + "/v2/whatever")
    assert (status, body["code"]) == (404, 1203)


async def test_cometapi_limits_and_misspelled_scene_field(http):
    """CometAPI caps prompts at 500 chars and takes `scence_image` on /images/generations."""
    async with FakeKling(dialect="cometapi") as fake:
        status, body = await call(
            http, "POST", create_url(fake, "text2video"), json=minimal_body("text2video", prompt="a" * 501)
        )
        assert (status, body["code"]) == (400, 1200)
        created = await create(http, fake, "multi-image2image", scence_image="https://x/scene.png")
        assert create_url(fake, "multi-image2image").endswith("/kling/v1/images/generations")
        assert fake.tasks[created["data"]["task_id"]].body["scence_image"] == "https://x/scene.png"
        assert (await call(http, "GET", fake.base_url + "/kling/v1/videos/text2video"))[0] == 404


async def test_duplicate_external_id_and_concurrency_cap(http):
    """Duplicates are 400/1201; beyond the cap is 429/1303 and nothing is created."""
    async with FakeKling(concurrency_limit=3) as fake:
        await create(http, fake, external_task_id="a")
        status, body = await call(
            http, "POST", create_url(fake, "image2video"), json=minimal_body("image2video", external_task_id="a")
        )
        assert (status, body["code"], body["message"]) == (400, 1201, "external_task_id already exists")
        image = minimal_body("multi-image2image", n=3)
        status, body = await call(http, "POST", create_url(fake, "multi-image2image"), json=image)
        assert (status, body["code"]) == (429, 1303)
        assert len(fake.tasks) == 1
        await fake.advance(60)
        assert (await call(http, "POST", create_url(fake, "multi-image2image"), json=image))[0] == 200
    assert fake.creates_by_external_id == {"a": 1}
    assert fake.create_attempts == 4


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
    """AnyFast errors are OpenAI style with the Kling code as a string."""
    async with FakeKling(dialect="anyfast") as fake:
        fake.inject(Fault(op="any", status=429, code=1303, message="busy", times=2))
        for _ in range(2):
            status, body = await call(http, "GET", query_url(fake, "text2video", "1"))
            assert (status, body["error"]["code"], body["error"]["type"]) == (429, "1303", "rate_limit_error")
        status, body = await call(http, "GET", query_url(fake, "text2video", "1"))
    assert (status, body) == (
        404,
        {"error": {"message": "task not found", "type": "invalid_request_error", "code": "1201"}},
    )


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
