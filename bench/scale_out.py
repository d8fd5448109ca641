"""Several processes on PostgreSQL: one gateway and 1, 2 or 4 workers (`python -m bot gateway|worker`, real
processes) against the loopback fakes, each figure read against one worker.

- deliveries per minute: a burst of requests recorded at once (as the gateway records them), drained by the
  workers: tasks / (last result posted - burst recorded); Discord takes UPLOAD_SECONDS to answer each post, as a
  real upload does (each worker posts one result at a time);
- provider requests per task at each size (the provider loops are led by one process, so they should not grow);
- p99 due -> claimed: the workers' own `kling_claim_delay_seconds` histograms, summed, read like Prometheus'
  `histogram_quantile` (linear within a bucket), while requests come one a second after the burst (during the
  burst it measures the backlog: tasks / throughput);
- resident memory per worker with 10,000 tasks in flight in the shared database, 3 s after the workers start
  (one of them leads and is working through them; the others wait for deliveries).
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bench.common import Figure, median
from bench.live import padded_video, result_posts
from bench.memory import SETTLE, record_request, seed_tracked
from db import Storage, open_storage
from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock
from tests.storage import fresh_postgres_database

GENERATION = 1.0  # seconds each video takes at the fake provider: short, so the workers' own work is what counts
# Seconds Discord takes to answer a post with the video: a few MB up a real link (the loopback takes none, and a
# machine running everything at once would measure its own CPU instead of what more workers do).
UPLOAD_SECONDS = 0.5
TRICKLE_EVERY = 1.0  # seconds between requests after the burst: within what even one worker keeps up with
CLAIM_METRIC = "kling_claim_delay_seconds"


@dataclass
class Run:
    """What one size measured."""

    workers: int
    per_minute: float
    requests_per_task: float
    backlog_p99: float  # results waiting for a worker while the burst drains
    steady_p99: dict[str, float]  # by work ("submit", "deliver"), requests arriving one a second
    delivered: int
    worker_cpu: float  # CPU seconds the workers used, all together, per delivery
    fakes_busy: float  # share of one core this process (both fakes) used meanwhile


def env_for(database_url: str, shared: Path, gateway: str) -> dict[str, str]:
    """Settings every process of the deployment shares."""
    return {
        "DATABASE_URL": database_url,
        "ARCHIVE_DIR": str(shared / "archive"),
        "INPUT_DIR": str(shared / "inputs"),
        "WEB_PUBLIC_URL": gateway,  # callbacks reach the gateway; NOTIFY wakes the workers
        "PROVIDER_MAX_CONCURRENT": "1000",  # the provider's cap is not what is measured
        "LOG_LEVEL": "WARNING",
    }


async def record_requests(storage: Storage, tasks: int, *, guild: int, channel: int, users: list[int]) -> None:
    """Record `tasks` text-to-video requests at once, as the gateway records them, and wake the workers."""
    now = time.time()
    for index in range(tasks):
        await record_request(storage, guild=guild, channel=channel, user=users[index % len(users)], now=now)
    await storage.coordination.wake(["submitter"])


async def throughput(workers: int, tasks: int, video_mb: int, trickle: int) -> Run:
    """Drain a burst of `tasks` with one gateway and `workers` workers, then take `trickle` requests one a second."""
    kling = FakeKling(api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2,
                      finish_after=GENERATION, video=padded_video(video_mb))  # fmt: skip
    with tempfile.TemporaryDirectory() as root:
        async with FakeDiscord(token=TOKEN) as discord, kling, fresh_postgres_database() as url:
            guild = discord.add_guild(name="Scale")
            channel = discord.add_text_channel(guild, "videos")
            users = [discord.add_member(guild, f"user{i}").id for i in range(10)]
            discord.slow_rest("POST", f"/channels/{channel.id}/messages", UPLOAD_SECONDS)
            gateway = BotProcess(discord, kling, Path(root) / "gateway", command=("gateway",))
            env = env_for(url, Path(root) / "shared", gateway.web)
            gateway.extra_env = env
            crew = [BotProcess(discord, kling, Path(root) / f"w{i}", extra_env=env, command=("worker",))
                    for i in range(workers)]  # fmt: skip
            storage = await open_storage(url)
            try:
                await gateway.start()
                await asyncio.gather(*(worker.start() for worker in crew))
                started, cpu_before = time.time(), [worker.cpu_seconds() for worker in crew]
                fakes_before = time.process_time()
                await record_requests(storage, tasks, guild=guild.id, channel=channel.id, users=users)
                posts = await posted(discord, channel, tasks)
                fakes_busy = (time.process_time() - fakes_before) / (time.time() - started)
                worker_cpu = sum(worker.cpu_seconds() for worker in crew) - sum(cpu_before)
                burst = await asyncio.gather(*(scrape(worker.web) for worker in crew))
                burst_calls = api_calls(kling)
                for _ in range(trickle):  # within what even one worker keeps up with
                    await record_requests(storage, 1, guild=guild.id, channel=channel.id, users=users)
                    await asyncio.sleep(TRICKLE_EVERY)
                await posted(discord, channel, tasks + trickle)
                after = await asyncio.gather(*(scrape(worker.web) for worker in crew))
            finally:
                await storage.close()
                await asyncio.gather(*(process.stop() for process in (gateway, *crew)))
    span = max(posts.values(), default=math.nan) - started
    return Run(
        workers=workers,
        per_minute=len(posts) / span * 60 if posts else math.nan,
        requests_per_task=burst_calls / max(len(posts), 1),
        backlog_p99=histogram_quantile(0.99, claim_buckets(burst, "deliver")),
        steady_p99={
            work: histogram_quantile(0.99, since(claim_buckets(after, work), claim_buckets(burst, work)))
            for work in ("submit", "deliver")
        },
        delivered=len(posts),
        worker_cpu=worker_cpu / max(len(posts), 1),
        fakes_busy=fakes_busy,
    )


def api_calls(kling: FakeKling) -> int:
    """Count the provider's API requests so far (result downloads are CDN traffic)."""
    return sum(1 for _, path in kling.requests if "/results/" not in path)


