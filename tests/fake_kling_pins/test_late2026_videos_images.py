"""The fake Kling speaks the late-2026 API: kling-v3 (3–15 s, sound, storyboards), sound on older models,
per-second prices, images/generations and virtual try-on. Each rule: a valid request completes with the
documented price, an invalid one is refused with the documented status and code."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.fake_kling import FakeKling, b64, make_png
from tests.fake_kling.testing import create_url, minimal_body, png_b64
from tests.fake_kling_pins.calls import call, finish, post

IMAGE = png_b64()
SMALL = b64(make_png(200, 200))
FRAME = "https://example.com/frame.png"


async def refused(http: aiohttp.ClientSession, fake: FakeKling, kind: Any, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await post(http, fake, kind, body)
    assert status == 400, answer
    assert not fake.tasks
    result: dict[str, Any] = answer
    return result


def v3(kind: str = "text2video", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"model_name": "kling-v3", "prompt": "a fox runs"}
    if kind == "image2video":
        base["image"] = IMAGE
    return {**base, **fields}


def shots(*seconds: Any) -> list[dict[str, Any]]:
    return [{"index": i + 1, "prompt": f"shot {i + 1}", "duration": s} for i, s in enumerate(seconds)]


# -- kling-v3: durations, modes, sound, prices --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "units", "length"),
    [
        ("text2video", {"duration": "3"}, "1.8", "3.041"),  # std 0.6/s, default mode std
        ("text2video", {"duration": "15", "sound": "on"}, "13.5", "15.041"),  # std + sound 0.9/s
        ("text2video", {"duration": "7", "mode": "pro", "aspect_ratio": "9:16"}, "5.6", "7.041"),  # pro 0.8/s
        ("text2video", {"duration": "10", "mode": "pro", "sound": "on"}, "12", "10.041"),  # pro + sound 1.2/s
        ("text2video", {}, "3", "5.041"),  # duration defaults to "5"
        ("image2video", {"duration": "4", "image_tail": FRAME, "sound": "off"}, "2.4", "4.041"),  # std end frame
        ("image2video", {"duration": "5", "mode": "pro", "image_tail": FRAME, "sound": "on"}, "6", "5.041"),
    ],
)
async def test_v3_runs_3_to_15_seconds_priced_per_second(http, fake, kind, fields, units, length):
    """kling-v3 takes any whole second 3..15, std|pro, sound on|off, an end frame in std and pro; it is charged
    per second (kling-api.md: std 0.6 / 0.9 with sound, pro 0.8 / 1.2) and the pack goes down by as much."""
    before = fake.account.packs[0].remaining
    task = await finish(http, fake, kind, v3(kind, **fields))
    assert task["final_unit_deduction"] == units
    assert task["task_result"]["videos"][0]["duration"] == length
    assert fake.account.packs[0].remaining == pytest.approx(before - float(units))


@pytest.mark.parametrize(
    ("kind", "fields", "fragment"),
    [
        ("text2video", {"duration": "2"}, 'duration must be a string from "3" to "15"'),
        ("text2video", {"duration": "16"}, 'duration must be a string from "3" to "15"'),
        ("text2video", {"duration": 5}, 'duration must be a string from "3" to "15"'),
        ("text2video", {"mode": "4k"}, "mode"),
        ("text2video", {"sound": "yes"}, "sound must be one of"),
        ("text2video", {"sound": True}, "sound must be one of"),
        ("text2video", {"prompt": ""}, "prompt is required"),
        ("image2video", {"aspect_ratio": "16:9"}, "aspect_ratio is only supported by text2video"),
        ("image2video", {"prompt": ""}, "prompt is required"),
    ],
)
async def test_v3_refusals(http, fake, kind, fields, fragment):
    """Out-of-range durations, unknown modes/sound values and image2video aspect ratios are 400/1200."""
    answer = await refused(http, fake, kind, v3(kind, **fields))
    assert answer["code"] == 1200
    assert fragment in answer["message"]


# -- kling-v3 storyboards ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        # FULL's own example: six shots of 2+3+3+3+3+1 = 15 s, durations as strings, empty prompt.
        ("text2video", {"prompt": "", "duration": "15", "multi_prompt": shots("2", "3", "3", "3", "3", "1")}),
        ("text2video", {"prompt": None, "duration": "6", "multi_prompt": shots(3, 3)}),  # integer durations too
        ("text2video", {"duration": "3", "multi_prompt": shots("3")}),  # one shot is enough
        ("image2video", {"prompt": "", "duration": "5", "multi_prompt": shots("2", "3")}),  # first frame allowed
    ],
)
async def test_customize_storyboards_are_accepted(http, fake, kind, fields):
    """multi_shot + shot_type customize + multi_prompt (1–6 shots summing to the duration) on kling-v3."""
    body = {key: value for key, value in v3(kind, **fields).items() if value is not None}
    task = await finish(http, fake, kind, {**body, "multi_shot": True, "shot_type": "customize"})
    assert task["task_result"]["videos"][0]["duration"] == f"{fields['duration']}.041"


async def test_intelligence_storyboard_and_the_string_flag_of_the_docs_example(http, fake):
    """shot_type intelligence needs only a prompt; FULL's image2video example sends "multi_shot": "true"."""
    await finish(http, fake, "text2video", v3(multi_shot=True, shot_type="intelligence"))
    body = v3("image2video", multi_shot="true", shot_type="intelligence", duration="9", mode="pro")
    assert (await finish(http, fake, "image2video", body))["final_unit_deduction"] == "7.2"


