"""What the rest of the bot needs from a provider: Kling through `KlingClient`, or the built-in simulator."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from bot.kling.balance import AccountBalance
from bot.kling.catalogue import Catalogue
from bot.kling.models import KlingTask, TaskRequest
from bot.kling.validation import validate_request
from bot.settings import Provider
from bot.vocabulary import TaskKind

# Seconds a task typically takes at Kling (kling-api.md: 5 s videos 60–120 s, 10 s videos 90–180 s, images ~25 s);
# in between and beyond, about 12 s of work per second of video on top of a minute. The engine learns the
# real figures from finished tasks; these only seed it.
KLING_VIDEO_BASE_SECONDS = 30.0
KLING_VIDEO_SECONDS_PER_SECOND = 12.0
KLING_IMAGE_SECONDS = 30.0


@dataclass(frozen=True)
class PreparedRequest:
    """A validated request with its model and mode resolved, and its cost in units."""

    request: TaskRequest
    units: Decimal


def prepare_request(request: TaskRequest, provider: Provider, catalogue: Catalogue) -> PreparedRequest:
    """Validate `request` for `provider` and price it; raise `InvalidRequestError` if it can't go."""
    resolved, units = validate_request(request, provider, catalogue)
    return PreparedRequest(resolved, units)


def kling_expected_seconds(kind: str, params: dict[str, Any]) -> float:
    """Return how long Kling usually takes for this kind and duration."""
    if not TaskKind(kind).makes_video:
        return KLING_IMAGE_SECONDS
    if kind == TaskKind.LIP_SYNC:
        seconds = float(params.get("audio_seconds") or 10)
    else:
        seconds = float(params.get("duration") or 5)
    return KLING_VIDEO_BASE_SECONDS + KLING_VIDEO_SECONDS_PER_SECOND * seconds


class ProviderClient(Protocol):
    """Creates and follows tasks; implemented by `KlingClient` and `SimulatedProvider`."""

    provider: Provider
    base_url: str
    catalogue: Catalogue

    @property
    def sends_callbacks(self) -> bool: ...
    @property
    def last_success_at(self) -> float | None: ...
    @property
    def server_time_offset(self) -> float | None: ...
    def prepare(self, request: TaskRequest) -> PreparedRequest: ...
    def expected_seconds(self, kind: str, params: dict[str, Any]) -> float: ...
    async def create(
        self, request: TaskRequest, *, external_task_id: str, callback_url: str | None = None
    ) -> KlingTask: ...
    async def get(self, kind: TaskKind, task_id: str) -> KlingTask: ...
    async def find(self, kind: TaskKind, external_task_id: str) -> KlingTask | None: ...
    async def get_many(self, kind: TaskKind, task_ids: Collection[str]) -> dict[str, KlingTask]: ...
    async def probe(self) -> None: ...
    async def balance(self) -> AccountBalance | None: ...
