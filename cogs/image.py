"""`/image create` (text → 1–9 images, optionally from a reference), `/image compose` (1–4 subjects) and
`/image tryon` (a person in a garment)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.discord.desk import RequestDesk
from bot.discord.intake import notes_of, read_images
from bot.kling.models import MultiImageToImageRequest, TextToImageRequest, TryOnRequest
from bot.kling.provider import ProviderClient
from bot.vocabulary import TaskKind
from cogs.options import IMAGE_RATIO_CHOICES, PRESET, Choice, Name, OptionalPrompt, Prompt, model_choices, options_given

RESOLUTION_CHOICES = [
    app_commands.Choice(name="1K (standard)", value="1k"),
    app_commands.Choice(name="2K (sharper)", value="2k"),
]
Count = app_commands.Range[int, 1, 9]


class ImageCommands(commands.Cog):
    """Make images from a description or from reference images."""

    image = app_commands.Group(name="image", description="Make an image with Kling", guild_only=True)

    def __init__(self, desk: RequestDesk, provider: ProviderClient) -> None:
        self.desk = desk
        self.provider = provider

    async def _create_models(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return model_choices(self.provider, [TaskKind.TEXT_TO_IMAGE], current)

    async def _presets(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return await self.desk.preset_choices(interaction, current)

    @image.command(name="create")
    @app_commands.describe(
        prompt="What the image shows", reference="Optional image to start from",
        count="How many images to make (1–9)", aspect_ratio="Shape of the image (default 1:1)",
        resolution="1K or 2K (default 1K)", negative_prompt="What to avoid (not with a reference image)",
        model="Kling model (default: yours in /settings, else the catalogue's)", preset=PRESET,
    )  # fmt: skip
    @app_commands.choices(aspect_ratio=IMAGE_RATIO_CHOICES, resolution=RESOLUTION_CHOICES)
    @app_commands.autocomplete(model=_create_models, preset=_presets)
    async def create(
        self,
        interaction: discord.Interaction,
        prompt: Prompt,
        reference: discord.Attachment | None = None,
        count: Count = 1,
        aspect_ratio: Choice | None = None,
        resolution: Choice | None = None,
        negative_prompt: OptionalPrompt = "",
        model: Name | None = None,
        preset: Name | None = None,
    ) -> None:
        """Make 1–9 images from a description."""
        await self.desk.begin(interaction)
        images = await read_images({"reference image": reference} if reference else {})
        request = TextToImageRequest(
            prompt=prompt, negative_prompt=negative_prompt, model=model, n=count,
            image=images["reference image"].data if reference else None,
            aspect_ratio=aspect_ratio.value if aspect_ratio else "1:1",
            resolution=resolution.value if resolution else "1k",
        )  # fmt: skip
        typed = options_given(model=model, aspect_ratio=aspect_ratio)
        await self.desk.submit(interaction, request, notes=notes_of(images), given=typed, preset=preset)

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
        count: Count = 1,
        aspect_ratio: Choice | None = None,
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

    @image.command(name="tryon")
    @app_commands.describe(person="A photo of the person", garment="A photo of the garment to put on them")
    async def tryon(
        self, interaction: discord.Interaction, person: discord.Attachment, garment: discord.Attachment
    ) -> None:
        """Dress a person in a garment (virtual try-on)."""
        await self.desk.begin(interaction)
        images = await read_images({"person image": person, "garment image": garment})
        request = TryOnRequest(person=images["person image"].data, garment=images["garment image"].data)
        await self.desk.submit(interaction, request, notes=notes_of(images))


SUBCOMMAND_KINDS = {
    "create": TaskKind.TEXT_TO_IMAGE,
    "compose": TaskKind.MULTI_IMAGE_TO_IMAGE,
    "tryon": TaskKind.TRY_ON,
}


async def setup(bot: KlingBot) -> None:
    """Load the image commands a provider documents (the others are not offered at all)."""
    cog = ImageCommands(bot.desk, bot.provider)
    for name, kind in SUBCOMMAND_KINDS.items():
        if not bot.provider.catalogue.offers(kind, bot.provider.provider):
            cog.image.remove_command(name)
    await bot.add_cog(cog)
