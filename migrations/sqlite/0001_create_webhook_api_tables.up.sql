-- Switchboard schema, version 1 (SQLite).
-- Ids are UUIDs made by Switchboard, stored as lower-case text. Timestamps are UTC text in
-- ISO-8601 with milliseconds (2026-11-29T17:57:53.123Z), which sorts in time order.
-- Lists (event names, permissions, address ranges) are JSON arrays in text columns.

CREATE TABLE webhooks (
    id                   TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    events               TEXT NOT NULL,
    description          TEXT,
    is_active            INTEGER NOT NULL DEFAULT 1,
    secret               TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_reason      TEXT,
    disabled_at          TEXT,
    max_attempts         INTEGER,
    retry_delays_ms      TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX webhooks_created_idx ON webhooks (created_at, id);

-- Custom event types registered beside the built-in ten.
CREATE TABLE event_types (
    name        TEXT PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);

CREATE TABLE events (
    id              TEXT PRIMARY KEY NOT NULL,
    type            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    idempotency_key TEXT,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX events_idempotency_idx ON events (idempotency_key);
CREATE INDEX events_created_idx ON events (created_at);

-- One row per event and subscribed webhook: the delivery queue and the seed's webhook log.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY NOT NULL,
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempt_count    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    locked_by        TEXT,
    locked_until     TEXT,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    completed_at     TEXT
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);

-- Every HTTP request made for a delivery.
CREATE TABLE webhook_attempts (
    id              TEXT PRIMARY KEY NOT NULL,
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt_number  INTEGER NOT NULL,
    request_headers TEXT NOT NULL,
    response_status INTEGER,
    response_body   TEXT,
    duration_ms     INTEGER NOT NULL,
    error           TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt_number);
CREATE INDEX webhook_attempts_created_idx ON webhook_attempts (created_at);

-- API keys: a display prefix and a keyed hash; the key itself is never stored.
CREATE TABLE api_keys (
    id                         TEXT PRIMARY KEY NOT NULL,
    name                       TEXT NOT NULL,
    description                TEXT,
    key_prefix                 TEXT NOT NULL,
    key_hash                   TEXT NOT NULL,
    permissions                TEXT NOT NULL,
    ip_whitelist               TEXT NOT NULL DEFAULT '[]',
    rate_limit_requests        INTEGER,
    rate_limit_window_seconds  INTEGER,
    expires_at                 TEXT,
    last_used_at               TEXT,
    last_used_ip               TEXT,
    revoked_at                 TEXT,
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL
);
CREATE UNIQUE INDEX api_keys_hash_idx ON api_keys (key_hash);
CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);

CREATE TABLE audit_logs (
    id             TEXT PRIMARY KEY NOT NULL,
    actor_key_id   TEXT,
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL,
    target_id      TEXT,
    client_address TEXT,
    changes        TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX audit_logs_created_idx ON audit_logs (created_at);
CREATE INDEX audit_logs_actor_idx ON audit_logs (actor_key_id, created_at);
CREATE INDEX audit_logs_target_idx ON audit_logs (target_type, target_id);
