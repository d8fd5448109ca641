-- Tasks, the quota ledger and per-guild policy.
-- Units are stored as integer hundredths ("centi-units") so sums are exact.

CREATE TABLE tasks (
    id                  TEXT PRIMARY KEY,        -- our UUID; also the provider's external_task_id
    provider            TEXT NOT NULL,
    kind                TEXT NOT NULL,
    guild_id            INTEGER NOT NULL,
    channel_id          INTEGER NOT NULL,
    user_id             INTEGER NOT NULL,
    params              TEXT NOT NULL,           -- JSON: the request without image bytes
    images              TEXT NOT NULL,           -- JSON: [{field, sha256, size}]
    state               TEXT NOT NULL,
    outcome             TEXT,                    -- succeeded | failed, once the provider has finished
    provider_task_id    TEXT,
    callback_token      TEXT NOT NULL,
    slots               INTEGER NOT NULL DEFAULT 1,
    units_reserved      INTEGER NOT NULL,
    units_charged       INTEGER,
    provider_units      TEXT,
    result_urls         TEXT NOT NULL DEFAULT '[]',
    archived_paths      TEXT NOT NULL DEFAULT '[]',
    status_message_id   INTEGER,
    delivery_message_id INTEGER,
    error_reason        TEXT,                    -- why the provider (or the submission) failed
    delivery_error      TEXT,                    -- why the result could not be delivered
    submit_attempts     INTEGER NOT NULL DEFAULT 0,
    polls               INTEGER NOT NULL DEFAULT 0,
    delivery_attempts   INTEGER NOT NULL DEFAULT 0,
    created_at          REAL NOT NULL,
    updated_at          REAL NOT NULL,
    submitted_at        REAL,
    finished_at         REAL,
    delivered_at        REAL,
    deadline_at         REAL,
    next_poll_at        REAL,
    next_delivery_at    REAL
);

CREATE UNIQUE INDEX tasks_provider_task ON tasks (provider, provider_task_id) WHERE provider_task_id IS NOT NULL;
CREATE INDEX tasks_next_poll ON tasks (next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX tasks_next_delivery ON tasks (next_delivery_at) WHERE next_delivery_at IS NOT NULL;
CREATE INDEX tasks_state ON tasks (state, created_at);
CREATE INDEX tasks_user ON tasks (guild_id, user_id, created_at);

CREATE TABLE quota_ledger (
    id          INTEGER PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    entry       TEXT NOT NULL CHECK (entry IN ('reserve', 'charge', 'refund')),
    units       INTEGER NOT NULL,
    created_at  REAL NOT NULL,
    UNIQUE (task_id, entry)
);

CREATE INDEX quota_ledger_user ON quota_ledger (guild_id, user_id, created_at);
CREATE INDEX quota_ledger_guild ON quota_ledger (guild_id, created_at);

CREATE TABLE guild_policies (
    guild_id            INTEGER PRIMARY KEY,
    user_daily_units    INTEGER,
    user_max_active     INTEGER,
    guild_daily_units   INTEGER,
    updated_at          REAL NOT NULL
);

CREATE TABLE role_policies (
    guild_id            INTEGER NOT NULL,
    role_id             INTEGER NOT NULL,
    user_daily_units    INTEGER,
    user_max_active     INTEGER,
    updated_at          REAL NOT NULL,
    PRIMARY KEY (guild_id, role_id)
);
