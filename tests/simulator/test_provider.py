"""The simulator is a full provider: the real engine runs every kind through it and gets real files."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PIL import Image

from bot.engine import Engine, Submission
from bot.engine.inputs import InputStore
from bot.engine.results import ResultArchive
from bot.kling.catalogue import load_catalogue
from bot.settings import EngineSettings, QuotaSettings
from bot.simulator.provider import SimulatedProvider
from bot.vocabulary import TaskKind, TaskState
from db import Storage
from tests.engine.harness import RecordingPort
from tests.fake_kling import ManualClock
from tests.kling_requests import IMAGES_MADE, request_of

SECONDS = 5.0
Simulated = tuple[Engine, ManualClock, RecordingPort, SimulatedProvider, Storage]


@pytest.fixture
async def simulated(
    tmp_path: Path, storage: Storage
) -> tuple[Engine, ManualClock, RecordingPort, SimulatedProvider, Storage]:
    """An engine over the simulator, with a recording port, on each storage backend."""
    clock = ManualClock()
    provider = SimulatedProvider(tmp_path / "sim", load_catalogue(), seconds=SECONDS, clock=clock.now)
    port = RecordingPort()
    engine = Engine(
        storage=storage, provider=provider, port=port, inputs=InputStore(tmp_path / "in"),
        archive=ResultArchive(tmp_path / "archive", provider), clock=clock,
        settings=EngineSettings(_env_file=None), quota=QuotaSettings(_env_file=None), callback_base="https://bot.example",
    )  # fmt: skip
    return engine, clock, port, provider, storage


@pytest.mark.parametrize("kind", list(TaskKind))
async def test_every_kind_is_delivered_with_real_media(simulated, kind: TaskKind) -> None:
    """Each kind goes queued -> delivered; videos play, images open (lip sync speaks over a simulated video)."""
    engine, clock, port, provider, storage = simulated
    video_id = ""
    if kind is TaskKind.LIP_SYNC:
        source = await provider.create(request_of(TaskKind.TEXT_TO_VIDEO), external_task_id="source")
        clock.advance(SECONDS)
        video_id = (await provider.get(TaskKind.TEXT_TO_VIDEO, source.task_id)).videos[0].id
    task = await engine.submit(Submission(1, 2, 3, request_of(kind, video_id=video_id)))
    await engine.drain()
    clock.advance(SECONDS + 1)
    await engine.drain()
    done = await storage.tasks.get(task.id)
    assert done is not None
    assert done.state is TaskState.DELIVERED
    assert port.deliveries == {task.id: 1}
    files = [Path(p) for p in port.files[task.id]]
    if not kind.makes_video:
        assert len(files) == IMAGES_MADE[kind]
        assert all(Image.open(path).format == "PNG" for path in files)
    else:
        with av.open(str(files[0])) as container:
            assert container.streams.video[0].codec_context.name == "h264"


async def test_the_simulator_asks_for_no_callbacks_and_survives_a_restart(simulated, tmp_path: Path) -> None:
    """It is polled at its own pace, and a new instance over the same folder knows the old tasks."""
    engine, clock, _, _, storage = simulated
    task = await engine.submit(Submission(1, 2, 3, request_of(TaskKind.TEXT_TO_VIDEO)))
    await engine.drain()
    record = await storage.tasks.get(task.id)
    assert record is not None
    assert record.next_poll_at == pytest.approx(clock.now() + SECONDS)
    again = SimulatedProvider(tmp_path / "sim", load_catalogue(), seconds=SECONDS, clock=clock.now)
    found = await again.find(TaskKind.TEXT_TO_VIDEO, task.id)
    assert found is not None
    assert found.task_id == record.provider_task_id


async def test_downloads_only_its_own_results(simulated, tmp_path: Path) -> None:
    """A URL it did not issue (or one reaching outside its folder) is refused."""
    _, _, _, provider, _ = simulated
    for url in ("https://example.com/x.mp4", "simulator://results/../../etc/passwd", "simulator://results/ab/0.mp4"):
        with pytest.raises(FileNotFoundError):
            await provider.download(url, tmp_path / "out.mp4")