async def posted(discord: FakeDiscord, channel: object, count: int) -> dict[str, float]:
    """Wait (bounded) until `count` results are in the channel; return when each was posted."""
    for _ in range(3000):
        if len(posts := result_posts(discord, channel)) >= count:
            break
        await asyncio.sleep(0.1)
    return posts


def since(now: list[tuple[float, float]], before: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Subtract an earlier scrape's buckets: what was observed in between."""
    earlier = dict(before)
    return [(bound, count - earlier.get(bound, 0.0)) for bound, count in now]


async def scrape(web: str) -> str:
    """Return a process's /metrics page."""
    async with aiohttp.ClientSession() as session, session.get(f"{web}/metrics") as response:
        return await response.text()


def claim_buckets(pages: Iterable[str], work: str) -> list[tuple[float, float]]:
    """Sum the cumulative buckets (upper bound, count) of `work`'s claim delays over every process's page."""
    counts: dict[float, float] = {}
    for page in pages:
        for family in text_string_to_metric_families(page):
            if family.name != CLAIM_METRIC:
                continue
            for sample in family.samples:
                if sample.name.endswith("_bucket") and sample.labels.get("work") == work:
                    bound = float(sample.labels["le"])
                    counts[bound] = counts.get(bound, 0.0) + sample.value
    return sorted(counts.items())


def histogram_quantile(fraction: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus' histogram_quantile: the bucket holding the rank, linear within it (nan with no samples)."""
    if not buckets or buckets[-1][1] == 0:
        return math.nan
    rank = fraction * buckets[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return lower  # beyond the last finite bound: Prometheus answers that bound
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-12)
        lower, below = bound, count
    return lower


async def memory_per_worker(sizes: Iterable[int], tracked: int) -> dict[int, tuple[float, float]]:
    """For each size: (MB of the busiest worker, median MB per worker) with `tracked` tasks in flight."""
    results = {}
    async with fresh_postgres_database() as template:
        await seed_tracked(template, tracked, at_once=20)
        for workers in sizes:
            async with FakeDiscord(token=TOKEN) as discord, \
                    FakeKling(api_key=API_KEY, clock=SystemClock()) as kling, \
                    fresh_postgres_database(template=template) as url:  # fmt: skip
                with tempfile.TemporaryDirectory() as root:
                    env = env_for(url, Path(root) / "shared", "http://127.0.0.1:9")
                    crew = [BotProcess(discord, kling, Path(root) / f"w{i}", extra_env=env, command=("worker",),
                                       callbacks=False) for i in range(workers)]  # fmt: skip
                    try:
                        await asyncio.gather(*(worker.start() for worker in crew))
                        await asyncio.sleep(SETTLE)
                        rss = [worker.rss_kib() / 1024 for worker in crew]
                    finally:
                        await asyncio.gather(*(worker.stop() for worker in crew))
            results[workers] = (max(rss), median(rss))
    return results


async def measure(size: dict[str, int]) -> list[Figure]:
    """Run every size and return the figures, each beside one worker's."""
    sizes = (1, 2, 4) if size["scale_tasks"] >= 100 else (1, 2)
    runs = [await throughput(workers, size["scale_tasks"], size["video_mb"], size["trickle"]) for workers in sizes]
    memory = await memory_per_worker(sizes, size["tracked"])
    one = runs[0]
    figures = []
    for run in runs:
        n = run.workers
        ratio = run.per_minute / one.per_minute
        figures += [
            Figure(f"deliveries per minute, 1 gateway + {n} worker(s), {size['scale_tasks']} tasks, "
                   f"{size['video_mb']} MB videos, posts taking {UPLOAD_SECONDS} s", run.per_minute, "/min", "", None,
                   f"×{ratio:.2f} one worker's; {run.delivered} delivered; workers' CPU "
                   f"{run.worker_cpu * 1000:.0f} ms per delivery; the fakes kept {run.fakes_busy:.0%} of a core busy"),
            Figure(f"… provider requests per task during the burst, {n} worker(s)", run.requests_per_task, "req",
                   "≤ 1.1, flat",
                   run.requests_per_task <= 1.1, f"×{run.requests_per_task / one.requests_per_task:.2f} one worker's"),
            Figure(f"… due -> claimed p99, a result to post, one request a second, {n} worker(s)",
                   run.steady_p99["deliver"], "s", "", None,
                   f"a request to send: {run.steady_p99['submit']:.3g} s; during the burst "
                   f"{run.backlog_p99:.3g} s (its backlog)"),
        ]  # fmt: skip
    for workers, (busiest, middle) in memory.items():
        figures.append(
            Figure(f"resident memory per worker, {workers} worker(s), {size['tracked']:,} tasks in flight",
                   middle, "MB", "< 200 MB", busiest < 200,
                   f"median; the busiest (the leader) {busiest:.0f} MB; ×{middle / memory[1][1]:.2f} one worker's")
        )  # fmt: skip
    return figures
