"""Refusals from the media helpers, worded for the Discord user who sent the file."""

from __future__ import annotations


class IntakeError(Exception):
    """An image was refused; `user_message` names the image and the rule."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class VideoTooLarge(Exception):  # noqa: N818 - the name callers already import
    """A video can't be brought under the upload limit at an acceptable quality."""
