"""`python -m bench [--tiny]`: run every benchmark and print each figure beside its goal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import sys

import stamina

from bench import live, lost_callbacks, memory, provider_requests, status_storm
from bench.common import print_table

FULL = {
    "tasks": 200,
    "latency_tasks": 30,
    "video_mb": 5,
    "commands": 50,
    "image_mb": 8,
    "tracked": 10_000,
    "big_mb": 100,
    "storm_tasks": 20,
}
TINY = {
    "tasks": 10, "latency_tasks": 3, "video_mb": 1, "commands": 3, "image_mb": 1, "tracked": 300, "big_mb": 5,
    "storm_tasks": 3,
}  # fmt: skip


async def main(tiny: bool) -> int:
    """Run the suites in turn."""
    size = TINY if tiny else FULL
    label = "tiny" if tiny else "full"
    print(f"# Benchmarks ({label} configuration), Python {platform.python_version()} on {platform.machine()}")
    # Latency first: the in-process runs before it leave this process (which also hosts the fakes) busier.
    measured = [
        print_table("Latency", await live.measure(size)),
        print_table("Status edits rate-limited", await status_storm.measure(size["storm_tasks"])),
        print_table("Provider traffic", await provider_requests.measure(size["tasks"])),
        print_table("Lost callbacks", await lost_callbacks.measure(size["tasks"])),
        print_table("Memory", await memory.measure(size)),
    ]
    if not all(measured):
        print("\nSome figures could not be measured (nan): the run that should produce them produced nothing.")
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="a few seconds' worth, to keep the harness alive in CI")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    stamina.set_active(True)
    sys.exit(asyncio.run(main(arguments.tiny)))
