DROP INDEX webhook_deliveries_log_idx ON webhook_deliveries;
ALTER TABLE webhooks DROP COLUMN previous_secret_expires_at, DROP COLUMN previous_secret;
