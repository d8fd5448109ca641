"""Drive a real discord.py bot through the loopback fake Discord: REST, uploads, errors and gateway RESUME."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands
from PIL import Image

from tests.fake_discord import MIB, FakeChannel, FakeDiscord, FakeInteraction, FakeUser
from tests.fake_discord.components import check_message, resolve, walk
from tests.fake_discord.errors import DiscordError
from tests.fake_discord.messages import check_embeds

TOKEN = "fake-bot-token"
STEP = 5.0  # the longest any single wait may take
SITECUSTOMIZE = Path(__file__).parent / "fake_discord" / "sitecustomize"
DEFERRED = 5


def make_png() -> bytes:
    """Return a small PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "purple").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = make_png()


class SmokeBot(commands.Bot):
    """A minimal bot: /video make blend defers, reads the image, posts a file and an embed, edits the original."""

    def __init__(self) -> None:
        # on_ready fires guild_ready_timeout after the last GUILD_CREATE (default 2 s; gotcha 5).
        intents = discord.Intents.default()
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.1)
        video = app_commands.Group(name="video", description="Make videos")
        make = app_commands.Group(name="make", description="Make a video from images", parent=video)
        make.command(name="blend", description="Blend an image into a clip")(blend)
        self.tree.add_command(video)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def blend(interaction: discord.Interaction, image: discord.Attachment, prompt: str, pad_mib: int = 0) -> None:
    """Defer, read the attachment, post a file and an embed, and report the outcome in the original response."""
    await interaction.response.defer(thinking=True)
    data = await image.read()
    upload = discord.File(io.BytesIO(data + bytes(pad_mib * MIB)), filename="result.png")
    assert isinstance(interaction.channel, discord.TextChannel)
    try:
        await interaction.channel.send(
            f"{interaction.user.mention} {prompt}", embed=discord.Embed(title=prompt), file=upload
        )
    except discord.HTTPException as exc:
        await interaction.edit_original_response(content=f"failed {type(exc).__name__} {exc.status} {exc.code}")
        return
    await interaction.edit_original_response(content=f"done {len(data)} bytes")


@dataclass
class Scene:
    fake: FakeDiscord
    channel: FakeChannel
    user: FakeUser
    image: dict[str, Any]

    async def blend(self, **options: Any) -> FakeInteraction:
        """Invoke /video make blend as the user."""
        options = {"image": self.image, "prompt": "a cat", **options}
        return await self.fake.invoke_slash(self.user, self.channel, "video", subcommand="make blend", options=options)

    async def outcome(self, interaction: FakeInteraction) -> str:
        """Wait for the command to report and return its original response text."""
        original = await interaction.wait_original(lambda m: m["content"] != "", timeout=STEP)
        return str(original["content"])


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as server:
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
        yield server


@pytest.fixture
async def scene(fake: FakeDiscord) -> AsyncIterator[Scene]:
    guild = fake.add_guild("Test")
    channel = fake.add_text_channel(guild, "general")
    user = fake.add_member(guild, "alice")
    bot = SmokeBot()
    running = asyncio.create_task(bot.start(TOKEN))
    try:
        await until_or_crash(fake.wait_until_ready(timeout=STEP), running)
        await until_or_crash(fake.wait_for_commands(timeout=STEP), running)
        yield Scene(fake, channel, user, fake.add_attachment("cat.png", PNG))
    finally:
        await asyncio.wait_for(bot.close(), STEP)
        await asyncio.wait_for(running, STEP)


async def until_or_crash(waiting: Any, running: asyncio.Task[None]) -> None:
    """Await `waiting`, failing at once if the bot task ends first."""
    waiter = asyncio.ensure_future(waiting)
    await asyncio.wait([waiter, running], return_when=asyncio.FIRST_COMPLETED)
    if not waiter.done():
        waiter.cancel()
        running.result()
        pytest.fail("the bot stopped before the fake saw it ready")
    waiter.result()


async def test_command_defers_reads_attachment_and_posts_file(scene: Scene) -> None:
    """The deferral, the attachment download, the multipart upload and the edit all cross the wire."""
    interaction = await scene.blend()
    assert await interaction.wait_acknowledged(timeout=STEP) == DEFERRED
    assert interaction.ack_delay is not None
    assert interaction.ack_delay < 3
    assert await scene.outcome(interaction) == f"done {len(PNG)} bytes"
    posted = await scene.fake.wait_for_message(scene.channel, lambda m: m["attachments_data"], timeout=STEP)
    assert posted["attachments_data"] == [("result.png", PNG)]
    assert posted["attachments"][0]["content_type"] == "image/png"
    assert (posted["attachments"][0]["width"], posted["attachments"][0]["height"]) == (4, 3)
    assert posted["embeds"][0]["title"] == "a cat"
    assert posted["content"] == f"<@{scene.user.id}> a cat"
    assert ("GET", yarl.URL(scene.image["url"]).path) in scene.fake.requests


