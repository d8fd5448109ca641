"""`/video effect`: one of Kling's effect scenes on one photo, or on two for the two-person scenes."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.desk import RequestDesk
from bot.discord.errors import CommandRefusedError
from bot.discord.intake import notes_of, read_images
from bot.kling.catalogue import EffectSpec
from bot.kling.models import EffectRequest
from bot.kling.provider import ProviderClient
from bot.text import shown
from cogs.options import AUTOCOMPLETE_LIMIT, MODE_CHOICES, Choice, Name, parse_duration, parse_mode

DURATION_CHOICES = [
    app_commands.Choice(name="5 seconds", value="5"),
    app_commands.Choice(name="10 seconds (two-person effects)", value="10"),
]


def effect_choices(effects: tuple[EffectSpec, ...], current: str) -> list[Choice]:
    """Offer the effects whose name or scene contains what was typed (the label shown, the scene sent)."""
    typed = current.strip().lower()
    matching = [e for e in effects if typed in e.label.lower() or typed in e.scene.lower()]
    return [app_commands.Choice(name=shown(e.label, 100), value=e.scene) for e in matching[:AUTOCOMPLETE_LIMIT]]


def find_effect(effects: tuple[EffectSpec, ...], typed: str) -> EffectSpec:
    """Return the effect picked (by scene, or its name typed out), or refuse listing a few there are."""
    key = typed.strip().lower()
    found = next((e for e in effects if key in (e.scene.lower(), e.label.lower())), None)
    if found is None:
        some = ", ".join(e.label.split(":")[0] for e in effects[:5])
        raise CommandRefusedError(
            f"There is no effect called {shown(typed, 40)!r}. Pick one from the list as you type ({some}, …)."
        )
    return found


class EffectCommands(commands.Cog):
    """Kling's effect scenes on members' photos."""

    def __init__(self, desk: RequestDesk, provider: ProviderClient) -> None:
        self.desk = desk
        self.provider = provider

    async def _effects(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return effect_choices(self.provider.catalogue.effects, current)

    @app_commands.command(name="effect")
    @app_commands.describe(
        effect="The effect (start typing to pick one)", image="The photo (person 1 for two-person effects)",
        image2="Person 2, for the two-person effects", mode="Standard or Professional (two-person effects only)",
        duration="Length (10 s on the two-person effects only)",
    )  # fmt: skip
    @app_commands.choices(mode=MODE_CHOICES, duration=DURATION_CHOICES)
    @app_commands.autocomplete(effect=_effects)
    async def effect(
        self,
        interaction: discord.Interaction,
        effect: Name,
        image: discord.Attachment,
        image2: discord.Attachment | None = None,
        mode: Choice | None = None,
        duration: Choice | None = None,
    ) -> None:
        """Turn a photo into a short effect video."""
        await self.desk.begin(interaction)
        spec = find_effect(self.provider.catalogue.effects, effect)
        if spec.people == 2 and image2 is None:
            raise CommandRefusedError(
                f"{spec.label} needs two photos, one of each person: attach the second person as `image2`."
            )
        if spec.people == 1 and image2 is not None:
            raise CommandRefusedError(
                f"{spec.label} takes one photo; leave `image2` out (it is for two-person effects)."
            )
        named = {"image": image} if image2 is None else {"person 1": image, "person 2": image2}
        images = await read_images(named)
        request = EffectRequest(
            scene=spec.scene,
            image_list=tuple(prepared.data for prepared in images.values()),
            mode=parse_mode(mode.value if mode else None),
            duration=parse_duration(duration.value if duration else None),
        )
        await self.desk.submit(interaction, request, notes=notes_of(images))
