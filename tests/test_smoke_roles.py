"""Roles as real processes on PostgreSQL: `python -m bot gateway` and two `python -m bot worker` against the
loopback fake Discord and the fake Kling. The gateway takes the commands; a worker leads and sends; the
posts come over REST from the workers; each request is created once and posted once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock
from tests.reliability.conftest import task_id_of
from tests.smoke_helpers import result_task
from tests.storage import fresh_postgres_database

pytestmark = pytest.mark.postgresql
REQUESTS = 6


@pytest.mark.timeout(120)
async def test_a_gateway_and_two_workers_post_each_result_once(tmp_path: Path) -> None:
    """Six requests through the gateway: every result is posted once, by a worker, with no gateway of its own;
    each create goes to Kling once; the callbacks reach the gateway and wake the leading worker."""
    kling = FakeKling(api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.0)
    async with FakeDiscord(token=TOKEN) as discord, kling, fresh_postgres_database() as url:
        guild = discord.add_guild(name="Roles")
        channel = discord.add_text_channel(guild, "videos")
        members = [discord.add_member(guild, f"user{i}") for i in range(REQUESTS)]
        shared = {"DATABASE_URL": url, "ARCHIVE_DIR": str(tmp_path / "data/archive"),
                  "INPUT_DIR": str(tmp_path / "data/inputs")}  # fmt: skip
        gateway = BotProcess(discord, kling, tmp_path / "gateway", extra_env=shared, command=("gateway",))
        shared["WEB_PUBLIC_URL"] = gateway.web  # the provider calls back at the gateway, whoever sent the task
        workers = [
            BotProcess(discord, kling, tmp_path / f"worker{i}", extra_env=shared, command=("worker",)) for i in range(2)
        ]
        processes = [gateway, *workers]
        try:
            for process in processes:
                await process.start()
            answers = await asyncio.gather(*(ask(discord, channel, member) for member in members))
            tasks = {task_id_of(answer) for answer in answers}
            for _ in range(600):
                if len(results(discord, channel)) == REQUESTS:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)  # anything duplicated would arrive now
            assert results(discord, channel) == dict.fromkeys(tasks, 1), logs(processes)
            assert kling.creates_by_external_id == dict.fromkeys(tasks, 1)
            assert list(discord.gateway.sessions) == [0]  # only the gateway process connected one
            timeout = aiohttp.ClientTimeout(total=10)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(f"{workers[0].web}/healthz") as response,
            ):
                health = await response.json()
            assert (response.status, health["gateway"]) == (200, "not used"), health
            leading = [p for p in workers if "This process leads" in p.log_file.read_text()]
            assert len(leading) == 1, logs(processes)
            assert "This process leads" not in gateway.log_file.read_text()
        finally:
            for process in processes:
                await process.stop()


async def ask(discord: FakeDiscord, channel: object, member: object) -> str:
    """Run `/video text` and return the bot's private answer."""
    interaction = await discord.invoke_slash(member, channel, "video", subcommand="text",  # type: ignore[arg-type]
                                             options={"prompt": "a paper boat"})  # fmt: skip
    answer = await interaction.wait_followup(lambda m: True, timeout=20)
    return str(answer.get("content"))


def results(discord: FakeDiscord, channel: object) -> dict[str, int]:
    """Count result posts per task id."""
    counts: dict[str, int] = {}
    for message in discord.messages(channel):  # type: ignore[arg-type]
        if (task_id := result_task(message)) is not None:
            counts[task_id] = counts.get(task_id, 0) + 1
    return counts


def logs(processes: list[BotProcess]) -> str:
    """The end of every process's log, for a failure's message."""
    return "\n".join(f"--- {p.data.name}\n{p.log_file.read_text()[-2500:]}" for p in processes)
