"""Sound files for lip sync: MP3 or WAV by content, 2–60 s measured by decoding, at most 5 MB."""

from __future__ import annotations

import pytest

from bot.media.audio import PreparedAudio, audio_seconds, check_audio_size, prepare_audio, prepare_audio_sync
from bot.media.errors import IntakeError
from tests.fake_kling import make_mp3, make_png, make_wav


@pytest.mark.parametrize("seconds", [2, 3.5, 60])
def test_a_wav_in_range_is_taken_as_it_is(seconds: float) -> None:
    """A WAV of 2–60 s passes byte for byte, with its format and length."""
    data = make_wav(seconds)
    assert prepare_audio_sync("audio", data) == PreparedAudio(data, "wav", pytest.approx(seconds, abs=0.01))


@pytest.mark.parametrize("id3", [True, False], ids=["id3-tag", "frame-sync"])
def test_an_mp3_is_recognised_and_measured(id3: bool) -> None:
    """An MP3, tagged or starting at a frame, is measured by decoding it (within a frame of its length)."""
    prepared = prepare_audio_sync("audio", make_mp3(5, id3=id3))
    assert prepared.format == "mp3"
    assert prepared.seconds == pytest.approx(5, abs=0.1)


async def test_the_async_form_checks_off_the_loop() -> None:
    """`prepare_audio` gives the same answer from a worker thread."""
    assert (await prepare_audio("audio", make_wav(3))).seconds == pytest.approx(3)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (make_wav(1), "The voice lasts 1.0 s; lip sync takes 2–60 seconds of sound. Use a longer clip"),
        (make_wav(61), "The voice lasts 61.0 s; lip sync takes 2–60 seconds of sound. Cut it shorter"),
        (make_png(), "The voice must be an MP3 or a WAV file; this one is neither"),
        (b"ID3" + bytes(4000), "I couldn't read the voice as MP3"),
        (make_wav(3)[:44], "I couldn't read the voice as WAV"),
    ],
    ids=["1-second", "61-seconds", "png", "empty-mp3", "header-only-wav"],
)
def test_refusals_name_the_file_and_the_rule(data: bytes, message: str) -> None:
    """Each refusal says which rule and what to do."""
    with pytest.raises(IntakeError) as refused:
        prepare_audio_sync("voice", data)
    assert message in refused.value.user_message


def test_over_5_mb_is_refused_by_size_alone() -> None:
    """The size rule needs no bytes, so callers apply it before downloading."""
    check_audio_size("voice", 5 * 1024 * 1024)
    with pytest.raises(IntakeError, match=r"The voice is 5\.1 MB; lip sync takes files up to 5 MB"):
        check_audio_size("voice", 5 * 1024 * 1024 + 1)
    with pytest.raises(IntakeError, match="up to 5 MB"):
        prepare_audio_sync("voice", make_wav(170))


def test_a_wav_header_claiming_more_than_it_holds_is_measured_by_its_sound() -> None:
    """The length comes from decoding, not the header: a 3 s WAV whose header claims an hour still lasts 3 s."""
    data = bytearray(make_wav(3))
    data[40:44] = (3600 * 32000).to_bytes(4, "little")  # the data chunk's size
    assert audio_seconds(bytes(data), "wav") == pytest.approx(3, abs=0.01)
