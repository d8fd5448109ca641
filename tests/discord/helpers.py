"""Small helpers for driving the bot under simcord."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from tests.fake_kling import make_jpeg, make_png

if TYPE_CHECKING:
    from tests.discord.conftest import World


def png(width: int = 512, height: int = 512) -> tuple[str, bytes]:
    """Return a PNG attachment as simcord takes it."""
    return ("cat.png", make_png(width, height))


def jpeg(width: int = 640, height: int = 480) -> tuple[str, bytes]:
    """Return a JPEG attachment as simcord takes it."""
    return ("dog.jpg", make_jpeg(width, height))


def scene(env: Any) -> tuple[Any, Any, Any]:
    """Return a guild, a channel and a member in it."""
    guild = env.create_guild()
    channel = guild.create_text_channel("videos")
    alice = guild.add_member(env.create_user("alice"))
    return guild, channel, alice


def deferred_first(env: Any) -> bool:
    """Return True if the bot's first REST call for the latest interaction was its acknowledgement."""
    requests = list(env.http_requests)
    callbacks = [i for i, r in enumerate(requests) if r.path.startswith("/interactions/")]
    if not callbacks:
        return False
    previous = callbacks[-2] if len(callbacks) > 1 else -1
    setup = ("/oauth2", "/applications/")  # login and command sync, not the bot's answer
    first = next((i for i in range(previous + 1, len(requests)) if not requests[i].path.startswith(setup)), None)
    return first == callbacks[-1]


def refused_with(env: Any, kind: type[BaseException]) -> BaseException:
    """Return the error the bot turned into a private message (reading it tells simcord it was expected)."""
    errors = env.errors
    assert errors, "the bot raised nothing"
    error = errors[-1]
    original = getattr(error, "original", error)
    assert isinstance(original, kind), f"expected {kind.__name__}, got {original!r}"
    return original


async def delivered(world: World, channel: Any, env: Any, seconds: float = 200) -> Any:
    """Let the provider finish and the engine deliver; return the channel's newest message.

    `seconds` is how far the world's fake clock moves first.
    """
    await world.step(seconds)
    await env.settle()
    return channel.last_message


def components_of(message: Any) -> list[Any]:
    """Return every component of a message, nested ones included (a card's buttons sit inside its container)."""
    found = []
    pending = list(message.components)
    while pending:
        component = pending.pop(0)
        found.append(component)
        pending[:0] = [*getattr(component, "children", ()), *filter(None, [getattr(component, "accessory", None)])]
    return found


def button_id(message: Any, action: str) -> str:
    """Return the custom id of the message's button for `action` (kling:<action>:<task>)."""
    for component in components_of(message):
        custom_id = getattr(component, "custom_id", None) or ""
        if custom_id.startswith(f"kling:{action}:"):
            return custom_id
    raise AssertionError(f"no {action} button")


def button_ids(message: Any) -> list[str]:
    """Return the custom ids of every button of the message."""
    return [c.custom_id for c in components_of(message) if getattr(c, "custom_id", None)]


def is_card(message: Any) -> bool:
    """Return whether the message is a media card (a Components V2 layout)."""
    return bool(message.flags.components_v2)


def card_text(message: Any) -> str:
    """Return the text of a card's text displays, one per line."""
    return "\n".join(c.content for c in components_of(message) if isinstance(c, discord.TextDisplay))


def gallery_urls(message: Any) -> list[str]:
    """Return the media a card's gallery shows."""
    galleries = [c for c in components_of(message) if isinstance(c, discord.MediaGalleryComponent)]
    return [item.media.url for gallery in galleries for item in gallery.items]
