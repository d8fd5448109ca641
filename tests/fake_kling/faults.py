"""Injected faults: queued by tests, consumed FIFO by the first matching request."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

Op = Literal["create", "query", "list", "download", "other"]
FaultOp = Literal["create", "query", "list", "download", "any"]
MALFORMED_BODY = b'{"code":0,"data":{"task_'


@dataclass
class Fault:
    """One misbehaviour of the provider.

    A fault whose `status` is below 400 (and that neither disconnects nor is
    malformed) answers normally after `delay`: a slow but correct provider.
    With `code=None` the error body is plain text, like a gateway's error page.
    """

    op: FaultOp = "any"
    status: int = 500
    code: int | None = 5000
    message: str = "Internal server error"
    after_create: bool = False
    disconnect: bool = False
    delay: float = 0.0
    malformed: bool = False
    retry_after: float | None = None
    times: int = 1

    @property
    def passes_through(self) -> bool:
        """Tell whether the real answer is sent (only delayed)."""
        return self.status < 400 and not self.disconnect and not self.malformed

    def matches(self, op: Op) -> bool:
        """Tell whether the fault applies to a request of kind `op`."""
        return self.op == "any" or self.op == op


@dataclass
class _Pending:
    fault: Fault
    left: int


class FaultQueue:
    """Faults waiting for a matching request, oldest first."""

    def __init__(self) -> None:
        self._pending: deque[_Pending] = deque()

    def push(self, fault: Fault) -> None:
        """Queue `fault` for its next `times` matching requests."""
        if fault.times < 1:
            raise ValueError("Fault.times must be at least 1")
        self._pending.append(_Pending(fault, fault.times))

    def take(self, op: Op) -> Fault | None:
        """Consume one use of the oldest fault matching `op`, if any."""
        for pending in self._pending:
            if pending.fault.matches(op):
                pending.left -= 1
                if pending.left == 0:
                    self._pending.remove(pending)
                return pending.fault
        return None

    def __len__(self) -> int:
        return len(self._pending)
