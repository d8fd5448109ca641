"""Smoke test: `python -m bot` as its own process, against a loopback fake Discord and the fake Kling server."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock, make_jpeg, make_png

ROOT = Path(__file__).resolve().parents[1]
SITECUSTOMIZE = ROOT / "tests" / "fake_discord" / "sitecustomize"
TOKEN = "fake-bot-token"
WAIT = 30.0


def free_port() -> int:
    """Return a port nobody listens on right now (the bot binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_environment(discord: FakeDiscord, kling: FakeKling, data: Path) -> dict[str, str]:
    """The environment an operator would set, pointed at the fakes (callbacks on, to a local port)."""
    port = free_port()
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(data),
        "PYTHONPATH": os.pathsep.join([str(SITECUSTOMIZE), str(ROOT)]),
        **discord.env(),
        "DISCORD_TOKEN": TOKEN,
        "KLING_PROVIDER": "official",
        "KLING_API_KEY": API_KEY,
        "KLING_BASE_URL": kling.base_url,
        "DATABASE_URL": f"sqlite:///{data / 'bot.db'}",
        "ARCHIVE_DIR": str(data / "archive"),
        "INPUT_DIR": str(data / "inputs"),
        "DOWNLOAD_ALLOW_LOOPBACK": "true",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "WEB_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


@pytest.fixture
async def bot_process(tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, FakeKling]]:
    """Both fakes, and the bot running against them until the test ends."""
    kling_fake = FakeKling(
        api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.0
    )
    async with FakeDiscord(token=TOKEN) as discord_fake, kling_fake:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=bot_environment(discord_fake, kling_fake, tmp_path),
            stdout=asyncio.subprocess.DEVNULL, stderr=(tmp_path / "bot.log").open("wb"),
        )  # fmt: skip
        try:
            yield discord_fake, kling_fake
        finally:
            if process.returncode is None:
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), WAIT)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.mark.timeout(90)
async def test_blend_two_images_end_to_end(bot_process: tuple[FakeDiscord, FakeKling], tmp_path: Path) -> None:
    """`/video blend` with two images: acknowledged within 3 s, the video posted in the channel, pinging the user."""
    discord_fake, kling_fake = bot_process
    guild = discord_fake.add_guild(name="Smoke")
    channel = discord_fake.add_text_channel(guild, "videos")
    alice = discord_fake.add_member(guild, "alice")
    try:
        await discord_fake.wait_until_ready(timeout=WAIT)
        await discord_fake.wait_for_commands(timeout=WAIT)
    except TimeoutError:
        pytest.fail("the bot never connected:\n" + (tmp_path / "bot.log").read_text())
    images = {
        "image1": discord_fake.add_attachment("a.png", make_png(640, 480), content_type="image/png"),
        "image2": discord_fake.add_attachment("b.jpg", make_jpeg(480, 640), content_type="image/jpeg"),
    }
    interaction = await discord_fake.invoke_slash(
        alice, channel, "video", subcommand="blend", options={**images, "prompt": "they meet"}
    )
    await interaction.wait_acknowledged(timeout=5)
    assert interaction.ack_delay is not None
    assert interaction.ack_delay < 3
    assert interaction.ephemeral

    def has_video(message: dict[str, object]) -> bool:
        files = message.get("attachments_data") or []
        return any(name.endswith(".mp4") for name, _ in files)  # type: ignore[attr-defined]

    try:
        posted = await discord_fake.wait_for_message(channel, predicate=has_video, timeout=60)
    except TimeoutError:
        pytest.fail("no video was posted:\n" + (tmp_path / "bot.log").read_text())
    assert str(posted["content"]).startswith(f"<@{alice.id}>")
    ((_, video),) = posted["attachments_data"]  # type: ignore[misc]
    assert video == kling_fake.video_bytes
    assert len(kling_fake.creates_by_external_id) == 1
