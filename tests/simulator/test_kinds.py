"""The simulator speaks every request Kling takes: sound, 3–15 s, storyboards, text → image, effects, lip sync…"""

from __future__ import annotations

import array
import io
import json
import math
import wave
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops, ImageStat

from bot.kling.catalogue import load_catalogue
from bot.kling.errors import NoFaceError, VideoUnavailableError
from bot.kling.limits import audio_format
from bot.kling.models import (
    EffectRequest,
    ImageToVideoRequest,
    KlingTask,
    LipSyncRequest,
    Shot,
    TaskRequest,
    TaskStatus,
    TextToImageRequest,
    TextToVideoRequest,
    TryOnRequest,
)
from bot.simulator.jobs import split_prompt
from bot.simulator.lipsync import render_lip_sync
from bot.simulator.provider import SimulatedProvider
from bot.simulator.render import render_video, video_size
from tests.fake_kling import ManualClock
from tests.simulator.test_render import picture

SECONDS = 5.0
DAY = 86_400


class Sim:
    """A simulator over a manual clock, with helpers to run a request to its files."""

    def __init__(self, root: Path) -> None:
        self.clock = ManualClock()
        self.root = root
        self.provider = SimulatedProvider(root / "sim", load_catalogue(), seconds=SECONDS, clock=self.clock.now)
        self._made = 0

    async def run(self, request: TaskRequest) -> KlingTask:
        """Create the task, let its time pass, and return it finished."""
        self._made += 1
        created = await self.provider.create(request, external_task_id=f"ours-{self._made}")
        assert created.status is TaskStatus.SUBMITTED
        self.clock.advance(SECONDS)
        done = await self.provider.get(request.kind, created.task_id)
        assert done.status is TaskStatus.SUCCEEDED, done.failure_reason
        return done

    async def files(self, task: KlingTask) -> list[Path]:
        """Download every result of `task` and return the local paths, videos first."""
        paths = []
        for number, url in enumerate(task.result_urls):
            dest = self.root / "out" / task.task_id / f"{number}{Path(url).suffix}"
            await self.provider.download(url, dest)
            paths.append(dest)
        return paths


@pytest.fixture
def sim(tmp_path: Path) -> Sim:
    """A fresh simulator in its own folder."""
    return Sim(tmp_path)


def streams(path: Path) -> dict[str, float]:
    """Return the length in seconds of each stream type in the MP4 (video, audio)."""
    with av.open(str(path)) as container:
        return {
            stream.type: float(stream.duration * stream.time_base)
            for stream in container.streams
            if stream.duration is not None and stream.time_base is not None
        }


