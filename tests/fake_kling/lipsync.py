"""Lip sync: POST /v1/videos/identify-face (synchronous, opens a face session) and advanced-lip-sync tasks.

FULL = the official docs copy artykrd/ai-bot-misha `docs/kling_full.md` ("Lip-Sync": Identify Face, Create Task);
API = the older official copy `docs/kling_api.md` (same fields, path spelled `/v1/videos/Identify-face`).
Neither copy gives the error codes for an unknown or expired video or session: the fake answers 400 / 1201
("Invalid parameters, such as incorrect key or illegal value", the general error table), and a video
without a face gets code 0 with an empty `face_data`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .audio import MAX_AUDIO_MS, MIN_AUDIO_MS, audio_length_ms
from .errors import bad_request
from .fields import Accepted, Body, check_fraction
from .ids import new_numeric_id
from .prices import IDENTIFY_FACE_UNITS, format_units, lip_sync_units

if TYPE_CHECKING:
    from .state import FakeTask, TaskStore

VIDEO_MAX_AGE = 30 * 86400  # FULL, video_id: "Only supports videos generated within the last 30 days"
SESSION_TTL = 24 * 3600  # API, session_id: "valid for 24 hours"
MIN_OVERLAP_MS = 2000  # FULL: "should overlap with the face's lip-sync time interval for at least 2 seconds"
NO_FACE_MARKER = "[noface]"  # in the source task's prompt (or a video_url): the video shows no face
DEFAULT_URL_VIDEO_MS = 5041  # a video_url the fake cannot see is taken as a 5 s clip with one face


@dataclass
class FaceSession:
    """One identify-face answer: the video, its faces and when the session was opened."""

    session_id: str
    created_at: float
    video_ms: int
    parent_video: dict[str, str]
    faces: list[dict[str, Any]] = field(default_factory=list)


def identify_face(body: Any, store: TaskStore, base_url: str) -> dict[str, Any]:
    """Open a face session for `video_id` xor `video_url` and return the answer's `data`, or raise."""
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    video_id, video_url = body.get("video_id") or None, body.get("video_url") or None
    if (video_id is None) == (video_url is None):
        # FULL: "This parameter and 'video_url' are mutually exclusive—only one can be filled, and neither can be
        # left empty."
        raise bad_request("exactly one of video_id and video_url must be given")
    if video_id is not None:
        parent, faceless = _kling_video(str(video_id), store, base_url)
    else:
        parent, faceless = _url_video(str(video_url), store, base_url)
    session_id = new_numeric_id()
    video_ms = round(float(parent["duration"]) * 1000)
    faces = [] if faceless else [_face(base_url, session_id, video_ms)]
    store.sessions[session_id] = FaceSession(session_id, store.clock.now(), video_ms, parent, faces)
    return {"session_id": session_id, "final_unit_deduction": format_units(IDENTIFY_FACE_UNITS), "face_data": faces}


# The docs' own example answers end_time 5200 for a 5 s video: identify-face overshoots the real end.
END_TIME_OVERSHOOT_MS = 200


def _face(base_url: str, session_id: str, video_ms: int) -> dict[str, Any]:
    # FULL answer: {face_id, face_image (url), start_time: 0, end_time: 5200} in ms; API: end_time "will be longer
    # than the actual ending time" (millisecond error).
    image = f"{base_url}/results/{session_id}/face_0.png"
    return {"face_id": "0", "face_image": image, "start_time": 0, "end_time": video_ms + END_TIME_OVERSHOOT_MS}


def _kling_video(video_id: str, store: TaskStore, base_url: str) -> tuple[dict[str, str], bool]:
    task = store.video_task(video_id)
    if task is None:
        raise bad_request(f"video_id {video_id} does not exist", code=1201)
    if store.clock.now() - task.finish_at > VIDEO_MAX_AGE:
        raise bad_request(f"video_id {video_id}: only videos generated within the last 30 days are supported", 1201)
    return _parent(task, base_url), video_id in store.faceless_videos or NO_FACE_MARKER in task.prompt


def _url_video(url: str, store: TaskStore, base_url: str) -> tuple[dict[str, str], bool]:
    if not url.startswith(("http://", "https://")):
        raise bad_request("video_url must be an http(s) URL")
    own = f"{base_url}/results/"
    if url.startswith(own):  # one of the fake's own result URLs: answer for that video
        task = store.tasks.get(url[len(own) :].split("/", 1)[0])
        if task is not None and task.status == "succeed" and task.result_id:
            return _parent(task, base_url), task.result_id in store.faceless_videos or NO_FACE_MARKER in task.prompt
    parent = {"id": "", "url": url, "duration": f"{DEFAULT_URL_VIDEO_MS / 1000:.3f}"}
    return parent, "noface" in url


