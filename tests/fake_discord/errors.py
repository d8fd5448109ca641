"""Discord-shaped JSON answers, the error exception handlers raise, and injected errors."""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json"  # exactly: discord.py reads anything else as text (gotcha 1)
DEFAULT_RETRY_AFTER = 0.05
KNOWN_MESSAGES = {
    0: "",
    10002: "Unknown Application",
    10003: "Unknown Channel",
    10004: "Unknown Guild",
    10007: "Unknown Member",
    10008: "Unknown Message",
    10013: "Unknown User",
    10015: "Unknown Webhook",
    10062: "Unknown interaction",
    40005: "Request entity too large",
    40060: "Interaction has already been acknowledged.",
    50001: "Missing Access",
    50005: "Cannot edit a message authored by another user",
    50006: "Cannot send an empty message",
    50013: "Missing Permissions",
    50027: "Invalid Webhook Token",
    50035: "Invalid Form Body",
    50109: "The request body contains invalid JSON.",
}
STATUS_MESSAGES = {400: "400: Bad Request", 401: "401: Unauthorized", 403: "403: Forbidden", 404: "404: Not Found"}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Answer `data` as JSON with Content-Type exactly application/json."""
    return web.Response(body=json.dumps(data).encode(), status=status, content_type=JSON_TYPE, headers=headers)


def default_message(status: int, code: int) -> str:
    """Return Discord's usual message for a code, else for the status."""
    return KNOWN_MESSAGES.get(code) or STATUS_MESSAGES.get(status) or f"{status}: Error"


class DiscordError(Exception):
    """An error answer in Discord's {"message", "code"} shape."""

    def __init__(
        self,
        status: int,
        code: int = 0,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        errors: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message or default_message(status, code)
        self.retry_after = retry_after
        self.errors = errors
        super().__init__(f"{status} {code} {self.message}")

    def response(self) -> web.Response:
        """Build the HTTP answer; a 429 carries Via and a JSON retry_after (gotcha 6)."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        if self.status != 429:
            return json_response(body, self.status)
        retry_after = DEFAULT_RETRY_AFTER if self.retry_after is None else self.retry_after
        body.update(message="You are being rate limited.", retry_after=retry_after, **{"global": False})
        headers = {"Via": "1.1 google", "Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": "user"}
        return json_response(body, 429, headers)


def form_error(field: str, code: str, message: str) -> DiscordError:
    """Build a 400 Invalid Form Body error naming one field, as Discord does."""
    return DiscordError(400, 50035, errors={field: {"_errors": [{"code": code, "message": message}]}})


def glob_regex(path_glob: str) -> re.Pattern[str]:
    """Compile a path glob where `*` matches one path segment and `**` any number."""
    wildcards = {"**": ".*", "*": "[^/]*"}
    parts = re.split(r"(\*\*|\*)", path_glob)
    return re.compile("".join(wildcards.get(part) or re.escape(part) for part in parts))


@dataclass
class InjectedError:
    """An error to answer the next `times` requests matching method and path glob with."""

    method: str
    pattern: re.Pattern[str]
    error: DiscordError
    times: int

    def matches(self, method: str, path: str) -> bool:
        """Return whether this rule applies to the request."""
        return self.times > 0 and self.method in ("*", method) and self.pattern.fullmatch(path) is not None


class HeldRoutes:
    """Requests that wait, unanswered, until the test releases them (a Discord that hangs on a route), or that
    take a while (an upload over a real link)."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, re.Pattern[str], asyncio.Event]] = []
        self.slow: list[tuple[str, re.Pattern[str], float]] = []

    def add_delay(self, method: str, path_glob: str, seconds: float) -> None:
        """Answer matching requests `seconds` late."""
        self.slow.append((method.upper(), glob_regex(path_glob), seconds))

    def add(self, method: str, path_glob: str) -> asyncio.Event:
        """Hold matching requests until the returned event is set."""
        gate = asyncio.Event()
        self.rules.append((method.upper(), glob_regex(path_glob), gate))
        return gate

    async def wait(self, method: str, path: str) -> None:
        """Wait while a rule holds this request."""
        for rule_method, pattern, gate in self.rules:
            if rule_method in ("*", method) and pattern.fullmatch(path) and not gate.is_set():
                await gate.wait()
        for rule_method, pattern, seconds in self.slow:
            if rule_method in ("*", method) and pattern.fullmatch(path):
                await asyncio.sleep(seconds)


class ErrorInjector:
    """Injected errors, consumed in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[InjectedError] = []

    def add(self, method: str, path_glob: str, error: DiscordError, times: int) -> None:
        """Answer the next `times` matching requests with `error`."""
        self.rules.append(InjectedError(method.upper(), glob_regex(path_glob), error, times))

    def take(self, method: str, path: str) -> DiscordError | None:
        """Consume and return the first rule matching this request, if any."""
        for rule in self.rules:
            if rule.matches(method, path):
                rule.times -= 1
                return rule.error
        return None
