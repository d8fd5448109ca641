"""`GET /account/costs` as the official docs describe it (kling-api.md, "Account balance"): no /v1 prefix,
`start_time` and `end_time` in ms required, at most one request a second, the resource packs with their
total and remaining units, status (toBeOnline | online | expired | runOut) and expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import KlingError, bad_request

MIN_INTERVAL = 1.0  # seconds between two requests the docs allow


@dataclass
class FakePack:
    """One resource pack of the fake account."""

    name: str = "Video Generation - 1000 units"
    total: float = 1000.0
    remaining: float = 1000.0
    status: str = "online"
    expires_at_ms: int = 1_830_000_000_000

    def payload(self) -> dict[str, Any]:
        """Return the pack as the docs show it."""
        return {
            "resource_pack_name": self.name,
            "resource_pack_id": f"pack-{self.name}",
            "resource_pack_type": "decreasing_total",
            "total_quantity": self.total,
            "remaining_quantity": self.remaining,
            "purchase_time": 1_760_000_000_000,
            "effective_time": 1_760_000_000_000,
            "invalid_time": self.expires_at_ms,
            "status": self.status,
        }


class Account:
    """The fake account's packs and the endpoint's own rate limit."""

    def __init__(self) -> None:
        self.packs: list[FakePack] = [FakePack()]
        self._last: float | None = None

    def charge(self, units: float) -> None:
        """Deduct a succeeded task's units from the first online pack with units left (never below 0).

        A pack charged down to 0 turns "runOut" (the docs' status for a used-up pack). Tests that set
        `packs[0].remaining` themselves see it go down by each succeeded task's `final_unit_deduction`.
        """
        for pack in self.packs:
            if pack.status == "online" and pack.remaining > 0:
                pack.remaining = max(0.0, round(pack.remaining - units, 4))
                if pack.remaining == 0:
                    pack.status = "runOut"
                return

    def costs(self, query: dict[str, str], now: float) -> dict[str, Any]:
        """Answer `GET /account/costs` at `now` (the fake's clock), or raise what Kling would."""
        if self._last is not None and now - self._last < MIN_INTERVAL:
            raise KlingError(429, 1302, "request rate limit exceeded")
        for name in ("start_time", "end_time"):
            if not query.get(name, "").isdigit():
                raise bad_request(f"{name} is required (milliseconds)")
        self._last = now
        packs = [pack.payload() for pack in self.packs]
        return {"code": 0, "message": "SUCCEED", "request_id": "costs", "data": {"code": 0, "msg": "",
                "resource_pack_subscribe_infos": packs}}  # fmt: skip
