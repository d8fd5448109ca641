"""One small valid request of each kind, for client and engine tests."""

from __future__ import annotations

import io
import wave

from bot.kling.catalogue import load_catalogue
from bot.kling.models import (
    EffectRequest,
    ImageToVideoRequest,
    LipSyncRequest,
    MultiImageToImageRequest,
    MultiImageToVideoRequest,
    TaskRequest,
    TextToImageRequest,
    TextToVideoRequest,
    TryOnRequest,
)
from bot.settings import Provider
from bot.vocabulary import TaskKind
from tests.fake_kling import make_jpeg, make_png

PNG = make_png(512, 512)
JPEG = make_jpeg(640, 360)
CATALOGUE = load_catalogue()
# How many images each image kind's request_of() asks for.
IMAGES_MADE = {TaskKind.MULTI_IMAGE_TO_IMAGE: 2, TaskKind.TEXT_TO_IMAGE: 2, TaskKind.TRY_ON: 1}


def offered(kind: TaskKind, provider: Provider) -> bool:
    """Return True when the shipped catalogue says `provider` documents `kind`."""
    return CATALOGUE.offers(kind, provider)


def wav(seconds: float = 3.0, rate: int = 8000) -> bytes:
    """Return a mono 16-bit WAV of a soft tone lasting `seconds`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(((i // 8) % 2) * 40 for i in range(int(seconds * rate) * 2)))
    return buffer.getvalue()


def request_of(kind: TaskKind, prompt: str = "a cat blinks slowly", *, video_id: str = "") -> TaskRequest:
    """Return a valid request of `kind` for any provider that offers it (lip sync needs a video id)."""
    if kind is TaskKind.IMAGE_TO_VIDEO:
        return ImageToVideoRequest(image=PNG, image_tail=JPEG, prompt=prompt, negative_prompt="blur")
    if kind is TaskKind.MULTI_IMAGE_TO_VIDEO:
        return MultiImageToVideoRequest(image_list=(PNG, JPEG), prompt=prompt, aspect_ratio="1:1", duration="10")
    if kind is TaskKind.TEXT_TO_VIDEO:
        return TextToVideoRequest(prompt=prompt, aspect_ratio="9:16", mode="pro")
    if kind is TaskKind.TEXT_TO_IMAGE:
        return TextToImageRequest(prompt=prompt, n=2, aspect_ratio="4:3")
    if kind is TaskKind.EFFECTS:
        return EffectRequest(scene="hug", image_list=(PNG, JPEG))
    if kind is TaskKind.LIP_SYNC:
        return LipSyncRequest(video_id=video_id, audio=wav(), audio_format="wav", audio_seconds=3.0)
    if kind is TaskKind.TRY_ON:
        return TryOnRequest(person=PNG, garment=JPEG)
    return MultiImageToImageRequest(subjects=(PNG, JPEG), scene=PNG, style=JPEG, prompt=prompt, n=2)
