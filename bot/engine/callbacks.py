"""Provider callbacks are hints: check they are ours, then confirm them with a query soon."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping

from pydantic import SecretStr

from bot.engine.context import EngineContext
from bot.engine.schedule import CONFIRM_DELAY
from bot.kling.callbacks import parse_callback
from bot.kling.errors import CallbackError
from bot.vocabulary import IN_FLIGHT_STATES

log = logging.getLogger(__name__)


class CallbackReceiver:
    """Turns a verified callback into an earlier status check; nothing in it changes a task directly."""

    def __init__(self, ctx: EngineContext, webhook_secret: SecretStr | None) -> None:
        self._ctx = ctx
        self._webhook_secret = webhook_secret

    async def handle(self, task_id: str, token: str, body: bytes, headers: Mapping[str, str]) -> int:
        """Return the HTTP status to answer a callback for `task_id` with."""
        tasks = self._ctx.storage.tasks
        task = await tasks.get(task_id)
        if task is None or not hmac.compare_digest(task.callback_token.encode(), token.encode()):
            return 404
        try:
            remote = parse_callback(body, headers, secret=self._webhook_secret)
        except CallbackError as exc:
            log.warning("Task %s: callback rejected: %s", task_id, exc)
            return 400
        if remote.task_id != task.provider_task_id and remote.external_task_id != task.id:
            log.warning("Task %s: callback names another task (%s); ignored", task_id, remote.task_id)
            return 400
        # Only an end is worth a query: "processing" callbacks would double the provider traffic for nothing.
        if task.state in IN_FLIGHT_STATES and remote.status.is_final:
            now = self._ctx.clock.now()
            confirm_at = now + CONFIRM_DELAY
            if task.next_poll_at is None or task.next_poll_at > confirm_at:
                await tasks.update(task.id, now=now, next_poll_at=confirm_at)
            self._ctx.wake_tracker()
        return 200
