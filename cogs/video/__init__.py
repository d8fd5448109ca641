"""Video commands: `/video animate|blend|text|story|effect|lipsync` and the "Make video" message command."""

from discord import app_commands
from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.vocabulary import TaskKind
from cogs.video._commands import VideoCommands
from cogs.video._effects import EffectCommands
from cogs.video._lipsync import LipSyncCommands
from cogs.video._make_video import MakeVideoMenu
from cogs.video._story import StoryCommands


def adopt(group: app_commands.Group, cog: commands.Cog) -> None:
    """Put `cog`'s slash commands under `group` (so `/video story`, not `/story`); the cog itself is not added."""
    for command in cog.get_app_commands():
        group.add_command(command)


async def setup(bot: KlingBot) -> None:
    """Load the video commands."""
    video = VideoCommands(bot.desk, bot.provider)
    adopt(video.video, StoryCommands(bot.desk))
    catalogue = bot.provider.catalogue
    if catalogue.offers(TaskKind.EFFECTS, bot.provider.provider):  # a provider's undocumented kinds stay hidden
        adopt(video.video, EffectCommands(bot.desk, bot.provider))
    if catalogue.offers(TaskKind.LIP_SYNC, bot.provider.provider):
        adopt(video.video, LipSyncCommands(bot.desk, bot.storage.tasks, bot.engine.now, catalogue.lip_sync))
    await bot.add_cog(video)
    await bot.add_cog(MakeVideoMenu(bot, bot.desk))
