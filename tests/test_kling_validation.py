"""Requests are checked per provider and model before anything is sent, with actionable messages."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.kling.catalogue import load_catalogue
from bot.kling.errors import InvalidRequestError
from bot.kling.models import CameraConfig as Axis
from bot.kling.models import (
    CameraControl,
    ImageToVideoRequest,
    MultiImageToImageRequest,
    MultiImageToVideoRequest,
    TaskRequest,
    TextToVideoRequest,
)
from bot.kling.provider import prepare_request
from bot.kling.validation import validate_request
from bot.settings import Provider
from tests.fake_kling import make_jpeg, make_png

CATALOGUE = load_catalogue()
PNG = make_png(512, 512)


def refusal(request: TaskRequest, provider: Provider = "official") -> str:
    with pytest.raises(InvalidRequestError) as caught:
        validate_request(request, provider, CATALOGUE)
    return caught.value.user_message


@pytest.mark.parametrize(
    ("request_", "provider", "message"),
    [
        (ImageToVideoRequest(image=PNG, model="kling-v1"), "official", "kling-v1 was discontinued"),
        (ImageToVideoRequest(image=PNG, model="kling-v9"), "official", "Model kling-v9 can't do image → video"),
        (TextToVideoRequest(prompt="a cat", model="kling-v2-1"), "official", "Choose one of: kling-v3, kling-v2-6"),
        (ImageToVideoRequest(image=PNG, model="kling-v2-master", mode="pro"), "official", "takes no mode"),
        (TextToVideoRequest(prompt="   "), "official", "A prompt is required"),
        (TextToVideoRequest(prompt="x" * 2501), "official", "Prompt is 2501 characters; official allows at most 2500"),
        (TextToVideoRequest(prompt="x" * 501), "cometapi", "Prompt is 501 characters; cometapi allows at most 500"),
        (TextToVideoRequest(prompt="x", negative_prompt="n" * 201), "cometapi", "Negative prompt is 201 characters"),
        (MultiImageToVideoRequest(image_list=(PNG,), prompt="x"), "cometapi", "cometapi takes 2–4 images; you gave 1"),
        (MultiImageToVideoRequest(image_list=(PNG,) * 5, prompt="x"), "official", "takes 1–4 images; you gave 5"),
        (MultiImageToImageRequest(subjects=(PNG,)), "cometapi", "cometapi takes 2–4 subject images; you gave 1"),
        (MultiImageToImageRequest(subjects=(PNG, PNG)), "anyfast", "isn't available on anyfast"),
        (MultiImageToImageRequest(subjects=(PNG,), n=10), "official", "Image count must be 1–9"),
        (ImageToVideoRequest(image=PNG, model="kling-v2-6", cfg_scale=0.5), "official", "does not take cfg_scale"),
        (ImageToVideoRequest(image=PNG, model="kling-v1-6", cfg_scale=1.5), "official", "between 0 and 1"),
        (
            ImageToVideoRequest(image=PNG, model="kling-v2-1-master", image_tail=PNG),
            "official",
            "does not take an end image",
        ),
        (
            ImageToVideoRequest(
                image=PNG, image_tail=PNG, model="kling-v1-6", camera_control=CameraControl(type="down_back")
            ),
            "official",
            "can't be combined",
        ),
        (
            ImageToVideoRequest(
                image=PNG, model="kling-v1-6", camera_control=CameraControl(type="simple", config=Axis(pan=2, zoom=3))
            ),
            "official",
            "exactly one non-zero axis",
        ),
        (ImageToVideoRequest(image=make_png(299, 600)), "official", "The image is 299×600 px; each side"),
        (ImageToVideoRequest(image=make_png(1600, 600)), "official", "aspect ratio must be between 1:2.5 and 2.5:1"),
        (ImageToVideoRequest(image=b"GIF89a not really"), "official", "The image is not a readable PNG or JPEG"),
        (ImageToVideoRequest(image=PNG, image_tail=b"\x89PNG\r\n\x1a\n truncated"), "official", "The end image is not"),
        (MultiImageToVideoRequest(image_list=(PNG, make_png(100, 400)), prompt="x"), "official", "The image 2 is"),
        (MultiImageToImageRequest(subjects=(PNG,), scene=make_png(300, 100)), "official", "The scene is 300×100"),
    ],
)
def test_refusals_name_the_field_and_rule(request_: TaskRequest, provider: Provider, message: str) -> None:
    """Each broken rule is refused before sending, with a message that says what to change."""
    assert message in refusal(request_, provider)


def test_webp_is_refused_by_format() -> None:
    """Only PNG and JPEG reach Kling; other real images are named by format."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 400)).save(buffer, format="WEBP")
    assert "is WEBP; only PNG and JPEG" in refusal(ImageToVideoRequest(image=buffer.getvalue()))


