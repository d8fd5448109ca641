-- Which servers may use the bot (GUILD_POLICY=approval): pending until an operator approves or denies.
CREATE TABLE guild_access (
    guild_id     INTEGER PRIMARY KEY,
    name         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
    requested_at REAL NOT NULL,
    decided_at   REAL,
    decided_by   INTEGER
);
