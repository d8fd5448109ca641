"""Small helpers for driving the bot under simcord."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
