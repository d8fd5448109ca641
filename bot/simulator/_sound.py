"""The simulator's sound: a chord whose pitch follows the prompt, or a member's MP3/WAV decoded to plain samples.

Everything is 16-bit mono PCM in memory (`Pcm`); `_output.encode_video` turns it into the MP4's AAC track.
No numpy: one second of a chord is computed in pure Python and looped, which is exact because every
frequency in it is a whole number of hertz.
"""

from __future__ import annotations

import array
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import av

TONE_RATE = 24_000  # plenty for a synthetic chord, and half the work of 48 kHz
VOICE_RATE = 44_100
SAMPLE_BYTES = 2
PEAK = 0.22 * 32_767  # the chord's loudest sample: comfortably below clipping, not startling
EDGE_SECONDS = 0.01  # fade each shot's chord in and out this fast, so cuts don't click
LEVEL_STRIDE = 4  # look at every 4th sample when measuring loudness: enough for a mouth's opening


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit mono samples at `rate`."""

    rate: int
    data: bytes

    @property
    def samples(self) -> int:
        """Return how many samples there are."""
        return len(self.data) // SAMPLE_BYTES

    @property
    def seconds(self) -> float:
        """Return how long the sound lasts."""
        return self.samples / self.rate

    def frame(self, start: int, end: int) -> av.AudioFrame | None:
        """Return samples `start` to `end` as a frame stamped at `start`, or None when none are left."""
        chunk = self.data[start * SAMPLE_BYTES : end * SAMPLE_BYTES]
        if not chunk:
            return None
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // SAMPLE_BYTES)
        frame.planes[0].update(chunk)
        frame.rate = self.rate
        frame.pts, frame.time_base = start, Fraction(1, self.rate)
        return frame


def chord_track(segments: Sequence[tuple[str, int]], rate: int = TONE_RATE) -> Pcm:
    """Return one chord per (prompt, whole seconds) segment, back to back: a soundtrack that follows the shots."""
    data = bytearray()
    for prompt, seconds in segments:
        second = _chord_second(prompt, rate)
        data += _fade_edges(second * seconds, rate)
    return Pcm(rate, bytes(data))


def _chord_second(prompt: str, rate: int) -> array.array[int]:
    """Return one second of a prompt's chord, pulsing gently; it loops seamlessly."""
    digest = hashlib.sha256(prompt.encode()).digest()
    # A major (4:5:6) or minor (10:12:15) triad on a root of 120–220 Hz; whole hertz, so one second loops.
    if digest[0] % 2:
        unit = 30 + digest[1] % 26
        frequencies = (4 * unit, 5 * unit, 6 * unit)
    else:
        unit = 12 + digest[1] % 11
        frequencies = (10 * unit, 12 * unit, 15 * unit)
    beats = 1 + digest[2] % 2  # the swell of the pulse, 1 or 2 per second
    step = 2 * math.pi / rate
    samples = array.array("h")
    for index in range(rate):
        phase = index * step
        tone = sum(math.sin(frequency * phase) for frequency in frequencies) / len(frequencies)
        swell = 0.6 + 0.4 * (0.5 + 0.5 * math.cos(beats * phase))
        samples.append(round(PEAK * swell * tone))
    return samples


def _fade_edges(samples: array.array[int], rate: int) -> bytes:
    edge = min(round(rate * EDGE_SECONDS), len(samples) // 2)
    for index in range(edge):
        gain = index / edge
        samples[index] = round(samples[index] * gain)
        samples[-1 - index] = round(samples[-1 - index] * gain)
    return samples.tobytes()


def decode_audio(data: bytes, audio_format: str, *, max_seconds: float, rate: int = VOICE_RATE) -> Pcm:
    """Decode an MP3 or WAV into mono samples at `rate`, keeping at most its first `max_seconds`."""
    limit = int(rate * max_seconds) * SAMPLE_BYTES
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    out = bytearray()
    with av.open(io.BytesIO(data), "r", format=audio_format) as container:
        if not container.streams.audio:
            raise ValueError(f"the {audio_format} file has no sound in it")
        for frame in container.decode(audio=0):
            for part in resampler.resample(frame):
                out += bytes(part.planes[0])[: part.samples * SAMPLE_BYTES]
            if len(out) >= limit:
                break
        else:
            for part in resampler.resample(None):
                out += bytes(part.planes[0])[: part.samples * SAMPLE_BYTES]
    return Pcm(rate, bytes(out[:limit]))


def loudness(pcm: Pcm, fps: int | Fraction, count: int) -> list[float]:
    """Return how loud each of `count` video frames' spans of `pcm` is, from 0 (silent) to 1 (the loudest)."""
    samples = array.array("h")
    samples.frombytes(pcm.data)
    levels = []
    for index in range(count):
        start, end = (int(pcm.rate * i / fps) for i in (index, index + 1))
        window = samples[start:end:LEVEL_STRIDE]
        levels.append(sum(abs(value) for value in window) / len(window) if window else 0.0)
    loudest = max(levels, default=0.0)
    return [level / loudest if loudest else 0.0 for level in levels]
