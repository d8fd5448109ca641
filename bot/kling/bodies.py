"""The fields each kind of task sends, as the official docs spell them (kling-api.md; the v3, effects,
lip-sync and try-on shapes from the official docs' copies it cites)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from bot.kling.dialects.official import OfficialDialect


def encode_image(data: bytes) -> str:
    """Encode an image (or sound file) as raw base64, without a `data:` prefix (Kling refuses one)."""
    return base64.b64encode(data).decode("ascii")


def kind_fields(request: TaskRequest, dialect: OfficialDialect) -> dict[str, Any]:
    """Return the fields particular to the request's kind (model name, prompts and ids are added around them)."""
    if isinstance(request, ImageToVideoRequest):
        fields = {"image": encode_image(request.image), **_video_fields(request)}
        if request.image_tail is not None:
            fields["image_tail"] = encode_image(request.image_tail)
        if request.cfg_scale is not None:
            fields["cfg_scale"] = request.cfg_scale
        if request.camera_control is not None:
            fields["camera_control"] = request.camera_control.model_dump(exclude_none=True)
        return fields
    if isinstance(request, MultiImageToVideoRequest):
        images = [{"image": encode_image(data)} for data in request.image_list]
        return {"image_list": images, "aspect_ratio": request.aspect_ratio, **_video_fields(request)}
    if isinstance(request, TextToVideoRequest):
        fields = {"aspect_ratio": request.aspect_ratio, **_video_fields(request), **_storyboard_fields(request)}
        if request.cfg_scale is not None:
            fields["cfg_scale"] = request.cfg_scale
        return fields
    if isinstance(request, MultiImageToImageRequest):
        return dialect.image_fields(request)
    if isinstance(request, TextToImageRequest):
        return _text_to_image_fields(request)
    if isinstance(request, EffectRequest):
        return _effect_fields(request)
    if isinstance(request, LipSyncRequest):
        return _lip_sync_fields(request)
    return _try_on_fields(request)


def _video_fields(request: ImageToVideoRequest | MultiImageToVideoRequest | TextToVideoRequest) -> dict[str, Any]:
    fields: dict[str, Any] = {"duration": request.duration}
    if request.mode is not None:
        fields["mode"] = request.mode
    if getattr(request, "sound", False):
        fields["sound"] = "on"  # sent only when on: the older models know no `sound` field
    return fields


def _storyboard_fields(request: TextToVideoRequest) -> dict[str, Any]:
    """`multi_shot`: with `customize`, the shots (durations as strings, as every example sends them);
    with `intelligence`, Kling splits the prompt itself. The task's prompt is ignored for `customize`."""
    if request.shot_type is None:
        return {}
    fields: dict[str, Any] = {"multi_shot": True, "shot_type": request.shot_type}
    if request.shot_type == "customize":
        fields["prompt"] = ""
        fields["multi_prompt"] = [
            {"index": index, "prompt": shot.prompt, "duration": str(shot.duration)}
            for index, shot in enumerate(request.shots, start=1)
        ]
    return fields


def _text_to_image_fields(request: TextToImageRequest) -> dict[str, Any]:
    fields: dict[str, Any] = {"n": request.n, "aspect_ratio": request.aspect_ratio, "resolution": request.resolution}
    if request.image is not None:
        fields["image"] = encode_image(request.image)
        if request.image_reference is not None:
            fields["image_reference"] = request.image_reference
        if request.image_fidelity is not None:
            fields["image_fidelity"] = request.image_fidelity
    return fields


def _effect_fields(request: EffectRequest) -> dict[str, Any]:
    """Single-photo scenes take `input.image` and a duration; the two-person scenes `input.images`
    (left, right), a model and a mode."""
    effect_input: dict[str, Any] = {"duration": request.duration}
    if len(request.image_list) == 1:
        effect_input["image"] = encode_image(request.image_list[0])
    else:
        effect_input["images"] = [encode_image(data) for data in request.image_list]
    if request.model is not None:
        effect_input["model_name"] = request.model
    if request.mode is not None:
        effect_input["mode"] = request.mode
    return {"effect_scene": request.scene, "input": effect_input}


def _lip_sync_fields(request: LipSyncRequest) -> dict[str, Any]:
    """advanced-lip-sync: the face identify-face found, and the window of sound it chose (see `faces.py`)."""
    face = request.face
    if face is None:
        raise ValueError("identify-face must run before a lip sync is created")
    choice = {
        "face_id": face.face_id,
        "sound_file": encode_image(request.audio),
        "sound_start_time": 0,
        "sound_end_time": face.sound_ms,
        "sound_insert_time": face.insert_ms,
    }
    return {"session_id": face.session_id, "face_choose": [choice]}


def _try_on_fields(request: TryOnRequest) -> dict[str, Any]:
    return {"human_image": encode_image(request.person), "cloth_image": encode_image(request.garment)}
