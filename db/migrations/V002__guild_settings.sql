-- Per-guild settings an admin changes from Discord, and small key-value state (e.g. the synced command hash).

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    default_model       TEXT,
    default_mode        TEXT,
    allowed_channels    TEXT NOT NULL DEFAULT '[]',   -- JSON list of channel ids; empty = every channel
    updated_at          REAL NOT NULL
);

CREATE TABLE meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  REAL NOT NULL
);
