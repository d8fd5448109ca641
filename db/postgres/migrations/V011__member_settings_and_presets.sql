-- Each member's own defaults per server (/settings), saved presets (a member's own, and the ones a server's
-- admins publish), and where a task's result goes (the requester may ask for it by DM).

CREATE TABLE member_settings (
    guild_id        BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    model           TEXT,                    -- NULL: no preference (the server's or the catalogue's)
    mode            TEXT,
    duration        TEXT,
    aspect_ratio    TEXT,
    sound           BOOLEAN,                 -- NULL: no preference
    delivery        TEXT NOT NULL DEFAULT 'channel' CHECK (delivery IN ('channel', 'dm')),
    updated_at      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- A name is unique per owner in any case, like SQLite's COLLATE NOCASE: lower() under "C" folds ASCII only,
-- as NOCASE does.
CREATE TABLE presets (
    guild_id        BIGINT NOT NULL,
    owner_id        BIGINT NOT NULL,         -- the member's id; 0 for the server's published presets
    name            TEXT COLLATE "C" NOT NULL,
    prompt_suffix   TEXT NOT NULL DEFAULT '',
    negative_prompt TEXT NOT NULL DEFAULT '',
    model           TEXT,
    mode            TEXT,
    duration        TEXT,
    aspect_ratio    TEXT,
    sound           BOOLEAN,
    published_by    BIGINT,                  -- a server preset: the admin who published it
    created_at      DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX presets_name ON presets (guild_id, owner_id, lower(name));

ALTER TABLE tasks ADD COLUMN deliver_to TEXT NOT NULL DEFAULT 'channel';
