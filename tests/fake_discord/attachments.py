"""Attachment objects: content type from the file name, image size read with Pillow."""

from __future__ import annotations

import contextlib
import io
import mimetypes
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from PIL import Image

URL_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Blob:
    """Bytes the fake serves at an attachment URL."""

    filename: str
    content_type: str
    data: bytes


def guess_type(filename: str) -> str:
    """Infer the content type from the name: discord.py uploads everything as octet-stream (gotcha 7)."""
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def image_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    """Return (width, height) of an image Pillow can read, else None."""
    if not content_type.startswith("image/"):
        return None
    with contextlib.suppress(Exception), Image.open(io.BytesIO(data)) as image:
        return image.size
    return None


def signed_url(base: str, scope: int, attachment_id: int, filename: str) -> str:
    """Return a CDN-like URL with Discord's ex/is/hm signature parameters (ignored when served)."""
    now = int(time.time())
    query = f"ex={now + URL_TTL_SECONDS:x}&is={now:x}&hm={secrets.token_hex(32)}&"
    return f"{base}/attachments/{scope}/{attachment_id}/{quote(filename)}?{query}"


def attachment_payload(attachment_id: int, blob: Blob, url: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build a Discord attachment object for `blob` served at `url`."""
    payload: dict[str, Any] = {
        "id": str(attachment_id),
        "filename": blob.filename,
        "size": len(blob.data),
        "url": url,
        "proxy_url": url,
        "content_type": blob.content_type,
    }
    size = image_size(blob.data, blob.content_type)
    if size is not None:
        payload["width"], payload["height"] = size
    payload.update(extra or {})
    return payload
