"""The fake Kling's late-2026 follow-ups: video effects, identify-face + advanced lip-sync, callbacks for the new
kinds, and AnyFast's corrected query route. Valid requests complete with their price; invalid ones are refused
with the documented status and code."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from tests.fake_kling import FakeKling, b64, make_mp3, make_png, make_wav
from tests.fake_kling.testing import (
    CallbackReceiver,
    create_url,
    identify_face_url,
    lip_sync_body,
    minimal_body,
    png_b64,
    query_url,
)
from tests.fake_kling_pins.calls import call, finish, post

IMAGE = png_b64()
DAY = 86400


async def video_id(
    http: aiohttp.ClientSession, fake: FakeKling, prompt: str = "a woman talks", duration: str = "5"
) -> str:
    """Make a text2video on the fake and return its result video id."""
    task = await finish(http, fake, "text2video", minimal_body("text2video", prompt=prompt, duration=duration))
    return str(task["task_result"]["videos"][0]["id"])


async def identify(http: aiohttp.ClientSession, fake: FakeKling, **body: Any) -> tuple[int, Any]:
    return await call(http, "POST", identify_face_url(fake), json=body)


async def session_of(http: aiohttp.ClientSession, fake: FakeKling, duration: str = "5") -> str:
    status, answer = await identify(http, fake, video_id=await video_id(http, fake, duration=duration))
    assert status == 200, answer
    return str(answer["data"]["session_id"])


# -- effects ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "units", "length"),
    [
        ({"effect_scene": "pet_lion", "input": {"image": IMAGE, "duration": "5"}}, "2", "5.041"),
        ({"effect_scene": "bullet_time", "input": {"image": "https://x/y.png", "duration": "5"}}, "2", "5.041"),
        (
            {"effect_scene": "hug", "input": {"model_name": "kling-v1-6", "images": [IMAGE, IMAGE], "duration": "5"}},
            "2",
            "5.041",
        ),
        (
            {
                "effect_scene": "kiss",
                "input": {"model_name": "kling-v1-5", "mode": "pro", "images": [IMAGE, IMAGE], "duration": "10"},
            },
            "7",
            "10.041",
        ),
        (
            {"effect_scene": "fight", "input": {"model_name": "kling-v1-6", "images": [IMAGE, IMAGE], "duration": "5"}},
            "2",
            "5.041",
        ),
        ({"effect_scene": "hug_pro", "input": {"images": [IMAGE, IMAGE], "duration": "5"}}, "2", "5.041"),
    ],
)
async def test_effects_make_a_video(http, fake, body, units, length):
    """Single-image scenes take input.image + duration "5"; two-person scenes take input.images (2)."""
    task = await finish(http, fake, "effects", {**body, "external_task_id": "fx"})
    assert task["final_unit_deduction"] == units
    assert task["task_result"]["videos"][0]["duration"] == length
    status, by_external = await call(http, "GET", query_url(fake, "effects", "fx"))
    assert (status, by_external["data"]["task_id"]) == (200, task["task_id"])
    status, listed = await call(http, "GET", create_url(fake, "effects"))
    assert (status, len(listed["data"])) == (200, 1)


PAIR = [IMAGE, IMAGE]


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [
        ({"effect_scene": "moonwalk", "input": {"image": IMAGE, "duration": "5"}}, 400, 1201, "is not supported"),
        ({"input": {"image": IMAGE, "duration": "5"}}, 400, 1200, "effect_scene is required"),
        ({"effect_scene": "pet_lion"}, 400, 1200, "input is required"),
        ({"effect_scene": "pet_lion", "input": {"duration": "5"}}, 400, 1200, "input.image is required"),
        ({"effect_scene": "pet_lion", "input": {"image": IMAGE}}, 400, 1200, "input.duration is required"),
        ({"effect_scene": "pet_lion", "input": {"image": IMAGE, "duration": "10"}}, 400, 1200, 'one of "5"'),
        ({"effect_scene": "pet_lion", "input": {"images": PAIR, "duration": "5"}}, 400, 1200, "single-image"),
        (
            {"effect_scene": "pet_lion", "input": {"image": IMAGE, "duration": "5", "model_name": "kling-v1-6"}},
            400,
            1200,
            "takes no model_name or mode",
        ),
        ({"effect_scene": "hug", "input": {"images": PAIR, "duration": "5"}}, 400, 1200, "model_name is required"),
        (
            {"effect_scene": "hug", "input": {"model_name": "kling-v2-6", "images": PAIR, "duration": "5"}},
            400,
            1200,
            "model_name must be one of",
        ),
        (
            {"effect_scene": "hug", "input": {"model_name": "kling-v1", "images": PAIR, "duration": "5"}},
            404,
            1203,
            "discontinued",
        ),
        (
            {"effect_scene": "fight", "input": {"model_name": "kling-v1-5", "images": PAIR, "duration": "5"}},
            400,
            1200,
            "only supported by kling-v1-6",
        ),
        (
            {"effect_scene": "kiss", "input": {"model_name": "kling-v1-6", "images": [IMAGE], "duration": "5"}},
            400,
            1200,
            "exactly 2 images",
        ),
        (
            {"effect_scene": "kiss", "input": {"model_name": "kling-v1-6", "images": [IMAGE] * 3, "duration": "5"}},
            400,
            1200,
            "exactly 2 images",
        ),
        (
            {"effect_scene": "kiss", "input": {"model_name": "kling-v1-6", "images": PAIR, "duration": "7"}},
            400,
            1200,
            "input.duration must be one of",
        ),
        (
            {
                "effect_scene": "kiss",
                "input": {"model_name": "kling-v1-6", "mode": "prox", "images": PAIR, "duration": "5"},
            },
            400,
            1200,
            "mode must be one of",
        ),
        (
            {
                "effect_scene": "kiss",
                "input": {"model_name": "kling-v1-6", "images": [IMAGE, b64(make_png(100, 100))], "duration": "5"},
            },
            400,
            1200,
            "input.images[1]",
        ),
        ({"effect_scene": "hug_pro", "input": {"images": PAIR, "duration": "10"}}, 400, 1200, 'one of "5"'),
        (
            {"effect_scene": "hug_pro", "input": {"images": PAIR, "duration": "5", "mode": "pro"}},
            400,
            1200,
            "takes no model_name or mode",
        ),
    ],
)
async def test_effect_refusals(http, fake, body, status, code, fragment):
    """Unknown scenes, wrong image counts and the wrong duration/model/mode for the scene type are refused."""
    got_status, answer = await post(http, fake, "effects", body)
    assert (got_status, answer["code"], fragment in answer["message"]) == (status, code, True), answer
    assert not fake.tasks


# -- identify-face ----------------------------------------------------------------------------------------------


async def test_identify_face_answers_synchronously_with_a_session(http, fake):
    """A video the fake made → code 0, {session_id, face_data[{face_id, face_image, start_time, end_time}]};
    the call costs 0.05 units (shown and deducted) and the face image is served."""
    made = await video_id(http, fake)
    before = fake.account.packs[0].remaining
    status, answer = await identify(http, fake, video_id=made, video_url="")
    assert (status, answer["code"]) == (200, 0)
    data = answer["data"]
    assert data["session_id"].isdigit()
    assert data["final_unit_deduction"] == "0.05"
    # end_time overshoots the video (5041 ms) as the docs warn and their example shows (5200 for 5 s)
    assert [(f["face_id"], f["start_time"], f["end_time"]) for f in data["face_data"]] == [("0", 0, 5241)]
    assert fake.account.packs[0].remaining == pytest.approx(before - 0.05)
    async with http.get(data["face_data"][0]["face_image"]) as resp:
        assert (resp.status, resp.content_type) == (200, "image/png")
    assert (await call(http, "POST", fake.base_url + "/v1/videos/Identify-face", json={"video_id": made}))[0] == 200


async def test_faceless_videos_have_no_faces(http, fake):
    """ "[noface]" in the source prompt, or `fake.store.faceless_videos`, gives an empty face_data."""
    marked = await video_id(http, fake, prompt="an empty beach [noface]")
    plain = await video_id(http, fake)
    fake.store.faceless_videos.add(plain)
    for made in (marked, plain):
        status, answer = await identify(http, fake, video_id=made)
        assert (status, answer["data"]["face_data"]) == (200, [])


async def test_identify_face_by_url(http, fake):
    """A video_url is taken as a 5 s clip with one face; the fake's own result URL stands for that video."""
    status, answer = await identify(http, fake, video_url="https://cdn.example.com/clip.mp4")
    assert (status, len(answer["data"]["face_data"])) == (200, 1)
    made = await video_id(http, fake, prompt="a beach [noface]")
    task = next(task for task in fake.tasks.values() if task.result_id == made)
    status, answer = await identify(http, fake, video_url=f"{fake.base_url}/results/{task.task_id}/video.mp4")
    assert (status, answer["data"]["face_data"]) == (200, [])


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({"video_id": "123456789012345678"}, 1201, "does not exist"),
        ({}, 1200, "exactly one of video_id and video_url"),
        ({"video_id": "", "video_url": ""}, 1200, "exactly one of video_id and video_url"),
        ({"video_id": "1", "video_url": "https://x/y.mp4"}, 1200, "exactly one of video_id and video_url"),
        ({"video_url": "ftp://x/y.mp4"}, 1200, "http(s) URL"),
    ],
)
async def test_identify_face_refusals(http, fake, body, code, fragment):
    """An unknown video id is 400/1201; video_id and video_url are mutually exclusive and one is required."""
    status, answer = await identify(http, fake, **body)
    assert (status, answer["code"], fragment in answer["message"]) == (400, code, True), answer
    assert not fake.store.sessions


