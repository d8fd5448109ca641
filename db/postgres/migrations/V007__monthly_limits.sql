-- Limits over a rolling 30 days, beside the daily ones (hundredths of a unit, like the others).
ALTER TABLE guild_policies ADD COLUMN user_monthly_units BIGINT;
ALTER TABLE guild_policies ADD COLUMN guild_monthly_units BIGINT;
ALTER TABLE role_policies ADD COLUMN user_monthly_units BIGINT;
