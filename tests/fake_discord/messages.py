"""Messages: create (with uploads, the size limit and nonces), edit, delete and history."""

from __future__ import annotations

import time
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from .attachments import Blob, attachment_payload, guess_type, signed_url
from .builders import now_iso
from .components import check_message, is_v2, resolve
from .errors import DiscordError, form_error
from .models import EPHEMERAL_FLAG, LOADING_FLAG, Snowflakes, StoredMessage
from .waiting import Changes

Files = dict[int, tuple[str, bytes]]  # files[n] index -> (filename, bytes)
NONCE_TTL_SECONDS = 300.0
MAX_FILES = 10
MAX_CONTENT = 2000
MAX_EMBEDS = 10
# Discord's embed limits (docs: "Embed Limits"): per part, and 6,000 characters over every embed of a message.
EMBED_TITLE, EMBED_DESCRIPTION, EMBED_FIELDS, FIELD_NAME, FIELD_VALUE = 256, 4096, 25, 256, 1024
EMBED_FOOTER, EMBED_AUTHOR, EMBED_TOTAL = 2048, 256, 6000
HISTORY_DEFAULT, HISTORY_MAX = 50, 100


def check_body(body: dict[str, Any], files: Files, limit: int) -> None:
    """Reject what Discord rejects: long content, too many embeds or files, a file over `limit` (gotcha 8)."""
    if len(body.get("content") or "") > MAX_CONTENT:
        raise form_error("content", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT} or fewer in length.")
    if len(body.get("embeds") or []) > MAX_EMBEDS:
        raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
    check_embeds(body.get("embeds") or [])
    if len(files) > MAX_FILES:
        raise form_error("files", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_FILES} or fewer in length.")
    if any(len(data) > limit for _, data in files.values()):
        raise DiscordError(413, 40005)


def check_embeds(embeds: list[dict[str, Any]]) -> None:
    """Reject embeds over any of Discord's documented limits, as Discord does (400, code 50035)."""
    total = 0
    for n, embed in enumerate(embeds):
        parts = [
            (f"embeds.{n}.title", embed.get("title"), EMBED_TITLE),
            (f"embeds.{n}.description", embed.get("description"), EMBED_DESCRIPTION),
            (f"embeds.{n}.footer.text", (embed.get("footer") or {}).get("text"), EMBED_FOOTER),
            (f"embeds.{n}.author.name", (embed.get("author") or {}).get("name"), EMBED_AUTHOR),
        ]
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            raise form_error(
                f"embeds.{n}.fields", "BASE_TYPE_MAX_LENGTH", f"Must be {EMBED_FIELDS} or fewer in length."
            )
        for i, field in enumerate(fields):
            parts.append((f"embeds.{n}.fields.{i}.name", field.get("name"), FIELD_NAME))
            parts.append((f"embeds.{n}.fields.{i}.value", field.get("value"), FIELD_VALUE))
        for where, text, limit in parts:
            length = len(text or "")
            if length > limit:
                raise form_error(where, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
            total += length
    if total > EMBED_TOTAL:
        raise form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL}")


def upload_names(body: dict[str, Any], files: Files) -> set[str]:
    """Return the names of the files a request uploads (an attachments entry may rename one)."""
    entries = body.get("attachments") or [{"id": index} for index in files]
    names = set()
    for entry in entries:
        key = str(entry.get("id"))
        if key.isdigit() and int(key) in files:
            names.add(entry.get("filename") or files[int(key)][0])
    return names


