"""Which servers may use the bot (GUILD_POLICY), and the operator's Approve / Deny buttons.

Under `approval` (the default) a server the bot joins waits: every command there gets a clear answer
saying so, and each operator gets a DM with persistent Approve / Deny buttons. `python -m bot guilds`
does the same from the shell.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import discord
from discord import app_commands

from bot.discord.replies import reply_private
from bot.settings import DiscordSettings
from db.repository import AuditRepository, GuildRepository

log = logging.getLogger(__name__)

Verdict = Literal["allowed", "pending", "denied", "unlisted"]
WORDS: dict[Verdict, str] = {
    "pending": "This server is waiting for the approval of the bot's operator (the person who runs this bot). "
    "Nothing runs here until they approve it; they have been told.",
    "denied": "The bot's operator hasn't allowed this server to use the bot.",
    "unlisted": "This bot only works in servers its operator has enabled. Ask them to add this server (id {guild_id}).",
}
TEMPLATE = r"kling:guild:(?P<action>approve|deny):(?P<guild>\d+)"


class GuildGate:
    """Answers "may this server use the bot?" and tells operators about servers that wait."""

    def __init__(
        self, client: discord.Client, settings: DiscordSettings, guilds: GuildRepository, audit: AuditRepository
    ) -> None:
        self._client = client
        self._settings = settings
        self._guilds = guilds
        self._audit = audit

    async def verdict(self, guild_id: int) -> Verdict:
        """Return whether the server may use the bot, and if not, why."""
        listed = guild_id in self._settings.allowed_guild_ids or guild_id == self._settings.dev_guild_id
        if self._settings.guild_policy == "open" or listed:
            return "allowed"
        if self._settings.guild_policy == "allowlist":
            return "unlisted"
        access = await self._guilds.access(guild_id)
        if access is None or access.status == "pending":
            return "pending"
        return "allowed" if access.status == "approved" else "denied"

    async def check(self, interaction: discord.Interaction) -> bool:
        """Let the interaction through, or answer it with why not (asking the operators once, if it waits)."""
        if interaction.guild is None:
            return True
        verdict = await self.verdict(interaction.guild.id)
        if verdict == "allowed":
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            await reply_private(interaction, WORDS[verdict].format(guild_id=interaction.guild.id))
        if verdict == "pending":  # joined while the bot was offline: ask now
            await self.joined(interaction.guild)
        return False

    async def joined(self, guild: discord.Guild) -> None:
        """Record a server that waits for approval and DM the operators (once per server)."""
        if await self.verdict(guild.id) != "pending":
            return
        if not await self._guilds.request_access(guild.id, guild.name, now=time.time()):
            return
        log.info("Server %s (%s) waits for an operator's approval", guild.id, guild.name)
        for user_id in await self.operator_ids():
            await self._ask(user_id, guild)

    async def operator_ids(self) -> list[int]:
        """Return the operators: OPERATOR_USER_IDS and the application's owner or team members."""
        ids = list(self._settings.operator_user_ids)
        try:  # discord.py reads the application at login; ask again only if it hasn't
            app = self._client.application or await self._client.application_info()
        except discord.HTTPException as exc:
            log.warning("Can't read the application's owner to find operators: %s", exc)
            return ids
        owners = [member.id for member in app.team.members] if app.team else [app.owner.id]
        me = self._client.user.id if self._client.user else None
        return [user_id for user_id in dict.fromkeys([*ids, *owners]) if user_id != me]

    async def is_operator(self, user_id: int) -> bool:
        """Return True for an operator."""
        return user_id in await self.operator_ids()

    async def decide(self, guild_id: int, approve: bool, by: int | None) -> None:
        """Approve or deny a server."""
        before = await self._guilds.access(guild_id)
        status = "approved" if approve else "denied"
        await self._guilds.decide_access(guild_id, status, by=by, now=time.time())
        await self._audit.record(
            "server.access", guild_id=guild_id, actor_id=by, before=before.status if before else "", after=status,
            now=time.time(),
        )  # fmt: skip
        log.info("Server %s %s by %s", guild_id, "approved" if approve else "denied", by)

    async def _ask(self, user_id: int, guild: discord.Guild) -> None:
        try:
            user = self._client.get_user(user_id) or await self._client.fetch_user(user_id)
            await user.send(embed=request_embed(guild), view=decision_view(guild.id))
        except discord.HTTPException as exc:
            log.warning("Can't DM operator %s about server %s: %s", user_id, guild.id, exc)


