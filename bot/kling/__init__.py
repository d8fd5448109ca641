"""The Kling provider boundary: a typed client, its request/task models and its error tree.

Nothing outside this package sees provider JSON, paths or dialect quirks.
"""

from bot.kling.callbacks import parse_callback
from bot.kling.catalogue import Catalogue, ModelSpec, load_catalogue
from bot.kling.client import KlingClient
from bot.kling.models import (
    CameraControl,
    ImageToVideoRequest,
    KlingTask,
    MultiImageToImageRequest,
    MultiImageToVideoRequest,
    TaskRequest,
    TaskStatus,
    TextToVideoRequest,
)
from bot.kling.provider import PreparedRequest, ProviderClient
from bot.kling.transport import RetryPolicy

__all__ = [
    "CameraControl",
    "Catalogue",
    "ImageToVideoRequest",
    "KlingClient",
    "KlingTask",
    "ModelSpec",
    "MultiImageToImageRequest",
    "MultiImageToVideoRequest",
    "PreparedRequest",
    "ProviderClient",
    "RetryPolicy",
    "TaskRequest",
    "TaskStatus",
    "TextToVideoRequest",
    "load_catalogue",
    "parse_callback",
]
