"""Message components as Discord checks them: classic action rows, and Components V2 layouts (IS_COMPONENTS_V2).

Written from Discord's developer docs ("Component Reference", "Create Message"), not from any bot's code:
- With the IS_COMPONENTS_V2 flag (1 << 15) a message can't use `content`, `embeds`, `stickers` or `poll`; once set,
  the flag can't be removed by an edit.
- Without it, only action rows go at the top level, at most 5, and no V2 component anywhere.
- A message holds at most 40 components, nested ones included; its text displays hold 4,000 characters in all.
- An action row holds 1–5 buttons or one select; a button has a 1–100 character custom_id (a link button a url
  instead) and a label of at most 80; custom_ids are unique within a message.
- A section holds 1–3 text displays and one accessory (a button or a thumbnail); a media gallery 1–10 items; a
  container action rows, text displays, sections, media galleries, separators and files.
- Media (a gallery item, a thumbnail, a file) has a url; `attachment://name` points at a file of the message.
  Descriptions (alt text) are at most 1,024 characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import form_error

COMPONENTS_V2_FLAG = 1 << 15
ACTION_ROW, BUTTON, SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER = (
    1, 2, 9, 10, 11, 12, 13, 14, 17,
)  # fmt: skip
SELECTS = {3, 5, 6, 7, 8}
LINK_STYLE, PREMIUM_STYLE = 5, 6
TOP_LEVEL_V2 = {ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER}
IN_CONTAINER = {ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR}
CLASSIC_ROWS_MAX, COMPONENTS_MAX, TEXT_MAX = 5, 40, 4000
ROW_BUTTONS_MAX, SECTION_TEXTS_MAX, GALLERY_MAX = 5, 3, 10
CUSTOM_ID_MAX, LABEL_MAX, DESCRIPTION_MAX = 100, 80, 1024
ATTACHMENT_SCHEME = "attachment://"
Component = dict[str, Any]


def is_v2(flags: int) -> bool:
    """Return whether the flags mark a Components V2 message."""
    return bool(flags & COMPONENTS_V2_FLAG)


def check_message(body: dict[str, Any], flags: int, filenames: set[str], *, was_v2: bool = False) -> None:
    """Refuse (400, code 50035) a message body whose components or fields break Discord's rules."""
    components = body.get("components") or []
    if was_v2 and not is_v2(flags):
        raise form_error("flags", "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG", "The flag can't be removed.")
    if is_v2(flags):
        for legacy in ("content", "embeds", "sticker_ids", "poll"):
            if body.get(legacy):
                message = f"The '{legacy}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2"
                raise form_error(legacy, "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", message)
    elif len(components) > CLASSIC_ROWS_MAX:
        raise form_error("components", "BASE_TYPE_MAX_LENGTH", f"Must be {CLASSIC_ROWS_MAX} or fewer in length.")
    allowed = TOP_LEVEL_V2 if is_v2(flags) else {ACTION_ROW}
    for n, component in enumerate(components):
        _check(component, f"components.{n}", allowed, filenames)
    _check_totals(list(walk(components)))


def walk(components: list[Component]) -> Iterator[Component]:
    """Yield every component, nested ones included (children, a section's accessory), in order."""
    for component in components:
        yield component
        yield from walk(component.get("components") or [])
        if isinstance(component.get("accessory"), dict):
            yield from walk([component["accessory"]])


