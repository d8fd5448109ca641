"""Read the images a user attached and make them ready for Kling (or refuse them, naming which and why)."""

from __future__ import annotations

import asyncio

import discord

from bot.media.intake import IntakeError, PreparedImage, prepare_image

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # refuse before downloading anything bigger


async def read_images(attachments: dict[str, discord.Attachment]) -> dict[str, PreparedImage]:
    """Download (never hand Discord's expiring URLs on) and check every image, in parallel."""
    for name, attachment in attachments.items():
        if attachment.size > MAX_ATTACHMENT_BYTES:
            size = attachment.size / 1024 / 1024
            raise IntakeError(f"The {name} is {size:.1f} MB; upload images up to 25 MB.")

    async def one(name: str, attachment: discord.Attachment) -> tuple[str, PreparedImage]:
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            raise IntakeError(f"I couldn't download the {name} from Discord; please attach it again.") from exc
        return name, await prepare_image(name, data)

    results = await asyncio.gather(*(one(name, attachment) for name, attachment in attachments.items()))
    return dict(results)


def notes_of(images: dict[str, PreparedImage]) -> list[str]:
    """Return what intake fixed silently, image by image, for the confirmation."""
    return [note for image in images.values() for note in image.notes]
