"""Fitting finished videos under Discord's upload limit, and their poster frames."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from PIL import Image

from bot.media.video import FittedVideo, VideoTooLarge, fit_video, plan_encode, poster_frame, probe_video

MIB = 1024 * 1024


def test_probe_reads_duration_and_size(noise_mp4: Path) -> None:
    """Duration comes from the container, size from the video stream."""
    duration, width, height = probe_video(noise_mp4)
    assert (width, height) == (640, 480)
    assert duration == pytest.approx(3.0, abs=0.1)


async def test_video_that_fits_is_returned_untouched(noise_mp4: Path, tmp_path: Path) -> None:
    """No re-encode when the file is already within the limit."""
    fitted = await fit_video(noise_mp4, noise_mp4.stat().st_size, tmp_path)
    assert fitted == FittedVideo(noise_mp4, reencoded=False)
    assert not list(tmp_path.iterdir())


async def test_oversized_video_is_reencoded_under_the_limit(noise_mp4: Path, tmp_path: Path) -> None:
    """A re-encode lands under the limit, decodes, and keeps its size, duration, frames and audio."""
    limit = noise_mp4.stat().st_size // 3
    fitted = await fit_video(noise_mp4, limit, tmp_path)
    assert fitted.reencoded
    assert fitted.path.parent == tmp_path
    assert fitted.path.stat().st_size <= limit
    duration, width, height = probe_video(fitted.path)
    assert (width, height) == (640, 480)
    assert duration == pytest.approx(3.0, abs=0.15)
    with av.open(str(fitted.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert sum(1 for _ in container.decode(video=0)) == 45


async def test_impossible_limit_is_refused_without_leaving_files(noise_mp4: Path, tmp_path: Path) -> None:
    """20 KB for 3 s is far below any watchable bitrate: refused before encoding anything."""
    with pytest.raises(VideoTooLarge, match="kbit/s"):
        await fit_video(noise_mp4, 20_000, tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("limit", "seconds", "size", "audio", "expected"),
    [
        (10 * MIB, 5, (1920, 1080), True, (1920, 1080)),
        (1 * MIB, 10, (1920, 1080), True, (1280, 720)),
        (1 * MIB, 10, (1080, 1920), True, (720, 1280)),
        (600 * 1024, 10, (1920, 1080), True, (854, 480)),
        (600 * 1024, 10, (1920, 1080), False, (1280, 720)),
        (300 * 1024, 10, (1920, 1080), True, None),
        (300 * 1024, 10, (640, 360), False, None),
    ],
    ids=[
        "fits-1080p",
        "720p",
        "portrait-720p",
        "480p",
        "480p-without-audio-is-720p",
        "too-little",
        "never-below-source",
    ],
)
def test_plan_drops_resolution_before_giving_up(
    limit: int, seconds: float, size: tuple[int, int], audio: bool, expected: tuple[int, int] | None
) -> None:
    """The plan keeps the largest size whose bitrate floor the limit allows: source, 720p, then 480p, else refuse."""
    if expected is None:
        with pytest.raises(VideoTooLarge):
            plan_encode(limit, seconds, size, audio)
        return
    plan = plan_encode(limit, seconds, size, audio)
    assert (plan.width, plan.height) == expected
    total_bits = (plan.video_bitrate + plan.audio_bitrate) * seconds
    assert total_bits == pytest.approx(limit * 8 * 0.92, rel=0.001)


async def test_poster_frame_is_a_small_jpeg_of_the_first_frame(noise_mp4: Path, tmp_path: Path) -> None:
    """The poster is a JPEG at the video's size, under 1 MB."""
    dest = await poster_frame(noise_mp4, tmp_path / "poster.jpg")
    assert dest == tmp_path / "poster.jpg"
    data = dest.read_bytes()
    assert len(data) <= MIB
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("JPEG", (640, 480))
