-- webhook_deliveries_log_idx (created_at, id) serves every read the (created_at) index did
-- (its leading column), so that one only cost writes: every delivery inserted kept it up to
-- date too.
DROP INDEX webhook_deliveries_created_idx ON webhook_deliveries;