@pytest.mark.parametrize(
    ("kind", "fields", "fragment"),
    [
        ("text2video", {"multi_shot": True}, "shot_type is required"),
        ("text2video", {"multi_shot": True, "shot_type": "auto"}, "shot_type must be one of"),
        ("text2video", {"multi_shot": True, "shot_type": "customize"}, "multi_prompt must hold 1 to 6"),
        ("text2video", {"multi_shot": True, "shot_type": "customize", "multi_prompt": []}, "1 to 6"),
        (
            "text2video",
            {"multi_shot": True, "shot_type": "customize", "duration": "7", "multi_prompt": shots(*"1111111")},
            "1 to 6",
        ),
        (
            "text2video",
            {"multi_shot": True, "shot_type": "customize", "multi_prompt": shots("2", "2")},
            "add up to the task duration 5 (got 4)",
        ),
        (
            "text2video",
            {"multi_shot": True, "shot_type": "customize", "multi_prompt": shots("0", "5")},
            "multi_prompt[0].duration must be whole seconds from 1 to 5",
        ),
        (
            "text2video",
            {"multi_shot": True, "shot_type": "customize", "multi_prompt": shots("6")},
            "from 1 to 5",
        ),
        (
            "text2video",
            {"multi_shot": True, "shot_type": "customize", "multi_prompt": shots("2.5", "2.5")},
            "whole seconds",
        ),
        (
            "text2video",
            {
                "multi_shot": True,
                "shot_type": "customize",
                "multi_prompt": [{"index": 1, "prompt": "x" * 513, "duration": "5"}],
            },
            "512 characters",
        ),
        (
            "text2video",
            {
                "multi_shot": True,
                "shot_type": "customize",
                "multi_prompt": [{"index": "1", "prompt": "x", "duration": "5"}],
            },
            "index must be an integer",
        ),
        ("text2video", {"multi_shot": True, "shot_type": "intelligence", "prompt": " "}, "prompt is required"),
        ("text2video", {"multi_shot": "yes"}, "multi_shot must be a boolean"),
        (
            "image2video",
            {"multi_shot": True, "shot_type": "intelligence", "image_tail": FRAME},
            "does not support first/end frame",
        ),
        (
            "text2video",
            {"model_name": "kling-v2-6", "multi_shot": True, "shot_type": "intelligence"},
            "multi_shot is only supported by kling-v3",
        ),
    ],
)
async def test_storyboard_refusals(http, fake, kind, fields, fragment):
    """Every documented storyboard rule refuses with 400/1200 naming the field."""
    answer = await refused(http, fake, kind, v3(kind, **fields))
    assert answer["code"] == 1200
    assert fragment in answer["message"]


# -- older models: durations and sound --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "units"),
    [
        ("text2video", {"model_name": "kling-v2-6", "mode": "pro", "sound": "on"}, "5"),
        ("text2video", {"model_name": "kling-v2-6", "mode": "pro", "sound": "on", "duration": "10"}, "10"),
        ("image2video", {"model_name": "kling-v2-6", "mode": "pro", "sound": "on", "image": IMAGE}, "5"),
        ("image2video", {"model_name": "kling-v2-6", "mode": "pro", "image_tail": FRAME, "image": IMAGE}, "2.5"),
        ("text2video", {"model_name": "kling-v2-6", "sound": "off", "duration": "10"}, "3"),
        ("text2video", {"model_name": "kling-v1-6", "sound": "off"}, "2"),
        ("text2video", {"model_name": "kling-v2-5-turbo", "mode": "pro", "duration": "10"}, "5"),
        ("image2video", {"model_name": "kling-v2-1", "mode": "pro", "image_tail": FRAME}, "3.5"),  # end frame only
    ],
)
async def test_older_models_keep_their_clip_prices_and_v2_6_pro_sound_costs_double(http, fake, kind, fields, units):
    """kling-v2-6 pro with sound is 5 / 10 units (kling-api.md); the other clip prices are unchanged."""
    body = {"prompt": "a fox runs", **fields}
    if kind == "image2video" and "image" not in body:
        body["image_tail"] = body.get("image_tail", FRAME)
    assert (await finish(http, fake, kind, body))["final_unit_deduction"] == units


