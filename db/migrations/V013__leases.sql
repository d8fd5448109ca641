-- Leases: which process holds a task while it is being sent (`submitting`) or posted (`delivering`), and until
-- when. Several processes share one database: a live lease is never touched; an expired one (its holder died or
-- hung) is taken over. Any state change ends the lease.
ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
ALTER TABLE tasks ADD COLUMN lease_until REAL;
