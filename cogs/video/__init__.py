"""Video commands: `/video animate|blend|text` and the "Make video" message command."""

from bot.discord.bot import KlingBot
from cogs.video._commands import VideoCommands
from cogs.video._make_video import MakeVideoMenu


async def setup(bot: KlingBot) -> None:
    """Load the video commands."""
    await bot.add_cog(VideoCommands(bot.desk, bot.provider))
    await bot.add_cog(MakeVideoMenu(bot, bot.desk))
