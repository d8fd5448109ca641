-- Who stopped a task's result from being posted: the member (or admin) who cancelled it while it waited in
-- the queue (outcome 'cancelled', refunded), or who chose "Don't post it" once Kling had it (archived, charged,
-- never posted). NULL: posted as usual.
ALTER TABLE tasks ADD COLUMN withheld_by BIGINT;
