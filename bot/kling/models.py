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
Duration = Literal["5", "10"]
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


class ImageToVideoRequest(_VideoRequest):
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


class TextToVideoRequest(_VideoRequest):
    """Make a video from a prompt alone."""

    kind: ClassVar[TaskKind] = TaskKind.TEXT_TO_VIDEO
    aspect_ratio: VideoAspectRatio = "16:9"
    cfg_scale: float | None = None


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


TaskRequest = ImageToVideoRequest | MultiImageToVideoRequest | TextToVideoRequest | MultiImageToImageRequest


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