def resolve_embeds(embeds: list[dict[str, Any]] | None, attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Default embeds to type "rich" and point attachment://name images at the uploaded file."""
    by_name = {a["filename"]: a for a in attachments}
    resolved = []
    for embed in embeds or []:
        embed = {"type": "rich", **embed}
        for key in ("image", "thumbnail"):
            url = (embed.get(key) or {}).get("url", "")
            target = by_name.get(url.removeprefix("attachment://")) if url.startswith("attachment://") else None
            if target is not None:
                embed[key] = {**embed[key], "url": target["url"], "proxy_url": target["url"]}
        resolved.append(embed)
    return resolved


def new_payload(
    message_id: int, channel_id: int, body: dict[str, Any], attachments: list[dict[str, Any]]
) -> dict[str, Any]:
    """Build a new message object from a create request."""
    payload: dict[str, Any] = {
        "id": str(message_id),
        "type": 19 if body.get("message_reference") else 0,
        "channel_id": str(channel_id),
        "content": body.get("content") or "",
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": resolve_embeds(body.get("embeds"), attachments),
        "components": resolve(deepcopy(body.get("components") or []), attachments, int(body.get("flags") or 0)),
        "pinned": False,
        "flags": int(body.get("flags") or 0),
    }
    if body.get("nonce") is not None:
        payload["nonce"] = body["nonce"]
    return payload


def is_empty(payload: dict[str, Any]) -> bool:
    """Return whether a message has nothing to show."""
    keys = ("content", "embeds", "attachments", "components", "sticker_items", "poll")
    return not any(payload.get(key) for key in keys)


class MessageStore:
    """Every message by id and by channel, the uploaded bytes and recent nonces."""

    def __init__(self, ids: Snowflakes, changes: Changes, base_url: Callable[[], str]) -> None:
        self.ids = ids
        self.changes = changes
        self.base_url = base_url
        self.by_id: dict[int, StoredMessage] = {}
        self.by_channel: dict[int, list[StoredMessage]] = {}
        self.blobs: dict[int, Blob] = {}
        self._nonces: dict[tuple[int, str], tuple[float, StoredMessage]] = {}

    def get(self, channel_id: int, message_id: int) -> StoredMessage:
        """Return a message of the channel, or raise Unknown Message."""
        message = self.by_id.get(message_id)
        if message is None or int(message.payload["channel_id"]) != channel_id:
            raise DiscordError(404, 10008)
        return message

    def add_blob(self, scope: int, filename: str, data: bytes, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store bytes under a new attachment id and return the attachment object."""
        attachment_id = self.ids.next()
        blob = Blob(filename, guess_type(filename), data)
        self.blobs[attachment_id] = blob
        url = signed_url(self.base_url(), scope, attachment_id, filename)
        return attachment_payload(attachment_id, blob, url, extra)

    def create(
        self, channel_id: int, body: dict[str, Any], files: Files, limit: int, extra: dict[str, Any]
    ) -> StoredMessage:
        """Create a message from a request body; `extra` sets author, guild_id, webhook fields."""
        check_body(body, files, limit)
        check_message(body, int(body.get("flags") or 0), upload_names(body, files))
        attachments, data = self._attachments(channel_id, body, files, {})
        payload = {**new_payload(self.ids.next(), channel_id, body, attachments), **extra}
        flags = payload["flags"]
        if is_empty(payload) and not flags & LOADING_FLAG:
            raise DiscordError(400, 50006)
        return self._store(StoredMessage(payload, data, ephemeral=bool(flags & EPHEMERAL_FLAG)), body)

    def edit(self, message: StoredMessage, body: dict[str, Any], files: Files, limit: int) -> None:
        """Apply an edit: only the fields present change; ephemeral state never does."""
        check_body(body, files, limit)
        payload = message.payload
        flags = int(body["flags"] or 0) if "flags" in body else payload["flags"]
        names = upload_names(body, files) | {a["filename"] for a in payload["attachments"]}
        check_message(body, flags, names, was_v2=is_v2(payload["flags"]))
        if "attachments" in body or files:
            kept = {a["id"]: (a, message.data[a["id"]]) for a in payload["attachments"]}
            if "attachments" not in body:
                body = {**body, "attachments": [*({"id": k} for k in kept), *({"id": i} for i in files)]}
            payload["attachments"], message.data = self._attachments(int(payload["channel_id"]), body, files, kept)
        if "content" in body:
            payload["content"] = body["content"] or ""
        if "embeds" in body:
            payload["embeds"] = resolve_embeds(body["embeds"], payload["attachments"])
        if "flags" in body:
            payload["flags"] = (payload["flags"] & EPHEMERAL_FLAG) | (int(body["flags"] or 0) & ~EPHEMERAL_FLAG)
        if "components" in body:
            payload["components"] = resolve(deepcopy(body["components"] or []), payload["attachments"], flags)
        payload["flags"] &= ~LOADING_FLAG
        payload["edited_timestamp"] = now_iso()
        self.changes.notify()

    def delete(self, message: StoredMessage) -> None:
        """Remove a message everywhere."""
        self.by_id.pop(message.id, None)
        channel = self.by_channel.get(int(message.payload["channel_id"]), [])
        if message in channel:
            channel.remove(message)
        self.changes.notify()

    def history(self, channel_id: int, query: dict[str, str]) -> list[dict[str, Any]]:
        """Return channel messages newest first, honouring limit/before/after."""
        limit = max(1, min(int(query.get("limit", HISTORY_DEFAULT)), HISTORY_MAX))
        before, after = int(query.get("before", 0)), int(query.get("after", 0))
        messages = sorted(self.by_channel.get(channel_id, []), key=lambda m: m.id, reverse=True)
        selected = [m for m in messages if (not before or m.id < before) and m.id > after]
        if after:  # Discord pages forward from `after`: the oldest ones after it.
            selected = selected[-limit:]
        return [m.payload for m in selected[:limit]]

    def _store(self, message: StoredMessage, body: dict[str, Any]) -> StoredMessage:
        self.by_id[message.id] = message
        if not message.ephemeral:
            self.by_channel.setdefault(int(message.payload["channel_id"]), []).append(message)
        if body.get("nonce") is not None:
            key = (int(message.payload["channel_id"]), str(body["nonce"]))
            self._nonces[key] = (time.monotonic(), message)
        self.changes.notify()
        return message

    def by_nonce(self, channel_id: int, body: dict[str, Any]) -> StoredMessage | None:
        """Return the message created in the last minutes with this body's enforced nonce, if any."""
        nonce = body.get("nonce")
        if not body.get("enforce_nonce") or nonce is None:
            return None
        seen = self._nonces.get((channel_id, str(nonce)))
        if seen is None or time.monotonic() - seen[0] > NONCE_TTL_SECONDS:
            return None
        return seen[1]

    def _attachments(
        self, scope: int, body: dict[str, Any], files: Files, kept: dict[str, tuple[dict[str, Any], bytes]]
    ) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
        entries = body.get("attachments")
        if entries is None:
            entries = [{"id": index} for index in sorted(files)]
        attachments, data = [], {}
        for entry in entries:
            key = str(entry.get("id"))
            if key in kept:
                attachment, content = kept[key]
            elif key.isdigit() and int(key) in files:
                filename, content = files[int(key)]
                extra = {"description": entry["description"]} if entry.get("description") else None
                attachment = self.add_blob(scope, entry.get("filename") or filename, content, extra)
            else:
                raise form_error("attachments", "ATTACHMENT_NOT_FOUND", f"Unknown attachment {key}")
            attachments.append(attachment)
            data[attachment["id"]] = content
        return attachments, data
