"""`/kling-admin`: Manage Server only — quotas, channels, defaults, provider health, usage."""

from __future__ import annotations

from decimal import Decimal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.errors import CommandRefusedError
from bot.engine import Engine
from bot.kling.diagnosis import explain_probe_failure
from bot.kling.errors import KlingError
from bot.kling.provider import ProviderClient
from bot.settings import Settings
from bot.text import shown
from bot.vocabulary import TaskKind
from cogs.admin._access import AdminGroup
from cogs.options import MODE_CHOICES, Name, model_choices
from db import Storage
from db.models import GuildSettings

DAY = 86400


class AdminCommands(commands.Cog):
    """Server administration."""

    admin = AdminGroup(
        name="kling-admin",
        description="Configure the Kling bot for this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(
        self,
        engine: Engine,
        storage: Storage,
        provider: ProviderClient,
        settings: Settings,
        subgroups: list[app_commands.Group],
    ) -> None:
        self.engine = engine
        self.storage = storage
        self.provider = provider
        self.settings = settings
        for group in subgroups:
            self.admin.add_command(group)

    @admin.command(name="health")
    async def health(self, interaction: discord.Interaction) -> None:
        """Check the provider and show the queue."""
        try:
            await self.provider.probe()
            provider = "✅ reachable, credentials accepted"
        except KlingError as exc:
            provider = "❌ " + explain_probe_failure(exc, self.settings.kling, self.provider.server_time_offset)
        tasks = self.storage.tasks
        embed = discord.Embed(title="Kling bot health", colour=discord.Colour.blurple())
        embed.add_field(name=f"Provider ({self.provider.provider})", value=provider, inline=False)
        embed.add_field(name="Unfinished tasks", value=str(await tasks.count_active()))
        embed.add_field(
            name="Provider slots in use",
            value=f"{await tasks.in_flight_slots()} of {self.settings.engine.provider_max_concurrent}",
        )
        await interaction.followup.send(embed=embed, ephemeral=True)

    @admin.command(name="balance")
    async def balance(self, interaction: discord.Interaction) -> None:
        """Show what the bot's provider account has left, pack by pack."""
        try:
            balance = await self.engine.read_balance()
        except KlingError as exc:
            raise CommandRefusedError(f"The provider didn't answer: {exc.user_message}") from None
        if balance is None:
            await interaction.followup.send(
                f"{self.provider.provider} doesn't report an account balance.", ephemeral=True
            )
            return
        price = self.settings.quota.money
        embed = discord.Embed(title=f"Provider balance: {balance.remaining} units ({price(balance.remaining)})")
        for pack in balance.packs[:25]:
            expires = f", expires <t:{int(pack.expires_at.timestamp())}:R>" if pack.expires_at else ""
            embed.add_field(
                name=shown(pack.name, 100), value=f"{pack.remaining} of {pack.total} left · {pack.status}{expires}"
            )
        embed.set_footer(text="Kling's figure can lag by up to 12 hours.")
        await interaction.followup.send(embed=embed, ephemeral=True)

    @admin.command(name="usage")
    @app_commands.describe(days="How many days back (default 7)", by="Per member (default), model or day")
    @app_commands.choices(by=[app_commands.Choice(name=n, value=n) for n in ("member", "model", "day")])
    async def usage(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, 90] = 7,
        by: app_commands.Choice[str] | None = None,
    ) -> None:
        """Show units and money spent, per member, model or day."""
        assert interaction.guild is not None  # noqa: S101
        now = self.engine.now()
        group = by.value if by else "member"
        report = await self.storage.quotas.usage_report(
            now - days * DAY, now + 1, interaction.guild.id, by=("user" if group == "member" else group,)
        )
        rows = sorted(((r.keys[0], r.units_charged, r.tasks) for r in report), key=lambda r: r[1], reverse=True)
        total = sum(units for _, units, _ in rows)
        price = self.settings.quota.money
        lines = [
            f"{_usage_label(group, key)}: {units} units ({price(units)}), {count} task(s)"
            for key, units, count in rows[:20]
        ]
        embed = discord.Embed(
            title=f"Usage, last {days} day(s): {total} units ({price(Decimal(total))})",
            description="\n".join(lines) or "No tasks.",
        )
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @admin.command(name="alerts")
    @app_commands.describe(channel="Where budget alerts (80 % and 100 %) go; leave empty to stop them")
    async def alerts(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        """Choose the channel for this server's budget alerts."""
        assert interaction.guild is not None  # noqa: S101
        settings = await self.storage.guilds.settings(interaction.guild.id)
        before = f"<#{settings.alert_channel_id}>" if settings.alert_channel_id else "none"
        settings = settings.model_copy(update={"alert_channel_id": channel.id if channel else None})
        await self.storage.guilds.save_settings(settings, now=self.engine.now())
        after = channel.mention if channel else "none"
        await self.storage.audit.record(
            "alerts", guild_id=interaction.guild.id, actor_id=interaction.user.id, before=before, after=after,
            now=self.engine.now(),
        )  # fmt: skip
        answer = f"Budget alerts go to {after}." if channel else "Budget alerts are off for this server."
        await interaction.followup.send(answer, ephemeral=True)

    @admin.command(name="threads")
    @app_commands.describe(on="Give each generation its own thread (named from its prompt) for its status and result")
    async def threads(self, interaction: discord.Interaction, on: bool) -> None:
        """Turn one-thread-per-generation on or off for this server."""
        assert interaction.guild is not None  # noqa: S101
        settings = await self.storage.guilds.settings(interaction.guild.id)
        before, after = ("on" if settings.threads else "off"), ("on" if on else "off")
        await self.storage.guilds.save_settings(settings.model_copy(update={"threads": on}), now=self.engine.now())
        await self.storage.audit.record(
            "threads", guild_id=interaction.guild.id, actor_id=interaction.user.id, before=before, after=after,
            now=self.engine.now(),
        )  # fmt: skip
        answer = (
            "Each generation now gets its own thread for its status and result (the bot needs Create Public Threads "
            "and Send Messages in Threads; without them it posts in the channel)."
            if on
            else "Generations post their status and result in the channel again."
        )
        await interaction.followup.send(answer, ephemeral=True)

    @admin.command(name="audit")
    @app_commands.describe(count="How many of the latest changes (default 15)")
    async def audit(self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 50] = 15) -> None:
        """Show who changed what in this bot's settings for this server, and when."""
        assert interaction.guild is not None  # noqa: S101
        entries = await self.storage.audit.recent(interaction.guild.id, count)
        lines = [
            f"<t:{int(e.at)}:f> {f'<@{e.actor_id}>' if e.actor_id else 'the operator (shell)'} · **{e.action}**: "
            f"{shown(e.before, 300) or '—'} → {shown(e.after, 300) or '—'}"
            for e in entries
        ]
        embed = discord.Embed(title="Changes to this server's settings", description=fit_lines(lines))
        embed.set_footer(text="Kept by the bot; nothing in Discord can edit it.")
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    async def _models(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return model_choices(self.provider, TaskKind, current)

    @admin.command(name="defaults")
    @app_commands.describe(
        model="Model used when a member doesn't pick one", mode="Mode used when a member doesn't pick one"
    )
    @app_commands.choices(mode=MODE_CHOICES)
    @app_commands.autocomplete(model=_models)
    async def defaults(
        self, interaction: discord.Interaction, model: Name | None = None, mode: app_commands.Choice[str] | None = None
    ) -> None:
        """Set the default model and mode for this server."""
        assert interaction.guild is not None  # noqa: S101
        if model is not None and not self.provider.catalogue.knows(model):
            await interaction.followup.send(f"I don't know the model {shown(model)}.", ephemeral=True)
            return
        settings = await self.storage.guilds.settings(interaction.guild.id)
        before = _defaults(settings)
        settings = settings.model_copy(
            update={
                "default_model": model if model is not None else settings.default_model,
                "default_mode": mode.value if mode else settings.default_mode,
            }
        )
        await self.storage.guilds.save_settings(settings, now=self.engine.now())
        await self.storage.audit.record(
            "defaults", guild_id=interaction.guild.id, actor_id=interaction.user.id, before=before,
            after=_defaults(settings), now=self.engine.now(),
        )  # fmt: skip
        await interaction.followup.send(
            f"Defaults: model {settings.default_model or 'the catalogue’s first'}, "
            f"mode {settings.default_mode or 'std'}.",
            ephemeral=True,
        )


def _defaults(settings: GuildSettings) -> str:
    return f"model {settings.default_model or '—'}, mode {settings.default_mode or '—'}"


def fit_lines(lines: list[str], limit: int = 4000) -> str:
    """Join as many whole lines as fit an embed description."""
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) > limit:
            break
        kept.append(line)
    return "\n".join(kept) or "No changes recorded yet."


def _usage_label(group: str, key: object) -> str:
    return f"<@{key}>" if group == "member" else f"`{key or 'default'}`"
