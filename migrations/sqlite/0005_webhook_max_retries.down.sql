ALTER TABLE webhooks RENAME COLUMN max_retries TO max_attempts;
