"""A finished result as a media card: a Components V2 layout with the video or images, what was asked, the buttons."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import discord

from bot.discord.embeds import SUCCESS_COLOUR, Price, fit, parameters_of, prompt_of, title_of
from bot.discord.files import ResultFiles
from db.models import TaskRecord

# Discord's documented limits on a Components V2 message.
GALLERY_MAX = 10  # items in one media gallery (at least 1)
TEXT_MAX = 4000  # characters over every text display of the message
BUTTONS_PER_ROW = 5
PROMPT_LABEL = "**Prompt**\n"
VALUE_MAX = 100  # a parameter's value, as in the classic embed


class ResultCard(discord.ui.LayoutView):
    """A result's card. Clicks are handled by the bot's registered `TaskButton` (matched by custom_id, so they
    work after restarts); like `ResultButtons`, this layout is never stored, so it can't shadow that class.
    """

    def is_dispatchable(self) -> bool:
        """Return False: discord.py then sends the components without listening on them itself."""
        return False


def fits_a_card(files: ResultFiles) -> bool:
    """Return whether the result's files can be a card's gallery: uploaded (or re-encoded), 1–10 of them, no link."""
    return files.route in ("upload", "reencode") and 0 < len(files.paths) <= GALLERY_MAX and not files.links


def build_card(
    task: TaskRecord, files: ResultFiles, buttons: Sequence[discord.ui.Item[Any]], *,
    headline: str, marker: str, price: Price | None,
) -> ResultCard:  # fmt: skip
    """Return the card: a heading with the mention, the gallery, the prompt, the details, the marker, the buttons.

    Raises ValueError where discord.py finds the layout over Discord's limits (the caller posts the classic message).
    """
    header = f"### {title_of(task)}\n{headline}"
    details = details_of(task, files.note, price)
    budget = TEXT_MAX - len(header) - len(details) - len(marker) - len(PROMPT_LABEL)
    prompt = PROMPT_LABEL + prompt_of(task, budget)  # all the room Discord leaves: a whole prompt, unless escaped
    gallery: discord.ui.MediaGallery[ResultCard] = discord.ui.MediaGallery(
        *(discord.MediaGalleryItem(f"attachment://{path.name}") for path in files.paths)
    )
    container: discord.ui.Container[ResultCard] = discord.ui.Container(accent_colour=SUCCESS_COLOUR)
    container.add_item(discord.ui.TextDisplay(header))
    container.add_item(gallery)
    for text in (prompt, details, marker):
        if text:  # Discord refuses an empty text display
            container.add_item(discord.ui.TextDisplay(text))
    for row in rows_of(buttons):
        container.add_item(discord.ui.ActionRow(*row))
    card = ResultCard(timeout=None)
    card.add_item(container)
    return card


def rows_of(buttons: Sequence[discord.ui.Item[Any]]) -> list[list[discord.ui.Item[Any]]]:
    """Return the buttons in rows as the classic view lays them out: by the row each names, five at most a row."""
    rows: list[list[discord.ui.Item[Any]]] = []
    for item in sorted(buttons, key=lambda item: (item.row is None, item.row or 0)):  # stable: order kept in a row
        if rows and len(rows[-1]) < BUTTONS_PER_ROW and rows[-1][0].row == item.row:
            rows[-1].append(item)
        else:
            rows.append([item])
    return rows


def details_of(task: TaskRecord, note: str | None, price: Price | None) -> str:
    """Return the parameters and the cost on one line, and the note (re-encoded, say) in small print beneath."""
    parts = [f"**{label}** {fit(value, VALUE_MAX)}" for label, value in parameters_of(task)]
    units = task.units_charged
    if units is not None:
        money = f" ({price(units)})" if price is not None and units else ""
        parts.append(f"**Cost** {units} units{money}")
    lines = [" · ".join(parts)] if parts else []
    if note:
        lines.append(f"-# {fit(note)}")
    return "\n".join(lines)


def texts_of(message: discord.Message) -> list[str]:
    """Return the text displays of a Components V2 message, nested ones included, in order."""
    return list(_walk(message.components))


def _walk(components: Sequence[Any]) -> Iterator[str]:
    for component in components:
        if isinstance(component, discord.TextDisplay):
            yield component.content
        elif isinstance(component, discord.Container | discord.SectionComponent):
            yield from _walk(component.children)
