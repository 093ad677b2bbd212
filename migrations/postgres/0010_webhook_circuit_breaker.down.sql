ALTER TABLE webhooks DROP COLUMN consecutive_failed_deliveries;
ALTER TABLE webhooks DROP COLUMN circuit_state;
ALTER TABLE webhooks DROP COLUMN circuit_failures;
ALTER TABLE webhooks DROP COLUMN circuit_probes;
ALTER TABLE webhooks DROP COLUMN circuit_opened_at;
ALTER TABLE webhooks DROP COLUMN circuit_next_probe_at;
ALTER TABLE webhooks DROP COLUMN circuit_probe_until;
ALTER TABLE webhooks DROP COLUMN circuit_closed_at;
