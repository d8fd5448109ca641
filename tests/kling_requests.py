"""One small valid request of each kind, for client tests."""

from __future__ import annotations

from bot.kling.models import (
    ImageToVideoRequest,
    MultiImageToImageRequest,
    MultiImageToVideoRequest,
    TaskRequest,
    TextToVideoRequest,
)
from bot.vocabulary import TaskKind
from tests.fake_kling import make_jpeg, make_png

PNG = make_png(512, 512)
JPEG = make_jpeg(640, 360)


def request_of(kind: TaskKind, prompt: str = "a cat blinks slowly") -> TaskRequest:
    """Return a valid request of `kind` for any provider."""
    if kind is TaskKind.IMAGE_TO_VIDEO:
        return ImageToVideoRequest(image=PNG, image_tail=JPEG, prompt=prompt, negative_prompt="blur")
    if kind is TaskKind.MULTI_IMAGE_TO_VIDEO:
        return MultiImageToVideoRequest(image_list=(PNG, JPEG), prompt=prompt, aspect_ratio="1:1", duration="10")
    if kind is TaskKind.TEXT_TO_VIDEO:
        return TextToVideoRequest(prompt=prompt, aspect_ratio="9:16", mode="pro")
    return MultiImageToImageRequest(subjects=(PNG, JPEG), scene=PNG, style=JPEG, prompt=prompt, n=2)
