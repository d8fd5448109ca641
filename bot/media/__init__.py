"""Media work off the event loop: user images made fit for Kling, finished videos made fit for Discord."""

from bot.media.errors import IntakeError, VideoTooLarge
from bot.media.intake import PreparedImage, prepare_image, prepare_image_sync
from bot.media.video import FittedVideo, fit_video, poster_frame, probe_video

__all__ = [
    "FittedVideo",
    "IntakeError",
    "PreparedImage",
    "VideoTooLarge",
    "fit_video",
    "poster_frame",
    "prepare_image",
    "prepare_image_sync",
    "probe_video",
]
