"""A fake Kling API server (official, CometAPI and AnyFast dialects) for tests."""

from .clock import Clock, ManualClock, SystemClock
from .faults import Fault
from .media import b64, make_jpeg, make_mp3, make_png, make_wav
from .server import FakeKling
from .state import FAIL_REASON, FakeTask

__all__ = [
    "FAIL_REASON",
    "Clock",
    "FakeKling",
    "FakeTask",
    "Fault",
    "ManualClock",
    "SystemClock",
    "b64",
    "make_jpeg",
    "make_mp3",
    "make_png",
    "make_wav",
]
