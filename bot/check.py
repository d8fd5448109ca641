"""`python -m bot check`: say plainly whether the settings and the provider work, and if not, why."""

from __future__ import annotations

import aiohttp

from bot.kling.client import KlingClient
from bot.kling.diagnosis import explain_probe_failure
from bot.kling.errors import KlingError
from bot.kling.transport import RetryPolicy
from bot.settings import (
    DiscordSettings,
    KlingSettings,
    StorageSettings,
    WebSettings,
    hide_passwords,
    read_section,
    without_password,
)
from db import DATABASE_ERRORS, open_storage

CLOCK_SKEW_WORTH_MENTIONING = 5.0  # seconds
PROBE_RETRY = RetryPolicy(attempts=1)
CALLBACK_PROBE_TIMEOUT = 5.0
OPEN_ERRORS: tuple[type[Exception], ...] = (OSError, TimeoutError, ValueError, *DATABASE_ERRORS)


async def run_check(env_file: str) -> int:
    """Print one line per check; return 0 when everything is OK."""
    ok = True
    _, problems = read_section(DiscordSettings, env_file)
    ok &= _report("settings: Discord", problems)
    storage, problems = read_section(StorageSettings, env_file)
    ok &= _report("settings: storage", problems)
    if storage is not None and not problems:
        url = storage.database_url.get_secret_value()
        problem = hide_passwords(await probe_database(url), url)  # a driver's message may quote the URL
        ok &= _report(f"database {without_password(url)}", [problem])
    kling, problems = read_section(KlingSettings, env_file)
    ok &= _report("settings: Kling", problems)
    if kling is not None and not problems:
        problem = await probe_provider(kling)
        ok &= _report(f"provider {kling.provider} at {kling.resolved_base_url}", [problem])
        if not problem:
            print(await describe_balance(kling))
    web, problems = read_section(WebSettings, env_file)
    ok &= _report("settings: web server", problems)
    if web is not None and web.callback_base is not None:
        _warn_unless(f"callback URL {web.callback_base}", await probe_callback_url(web.callback_base))
    return 0 if ok else 1


async def probe_database(url: str) -> str:
    """Open (and migrate) the database and query it; return "" or the reason it failed."""
    try:
        storage = await open_storage(url)
    except OPEN_ERRORS as exc:
        return f"can't open it: {exc}"
    try:
        await storage.tasks.count_active()
    except DATABASE_ERRORS as exc:
        return f"can't query it: {exc}"
    finally:
        await storage.close()
    return ""


async def probe_callback_url(base: str) -> str:
    """GET the public /healthz from this host: proves the URL reaches a running bot (through any proxy)."""
    timeout = aiohttp.ClientTimeout(total=CALLBACK_PROBE_TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(f"{base}/healthz") as response:
            if response.status in (200, 503) and "gateway" in await response.text():
                return ""
            return f"answered HTTP {response.status}, not the bot's /healthz (check the proxy)"
    except (aiohttp.ClientError, TimeoutError) as exc:
        return f"not reachable from this host ({type(exc).__name__}); is the bot running and WEB_PUBLIC_URL right?"


async def probe_provider(settings: KlingSettings) -> str:
    """Query a task that does not exist; return "" when the provider answers as expected, else the reason."""
    if settings.provider == "simulator":
        return ""  # nothing to reach: the simulator runs inside the bot
    timeout = aiohttp.ClientTimeout(total=settings.request_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        client = KlingClient.from_settings(session, settings, retry=PROBE_RETRY)
        try:
            await client.probe()
        except KlingError as exc:
            return explain_probe_failure(exc, settings, client.server_time_offset)
    return ""


async def describe_balance(settings: KlingSettings) -> str:
    """Return the account's packs (`GET /account/costs`) as lines, or why there are none to show."""
    if settings.provider == "simulator":
        return "INFO  balance: the simulator charges nothing"
    timeout = aiohttp.ClientTimeout(total=settings.request_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        client = KlingClient.from_settings(session, settings, retry=PROBE_RETRY)
        try:
            balance = await client.balance()
        except KlingError as exc:
            return f"WARN  balance: the provider didn't answer ({exc})"
    if balance is None:
        return f"INFO  balance: {settings.provider} doesn't report an account balance"
    lines = [f"INFO  balance: {balance.remaining} units left in online packs (Kling's figure can lag up to 12 h)"]
    for pack in balance.packs:
        expires = f", expires {pack.expires_at:%Y-%m-%d}" if pack.expires_at else ""
        lines.append(f"      - {pack.name}: {pack.remaining} of {pack.total} left, {pack.status}{expires}")
    return "\n".join(lines)


def _warn_unless(what: str, problem: str) -> None:
    # Reachability depends on the running bot and the network, so it warns rather than fails.
    print(f"OK    {what}" if not problem else f"WARN  {what}\n      - {problem}")


def _report(what: str, problems: list[str]) -> bool:
    problems = [p for p in problems if p]
    if not problems:
        print(f"OK    {what}")
        return True
    print(f"FAIL  {what}")
    for problem in problems:
        print(f"      - {problem}")
    return False