async def test_identify_face_refuses_videos_older_than_30_days_and_failed_or_image_tasks(http, fake):
    """Only videos generated within the last 30 days (fake clock); failed tasks and images have no video id."""
    made = await video_id(http, fake)
    await fake.advance(30 * DAY - 60)
    assert (await identify(http, fake, video_id=made))[0] == 200
    await fake.advance(61)
    status, answer = await identify(http, fake, video_id=made)
    assert (status, answer["code"], "last 30 days" in answer["message"]) == (400, 1201, True)
    image = await finish(http, fake, "generations", minimal_body("generations"))
    status, answer = await identify(http, fake, video_id=fake.tasks[image["task_id"]].result_id)
    assert (status, answer["code"]) == (400, 1201)


async def test_identify_face_needs_auth(http, fake):
    status, answer = await call(http, "POST", identify_face_url(fake), json={"video_id": "1"}, headers={})
    assert (status, answer["code"]) == (401, 1001)


# -- advanced lip-sync ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sound", "crop_ms", "video", "units"),
    [
        (b64(make_wav(3.0)), 3000, "5", "0.5"),
        (b64(make_mp3(7.0)), 7000, "10", "1"),  # 0.5 per started 5 s
        (b64(make_mp3(4.0, id3=False)), 4000, "5", "0.5"),  # a bare MP3 frame sync, no ID3 tag
        ("https://cdn.example.com/voice.mp3", 2000, "5", "0.5"),  # URLs are taken unseen
    ],
)
async def test_lip_sync_makes_a_video_of_the_parent_length(http, fake, sound, crop_ms, video, units):
    """session + face_choose[{face_id, sound_file, times}] → a video as long as the parent, 0.5 units per 5 s."""
    session = await session_of(http, fake, duration=video)
    body = lip_sync_body(session, sound_file=sound, sound_end_time=crop_ms)
    task = await finish(http, fake, "advanced-lip-sync", body)
    assert task["final_unit_deduction"] == units
    assert task["task_result"]["videos"][0]["duration"] == f"{video}.041"
    parent = task["task_info"]["parent_video"]
    assert parent["duration"] == f"{video}.041"
    assert parent["url"].endswith("/video.mp4")
    status, listed = await call(http, "GET", create_url(fake, "advanced-lip-sync"))
    assert (status, [item["task_id"] for item in listed["data"]]) == (200, [task["task_id"]])


