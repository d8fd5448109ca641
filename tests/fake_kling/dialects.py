"""What differs between the official API and the aggregators: paths and limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .catalog import IMAGE_KIND, Kind, family

DialectName = Literal["official", "cometapi", "anyfast"]


@dataclass(frozen=True)
class Dialect:
    """Routes and documented limits of one provider."""

    name: DialectName
    prefix: str
    has_list: bool
    accepts_jwt: bool
    prompt_max: int
    negative_prompt_max: int
    multi_video_images: tuple[int, int]
    image_subjects: tuple[int, int]
    image_model: str
    scene_field: str
    image_path: str

    def create_path(self, kind: Kind) -> str:
        """Return the POST path that creates a task of `kind`."""
        if kind == IMAGE_KIND:
            return f"{self.prefix}{self.image_path}"
        return f"{self.prefix}/v1/{family(kind)}/{kind}"

    def query_path(self, kind: Kind) -> str:
        """Return the GET path pattern (with `{task_id}`) that queries one task."""
        return self.create_path(kind) + "/{task_id}"

    def text_limits(self, kind: Kind) -> tuple[int, int]:
        """Return the (prompt, negative_prompt) length limits for `kind`."""
        if kind == IMAGE_KIND:
            # CometAPI's own image page states 2500, unlike its video pages.
            return 2500, 2500
        return self.prompt_max, self.negative_prompt_max


DIALECTS: dict[DialectName, Dialect] = {
    "official": Dialect(
        name="official",
        prefix="",
        has_list=True,
        accepts_jwt=True,
        prompt_max=2500,
        negative_prompt_max=2500,
        multi_video_images=(1, 4),
        image_subjects=(1, 4),
        image_model="kling-v2-1",
        scene_field="scene_image",
        image_path="/v1/images/multi-image2image",
    ),
    "cometapi": Dialect(
        name="cometapi",
        prefix="/kling",
        has_list=False,
        accepts_jwt=False,
        prompt_max=500,
        negative_prompt_max=200,
        multi_video_images=(2, 4),
        image_subjects=(2, 4),
        image_model="kling-v2",
        scene_field="scence_image",
        image_path="/v1/images/generations",
    ),
    "anyfast": Dialect(
        name="anyfast",
        prefix="/kling",
        has_list=False,
        accepts_jwt=False,
        prompt_max=2500,
        negative_prompt_max=2500,
        multi_video_images=(1, 4),
        image_subjects=(2, 4),
        image_model="kling-v2-1",
        scene_field="scene_image",
        image_path="/v1/images/multi-image2image",
    ),
}


def get_dialect(name: str) -> Dialect:
    """Return the dialect called `name` or raise ValueError."""
    try:
        return DIALECTS[name]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"unknown dialect {name!r}; use one of {sorted(DIALECTS)}") from None
