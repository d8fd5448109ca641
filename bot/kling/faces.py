"""Lip sync's first step: `POST /v1/videos/identify-face` finds the faces in a Kling video.

The answer is synchronous: `data.session_id` (valid 24 h) and `data.face_data[{face_id, start_time,
end_time}]` (milliseconds). It creates no task, so asking twice is harmless. Kling's docs give no code
for an unknown or expired video id; any refusal of the id reads as "the video is gone".
"""

from __future__ import annotations

import json
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.kling.errors import InvalidInputError, NoFaceError, TaskNotFoundError, VideoUnavailableError
from bot.kling.models import FaceChoice, LipSyncRequest
from bot.kling.wire import parse_model

MIN_FACE_MS = 2000  # Kling wants the sound and the face on screen together for at least 2 s
# identify-face's end_time "has a millisecond level error and will be longer than the actual ending time",
# and Kling refuses sound that ends after the video or after the audio: stay this far inside both.
MARGIN_MS = 200


class _Caller(Protocol):
    async def call(self, method: str, path: str, *, body: bytes | None = None) -> object: ...


class _Face(BaseModel):
    model_config = ConfigDict(extra="ignore")

    face_id: str
    start_time: int = 0
    end_time: int = 0


class _Faces(BaseModel):
    model_config = ConfigDict(extra="ignore")

    session_id: str
    face_data: list[_Face] = []


async def identify_face(transport: _Caller, path: str, request: LipSyncRequest) -> LipSyncRequest:
    """Return the request with the face to animate: the one on screen longest."""
    body = json.dumps({"video_id": request.video_id}).encode()
    try:
        payload = await transport.call("POST", path, body=body)
    except (InvalidInputError, TaskNotFoundError) as exc:
        raise VideoUnavailableError(
            "Kling no longer has that video (it keeps results for 30 days), so it can't be lip-synced."
        ) from exc
    data = payload.get("data") if isinstance(payload, dict) else None
    faces = parse_model(_Faces, data, "identify-face answer")
    if not faces.face_data:
        raise NoFaceError("Kling found no face in that video, so there is nothing to lip-sync.")
    face = max(faces.face_data, key=lambda f: f.end_time - f.start_time)
    choice = sound_window(request, faces.session_id, face.face_id, face.start_time, face.end_time)
    return request.model_copy(update={"face": choice})


def sound_window(request: LipSyncRequest, session_id: str, face_id: str, start_ms: int, end_ms: int) -> FaceChoice:
    """Lay the sound from the face's first appearance (`start_ms`), cut to end inside the face's time, the video
    and the audio (each less a margin); refuse when under 2 s of it is left."""
    audio_ms = int(request.audio_seconds * 1000)  # a margin here too, but never below the 2 s the audio may be
    ends = [end_ms - MARGIN_MS, start_ms + max(min(audio_ms, MIN_FACE_MS), audio_ms - MARGIN_MS)]
    if request.video_seconds is not None:
        ends.append(int(request.video_seconds * 1000) - MARGIN_MS)
    length = min(ends) - start_ms
    if length < MIN_FACE_MS:
        raise NoFaceError(
            "The face in that video is on screen for under 2 seconds of it; lip sync needs at least 2 seconds."
        )
    return FaceChoice(session_id=session_id, face_id=face_id, insert_ms=start_ms, sound_ms=length)
