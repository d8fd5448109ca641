"""PostgreSQL migrations: `V{n}__{name}.sql`, the same versions as `db/migrations` (SQLite), in PostgreSQL's dialect."""
