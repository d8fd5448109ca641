"""Inputs shared by the media tests, built once per run because encoding them costs time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media.makers import encoded, noise, noise_video


@pytest.fixture(scope="session")
def noise_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s 640×480 15 fps H.264 + AAC clip of moving noise, about 4 MB; tests must not change it."""
    return noise_video(tmp_path_factory.mktemp("video") / "noise.mp4")


@pytest.fixture(scope="session")
def big_noise_png() -> bytes:
    """A 2600×2000 RGB noise PNG: about 15.6 MB, over Kling's 10 MB but under our 25 MB input cap."""
    return encoded(noise(2600, 2000), "PNG", compress_level=1)
