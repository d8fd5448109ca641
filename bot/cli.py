"""Command line: `run` (the default) starts the bot (`gateway` and `worker` one part of it each), `check`
verifies settings and the provider."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from datetime import date
from typing import TYPE_CHECKING

from bot.logs import redact, setup_logging
from bot.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from bot.discord.bot import Role


def _groups(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in ("guild", "user", "model", "day")]
    if unknown or not names:
        raise argparse.ArgumentTypeError("choose from guild, user, model, day (comma-separated)")
    return names


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for `python -m bot`."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="A Discord bot for Kling AI videos.")
    parser.add_argument("--env-file", default=".env", help="settings file read after the environment (default: .env)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot (the default)")
    commands.add_parser("gateway", help="run the Discord gateway and commands only; workers do the rest (PostgreSQL)")
    commands.add_parser("worker", help="run the engine only, posting over Discord's REST API; any number (PostgreSQL)")
    commands.add_parser("check", help="check settings, credentials and the provider host, then exit")
    commands.add_parser("sync", help="sync the slash commands with Discord now, then exit")
    usage = commands.add_parser("usage", help="write tasks and units per guild and user as CSV")
    usage.add_argument("--since", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD (UTC)")
    usage.add_argument("--until", type=date.fromisoformat, help="last day, YYYY-MM-DD (default: today)")
    usage.add_argument("--guild", type=int, help="only this guild id")
    usage.add_argument(
        "--by", default="guild,user", type=_groups, help="group by any of guild,user,model,day (default guild,user)"
    )
    usage.add_argument("--table", action="store_true", help="an aligned table instead of CSV")
    guilds = commands.add_parser("guilds", help="list, approve, deny or leave the servers that use the bot")
    guilds.add_argument("action", choices=("list", "approve", "deny", "leave"))
    guilds.add_argument("guild_id", type=int, nargs="?", help="the server id (not for list)")
    migrate = commands.add_parser("migrate-db", help="copy the SQLite database into PostgreSQL (safe to run again)")
    migrate.add_argument("--to", required=True, metavar="postgresql://…", help="the PostgreSQL database to fill")
    migrate.add_argument("--from", dest="source", metavar="sqlite:///…", help="the SQLite file (default: DATABASE_URL)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the chosen command and return the process exit code."""
    args = build_parser().parse_args(argv)
    setup_logging()
    if args.command == "check":
        from bot.check import run_check

        return asyncio.run(run_check(args.env_file))
    if args.command == "guilds":
        from bot.guilds_cli import guilds_command

        return asyncio.run(guilds_command(args.env_file, args.action, args.guild_id))
    if args.command == "migrate-db":
        from bot.migrate_db import migrate_db

        return asyncio.run(migrate_db(args.env_file, args.to, args.source))
    if args.command == "usage":
        from bot.usage_export import export_usage

        return asyncio.run(
            export_usage(args.env_file, args.since, args.until, args.guild, by=args.by, table=args.table)
        )
    try:
        settings = load_settings(args.env_file)
    except SettingsError as exc:
        print(f"{exc}\nSee .env.example for every setting.", file=sys.stderr)
        return 2
    redact(settings.secret_values())
    from db import POSTGRES_PREFIXES

    role: Role = "gateway" if args.command == "gateway" else "worker" if args.command == "worker" else "all"
    if role != "all" and not settings.storage.database_url.get_secret_value().startswith(POSTGRES_PREFIXES):
        print(
            f"`{args.command}` shares the work with other processes, which needs PostgreSQL: set "
            "DATABASE_URL=postgresql://… (on SQLite, run the whole bot as one process: `python -m bot`).",
            file=sys.stderr,
        )
        return 2
    from bot.app import run_bot

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how an operator stops it
        asyncio.run(run_bot(settings, sync_only=args.command == "sync", role=role))
    return 0
