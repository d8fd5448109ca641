"""The flow every generating command shares: acknowledge, check the channel, queue, show live status."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

import discord

from bot.content import blocked
from bot.discord.access import GuildGate
from bot.discord.embeds import Price, title_of
from bot.discord.errors import CommandRefusedError
from bot.discord.fixes import FixView
from bot.discord.permissions import role_ids
from bot.discord.replies import reply_private
from bot.discord.status import StatusBoard
from bot.engine import Engine, Submission
from bot.kling.catalogue import ModelSpec
from bot.kling.errors import InvalidRequestError
from bot.kling.models import TaskRequest
from bot.kling.provider import ProviderClient
from bot.vocabulary import TaskKind
from db.audit import SqliteAudit
from db.guilds import SqliteGuilds
from db.models import TaskRecord

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day without messages
THREAD_NAME_MAX = 100  # Discord's limit on a channel name
BLOCKED = "A rule of this server blocks this prompt, so nothing was sent or charged. Change the prompt and try again."


class RequestDesk:
    """Where members' requests come in: one place that checks the channel, queues, and confirms."""

    def __init__(
        self,
        engine: Engine,
        guilds: SqliteGuilds,
        status: StatusBoard,
        provider: ProviderClient,
        audit: SqliteAudit,
        gate: GuildGate,
        *,
        price: Price | None = None,
    ) -> None:
        self._engine = engine
        self._gate = gate
        self._audit = audit
        self._price = price
        self._guilds = guilds
        self._status = status
        self._provider = provider

    async def begin(self, interaction: discord.Interaction) -> None:
        """Acknowledge at once (privately), then check this is a server channel where the bot may be used."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        if interaction.guild is None or interaction.channel is None:
            raise CommandRefusedError("This works in a server channel, not in DMs.")
        settings = await self._guilds.settings(interaction.guild.id)
        if not settings.allows(home_channel_id(interaction.channel)):
            places = ", ".join(f"<#{channel}>" for channel in settings.allowed_channels)
            raise CommandRefusedError(f"Kling isn't enabled in this channel. Try {places}.")

    async def submit(
        self, interaction: discord.Interaction, request: TaskRequest, notes: Iterable[str] = ()
    ) -> TaskRecord | None:
        """Queue `request` for the member (after `begin`), post its live status, and confirm privately.

        A request the model's rules refuse, where one change would make it go, gets the refusal with that
        change as a button (and None is returned); any other refusal is raised for the error handler.
        """
        guild_id, channel_id = _place(interaction)
        await self._check_rules(guild_id, (request.prompt, request.negative_prompt, *_shot_prompts(request)))
        request = await self._with_guild_defaults(guild_id, request)
        try:
            task = await self._engine.submit(
                Submission(guild_id, channel_id, interaction.user.id, request, role_ids(interaction))
            )
        except InvalidRequestError as exc:
            if exc.fix is None:
                raise
            view = FixView(request, exc.fix, notes, interaction.user.id, self._resend)
            await reply_private(interaction, exc.user_message, view=view)
            return None
        await self._announce(interaction, task, notes)
        return task

    async def _resend(self, interaction: discord.Interaction, request: TaskRequest, notes: Iterable[str]) -> None:
        if not await self._gate.check(interaction):  # a server denied since the refusal can't spend through it
            return
        await self.begin(interaction)
        await self.submit(interaction, request, notes)

    async def resubmit(self, interaction: discord.Interaction, task: TaskRecord) -> TaskRecord:
        """Queue `task`'s request again for the member pressing Retry (after `begin`)."""
        guild_id, channel_id = _place(interaction)
        shots = [str(shot.get("prompt") or "") for shot in task.params.get("shots") or []]
        texts = [str(task.params.get(key) or "") for key in ("prompt", "negative_prompt")]
        await self._check_rules(guild_id, [*texts, *shots])
        again = await self._engine.resubmit(
            task.id, guild_id=guild_id, channel_id=channel_id, user_id=interaction.user.id,
            role_ids=role_ids(interaction),
        )  # fmt: skip
        await self._announce(interaction, again, ())
        return again

    async def _check_rules(self, guild_id: int, texts: Iterable[str]) -> None:
        """Refuse a prompt a server rule blocks, before anything is sent or charged (never echoing the match)."""
        if blocked(list(texts), await self._audit.rules(guild_id)):
            raise CommandRefusedError(BLOCKED)

    async def _announce(self, interaction: discord.Interaction, task: TaskRecord, notes: Iterable[str]) -> None:
        task = await self._into_thread(interaction, task)
        position = await self._engine.queue_position(task.id)
        await self._status.post(task, position)
        await interaction.followup.send(confirmation(task, position, notes, self._price), ephemeral=True)

    async def _into_thread(self, interaction: discord.Interaction, task: TaskRecord) -> TaskRecord:
        """Where the server asks for it, give the task its own thread (named from its prompt) for its status and
        result; already in a thread, or unable to make one, it stays where it was asked."""
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel) or not (await self._guilds.settings(task.guild_id)).threads:
            return task
        try:
            thread = await channel.create_thread(
                name=thread_name(task), type=discord.ChannelType.public_thread,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES, reason=f"Kling task {task.id}",
            )  # fmt: skip
        except discord.HTTPException as exc:
            log.warning(
                "Task %s: can't open a thread in channel %s (%s); posting in the channel", task.id, channel.id, exc
            )
            return task
        return await self._engine.relocate(task.id, thread.id) or task

    async def default_model(self, guild_id: int | None, kind: TaskKind) -> str | None:
        """Return the model a request of `kind` gets when the member names none: the server's, else the catalogue's."""
        catalogue, provider = self._provider.catalogue, self._provider.provider
        if guild_id is not None:
            chosen = (await self._guilds.settings(guild_id)).default_model
            spec = catalogue.find(chosen, kind) if chosen else None
            if spec is not None and not spec.retired and provider in spec.providers:
                return spec.name
        default = catalogue.default_model(kind, provider)
        return default.name if default else None

    async def _with_guild_defaults(self, guild_id: int, request: TaskRequest) -> TaskRequest:
        """Fill the model and mode the member left empty with the guild's defaults, where they fit this kind."""
        if request.model is not None:
            return request
        settings = await self._guilds.settings(guild_id)
        catalogue = self._provider.catalogue
        spec = catalogue.find(settings.default_model, request.kind) if settings.default_model else None
        if spec is None or spec.retired or self._provider.provider not in spec.providers or not _fits(spec, request):
            return request
        update: dict[str, object] = {"model": spec.name}
        mode = settings.default_mode
        if getattr(request, "mode", None) is None and mode in spec.modes and _mode_fits(spec, mode, request):
            update["mode"] = mode
        return request.model_copy(update=update)


