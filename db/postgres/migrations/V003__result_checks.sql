-- Looks at a task the provider called finished but whose result list was still empty (bounded).
ALTER TABLE tasks ADD COLUMN empty_result_checks INTEGER NOT NULL DEFAULT 0;
-- Seconds the provider took to make the task (its own timestamps), to learn expected generation times.
ALTER TABLE tasks ADD COLUMN generation_seconds DOUBLE PRECISION;
-- When the provider is expected to finish the task (learned times), shown to the member as an estimate.
ALTER TABLE tasks ADD COLUMN expected_at DOUBLE PRECISION;