@pytest.mark.parametrize(
    ("kind", "fields", "fragment"),
    [
        ("text2video", {"model_name": "kling-v2-6", "duration": "7"}, "duration must be one of"),
        ("text2video", {"model_name": "kling-v1-6", "duration": "3"}, "duration must be one of"),
        ("text2video", {"model_name": "kling-v2-6", "sound": "on"}, "only supported in pro mode for kling-v2-6"),
        (
            "image2video",
            {"model_name": "kling-v2-6", "mode": "pro", "sound": "on", "image_tail": FRAME},
            "cannot be combined with image_tail",
        ),
        (
            "text2video",
            {"model_name": "kling-v2-5-turbo", "mode": "pro", "sound": "on"},
            'sound "on" is not supported by kling-v2-5-turbo',
        ),
        ("text2video", {"model_name": "kling-v2-1-master", "sound": "on"}, "not supported by kling-v2-1-master"),
        ("image2video", {"model_name": "kling-v2-1", "mode": "pro", "image": None}, "image or image_tail is required"),
    ],
)
async def test_older_model_refusals(http, fake, kind, fields, fragment):
    """Older models take "5" | "10" only, and sound only on kling-v2-6 pro without an end frame."""
    body = {key: value for key, value in minimal_body(kind, **fields).items() if value is not None}
    answer = await refused(http, fake, kind, body)
    assert (answer["code"], fragment in answer["message"]) == (1200, True), answer


# -- images/generations -----------------------------------------------------------------------------------------


async def test_text_to_image_makes_n_images_priced_per_image_and_listed(http, fake):
    """kling-v3 images: n results `{index, url}`, 8 units each; they are served and listed like other kinds."""
    task = await finish(http, fake, "generations", {"model_name": "kling-v3", "prompt": "a fox", "n": 3})
    images = task["task_result"]["images"]
    assert [image["index"] for image in images] == [0, 1, 2]
    assert task["final_unit_deduction"] == "24"
    async with http.get(images[2]["url"]) as resp:
        assert (resp.status, resp.content_type) == (200, "image/png")
    status, listed = await call(http, "GET", create_url(fake, "generations"))
    assert (status, [item["task_id"] for item in listed["data"]]) == (200, [task["task_id"]])


@pytest.mark.parametrize(
    ("fields", "units"),
    [
        ({}, "1"),  # default model kling-v1, 1 unit per image (GRID pricing)
        ({"model_name": "kling-v1-5", "image": IMAGE, "image_reference": "face", "image_fidelity": 0.8, "n": 2}, "16"),
        ({"model_name": "kling-v1-5", "image": IMAGE, "image_reference": "subject", "human_fidelity": 0.45}, "8"),
        ({"model_name": "kling-v2-1", "negative_prompt": "blur", "aspect_ratio": "21:9", "resolution": "2k"}, "4"),
        ({"model_name": "kling-v2", "image": IMAGE, "n": 2}, "16"),
        ({"model_name": "kling-v2-new", "image": IMAGE}, "8"),
        ({"model_name": "kling-v3", "image": IMAGE, "resolution": "2k", "aspect_ratio": "3:2"}, "8"),
    ],
)
async def test_generation_variants_are_accepted(http, fake, fields, units):
    """Text to image and image to image across the documented models, with their image prices."""
    task = await finish(http, fake, "generations", {"prompt": "a fox", **fields})
    assert task["final_unit_deduction"] == units
    assert len(task["task_result"]["images"]) == fields.get("n", 1)


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"prompt": None}, "prompt is required"),
        ({"prompt": "x" * 2501}, "cannot exceed 2500"),
        ({"image": IMAGE, "negative_prompt": "blur"}, "negative_prompt is not supported when image is given"),
        ({"image": IMAGE, "image_reference": "face"}, "image_reference is only supported by kling-v1-5"),
        ({"model_name": "kling-v1-5", "image": IMAGE}, "image_reference"),
        ({"model_name": "kling-v1-5", "image_reference": "subject"}, "image is required when image_reference"),
        ({"model_name": "kling-v1-5", "image": IMAGE, "image_reference": "body"}, "image_reference must be one of"),
        ({"image_fidelity": 1.5}, "image_fidelity must be a number between 0 and 1"),
        ({"human_fidelity": -0.1}, "human_fidelity must be a number between 0 and 1"),
        ({"resolution": "4k"}, "resolution must be one of"),
        ({"model_name": "kling-v1-5", "resolution": "2k"}, '"2k" is not supported by kling-v1-5'),
        ({"n": 0}, "n must be an integer between 1 and 9"),
        ({"n": 10}, "n must be an integer between 1 and 9"),
        ({"n": "2"}, "n must be an integer between 1 and 9"),
        ({"model_name": "kling-v1", "aspect_ratio": "21:9"}, "21:9 is not supported by kling-v1"),
        ({"aspect_ratio": "5:4"}, "aspect_ratio must be one of"),
        ({"model_name": "kling-v2-new"}, "kling-v2-new only restyles an image"),
        ({"model_name": "kling-v2-master"}, "model_name 'kling-v2-master' is not supported"),
        ({"image": SMALL}, "at least 300px"),
    ],
)
async def test_generation_refusals(http, fake, fields, fragment):
    """Each images/generations field rule refuses with 400/1200 naming the field."""
    body = {key: value for key, value in {"model_name": "kling-v3", "prompt": "a fox", **fields}.items() if value}
    if fields.get("n") == 0:
        body["n"] = 0
    answer = await refused(http, fake, "generations", body)
    assert (answer["code"], fragment in answer["message"]) == (1200, True), answer