def confirmation(task: TaskRecord, position: int | None, notes: Iterable[str], price: Price | None = None) -> str:
    """Return the private confirmation: the task id, where it stands, its cost, what was fixed silently."""
    place = f"#{position} in line" if position else "starting now"
    cost = f"{task.units_reserved} units" + (f", {price(task.units_reserved)}" if price is not None else "")
    lines = [f"Queued as `{task.id}` ({place}, {cost}). I'll post the result here and ping you."]
    lines.extend(f"• {note}" for note in notes)
    return "\n".join(lines)


def thread_name(task: TaskRecord) -> str:
    """Return a thread's name from the task's prompt (or its kind), on one line, within Discord's 100."""
    shots = task.params.get("shots") or []
    text = str(task.params.get("prompt") or (shots[0].get("prompt") if shots else "") or "").split()
    name = " ".join(text) or title_of(task)
    return name if len(name) <= THREAD_NAME_MAX else name[: THREAD_NAME_MAX - 1].rstrip() + "…"


def home_channel_id(channel: object) -> int:
    """Return the channel a request counts as made in: a thread's parent, else the channel itself."""
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        return channel.parent_id
    return getattr(channel, "id", 0)


def _fits(spec: ModelSpec, request: TaskRequest) -> bool:
    """Return True when a server's default model can make what was asked: its length, sound, storyboard."""
    duration = getattr(request, "duration", None)
    if request.kind.makes_video and spec.durations and duration not in spec.durations:
        return False
    if getattr(request, "sound", False) and not spec.sound:
        return False
    return not (getattr(request, "shot_type", None) and not spec.storyboards)


def _mode_fits(spec: ModelSpec, mode: str, request: TaskRequest) -> bool:
    """Return True when a server's default mode can make what was asked (else the model picks one that can)."""
    if getattr(request, "sound", False) and mode not in spec.sound:
        return False
    return not (getattr(request, "image_tail", None) is not None and mode not in spec.image_tail)


def _shot_prompts(request: TaskRequest) -> list[str]:
    """Return a storyboard's shot prompts (server rules apply to them too)."""
    return [shot.prompt for shot in getattr(request, "shots", ())]


def _place(interaction: discord.Interaction) -> tuple[int, int]:
    """Return (guild id, channel id) of an interaction `begin` accepted."""
    if interaction.guild is None or interaction.channel is None:
        raise CommandRefusedError("This works in a server channel, not in DMs.")
    return interaction.guild.id, interaction.channel.id
