"""`/kling-admin rules ...`: words or patterns this server blocks in prompts."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.content import PATTERN_MAX, BadRuleError, compile_rule
from bot.discord.errors import CommandRefusedError
from bot.engine import Engine
from bot.text import shown
from cogs.admin._access import AdminGroup
from db.models import ContentRule
from db.repository import AuditRepository


class RulesAdmin(AdminGroup):
    """Block words or patterns in prompts, before anything is sent or charged."""

    def __init__(self, audit: AuditRepository, engine: Engine) -> None:
        super().__init__(name="rules", description="Words or patterns this server blocks in prompts")
        self.audit = audit
        self.engine = engine

    @app_commands.command(name="add")
    @app_commands.describe(
        pattern="A word (matched whole, any case) or, with regex, a regular expression",
        regex="Treat the pattern as a regular expression",
    )
    async def add(
        self, interaction: discord.Interaction, pattern: app_commands.Range[str, 1, PATTERN_MAX], regex: bool = False
    ) -> None:
        """Block prompts that contain a word or match a pattern."""
        assert interaction.guild is not None  # noqa: S101 - guild-only group
        rule = ContentRule(pattern=pattern.strip(), is_regex=regex)
        try:
            compile_rule(rule)
        except BadRuleError as exc:
            raise CommandRefusedError(str(exc)) from None
        if await self.audit.add_rule(interaction.guild.id, rule, now=self.engine.now()):
            await self.audit.record(
                "rules.add", guild_id=interaction.guild.id, actor_id=interaction.user.id, before="",
                after=_label(rule), now=self.engine.now(),
            )  # fmt: skip
        await interaction.followup.send(f"Blocked: {shown(_label(rule))}.", ephemeral=True)

    @app_commands.command(name="remove")
    @app_commands.describe(pattern="The rule to remove, as listed")
    async def remove(self, interaction: discord.Interaction, pattern: app_commands.Range[str, 1, PATTERN_MAX]) -> None:
        """Stop blocking a word or pattern."""
        assert interaction.guild is not None  # noqa: S101
        if not await self.audit.remove_rule(interaction.guild.id, pattern.strip()):
            raise CommandRefusedError("There is no such rule. `/kling-admin rules list` shows them.")
        await self.audit.record(
            "rules.remove", guild_id=interaction.guild.id, actor_id=interaction.user.id, before=pattern.strip(),
            after="", now=self.engine.now(),
        )  # fmt: skip
        await interaction.followup.send("Removed.", ephemeral=True)

    @app_commands.command(name="list")
    async def list(self, interaction: discord.Interaction) -> None:
        """List the blocked words and patterns."""
        assert interaction.guild is not None  # noqa: S101
        rules = await self.audit.rules(interaction.guild.id)
        lines = [f"• `{discord.utils.escape_markdown(_label(rule))}`" for rule in rules]
        await interaction.followup.send("\n".join(lines)[:1900] or "No rules: prompts are only checked by Kling.",
                                        ephemeral=True)  # fmt: skip


def _label(rule: ContentRule) -> str:
    return f"/{rule.pattern}/" if rule.is_regex else rule.pattern
