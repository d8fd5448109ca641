"""Typed requests and the one normalised task model every provider dialect parses into."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.vocabulary import TaskKind


class TaskStatus(StrEnum):
    """Where a task is at the provider."""

    SUBMITTED = "submitted"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        """Return True once the provider will not change the task again."""
        return self in (TaskStatus.SUCCEEDED, TaskStatus.FAILED)


Mode = Literal["std", "pro"]
Duration = str  # whole seconds as a string ("5", "10"; "3" to "15" on kling-v3); the catalogue says which
ShotType = Literal["customize", "intelligence"]
Resolution = Literal["1k", "2k"]
ImageReference = Literal["subject", "face"]
VideoAspectRatio = Literal["16:9", "9:16", "1:1"]
ImageAspectRatio = Literal["16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9"]
CameraMovement = Literal["simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward"]


class CameraConfig(BaseModel):
    """One camera axis for the `simple` movement; Kling wants exactly one non-zero value."""

    model_config = ConfigDict(frozen=True)

    horizontal: float = 0
    vertical: float = 0
    pan: float = 0
    tilt: float = 0
    roll: float = 0
    zoom: float = 0


class CameraControl(BaseModel):
    """A preset camera movement, or `simple` with one axis in `config`."""

    model_config = ConfigDict(frozen=True)

    type: CameraMovement
    config: CameraConfig | None = None


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ClassVar[TaskKind]
    model: str | None = None
    prompt: str = ""
    negative_prompt: str = ""

    def images(self) -> list[tuple[str, bytes]]:
        """Return every image in the request with the name a user knows it by."""
        return []


class _VideoRequest(_Request):
    mode: Mode | None = None
    duration: Duration = "5"


class _SoundRequest(_VideoRequest):
    sound: bool = False  # native sound (kling-v3; kling-v2-6 in pro)


class Shot(BaseModel):
    """One shot of a storyboard: what happens and for how many seconds."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    duration: int


class ImageToVideoRequest(_SoundRequest):
    """Animate one image, optionally towards a last frame."""

    kind: ClassVar[TaskKind] = TaskKind.IMAGE_TO_VIDEO
    image: bytes = Field(repr=False)
    image_tail: bytes | None = Field(default=None, repr=False)
    cfg_scale: float | None = None
    camera_control: CameraControl | None = None

    def images(self) -> list[tuple[str, bytes]]:
        """Return the start image and, if given, the end image."""
        named = [("image", self.image)]
        if self.image_tail is not None:
            named.append(("end image", self.image_tail))
        return named


class MultiImageToVideoRequest(_VideoRequest):
    """Make one video from several reference images."""

    kind: ClassVar[TaskKind] = TaskKind.MULTI_IMAGE_TO_VIDEO
    image_list: tuple[bytes, ...] = Field(repr=False)
    aspect_ratio: VideoAspectRatio = "16:9"

    def images(self) -> list[tuple[str, bytes]]:
        """Return the reference images as image 1..n."""
        return [(f"image {i}", data) for i, data in enumerate(self.image_list, start=1)]


class TextToVideoRequest(_SoundRequest):
    """Make a video from a prompt alone, or a storyboard of shots (kling-v3)."""

    kind: ClassVar[TaskKind] = TaskKind.TEXT_TO_VIDEO
    aspect_ratio: VideoAspectRatio = "16:9"
    cfg_scale: float | None = None
    shot_type: ShotType | None = None  # set: a storyboard (multi_shot)
    shots: tuple[Shot, ...] = ()  # customize: the shots, their seconds summing to `duration`

    @property
    def is_storyboard(self) -> bool:
        """Return True when Kling is asked for several shots."""
        return self.shot_type is not None


class MultiImageToImageRequest(_Request):
    """Compose 1–4 subjects, optionally into a scene and a style, as `n` images."""

    kind: ClassVar[TaskKind] = TaskKind.MULTI_IMAGE_TO_IMAGE
    subjects: tuple[bytes, ...] = Field(repr=False)
    scene: bytes | None = Field(default=None, repr=False)
    style: bytes | None = Field(default=None, repr=False)
    n: int = 1
    aspect_ratio: ImageAspectRatio = "16:9"

    def images(self) -> list[tuple[str, bytes]]:
        """Return subjects 1..n, then the scene and style images when given."""
        named = [(f"subject {i}", data) for i, data in enumerate(self.subjects, start=1)]
        if self.scene is not None:
            named.append(("scene", self.scene))
        if self.style is not None:
            named.append(("style", self.style))
        return named