async def test_each_generated_image_holds_a_concurrency_slot(http):
    """n images hold n slots: with room for 3, an n=3 task fills the pack and the next create is 429/1303."""
    async with FakeKling(concurrency_limit=3) as fake:
        assert (await post(http, fake, "generations", minimal_body("generations", n=3)))[0] == 200
        status, answer = await post(http, fake, "generations", minimal_body("generations"))
        assert (status, answer["code"]) == (429, 1303)
        await fake.advance(60)
        assert (await post(http, fake, "generations", minimal_body("generations")))[0] == 200


async def test_cometapi_generations_path_serves_text_to_image_and_multi_image(http):
    """On CometAPI /kling/v1/images/generations is text → image, unless the body has subject_image_list."""
    async with FakeKling(dialect="cometapi") as fake:
        url = fake.base_url + "/kling/v1/images/generations"
        _, text = await call(http, "POST", url, json={"model_name": "kling-v2-1", "prompt": "a fox", "n": 2})
        subjects = minimal_body("multi-image2image", "cometapi", scence_image=FRAME)
        _, multi = await call(http, "POST", url, json=subjects)
        ids = text["data"]["task_id"], multi["data"]["task_id"]
        assert [fake.tasks[i].kind for i in ids] == ["generations", "multi-image2image"]
        await fake.advance(60)
        units = []
        for task_id in ids:
            status, answer = await call(http, "GET", f"{url}/{task_id}")
            assert status == 200
            units.append(answer["data"]["final_unit_deduction"])
    assert units == ["8", "16"]  # 2 × 4 (kling-v2-1 text to image); 1 × 16 (multi-image2image)


# -- virtual try-on ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [None, "kolors-virtual-try-on-v1", "kolors-virtual-try-on-v1-5"])
async def test_virtual_try_on_makes_one_image(http, fake, model):
    """human_image + cloth_image → one image (`task_result.images`), on both documented models."""
    body = minimal_body("kolors-virtual-try-on", **({"model_name": model} if model else {}))
    task = await finish(http, fake, "kolors-virtual-try-on", body)
    assert [image["index"] for image in task["task_result"]["images"]] == [0]
    assert task["final_unit_deduction"] == "0.5"


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"cloth_image": None}, "cloth_image is required"),
        ({"human_image": None}, "human_image is required"),
        ({"human_image": SMALL}, "human_image: image must be at least 300px"),
        ({"cloth_image": "data:image/png;base64," + IMAGE}, "data: prefix"),
        ({"model_name": "kolors-virtual-try-on-v2"}, "model_name 'kolors-virtual-try-on-v2' is not supported"),
    ],
)
async def test_virtual_try_on_refusals(http, fake, fields, fragment):
    """Both images are required and checked like every image; only the two documented models exist."""
    body = {key: value for key, value in minimal_body("kolors-virtual-try-on", **fields).items() if value}
    answer = await refused(http, fake, "kolors-virtual-try-on", body)
    assert (answer["code"], fragment in answer["message"]) == (1200, True), answer
