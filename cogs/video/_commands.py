"""`/video animate`, `/video blend`, `/video text`."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.desk import RequestDesk
from bot.discord.intake import notes_of, read_images
from bot.kling.models import ImageToVideoRequest, MultiImageToVideoRequest, TextToVideoRequest
from bot.kling.provider import ProviderClient
from bot.vocabulary import TaskKind
from cogs.options import (
    DURATION_CHOICES,
    MODE_CHOICES,
    VIDEO_RATIO_CHOICES,
    Name,
    OptionalPrompt,
    Prompt,
    model_choices,
)

COMMON = {
    "prompt": "What should happen in the video",
    "negative_prompt": "What to avoid",
    "model": "Kling model (default: the server's choice)",
    "mode": "Standard or professional quality",
    "duration": "Video length",
}


def _value(choice: app_commands.Choice[str] | None) -> Any:
    return choice.value if choice is not None else None


def _common(
    prompt: str,
    negative_prompt: str,
    model: str | None,
    mode: app_commands.Choice[str] | None,
    duration: app_commands.Choice[str] | None,
) -> dict[str, Any]:
    """Return the request fields every video command shares."""
    return {
        "prompt": prompt,
        "negative_prompt": negative_prompt,
        "model": model,
        "mode": _value(mode),
        "duration": _value(duration) or "5",
    }


class VideoCommands(commands.Cog):
    """Make videos from images or text."""

    video = app_commands.Group(name="video", description="Make a video with Kling", guild_only=True)

    def __init__(self, desk: RequestDesk, provider: ProviderClient) -> None:
        self.desk = desk
        self.provider = provider

    async def _animate_models(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return model_choices(self.provider, [TaskKind.IMAGE_TO_VIDEO], current)

    async def _blend_models(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return model_choices(self.provider, [TaskKind.MULTI_IMAGE_TO_VIDEO], current)

    async def _text_models(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return model_choices(self.provider, [TaskKind.TEXT_TO_VIDEO], current)

    @video.command(name="animate")
    @app_commands.describe(
        image="The first frame", end_image="Optional last frame", cfg_scale="How strictly to follow the prompt (0–1)",
        **COMMON,
    )  # fmt: skip
    @app_commands.choices(mode=MODE_CHOICES, duration=DURATION_CHOICES)
    @app_commands.autocomplete(model=_animate_models)
    async def animate(
        self,
        interaction: discord.Interaction,
        image: discord.Attachment,
        prompt: Prompt,
        end_image: discord.Attachment | None = None,
        negative_prompt: OptionalPrompt = "",
        model: Name | None = None,
        mode: app_commands.Choice[str] | None = None,
        duration: app_commands.Choice[str] | None = None,
        cfg_scale: app_commands.Range[float, 0.0, 1.0] | None = None,
    ) -> None:
        """Animate an image into a video."""
        await self.desk.begin(interaction)
        attachments = {"image": image, **({"end image": end_image} if end_image else {})}
        images = await read_images(attachments)
        request = ImageToVideoRequest(
            image=images["image"].data,
            image_tail=images["end image"].data if end_image else None,
            cfg_scale=cfg_scale,
            **_common(prompt, negative_prompt, model, mode, duration),
        )
        await self.desk.submit(interaction, request, notes=notes_of(images))

    @video.command(name="blend")
    @app_commands.describe(
        image1="First reference image", image2="Second reference image", image3="Optional third image",
        image4="Optional fourth image", aspect_ratio="Shape of the video", **COMMON,
    )  # fmt: skip
    @app_commands.choices(mode=MODE_CHOICES, duration=DURATION_CHOICES, aspect_ratio=VIDEO_RATIO_CHOICES)
    @app_commands.autocomplete(model=_blend_models)
    async def blend(
        self,
        interaction: discord.Interaction,
        image1: discord.Attachment,
        image2: discord.Attachment,
        prompt: Prompt,
        image3: discord.Attachment | None = None,
        image4: discord.Attachment | None = None,
        negative_prompt: OptionalPrompt = "",
        model: Name | None = None,
        mode: app_commands.Choice[str] | None = None,
        duration: app_commands.Choice[str] | None = None,
        aspect_ratio: app_commands.Choice[str] | None = None,
    ) -> None:
        """Blend 2–4 images into one video."""
        await self.desk.begin(interaction)
        given = [image1, image2, image3, image4]
        images = await read_images({f"image {i}": a for i, a in enumerate(given, start=1) if a is not None})
        request = MultiImageToVideoRequest(
            image_list=tuple(image.data for image in images.values()),
            aspect_ratio=_value(aspect_ratio) or "16:9",
            **_common(prompt, negative_prompt, model, mode, duration),
        )
        await self.desk.submit(interaction, request, notes=notes_of(images))

    @video.command(name="text")
    @app_commands.describe(aspect_ratio="Shape of the video", **COMMON)
    @app_commands.choices(mode=MODE_CHOICES, duration=DURATION_CHOICES, aspect_ratio=VIDEO_RATIO_CHOICES)
    @app_commands.autocomplete(model=_text_models)
    async def text(
        self,
        interaction: discord.Interaction,
        prompt: Prompt,
        negative_prompt: OptionalPrompt = "",
        model: Name | None = None,
        mode: app_commands.Choice[str] | None = None,
        duration: app_commands.Choice[str] | None = None,
        aspect_ratio: app_commands.Choice[str] | None = None,
    ) -> None:
        """Make a video from a description."""
        await self.desk.begin(interaction)
        request = TextToVideoRequest(
            aspect_ratio=_value(aspect_ratio) or "16:9", **_common(prompt, negative_prompt, model, mode, duration)
        )
        await self.desk.submit(interaction, request)
