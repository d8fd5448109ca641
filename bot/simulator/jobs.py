"""What the simulator keeps of each request (`describe`) and how it turns that into files (`render`).

A task folder holds `task.json` (the spec below under "request"), the input images as `input-<n>.bin`, and for
lip sync the source video (`source.mp4`) and the member's sound (`audio.bin`). The spec is plain JSON so a
restart, or a newer simulator reading an older folder, can still render it: keys added later have defaults.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from bot.kling.catalogue import Catalogue
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
from bot.simulator.effects import render_effect
from bot.simulator.lipsync import render_lip_sync, video_seconds
from bot.simulator.render import render_images, render_storyboard, render_video
from bot.simulator.stills import render_text_images, render_try_on
from bot.vocabulary import TaskKind

__all__ = [
    "AUDIO_FILE",
    "SOURCE_FILE",
    "describe",
    "nearest_ratio",
    "render",
    "seconds_of",
    "split_prompt",
    "storyboard_of",
]

SOURCE_FILE = "source.mp4"
AUDIO_FILE = "audio.bin"
MAX_AUTO_SHOTS = 3
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


def describe(request: TaskRequest, catalogue: Catalogue) -> dict[str, Any]:
    """Return what rendering `request` needs besides its images, as JSON-ready values."""
    spec: dict[str, Any] = {"prompt": request.prompt}
    if isinstance(request, MultiImageToImageRequest):
        spec.update(subjects=len(request.subjects), scene=request.scene is not None, style=request.style is not None)
        spec.update(n=request.n, aspect_ratio=request.aspect_ratio)
    elif isinstance(request, TextToImageRequest):
        spec.update(n=request.n, aspect_ratio=request.aspect_ratio, resolution=request.resolution)
        spec.update(reference=request.image is not None, fidelity=request.image_fidelity)
    elif isinstance(request, EffectRequest):
        effect = catalogue.effect(request.scene)
        spec.update(scene=request.scene, label=effect.label if effect else request.scene, duration=request.duration)
    elif isinstance(request, LipSyncRequest):
        spec.update(video_id=request.video_id, source_task=request.source_task, audio_format=request.audio_format)
    elif isinstance(request, TryOnRequest):
        pass
    elif isinstance(request, TextToVideoRequest):
        spec.update(duration=request.duration, aspect_ratio=request.aspect_ratio, sound=request.sound)
        spec["shots"] = storyboard_of(request) if request.is_storyboard else None
    elif isinstance(request, ImageToVideoRequest):
        spec.update(duration=request.duration, aspect_ratio=None, sound=request.sound)  # keeps the image's shape
    elif isinstance(request, MultiImageToVideoRequest):
        spec.update(duration=request.duration, aspect_ratio=request.aspect_ratio)
    return spec


def storyboard_of(request: TextToVideoRequest) -> list[tuple[str, int]]:
    """Return the storyboard's shots as (prompt, seconds): the member's own, or the prompt split for them."""
    if request.shot_type == "customize":
        return [(shot.prompt, shot.duration) for shot in request.shots]
    return split_prompt(request.prompt, int(request.duration))


def split_prompt(prompt: str, seconds: int) -> list[tuple[str, int]]:
    """Split a prompt into 2–3 shots by its sentences (else its clauses, else its words), sharing `seconds`.

    Earlier shots get the odd seconds; no shot is shorter than a second, so a 1 s video has one shot.
    """
    pieces = _pieces(prompt.strip())
    count = max(1, min(MAX_AUTO_SHOTS, len(pieces), seconds))
    groups = [" ".join(pieces[len(pieces) * i // count : len(pieces) * (i + 1) // count]) for i in range(count)]
    base, extra = divmod(seconds, count)
    return [(group, base + (1 if index < extra else 0)) for index, group in enumerate(groups)]


def _pieces(prompt: str) -> list[str]:
    for pattern in (SENTENCE_END, CLAUSE_END):
        pieces = [piece for piece in pattern.split(prompt) if piece.strip()]
        if len(pieces) >= 2:
            return pieces
    words = prompt.split()
    if len(words) >= 2:
        half = len(words) // 2
        return [" ".join(words[:half]), " ".join(words[half:])]
    return [prompt, prompt]  # one word: two takes of it


def render(kind: TaskKind, spec: dict[str, Any], folder: Path) -> list[Path]:
    """Render the task described by `spec` (inputs beside it in `folder`) and return its result files."""
    inputs = [path.read_bytes() for path in sorted(folder.glob("input-*.bin"), key=_input_number)]
    prompt: str = spec["prompt"]
    if kind is TaskKind.MULTI_IMAGE_TO_IMAGE:
        subjects = inputs[: spec["subjects"]]
        rest = inputs[spec["subjects"] :]
        scene = rest.pop(0) if spec["scene"] else None
        style = rest.pop(0) if spec["style"] else None
        return render_images(
            subjects, scene, style, prompt, count=spec["n"], aspect_ratio=spec["aspect_ratio"], dest_dir=folder
        )
    if kind is TaskKind.TEXT_TO_IMAGE:
        return render_text_images(
            prompt,
            inputs[0] if spec["reference"] else None,
            count=spec["n"],
            aspect_ratio=spec["aspect_ratio"],
            resolution=spec["resolution"],
            fidelity=spec["fidelity"],
            dest_dir=folder,
        )
    if kind is TaskKind.TRY_ON:
        return [render_try_on(inputs[0], inputs[1], dest=folder / "0.png")]
    dest = folder / "0.mp4"
    if kind is TaskKind.EFFECTS:
        ratio = "16:9" if len(inputs) == 2 else nearest_ratio(inputs[0])
        seconds = int(spec["duration"])
        return [render_effect(inputs, spec["scene"], spec["label"], seconds=seconds, aspect_ratio=ratio, dest=dest)]
    if kind is TaskKind.LIP_SYNC:
        audio = (folder / AUDIO_FILE).read_bytes()
        return [render_lip_sync(folder / SOURCE_FILE, audio, spec["audio_format"], dest=dest)]
    ratio = spec["aspect_ratio"] or nearest_ratio(inputs[0])
    sound = bool(spec.get("sound", False))  # folders from before sound have no key
    shots: Sequence[Sequence[Any]] | None = spec.get("shots")
    if shots:
        storyboard = [(str(text), int(length)) for text, length in shots]
        return [render_storyboard(storyboard, aspect_ratio=ratio, dest=dest, sound=sound)]
    return [render_video(inputs, prompt, seconds=int(spec["duration"]), aspect_ratio=ratio, dest=dest, sound=sound)]


def seconds_of(video: Path) -> float:
    """Return how long a rendered video lasts."""
    return video_seconds(video)[0]


def nearest_ratio(image: bytes) -> str:
    """Return the video aspect ratio closest to the image's shape."""
    with Image.open(io.BytesIO(image)) as opened:
        width, height = opened.size
    shape = width / height
    return "16:9" if shape > 1.3 else "9:16" if shape < 0.77 else "1:1"


def _input_number(path: Path) -> int:
    return int(path.stem.partition("-")[2])
