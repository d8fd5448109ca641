"""The benchmarks run (tiny configuration) so they can't rot; their figures are reported, never asserted."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.storage import admin_url, require_postgres

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.postgresql  # the scale-out figures run on it
@pytest.mark.timeout(300)
async def test_tiny_benchmark_prints_every_figure() -> None:
    """`python -m bench --tiny` finishes and prints each figure beside its goal."""
    await require_postgres()
    server = {"TEST_DATABASE_URL": admin_url()}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench", "--tiny", cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(ROOT), **server},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 280)
    text = output.decode()
    assert process.returncode == 0, text
    for figure in ("provider requests per task", "naive client", "event-loop lag", "callback -> posted",
                   "interaction -> deferral", "resident memory", "growth while delivering",
                   "callbacks all lost", "every status edit 429", "deliveries per minute, 1 gateway + 2 worker(s)",
                   "provider requests per task during the burst, 2 worker(s)", "due -> claimed p99",
                   "resident memory per worker, 2 worker(s)"):  # fmt: skip
        assert figure in text, text
