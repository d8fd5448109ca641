"""Storage on PostgreSQL (asyncpg): the same repositories as the SQLite ones, picked by a postgresql:// URL.

Its migrations live in `db/postgres/migrations` with the same version numbers as SQLite's, and are applied
at open under an advisory lock, so processes starting together don't race.
"""

from __future__ import annotations

from db.postgres.audit import PostgresAudit
from db.postgres.database import PostgresDatabase
from db.postgres.guilds import PostgresGuilds
from db.postgres.members import PostgresMembers
from db.postgres.quotas import PostgresQuotas
from db.postgres.tasks import PostgresTasks

__all__ = ["PostgresAudit", "PostgresDatabase", "PostgresGuilds", "PostgresMembers", "PostgresQuotas", "PostgresTasks"]
