"""Logging, configured once: readable text or JSON lines, the task id on engine lines, secrets redacted."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [task %(task_id)s]: %(message)s"
REDACTED = "**********"
JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}")
MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words

current_task: ContextVar[str | None] = ContextVar("current_task", default=None)


@contextmanager
def task_context(task_id: str) -> Iterator[None]:
    """Tag every log line inside the block with `task_id`."""
    token = current_task.set(task_id)
    try:
        yield
    finally:
        current_task.reset(token)


class TaskIdFilter(logging.Filter):
    """Add `task_id` (or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the task the current code works on."""
        record.task_id = current_task.get() or "-"
        return True


class SecretFilter(logging.Filter):
    """Replace known secrets and anything shaped like a JWT in every record, whatever logged it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, scrubbed, so no argument can carry a secret out."""
        message = self.scrub(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True

    def scrub(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return JWT.sub(REDACTED, text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise the record's essentials."""
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "task_id": getattr(record, "task_id", "-"),
        }
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False)


_secrets = SecretFilter()


def setup_logging(level: str | None = None, log_format: str | None = None) -> None:
    """Send records to stderr at `LOG_LEVEL` (default INFO) as `LOG_FORMAT` (text or json); idempotent."""
    chosen = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    handler = logging.StreamHandler()
    json_lines = (log_format or os.environ.get("LOG_FORMAT") or "text").lower() == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(TaskIdFilter())
    handler.addFilter(_secrets)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "kling_bot", False)]:
        root.removeHandler(old)
    handler.kling_bot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(chosen)
    # discord.http's DEBUG lines dump every request body: too noisy to be useful even when debugging us.
    logging.getLogger("discord.http").setLevel(max(logging.getLevelName(chosen), logging.INFO))


def redact(values: Iterable[str | None]) -> None:
    """Never let these values reach a log line."""
    _secrets.secrets.update(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)
