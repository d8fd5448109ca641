"""Smoke test: `python -m bot` as its own process, against a loopback fake Discord and the fake Kling server."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
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


def bot_environment(discord: FakeDiscord, kling: FakeKling, data: Path, port: int) -> dict[str, str]:
    """The environment an operator would set, pointed at the fakes (callbacks on, to a local port), logging at DEBUG."""
    return {
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "json",
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


@dataclass
class Running:
    """The fakes and where the bot's web server listens."""

    discord: FakeDiscord
    kling: FakeKling
    web: str


@pytest.fixture
async def bot_process(tmp_path: Path) -> AsyncIterator[Running]:
    """Both fakes, and the bot running against them until the test ends."""
    port = free_port()
    kling_fake = FakeKling(
        api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.0
    )
    async with FakeDiscord(token=TOKEN) as discord_fake, kling_fake:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=bot_environment(discord_fake, kling_fake, tmp_path, port),
            stdout=asyncio.subprocess.DEVNULL, stderr=(tmp_path / "bot.log").open("wb"),
        )  # fmt: skip
        try:
            yield Running(discord_fake, kling_fake, f"http://127.0.0.1:{port}")
        finally:
            if process.returncode is None:
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), WAIT)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.mark.timeout(90)
async def test_blend_two_images_end_to_end(bot_process: Running, tmp_path: Path) -> None:
    """`/video blend` with two images: acknowledged within 3 s, the video posted in the channel, pinging the user."""
    discord_fake, kling_fake = bot_process.discord, bot_process.kling
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
    await check_operations(bot_process.web, tmp_path / "bot.log")


async def check_operations(web: str, log_file: Path) -> None:
    """Health and metrics answer; the DEBUG log is JSON lines, tagged with the task, with no secret in it."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(f"{web}/healthz") as response:
            health = await response.json()
            assert response.status == 200, health
        for _ in range(50):  # the bot counts a delivery just after Discord answers the post: give it a moment
            async with session.get(f"{web}/metrics") as response:
                metrics = await response.text()
            if 'state="delivered"} 1.0' in metrics:
                break
            await asyncio.sleep(0.1)
    assert (health["database"], health["gateway"]) == ("ok", "connected")
    assert health["last_provider_success"] is not None
    assert (
        'kling_provider_requests_total{endpoint="/v1/videos/multi-image2video",method="POST",outcome="200"} 1.0'
        in metrics
    )
    assert 'kling_deliveries_total{route="upload-channel"} 1.0' in metrics
    assert 'kling_tasks{state="delivered"} 1.0' in metrics
    text = log_file.read_text()
    for secret in (TOKEN, API_KEY):
        assert secret not in text
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert any(r["task_id"] != "-" and "delivered" in r["message"] for r in records)
