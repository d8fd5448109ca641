"""CometAPI: the official API behind a `/kling` prefix, tighter text limits, no list pages.

Its multi-image-to-image page documents `POST /kling/v1/images/generations` with the misspelled
field `scence_image`; we send what it documents. The query path for it follows the same route
(`/kling/v1/images/generations/{id}`), which its docs imply but do not show (unconfirmed).
"""

from __future__ import annotations

from bot.kling.dialects.official import OfficialDialect
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

    scene_field = "scence_image"  # sic: CometAPI's page spells it so
