"""`/image compose`: 1–4 subjects, optionally in a scene and a style, as new images."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.discord.desk import RequestDesk
from bot.discord.intake import notes_of, read_images
from bot.kling.models import MultiImageToImageRequest
from cogs.options import IMAGE_RATIO_CHOICES, OptionalPrompt


class ImageCommands(commands.Cog):
    """Make images from reference images."""

    image = app_commands.Group(name="image", description="Make an image with Kling", guild_only=True)

    def __init__(self, desk: RequestDesk) -> None:
        self.desk = desk

    @image.command(name="compose")
    @app_commands.describe(
        subject1="The main subject", subject2="Another subject", subject3="Another subject",
        subject4="Another subject", scene="Optional background scene", style="Optional style reference",
        prompt="How to combine them", count="How many images to make (1–9)", aspect_ratio="Shape of the image",
    )  # fmt: skip
    @app_commands.choices(aspect_ratio=IMAGE_RATIO_CHOICES)
    async def compose(
        self,
        interaction: discord.Interaction,
        subject1: discord.Attachment,
        subject2: discord.Attachment | None = None,
        subject3: discord.Attachment | None = None,
        subject4: discord.Attachment | None = None,
        scene: discord.Attachment | None = None,
        style: discord.Attachment | None = None,
        prompt: OptionalPrompt = "",
        count: app_commands.Range[int, 1, 9] = 1,
        aspect_ratio: app_commands.Choice[str] | None = None,
    ) -> None:
        """Compose subjects into new images."""
        await self.desk.begin(interaction)
        subjects = [s for s in (subject1, subject2, subject3, subject4) if s is not None]
        named = {f"subject {i}": s for i, s in enumerate(subjects, start=1)}
        named.update({name: a for name, a in (("scene", scene), ("style", style)) if a is not None})
        images = await read_images(named)
        request = MultiImageToImageRequest(
            subjects=tuple(images[f"subject {i}"].data for i in range(1, len(subjects) + 1)),
            scene=images["scene"].data if scene else None,
            style=images["style"].data if style else None,
            prompt=prompt, n=count, aspect_ratio=aspect_ratio.value if aspect_ratio else "16:9",
        )  # fmt: skip
        await self.desk.submit(interaction, request, notes=notes_of(images))


async def setup(bot: KlingBot) -> None:
    """Load the image commands."""
    await bot.add_cog(ImageCommands(bot.desk))
