-- Words or patterns a server's admins block in prompts.
CREATE TABLE content_rules (
    guild_id   BIGINT NOT NULL,
    pattern    TEXT COLLATE "C" NOT NULL,
    is_regex   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, pattern)
);
-- Every operator and admin change: who, what, before -> after, when. Nothing in Discord edits it.
CREATE TABLE audit_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id BIGINT,
    actor_id BIGINT,
    action   TEXT NOT NULL,
    before   TEXT NOT NULL DEFAULT '',
    after    TEXT NOT NULL DEFAULT '',
    at       DOUBLE PRECISION NOT NULL
);
CREATE INDEX audit_log_guild ON audit_log (guild_id, at);
