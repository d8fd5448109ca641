"""One error handler for every command and button: known errors become a short private message."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord.refusals import quota_refusal_message
from bot.discord.replies import reply_private
from bot.disk import LowDiskError
from bot.engine import CreditExhaustedError, InputsExpiredError
from bot.kling.errors import KlingError, OperatorError
from bot.media.intake import IntakeError
from bot.quota import QuotaExceededError

log = logging.getLogger(__name__)

GENERIC = "Something went wrong on my side; it has been logged. Please try again."
OUT_OF_CREDIT = (
    "The bot's Kling account is out of credit, so it isn't taking requests right now; nothing was charged. "
    "Its operator can see why; it starts again by itself once the account is topped up."
)
LOW_DISK = (
    "I'm short of disk space right now, so I'm not taking new requests. The operator can see why in the "
    "health check; please try again later."
)
INPUTS_EXPIRED = "The original images are no longer kept; run the command again with them."


class CommandRefusedError(Exception):
    """A request refused for a reason the user can act on (wrong channel, expired inputs...)."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def explain(error: BaseException, task_id: str | None = None) -> str:
    """Return what to tell the user about `error`; log it as the kind of error it is."""
    if isinstance(error, CommandRefusedError | IntakeError):
        return error.user_message
    if isinstance(error, QuotaExceededError):
        return quota_refusal_message(error.refusal)
    if isinstance(error, CreditExhaustedError):
        return OUT_OF_CREDIT
    if isinstance(error, InputsExpiredError):
        return INPUTS_EXPIRED
    if isinstance(error, LowDiskError):
        log.warning("Refusing requests: the disk is nearly full (%s)", error)
        return LOW_DISK
    if isinstance(error, OperatorError):
        log.error("Kling refused the bot itself (an operator must act): %s", error)
        return error.user_message
    if isinstance(error, KlingError):
        log.warning("Kling error shown to a user: %s", error)
        return error.user_message
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the Manage Server permission for this."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This works in a server, not in DMs."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this here."
    log.error("Unexpected error in an interaction (task %s)", task_id or "none", exc_info=error)
    return GENERIC


async def report(interaction: discord.Interaction, error: BaseException, task_id: str | None = None) -> None:
    """Tell the user what went wrong, privately (the log line carries the task id when there is one)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    await reply_private(interaction, explain(error, task_id))


async def on_app_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """The command tree's error handler."""
    await report(interaction, error)
