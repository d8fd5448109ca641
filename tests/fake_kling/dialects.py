"""What differs between the official API and the aggregators: paths and limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

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
    undocumented: frozenset[Kind] = frozenset()  # kinds the provider does not document: 404
    # AnyFast queries every kind under /kling/v1/videos/{action}/{task_id}; None: under its create path.
    query_actions: Mapping[Kind, str] | None = None
    query_by_external_id: bool = True
    identify_face_paths: tuple[str, ...] = field(default=("/v1/videos/identify-face",))

    def serves(self, kind: Kind) -> bool:
        """Tell whether the provider documents (and so the fake serves) tasks of `kind`."""
        return kind not in self.undocumented

    def create_path(self, kind: Kind) -> str:
        """Return the POST path that creates a task of `kind`."""
        if kind == IMAGE_KIND:
            return f"{self.prefix}{self.image_path}"
        return f"{self.prefix}/v1/{family(kind)}/{kind}"

    def query_path(self, kind: Kind) -> str:
        """Return the GET path pattern (with `{task_id}`) that queries one task."""
        if self.query_actions is not None:
            return f"{self.prefix}/v1/videos/{self.query_actions[kind]}/{{task_id}}"
        return self.create_path(kind) + "/{task_id}"

    def pick_kind(self, kinds: tuple[Kind, ...], body: Any) -> Kind:
        """Choose which of the kinds sharing one create path a body is for.

        CometAPI posts multi-image2image to /kling/v1/images/generations too (kling-api.md: "CometAPI's older
        multi-image-to-image page posts to `/kling/v1/images/generations` with `subject_image_list`"): a body
        with `subject_image_list` is multi-image2image, any other is text → image.
        """
        if len(kinds) == 1:
            return kinds[0]
        wants_subjects = isinstance(body, dict) and "subject_image_list" in body
        return IMAGE_KIND if wants_subjects and IMAGE_KIND in kinds else next(k for k in kinds if k != IMAGE_KIND)

    def text_limits(self, kind: Kind) -> tuple[int, int]:
        """Return the (prompt, negative_prompt) length limits for `kind`."""
        if family(kind) == "images":
            # CometAPI's own image page states 2500, unlike its video pages.
            return 2500, 2500
        return self.prompt_max, self.negative_prompt_max


# kling-api.md, "AnyFast, corrected": "Query route: `GET /kling/v1/videos/{action}/{task_id}` where action is one of
# generations, text2video, image2video, lip-sync, kolors-virtual-try-on". Image tasks too are queried under /videos/.
# "Which action a multi-image2video task is queried under is *unconfirmed*": the fake answers it under its own
# action (multi-image2video) only, so a client's text2video fallback finds nothing (task_not_exist).
ANYFAST_QUERY_ACTIONS: dict[Kind, str] = {
    "generations": "generations",
    "text2video": "text2video",
    "image2video": "image2video",
    "multi-image2video": "multi-image2video",
    "advanced-lip-sync": "lip-sync",
    "kolors-virtual-try-on": "kolors-virtual-try-on",
}

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
        # API copy spells the path "/v1/videos/Identify-face"; FULL (newer) "/v1/videos/identify-face".
        identify_face_paths=("/v1/videos/identify-face", "/v1/videos/Identify-face"),
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
        # kling-api.md: "multi-image2image, effects and account costs are not documented on AnyFast".
        undocumented=frozenset({"multi-image2image", "effects"}),
        query_actions=ANYFAST_QUERY_ACTIONS,
        # kling-api.md: "Queries by `external_task_id` are not documented" (new-api looks tasks up by task_id).
        query_by_external_id=False,
    ),
}


def get_dialect(name: str) -> Dialect:
    """Return the dialect called `name` or raise ValueError."""
    try:
        return DIALECTS[name]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"unknown dialect {name!r}; use one of {sorted(DIALECTS)}") from None
