"""The account's resource packs (`GET /account/costs`, official API only): what is left, and until when."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.kling.wire import Envelope, from_millis, parse_model

COSTS_PATH = "/account/costs"  # no /v1 prefix
MIN_INTERVAL = 1.0  # the endpoint takes at most one request a second
LOOKBACK_MS = 365 * 24 * 3600 * 1000  # packs bought within a year (start_time and end_time are required)


class ResourcePack(BaseModel):
    """One resource pack."""

    model_config = ConfigDict(frozen=True)

    name: str
    total: Decimal
    remaining: Decimal
    status: str  # toBeOnline | online | expired | runOut
    expires_at: datetime | None = None


class AccountBalance(BaseModel):
    """Every pack, and what the usable ones have left (the figure can lag up to 12 h at Kling)."""

    model_config = ConfigDict(frozen=True)

    packs: tuple[ResourcePack, ...]

    @property
    def remaining(self) -> Decimal:
        """Return the units left in packs that are online."""
        return sum((pack.remaining for pack in self.packs if pack.status == "online"), Decimal(0))


class _WirePack(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resource_pack_name: str = ""
    total_quantity: float | str = 0
    remaining_quantity: float | str = 0
    status: str = ""
    invalid_time: int | None = None


class _WireCosts(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resource_pack_subscribe_infos: list[_WirePack] = []


def parse_balance(payload: Any) -> AccountBalance:
    """Read the official answer (an envelope around `resource_pack_subscribe_infos`)."""
    data = parse_model(Envelope, payload, "answer").data
    costs = parse_model(_WireCosts, data, "account costs")
    return AccountBalance(
        packs=tuple(
            ResourcePack(
                name=p.resource_pack_name,
                total=_units(p.total_quantity),
                remaining=_units(p.remaining_quantity),
                status=p.status,
                expires_at=from_millis(p.invalid_time),
            )
            for p in costs.resource_pack_subscribe_infos
        )
    )


def _units(value: float | str) -> Decimal:
    """Read a quantity, written without a needless ".0" (Kling sends numbers like 250.0)."""
    number = Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def costs_query(now: float) -> dict[str, str]:
    """Return the required time window (the last year, in ms)."""
    end = int(now * 1000)
    return {"start_time": str(end - LOOKBACK_MS), "end_time": str(end)}


class Throttle:
    """At most one call per `interval` seconds, across concurrent callers."""

    def __init__(self, interval: float = MIN_INTERVAL) -> None:
        self._interval = interval
        self._lock = asyncio.Lock()
        self._last = float("-inf")

    async def __aenter__(self) -> None:
        await self._lock.acquire()
        wait = self._last + self._interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def __aexit__(self, *exc: object) -> None:
        self._last = time.monotonic()
        self._lock.release()
