"""Re-encode a video frame by frame with PyAV: H.264 at a target bitrate, AAC audio when the source has some."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import av
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.packet import Packet
from av.stream import Stream
from av.video.frame import PictureType
from av.video.stream import VideoStream

log = logging.getLogger(__name__)

X264_PRESET = "veryfast"  # the bot shares a small machine; bitrate, not preset, decides the size
# A tight VBV cap at the average: single-pass ABR alone overshoots short clips by 15-40 % (measured on noise).
MAXRATE_FACTOR = 1.0
BUFFER_SECONDS = 0.5
FALLBACK_FPS = 30


@dataclass(frozen=True)
class EncodePlan:
    """Output size and bitrates for one re-encode; `audio_bitrate` 0 drops the audio."""

    width: int
    height: int
    video_bitrate: int
    audio_bitrate: int

    def scaled(self, factor: float) -> EncodePlan:
        """Return the plan with the video bitrate multiplied by `factor`."""
        return replace(self, video_bitrate=int(self.video_bitrate * factor))


def transcode(source: Path, dest: Path, plan: EncodePlan) -> None:
    """Write `source` re-encoded by `plan` to `dest` as an MP4 that starts playing before it fully loads."""
    with av.open(str(source)) as src, av.open(str(dest), "w", "mp4", options={"movflags": "+faststart"}) as out:
        in_video = src.streams.video[0]
        in_video.thread_type = "AUTO"
        out_video = _add_video(out, in_video, plan)
        in_audio, out_audio = _add_audio(src, out, plan)
        streams = [in_video, in_audio] if in_audio is not None else [in_video]
        for packet in src.demux(streams):
            if packet.stream is in_video:
                _video_packet(out, in_video, out_video, packet, plan)
            elif in_audio is not None and out_audio is not None:
                out_audio = _audio_packet(out, in_audio, out_audio, packet)
        out.mux(out_video.encode(None))
        if out_audio is not None:
            out.mux(out_audio.encode(None))


def _add_video(out: OutputContainer, template: VideoStream, plan: EncodePlan) -> VideoStream:
    options = {
        "preset": X264_PRESET,
        "maxrate": str(int(plan.video_bitrate * MAXRATE_FACTOR)),
        "bufsize": str(int(plan.video_bitrate * BUFFER_SECONDS)),
    }
    stream = out.add_stream("libx264", rate=template.average_rate or FALLBACK_FPS, options=options)
    stream.width, stream.height = plan.width, plan.height
    stream.pix_fmt = "yuv420p"
    stream.bit_rate = plan.video_bitrate
    if template.time_base is not None:
        stream.codec_context.time_base = template.time_base  # keep source timestamps exact, even if variable
    return stream


def _add_audio(
    src: InputContainer, out: OutputContainer, plan: EncodePlan
) -> tuple[AudioStream | None, AudioStream | None]:
    if plan.audio_bitrate == 0 or not src.streams.audio:
        return None, None
    template = src.streams.audio[0]
    try:
        stream = out.add_stream("aac", rate=template.rate or 48_000)
        stream.layout = "stereo" if template.channels >= 2 else "mono"
        stream.bit_rate = plan.audio_bitrate
    except av.error.FFmpegError:
        log.warning("Dropping audio of %s: can't set up an AAC encoder for it", src.name, exc_info=True)
        return None, None
    return template, stream


def _video_packet(
    out: OutputContainer, in_video: VideoStream, out_video: VideoStream, packet: Packet[Stream], plan: EncodePlan
) -> None:
    for frame in in_video.decode(packet):
        frame = frame.reformat(width=plan.width, height=plan.height, format="yuv420p")
        frame.pict_type = PictureType.NONE  # else x264 copies the source's frame types, keyframes included
        out.mux(out_video.encode(frame))


def _audio_packet(
    out: OutputContainer, in_audio: AudioStream, out_audio: AudioStream, packet: Packet[Stream]
) -> AudioStream | None:
    """Re-encode one audio packet; on a codec error, drop the rest of the audio rather than the video."""
    try:
        for frame in in_audio.decode(packet):
            out.mux(out_audio.encode(frame))
    except av.error.FFmpegError:
        log.warning("Dropping the rest of the audio after a codec error", exc_info=True)
        return None
    return out_audio
