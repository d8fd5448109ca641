"""The Kling client: the one boundary through which the bot talks to the provider."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Collection
from typing import Any

import aiohttp

from bot.kling.auth import ApiKey, Credentials, JwtToken
from bot.kling.balance import COSTS_PATH, AccountBalance, Throttle, costs_query, parse_balance
from bot.kling.catalogue import Catalogue, load_catalogue
from bot.kling.dialects import OfficialDialect, dialect_for
from bot.kling.errors import (
    DuplicateTaskError,
    EndpointNotFoundError,
    KlingError,
    LookupUnavailableError,
    OutcomeUnknownError,
    RateLimitedError,
    TaskNotFoundError,
    TransientError,
)
from bot.kling.faces import identify_face
from bot.kling.models import KlingTask, LipSyncRequest, TaskRequest
from bot.kling.provider import PreparedRequest, kling_expected_seconds, prepare_request
from bot.kling.transport import RequestObserver, RetryPolicy, Transport
from bot.settings import KlingSettings, Provider
from bot.vocabulary import TaskKind

log = logging.getLogger(__name__)

MAX_CREATE_ATTEMPTS = 3
LIST_PAGE_SIZE = 500
LIST_MAX_PAGES = 4  # past 2,000 newer tasks, single gets are cheaper than more pages
LIST_WORTH_IT = 3  # below this many tasks, single gets beat a 500-task page
PARALLEL_GETS = 8
PROBE_TASK_ID = "kling-bot-credential-probe"


class KlingClient:
    """Creates and queries Kling tasks through one provider dialect, over one shared session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        provider: Provider,
        base_url: str,
        credentials: Credentials,
        catalogue: Catalogue,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        observer: RequestObserver | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url
        self.catalogue = catalogue
        self._dialect: OfficialDialect = dialect_for(provider)
        self._transport = Transport(
            session,
            base_url,
            credentials,
            self._dialect,
            timeout=timeout,
            retry=retry or RetryPolicy(),
            observer=observer,
        )
        self._balance_throttle = Throttle()

    @classmethod
    def from_settings(
        cls,
        session: aiohttp.ClientSession,
        settings: KlingSettings,
        *,
        retry: RetryPolicy | None = None,
        observer: RequestObserver | None = None,
    ) -> KlingClient:
        """Build a client from the `KLING_*` settings."""
        return cls(
            session,
            provider=settings.provider,
            base_url=settings.resolved_base_url,
            credentials=credentials_from(settings),
            catalogue=load_catalogue(settings.catalogue),
            timeout=settings.request_timeout,
            retry=retry,
            observer=observer,
        )

    @property
    def last_success_at(self) -> float | None:
        """Return when the provider last answered without an error (Unix seconds), if ever."""
        return self._transport.last_success_at

    @property
    def server_time_offset(self) -> float | None:
        """Return the provider's clock minus ours (seconds), from the last answer's Date header."""
        return self._transport.server_time_offset

    @property
    def sends_callbacks(self) -> bool:
        """Kling calls back on every status change when given a callback URL."""
        return True

    def prepare(self, request: TaskRequest) -> PreparedRequest:
        """Validate `request` for this provider and price it; raise `InvalidRequestError` if it can't go."""
        return prepare_request(request, self.provider, self.catalogue)

    def expected_seconds(self, kind: str, params: dict[str, Any]) -> float:
        """Return how long Kling usually takes for this kind and duration."""
        return kling_expected_seconds(kind, params)

    async def create(
        self, request: TaskRequest, *, external_task_id: str, callback_url: str | None = None
    ) -> KlingTask:
        """Create a task, never sending it twice blind.

        When the outcome of a send is unknown (timeout, 5xx, dropped connection, garbled answer) the
        task is looked up by `external_task_id`, and sent again only if the provider confirms it
        does not exist. Raises `OutcomeUnknownError` when even the lookup can't tell.
        """
        prepared = self.prepare(request)
        kind = prepared.request.kind
        ready = prepared.request
        if isinstance(ready, LipSyncRequest):  # step one of two: find the face (synchronous, creates nothing)
            ready = await identify_face(self._transport, self._dialect.identify_face_path(), ready)
        body = await asyncio.to_thread(self._encode_body, ready, external_task_id, callback_url)
        path = self._dialect.create_path(kind)
        for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
            try:
                payload = await self._transport.call("POST", path, body=body)
                return self._dialect.parse_created(payload, external_task_id)
            except DuplicateTaskError as exc:
                if not self._dialect.finds_by_external_id:
                    raise LookupUnavailableError(
                        f"{external_task_id} already exists at {self.provider}, which offers no lookup by our id"
                    ) from exc
                log.info("Task %s already exists at the provider; using it", external_task_id)
                return await self.get(kind, external_task_id)
            except RateLimitedError as exc:  # refused, so not created: safe to send again after a pause
                if attempt == MAX_CREATE_ATTEMPTS:
                    raise
                await asyncio.sleep(self._transport.retry.delay(attempt, exc.retry_after))
            except TransientError as exc:
                if not self._dialect.finds_by_external_id:
                    raise OutcomeUnknownError(
                        f"Create of {external_task_id} may have reached {self.provider} ({exc}); it offers no "
                        "lookup by our id, so it is not sent again"
                    ) from exc
                log.warning("Create of %s has an unknown outcome (%s); looking it up", external_task_id, exc)
                # Give a create still in flight at the provider time to land before asking about it.
                await asyncio.sleep(self._transport.retry.delay(attempt))
                existing = await self._find_after_unknown(kind, external_task_id, exc)
                if existing is not None:
                    return existing
                log.info("Provider confirms %s does not exist; creating it again", external_task_id)
        raise OutcomeUnknownError(f"Create of {external_task_id} failed {MAX_CREATE_ATTEMPTS} times")

    async def balance(self) -> AccountBalance | None:
        """Return the account's resource packs, or None where the provider reports none (the aggregators).

        At most one request a second, as the endpoint allows.
        """
        if not self._dialect.has_balance:
            return None
        async with self._balance_throttle:
            payload = await self._transport.read(COSTS_PATH, params=costs_query(time.time()))
        return parse_balance(payload)

    async def get(self, kind: TaskKind, task_id: str) -> KlingTask:
        """Return one task by the provider's task id or our external id (`TaskNotFoundError` if none)."""
        *first, last = self._dialect.query_paths(kind, task_id)
        for path in first:  # a route the docs leave unconfirmed: a miss or a route that isn't there moves on
            try:
                return self._dialect.parse_task(await self._transport.read(path))
            except (TaskNotFoundError, EndpointNotFoundError):
                continue
        return self._dialect.parse_task(await self._transport.read(last))

    async def find(self, kind: TaskKind, external_task_id: str) -> KlingTask | None:
        """Return the task with this external id, or None when the provider says there is none.

        Raises `LookupUnavailableError` where the provider documents no query by external id.
        """
        if not self._dialect.finds_by_external_id:
            raise LookupUnavailableError(f"{self.provider} documents no query by external task id")
        try:
            return await self.get(kind, external_task_id)
        except TaskNotFoundError:
            return None

    async def list_page(self, kind: TaskKind, page: int = 1, page_size: int = LIST_PAGE_SIZE) -> list[KlingTask]:
        """Return one page of the account's tasks of `kind`, newest first (official dialect only)."""
        if not self._dialect.has_list:
            raise NotImplementedError(f"{self.provider} has no task list")
        params = {"pageNum": str(page), "pageSize": str(page_size)}
        payload = await self._transport.read(self._dialect.list_path(kind), params=params)
        return self._dialect.parse_list(payload)

    async def get_many(self, kind: TaskKind, task_ids: Collection[str]) -> dict[str, KlingTask]:
        """Return the current state of many tasks by provider task id, in as few requests as the dialect allows.

        Ids the provider does not know are left out of the result.
        """
        wanted = set(task_ids)
        found: dict[str, KlingTask] = {}
        if self._dialect.has_list and len(wanted) >= LIST_WORTH_IT:
            for page in range(1, LIST_MAX_PAGES + 1):
                tasks = await self.list_page(kind, page)
                found.update((t.task_id, t) for t in tasks if t.task_id in wanted)
                if len(found) == len(wanted) or len(tasks) < LIST_PAGE_SIZE:
                    break
        missing = wanted - found.keys()
        if missing:
            found.update(await self._get_each(kind, missing))
        return found

    async def probe(self) -> None:
        """Check credentials and host with a query for a task that does not exist.

        Returns when the provider answers "not found" (auth works); raises the mapped error otherwise.
        """
        try:
            await self._transport.call("GET", self._dialect.query_path(TaskKind.IMAGE_TO_VIDEO, PROBE_TASK_ID))
        except TaskNotFoundError:
            return

    async def _get_each(self, kind: TaskKind, task_ids: Collection[str]) -> dict[str, KlingTask]:
        limit = asyncio.Semaphore(PARALLEL_GETS)

        async def one(task_id: str) -> KlingTask | None:
            async with limit:
                try:
                    return await self.get(kind, task_id)
                except TaskNotFoundError:
                    return None

        results = await asyncio.gather(*(one(task_id) for task_id in task_ids))
        return {task.task_id: task for task in results if task is not None}

    async def _find_after_unknown(self, kind: TaskKind, external_task_id: str, cause: KlingError) -> KlingTask | None:
        try:
            return await self.find(kind, external_task_id)
        except KlingError as exc:
            raise OutcomeUnknownError(
                f"Create of {external_task_id} may have reached the provider ({cause}); lookup failed too ({exc})"
            ) from exc

    def _encode_body(self, request: TaskRequest, external_task_id: str, callback_url: str | None) -> bytes:
        # Runs in a worker thread: base64 and JSON of four 10 MB images would stall the event loop.
        body = self._dialect.create_body(request, external_task_id, callback_url)
        return json.dumps(body, separators=(",", ":")).encode()


def credentials_from(settings: KlingSettings) -> Credentials:
    """Prefer the API key; fall back to a JWT from AccessKey/SecretKey (official only)."""
    if settings.api_key is not None:
        return ApiKey(settings.api_key)
    if settings.access_key is not None and settings.secret_key is not None:
        return JwtToken(settings.access_key, settings.secret_key)
    raise ValueError("No Kling credentials configured")