def request_embed(guild: discord.Guild) -> discord.Embed:
    """Return the operator's view of a server that waits."""
    embed = discord.Embed(
        title="A server wants to use the Kling bot",
        description=f"**{discord.utils.escape_markdown(guild.name)}** (id {guild.id}) added the bot. "
        "Its members can't use it until you approve it. Every video it makes is paid from your Kling account.",
        colour=discord.Colour.orange(),
    )
    if guild.member_count is not None:
        embed.add_field(name="Members", value=str(guild.member_count))
    if guild.owner_id is not None:
        embed.add_field(name="Owner", value=f"<@{guild.owner_id}>")
    embed.set_footer(text="Or from the shell: python -m bot guilds approve|deny <id>")
    return embed


class DecisionButtons(discord.ui.View):
    """The Approve / Deny buttons drawn on the operator's DM (clicks go to the registered `GuildDecision`)."""

    def is_dispatchable(self) -> bool:
        """Return False: the registered dynamic item handles clicks, after restarts too."""
        return False


def decision_view(guild_id: int) -> discord.ui.View:
    """Return Approve / Deny for one server."""
    view = DecisionButtons(timeout=None)
    view.add_item(decision_button("approve", guild_id))
    view.add_item(decision_button("deny", guild_id))
    return view


def decision_button(action: str, guild_id: int) -> discord.ui.Button[Any]:
    """Return the button for one decision."""
    approve = action == "approve"
    return discord.ui.Button(
        label="Approve" if approve else "Deny",
        style=discord.ButtonStyle.success if approve else discord.ButtonStyle.danger,
        custom_id=f"kling:guild:{action}:{guild_id}",
    )


@dataclass(frozen=True)
class GuildDecisionHandler:
    """What a decision button acts with."""

    gate: GuildGate


class GuildDecision(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """An operator's Approve or Deny, working after restarts; only operators may press it."""

    handler: ClassVar[GuildDecisionHandler | None] = None

    def __init__(self, action: str, guild_id: int) -> None:
        super().__init__(decision_button(action, guild_id))
        self.action = action
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> GuildDecision:
        """Rebuild the button from its custom_id."""
        return cls(match["action"], int(match["guild"]))

    def _gate(self) -> GuildGate:
        if self.handler is None:
            raise RuntimeError("GuildDecision is not bound; register bound_guild_decision(gate)")
        return self.handler.gate

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only operators decide."""
        if await self._gate().is_operator(interaction.user.id):
            return True
        await reply_private(interaction, "Only the bot's operator can approve or deny servers.")
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        """Record the decision and show it on the message."""
        approve = self.action == "approve"
        await self._gate().decide(self.guild_id, approve, interaction.user.id)
        outcome = "✅ Approved" if approve else "⛔ Denied"
        await interaction.response.edit_message(content=f"{outcome} by <@{interaction.user.id}>.", view=None)


def bound_guild_decision(gate: GuildGate) -> type[GuildDecision]:
    """Return the decision button class a bot registers, acting through its `gate`."""

    class BoundGuildDecision(GuildDecision, template=TEMPLATE):
        pass

    BoundGuildDecision.handler = GuildDecisionHandler(gate)
    return BoundGuildDecision


class GatedTree(app_commands.CommandTree[discord.Client]):
    """The command tree: every command in a server passes the gate first."""

    gate: GuildGate | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse commands in servers that may not use the bot, saying why."""
        return True if self.gate is None else await self.gate.check(interaction)
