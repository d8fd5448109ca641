"""New text for a request run again (Remix): the same images and options, another prompt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.kling.models import Shot


@dataclass(frozen=True)
class Overrides:
    """The texts to change; None keeps the task's own. Nothing else of a request can be changed this way."""

    prompt: str | None = None
    negative_prompt: str | None = None
    shots: tuple[Shot, ...] | None = None  # a storyboard's shots

    def applied_to(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the task's stored parameters with these texts in place of its own."""
        changed = dict(params)
        for name, value in (("prompt", self.prompt), ("negative_prompt", self.negative_prompt)):
            if value is not None:
                changed[name] = value
        if self.shots is not None:
            if "shots" not in params:
                raise ValueError("this request has no shots to change")
            changed["shots"] = [shot.model_dump() for shot in self.shots]
            changed["duration"] = str(sum(shot.duration for shot in self.shots))  # the video is its shots' length
        return changed
