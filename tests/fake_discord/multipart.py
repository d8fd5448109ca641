"""Read a request body: JSON, or multipart with `payload_json` and `files[n]` parts."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import BodyPartReader, web

from .errors import DiscordError
from .messages import Files

FILE_FIELD = re.compile(r"files\[(\d+)\]")


def load_json(text: str) -> Any:
    """Parse JSON, or raise Discord's invalid-JSON error."""
    try:
        return json.loads(text)
    except ValueError:
        raise DiscordError(400, 50109) from None


def parse_json(text: str) -> dict[str, Any]:
    """Parse a JSON object, or raise Discord's invalid-JSON error."""
    value = load_json(text)
    if not isinstance(value, dict):
        raise DiscordError(400, 50109)
    return value


async def read_body(request: web.Request) -> tuple[dict[str, Any], Files]:
    """Return the JSON payload and the uploaded files by index (bytes kept as sent)."""
    if request.content_type.startswith("multipart/"):
        return await read_multipart(request)
    text = await request.text()
    return (parse_json(text) if text.strip() else {}), {}


async def read_multipart(request: web.Request) -> tuple[dict[str, Any], Files]:
    """Read `payload_json` and `files[n]`; every file arrives as application/octet-stream (gotcha 7)."""
    payload: dict[str, Any] = {}
    files: Files = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        name = part.name or ""
        if name == "payload_json":
            payload = parse_json(await part.text())
        elif match := FILE_FIELD.fullmatch(name):
            files[int(match[1])] = (part.filename or f"file{match[1]}", bytes(await part.read()))
    return payload, files
