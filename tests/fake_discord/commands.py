"""Application commands: bulk overwrite (validated like Discord), listing and lookup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .errors import form_error
from .models import Snowflakes
from .waiting import Changes

NAME = re.compile(r"[-_\w]{1,32}")
CHAT_INPUT, SUB_COMMAND, SUB_COMMAND_GROUP = 1, 1, 2
MAX_COMMANDS = 100
MAX_OPTIONS = MAX_CHOICES = 25
MAX_DESCRIPTION = 100
Problem = tuple[str, str, str]  # (field path, error code, message)


def option_problems(options: list[dict[str, Any]], path: str, depth: int) -> Iterator[Problem]:
    """Yield what Discord would reject in a list of options (names, descriptions, counts, nesting, order)."""
    if len(options) > MAX_OPTIONS:
        yield path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_OPTIONS} or fewer in length."
    seen_optional = False
    for index, option in enumerate(options):
        where = f"{path}.{index}"
        yield from named_problems(option, where)
        kind = option.get("type")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= (1 if kind == SUB_COMMAND_GROUP else 2):
                yield where, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-command nested too deeply."
            yield from option_problems(option.get("options") or [], f"{where}.options", depth + 1)
            continue
        if len(option.get("choices") or []) > MAX_CHOICES:
            yield f"{where}.choices", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length."
        if option.get("required") and seen_optional:
            yield where, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must come first"
        seen_optional = seen_optional or not option.get("required")


def named_problems(item: dict[str, Any], path: str) -> Iterator[Problem]:
    """Yield problems with a command's or option's name and description."""
    name = item.get("name") or ""
    if not NAME.fullmatch(name) or name != name.lower():
        yield f"{path}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
    if not 1 <= len(item.get("description") or "") <= MAX_DESCRIPTION:
        yield f"{path}.description", "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MAX_DESCRIPTION} in length."


def command_problems(body: Any) -> Iterator[Problem]:
    """Yield what Discord would reject in a bulk overwrite body."""
    if not isinstance(body, list) or len(body) > MAX_COMMANDS:
        yield "_root", "BASE_TYPE_BAD_LENGTH", f"Must be a list of at most {MAX_COMMANDS} commands."
        return
    seen: set[tuple[str, int]] = set()
    for index, command in enumerate(body):
        kind = command.get("type", CHAT_INPUT)
        key = (command.get("name", ""), kind)
        if key in seen:
            yield str(index), "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Duplicate command name {key[0]!r}"
        seen.add(key)
        if kind == CHAT_INPUT:
            yield from named_problems(command, str(index))
            yield from option_problems(command.get("options") or [], f"{index}.options", 0)


class CommandStore:
    """The application's global and per-guild commands, as last overwritten."""

    def __init__(self, ids: Snowflakes, application_id: int, changes: Changes) -> None:
        self.ids = ids
        self.application_id = application_id
        self.changes = changes
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.syncs = 0

    def listing(self, guild_id: int | None) -> list[dict[str, Any]]:
        """Return the global commands, or one guild's."""
        return self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])

    def all(self) -> list[dict[str, Any]]:
        """Return every stored command, global first."""
        return [*self.global_commands, *(c for commands in self.guild_commands.values() for c in commands)]

    def overwrite(self, body: Any, guild_id: int | None) -> list[dict[str, Any]]:
        """Replace the command list; a command keeps its id when its name and type stay."""
        for field, code, message in command_problems(body):
            raise form_error(field, code, message)
        old = {(c["name"], c["type"]): c["id"] for c in self.listing(guild_id)}
        stored = [self._stored(command, guild_id, old) for command in body]
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self.syncs += 1
        self.changes.notify()
        return stored

    def find(self, name: str, guild_id: int | None) -> dict[str, Any] | None:
        """Return the chat-input command a user in `guild_id` would see under `name`."""
        candidates = [*(self.guild_commands.get(guild_id, []) if guild_id else []), *self.global_commands]
        return next((c for c in candidates if c["name"] == name and c["type"] == CHAT_INPUT), None)

    def _stored(self, command: dict[str, Any], guild_id: int | None, old: dict[tuple[str, int], str]) -> dict[str, Any]:
        kind = command.get("type", CHAT_INPUT)
        stored = {
            "default_member_permissions": None,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            "description": "",  # Discord answers "" for context-menu commands, which send none
            **command,
            "id": old.get((command["name"], kind)) or str(self.ids.next()),
            "application_id": str(self.application_id),
            "type": kind,
            "version": str(self.ids.next()),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored
