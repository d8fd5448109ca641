"""Admin commands: `/kling-admin ...`."""

from discord.ext import commands

from cogs.admin._cog import AdminCommands


async def setup(bot: commands.Bot) -> None:
    """Load the admin commands."""
    await bot.add_cog(AdminCommands())
