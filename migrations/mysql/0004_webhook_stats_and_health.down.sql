ALTER TABLE webhooks DROP COLUMN health_changed_at, DROP COLUMN health_state;
DROP TABLE webhook_stats_total;
DROP TABLE webhook_stats_hourly;
