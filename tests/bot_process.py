"""Run `python -m bot` as its own process against the loopback fake Discord and the fake Kling server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling

ROOT = Path(__file__).resolve().parents[1]
SITECUSTOMIZE = ROOT / "tests" / "fake_discord" / "sitecustomize"
TOKEN = "fake-bot-token"
STOP_TIMEOUT = 30.0


def free_port() -> int:
    """Return a port nobody listens on right now (the bot binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class BotProcess:
    """The bot, its data folder and its settings; start, kill and restart it like an operator's process."""

    discord: FakeDiscord
    kling: FakeKling
    data: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    callbacks: bool = True
    port: int = field(default_factory=free_port)
    command: tuple[str, ...] = ()  # e.g. ("worker",): one role of the bot (a worker connects no gateway)
    database_url: str | None = None  # None: a SQLite file in `data`
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def web(self) -> str:
        """Return the bot's web server address."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        """Return where the bot's stderr goes (all starts appended)."""
        return self.data / "bot.log"

    def env(self) -> dict[str, str]:
        """The environment an operator would set, pointed at the fakes."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.data),
            "PYTHONPATH": os.pathsep.join([str(SITECUSTOMIZE), str(ROOT)]),
            **self.discord.env(),
            "DISCORD_TOKEN": TOKEN,
            "KLING_PROVIDER": "official",
            "KLING_API_KEY": API_KEY,
            "KLING_BASE_URL": self.kling.base_url,
            "DATABASE_URL": self.database_url or f"sqlite:///{self.data / 'bot.db'}",
            "ARCHIVE_DIR": str(self.data / "archive"),
            "INPUT_DIR": str(self.data / "inputs"),
            "DOWNLOAD_ALLOW_LOOPBACK": "true",
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(self.port),
            "GUILD_POLICY": "open",  # the fakes' servers; the approval flow has its own tests
        }
        if self.callbacks:
            env["WEB_PUBLIC_URL"] = self.web
        return {**env, **self.extra_env}

    async def start(self, ready_timeout: float = 30.0) -> None:
        """Start the process and wait until it is connected (and, the first time, has synced its commands)."""
        self.data.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *self.command, cwd=self.data, env=self.env(),
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        self.starts += 1
        if "worker" in self.command:
            await self._wait_serving(ready_timeout)
            return
        try:
            await self.discord.wait_until_ready(timeout=ready_timeout)
            await self.discord.wait_for_commands(timeout=ready_timeout)
        except TimeoutError as exc:
            raise RuntimeError("the bot never connected:\n" + self.log_file.read_text()[-4000:]) from exc

    async def kill(self) -> None:
        """SIGKILL: no shutdown step runs, as when a machine loses power."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
        if "worker" not in self.command:
            await self._wait_disconnected()

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def rss_kib(self, field_name: str = "VmRSS") -> int:
        """Return the process's resident memory (or peak, with "VmHWM") in KiB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1])
        raise LookupError(field_name)

    def cpu_seconds(self) -> float:
        """Return the CPU time (user and system) the process has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    async def _wait_serving(self, seconds: float) -> None:
        """Wait until the web server answers /healthz (a worker has no gateway to wait for)."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            for _ in range(int(seconds / 0.1)):
                try:
                    async with session.get(f"{self.web}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the worker never served /healthz:\n" + self.log_file.read_text()[-4000:])

    async def _wait_disconnected(self) -> None:
        for _ in range(100):
            if not self.discord.gateway.ready:
                return
            await asyncio.sleep(0.05)
