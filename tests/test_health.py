"""`/healthz` reports a database, data folder or disk that can't take new work, with the reason."""

from __future__ import annotations

from pathlib import Path

import discord

from bot.disk import DiskGuard
from bot.health import Health
from bot.kling.catalogue import load_catalogue
from bot.simulator.provider import SimulatedProvider
from db import Storage


def health(storage: Storage, tmp_path: Path, **kwargs: object) -> Health:
    provider = SimulatedProvider(tmp_path / "sim", load_catalogue(), seconds=1)
    return Health(storage, discord.Client(intents=discord.Intents.none()), provider, **kwargs)  # type: ignore[arg-type]


async def test_room_and_writable_folders_are_ok(storage: Storage, tmp_path: Path) -> None:
    """Room to spare and folders that take writes: those checks say ok (the gateway is not connected here)."""
    status, body = await health(storage, tmp_path, disk=DiskGuard([tmp_path], 1), data_folders=[tmp_path]).report()
    assert (body["database"], body["data_folders"], body["disk"]) == ("ok", "ok", "ok")
    assert (status, body["gateway"], body["status"]) == (503, "disconnected", "unhealthy")


async def test_low_disk_is_unhealthy_with_the_reason(storage: Storage, tmp_path: Path) -> None:
    """Under the floor: 503 and how much is free against the floor."""
    status, body = await health(storage, tmp_path, disk=DiskGuard([tmp_path], 10**18)).report()
    assert status == 503
    assert body["disk"].startswith("low: ")
    assert "below the" in body["disk"]


async def test_a_data_folder_that_takes_no_writes_is_unhealthy(storage: Storage, tmp_path: Path) -> None:
    """A data folder nothing can be written to (here a file where the folder should be) is named."""
    folder = tmp_path / "archive"
    folder.write_bytes(b"not a folder")
    status, body = await health(storage, tmp_path, data_folders=[folder]).report()
    assert status == 503
    assert str(folder) in body["data_folders"]


async def test_a_closed_database_is_unhealthy(storage: Storage, tmp_path: Path) -> None:
    """A database that can't be used is reported as an error, not a crash."""
    await storage.close()
    status, body = await health(storage, tmp_path).report()
    assert status == 503
    assert body["database"].startswith("error")
