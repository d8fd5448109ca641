"""Task engine: turns queued generation requests into finished, archived results.

Callers use `Engine` (built by `build_engine`) and the few types below; everything else in this
package is the engine's own business.
"""

from bot.engine.admission import Submission
from bot.engine.build import build_engine, disk_guard
from bot.engine.cancel import CancelResult, CancelStatus
from bot.engine.credit import CreditExhaustedError
from bot.engine.engine import Engine, InputsExpiredError
from bot.engine.overrides import Overrides
from bot.engine.ports import AlertSink, BudgetAlert, DeliveryError, DeliveryPort, DeliveryReceipt, OperatorNotice
from bot.engine.progress import Progress

__all__ = [
    "AlertSink",
    "BudgetAlert",
    "CancelResult",
    "CancelStatus",
    "CreditExhaustedError",
    "DeliveryError",
    "DeliveryPort",
    "DeliveryReceipt",
    "Engine",
    "InputsExpiredError",
    "OperatorNotice",
    "Overrides",
    "Progress",
    "Submission",
    "build_engine",
    "disk_guard",
]
