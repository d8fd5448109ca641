"""A loopback fake Discord (REST + gateway) for transport-level tests of an unmodified discord.py bot."""

from .models import MIB, FakeChannel, FakeGuild, FakeInteraction, FakeUser
from .server import FakeDiscord

__all__ = ["MIB", "FakeChannel", "FakeDiscord", "FakeGuild", "FakeInteraction", "FakeUser"]
