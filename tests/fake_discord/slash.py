"""Build INTERACTION_CREATE for a slash command from the command schema the bot synced."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .builders import channel_payload, member_payload, user_payload
from .commands import SUB_COMMAND, SUB_COMMAND_GROUP
from .models import UPLOAD_LIMITS, FakeChannel, FakeGuild, FakeUser

STRING, INTEGER, BOOLEAN, USER, NUMBER, ATTACHMENT = 3, 4, 5, 6, 10, 11
APPLICATION_COMMAND = 2
PYTHON_TYPES: dict[int, tuple[type, ...]] = {STRING: (str,), INTEGER: (int,), NUMBER: (int, float), BOOLEAN: (bool,)}
Leaf = tuple[list[str], dict[str, Any]]


def leaves(command: dict[str, Any]) -> Iterator[Leaf]:
    """Yield (path, schema) of every subcommand, inside groups too."""
    for option in command.get("options") or []:
        if option["type"] == SUB_COMMAND:
            yield [option["name"]], option
        elif option["type"] == SUB_COMMAND_GROUP:
            for sub in option.get("options") or []:
                yield [option["name"], sub["name"]], sub


def resolve_subcommand(command: dict[str, Any], subcommand: str | None) -> Leaf:
    """Return the path to the invoked subcommand ("group sub", or a unique "sub") and its schema."""
    found = list(leaves(command))
    if subcommand is None:
        if found:
            raise ValueError(f"/{command['name']} needs a subcommand: {[' '.join(p) for p, _ in found]}")
        return [], command
    wanted = subcommand.split()
    matches = [(p, s) for p, s in found if p == wanted or (len(wanted) == 1 and p[-1] == wanted[0])]
    if len(matches) != 1:
        known = [" ".join(path) for path, _ in found]
        raise ValueError(f"/{command['name']} has no single subcommand {subcommand!r}: {known}")
    return matches[0]


def check_value(schema: dict[str, Any], value: Any) -> None:
    """Refuse what a Discord client would not let a user send: wrong type, no such choice, out of range."""
    kind, name = schema["type"], schema["name"]
    expected = PYTHON_TYPES.get(kind)
    if expected and (not isinstance(value, expected) or (kind != BOOLEAN and isinstance(value, bool))):
        raise TypeError(f"option {name!r} (type {kind}) got {value!r}")
    choices = schema.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"option {name!r}: {value!r} is not one of the choices")
    size = len(value) if kind == STRING else value if kind in (INTEGER, NUMBER) else None
    low, high = ("min_length", "max_length") if kind == STRING else ("min_value", "max_value")
    if size is not None and not schema.get(low, size) <= size <= schema.get(high, size):
        raise ValueError(f"option {name!r}: {value!r} is out of range")


def wire_value(schema: dict[str, Any], value: Any, resolved: dict[str, Any], guild: FakeGuild | None) -> Any:
    """Return the option's wire value, adding attachments and users to `resolved`."""
    kind = schema["type"]
    if kind == ATTACHMENT:
        if not isinstance(value, Mapping) or "id" not in value:
            raise TypeError(f"option {schema['name']!r} needs an attachment from FakeDiscord.add_attachment()")
        resolved.setdefault("attachments", {})[value["id"]] = dict(value)
        return value["id"]
    if kind == USER and isinstance(value, FakeUser):
        resolved.setdefault("users", {})[str(value.id)] = user_payload(value)
        if guild is not None:
            member = member_payload(value, guild.everyone_permissions)
            del member["user"]
            resolved.setdefault("members", {})[str(value.id)] = member
        return str(value.id)
    check_value(schema, value)
    return value


def command_data(
    command: dict[str, Any], subcommand: str | None, options: Mapping[str, Any], guild: FakeGuild | None
) -> dict[str, Any]:
    """Build the interaction `data`: options nested under their subcommand and group, plus `resolved`."""
    path, leaf = resolve_subcommand(command, subcommand)
    schemas = {s["name"]: s for s in leaf.get("options") or []}
    if unknown := set(options) - set(schemas):
        raise ValueError(f"unknown options {sorted(unknown)}; the command declares {sorted(schemas)}")
    if missing := [n for n, s in schemas.items() if s.get("required") and options.get(n) is None]:
        raise ValueError(f"missing required options {missing}")
    resolved: dict[str, Any] = {}
    nested = [
        {"name": n, "type": schemas[n]["type"], "value": wire_value(schemas[n], v, resolved, guild)}
        for n, v in options.items()
        if v is not None
    ]
    for depth in reversed(range(len(path))):
        kind = SUB_COMMAND if depth == len(path) - 1 else SUB_COMMAND_GROUP
        nested = [{"name": path[depth], "type": kind, "options": nested}]
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": command["type"], "options": nested}
    if resolved:
        data["resolved"] = resolved
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return data


def interaction_payload(
    ids: tuple[int, str, int], data: dict[str, Any], user: FakeUser, channel: FakeChannel, guild: FakeGuild | None
) -> dict[str, Any]:
    """Build INTERACTION_CREATE: ids is (interaction id, token, application id)."""
    interaction_id, token, application_id = ids
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": APPLICATION_COMMAND,
        "data": data,
        "channel_id": str(channel.id),
        "token": token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": guild.upload_limit if guild else UPLOAD_LIMITS[0],
        "authorizing_integration_owners": {"0": str(guild.id) if guild else "0"},
        "context": 0 if guild else 1,
    }
    if guild is None:
        payload.update(user=user_payload(user), channel=channel_payload(channel, user), app_permissions="0")
        return payload
    permissions = str(guild.everyone_permissions)
    payload.update(
        guild_id=str(guild.id),
        guild={"id": str(guild.id), "locale": "en-US", "features": list(guild.features)},
        guild_locale="en-US",
        member=member_payload(user, guild.everyone_permissions),
        channel={**channel_payload(channel), "permissions": permissions},
        app_permissions=permissions,
    )
    return payload
