"""Admin commands: `/kling-admin ...`."""

from bot.discord.bot import KlingBot
from cogs.admin._cog import AdminCommands
from cogs.admin._presets import PresetsAdmin
from cogs.admin._quota import QuotaAdmin
from cogs.admin._rules import RulesAdmin
from cogs.admin._settings import ChannelsAdmin


async def setup(bot: KlingBot) -> None:
    """Load the admin commands."""
    quota = QuotaAdmin(bot.storage.quotas, bot.settings.quota, bot.engine, bot.storage.audit)
    channels = ChannelsAdmin(bot.storage.guilds, bot.engine, bot.storage.audit)
    rules = RulesAdmin(bot.storage.audit, bot.engine)
    presets = PresetsAdmin(bot.storage.members, bot.engine, bot.storage.audit)
    await bot.add_cog(
        AdminCommands(bot.engine, bot.storage, bot.provider, bot.settings, [quota, channels, rules, presets])
    )
