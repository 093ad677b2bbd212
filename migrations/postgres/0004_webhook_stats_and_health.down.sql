ALTER TABLE api_key_usage ALTER COLUMN day TYPE char(10);
ALTER TABLE webhooks DROP COLUMN health_changed_at;
ALTER TABLE webhooks DROP COLUMN health_state;
DROP TABLE webhook_stats_total;
DROP TABLE webhook_stats_hourly;
