"""`python -m bot migrate-db --to postgresql://…`: copy the SQLite database into PostgreSQL, keeping every id.

Safe to run again: what is there already is counted, not copied twice; a row the target holds differently is
reported and nothing is written (see `db.transfer`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.logs import redact
from bot.settings import StorageSettings, hide_passwords, read_section, url_passwords, without_password
from db import DATABASE_ERRORS, POSTGRES_PREFIXES, SQLITE_PREFIX
from db.transfer import TableCopy, TargetDiffersError, TransferError, copy_sqlite_to_postgres

# The copy can't be made, or a database can't be opened: reported in a line, and nothing was written.
FAILURES: tuple[type[Exception], ...] = (TransferError, OSError, TimeoutError, ValueError, *DATABASE_ERRORS)


async def migrate_db(
    env_file: str, target: str, source: str | None = None, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Copy the SQLite database (`source`, else DATABASE_URL) into `target`; return the exit code."""
    source = source if source is not None else _configured_url(env_file, err)
    if source is None:
        return 2
    problem = _refusal(source, target)
    if problem:
        print(f"migrate-db: {problem}", file=err)
        return 2
    redact(url_passwords(source) + url_passwords(target))  # for any log line on the way
    print(f"Copying {without_password(source)} into {without_password(target)}", file=out)
    try:
        copies = await copy_sqlite_to_postgres(Path(source.removeprefix(SQLITE_PREFIX)), target)
    except TargetDiffersError as exc:
        _report_differences(exc, err)
        return 1
    except FAILURES as exc:
        print(f"migrate-db: {hide_passwords(str(exc), target)}. Nothing was written.", file=err)
        return 1
    _report(copies, out)
    return 0


def _configured_url(env_file: str, err: TextIO) -> str | None:
    settings, problems = read_section(StorageSettings, env_file)
    if settings is None or problems:
        print("\n".join(problems), file=err)
        return None
    return settings.database_url.get_secret_value()


def _refusal(source: str, target: str) -> str:
    """Return why this copy can't be asked for, or ""."""
    if not source.startswith(SQLITE_PREFIX) or source == f"{SQLITE_PREFIX}:memory:":
        return f"the source {without_password(source)} is not a SQLite file: name it with --from sqlite:///path.db"
    if not Path(source.removeprefix(SQLITE_PREFIX)).is_file():
        return f"the source {source} does not exist"
    if not target.startswith(POSTGRES_PREFIXES):
        return f"the target {without_password(target)} is not PostgreSQL: --to postgresql://user:password@host/db"
    return ""


def _report(copies: list[TableCopy], out: TextIO) -> None:
    width = max(len(copy.table) for copy in copies)
    for copy in copies:
        print(f"  {copy.table:<{width}}  copied {copy.copied}, already there {copy.already_there}", file=out)
    copied, there = sum(c.copied for c in copies), sum(c.already_there for c in copies)
    print(f"Done: {copied} rows copied, {there} already there. Set DATABASE_URL to the target to use it.", file=out)


def _report_differences(refusal: TargetDiffersError, err: TextIO) -> None:
    print(f"Refused: {refusal}. Nothing was written; the target is as it was.", file=err)
    for copy in refusal.copies:
        print(f"  {copy.table}: {copy.differing} differ, for example", file=err)
        for example in copy.examples:
            print(f"    {example}", file=err)
    print("Remove those rows from the target (or copy into an empty database), then run migrate-db again.", file=err)
