"""Logging, configured once at start."""

from __future__ import annotations

import logging
import os

LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def setup_logging(level: str | None = None) -> None:
    """Send records to stderr at `LOG_LEVEL` (default INFO); quieten chatty libraries."""
    chosen = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    logging.basicConfig(level=chosen, format=LOG_FORMAT)
    logging.getLogger("discord.http").setLevel(max(logging.getLevelName(chosen), logging.INFO))