class TextToImageRequest(_Request):
    """Make 1–9 images from a prompt, optionally guided by a reference image (`images/generations`)."""

    kind: ClassVar[TaskKind] = TaskKind.TEXT_TO_IMAGE
    image: bytes | None = Field(default=None, repr=False)
    image_reference: ImageReference | None = None
    image_fidelity: float | None = None
    n: int = 1
    aspect_ratio: ImageAspectRatio = "1:1"
    resolution: Resolution = "1k"

    def images(self) -> list[tuple[str, bytes]]:
        """Return the reference image, when given."""
        return [("reference image", self.image)] if self.image is not None else []


class EffectRequest(_Request):
    """Apply one of Kling's effect scenes to one photo, or two for the two-person scenes."""

    kind: ClassVar[TaskKind] = TaskKind.EFFECTS
    scene: str
    image_list: tuple[bytes, ...] = Field(repr=False)
    mode: Mode | None = None
    duration: Duration = "5"

    def images(self) -> list[tuple[str, bytes]]:
        """Return the photo, or person 1 and person 2."""
        if len(self.image_list) == 1:
            return [("image", self.image_list[0])]
        return [(f"person {i}", data) for i, data in enumerate(self.image_list, start=1)]


class LipSyncRequest(_Request):
    """Make the face in a Kling video speak an audio file (identify-face, then advanced-lip-sync)."""

    kind: ClassVar[TaskKind] = TaskKind.LIP_SYNC
    video_id: str  # the Kling video id of a result at most 30 days old
    source_task: str = ""  # our task that made the video, for messages
    audio: bytes = Field(repr=False)
    audio_format: Literal["mp3", "wav"]
    audio_seconds: float
    video_seconds: float | None = None  # the source video's length, when known (the sound must end inside it)
    face: FaceChoice | None = None  # filled in by the client from identify-face just before the create

    @property
    def sound_seconds(self) -> float:
        """Return how much of the audio can be laid over the video: what lip sync is priced on."""
        if self.video_seconds is None:
            return self.audio_seconds
        return min(self.audio_seconds, self.video_seconds)


class FaceChoice(BaseModel):
    """The face identify-face found, the session that must name it, and where the sound goes."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    face_id: str
    insert_ms: int  # where in the video the sound starts (the face's first appearance)
    sound_ms: int  # how much of the audio is used, from its start


class TryOnRequest(_Request):
    """Dress the person in one image in the garment of another (Kolors virtual try-on)."""

    kind: ClassVar[TaskKind] = TaskKind.TRY_ON
    person: bytes = Field(repr=False)
    garment: bytes = Field(repr=False)

    def images(self) -> list[tuple[str, bytes]]:
        """Return the person and the garment."""
        return [("person image", self.person), ("garment image", self.garment)]


TaskRequest = (
    ImageToVideoRequest
    | MultiImageToVideoRequest
    | TextToVideoRequest
    | MultiImageToImageRequest
    | TextToImageRequest
    | EffectRequest
    | LipSyncRequest
    | TryOnRequest
)


class VideoResult(BaseModel):
    """One generated video."""

    model_config = ConfigDict(frozen=True)

    id: str
    url: str
    watermark_url: str | None = None
    duration: float | None = None


class ImageResult(BaseModel):
    """One generated image."""

    model_config = ConfigDict(frozen=True)

    index: int
    url: str


class KlingTask(BaseModel):
    """A task as the provider last described it, whatever the dialect."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    external_task_id: str | None = None
    status: TaskStatus
    failure_reason: str | None = None
    videos: tuple[VideoResult, ...] = ()
    images: tuple[ImageResult, ...] = ()
    units_charged: Decimal | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def result_urls(self) -> list[str]:
        """Return the download URLs of every result, videos first."""
        return [video.url for video in self.videos] + [image.url for image in self.images]
