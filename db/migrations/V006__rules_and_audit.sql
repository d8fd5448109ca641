-- Words or patterns a server's admins block in prompts.
CREATE TABLE content_rules (
    guild_id   INTEGER NOT NULL,
    pattern    TEXT NOT NULL,
    is_regex   INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    PRIMARY KEY (guild_id, pattern)
);
-- Every operator and admin change: who, what, before -> after, when. Nothing in Discord edits it.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER,
    actor_id INTEGER,
    action   TEXT NOT NULL,
    before   TEXT NOT NULL DEFAULT '',
    after    TEXT NOT NULL DEFAULT '',
    at       REAL NOT NULL
);
CREATE INDEX audit_log_guild ON audit_log (guild_id, at);