async def test_lip_sync_with_a_registered_tts_audio_id(http, fake):
    """audio_id instead of sound_file: the fake knows only ids a test registers in `fake.store.audio_ids`."""
    session = await session_of(http, fake)
    fake.store.audio_ids["tts-1"] = 12.0
    choice = {"sound_file": None, "audio_id": "tts-1", "sound_end_time": 4000, "sound_insert_time": 1000}
    body = lip_sync_body(session, **choice)
    del body["face_choose"][0]["sound_file"]
    assert (await finish(http, fake, "advanced-lip-sync", body))["final_unit_deduction"] == "0.5"


def _choice(**fields: Any) -> dict[str, Any]:
    return fields


@pytest.mark.parametrize(
    ("choice", "code", "fragment"),
    [
        (_choice(face_id="7"), 1201, "is not a face of this session"),
        (_choice(audio_id="tts-1"), 1200, "exactly one of sound_file and audio_id"),
        (_choice(sound_file=None), 1200, "exactly one of sound_file and audio_id"),
        (_choice(sound_file=None, audio_id="nope"), 1201, "audio_id 'nope' does not exist"),
        (_choice(sound_file=b64(make_png())), 1200, "only mp3/wav/m4a/aac"),
        (_choice(sound_file="not base64!"), 1200, "neither an http(s) URL nor valid Base64"),
        (_choice(sound_file="data:audio/wav;base64," + b64(make_wav(3))), 1200, "data: prefix"),
        (_choice(sound_file=b64(make_wav(1.5)), sound_end_time=1500), 1200, "2 to 60 seconds (got 1.5 s)"),
        (_choice(sound_file=b64(make_wav(61))), 1200, "2 to 60 seconds (got 61.0 s)"),
        (_choice(sound_file=b64(make_mp3(61))), 1200, "2 to 60 seconds"),
        (_choice(sound_file=b64(b"RIFF" + bytes(4) + b"WAVE" + bytes(5 * 1024 * 1024))), 1200, "must not exceed 5MB"),
        (_choice(sound_end_time=4000), 1200, "sound_end_time must not be later than the sound's length (3000 ms)"),
        (_choice(sound_start_time=1500), 1200, "at least 2000 ms"),
        (_choice(sound_insert_time=3000), 1200, "must end within the video (5041 ms)"),
        (_choice(sound_insert_time=None), 1200, "sound_insert_time is required"),
        (_choice(sound_start_time=-5), 1200, "sound_start_time is required"),
        (_choice(sound_end_time="3000"), 1200, "sound_end_time is required"),
        (_choice(sound_volume=2.5), 1200, "sound_volume must be a number between 0 and 2"),
        (_choice(original_audio_volume=-1), 1200, "original_audio_volume must be a number between 0 and 2"),
    ],
)
async def test_lip_sync_refusals(http, fake, choice, code, fragment):
    """Each face_choose rule (face of the session, one sound of 2–60 s and ≤ 5 MB, times, volumes) is refused."""
    session = await session_of(http, fake)
    body = lip_sync_body(session)
    face = body["face_choose"][0]
    face.update(choice)
    body["face_choose"][0] = {key: value for key, value in face.items() if value is not None}
    status, answer = await post(http, fake, "advanced-lip-sync", body)
    assert (status, answer["code"], fragment in answer["message"]) == (400, code, True), answer
    assert {task.kind for task in fake.tasks.values()} == {"text2video"}


