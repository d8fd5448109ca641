"""Results as media cards (a Components V2 layout): the video or images in a gallery, the prompt and parameters,
the task marker and the persistent buttons; the classic message where a card can't be (a failure, a refused card)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.discord.buttons import button, result_view
from bot.discord.cards import TEXT_MAX, build_card
from bot.discord.files import ResultFiles
from bot.vocabulary import Outcome, TaskKind, TaskState
from db.models import TaskRecord
from tests.discord.conftest import World
from tests.discord.helpers import (
    button_id,
    button_ids,
    card_text,
    components_of,
    delivered,
    gallery_urls,
    is_card,
    scene,
)
from tests.storage import execute


def channel_posts(env: Any, channel: Any) -> int:
    """Return how many times the bot posted in the channel."""
    return sum(1 for r in env.http_requests if (r.method, r.path) == ("POST", f"/channels/{channel.id}/messages"))


async def test_a_video_result_is_a_card_and_its_retry_works_after_a_restart(simcord_env: Any, world: World) -> None:
    """The video in the gallery, the mention, prompt, parameters and cost, the marker; Retry after a restart."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="a paper boat *in* the rain", model="kling-v2-6")
    posted = await delivered(world, channel, simcord_env)
    assert is_card(posted)
    assert (posted.content, posted.embeds) == ("", [])
    (video,) = posted.attachments
    assert video.filename == "0.mp4"
    assert gallery_urls(posted) == [video.url]
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    text = card_text(posted)
    assert text.startswith(f"### Video from text\n<@{alice.id}>, your video is ready!")
    assert "**Prompt**\na paper boat \\*in\\* the rain" in text
    assert "**Model** kling-v2-6 · **Mode** std · **Duration** 5 s · **Cost** 1.5 units ($0.21)" in text
    assert text.endswith(f"-# Task {task.id}")
    assert [m.id for m in posted.mentions] == [alice.id]
    assert button_ids(posted) == [f"kling:{a}:{task.id}" for a in ("vary", "remix", "dm", "lipsync", "delete")]
    await simcord_env.restart_bot(world.new_bot())
    pressed = await alice.click(posted, custom_id=button_id(posted, "vary"))
    assert "Queued as" in pressed.response.content
    again = await delivered(world, channel, simcord_env)
    assert is_card(again)
    assert len(world.fake.tasks) == 2


@pytest.fixture
def roomy_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a member spend 100 units a day (nine images cost 72), set before the bot reads its settings."""
    monkeypatch.setenv("QUOTA_USER_DAILY_UNITS", "100")


@pytest.mark.usefixtures("roomy_quota")
async def test_nine_images_share_one_gallery(simcord_env: Any, world: World) -> None:
    """`/image create count: 9`: one card whose single gallery shows the nine uploaded images in order."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "image create", prompt="a red fox", count=9)
    posted = await delivered(world, channel, simcord_env)
    assert is_card(posted)
    galleries = [c for c in components_of(posted) if isinstance(c, discord.MediaGalleryComponent)]
    assert len(galleries) == 1
    assert [a.filename for a in posted.attachments] == [f"{i}.png" for i in range(9)]
    assert gallery_urls(posted) == [a.url for a in posted.attachments]
    assert "### Image from text" in card_text(posted)


async def test_a_failure_keeps_the_classic_message(simcord_env: Any, world: World) -> None:
    """A failed task has nothing to show in a gallery: the classic text, embed (with the reason) and buttons."""
    _, channel, alice = scene(simcord_env)
    world.fake.set_outcome(lambda task: "content policy")
    await alice.slash(channel, "video text", prompt="a boat")
    posted = await delivered(world, channel, simcord_env)
    assert not is_card(posted)
    assert posted.content == f"<@{alice.id}>, your request failed. Nothing was charged."
    assert "content policy" in posted.embeds[0].fields[1].value
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert button_ids(posted) == [f"kling:{a}:{task.id}" for a in ("retry", "remix", "delete")]


