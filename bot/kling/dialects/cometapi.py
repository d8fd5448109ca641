"""CometAPI: the official API behind a `/kling` prefix, tighter text limits, no list pages.

Its multi-image-to-image page documents `POST /kling/v1/images/generations` with the misspelled
field `scence_image`; we send what it documents. The query path for it follows the same route
(`/kling/v1/images/generations/{id}`), which its docs imply but do not show (unconfirmed).
"""

from __future__ import annotations

from typing import Any

from bot.kling.dialects.official import OfficialDialect
from bot.kling.models import MultiImageToImageRequest
from bot.settings import Provider
from bot.vocabulary import TaskKind

GENERATIONS_PATH = "/kling/v1/images/generations"


class CometApiDialect(OfficialDialect):
    """Speaks CometAPI's Kling routes."""

    name: Provider = "cometapi"
    prefix = "/kling"
    has_list = False
    has_balance = False  # not documented

    def create_path(self, kind: TaskKind) -> str:
        """Return the create path; multi-image-to-image lives at `images/generations` here."""
        if kind is TaskKind.MULTI_IMAGE_TO_IMAGE:
            return GENERATIONS_PATH
        return super().create_path(kind)

    def _image_fields(self, request: MultiImageToImageRequest, scene_field: str = "scence_image") -> dict[str, Any]:
        return super()._image_fields(request, scene_field=scene_field)
