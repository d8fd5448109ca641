"""A storyboard's shots as text a member writes: one per line, `4s: what happens` (`/video story`'s form, Remix)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.discord.errors import CommandRefusedError
from bot.kling.models import Shot
from bot.kling.video_rules import MAX_SHOTS, SHOT_PROMPT_MAX
from bot.text import shown

SHOT_LINE = re.compile(r"(?P<seconds>\d{1,3})\s*s?\s*:\s*(?P<prompt>.*)", re.IGNORECASE)
SHOTS_INPUT_MAX = 4000  # Discord's limit for one text input: 6 × 512 characters and the seconds fit
FORMAT = "`4s: what happens` (the seconds, then a colon, then the shot)"


def parse_shots(text: str) -> tuple[Shot, ...]:
    """Read one shot per non-empty line, `<seconds>s: <prompt>`; refuse naming the line and the fix."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise CommandRefusedError(f"Write at least one shot, one per line, as {FORMAT}.")
    if len(lines) > MAX_SHOTS:
        raise CommandRefusedError(
            f"A storyboard has at most {MAX_SHOTS} shots; you wrote {len(lines)} lines. Merge or drop "
            f"{len(lines) - MAX_SHOTS} and send it again."
        )
    shots = []
    for number, line in lines:
        match = SHOT_LINE.fullmatch(line)
        if match is None:
            raise CommandRefusedError(f"Line {number} ({shown(line, 40)!r}) isn't a shot: write it as {FORMAT}.")
        seconds, prompt = int(match["seconds"]), match["prompt"].strip()
        if seconds < 1:
            raise CommandRefusedError(f"Line {number}: a shot lasts at least 1 second.")
        if not prompt:
            raise CommandRefusedError(f"Line {number} gives {seconds} s but no shot: say what happens after the colon.")
        if len(prompt) > SHOT_PROMPT_MAX:
            raise CommandRefusedError(
                f"Line {number}'s shot is {len(prompt)} characters; a shot takes at most {SHOT_PROMPT_MAX}. "
                "Shorten it, or split it into two shots."
            )
        shots.append(Shot(prompt=prompt, duration=seconds))
    return tuple(shots)


def shot_lines(shots: Iterable[dict[str, Any]]) -> str:
    """Return stored shots as the lines `parse_shots` reads back."""
    return "\n".join(f"{shot['duration']}s: {shot['prompt']}" for shot in shots)
