"""Input images: stored once by content, rebuilt into the same request, pruned after retention."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bot.engine.codec import decode_request, encode_request, image_fields
from bot.engine.inputs import InputStore
from bot.vocabulary import TaskKind
from tests.kling_requests import PNG, request_of


async def test_requests_round_trip_through_the_store(tmp_path: Path) -> None:
    """Every kind's request is stored without image bytes in its parameters and rebuilt identically."""
    store = InputStore(tmp_path)
    for kind in TaskKind:
        request = request_of(kind)
        params, refs = await encode_request(request, store.put)
        media = {field.split(".")[0] for field, _ in image_fields(request)}  # images and sound files
        assert not media & params.keys()
        assert await decode_request(kind, params, refs, store.get) == request


async def test_same_image_is_stored_once_and_pruned_only_when_old_and_unused(tmp_path: Path) -> None:
    """Content addressing dedupes; pruning spares recent files and those still needed."""
    store = InputStore(tmp_path)
    kept, old = await store.put(PNG), await store.put(PNG + b"x")
    assert await store.put(PNG) == kept
    assert len(list(tmp_path.glob("*.bin"))) == 2
    week_ago = time.time() - 7 * 24 * 3600
    for digest in (kept, old):
        os.utime(tmp_path / f"{digest}.bin", (week_ago, week_ago))
    assert await store.prune(time.time() - 3600, keep={kept}) == 1
    assert await store.get(kept) == PNG
    assert not (tmp_path / f"{old}.bin").exists()


async def test_the_same_new_image_stored_twenty_times_at_once(tmp_path: Path) -> None:
    """Twenty first uploads of one image race on nothing: all succeed, one file, no stray temporaries."""
    store = InputStore(tmp_path)
    data = os.urandom(2 * 1024 * 1024)
    digests = await asyncio.gather(*(store.put(data) for _ in range(20)))
    assert len(set(digests)) == 1
    assert [path.name for path in tmp_path.iterdir()] == [f"{digests[0]}.bin"]
    assert await store.get(digests[0]) == data
