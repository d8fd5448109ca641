-- A server option: each generation gets its own thread (named from the prompt) for its status and result.
ALTER TABLE guild_settings ADD COLUMN threads BOOLEAN NOT NULL DEFAULT FALSE;
