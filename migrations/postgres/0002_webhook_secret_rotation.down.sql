DROP INDEX IF EXISTS webhook_deliveries_log_idx;
ALTER TABLE webhooks DROP COLUMN previous_secret_expires_at;
ALTER TABLE webhooks DROP COLUMN previous_secret;