async def test_lip_sync_needs_a_live_session_and_one_face(http, fake):
    """Unknown and 24 h old sessions are 400/1201; face_choose holds exactly one face; the insert overlaps it."""
    status, answer = await post(http, fake, "advanced-lip-sync", lip_sync_body("999"))
    assert (status, answer["code"], "does not exist" in answer["message"]) == (400, 1201, True)
    session = await session_of(http, fake)
    two = lip_sync_body(session)
    two["face_choose"] *= 2
    status, answer = await post(http, fake, "advanced-lip-sync", two)
    assert (status, answer["code"], "exactly one face" in answer["message"]) == (400, 1200, True)
    await fake.advance(DAY - 1)  # sessions last 24 h on the fake clock
    assert (await post(http, fake, "advanced-lip-sync", lip_sync_body(session)))[0] == 200
    await fake.advance(1)
    status, answer = await post(http, fake, "advanced-lip-sync", lip_sync_body(session))
    assert (status, answer["code"], "has expired" in answer["message"]) == (400, 1201, True)


async def test_lip_sync_insert_must_overlap_the_face_for_two_seconds(http, fake):
    """The face is 0..end_time; with no face there is nothing to choose."""
    fake.store.sessions.clear()
    status, answer = await identify(http, fake, video_url="https://cdn.example.com/noface.mp4")
    session = answer["data"]["session_id"]
    status, answer = await post(http, fake, "advanced-lip-sync", lip_sync_body(session))
    assert (status, answer["code"], "not a face of this session" in answer["message"]) == (400, 1201, True)
    session = await session_of(http, fake)
    fake.store.sessions[session].faces[0]["start_time"] = 4000
    status, answer = await post(http, fake, "advanced-lip-sync", lip_sync_body(session, sound_insert_time=2000))
    assert (status, answer["code"], "overlap" in answer["message"]) == (400, 1200, True)