def test_oversized_image_is_refused() -> None:
    """Over 10 MB is refused with the size."""
    assert "MB; the limit is 10 MB" in refusal(ImageToVideoRequest(image=PNG + b"\0" * (10 * 1024 * 1024)))


@pytest.mark.parametrize(
    ("request_", "provider", "model", "mode"),
    [
        (ImageToVideoRequest(image=make_jpeg()), "official", "kling-v3", "std"),
        (TextToVideoRequest(prompt="a cat"), "anyfast", "kling-v3", "std"),
        (MultiImageToVideoRequest(image_list=(PNG, PNG), prompt="x"), "cometapi", "kling-v1-6", "std"),
        (MultiImageToImageRequest(subjects=(PNG, PNG)), "cometapi", "kling-v2", None),
        (MultiImageToImageRequest(subjects=(PNG,)), "official", "kling-v2-1", None),
        (ImageToVideoRequest(image=PNG, model="kling-v2-master"), "official", "kling-v2-master", None),
    ],
)
def test_defaults_resolve_per_provider(request_: TaskRequest, provider: Provider, model: str, mode: str | None) -> None:
    """No model means the catalogue's first model for the kind at that provider; mode defaults to std."""
    resolved, _ = validate_request(request_, provider, CATALOGUE)
    assert resolved.model == model
    assert getattr(resolved, "mode", None) == mode


@pytest.mark.parametrize(
    ("model", "mode", "duration", "units"),
    [
        ("kling-v1-6", "std", "5", "2"),
        ("kling-v1-6", "pro", "10", "7"),
        ("kling-v2-master", None, "10", "20"),
        ("kling-v2-6", "pro", "5", "2.5"),
    ],
)
def test_video_costs_follow_the_catalogue(model: str, mode: str | None, duration: str, units: str) -> None:
    """Unit costs are data: per 5 s by mode, scaled by duration."""
    spec = CATALOGUE.find(model, TextToVideoRequest.kind)
    assert spec is not None
    assert spec.video_units(mode, duration) == Decimal(units)  # type: ignore[arg-type]


def test_operator_catalogue_replaces_the_shipped_one(tmp_path: Path) -> None:
    """An operator's catalogue file adds a model without any code change."""
    shipped = (Path(__file__).parents[1] / "bot" / "kling" / "catalogue.toml").read_text()
    custom = tmp_path / "catalogue.toml"
    custom.write_text(
        shipped.replace(
            "[[models]]",
            '[[models]]\nname = "kling-v4"\nkinds = ["text2video"]\nmodes = ["pro"]\ndurations = ["5"]\n'
            "units = { pro = 4 }\n\n[[models]]",
            1,
        )
    )
    catalogue = load_catalogue(custom)
    resolved, units = validate_request(TextToVideoRequest(prompt="x"), "official", catalogue)
    assert (resolved.model, resolved.mode, units) == ("kling-v4", "pro", 4)


def test_catalogue_rejects_a_model_without_costs(tmp_path: Path) -> None:
    """A model entry missing a mode's cost fails at load, not at billing time."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[providers.official]\nprompt_max=1\nnegative_prompt_max=1\nmulti_image_video_images=[1,4]\n"
        'subject_images=[1,4]\n[[models]]\nname="m"\nkinds=["text2video"]\nmodes=["std","pro"]\n'
        'durations=["5"]\nunits={std=1}\n'
    )
    with pytest.raises(ValueError, match="units must give a cost"):
        load_catalogue(bad)


def test_an_end_frame_picks_professional_when_no_mode_is_given() -> None:
    """kling-v2-6 takes an end frame only in pro: with no mode chosen the request goes as pro, priced as pro."""
    prepared = prepare_request(ImageToVideoRequest(image=PNG, image_tail=PNG, model="kling-v2-6"), "official",
                               load_catalogue())  # fmt: skip
    assert (prepared.request.mode, prepared.units) == ("pro", Decimal("2.5"))
    without = prepare_request(ImageToVideoRequest(image=PNG, model="kling-v2-6"), "official", load_catalogue())
    assert without.request.mode == "std"


def test_an_end_frame_in_standard_is_refused_with_the_way_out() -> None:
    """Standard chosen on purpose with an end frame: refused, naming the rule, the mode that works and its cost."""
    with pytest.raises(InvalidRequestError) as refused:
        prepare_request(ImageToVideoRequest(image=PNG, image_tail=PNG, model="kling-v2-6", mode="std"), "official",
                        load_catalogue())  # fmt: skip
    assert str(refused.value.user_message) == (
        "kling-v2-6 takes an end image only in Professional mode (2.5 units). Choose that mode, or leave out the "
        "end image."
    )
