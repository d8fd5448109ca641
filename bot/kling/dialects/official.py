"""The official Kling API: `/v1/...` paths, the `{code, message, data}` envelope, list pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.kling.bodies import encode_image, kind_fields
from bot.kling.errors import MalformedResponseError
from bot.kling.models import EffectRequest, KlingTask, MultiImageToImageRequest, TaskRequest
from bot.kling.wire import Envelope, WireTask, from_millis, parse_model, parse_status
from bot.settings import Provider
from bot.vocabulary import TaskKind

PROMPTED_KINDS = frozenset(
    {
        TaskKind.IMAGE_TO_VIDEO,
        TaskKind.MULTI_IMAGE_TO_VIDEO,
        TaskKind.TEXT_TO_VIDEO,
        TaskKind.MULTI_IMAGE_TO_IMAGE,
        TaskKind.TEXT_TO_IMAGE,
    }
)
LIST_PAGE_SIZE_MAX = 500
LIST_PAGE_MAX = 1000


class ErrorInfo:
    """A business error read from an answer: code (if any), message, request id."""

    __slots__ = ("code", "message", "name", "request_id")

    def __init__(
        self, code: int | None, message: str, request_id: str | None = None, *, name: str | None = None
    ) -> None:
        self.code, self.message, self.request_id = code, message, request_id
        self.name = name  # a code given as a word (new-api gateways: "task_not_exist")


class OfficialDialect:
    """Speaks the official API; the aggregator dialects override only where they differ."""

    name: Provider = "official"
    prefix = ""
    has_list = True
    has_balance = True  # GET /account/costs
    finds_by_external_id = True  # a query's id may be our external_task_id

    # --- paths -------------------------------------------------------------------------------------

    def create_path(self, kind: TaskKind) -> str:
        """Return the path to POST a new task of `kind` to."""
        return f"{self.prefix}/v1/{kind.family}/{kind.value}"

    def query_path(self, kind: TaskKind, task_id: str) -> str:
        """Return the path to GET one task by its task id or external id."""
        return f"{self.create_path(kind)}/{quote(task_id, safe='')}"

    def query_paths(self, kind: TaskKind, task_id: str) -> list[str]:
        """Return where to look for a task, in order (more than one where a provider's route is unconfirmed)."""
        return [self.query_path(kind, task_id)]

    def list_path(self, kind: TaskKind) -> str:
        """Return the path of the paged task list."""
        return self.create_path(kind)

    def identify_face_path(self) -> str:
        """Return the path of lip sync's first step."""
        return f"{self.prefix}/v1/videos/identify-face"

    # --- request bodies ------------------------------------------------------------------------------

    def create_body(self, request: TaskRequest, external_task_id: str, callback_url: str | None) -> dict[str, Any]:
        """Build the JSON body for creating `request` (model and mode already resolved)."""
        body: dict[str, Any] = {"external_task_id": external_task_id}
        if request.model is not None and not isinstance(request, EffectRequest):
            body["model_name"] = request.model
        body.update(kind_fields(request, self))
        if request.kind in PROMPTED_KINDS:  # effects, lip sync and try-on take no prompt
            if request.prompt and body.get("shot_type") != "customize":  # customize: the shots are the prompt
                body["prompt"] = request.prompt
            if request.negative_prompt:
                body["negative_prompt"] = request.negative_prompt
        if callback_url:
            body["callback_url"] = callback_url
        return body

    def image_fields(self, request: MultiImageToImageRequest) -> dict[str, Any]:
        """Return multi-image2image's fields (CometAPI spells the scene field its own way)."""
        fields: dict[str, Any] = {
            "subject_image_list": [{"subject_image": encode_image(data)} for data in request.subjects],
            "n": request.n,
            "aspect_ratio": request.aspect_ratio,
        }
        if request.scene is not None:
            fields[self.scene_field] = encode_image(request.scene)
        if request.style is not None:
            fields["style_image"] = encode_image(request.style)
        return fields

    scene_field = "scene_image"

    # --- answers --------------------------------------------------------------------------------------

    def error_of(self, payload: Any) -> ErrorInfo | None:
        """Return the business error in an answer, or None when it reports success."""
        if not isinstance(payload, dict) or "code" not in payload:
            return ErrorInfo(None, "answer without a code")
        envelope = parse_model(Envelope, payload, "answer")
        if envelope.code == 0:
            return None
        return ErrorInfo(envelope.code, envelope.message, envelope.request_id)

    def parse_created(self, payload: Any, external_task_id: str) -> KlingTask:
        """Read the task a create answered with."""
        data = _data(payload)
        task_id = data.get("task_id") if isinstance(data, dict) else None
        if not task_id:
            raise MalformedResponseError("Create answer carries no task_id")
        return KlingTask(
            task_id=str(task_id),
            external_task_id=external_task_id,
            status=parse_status(str(data.get("task_status") or "submitted")),
            created_at=from_millis(data.get("created_at")),
            updated_at=from_millis(data.get("updated_at")),
        )

    def parse_task(self, payload: Any) -> KlingTask:
        """Read one task from a query answer."""
        return parse_model(WireTask, _data(payload), "task").to_task()

    def parse_list(self, payload: Any) -> list[KlingTask]:
        """Read a list page."""
        data = _data(payload)
        if not isinstance(data, list):
            raise MalformedResponseError("List answer's data is not a list")
        return [parse_model(WireTask, item, "task").to_task() for item in data]


def _data(payload: Any) -> Any:
    if not isinstance(payload, dict):
        raise MalformedResponseError("Answer is not a JSON object")
    return payload.get("data")