async def test_synced_command_has_group_subcommand_and_attachment_option(scene: Scene) -> None:
    """The PUT body carries the nested shape the fake builds interactions from."""
    (video,) = scene.fake.commands
    (make,) = video["options"]
    (blend_schema,) = make["options"]
    assert (make["type"], blend_schema["type"]) == (2, 1)
    assert [(o["name"], o["type"]) for o in blend_schema["options"]] == [("image", 11), ("prompt", 3), ("pad_mib", 4)]


async def test_upload_over_the_limit_is_413_code_40005(scene: Scene) -> None:
    """An 11 MiB file in a tier-0 guild is refused as real Discord does, and discord.py raises it."""
    interaction = await scene.blend(pad_mib=11)
    assert await scene.outcome(interaction) == "failed HTTPException 413 40005"
    assert not [m for m in scene.fake.messages(scene.channel) if m["attachments_data"]]


async def test_injected_403_surfaces_as_forbidden(scene: Scene) -> None:
    """A Missing Permissions answer on channel send reaches the command as discord.Forbidden."""
    scene.fake.inject_rest_error("POST", "/channels/*/messages", 403, 50013)
    assert await scene.outcome(await scene.blend()) == "failed Forbidden 403 50013"


async def test_injected_429_is_retried_by_discord_py(scene: Scene) -> None:
    """A 429 with Via and retry_after is waited out and retried, not treated as a Cloudflare ban."""
    scene.fake.inject_rest_error("POST", "/channels/*/messages", 429, retry_after=0.05)
    assert (await scene.outcome(await scene.blend())).startswith("done")
    sends = [r for r in scene.fake.requests if r == ("POST", f"/channels/{scene.channel.id}/messages")]
    assert len(sends) == 2


async def test_gateway_disconnect_resumes_and_replays_missed_dispatches(scene: Scene) -> None:
    """After a dropped socket the bot RESUMEs; an interaction sent meanwhile is replayed and answered."""
    await scene.fake.disconnect_gateway()
    interaction = await scene.blend()
    await scene.fake.wait_until_ready(timeout=STEP)
    assert await scene.outcome(interaction) == f"done {len(PNG)} bytes"
    assert (scene.fake.identifies, scene.fake.resumes) == (1, 1)
    assert await scene.outcome(await scene.blend()) == f"done {len(PNG)} bytes"


async def test_rest_contract_without_a_bot(fake: FakeDiscord) -> None:
    """Auth, the 404 shape, the exact JSON content type and nonce de-duplication."""
    channel = fake.add_text_channel(fake.add_guild(), "general")
    auth = {"Authorization": f"Bot {TOKEN}"}
    url = f"{fake.api_base}/channels/{channel.id}/messages"
    body = {"content": "hi", "nonce": "n-1", "enforce_nonce": True}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=STEP)) as http:
        async with http.get(f"{fake.api_base}/users/@me") as resp:
            assert resp.status == 401
        async with http.get(f"{fake.api_base}/nope", headers=auth) as resp:
            assert (resp.status, resp.headers["Content-Type"]) == (404, "application/json")
            assert await resp.json() == {"message": "404: Not Found", "code": 0}
        ids = []
        for _ in range(2):
            async with http.post(url, json=body, headers=auth) as resp:
                ids.append((await resp.json())["id"])
    assert ids[0] == ids[1]
    assert [m["content"] for m in fake.messages(channel)] == ["hi"]


async def test_a_slowed_route_answers_late_and_others_at_once(fake: FakeDiscord) -> None:
    """`slow_rest` delays the matching route only (the benchmarks' upload time over a real link)."""
    channel = fake.add_text_channel(fake.add_guild(), "general")
    fake.slow_rest("POST", "/channels/*/messages", 0.3)
    auth = {"Authorization": f"Bot {TOKEN}"}
    url = f"{fake.api_base}/channels/{channel.id}/messages"
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=STEP)) as http:
        started = loop.time()
        async with http.post(url, json={"content": "hi"}, headers=auth) as resp:
            assert resp.status == 200
        assert loop.time() - started >= 0.3
        async with http.get(url, headers=auth) as resp:
            assert [m["content"] for m in await resp.json()] == ["hi"]


