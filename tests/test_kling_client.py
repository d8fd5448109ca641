"""The client against the fake Kling server: every kind on every dialect, from create to a downloaded result."""

from __future__ import annotations

import base64
import io
import uuid

import aiohttp
import av
import pytest
from PIL import Image
from pydantic import SecretStr

from bot.kling.callbacks import parse_callback
from bot.kling.client import KlingClient
from bot.kling.errors import ContentPolicyError, InvalidRequestError, LookupUnavailableError, TaskNotFoundError
from bot.kling.models import TaskStatus
from bot.vocabulary import TaskKind
from tests.conftest import make_client
from tests.fake_kling import FAIL_REASON, FakeKling
from tests.fake_kling.testing import CallbackReceiver
from tests.kling_requests import IMAGES_MADE, JPEG, PNG, offered, request_of

GENERATION_TIME = 61.0


async def download(session: aiohttp.ClientSession, url: str) -> bytes:
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.read()


def assert_valid_mp4(data: bytes) -> None:
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in container.decode(video=0)) > 0


def images_sent(body: dict[str, object]) -> list[str]:
    """Every image field of a create body, as sent."""
    found: list[str] = []
    for key, value in body.items():
        if key in ("image", "image_tail", "scene_image", "scence_image", "style_image"):
            found.append(str(value))
        elif key in ("image_list", "subject_image_list"):
            found.extend(next(iter(item.values())) for item in value)  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize("kind", list(TaskKind))
async def test_every_kind_from_create_to_downloaded_result(
    fake: FakeKling, client: KlingClient, session: aiohttp.ClientSession, kind: TaskKind
) -> None:
    """Create, poll until done, and download a real MP4 or PNG, on every dialect that documents the kind
    (elsewhere it is refused before any request). Lip sync runs on a video made first."""
    if not offered(kind, client.provider):
        with pytest.raises(InvalidRequestError, match="isn't available"):
            await client.create(request_of(kind, video_id="v"), external_task_id="ext-hidden")
        assert fake.create_attempts == 0
        return
    video_id = ""
    if kind is TaskKind.LIP_SYNC:
        source = await client.create(request_of(TaskKind.TEXT_TO_VIDEO), external_task_id="source")
        await fake.advance(GENERATION_TIME)
        video_id = (await client.get(TaskKind.TEXT_TO_VIDEO, source.task_id)).videos[0].id
    external_id = str(uuid.uuid4())
    created = await client.create(request_of(kind, video_id=video_id), external_task_id=external_id)
    assert created.status is TaskStatus.SUBMITTED
    assert created.external_task_id == external_id
    sent = fake.tasks[created.task_id].body
    for image in images_sent(sent):
        assert not image.startswith("data:")
        assert base64.b64decode(image, validate=True) in (PNG, JPEG)

    await fake.advance(GENERATION_TIME)
    done = await client.get(kind, created.task_id)
    assert done.status is TaskStatus.SUCCEEDED
    assert done.units_charged is not None
    assert done.units_charged > 0
    if kind.makes_video:
        assert len(done.videos) == 1
        assert_valid_mp4(await download(session, done.videos[0].url))
    else:
        assert len(done.images) == IMAGES_MADE[kind]
        for url in done.result_urls:
            assert Image.open(io.BytesIO(await download(session, url))).format == "PNG"
    assert fake.creates_by_external_id[external_id] == 1


@pytest.mark.parametrize("dialect", ["official", "cometapi"])  # AnyFast documents no multi-image2image
async def test_cometapi_compose_uses_its_documented_route_and_field(fake: FakeKling, client: KlingClient) -> None:
    """CometAPI's multi-image-to-image goes to images/generations with `scence_image`; others use the official."""
    created = await client.create(request_of(TaskKind.MULTI_IMAGE_TO_IMAGE), external_task_id="ext-compose")
    body = fake.tasks[created.task_id].body
    if fake.dialect == "cometapi":
        assert ("POST", "/kling/v1/images/generations") in fake.requests
        assert "scence_image" in body
        assert "scene_image" not in body
        assert body["model_name"] == "kling-v2"
    else:
        assert "scene_image" in body
        assert "scence_image" not in body


@pytest.mark.parametrize("dialect", ["official", "cometapi"])
async def test_find_by_external_id_and_absence(fake: FakeKling, client: KlingClient) -> None:
    """A task is found by our external id; an unknown id is None, and get() raises TaskNotFoundError."""
    created = await client.create(request_of(TaskKind.TEXT_TO_VIDEO), external_task_id="ext-find")
    found = await client.find(TaskKind.TEXT_TO_VIDEO, "ext-find")
    assert found is not None
    assert found.task_id == created.task_id
    assert await client.find(TaskKind.TEXT_TO_VIDEO, "never-created") is None
    with pytest.raises(TaskNotFoundError):
        await client.get(TaskKind.TEXT_TO_VIDEO, "123456789")


