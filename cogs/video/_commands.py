"""`/video animate`, `/video blend`, `/video text`; mode, duration and sound choices follow the model typed."""

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
    PRESET,
    VIDEO_RATIO_CHOICES,
    Choice,
    Name,
    OptionalPrompt,
    Prompt,
    Seconds,
    chosen_spec,
    duration_choices,
    mode_choices,
    model_choices,
    options_given,
    parse_duration,
    parse_mode,
    parse_sound,
    sound_choices,
)

COMMON = {
    "prompt": "What should happen in the video",
    "negative_prompt": "What to avoid",
    "model": "Kling model (default: yours in /settings, else the server's)",
    "mode": "Standard or Professional (the list shows each price)",
    "duration": "Length in seconds (the list shows what this model makes, and each price)",
    "preset": PRESET,
}
SOUND = "Native sound, on models that make it (the list shows the price)"


def _common(
    prompt: str, negative_prompt: str, model: str | None, mode: str | None, duration: str | None
) -> dict[str, Any]:
    """Return the request fields every video command shares, read strictly."""
    return {
        "prompt": prompt,
        "negative_prompt": negative_prompt,
        "model": model,
        "mode": parse_mode(mode),
        "duration": parse_duration(duration),
    }


class VideoCommands(commands.Cog):
    """Make videos from images or text."""

    video = app_commands.Group(name="video", description="Make a video with Kling", guild_only=True)

    def __init__(self, desk: RequestDesk, provider: ProviderClient) -> None:
        self.desk = desk
        self.provider = provider

    async def _spec(self, interaction: discord.Interaction, kind: TaskKind) -> Any:
        model = getattr(interaction.namespace, "model", None)
        if not model:
            model = await self.desk.default_model(interaction.guild_id, kind, interaction.user.id)
        return chosen_spec(self.provider, kind, model)

    # --- autocompletes: each reads the options already filled in ---------------------------------------

    async def _presets(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return await self.desk.preset_choices(interaction, current)

    async def _animate_models(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return model_choices(self.provider, [TaskKind.IMAGE_TO_VIDEO], current)

    async def _blend_models(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return model_choices(self.provider, [TaskKind.MULTI_IMAGE_TO_VIDEO], current)

    async def _text_models(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return model_choices(self.provider, [TaskKind.TEXT_TO_VIDEO], current)

    async def _animate_durations(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        spec = await self._spec(interaction, TaskKind.IMAGE_TO_VIDEO)
        return duration_choices(spec, interaction.namespace, current)

    async def _blend_durations(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        spec = await self._spec(interaction, TaskKind.MULTI_IMAGE_TO_VIDEO)
        return duration_choices(spec, interaction.namespace, current)

    async def _text_durations(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        spec = await self._spec(interaction, TaskKind.TEXT_TO_VIDEO)
        return duration_choices(spec, interaction.namespace, current)

    async def _animate_modes(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return mode_choices(await self._spec(interaction, TaskKind.IMAGE_TO_VIDEO), interaction.namespace)

    async def _blend_modes(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return mode_choices(await self._spec(interaction, TaskKind.MULTI_IMAGE_TO_VIDEO), interaction.namespace)

    async def _text_modes(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return mode_choices(await self._spec(interaction, TaskKind.TEXT_TO_VIDEO), interaction.namespace)

    async def _animate_sound(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return sound_choices(await self._spec(interaction, TaskKind.IMAGE_TO_VIDEO), interaction.namespace)

    async def _text_sound(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return sound_choices(await self._spec(interaction, TaskKind.TEXT_TO_VIDEO), interaction.namespace)

    # --- commands ---------------------------------------------------------------------------------------

    @video.command(name="animate")
    @app_commands.describe(
        image="The first frame", end_image="Optional last frame", cfg_scale="How strictly to follow the prompt (0–1)",
        sound=SOUND, **COMMON,
    )  # fmt: skip
    @app_commands.autocomplete(
        model=_animate_models, mode=_animate_modes, duration=_animate_durations, sound=_animate_sound,
        preset=_presets,
    )  # fmt: skip
    async def animate(
        self,
        interaction: discord.Interaction,
        image: discord.Attachment,
        prompt: Prompt,
        end_image: discord.Attachment | None = None,
        negative_prompt: OptionalPrompt = "",
        model: Name | None = None,
        mode: Name | None = None,
        duration: Seconds | None = None,
        sound: Name | None = None,
        cfg_scale: app_commands.Range[float, 0.0, 1.0] | None = None,
        preset: Name | None = None,
    ) -> None:
        """Animate an image into a video."""
        await self.desk.begin(interaction)
        fields = _common(prompt, negative_prompt, model, mode, duration)
        attachments = {"image": image, **({"end image": end_image} if end_image else {})}
        images = await read_images(attachments)
        request = ImageToVideoRequest(
            image=images["image"].data,
            image_tail=images["end image"].data if end_image else None,
            cfg_scale=cfg_scale,
            sound=parse_sound(sound),
            **fields,
        )
        typed = options_given(model=model, mode=mode, duration=duration, sound=sound)
        await self.desk.submit(interaction, request, notes=notes_of(images), given=typed, preset=preset)

    @video.command(name="blend")
    @app_commands.describe(
        image1="First reference image", image2="Second reference image", image3="Optional third image",
        image4="Optional fourth image", aspect_ratio="Shape of the video", **COMMON,
    )  # fmt: skip
    @app_commands.choices(aspect_ratio=VIDEO_RATIO_CHOICES)
    @app_commands.autocomplete(model=_blend_models, mode=_blend_modes, duration=_blend_durations, preset=_presets)
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
        mode: Name | None = None,
        duration: Seconds | None = None,
        aspect_ratio: Choice | None = None,
        preset: Name | None = None,
    ) -> None:
        """Blend 2–4 images into one video."""
        await self.desk.begin(interaction)
        fields = _common(prompt, negative_prompt, model, mode, duration)
        given = [image1, image2, image3, image4]
        images = await read_images({f"image {i}": a for i, a in enumerate(given, start=1) if a is not None})
        request = MultiImageToVideoRequest(
            image_list=tuple(image.data for image in images.values()),
            aspect_ratio=aspect_ratio.value if aspect_ratio else "16:9",
            **fields,
        )
        typed = options_given(model=model, mode=mode, duration=duration, aspect_ratio=aspect_ratio)
        await self.desk.submit(interaction, request, notes=notes_of(images), given=typed, preset=preset)

    @video.command(name="text")
    @app_commands.describe(aspect_ratio="Shape of the video", sound=SOUND, **COMMON)
    @app_commands.choices(aspect_ratio=VIDEO_RATIO_CHOICES)
    @app_commands.autocomplete(
        model=_text_models, mode=_text_modes, duration=_text_durations, sound=_text_sound, preset=_presets
    )
    async def text(
        self,
        interaction: discord.Interaction,
        prompt: Prompt,
        negative_prompt: OptionalPrompt = "",
        model: Name | None = None,
        mode: Name | None = None,
        duration: Seconds | None = None,
        sound: Name | None = None,
        aspect_ratio: Choice | None = None,
        preset: Name | None = None,
    ) -> None:
        """Make a video from a description."""
        await self.desk.begin(interaction)
        request = TextToVideoRequest(
            aspect_ratio=aspect_ratio.value if aspect_ratio else "16:9",
            sound=parse_sound(sound),
            **_common(prompt, negative_prompt, model, mode, duration),
        )
        typed = options_given(model=model, mode=mode, duration=duration, sound=sound, aspect_ratio=aspect_ratio)
        await self.desk.submit(interaction, request, given=typed, preset=preset)