async def run_python(script: str, env: dict[str, str]) -> str:
    """Run `python -c script` with `env` and return its stdout."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


async def test_sitecustomize_points_discord_at_the_fake_only_when_asked() -> None:
    """The subprocess shim sets both class attributes from the environment, and nothing without it."""
    script = "import discord.http as h, discord.gateway as g; print(h.Route.BASE, g.DiscordWebSocket.DEFAULT_GATEWAY)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_DISCORD_")}
    env["PYTHONPATH"] = os.pathsep.join([str(SITECUSTOMIZE), env.get("PYTHONPATH", "")])
    pointed = {"FAKE_DISCORD_API": "http://127.0.0.1:9/api/v10", "FAKE_DISCORD_GATEWAY": "ws://127.0.0.1:9/gateway"}
    outputs = await asyncio.gather(run_python(script, {**env, **pointed}), run_python(script, env))
    assert outputs[0].split() == ["http://127.0.0.1:9/api/v10", "ws://127.0.0.1:9/gateway"]
    assert outputs[1].split() == ["https://discord.com/api/v10", "wss://gateway.discord.gg/"]


@pytest.mark.parametrize(
    ("embed", "where"),
    [
        ({"fields": [{"name": "Prompt", "value": "x" * 1025}]}, "embeds.0.fields.0.value"),
        ({"description": "x" * 4097}, "embeds.0.description"),
        ({"title": "x" * 257}, "embeds.0.title"),
        ({"fields": [{"name": "n", "value": "v"}] * 26}, "embeds.0.fields"),
        ({"description": "x" * 4000, "fields": [{"name": "a", "value": "x" * 1000}] * 2}, "embeds"),
    ],
)
def test_embed_limits_are_discords(embed: dict[str, Any], where: str) -> None:
    """Field values over 1,024, descriptions over 4,096, titles over 256, 26 fields, 6,000 in all: 400/50035."""
    with pytest.raises(DiscordError) as refused:
        check_embeds([embed])
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert where in refused.value.errors
    check_embeds([{"fields": [{"name": "Prompt", "value": "x" * 1024}], "description": "x" * 4096}])


V2 = 1 << 15


def card(*children: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a layout: one container holding `children`."""
    return [{"type": 17, "components": list(children)}]


def text(content: str) -> dict[str, Any]:
    return {"type": 10, "content": content}


def gallery(*names: str) -> dict[str, Any]:
    return {"type": 12, "items": [{"media": {"url": f"attachment://{name}"}} for name in names]}


def buttons(*custom_ids: str) -> dict[str, Any]:
    return {"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": c} for c in custom_ids]}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"flags": V2, "content": "hi", "components": card(text("x"))}, "content"),
        ({"flags": V2, "embeds": [{"title": "t"}], "components": card(text("x"))}, "embeds"),
        ({"components": card(text("x"))}, "components.0.type"),
        ({"flags": V2, "components": card(gallery())}, "components.0.components.0.items"),
        ({"flags": V2, "components": card(gallery(*["a.png"] * 11))}, "components.0.components.0.items"),
        ({"flags": V2, "components": card(gallery("missing.png"))}, "components.0.components.0.items.0.media.url"),
        ({"flags": V2, "components": card(text("x" * 2000), text("x" * 2001))}, "components"),
        ({"flags": V2, "components": [text(str(n)) for n in range(41)]}, "components"),
        ({"flags": V2, "components": card(buttons("x" * 101))}, "components.0.components.0.components.0.custom_id"),
        ({"flags": V2, "components": card(buttons("a", "a"))}, "components"),
        ({"flags": V2, "components": card(buttons(*"abcdef"))}, "components.0.components.0.components"),
        ({"flags": V2, "components": [{"type": 11, "media": {"url": "https://x/y.png"}}]}, "components.0.type"),
        ({"flags": V2, "components": card({"type": 9, "components": [text("x")]})}, "components.0.components.0"),
    ],
)
def test_components_v2_limits_are_discords(body: dict[str, Any], where: str) -> None:
    """No content or embeds with the flag, no layout without it; galleries of 1–10 files the message carries;
    4,000 characters of text and 40 components in all; custom ids of at most 100, unique; 5 buttons a row."""
    with pytest.raises(DiscordError) as refused:
        check_message(body, int(body.get("flags") or 0), {"a.png"})
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert refused.value.errors is not None
    assert any(key.startswith(where) for key in refused.value.errors), refused.value.errors


def test_a_card_is_accepted_and_stored_as_discord_stores_it() -> None:
    """A valid card passes; stored, its components are numbered and the gallery points at the uploaded file."""
    components = card(text("<@1>, your video is ready!"), gallery("0.mp4"), text("x" * 3000), buttons("kling:retry:1"))
    check_message({"flags": V2, "content": None, "components": components}, V2, {"0.mp4"})
    attachment = {"id": "9", "filename": "0.mp4", "url": "http://fake/0.mp4", "content_type": "video/mp4"}
    stored = resolve(components, [attachment], V2)
    assert [c["id"] for c in walk(stored)] == [1, 2, 3, 4, 5, 6]
    media = stored[0]["components"][1]["items"][0]["media"]
    assert (media["url"], media["content_type"], media["attachment_id"]) == ("http://fake/0.mp4", "video/mp4", "9")
    check_message({"components": [buttons("a", "b")]}, 0, set())  # classic rows still go
