"""The per-model rules of late-2026 Kling, as the bot checks them before any provider call (kling-api.md,
"Kling in late 2026"): each refusal names the rule, and where one change cures it, offers that change
with its price."""

from __future__ import annotations

import io
import wave
from decimal import Decimal

import pytest

from bot.kling.catalogue import load_catalogue
from bot.kling.errors import InvalidRequestError, NoFaceError
from bot.kling.faces import sound_window
from bot.kling.models import (
    EffectRequest,
    ImageToVideoRequest,
    LipSyncRequest,
    Shot,
    TaskRequest,
    TextToImageRequest,
    TextToVideoRequest,
    TryOnRequest,
)
from bot.kling.provider import prepare_request
from bot.settings import Provider
from tests.fake_kling import make_jpeg, make_png

CATALOGUE = load_catalogue()
PNG = make_png(512, 512)
JPEG = make_jpeg(640, 360)


def wav(seconds: float, rate: int = 8000) -> bytes:
    """Return a silent mono WAV of `seconds`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


def refused(request: TaskRequest, provider: Provider = "official") -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as caught:
        prepare_request(request, provider, CATALOGUE)
    return caught.value


def price(request: TaskRequest, provider: Provider = "official") -> Decimal:
    return prepare_request(request, provider, CATALOGUE).units


# --- kling-v3: 3–15 s, per-second prices, sound in both modes, end frame in both modes ---------------------


@pytest.mark.parametrize(
    ("mode", "duration", "sound", "units"),
    [("std", "3", False, "1.8"), ("std", "15", True, "13.5"), ("pro", "7", False, "5.6"), ("pro", "10", True, "12")],
)
def test_kling_v3_is_priced_per_second_with_and_without_sound(
    mode: str, duration: str, sound: bool, units: str
) -> None:
    """std 0.6 (0.9 with sound), pro 0.8 (1.2 with sound) units a second."""
    request = TextToVideoRequest(prompt="x", model="kling-v3", mode=mode, duration=duration, sound=sound)  # type: ignore[arg-type]
    assert price(request) == Decimal(units)


@pytest.mark.parametrize("duration", ["2", "16", "0"])
def test_kling_v3_durations_are_3_to_15_seconds(duration: str) -> None:
    """Outside 3–15 s is refused naming the range."""
    error = refused(TextToVideoRequest(prompt="x", model="kling-v3", duration=duration))
    assert "kling-v3 makes videos of 3–15 s" in error.user_message


def test_an_older_model_refuses_7_seconds_and_offers_kling_v3() -> None:
    """7 s on kling-v2-6: refused, with a button that switches to kling-v3 at its price."""
    error = refused(TextToVideoRequest(prompt="x", model="kling-v2-6", duration="7"))
    assert "kling-v2-6 makes videos of 5 or 10 s" in error.user_message
    assert error.fix is not None
    assert dict(error.fix.changes) == {"model": "kling-v3", "mode": "std"}
    assert error.fix.label == "Use kling-v3 — 4.2 units"


def test_kling_v3_takes_an_end_frame_in_standard() -> None:
    """Unlike v1-5..v2-6, v3 takes an end frame in std and pro."""
    request = ImageToVideoRequest(image=PNG, image_tail=JPEG, model="kling-v3", mode="std")
    assert prepare_request(request, "official", CATALOGUE).request.mode == "std"  # type: ignore[union-attr]


# --- sound ------------------------------------------------------------------------------------------------------


def test_sound_on_a_silent_model_offers_one_with_sound() -> None:
    """kling-v2-5-turbo is silent: the fix is kling-v3 with sound."""
    error = refused(TextToVideoRequest(prompt="x", model="kling-v2-5-turbo", sound=True))
    assert "makes silent videos" in error.user_message
    assert error.fix is not None
    assert dict(error.fix.changes)["model"] == "kling-v3"
    assert error.fix.label == "Use kling-v3 — 4.5 units"  # 5 s std with sound: 0.9 × 5


def test_kling_v2_6_sound_is_professional_only_and_priced_as_such() -> None:
    """v2-6 sound: pro only (5 units for 5 s); std with sound is refused with "Use Professional — 5 units"."""
    error = refused(TextToVideoRequest(prompt="x", model="kling-v2-6", mode="std", sound=True))
    assert "only in Professional mode" in error.user_message
    assert error.fix is not None
    assert (dict(error.fix.changes), error.fix.label) == ({"mode": "pro"}, "Use Professional — 5 units")
    assert price(TextToVideoRequest(prompt="x", model="kling-v2-6", sound=True, duration="10")) == 10  # picks pro


def test_kling_v2_6_sound_and_an_end_frame_do_not_mix() -> None:
    """v2-6: sound with an end frame is refused; kling-v3 does both."""
    request = ImageToVideoRequest(image=PNG, image_tail=JPEG, model="kling-v2-6", mode="pro", sound=True)
    error = refused(request)
    assert "can't make sound and use an end image together" in error.user_message
    assert error.fix is not None
    assert dict(error.fix.changes)["model"] == "kling-v3"


def test_end_frame_in_standard_on_a_pro_only_model_offers_professional() -> None:
    """The original defect: std + end frame on v2-6 is refused with "Use Professional — 2.5 units"."""
    error = refused(ImageToVideoRequest(image=PNG, image_tail=JPEG, model="kling-v2-6", mode="std"))
    assert error.fix is not None
    assert error.fix.label == "Use Professional — 2.5 units"


# --- storyboards ----------------------------------------------------------------------------------------------


def story(*shots: tuple[int, str], duration: str | None = None, model: str = "kling-v3") -> TextToVideoRequest:
    total = duration or str(sum(seconds for seconds, _ in shots))
    parts = tuple(Shot(prompt=text, duration=seconds) for seconds, text in shots)
    return TextToVideoRequest(model=model, shot_type="customize", shots=parts, duration=total)


def test_a_storyboard_of_six_shots_is_priced_on_its_total() -> None:
    """Six shots of 2 s (12 s, std): 7.2 units; no prompt needed."""
    assert price(story(*[(2, f"shot {i}") for i in range(6)])) == Decimal("7.2")


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (story(*[(2, "x")] * 7), "1–6 shots; this one has 7"),
        (story((3, "a" * 513)), "Shot 1's prompt is 513 characters; a shot takes at most 512"),
        (story((3, "a"), (0, "b"), duration="3"), "Shot 2 must last at least 1 second"),
        (story((3, "a"), (4, "  ")), "Shot 2 has no prompt"),
        (story((3, "a"), (2, "b"), model="kling-v2-6"), "storyboards need a multi-shot model"),
        (TextToVideoRequest(model="kling-v3", shot_type="intelligence", duration="8"), "A prompt is required"),
    ],
)
def test_storyboard_rules(request_: TextToVideoRequest, words: str) -> None:
    """Each storyboard rule is refused naming it."""
    assert words in refused(request_).user_message


def test_shots_that_do_not_add_up_offer_the_right_length() -> None:
    """Shots of 3 + 4 s in a 10 s video: refused, with "Make it 7 s" at its price."""
    error = refused(story((3, "a"), (4, "b"), duration="10"))
    assert "they must add up exactly" in error.user_message
    assert error.fix is not None
    assert (dict(error.fix.changes), error.fix.label) == ({"duration": "7"}, "Make it 7 s — 4.2 units")


# --- images, effects, lip sync, try-on ------------------------------------------------------------------------


def test_text_to_image_is_kling_v3_at_8_units_an_image() -> None:
    """`images/generations`: kling-v3 by default, 8 units per image."""
    prepared = prepare_request(TextToImageRequest(prompt="a fox", n=9), "official", CATALOGUE)
    assert (prepared.request.model, prepared.units) == ("kling-v3", 72)


def test_text_to_image_refuses_a_negative_prompt_with_a_reference() -> None:
    """Kling takes no negative prompt together with `image`."""
    error = refused(TextToImageRequest(prompt="a fox", image=PNG, negative_prompt="blur"))
    assert "no negative prompt together with a reference image" in error.user_message


def test_two_person_effects_need_two_photos() -> None:
    """hug takes two photos; one is refused, two are priced by mode."""
    assert "takes two photos" in refused(EffectRequest(scene="hug", image_list=(PNG,))).user_message
    prepared = prepare_request(EffectRequest(scene="hug", image_list=(PNG, JPEG), mode="pro"), "official", CATALOGUE)
    assert (prepared.request.model, prepared.units) == ("kling-v1-6", Decimal("3.5"))


def test_an_unknown_effect_lists_the_real_ones() -> None:
    """A made-up scene is refused with the list."""
    assert "Choose one of: bloombloom" in refused(EffectRequest(scene="moonwalk", image_list=(PNG,))).user_message


@pytest.mark.parametrize(
    ("audio", "seconds", "words"),
    [
        (wav(1), 1.0, "lip sync takes 2–60 seconds"),
        (wav(3), 61.0, "lip sync takes 2–60 seconds"),
        (b"OggS" + b"\0" * 100, 3.0, "must be an MP3 or a WAV"),
        (b"RIFF" + b"\0" * 4 + b"WAVE" + b"\0" * (5 * 1024 * 1024), 3.0, "the limit is 5 MB"),
    ],
)
def test_lip_sync_audio_rules(audio: bytes, seconds: float, words: str) -> None:
    """mp3/wav, 2–60 s, at most 5 MB."""
    request = LipSyncRequest(video_id="v1", audio=audio, audio_format="wav", audio_seconds=seconds)
    assert words in refused(request).user_message


def test_lip_sync_costs_half_a_unit_per_5_seconds_begun() -> None:
    """12 s of audio: three 5-second blocks, 1.5 units."""
    request = LipSyncRequest(video_id="v1", audio=wav(12), audio_format="wav", audio_seconds=12)
    assert price(request) == Decimal("1.5")


def test_try_on_takes_a_person_and_a_garment() -> None:
    """One image, priced from the catalogue."""
    prepared = prepare_request(TryOnRequest(person=PNG, garment=JPEG), "official", CATALOGUE)
    assert prepared.request.model == "kolors-virtual-try-on-v1-5"


@pytest.mark.parametrize(
    ("request_", "provider"),
    [
        (EffectRequest(scene="squish", image_list=(PNG,)), "anyfast"),
        (TryOnRequest(person=PNG, garment=JPEG), "cometapi"),
        (LipSyncRequest(video_id="v", audio=wav(3), audio_format="wav", audio_seconds=3), "anyfast"),
    ],
)
def test_what_a_provider_does_not_document_is_hidden_not_guessed(request_: TaskRequest, provider: Provider) -> None:
    """An endpoint missing from a provider's docs is refused plainly before any call."""
    assert f"isn't available on {provider}" in refused(request_, provider).user_message


