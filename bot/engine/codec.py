"""Turn a request into storable parameters plus image references, and back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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
from bot.vocabulary import TaskKind
from db.models import ImageRef

REQUEST_TYPES: dict[TaskKind, type[TaskRequest]] = {
    TaskKind.IMAGE_TO_VIDEO: ImageToVideoRequest,
    TaskKind.MULTI_IMAGE_TO_VIDEO: MultiImageToVideoRequest,
    TaskKind.TEXT_TO_VIDEO: TextToVideoRequest,
    TaskKind.MULTI_IMAGE_TO_IMAGE: MultiImageToImageRequest,
    TaskKind.TEXT_TO_IMAGE: TextToImageRequest,
    TaskKind.EFFECTS: EffectRequest,
    TaskKind.LIP_SYNC: LipSyncRequest,
    TaskKind.TRY_ON: TryOnRequest,
}
ImageLoader = Callable[[str], Awaitable[bytes]]
ImageSaver = Callable[[bytes], Awaitable[str]]


def image_fields(request: TaskRequest) -> list[tuple[str, bytes]]:
    """Return `(field, bytes)` for every image or audio file; list fields are numbered `field.0`, `field.1`..."""
    found: list[tuple[str, bytes]] = []
    for name in type(request).model_fields:
        value = getattr(request, name)
        if isinstance(value, bytes):
            found.append((name, value))
        elif isinstance(value, tuple) and value and isinstance(value[0], bytes):
            found.extend((f"{name}.{index}", item) for index, item in enumerate(value))
    return found


async def encode_request(request: TaskRequest, save: ImageSaver) -> tuple[dict[str, Any], tuple[ImageRef, ...]]:
    """Return the request's parameters (JSON-ready, no image bytes) and references to its saved images."""
    images = image_fields(request)
    refs = tuple([ImageRef(field=field, sha256=await save(data), size=len(data)) for field, data in images])
    image_names = {field.split(".", 1)[0] for field, _ in images}
    params = request.model_dump(mode="json", exclude=image_names)
    return params, refs


async def decode_request(
    kind: TaskKind, params: dict[str, Any], images: tuple[ImageRef, ...], load: ImageLoader
) -> TaskRequest:
    """Rebuild the request a task was made from, loading its images."""
    data: dict[str, Any] = dict(params)
    lists: dict[str, dict[int, bytes]] = {}
    for ref in images:
        content = await load(ref.sha256)
        name, _, index = ref.field.partition(".")
        if index:
            lists.setdefault(name, {})[int(index)] = content
        else:
            data[name] = content
    for name, items in lists.items():
        data[name] = tuple(items[i] for i in sorted(items))
    return REQUEST_TYPES[kind].model_validate(data)