# -- callbacks for the new kinds --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["generations", "effects", "kolors-virtual-try-on", "advanced-lip-sync"])
async def test_new_kinds_send_callbacks_per_status_change(http, kind):
    """Every new task kind POSTs the bare task object on processing and succeed, results included."""
    async with CallbackReceiver() as receiver, FakeKling() as fake:
        body = minimal_body(kind)
        if kind == "advanced-lip-sync":
            body = lip_sync_body(await session_of(http, fake))
            receiver.received.clear()
        assert (await post(http, fake, kind, {**body, "callback_url": receiver.url}))[0] == 200
        await fake.advance(60)
    payloads = [json.loads(raw) for _, raw in receiver.received]
    assert [payload["task_status"] for payload in payloads] == ["processing", "succeed"]
    assert "task_result" in payloads[-1]


# -- AnyFast ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        ("text2video", "text2video"),
        ("image2video", "image2video"),
        ("multi-image2video", "multi-image2video"),
        ("generations", "generations"),
        ("kolors-virtual-try-on", "kolors-virtual-try-on"),
    ],
)
async def test_anyfast_queries_every_kind_under_videos_action(http, kind, action):
    """GET /kling/v1/videos/{action}/{task_id}, image tasks included; another action, an external id or
    the images/ path finds nothing (HTTP 400 task_not_exist, or 404 for the undocumented path)."""
    async with FakeKling(dialect="anyfast") as fake:
        status, created = await post(http, fake, kind, minimal_body(kind, "anyfast", external_task_id="mine"))
        assert status == 200, created
        task_id = created["task_id"]
        await fake.advance(60)
        url = f"{fake.base_url}/kling/v1/videos/{action}/{task_id}"
        status, answer = await call(http, "GET", url)
        assert (status, answer["code"], answer["data"]["status"]) == (200, "success", "SUCCESS")
        other = "image2video" if action != "image2video" else "text2video"
        for wrong in (f"/kling/v1/videos/{other}/{task_id}", f"/kling/v1/videos/{action}/mine"):
            status, answer = await call(http, "GET", fake.base_url + wrong)
            assert (status, answer) == (400, {"code": "task_not_exist", "message": "task_not_exist", "data": None})
        if kind in ("generations", "kolors-virtual-try-on"):
            status, _ = await call(http, "GET", f"{fake.base_url}/kling/v1/images/{action}/{task_id}")
            assert status == 404


async def test_anyfast_hides_what_it_does_not_document(http):
    """multi-image2image, effects and /account/costs are 404 on AnyFast; an unknown task is 400 task_not_exist."""
    async with FakeKling(dialect="anyfast") as fake:
        for path, body in (
            ("/kling/v1/images/multi-image2image", minimal_body("multi-image2image", "anyfast")),
            ("/kling/v1/videos/effects", minimal_body("effects")),
        ):
            status, answer = await call(http, "POST", fake.base_url + path, json=body)
            assert (status, answer["error"]["code"]) == (404, "1203")
        assert (await call(http, "GET", fake.base_url + "/account/costs?start_time=1&end_time=2"))[0] == 404
        status, answer = await call(http, "GET", fake.base_url + "/kling/v1/videos/text2video/123")
        assert (status, answer["code"]) == (400, "task_not_exist")
        assert not fake.tasks


async def test_anyfast_lip_sync_is_queried_under_the_lip_sync_action(http):
    """kling-api.md lists lip-sync among AnyFast's query actions: the advanced lip-sync flow ends there."""
    async with FakeKling(dialect="anyfast") as fake:
        session = await session_of_anyfast(http, fake)
        status, created = await post(http, fake, "advanced-lip-sync", lip_sync_body(session))
        assert status == 200, created
        await fake.advance(60)
        status, answer = await call(http, "GET", f"{fake.base_url}/kling/v1/videos/lip-sync/{created['task_id']}")
        assert (status, answer["data"]["status"]) == (200, "SUCCESS")
        inner = answer["data"]["data"]["data"]
        assert inner["final_unit_deduction"] == "0.5"


async def session_of_anyfast(http: aiohttp.ClientSession, fake: FakeKling) -> str:
    status, created = await post(http, fake, "text2video", minimal_body("text2video", "anyfast"))
    assert status == 200, created
    await fake.advance(60)
    made = fake.tasks[created["task_id"]].result_id
    status, answer = await identify(http, fake, video_id=made)
    assert status == 200, answer
    return str(answer["data"]["session_id"])