@pytest.mark.parametrize("dialect", ["anyfast"])
async def test_anyfast_is_queried_on_its_documented_route(fake: FakeKling, client: KlingClient) -> None:
    """AnyFast: `GET /kling/v1/videos/{action}/{task_id}` (image tasks too), `task_not_exist` is not-found,
    and no query by our external id is ever made."""
    created = await client.create(request_of(TaskKind.TEXT_TO_IMAGE), external_task_id="ext-image")
    await client.get(TaskKind.TEXT_TO_IMAGE, created.task_id)
    assert ("GET", f"/kling/v1/videos/generations/{created.task_id}") in fake.requests
    with pytest.raises(TaskNotFoundError):
        await client.get(TaskKind.TEXT_TO_VIDEO, "123456789")
    with pytest.raises(LookupUnavailableError):
        await client.find(TaskKind.TEXT_TO_VIDEO, "ext-image")
    assert not [path for method, path in fake.requests if method == "GET" and path.endswith("/ext-image")]


@pytest.mark.parametrize("dialect", ["anyfast"])
async def test_anyfast_blend_falls_back_to_text2video_queries(fake: FakeKling, client: KlingClient) -> None:
    """Which action AnyFast queries a multi-image2video task under is unconfirmed: its own, then text2video."""
    created = await client.create(request_of(TaskKind.MULTI_IMAGE_TO_VIDEO), external_task_id="ext-blend")
    task = await client.get(TaskKind.MULTI_IMAGE_TO_VIDEO, created.task_id)
    assert task.task_id == created.task_id
    assert ("GET", f"/kling/v1/videos/multi-image2video/{created.task_id}") in fake.requests
    with pytest.raises(TaskNotFoundError):
        await client.get(TaskKind.MULTI_IMAGE_TO_VIDEO, "123456789")
    assert ("GET", "/kling/v1/videos/text2video/123456789") in fake.requests


async def test_failed_generation_reports_the_reason(fake: FakeKling, client: KlingClient) -> None:
    """A task the provider fails comes back failed with its reason and no results."""
    created = await client.create(request_of(TaskKind.TEXT_TO_VIDEO, "[fail] a cat"), external_task_id="ext-fail")
    await fake.advance(GENERATION_TIME)
    task = await client.get(TaskKind.TEXT_TO_VIDEO, created.task_id)
    assert (task.status, task.failure_reason, task.result_urls) == (TaskStatus.FAILED, FAIL_REASON, [])


async def test_content_policy_refusal_at_create(fake: FakeKling, client: KlingClient) -> None:
    """A create refused for content policy raises ContentPolicyError with the provider's reason; nothing exists."""
    with pytest.raises(ContentPolicyError) as caught:
        await client.create(request_of(TaskKind.TEXT_TO_VIDEO, "[policy] something"), external_task_id="ext-p")
    assert "content" in caught.value.user_message.lower()
    assert fake.creates_by_external_id == {}


async def test_get_many_uses_list_pages_where_the_dialect_has_them(fake: FakeKling, client: KlingClient) -> None:
    """Official: one list request answers for many tasks; aggregators fall back to one get per task."""
    kind = TaskKind.TEXT_TO_VIDEO
    created = [await client.create(request_of(kind), external_task_id=f"ext-{i}") for i in range(5)]
    await fake.advance(GENERATION_TIME)
    before = len(fake.requests)
    states = await client.get_many(kind, [task.task_id for task in created] + ["999999999"])
    assert set(states) == {task.task_id for task in created}
    assert all(task.status is TaskStatus.SUCCEEDED for task in states.values())
    queries = len(fake.requests) - before
    if fake.dialect == "official":
        assert queries == 2  # one list page, then a single get proving the unknown id is unknown
    else:
        assert queries == 6


async def test_callbacks_round_trip_signed(session: aiohttp.ClientSession) -> None:
    """The fake's signed callbacks parse and verify with our callback parser, every status change."""
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    async with FakeKling(webhook_secret=secret, callback_envelope=True) as server, CallbackReceiver() as receiver:
        client = make_client(session, server)
        created = await client.create(
            request_of(TaskKind.TEXT_TO_VIDEO), external_task_id="ext-cb", callback_url=receiver.url
        )
        await server.advance(GENERATION_TIME)
    statuses = [parse_callback(body, headers, secret=SecretStr(secret)).status for headers, body in receiver.received]
    assert statuses == [TaskStatus.PROCESSING, TaskStatus.SUCCEEDED]
    assert all(parse_callback(body, headers).task_id == created.task_id for headers, body in receiver.received)