def test_lip_sync_is_priced_on_the_sound_laid_over_the_video() -> None:
    """60 s of audio on a 5 s video: only 5 s is used, so one block, 0.5 units."""
    request = LipSyncRequest(video_id="v", audio=wav(60), audio_format="wav", audio_seconds=60, video_seconds=5)
    assert price(request) == Decimal("0.5")


def test_the_sound_window_stays_inside_the_video_and_the_audio() -> None:
    """identify-face's end_time overshoots (5200 for a 5 s video): the sound ends 200 ms inside the video,
    is laid from the face's first frame, and under 2 s of overlap is refused."""
    long_audio = LipSyncRequest(video_id="v", audio=wav(60), audio_format="wav", audio_seconds=60, video_seconds=5)
    window = sound_window(long_audio, "s", "0", 0, 5200)
    assert (window.insert_ms, window.sound_ms) == (0, 4800)
    short_audio = LipSyncRequest(video_id="v", audio=wav(2), audio_format="wav", audio_seconds=2.0, video_seconds=5)
    assert sound_window(short_audio, "s", "0", 1000, 5200).sound_ms == 2000  # never cut below the 2 s allowed
    with pytest.raises(NoFaceError, match="under 2 seconds"):
        sound_window(long_audio, "s", "0", 3500, 5200)


def test_a_fix_is_offered_only_when_the_fixed_request_goes() -> None:
    """kling-v2-6, std, sound and an end image: the cure is kling-v3 (which does both), not "Use Professional"
    (which would meet the next refusal); and the fixed request really goes."""
    request = ImageToVideoRequest(image=PNG, image_tail=JPEG, model="kling-v2-6", mode="std", sound=True)
    error = refused(request)
    assert error.fix is not None
    assert dict(error.fix.changes)["model"] == "kling-v3"
    assert price(request.model_copy(update=dict(error.fix.changes))) == Decimal("4.5")
