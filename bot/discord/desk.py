"""The flow every generating command shares: acknowledge, check the channel, queue, show live status."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable

import discord

from bot.content import blocked
from bot.discord.access import GuildGate
from bot.discord.defaults import Filled, Layer, fill, used_line, with_preset_text
from bot.discord.embeds import KIND_TITLES, Price, fit
from bot.discord.errors import CommandRefusedError
from bot.discord.fixes import FixView
from bot.discord.permissions import role_ids
from bot.discord.presets import NAME_SHOWN, find_preset, preset_choices, preset_notes
from bot.discord.replies import reply_private
from bot.discord.status import StatusBoard
from bot.discord.threads import generation_place, home_channel_id, thread_name
from bot.engine import Engine, Overrides, Submission
from bot.kling.errors import InvalidRequestError
from bot.kling.models import TaskRequest
from bot.kling.provider import ProviderClient
from bot.vocabulary import TaskKind
from db.models import MemberSettings, Preset, TaskRecord
from db.repository import AuditRepository, GuildRepository, MemberRepository

log = logging.getLogger(__name__)

BLOCKED = "A rule of this server blocks this prompt, so nothing was sent or charged. Change the prompt and try again."


class RequestDesk:
    """Where members' requests come in: one place that checks the channel, queues, and confirms."""

    def __init__(
        self,
        engine: Engine,
        guilds: GuildRepository,
        status: StatusBoard,
        provider: ProviderClient,
        audit: AuditRepository,
        gate: GuildGate,
        *,
        members: MemberRepository,
        price: Price | None = None,
    ) -> None:
        self._engine = engine
        self._members = members
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
        self,
        interaction: discord.Interaction,
        request: TaskRequest,
        notes: Iterable[str] = (),
        *,
        given: Collection[str] | None = None,
        preset: str | None = None,
    ) -> TaskRecord | None:
        """Queue `request` for the member (after `begin`), post its live status, and confirm privately.

        The options the member left out (those not in `given`; without it, those the request holds None for)
        come from the `preset` named, then the member's /settings, then the server's defaults, where they fit.
        A request the model's rules refuse, where one change would make it go, gets the refusal with that
        change as a button (and None is returned); any other refusal is raised for the error handler.
        """
        guild_id, _ = _place(interaction)
        member = await self._members.settings(guild_id, interaction.user.id)
        chosen = await find_preset(self._members, guild_id, interaction.user.id, preset) if preset else None
        if chosen is not None:
            request = with_preset_text(request, chosen)
        await self._check_rules(guild_id, (request.prompt, request.negative_prompt, *_shot_prompts(request)))
        filled = await self._filled(guild_id, request, given, chosen, member)
        request = filled.request
        name = thread_name(request.prompt, _shot_prompts(request), KIND_TITLES.get(request.kind, "Kling"))
        async with generation_place(interaction, self._guilds, name) as place:
            try:
                task = await self._engine.submit(
                    Submission(
                        guild_id, place.channel_id, interaction.user.id, request, role_ids(interaction),
                        member.delivery,
                    )
                )  # fmt: skip
            except InvalidRequestError as exc:
                if exc.fix is None:
                    raise
                view = FixView(request, exc.fix, notes, interaction.user.id, self._resend)
                await reply_private(interaction, exc.user_message, view=view)
                return None
            place.kept = True
        used = used_line(task.params, filled.sources)
        await self._announce(interaction, task, [*([used] if used else []), *preset_notes(chosen), *notes])
        return task

    async def _resend(self, interaction: discord.Interaction, request: TaskRequest, notes: Iterable[str]) -> None:
        if not await self._gate.check(interaction):  # a server denied since the refusal can't spend through it
            return
        await self.begin(interaction)
        await self.submit(interaction, request, notes)

    async def resubmit(
        self, interaction: discord.Interaction, task: TaskRecord, overrides: Overrides | None = None
    ) -> TaskRecord:
        """Queue `task`'s request again for the member pressing Retry or Vary (after `begin`); with `overrides`,
        with new texts (Remix). The server's rules see the texts that will be sent."""
        guild_id, _ = _place(interaction)
        params = overrides.applied_to(task.params) if overrides is not None else task.params
        shots = [str(shot.get("prompt") or "") for shot in params.get("shots") or []]
        texts = [str(params.get(key) or "") for key in ("prompt", "negative_prompt")]
        await self._check_rules(guild_id, [*texts, *shots])
        member = await self._members.settings(guild_id, interaction.user.id)
        name = thread_name(str(params.get("prompt") or ""), shots, KIND_TITLES.get(task.kind, "Kling"))
        async with generation_place(interaction, self._guilds, name) as place:
            again = await self._engine.resubmit(
                task.id, guild_id=guild_id, channel_id=place.channel_id, user_id=interaction.user.id,
                role_ids=role_ids(interaction), deliver_to=member.delivery, overrides=overrides,
            )  # fmt: skip
            place.kept = True
        await self._announce(interaction, again, ())
        return again

    async def _check_rules(self, guild_id: int, texts: Iterable[str]) -> None:
        """Refuse a prompt a server rule blocks, before anything is sent or charged (never echoing the match)."""
        if blocked(list(texts), await self._audit.rules(guild_id)):
            raise CommandRefusedError(BLOCKED)

    async def _announce(self, interaction: discord.Interaction, task: TaskRecord, notes: Iterable[str]) -> None:
        position = await self._engine.queue_position(task.id)
        await self._status.post(task, position)
        await interaction.followup.send(confirmation(task, position, notes, self._price), ephemeral=True)

    async def default_model(self, guild_id: int | None, kind: TaskKind, user_id: int | None = None) -> str | None:
        """Return the model a request of `kind` gets when the member names none: theirs (/settings), the server's,
        else the catalogue's."""
        catalogue, provider = self._provider.catalogue, self._provider.provider
        names = []
        if guild_id is not None:
            if user_id is not None:
                names.append((await self._members.settings(guild_id, user_id)).model)
            names.append((await self._guilds.settings(guild_id)).default_model)
        for name in names:
            spec = catalogue.find(name, kind) if name else None
            if spec is not None and not spec.retired and provider in spec.providers:
                return spec.name
        default = catalogue.default_model(kind, provider)
        return default.name if default else None

    async def _filled(
        self,
        guild_id: int,
        request: TaskRequest,
        given: Collection[str] | None,
        preset: Preset | None,
        member: MemberSettings,
    ) -> Filled:
        """Fill what the member left out: from the preset, their settings, the server's defaults, where they fit."""
        server = await self._guilds.settings(guild_id)
        layers = [
            *([Layer(f"preset “{fit(preset.name, NAME_SHOWN)}”", preset.chosen())] if preset else []),
            Layer("your /settings", member.chosen()),
            Layer("the server's default", {"model": server.default_model, "mode": server.default_mode}),
        ]
        return fill(request, given, layers, self._provider.catalogue, self._provider.provider)

    async def preset_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[discord.app_commands.Choice[str]]:
        """Offer the member's own presets, then the server's, whose name contains what was typed."""
        if interaction.guild is None:
            return []
        mine = await self._members.presets(interaction.guild.id, interaction.user.id)
        return preset_choices([*mine, *await self._members.presets(interaction.guild.id, None)], current)


def confirmation(task: TaskRecord, position: int | None, notes: Iterable[str], price: Price | None = None) -> str:
    """Return the private confirmation: the task id, where it stands, its cost, what was fixed silently."""
    place = f"#{position} in line" if position else "starting now"
    cost = f"{task.units_reserved} units" + (f", {price(task.units_reserved)}" if price is not None else "")
    where = "I'll send you the result by DM." if task.deliver_to == "dm" else "I'll post the result here and ping you."
    lines = [f"Queued as `{task.id}` ({place}, {cost}). {where}"]
    lines.extend(f"• {note}" for note in notes)
    return "\n".join(lines)


def _shot_prompts(request: TaskRequest) -> list[str]:
    """Return a storyboard's shot prompts (server rules apply to them too)."""
    return [shot.prompt for shot in getattr(request, "shots", ())]


def _place(interaction: discord.Interaction) -> tuple[int, int]:
    """Return (guild id, channel id) of an interaction `begin` accepted."""
    if interaction.guild is None or interaction.channel is None:
        raise CommandRefusedError("This works in a server channel, not in DMs.")
    return interaction.guild.id, interaction.channel.id
