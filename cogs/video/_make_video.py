"""The "Make video" message command: animate images already posted in chat, without uploading them again."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.desk import RequestDesk
from bot.discord.errors import report
from bot.discord.intake import notes_of, read_images
from bot.discord.replies import reply_private
from bot.kling.limits import PROMPT_MAX
from bot.kling.models import ImageToVideoRequest, MultiImageToVideoRequest, TaskRequest
from cogs.options import parse_duration

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic")
MAX_IMAGES = 4


def images_in(message: discord.Message) -> list[discord.Attachment]:
    """Return the message's attachments that look like images (their content is checked later)."""
    return [
        a
        for a in message.attachments
        if (a.content_type or "").startswith("image/") or a.filename.lower().endswith(IMAGE_SUFFIXES)
    ]


class MakeVideoModal(discord.ui.Modal, title="Make a video"):
    """Asks for the prompt and options for the chosen message's images."""

    prompt: discord.ui.TextInput[MakeVideoModal] = discord.ui.TextInput(
        label="Prompt",
        style=discord.TextStyle.paragraph,
        placeholder="What should happen",
        custom_id="prompt",
        max_length=PROMPT_MAX,
    )
    negative_prompt: discord.ui.TextInput[MakeVideoModal] = discord.ui.TextInput(
        label="Avoid (optional)",
        style=discord.TextStyle.paragraph,
        required=False,
        custom_id="negative_prompt",
        max_length=PROMPT_MAX,
    )
    duration: discord.ui.TextInput[MakeVideoModal] = discord.ui.TextInput(
        label="Seconds (3–15 on kling-v3, else 5 or 10)",
        default="5",
        max_length=2,
        required=False,
        custom_id="duration",
    )

    def __init__(self, desk: RequestDesk, images: list[discord.Attachment]) -> None:
        super().__init__()
        self.desk = desk
        self.images = images

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Queue a video from the message's images and the typed prompt."""
        await self.desk.begin(interaction)
        duration = parse_duration(self.duration.value)
        names = ["image"] if len(self.images) == 1 else [f"image {i}" for i in range(1, len(self.images) + 1)]
        prepared = await read_images(dict(zip(names, self.images, strict=True)))
        data = [prepared[name].data for name in names]
        request: TaskRequest
        if len(data) == 1:
            request = ImageToVideoRequest(
                image=data[0], prompt=self.prompt.value, negative_prompt=self.negative_prompt.value,
                duration=duration,
            )  # fmt: skip
        else:
            request = MultiImageToVideoRequest(
                image_list=tuple(data), prompt=self.prompt.value, negative_prompt=self.negative_prompt.value,
                duration=duration,
            )  # fmt: skip
        await self.desk.submit(interaction, request, notes=notes_of(prepared))

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Show what went wrong, privately."""
        await report(interaction, error)


class MakeVideoMenu(commands.Cog):
    """Registers the "Make video" message command."""

    def __init__(self, bot: commands.Bot, desk: RequestDesk) -> None:
        self.bot = bot
        self.desk = desk
        self.menu = app_commands.ContextMenu(name="Make video", callback=self.make_video)
        self.menu.guild_only = True
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Take the command off the tree."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def make_video(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Open the prompt form for a message's images."""
        images = images_in(message)
        if not images:
            await reply_private(interaction, "That message has no images to animate.")
            return
        if len(images) > MAX_IMAGES:
            await reply_private(interaction, f"That message has {len(images)} images; I can use at most {MAX_IMAGES}.")
            return
        await interaction.response.send_modal(MakeVideoModal(self.desk, images))
