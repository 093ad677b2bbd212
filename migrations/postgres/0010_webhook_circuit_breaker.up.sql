-- A circuit breaker per webhook, shared by every server on the database (README "Circuit
-- breaker"). `circuit_failures` counts transient failures (no answer, 408, 429, 5xx) in a
-- row; at the threshold the circuit opens: the webhook's deliveries wait, and one leased
-- probe (`half_open`, `circuit_probe_until`) goes out at `circuit_next_probe_at`.
-- `circuit_closed_at` starts the ramp that lets the backlog flow back gradually.
-- `consecutive_failed_deliveries` counts deliveries that ended failed, the seed's
-- auto-disable rule; `consecutive_failures` keeps counting failed attempts for health.
ALTER TABLE webhooks ADD COLUMN consecutive_failed_deliveries integer NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN circuit_state varchar(10) NOT NULL DEFAULT 'closed';
ALTER TABLE webhooks ADD COLUMN circuit_failures integer NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN circuit_probes integer NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN circuit_opened_at timestamptz(3);
ALTER TABLE webhooks ADD COLUMN circuit_next_probe_at timestamptz(3);
ALTER TABLE webhooks ADD COLUMN circuit_probe_until timestamptz(3);
ALTER TABLE webhooks ADD COLUMN circuit_closed_at timestamptz(3);
-- The per-webhook throttle (`maxDeliveriesPerSecond`; null: the server's default, if any).
-- `throttle_next_ms` is when (ms since 1970) the next delivery may start: servers claim
-- against it with a compare-and-set, so the rate holds however many run.
ALTER TABLE webhooks ADD COLUMN max_deliveries_per_second double precision;
ALTER TABLE webhooks ADD COLUMN throttle_next_ms bigint NOT NULL DEFAULT 0;
-- Attempts a delivery made while its webhook's circuit held it (probes, and failures while
-- open): they do not count against its retries.
ALTER TABLE webhook_deliveries ADD COLUMN held_attempts integer NOT NULL DEFAULT 0;
