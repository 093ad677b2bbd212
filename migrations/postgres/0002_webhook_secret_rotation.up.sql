-- Secret rotation: the previous secret keeps signing (beside the new one) until it expires.
ALTER TABLE webhooks ADD COLUMN previous_secret text;
ALTER TABLE webhooks ADD COLUMN previous_secret_expires_at timestamptz(3);
-- Cursor paging of the delivery log, newest first.
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (created_at, id);
