"""The bad-input corpus: every entry gets a clear private message, nothing is charged, the bot stays up."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from bot.quota import QUOTA_WINDOW
from tests.discord.conftest import World
from tests.discord.helpers import png, scene
from tests.media.makers import bomb_png, noise

pytestmark = pytest.mark.reliability


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (400, 400), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def huge_noise_png() -> bytes:
    """Over 30 MB of incompressible PNG."""
    buffer = io.BytesIO()
    noise(3400, 3400).save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


REFUSED = [
    ("truncated PNG", ("cut.png", png()[1][:300]), {}, "not an image file I can read"),
    ("decompression bomb", ("bomb.png", bomb_png(30000, 30000)), {}, "the limit is 40 MP"),
    ("1×1", png(1, 1), {}, "The image is 1×1 px"),
    ("10000×100", png(10000, 100), {}, "aspect ratio between 1:2.5 and 2.5:1"),
    ("SVG", ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="900"/>'), {}, "SVG"),
    ("text renamed .png", ("notes.png", b"hello, I am text\n" * 40), {}, "not an image file I can read"),
]


@pytest.mark.parametrize(("image", "extra", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
async def test_refused_clearly_and_free(
    simcord_env: Any, world: World, image: Any, extra: dict[str, str], message: str
) -> None:
    """Refused with a specific private message; no task, no charge; the next good request still works."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video animate", image=image, **{"prompt": "move", **extra})
    assert result.ephemeral
    assert message in result.response.content
    assert simcord_env.errors
    usage = await world.storage.quotas.usage(
        channel.guild.id, alice.id, now=world.fake.clock.now(), window=QUOTA_WINDOW
    )
    assert (usage.units_used, usage.active_tasks, world.fake.create_attempts) == (0, 0, 0)
    assert "Queued as" in (await alice.slash(channel, "video animate", image=png(), prompt="ok")).response.content


async def test_a_30_mb_image_is_refused_before_download(simcord_env: Any, world: World) -> None:
    """Over 25 MB: refused from the attachment's size, without reading it."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video animate", image=("big.png", huge_noise_png()), prompt="move")
    assert "upload images up to 25 MB" in result.response.content
    assert simcord_env.errors


async def test_an_animated_gif_uses_its_first_frame(simcord_env: Any, world: World) -> None:
    """Fixed silently: the first frame, as a PNG, with a note in the confirmation."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video animate", image=("moving.gif", animated_gif()), prompt="move")
    assert "Queued as" in result.response.content
    assert "first frame" in result.response.content


async def test_at_everyone_in_a_prompt_pings_nobody(simcord_env: Any, world: World) -> None:
    """The prompt is shown, but the result pings only the requester."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video animate", image=png(), prompt="hello @everyone and @here <@&1>")
    await world.step(200)
    await simcord_env.settle()
    posted = channel.last_message
    assert not posted.mention_everyone
    assert [m.id for m in posted.mentions] == [alice.id]
    assert posted.role_mentions == []
