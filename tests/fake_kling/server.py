"""FakeKling: a real HTTP server on 127.0.0.1 that behaves like the Kling API."""

from __future__ import annotations

import asyncio
import collections
import logging
import random
from collections.abc import Coroutine
from types import TracebackType
from typing import Any

from aiohttp import web

from .account import Account
from .auth import Credentials
from .callbacks import CallbackSender, Sent, encode_payload
from .clock import Clock, ManualClock
from .dialects import get_dialect
from .faults import Fault, FaultQueue
from .media import result_mp4, result_png
from .routes import build_app
from .shapes import envelope, task_object
from .state import FakeTask, FinishAfter, Outcome, TaskStore

log = logging.getLogger(__name__)

TICK_SECONDS = 0.05
SHUTDOWN_TIMEOUT = 0.5
Delivery = tuple[str, str, bytes]  # (task_id, url, body)


class FakeKling:
    """A fake Kling provider (official, CometAPI or AnyFast dialect) for tests."""

    def __init__(
        self,
        dialect: str = "official",
        api_key: str | None = "test-api-key",
        access_key: str | None = "test-ak",
        secret_key: str | None = "test-sk",  # noqa: S107 - a test credential
        webhook_secret: str | None = None,
        callback_envelope: bool = False,
        clock: Clock | None = None,
        processing_after: float = 1.0,
        finish_after: FinishAfter = 60.0,
        concurrency_limit: int | None = None,
        auto_advance: bool = False,
        video: bytes | None = None,
    ) -> None:
        self.dialect = dialect
        self._video = video  # served for every video result instead of the built-in 1 s clip
        self.spec = get_dialect(dialect)
        self.account = Account()  # its resource packs (GET /account/costs, official dialect)
        self.clock: Clock = clock if clock is not None else ManualClock()
        self.credentials = Credentials(api_key, access_key, secret_key)
        self.callback_envelope = callback_envelope
        self.concurrency_limit = concurrency_limit
        self.auto_advance = auto_advance
        self.create_attempts = 0
        self.requests: list[tuple[str, str]] = []
        self.fault_queue = FaultQueue()
        self.store = TaskStore(self.clock, processing_after, finish_after, self._on_change)
        self._callbacks = CallbackSender(webhook_secret)
        self._pending: list[Delivery] = []
        self._order_locks: dict[str, asyncio.Lock] = {}
        self.callback_chaos: random.Random | None = None  # set to drop, duplicate and reorder callbacks
        self._last_callback: dict[str, tuple[str, bytes]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._base_url: str | None = None
        self.closing = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> FakeKling:
        """Bind 127.0.0.1 on a free port and start serving."""
        if self._runner is not None:
            raise RuntimeError("FakeKling is already started")
        self.closing.clear()
        await asyncio.to_thread(result_mp4)  # Encode the sample video off the loop, once.
        await self._callbacks.open()
        runner = web.AppRunner(
            build_app(self),
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self._base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        if self.auto_advance:
            self._ticker = asyncio.create_task(self._tick_forever())
        log.debug("fake %s Kling listening on %s", self.dialect, self._base_url)
        return self

    async def close(self) -> None:
        """Stop serving, finish pending callbacks and release everything."""
        self.closing.set()  # Cut injected delays short so shutdown is quick.
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.wait([self._ticker])
            self._ticker = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._drain_background()
        await self._callbacks.close()

    async def __aenter__(self) -> FakeKling:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- what tests read -----------------------------------------------------

    @property
    def base_url(self) -> str:
        """Return "http://127.0.0.1:PORT" (aggregators serve under /kling on it)."""
        if self._base_url is None:
            raise RuntimeError("FakeKling.start() was not awaited")
        return self._base_url

    @property
    def tasks(self) -> dict[str, FakeTask]:
        """Return every task by task_id."""
        return self.store.tasks

    @property
    def creates_by_external_id(self) -> collections.Counter[str]:
        """Return successful creates per external_task_id."""
        return self.store.creates_by_external_id

    @property
    def callbacks_sent(self) -> list[Sent]:
        """Return (url, status or None, body) of every callback attempt."""
        return self._callbacks.sent

    @property
    def callbacks_sent_at(self) -> list[float]:
        """Return when each callback in `callbacks_sent` left (Unix seconds)."""
        return self._callbacks.sent_at

    @property
    def video_bytes(self) -> bytes:
        """Return the MP4 served for every video result."""
        return self._video if self._video is not None else result_mp4()

    @property
    def png_bytes(self) -> bytes:
        """Return the PNG served for every image result."""
        return result_png()

    def task_by_external_id(self, external_task_id: str) -> FakeTask | None:
        """Return the task created with this external_task_id, if any."""
        return self.store.by_external_id(external_task_id)

    # -- what tests drive ----------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Queue a fault for the next matching request(s)."""
        self.fault_queue.push(fault)

    def set_outcome(self, outcome: Outcome) -> None:
        """Decide outcomes at finish time: None succeeds, a string fails with it."""
        self.store.outcome = outcome

    async def advance(self, seconds: float = 0.0) -> None:
        """Advance the clock, apply due transitions and await their callbacks."""
        if seconds:
            advance = getattr(self.clock, "advance", None)
            if advance is None:
                raise TypeError("advance(seconds) needs a clock with .advance(), e.g. ManualClock")
            advance(seconds)
        self.store.apply_due()
        await self._deliver(self._take_pending())
        await self._drain_background()

    # -- internals used by routes ----------------------------------------------

    def sync(self) -> None:
        """Apply due transitions and send their callbacks in the background."""
        self.store.apply_due()
        deliveries = self._take_pending()
        if deliveries:
            self._spawn(self._deliver(deliveries))

    def _on_change(self, task: FakeTask) -> None:
        if task.status == "succeed":  # each task reaches "succeed" once: charge its units to the account
            self.account.charge(float(task.units))
        if not task.callback_url:
            return
        payload: Any = task_object(task, self.base_url)
        if self.callback_envelope:
            payload = envelope(payload)
        self._pending.append((task.task_id, task.callback_url, encode_payload(payload)))

    def _take_pending(self) -> list[Delivery]:
        deliveries, self._pending = self._pending, []
        return deliveries

    async def _deliver(self, deliveries: list[Delivery]) -> None:
        by_task: dict[str, list[tuple[str, bytes]]] = {}
        for task_id, url, body in deliveries:
            by_task.setdefault(task_id, []).append((url, body))
        await asyncio.gather(*(self._deliver_task(tid, chain) for tid, chain in by_task.items()))

    async def _deliver_task(self, task_id: str, chain: list[tuple[str, bytes]]) -> None:
        # One task's callbacks go out in status order, even across batches (unless chaos says otherwise).
        lock = self._order_locks.setdefault(task_id, asyncio.Lock())
        async with lock:
            await self._callbacks.send_in_order(self._mangle(task_id, chain))

    def _mangle(self, task_id: str, chain: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        """With `callback_chaos` set: drop, duplicate, and replay an earlier (stale) callback after a newer one."""
        rng = self.callback_chaos
        if rng is None:
            return chain
        out: list[tuple[str, bytes]] = []
        for delivery in chain:
            roll = rng.random()
            if roll >= 0.2:  # 20 % are lost
                out.append(delivery)
            if 0.2 <= roll < 0.4:  # 20 % arrive twice
                out.append(delivery)
            stale = self._last_callback.get(task_id)
            if stale is not None and rng.random() < 0.3:  # 30 % are followed by an older one: reordered
                out.append(stale)
            self._last_callback[task_id] = delivery
        return out

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("callback delivery crashed", exc_info=task.exception())

    async def _drain_background(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self.sync()
