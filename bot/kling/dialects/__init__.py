"""Provider dialects: how each provider spells the same Kling operations."""

from bot.kling.dialects.anyfast import AnyFastDialect
from bot.kling.dialects.cometapi import CometApiDialect
from bot.kling.dialects.official import ErrorInfo, OfficialDialect
from bot.settings import Provider

DIALECTS: dict[Provider, type[OfficialDialect]] = {
    "official": OfficialDialect,
    "cometapi": CometApiDialect,
    "anyfast": AnyFastDialect,
}


def dialect_for(provider: Provider) -> OfficialDialect:
    """Return the dialect that speaks to `provider`."""
    return DIALECTS[provider]()


__all__ = ["DIALECTS", "AnyFastDialect", "CometApiDialect", "ErrorInfo", "OfficialDialect", "dialect_for"]
