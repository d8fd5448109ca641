"""Member settings and presets in the database: kept across a reopen, bounded, names in any case."""

from __future__ import annotations

from decimal import Decimal

from bot.vocabulary import TaskKind
from db import Storage, open_storage
from db.members import SqliteMembers
from db.models import MemberSettings, NewTask, Preset

GUILD, ALICE, BOB = 10, 1, 2


def preset(name: str, owner: int | None = ALICE, **fields: object) -> Preset:
    return Preset.model_validate({"guild_id": GUILD, "owner_id": owner, "name": name, **fields})


async def test_settings_default_to_no_preference_and_are_kept_across_a_reopen(database_url: str) -> None:
    """Nothing stored: no preferences, results in the channel; saved ones come back after a restart."""
    url = database_url
    first = await open_storage(url)
    assert await first.members.settings(GUILD, ALICE) == MemberSettings(guild_id=GUILD, user_id=ALICE)
    chosen = MemberSettings(
        guild_id=GUILD, user_id=ALICE, model="kling-v3", mode="pro", duration="10", aspect_ratio="9:16",
        sound=False, delivery="dm",
    )  # fmt: skip
    await first.members.save_settings(chosen, now=1.0)
    await first.close()
    second = await open_storage(url)
    assert await second.members.settings(GUILD, ALICE) == chosen
    assert chosen.chosen() == {
        "model": "kling-v3", "mode": "pro", "duration": "10", "aspect_ratio": "9:16", "sound": False,
    }  # fmt: skip
    assert (await second.members.settings(GUILD + 1, ALICE)).delivery == "channel"  # per server
    await second.members.reset_settings(GUILD, ALICE)
    assert await second.members.settings(GUILD, ALICE) == MemberSettings(guild_id=GUILD, user_id=ALICE)
    await second.close()


async def test_presets_are_per_owner_and_found_in_any_case(storage: Storage) -> None:
    """A member's presets, another member's and the server's are apart; a name is found whatever its case."""
    members: SqliteMembers = storage.members
    saved = preset("Cinematic", prompt_suffix="golden hour", model="kling-v3", duration="10", sound=True)
    assert await members.save_preset(saved, limit=25, now=1.0)
    assert await members.save_preset(preset("cinematic", owner=None, published_by=ALICE), limit=25, now=2.0)
    assert await members.preset(GUILD, ALICE, "CINEMATIC") == saved
    assert await members.preset(GUILD, BOB, "cinematic") is None
    (server,) = await members.presets(GUILD, None)
    assert (server.owner_id, server.published_by) == (None, ALICE)
    assert await members.delete_preset(GUILD, ALICE, "cinematic")
    assert not await members.delete_preset(GUILD, ALICE, "cinematic")
    assert await members.presets(GUILD, None) == [server]


async def test_at_most_the_limit_but_a_same_name_save_replaces(storage: Storage) -> None:
    """At the limit a new name is refused (nothing stored); saving an existing name again replaces it."""
    members = storage.members
    for number in range(3):
        assert await members.save_preset(preset(f"p{number}"), limit=3, now=1.0)
    assert not await members.save_preset(preset("p3"), limit=3, now=1.0)
    assert await members.save_preset(preset("P1", mode="pro"), limit=3, now=2.0)
    names = [(p.name, p.mode) for p in await members.presets(GUILD, ALICE)]
    assert names == [("p0", None), ("P1", "pro"), ("p2", None)]
    assert await members.save_preset(preset("p3", owner=BOB), limit=3, now=1.0)  # another member's count


async def test_a_task_remembers_where_its_result_goes(storage: Storage) -> None:
    """The delivery a task was submitted with is stored with it (a new column; older rows read "channel")."""
    new = NewTask(
        id="t1", provider="official", kind=TaskKind.TEXT_TO_VIDEO, guild_id=GUILD, channel_id=5, user_id=ALICE,
        params={}, images=(), callback_token="x", slots=1, units=Decimal(1), deliver_to="dm",
    )  # fmt: skip
    await storage.quotas.reserve(new, lambda _usage: None, now=1.0, window=86400)
    task = await storage.tasks.get("t1")
    assert task is not None
    assert task.deliver_to == "dm"
