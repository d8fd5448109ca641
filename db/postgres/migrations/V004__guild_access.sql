-- Which servers may use the bot (GUILD_POLICY=approval): pending until an operator approves or denies.
CREATE TABLE guild_access (
    guild_id     BIGINT PRIMARY KEY,
    name         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
    requested_at DOUBLE PRECISION NOT NULL,
    decided_at   DOUBLE PRECISION,
    decided_by   BIGINT
);
