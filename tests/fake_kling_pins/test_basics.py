"""The fake's auth, shapes, media, validation and limits."""

from __future__ import annotations

import io

import av
import pytest
from PIL import Image

from tests.fake_kling import FAIL_REASON, FakeKling, b64, make_jpeg, make_png
from tests.fake_kling.testing import bearer, create_url, minimal_body, mint_jwt, query_url
from tests.fake_kling_pins.calls import KEY, call, create, probe, task_of


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
    """Create, advance through processing to succeed, and query by both ids (AnyFast: by its task id only)."""
    async with FakeKling(dialect=dialect) as fake:
        created = await create(http, fake, external_task_id="ext-1")
        task_id = created["task_id"] if dialect == "anyfast" else created["data"]["task_id"]
        assert task_id.isdigit()
        assert len(task_id) in (18, 19)
        await fake.advance(1)
        _, body = await call(http, "GET", query_url(fake, "image2video", task_id))
        assert task_of(body)["task_status"] == "processing"
        await fake.advance(59)
        by_ours = "ext-1" if dialect != "anyfast" else task_id
        status, body = await call(http, "GET", query_url(fake, "image2video", by_ours))
        if dialect == "anyfast":  # docs.anyfast.ai documents no query by external_task_id
            missing, answer = await call(http, "GET", query_url(fake, "image2video", "ext-1"))
            assert (missing, answer["code"]) == (400, "task_not_exist")
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
        ({"model_name": "kling-v2-6", "mode": "std", "image_tail": "https://x/y.png"}, 400, 1200, "pro mode"),
        ({"model_name": "kling-v2-6", "image_tail": "https://x/y.png"}, 400, 1200, "pro mode"),  # std by default
        ({"model_name": "kling-v2-1-master", "image_tail": "https://x/y.png"}, 400, 1200, "not supported"),
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
