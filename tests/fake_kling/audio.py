"""Checks on a lip-sync `sound_file`: raw base64 of a real mp3/wav/m4a/aac of 2–60 s and ≤ 5 MB.

FULL (artykrd/ai-bot-misha `docs/kling_full.md`, advanced-lip-sync, sound_file): "Supports Base64-encoded audio
or accessible audio URL. Accepted formats: .mp3/.wav/.m4a/.aac (max 5MB)"; "Only supports audio with a duration of
no less than 2 seconds and no more than 60 seconds."
"""

from __future__ import annotations

import base64
import binascii
import io
import struct

import av

from .errors import bad_request

MAX_AUDIO_BYTES = 5 * 1024 * 1024
MIN_AUDIO_MS = 2000
MAX_AUDIO_MS = 60_000


def audio_length_ms(field: str, value: str) -> int | None:
    """Return the length in ms of a base64 `sound_file` (None for a URL, which the fake takes unseen), or raise."""
    if value.startswith(("http://", "https://")):
        return None
    if value.startswith("data:"):
        raise bad_request(f"{field}: Base64 must not include the data: prefix")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"{field} is neither an http(s) URL nor valid Base64") from None
    if len(raw) > MAX_AUDIO_BYTES:
        raise bad_request(f"{field}: audio must not exceed 5MB (got {len(raw)} bytes)")
    kind = sniff(raw)
    if kind is None:
        raise bad_request(f"{field}: only mp3/wav/m4a/aac audio is supported")
    millis = wav_length_ms(raw) if kind == "wav" else _decoded_length_ms(raw)
    if millis is None:
        raise bad_request(f"{field}: {kind} audio could not be decoded")
    if not MIN_AUDIO_MS <= millis <= MAX_AUDIO_MS:
        raise bad_request(f"{field}: audio must last 2 to 60 seconds (got {millis / 1000:.1f} s)")
    return millis


def sniff(raw: bytes) -> str | None:
    """Name the container of `raw` from its first bytes: wav, m4a, aac or mp3 (else None)."""
    if raw[:4] == b"RIFF" and raw[8:12] == b"WAVE":
        return "wav"
    if raw[4:8] == b"ftyp":
        return "m4a"
    if len(raw) >= 2 and raw[0] == 0xFF and raw[1] & 0xF6 == 0xF0:  # ADTS sync word, layer bits 00
        return "aac"
    if raw[:3] == b"ID3" or (len(raw) >= 2 and raw[0] == 0xFF and raw[1] & 0xE0 == 0xE0):  # ID3 tag or frame sync
        return "mp3"
    return None


def wav_length_ms(raw: bytes) -> int | None:
    """Return a WAV's length from its header: the `data` chunk size over the `fmt ` byte rate."""
    offset, byte_rate, data_size = 12, 0, None
    while offset + 8 <= len(raw):
        chunk, size = raw[offset : offset + 4], struct.unpack("<I", raw[offset + 4 : offset + 8])[0]
        if chunk == b"fmt " and size >= 12:
            byte_rate = struct.unpack("<I", raw[offset + 16 : offset + 20])[0]
        elif chunk == b"data":
            data_size = min(size, len(raw) - offset - 8)
            break
        offset += 8 + size + (size & 1)
    if not byte_rate or data_size is None:
        return None
    return round(int(data_size) * 1000 / int(byte_rate))


def _decoded_length_ms(raw: bytes) -> int | None:
    """Return the length PyAV reads for a compressed stream (container duration, else summed frames)."""
    try:
        with av.open(io.BytesIO(raw), mode="r") as container:
            if container.duration:
                return round(container.duration / 1000)  # microseconds (av.time_base)
            stream = container.streams.audio[0]
            samples = sum(int(frame.samples) for frame in container.decode(stream))
            return round(samples * 1000 / stream.rate) if stream.rate else None
    except (av.FFmpegError, IndexError, ValueError):
        return None