def _check_totals(every: list[Component]) -> None:
    if len(every) > COMPONENTS_MAX:
        raise form_error("components", "BASE_TYPE_MAX_LENGTH", f"Must be {COMPONENTS_MAX} or fewer in total.")
    text = sum(len(c.get("content") or "") for c in every if c.get("type") == TEXT_DISPLAY)
    if text > TEXT_MAX:
        raise form_error("components", "COMPONENT_DISPLAYABLE_TEXT_SIZE_EXCEEDED", f"Text exceeds {TEXT_MAX}.")
    custom_ids = [c["custom_id"] for c in every if c.get("custom_id") is not None]
    if len(custom_ids) != len(set(custom_ids)):
        raise form_error("components", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")


def _check(component: Component, where: str, allowed: set[int], filenames: set[str]) -> None:
    kind = component.get("type")
    if kind not in allowed:
        raise form_error(f"{where}.type", "UNION_TYPE_CHOICES", f"Value must be one of {sorted(allowed)}.")
    children = component.get("components") or []
    if kind == ACTION_ROW:
        _check_row(children, where)
    elif kind == BUTTON:
        _check_button(component, where)
    elif kind == TEXT_DISPLAY:
        if not isinstance(component.get("content"), str) or not component["content"]:
            raise form_error(f"{where}.content", "BASE_TYPE_REQUIRED", "This field is required")
    elif kind == SECTION:
        _length(children, f"{where}.components", 1, SECTION_TEXTS_MAX)
        _check_all(children, f"{where}.components", {TEXT_DISPLAY}, filenames)
        _check(component.get("accessory") or {}, f"{where}.accessory", {BUTTON, THUMBNAIL}, filenames)
    elif kind == THUMBNAIL:
        _check_media(component, "media", where, filenames)
    elif kind == FILE:
        _check_media(component, "file", where, filenames)
    elif kind == MEDIA_GALLERY:
        items = component.get("items") or []
        _length(items, f"{where}.items", 1, GALLERY_MAX)
        for n, item in enumerate(items):
            _check_media(item, "media", f"{where}.items.{n}", filenames)
    elif kind == CONTAINER:
        _check_all(children, f"{where}.components", IN_CONTAINER, filenames)


def _check_all(children: list[Component], where: str, allowed: set[int], filenames: set[str]) -> None:
    for n, child in enumerate(children):
        _check(child, f"{where}.{n}", allowed, filenames)


def _check_row(children: list[Component], where: str) -> None:
    kinds = {child.get("type") for child in children}
    if kinds <= {BUTTON}:
        _length(children, f"{where}.components", 1, ROW_BUTTONS_MAX)
        _check_all(children, f"{where}.components", {BUTTON}, set())
    elif not (len(children) == 1 and kinds <= SELECTS):
        raise form_error(f"{where}.components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Up to 5 buttons or 1 select.")


def _check_button(button: Component, where: str) -> None:
    style = button.get("style")
    if style == LINK_STYLE:
        if not button.get("url") or button.get("custom_id") is not None:
            raise form_error(f"{where}.url", "BUTTON_COMPONENT_INVALID_URL", "A link button has a url, no custom_id.")
    elif style != PREMIUM_STYLE:
        custom_id = button.get("custom_id")
        if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
            message = f"Must be between 1 and {CUSTOM_ID_MAX} in length."
            raise form_error(f"{where}.custom_id", "BASE_TYPE_BAD_LENGTH", message)
    if len(button.get("label") or "") > LABEL_MAX:
        raise form_error(f"{where}.label", "BASE_TYPE_MAX_LENGTH", f"Must be {LABEL_MAX} or fewer in length.")


def _check_media(holder: Component, key: str, where: str, filenames: set[str]) -> None:
    url = (holder.get(key) or {}).get("url")
    if not isinstance(url, str) or not url:
        raise form_error(f"{where}.{key}.url", "BASE_TYPE_REQUIRED", "This field is required")
    # A reference to a file the message doesn't carry would show nothing: refused rather than shown broken.
    if url.startswith(ATTACHMENT_SCHEME) and url.removeprefix(ATTACHMENT_SCHEME) not in filenames:
        raise form_error(f"{where}.{key}.url", "UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND", f"No attachment {url}.")
    if len(holder.get("description") or "") > DESCRIPTION_MAX:
        message = f"Must be {DESCRIPTION_MAX} or fewer in length."
        raise form_error(f"{where}.description", "BASE_TYPE_MAX_LENGTH", message)


def _length(values: list[Any], where: str, least: int, most: int) -> None:
    if not least <= len(values) <= most:
        raise form_error(where, "BASE_TYPE_BAD_LENGTH", f"Must be between {least} and {most} in length.")


def resolve(components: list[Component], attachments: list[dict[str, Any]], flags: int) -> list[Component]:
    """Return the components as Discord stores them: a layout's numbered in order, `attachment://` media pointing at
    the uploaded file."""
    by_name = {a["filename"]: a for a in attachments}
    taken = {c["id"] for c in walk(components) if isinstance(c.get("id"), int) and c["id"] > 0}
    next_id = 1
    for component in walk(components):
        if is_v2(flags) and not component.get("id"):
            while next_id in taken:
                next_id += 1
            component["id"] = next_id
            taken.add(next_id)
        for holder, key in _media_of(component):
            url = holder[key]["url"]
            target = by_name.get(url.removeprefix(ATTACHMENT_SCHEME)) if url.startswith(ATTACHMENT_SCHEME) else None
            if target is not None:
                holder[key] = {**holder[key], **_unfurled(target)}
    return components


def _media_of(component: Component) -> Iterator[tuple[Component, str]]:
    kind = component.get("type")
    if kind == MEDIA_GALLERY:
        yield from ((item, "media") for item in component.get("items") or [])
    elif kind in (THUMBNAIL, FILE):
        yield component, "media" if kind == THUMBNAIL else "file"


def _unfurled(attachment: dict[str, Any]) -> dict[str, Any]:
    media = {"url": attachment["url"], "proxy_url": attachment["url"], "attachment_id": attachment["id"]}
    for key in ("content_type", "width", "height"):
        if attachment.get(key) is not None:
            media[key] = attachment[key]
    return media
