-- Tasks, the quota ledger and per-guild policy (PostgreSQL; the same tables as SQLite's V001).
-- Units are stored as integer hundredths ("centi-units") so sums are exact; times are Unix seconds.
-- Text keys that queries order by are COLLATE "C", so they sort byte-wise as in SQLite whatever the locale.
-- JSON (not JSONB) keeps the text as written, like SQLite's TEXT, and takes any JSON (JSONB refuses \u0000).

CREATE TABLE tasks (
    id                  TEXT COLLATE "C" PRIMARY KEY,  -- our UUID; also the provider's external_task_id
    -- Insertion order (SQLite's rowid): breaks ties in time-ordered queries the way SQLite's scans do.
    seq                 BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    provider            TEXT NOT NULL,
    kind                TEXT NOT NULL,
    guild_id            BIGINT NOT NULL,
    channel_id          BIGINT NOT NULL,
    user_id             BIGINT NOT NULL,
    params              JSON NOT NULL,           -- the request without image bytes
    images              JSON NOT NULL,           -- [{field, sha256, size}]
    state               TEXT NOT NULL,
    outcome             TEXT,                    -- succeeded | failed, once the provider has finished
    provider_task_id    TEXT,
    callback_token      TEXT NOT NULL,
    slots               INTEGER NOT NULL DEFAULT 1,
    units_reserved      BIGINT NOT NULL,
    units_charged       BIGINT,
    provider_units      TEXT,
    result_urls         JSON NOT NULL DEFAULT '[]',
    archived_paths      JSON NOT NULL DEFAULT '[]',
    status_message_id   BIGINT,
    delivery_message_id BIGINT,
    error_reason        TEXT,                    -- why the provider (or the submission) failed
    delivery_error      TEXT,                    -- why the result could not be delivered
    submit_attempts     INTEGER NOT NULL DEFAULT 0,
    polls               INTEGER NOT NULL DEFAULT 0,
    delivery_attempts   INTEGER NOT NULL DEFAULT 0,
    created_at          DOUBLE PRECISION NOT NULL,
    updated_at          DOUBLE PRECISION NOT NULL,
    submitted_at        DOUBLE PRECISION,
    finished_at         DOUBLE PRECISION,
    delivered_at        DOUBLE PRECISION,
    deadline_at         DOUBLE PRECISION,
    next_poll_at        DOUBLE PRECISION,
    next_delivery_at    DOUBLE PRECISION
);

CREATE UNIQUE INDEX tasks_provider_task ON tasks (provider, provider_task_id) WHERE provider_task_id IS NOT NULL;
CREATE INDEX tasks_next_poll ON tasks (next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX tasks_next_delivery ON tasks (next_delivery_at) WHERE next_delivery_at IS NOT NULL;
CREATE INDEX tasks_state ON tasks (state, created_at);
CREATE INDEX tasks_user ON tasks (guild_id, user_id, created_at);

CREATE TABLE quota_ledger (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id     TEXT COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    entry       TEXT NOT NULL CHECK (entry IN ('reserve', 'charge', 'refund')),
    units       BIGINT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL,
    UNIQUE (task_id, entry)
);

CREATE INDEX quota_ledger_user ON quota_ledger (guild_id, user_id, created_at);
CREATE INDEX quota_ledger_guild ON quota_ledger (guild_id, created_at);

CREATE TABLE guild_policies (
    guild_id            BIGINT PRIMARY KEY,
    user_daily_units    BIGINT,
    user_max_active     INTEGER,
    guild_daily_units   BIGINT,
    updated_at          DOUBLE PRECISION NOT NULL
);

CREATE TABLE role_policies (
    guild_id            BIGINT NOT NULL,
    role_id             BIGINT NOT NULL,
    user_daily_units    BIGINT,
    user_max_active     INTEGER,
    updated_at          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, role_id)
);
