"""`python -m bench [--tiny]`: run every benchmark and print each figure beside its goal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import sys
from collections.abc import Awaitable, Callable

import stamina

from bench import live, lost_callbacks, memory, provider_requests, scale_out, status_storm
from bench.common import Figure, print_table

FULL = {
    "tasks": 200,
    "latency_tasks": 30,
    "video_mb": 5,
    "commands": 50,
    "image_mb": 8,
    "tracked": 10_000,
    "big_mb": 100,
    "storm_tasks": 20,
    "scale_tasks": 120,
    "trickle": 20,
}
TINY = {
    "tasks": 10, "latency_tasks": 3, "video_mb": 1, "commands": 3, "image_mb": 1, "tracked": 300, "big_mb": 5,
    "storm_tasks": 3, "scale_tasks": 8, "trickle": 3,
}  # fmt: skip


SUITES: dict[str, tuple[str, Callable[[dict[str, int]], Awaitable[list[Figure]]]]] = {
    # Latency first: the in-process runs before it leave this process (which also hosts the fakes) busier.
    "live": ("Latency", live.measure),
    "status_storm": ("Status edits rate-limited", lambda size: status_storm.measure(size["storm_tasks"])),
    "provider_requests": ("Provider traffic", lambda size: provider_requests.measure(size["tasks"])),
    "lost_callbacks": ("Lost callbacks", lambda size: lost_callbacks.measure(size["tasks"])),
    "memory": ("Memory", memory.measure),
    "scale_out": ("Several processes on PostgreSQL", scale_out.measure),
}


async def main(tiny: bool, only: list[str]) -> int:
    """Run the suites (or `only` those) in turn."""
    size = TINY if tiny else FULL
    label = "tiny" if tiny else "full"
    print(f"# Benchmarks ({label} configuration), Python {platform.python_version()} on {platform.machine()}")
    measured = [print_table(title, await run(size)) for name, (title, run) in SUITES.items() if name in only]
    if not all(measured):
        print("\nSome figures could not be measured (nan): the run that should produce them produced nothing.")
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="a few seconds' worth, to keep the harness alive in CI")
    parser.add_argument("--only", nargs="+", choices=SUITES, default=list(SUITES), help="run these suites only")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    stamina.set_active(True)
    sys.exit(asyncio.run(main(arguments.tiny, arguments.only)))
