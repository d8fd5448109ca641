-- Each member's own defaults per server (/settings), saved presets (a member's own, and the ones a server's
-- admins publish), and where a task's result goes (the requester may ask for it by DM).

CREATE TABLE member_settings (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    model           TEXT,                    -- NULL: no preference (the server's or the catalogue's)
    mode            TEXT,
    duration        TEXT,
    aspect_ratio    TEXT,
    sound           INTEGER,                 -- 1 on, 0 off, NULL no preference
    delivery        TEXT NOT NULL DEFAULT 'channel' CHECK (delivery IN ('channel', 'dm')),
    updated_at      REAL NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE presets (
    guild_id        INTEGER NOT NULL,
    owner_id        INTEGER NOT NULL,        -- the member's id; 0 for the server's published presets
    name            TEXT NOT NULL COLLATE NOCASE,
    prompt_suffix   TEXT NOT NULL DEFAULT '',
    negative_prompt TEXT NOT NULL DEFAULT '',
    model           TEXT,
    mode            TEXT,
    duration        TEXT,
    aspect_ratio    TEXT,
    sound           INTEGER,
    published_by    INTEGER,                 -- a server preset: the admin who published it
    created_at      REAL NOT NULL,
    PRIMARY KEY (guild_id, owner_id, name)
);

ALTER TABLE tasks ADD COLUMN deliver_to TEXT NOT NULL DEFAULT 'channel';
