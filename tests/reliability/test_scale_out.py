"""Scaled out on PostgreSQL: one gateway and three workers, a random worker SIGKILLed every few seconds (the
leader among them, mid-create, mid-download, mid-upload) and restarted. At the end every request was created
at Kling once and posted once, and the ledger balances.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from bot.vocabulary import TaskState
from db import open_storage
from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, Fault, SystemClock
from tests.fake_kling.media import result_mp4
from tests.reliability.conftest import task_id_of
from tests.reliability.scale import SEED, scaled
from tests.smoke_helpers import result_task
from tests.storage import fresh_postgres_database

pytestmark = [pytest.mark.reliability, pytest.mark.postgresql]
WORKERS = 3
ONE_MB = 1024 * 1024


@pytest.mark.timeout(300)
async def test_workers_killed_at_random_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    """Requests through the gateway while workers die and come back: 0 lost, 0 posted twice, 0 created twice."""
    rng = random.Random(SEED)
    requests = scaled(20)
    kling = FakeKling(
        api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.5,
        video=result_mp4() + bytes(2 * ONE_MB),  # downloads and uploads long enough to be killed during
    )  # fmt: skip
    async with FakeDiscord(token=TOKEN) as discord, kling, fresh_postgres_database() as url:
        kling.inject(Fault(op="create", status=200, code=None, delay=0.4, times=requests))  # slow creates
        guild = discord.add_guild(name="Scale out")
        channel = discord.add_text_channel(guild, "videos")
        members = [discord.add_member(guild, f"user{i}") for i in range(requests)]
        env = {
            "DATABASE_URL": url,
            "ARCHIVE_DIR": str(tmp_path / "shared/archive"),
            "INPUT_DIR": str(tmp_path / "shared/inputs"),
            "LEASE_SECONDS": "2",  # a dead worker's work is taken over within seconds
            "QUOTA_GUILD_DAILY_UNITS": "100000",  # every request of a large run fits the server's day
        }
        gateway = BotProcess(discord, kling, tmp_path / "gateway", extra_env=env, command=("gateway",))
        env["WEB_PUBLIC_URL"] = gateway.web
        workers = [
            BotProcess(discord, kling, tmp_path / f"worker{i}", extra_env=env, command=("worker",))
            for i in range(WORKERS)
        ]
        try:
            for process in (gateway, *workers):
                await process.start()
            answers = await asyncio.gather(*(ask(discord, channel, member) for member in members))
            tasks = {task_id_of(answer) for answer in answers}
            for _ in range(scaled(5)):
                await asyncio.sleep(rng.uniform(0.3, 2.0))
                victim = rng.choice(workers)
                await victim.kill()
                await asyncio.sleep(rng.uniform(0.0, 6.0))  # sometimes long enough for another to take over
                await victim.start()
            for _ in range(1800):
                if len(results(discord, channel)) == len(tasks):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # anything posted twice would arrive now
        finally:
            for process in (gateway, *workers):
                await process.stop()
        story = "\n".join(f"--- {p.data.name}\n{p.log_file.read_text()[-2000:]}" for p in (gateway, *workers))
        assert results(discord, channel) == dict.fromkeys(tasks, 1), story
        assert kling.creates_by_external_id == dict.fromkeys(tasks, 1)
        storage = await open_storage(url)
        try:
            for task_id in tasks:
                task = await storage.tasks.get(task_id)
                assert task is not None
                assert task.state is TaskState.DELIVERED
                settled = "charge" if task.outcome == "succeeded" else "refund"
                assert await storage.quotas.ledger(task_id) == {
                    "reserve": task.units_reserved,
                    settled: task.units_reserved,
                }
        finally:
            await storage.close()
        assert sum(p.starts for p in workers) == WORKERS + scaled(5)


async def ask(discord: FakeDiscord, channel: object, member: object) -> str:
    """Run `/video text` and return the bot's private answer."""
    interaction = await discord.invoke_slash(member, channel, "video", subcommand="text",  # type: ignore[arg-type]
                                             options={"prompt": "a paper boat"})  # fmt: skip
    answer = await interaction.wait_followup(lambda m: True, timeout=30)
    return str(answer.get("content"))


def results(discord: FakeDiscord, channel: object) -> dict[str, int]:
    """Count result posts per task id."""
    counts: dict[str, int] = {}
    for message in discord.messages(channel):  # type: ignore[arg-type]
        if (task_id := result_task(message)) is not None:
            counts[task_id] = counts.get(task_id, 0) + 1
    return counts
