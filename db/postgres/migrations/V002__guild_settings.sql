-- Per-guild settings an admin changes from Discord, and small key-value state (e.g. the synced command hash).

CREATE TABLE guild_settings (
    guild_id            BIGINT PRIMARY KEY,
    default_model       TEXT,
    default_mode        TEXT,
    allowed_channels    JSON NOT NULL DEFAULT '[]',  -- channel ids; empty = every channel
    updated_at          DOUBLE PRECISION NOT NULL
);

CREATE TABLE meta (
    key         TEXT COLLATE "C" PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  DOUBLE PRECISION NOT NULL
);
