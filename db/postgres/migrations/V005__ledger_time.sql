-- Bot-wide budgets sum every reservation in a window.
CREATE INDEX quota_ledger_time ON quota_ledger (entry, created_at);
