"""Task engine: turns queued generation requests into finished, archived results.

Callers use `Engine` (built by `build_engine`) and the few types below; everything else in this
package is the engine's own business.
"""

from bot.engine.admission import Submission
from bot.engine.build import build_engine, disk_guard
from bot.engine.credit import CreditExhaustedError
from bot.engine.engine import Engine, InputsExpiredError
from bot.engine.ports import AlertSink, BudgetAlert, DeliveryError, DeliveryPort, DeliveryReceipt, OperatorNotice

__all__ = [
    "AlertSink",
    "BudgetAlert",
    "CreditExhaustedError",
    "DeliveryError",
    "DeliveryPort",
    "DeliveryReceipt",
    "Engine",
    "InputsExpiredError",
    "OperatorNotice",
    "Submission",
    "build_engine",
    "disk_guard",
]
