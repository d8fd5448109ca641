"""How big the reliability runs are: small in CI, larger with RELIABILITY_SCALE (e.g. 5)."""

from __future__ import annotations

import os

SCALE = max(1, int(os.environ.get("RELIABILITY_SCALE", "1")))
SEED = int(os.environ.get("RELIABILITY_SEED", "20261121"))


def scaled(count: int) -> int:
    """Return `count` times the scale."""
    return count * SCALE
