"""Video commands: `/video animate|blend|text` and the "Make video" message command."""

from discord.ext import commands

from cogs.video._commands import VideoCommands
from cogs.video._make_video import MakeVideoMenu


async def setup(bot: commands.Bot) -> None:
    """Load the video commands."""
    await bot.add_cog(VideoCommands())
    await bot.add_cog(MakeVideoMenu(bot))
