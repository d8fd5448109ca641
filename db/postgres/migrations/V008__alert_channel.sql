-- Where a server's budget alerts go (an admin channel); none: alerts go to the operators only.
ALTER TABLE guild_settings ADD COLUMN alert_channel_id BIGINT;