def speech_wav(seconds: float, rate: int = 16_000) -> bytes:
    """Return a mono 16-bit WAV of a syllable-like tone: 220 Hz, loud and soft four times a second."""
    samples = array.array("h")
    for index in range(int(seconds * rate)):
        t = index / rate
        envelope = abs(math.sin(math.pi * 4 * t))
        samples.append(round(12_000 * envelope * math.sin(2 * math.pi * 220 * t)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def frames_of(path: Path) -> list[Image.Image]:
    """Decode every frame of the MP4's video."""
    with av.open(str(path)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]


def differ(first: Image.Image, second: Image.Image) -> float:
    """Return how different two frames are, on average per channel value."""
    return float(ImageStat.Stat(ImageChops.difference(first, second)).mean[0])


# --- sound and durations ----------------------------------------------------------------------------------


async def test_sound_adds_an_audio_track_as_long_as_the_video(sim: Sim) -> None:
    """kling-v3 with sound: the MP4 has an AAC track lasting the clip; without sound there is none."""
    loud = await sim.run(TextToVideoRequest(prompt="a drummer on a rooftop", duration="3", sound=True))
    [path] = await sim.files(loud)
    lengths = streams(path)
    assert lengths["video"] == pytest.approx(3, abs=0.1)
    assert lengths["audio"] == pytest.approx(3, abs=0.1)
    with av.open(str(path)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.streams.video[0].codec_context.name == "h264"
    quiet = await sim.run(TextToVideoRequest(prompt="a drummer on a rooftop", duration="3"))
    [path] = await sim.files(quiet)
    assert "audio" not in streams(path)


async def test_image_to_video_with_sound(sim: Sim) -> None:
    """An image with sound on (kling-v3) makes a clip of the image's shape with audio."""
    task = await sim.run(ImageToVideoRequest(image=picture(0, (480, 640)), prompt="wind", duration="4", sound=True))
    [path] = await sim.files(task)
    assert streams(path)["audio"] == pytest.approx(4, abs=0.1)
    with av.open(str(path)) as container:
        video = container.streams.video[0].codec_context
        assert video.height > video.width


@pytest.mark.parametrize("seconds", [3, 15])
async def test_every_kling_v3_duration_renders(sim: Sim, seconds: int) -> None:
    """3 s and 15 s both render to their length; the 15 s clip is drawn smaller so it stays cheap."""
    task = await sim.run(TextToVideoRequest(prompt="a slow sunrise", duration=str(seconds)))
    [path] = await sim.files(task)
    assert streams(path)["video"] == pytest.approx(seconds, abs=0.1)
    assert task.videos[0].duration == pytest.approx(seconds, abs=0.1)
    with av.open(str(path)) as container:
        video = container.streams.video[0].codec_context
        assert (video.width, video.height) == video_size("16:9", seconds)
    assert video_size("16:9", 15) < video_size("16:9", 10) == (854, 480)


# --- storyboards --------------------------------------------------------------------------------------------


async def test_custom_storyboard_cuts_once_per_shot_and_lasts_their_sum(sim: Sim) -> None:
    """Three shots of 1, 2 and 1 s make a 4 s video with a hard cut at 1 s and at 3 s."""
    shots = (Shot(prompt="a door opens", duration=1), Shot(prompt="a cat walks in", duration=2))
    shots += (Shot(prompt="the cat sits", duration=1),)
    request = TextToVideoRequest(shot_type="customize", shots=shots, duration="4", sound=True)
    [path] = await sim.files(await sim.run(request))
    lengths = streams(path)
    assert lengths["video"] == pytest.approx(4, abs=0.05)
    assert lengths["audio"] == pytest.approx(4, abs=0.1)
    frames = frames_of(path)
    assert len(frames) == 4 * 12
    steps = [differ(frames[i - 1], frames[i]) for i in range(1, len(frames))]
    cuts = sorted(range(1, len(frames)), key=lambda i: steps[i - 1], reverse=True)[:2]
    assert sorted(cuts) == [12, 36], "the biggest jumps between frames should be the two cuts"


async def test_intelligent_storyboard_splits_the_prompt_by_sentences(sim: Sim) -> None:
    """Kling splits the prompt itself: the simulator cuts it into 2–3 shots by sentence, lasting the duration."""
    prompt = "A knight rides out at dawn. The castle burns behind him. He never looks back."
    request = TextToVideoRequest(prompt=prompt, shot_type="intelligence", duration="7")
    [path] = await sim.files(await sim.run(request))
    assert streams(path)["video"] == pytest.approx(7, abs=0.05)


def test_split_prompt() -> None:
    """Sentences first, then clauses, then words; seconds shared out with the odd ones first."""
    assert split_prompt("One. Two. Three. Four.", 10) == [("One.", 4), ("Two.", 3), ("Three. Four.", 3)]
    assert split_prompt("Go! Now?", 3) == [("Go!", 2), ("Now?", 1)]
    assert split_prompt("a red fox, a grey wolf", 5) == [("a red fox,", 3), ("a grey wolf", 2)]
    assert split_prompt("a fox jumps high", 3) == [("a fox", 2), ("jumps high", 1)]
    assert split_prompt("fox", 4) == [("fox", 2), ("fox", 2)]


# --- images -----------------------------------------------------------------------------------------------------


async def test_text_to_image_makes_n_images_of_the_aspect_ratio(sim: Sim) -> None:
    """n=9 gives nine distinct PNGs indexed 0–8 in 3:2; 2k images are larger than 1k ones."""
    task = await sim.run(TextToImageRequest(prompt="a lighthouse in a storm", n=9, aspect_ratio="3:2"))
    assert [image.index for image in task.images] == list(range(9))
    assert task.videos == ()
    paths = await sim.files(task)
    digests = set()
    for path in paths:
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert abs(image.width * 2 - image.height * 3) <= 3
            small = image.size
            digests.add(image.tobytes())
    assert len(digests) == 9
    big = await sim.run(TextToImageRequest(prompt="a lighthouse in a storm", aspect_ratio="3:2", resolution="2k"))
    [path] = await sim.files(big)
    with Image.open(path) as image:
        assert image.width > small[0]
        assert image.height > small[1]


async def test_text_to_image_uses_the_reference_image(sim: Sim) -> None:
    """A reference image shows through: the result differs from the same prompt without it."""
    plain = await sim.run(TextToImageRequest(prompt="a portrait", aspect_ratio="1:1"))
    guided = await sim.run(TextToImageRequest(prompt="a portrait", image=picture(2), aspect_ratio="1:1"))
    [without] = await sim.files(plain)
    [with_reference] = await sim.files(guided)
    with Image.open(without) as first, Image.open(with_reference) as second:
        assert first.size == second.size
        assert differ(first.convert("RGB"), second.convert("RGB")) > 10


async def test_try_on_makes_one_image_of_the_person(sim: Sim) -> None:
    """One PNG, shaped like the person's photo, with the garment visibly laid over it."""
    person = picture(0, (600, 800))
    task = await sim.run(TryOnRequest(person=person, garment=picture(3, (500, 500), fmt="PNG")))
    assert [image.index for image in task.images] == [0]
    assert task.videos == ()
    [path] = await sim.files(task)
    with Image.open(path) as image, Image.open(io.BytesIO(person)) as original:
        assert image.format == "PNG"
        assert abs(image.width * 4 - image.height * 3) <= 4
        look = image.convert("RGB").resize(original.size)
        middle = (200, 280, 400, 480)  # where the garment goes
        assert differ(look.crop(middle), original.convert("RGB").crop(middle)) > 10


# --- effects ---------------------------------------------------------------------------------------------------


async def test_two_person_effect_moves_the_photos_together(sim: Sim) -> None:
    """hug with two photos: a 5 s 16:9 clip whose two halves change as the people meet."""
    task = await sim.run(EffectRequest(scene="hug", image_list=(picture(0), picture(1, fmt="PNG"))))
    [path] = await sim.files(task)
    assert streams(path)["video"] == pytest.approx(5, abs=0.05)
    assert "audio" not in streams(path)
    frames = frames_of(path)
    assert frames[0].width > frames[0].height
    assert differ(frames[0], frames[len(frames) // 2]) > 5


@pytest.mark.parametrize("scene", ["squish", "expansion", "bloombloom", "dizzydizzy", "fuzzyfuzzy"])
async def test_single_photo_effects_visibly_change_the_photo(sim: Sim, scene: str) -> None:
    """Each single-photo scene moves: some frame differs clearly from the first."""
    task = await sim.run(EffectRequest(scene=scene, image_list=(picture(2, (640, 640)),)))
    [path] = await sim.files(task)
    frames = frames_of(path)
    assert frames[0].size == (480, 480)
    assert max(differ(frames[0], frame) for frame in frames[::6]) > 3


# --- lip sync ------------------------------------------------------------------------------------------------


async def test_video_ids_are_unique_and_name_the_task(sim: Sim) -> None:
    """Every simulated video's id is "<task id>-<index>"; two tasks never share one."""
    first = await sim.run(TextToVideoRequest(prompt="one", duration="3"))
    second = await sim.run(TextToVideoRequest(prompt="two", duration="3"))
    assert first.videos[0].id == f"{first.task_id}-0"
    assert second.videos[0].id == f"{second.task_id}-0"
    assert first.videos[0].id != second.videos[0].id


async def test_lip_sync_speaks_the_wav_over_the_source_video(sim: Sim) -> None:
    """A 3 s WAV over a 5 s simulated video: 3 s of the video's frames, a moving mouth, the WAV as sound."""
    source = await sim.run(TextToVideoRequest(prompt="a news anchor talks", duration="5"))
    [source_path] = await sim.files(source)
    request = LipSyncRequest(video_id=source.videos[0].id, audio=speech_wav(3.0), audio_format="wav", audio_seconds=3.0)
    task = await sim.run(request)
    assert task.videos[0].id == f"{task.task_id}-0"
    [path] = await sim.files(task)
    lengths = streams(path)
    assert lengths["video"] == pytest.approx(3, abs=0.1)
    assert lengths["audio"] == pytest.approx(3, abs=0.1)
    synced, original = frames_of(path), frames_of(source_path)
    assert synced[0].size == original[0].size
    width, height = synced[0].size
    mouth = (width * 0.4, height * 0.45, width * 0.6, height * 0.65)
    openings = [frame.crop(mouth).convert("L") for frame in synced[:12]]
    assert max(differ(openings[0], other) for other in openings[1:]) > 2, "the mouth should move"
    corner = (0, height // 4, width // 4, height // 2)
    assert differ(synced[6].crop(corner), original[6].crop(corner)) < 8, "away from the mouth it is the source"


async def test_lip_sync_of_a_longer_audio_stops_with_the_video(sim: Sim) -> None:
    """The result lasts min(audio, video): 6 s of sound over a 3 s video gives 3 s."""
    source = await sim.run(TextToVideoRequest(prompt="a singer", duration="3"))
    request = LipSyncRequest(video_id=source.videos[0].id, audio=speech_wav(6.0), audio_format="wav", audio_seconds=6)
    [path] = await sim.files(await sim.run(request))
    lengths = streams(path)
    assert lengths["video"] == pytest.approx(3, abs=0.1)
    assert lengths["audio"] == pytest.approx(3, abs=0.15)


@pytest.mark.parametrize("video_id", ["0.mp4", "nope", "0123456789abcdef0123456789abcdef-0", "../../etc-0"])
async def test_lip_sync_refuses_a_video_it_never_made(sim: Sim, video_id: str) -> None:
    """An unknown id is refused at create, as identify-face would, and no task is made."""
    request = LipSyncRequest(video_id=video_id, audio=speech_wav(2.0), audio_format="wav", audio_seconds=2.0)
    with pytest.raises(VideoUnavailableError, match="never made"):
        await sim.provider.create(request, external_task_id="lip")
    assert await sim.provider.find(request.kind, "lip") is None


async def test_lip_sync_refuses_a_video_over_30_days_old(sim: Sim) -> None:
    """Kling keeps results 30 days; so does the simulator's notion of them."""
    source = await sim.run(TextToVideoRequest(prompt="a speech", duration="3"))
    request = LipSyncRequest(video_id=source.videos[0].id, audio=speech_wav(2.0), audio_format="wav", audio_seconds=2)
    sim.clock.advance(29 * DAY)
    await sim.run(request)  # still fine
    sim.clock.advance(2 * DAY)
    with pytest.raises(VideoUnavailableError, match="30 days"):
        await sim.provider.create(request, external_task_id="too-late")


async def test_lip_sync_refuses_a_video_marked_noface(sim: Sim) -> None:
    """A source made from a prompt containing [noface] has no face to find."""
    source = await sim.run(TextToVideoRequest(prompt="an empty beach [noface]", duration="3"))
    request = LipSyncRequest(video_id=source.videos[0].id, audio=speech_wav(2.0), audio_format="wav", audio_seconds=2)
    with pytest.raises(NoFaceError):
        await sim.provider.create(request, external_task_id="faceless")


async def test_lip_sync_survives_a_restart_and_a_deleted_source(sim: Sim) -> None:
    """The source video is taken at create: deleting the source task later doesn't break the lip sync."""
    source = await sim.run(TextToVideoRequest(prompt="a talk", duration="3"))
    request = LipSyncRequest(video_id=source.videos[0].id, audio=speech_wav(2.0), audio_format="wav", audio_seconds=2)
    created = await sim.provider.create(request, external_task_id="lip")
    for path in (sim.root / "sim" / "tasks" / source.task_id).iterdir():
        path.unlink()
    again = SimulatedProvider(sim.root / "sim", load_catalogue(), seconds=SECONDS, clock=sim.clock.now)
    sim.clock.advance(SECONDS)
    done = await again.get(request.kind, created.task_id)
    assert done.status is TaskStatus.SUCCEEDED
    assert len(done.videos) == 1


async def test_an_undecodable_sound_fails_the_task_with_a_reason(sim: Sim) -> None:
    """A file that looks like a WAV but isn't one fails the task rather than the poll."""
    source = await sim.run(TextToVideoRequest(prompt="a talk", duration="3"))
    broken = b"RIFF\x00\x00\x00\x00WAVE" + bytes(4000)
    request = LipSyncRequest(video_id=source.videos[0].id, audio=broken, audio_format="wav", audio_seconds=2)
    created = await sim.provider.create(request, external_task_id="broken")
    sim.clock.advance(SECONDS)
    done = await sim.provider.get(request.kind, created.task_id)
    assert done.status is TaskStatus.FAILED
    assert done.failure_reason


async def test_folders_written_before_sound_and_storyboards_still_render(sim: Sim) -> None:
    """A task stored by the previous simulator (no sound, no shots in its record) renders after an upgrade."""
    created = await sim.provider.create(TextToVideoRequest(prompt="old", duration="5"), external_task_id="old")
    record = sim.root / "sim" / "tasks" / created.task_id / "task.json"
    meta = json.loads(record.read_text())
    meta["request"] = {"prompt": "old", "duration": "5", "aspect_ratio": "16:9"}
    record.write_text(json.dumps(meta))
    sim.clock.advance(SECONDS)
    done = await sim.provider.get(TextToVideoRequest.kind, created.task_id)
    assert done.status is TaskStatus.SUCCEEDED
    [path] = await sim.files(done)
    assert "audio" not in streams(path)


def speech_mp3(seconds: float, rate: int = 22_050) -> bytes:
    """Return `speech_wav`'s syllables encoded as an MP3 by PyAV."""
    with wave.open(io.BytesIO(speech_wav(seconds, rate))) as source:
        pcm = source.readframes(source.getnframes())
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
        frame.planes[0].update(pcm)
        frame.rate = rate
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buffer.getvalue()


def test_lip_sync_decodes_an_mp3(tmp_path: Path) -> None:
    """An MP3 works like a WAV: decoded by PyAV, re-encoded as the result's AAC track, cut to its length."""
    source = render_video([], "a presenter", seconds=3, aspect_ratio="9:16", dest=tmp_path / "source.mp4")
    sound = speech_mp3(2.5)
    assert audio_format(sound) == "mp3"
    result = render_lip_sync(source, sound, "mp3", dest=tmp_path / "0.mp4")
    lengths = streams(result)
    assert lengths["video"] == pytest.approx(2.5, abs=0.1)
    assert lengths["audio"] == pytest.approx(2.5, abs=0.15)
    with av.open(str(result)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