async def test_a_refused_card_falls_back_to_the_classic_message(simcord_env: Any, world: World) -> None:
    """Discord answers 400 to the card: the same result goes out once as text, embed, file and buttons."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="a boat")
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=400, code=50035, times=1)
    posted = await delivered(world, channel, simcord_env)
    assert not is_card(posted)
    assert posted.content == f"<@{alice.id}>, your video is ready!"
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert posted.embeds[0].footer.text == f"Task {task.id}"
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    assert button_id(posted, "vary") == f"kling:vary:{task.id}"
    assert (task.state, task.delivery_message_id) == (TaskState.DELIVERED, posted.id)
    assert len([m for m in channel.history() if m.attachments]) == 1


async def test_a_card_is_found_again_after_a_crash(simcord_env: Any, world: World) -> None:
    """Posted as a card, then the process died before recording it: recovery finds the card, posts nothing more."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="a boat")
    card = await delivered(world, channel, simcord_env)
    assert is_card(card)
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    # The state a crash between the post and its record leaves behind.
    staged = "UPDATE tasks SET state = 'delivering', delivery_message_id = NULL WHERE id = ?"
    await execute(world.storage, staged, task.id)
    posts = channel_posts(simcord_env, channel)
    await world.engine.recover()
    await world.step()
    await simcord_env.settle()
    assert channel_posts(simcord_env, channel) == posts
    again = await world.storage.tasks.get(task.id)
    assert again is not None
    assert (again.state, again.delivery_message_id) == (TaskState.DELIVERED, card.id)


async def test_copies_keep_the_classic_message(simcord_env: Any, world: World) -> None:
    """The "DM me" button and `/task show` send private copies: text, embed and file, without buttons, never a card."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="a boat")
    card = await delivered(world, channel, simcord_env)
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    await alice.click(card, custom_id=button_id(card, "dm"))
    dm = alice.user.dm_channel.last_message
    shown = (await alice.slash(channel, "task show", id=task.id)).response
    for copy in (dm, shown):
        assert not copy.flags.components_v2
        assert copy.embeds[0].footer.text == f"Task {task.id}"
        assert [a.filename for a in copy.attachments] == ["0.mp4"]


@pytest.mark.parametrize("discord_options", [{"result_cards": False}])
async def test_an_operator_may_turn_cards_off(simcord_env: Any, world: World) -> None:
    """DISCORD_RESULT_CARDS=false: results are posted as the classic message."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="a boat")
    posted = await delivered(world, channel, simcord_env)
    assert not is_card(posted)
    assert posted.content == f"<@{alice.id}>, your video is ready!"
    assert [a.filename for a in posted.attachments] == ["0.mp4"]


def finished_task() -> TaskRecord:
    """Return a finished text → video task with a long markdown prompt and a video Kling keeps (for lip sync)."""
    return TaskRecord(
        id="0" * 8 + "-0000-0000-0000-" + "0" * 12, provider="official", kind=TaskKind.TEXT_TO_VIDEO,
        guild_id=1, channel_id=2, user_id=3, params={"prompt": "*_" * 1250, "model": "kling-v3"}, images=(),
        state=TaskState.SUCCEEDED, outcome=Outcome.SUCCEEDED, callback_token="t", units_reserved=Decimal(1),
        units_charged=Decimal(1), result_video_ids=("v",), created_at=0, updated_at=0,
    )  # fmt: skip


def card_rows(card: discord.ui.LayoutView) -> list[list[str]]:
    """Return the custom ids of the card's buttons, row by row."""
    rows = [item for item in card.walk_children() if isinstance(item, discord.ui.ActionRow)]
    return [[str(getattr(button, "custom_id", "")) for button in row.children] for row in rows]


def test_a_card_lays_its_buttons_out_as_the_classic_message_does(tmp_path: Path) -> None:
    """The buttons keep the classic view's rows; with no row named, five a row and the rest beneath."""
    task = finished_task()
    files = ResultFiles(paths=[tmp_path / "0.mp4"], route="upload")
    view = result_view(task, lip_sync=True)
    classic = [[c["custom_id"] for c in row["components"]] for row in view.to_components()]
    card = build_card(task, files, result_view(task, lip_sync=True).children, headline="h", marker="m", price=None)
    assert card_rows(card) == classic
    loose = [button(action, task.id) for action in ("retry", "dm", "lipsync", "delete", "delete", "dm")]
    card = build_card(task, files, loose, headline="h", marker="m", price=None)
    assert [len(row) for row in card_rows(card)] == [5, 1]


def test_a_card_stays_within_discords_limits(tmp_path: Path) -> None:
    """A prompt that escapes to 5,000 characters and a long note: the text stays within 4,000, the components
    within 40, and the prompt takes the room left."""
    task = finished_task()
    files = ResultFiles(paths=[tmp_path / f"{n}.png" for n in range(9)], note="n" * 5000, route="upload")
    card = build_card(
        task, files, result_view(task, lip_sync=True).children, headline="<@3>, your image is ready!",
        marker=f"-# Task {task.id}", price=None,
    )  # fmt: skip
    assert TEXT_MAX - 1 <= card.content_length() <= TEXT_MAX  # one less where a cut would split an escape
    assert len(list(card.walk_children())) <= 40
