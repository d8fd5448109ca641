"""One HTTP exchange with the provider: auth header, timeouts, answer parsing, error mapping, retries."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import stamina

from bot.backoff import backoff
from bot.kling.auth import Credentials
from bot.kling.dialects import OfficialDialect
from bot.kling.errors import (
    AuthenticationError,
    ConcurrencyLimitError,
    EndpointNotFoundError,
    KlingConnectionError,
    KlingError,
    MalformedResponseError,
    RetryableError,
    error_from_response,
)
from bot.vocabulary import TaskKind

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 32 * 1024 * 1024
MAX_RETRY_AFTER = 60.0  # seconds; a longer hint is capped rather than stalling a poll loop
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
KINDS = {kind.value for kind in TaskKind} | {"generations"}

# (method, endpoint template, outcome, seconds): outcome is "200", "400:1201", "connection"...
RequestObserver = Callable[[str, str, str, float], None]


def endpoint_of(path: str) -> str:
    """Return the path with any task id replaced by `{id}`, for low-cardinality metric labels."""
    head, _, last = path.rpartition("/")
    return path if last in KINDS else f"{head}/{{id}}"


@dataclass(frozen=True)
class RetryPolicy:
    """How reads retry transient failures: capped exponential backoff with jitter."""

    attempts: int = 5
    wait_initial: float = 0.5
    wait_max: float = 30.0
    wait_jitter: float = 1.0
    timeout: float = 120.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Return how long to wait before try number `attempt + 1`."""
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        jitter = random.uniform(0, self.wait_jitter)  # noqa: S311 - spreads retries, not a secret
        return min(backoff(attempt, start=self.wait_initial, cap=self.wait_max) + jitter, self.wait_max)


def retry_decision(exc: BaseException) -> bool | float:
    """Tell stamina whether to retry a read: transient and rate-limit errors, after Retry-After if given."""
    if isinstance(exc, ConcurrencyLimitError) or not isinstance(exc, RetryableError):
        return False
    if exc.retry_after is not None:
        return min(exc.retry_after, MAX_RETRY_AFTER)
    return True


class Transport:
    """Sends requests to one provider host with one session and maps every failure to `KlingError`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        credentials: Credentials,
        dialect: OfficialDialect,
        *,
        timeout: float,
        retry: RetryPolicy,
        observer: RequestObserver | None = None,
    ) -> None:
        self._session = session
        self._observer = observer
        self.last_success_at: float | None = None  # wall-clock time of the last answer that was not an error
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._dialect = dialect
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 10.0))
        self.retry = retry
        self.server_time_offset: float | None = None  # server clock minus ours, from the last Date header

    async def call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: bytes | None = None
    ) -> Any:
        """Send once; on an expired or not-yet-valid JWT, mint a fresh one and send once more."""
        try:
            return await self._send(method, path, params, body)
        except AuthenticationError as exc:
            if not exc.is_clock_problem or not self._credentials.renew():
                raise
            log.info("Token rejected (%s); minting a new one and retrying once", exc.code)
            return await self._send(method, path, params, body)

    async def read(self, path: str, *, params: dict[str, str] | None = None) -> Any:
        """GET with retries on transient failures and rate limits (reads are safe to repeat)."""
        policy = self.retry
        async for attempt in stamina.retry_context(
            on=retry_decision,
            attempts=policy.attempts,
            timeout=policy.timeout,
            wait_initial=policy.wait_initial,
            wait_max=policy.wait_max,
            wait_jitter=policy.wait_jitter,
        ):
            with attempt:
                payload = await self.call("GET", path, params=params)
        return payload

    async def _send(self, method: str, path: str, params: dict[str, str] | None, body: bytes | None) -> Any:
        headers = {**JSON_HEADERS, "Authorization": self._credentials.header()}
        started = time.monotonic()
        try:
            async with self._session.request(
                method, self._base_url + path, params=params, data=body, headers=headers, timeout=self._timeout
            ) as response:
                raw = await _read_capped(response)
                status, answer_headers = response.status, response.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._observe(method, path, "connection", started)
            raise KlingConnectionError(f"{method} {path} failed in transit: {exc!r}") from exc
        log.debug("%s %s -> %s in %.0f ms", method, path, status, (time.monotonic() - started) * 1000)
        self._note_server_time(answer_headers.get("Date"))
        try:
            payload = self._interpret(method, status, raw, answer_headers.get("Retry-After"))
        except KlingError as exc:
            self._observe(method, path, f"{status}:{exc.code}" if exc.code is not None else str(status), started)
            raise
        self._observe(method, path, str(status), started)
        self.last_success_at = time.time()
        return payload

    def _observe(self, method: str, path: str, outcome: str, started: float) -> None:
        if self._observer is not None:
            self._observer(method, endpoint_of(path), outcome, time.monotonic() - started)

    def _interpret(self, method: str, status: int, raw: bytes, retry_after_header: str | None) -> Any:
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        if payload is None:
            if status < 400:
                raise MalformedResponseError(f"HTTP {status} with a body that is not JSON", http_status=status)
            if status == 404:
                raise EndpointNotFoundError(
                    "HTTP 404 without a Kling answer: is the base URL right for this provider?", http_status=status
                )
        error = self._dialect.error_of(payload) if payload is not None else None
        if status < 400 and error is None:
            return payload
        if status < 400 and error is not None and error.code is None:
            raise MalformedResponseError(f"HTTP {status} answer not in the documented shape: {error.message}")
        code = error.code if error else None
        message = error.message if error else raw[:200].decode("utf-8", "replace")
        request_id = error.request_id if error else None
        raise error_from_response(
            status,
            code,
            message,
            request_id=request_id,
            retry_after=parse_retry_after(retry_after_header),
            reading=method == "GET",
            name=error.name if error else None,
        )

    def _note_server_time(self, date_header: str | None) -> None:
        if not date_header:
            return
        try:
            server_time = parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError):
            return
        self.server_time_offset = server_time - time.time()


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    """Read the whole body (a list page spans many reads), refusing anything absurdly large."""
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        total += len(chunk)
        if total > MAX_ANSWER_BYTES:
            raise MalformedResponseError(f"Answer larger than {MAX_ANSWER_BYTES} bytes", http_status=response.status)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_retry_after(value: str | None) -> float | None:
    """Read a Retry-After header given as seconds or as an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