def _parent(task: FakeTask, base_url: str) -> dict[str, str]:
    return {"id": task.result_id, "url": f"{base_url}/results/{task.task_id}/video.mp4", "duration": task.duration_text}


def validate_lip_sync(body: Body, store: TaskStore) -> Accepted:
    """Check an advanced-lip-sync body against its live session; return the price and result length."""
    session = _live_session(body.get("session_id"), store)
    choices = body.get("face_choose")
    if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], dict):
        # FULL, face_choose: "Currently only supports one person lip-sync."
        raise bad_request("face_choose must hold exactly one face (only one person lip-sync is supported)")
    choice = choices[0]
    face = next((face for face in session.faces if face["face_id"] == choice.get("face_id")), None)
    if face is None:
        raise bad_request(f"face_choose[0].face_id {choice.get('face_id')!r} is not a face of this session", 1201)
    audio_ms = _audio_length(choice, store)
    start, end, insert = (_millis(choice, name) for name in ("sound_start_time", "sound_end_time", "sound_insert_time"))
    crop = end - start
    if crop < MIN_AUDIO_MS:  # FULL: "the cropped sound must not be shorter than 2 seconds"
        raise bad_request("sound_end_time - sound_start_time must be at least 2000 ms (the cropped sound ≥ 2 s)")
    if audio_ms is not None and end > audio_ms:
        # FULL: "The end point time shouldn't be later than the total duration of the original sound."
        raise bad_request(f"sound_end_time must not be later than the sound's length ({audio_ms} ms)")
    if insert + crop > session.video_ms:
        # FULL: "the end time for inserting sound must not be later than the end time of the video"
        raise bad_request(f"the inserted sound must end within the video ({session.video_ms} ms)")
    if min(insert + crop, face["end_time"]) - max(insert, face["start_time"]) < MIN_OVERLAP_MS:
        raise bad_request("the inserted sound must overlap the face's start_time..end_time by at least 2000 ms")
    for name in ("sound_volume", "original_audio_volume"):
        check_fraction(choice, name, high=2.0)  # FULL: "Value range: [0, 2]"
    return Accepted(
        model_name="",
        units=lip_sync_units(crop),
        seconds=session.video_ms / 1000,
        parent_video=session.parent_video,
    )


def _live_session(session_id: Any, store: TaskStore) -> FaceSession:
    if not isinstance(session_id, str) or not session_id:
        raise bad_request("session_id is required")
    session = store.sessions.get(session_id)
    if session is None:
        raise bad_request(f"session_id {session_id} does not exist", code=1201)
    if store.clock.now() - session.created_at >= SESSION_TTL:
        raise bad_request(f"session_id {session_id} has expired (sessions last 24 hours)", code=1201)
    return session


def _audio_length(choice: dict[str, Any], store: TaskStore) -> int | None:
    """Return the length of the chosen sound in ms (None for a URL the fake cannot hear)."""
    sound_file, audio_id = choice.get("sound_file"), choice.get("audio_id")
    if bool(sound_file) == bool(audio_id):
        # FULL: "Either audio_id or sound_file must be provided (mutually exclusive; cannot be empty or both
        # populated)."
        raise bad_request("face_choose[0] needs exactly one of sound_file and audio_id")
    if sound_file:
        if not isinstance(sound_file, str):
            raise bad_request("face_choose[0].sound_file must be a string (URL or Base64)")
        return audio_length_ms("face_choose[0].sound_file", sound_file)
    seconds = store.audio_ids.get(str(audio_id))
    if seconds is None:
        raise bad_request(f"face_choose[0].audio_id {audio_id!r} does not exist", code=1201)
    millis = math.floor(seconds * 1000)
    if not MIN_AUDIO_MS <= millis <= MAX_AUDIO_MS:
        raise bad_request("face_choose[0].audio_id: audio must last 2 to 60 seconds")
    return millis


def _millis(choice: dict[str, Any], name: str) -> int:
    """FULL: sound_start_time, sound_end_time, sound_insert_time are "long", "Required", in ms."""
    value = choice.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool) or value != int(value) or value < 0:
        raise bad_request(f"face_choose[0].{name} is required: a whole number of milliseconds ≥ 0")
    return int(value)
