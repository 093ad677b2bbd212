-- Switchboard schema, version 1 (PostgreSQL 12+).
-- Ids are uuid, instants timestamptz with millisecond precision, flags boolean.
-- Lists (event names, permissions, address ranges) and event payloads are JSON kept as text:
-- a payload must read back byte for byte as it was signed (jsonb would reorder its keys),
-- and nothing queries inside these values.
-- With DATABASE_URL ?schema=NAME every table lands in that schema (the search_path).

CREATE TABLE webhooks (
    id                   uuid PRIMARY KEY,
    name                 varchar(200) NOT NULL,
    url                  varchar(2048) NOT NULL,
    events               text NOT NULL,
    description          text,
    is_active            boolean NOT NULL DEFAULT true,
    secret               text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    disabled_reason      text,
    disabled_at          timestamptz(3),
    max_attempts         integer,
    retry_delays_ms      text,
    created_at           timestamptz(3) NOT NULL,
    updated_at           timestamptz(3) NOT NULL
);
CREATE INDEX webhooks_created_idx ON webhooks (created_at, id);

-- Custom event types registered beside the built-in ten.
CREATE TABLE event_types (
    name        varchar(100) PRIMARY KEY,
    description text NOT NULL,
    created_at  timestamptz(3) NOT NULL,
    retired_at  timestamptz(3)
);

CREATE TABLE events (
    id              uuid PRIMARY KEY,
    type            varchar(100) NOT NULL,
    payload         text NOT NULL,
    idempotency_key varchar(255),
    created_at      timestamptz(3) NOT NULL
);
CREATE UNIQUE INDEX events_idempotency_idx ON events (idempotency_key);
CREATE INDEX events_created_idx ON events (created_at);

-- One row per event and subscribed webhook: the delivery queue and the seed's webhook log.
CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    webhook_id       uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type       varchar(100) NOT NULL,
    status           varchar(20) NOT NULL,
    attempt_count    integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz(3),
    locked_by        varchar(100),
    locked_until     timestamptz(3),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz(3) NOT NULL,
    updated_at       timestamptz(3) NOT NULL,
    completed_at     timestamptz(3)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);

-- Every HTTP request made for a delivery.
CREATE TABLE webhook_attempts (
    id              uuid PRIMARY KEY,
    delivery_id     uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt_number  integer NOT NULL,
    request_headers text NOT NULL,
    response_status integer,
    response_body   text,
    duration_ms     integer NOT NULL,
    error           text,
    created_at      timestamptz(3) NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt_number);
CREATE INDEX webhook_attempts_created_idx ON webhook_attempts (created_at);

-- API keys: a display prefix and a keyed hash; the key itself is never stored.
CREATE TABLE api_keys (
    id                         uuid PRIMARY KEY,
    name                       varchar(200) NOT NULL,
    description                text,
    key_prefix                 varchar(32) NOT NULL,
    key_hash                   varchar(128) NOT NULL,
    permissions                text NOT NULL,
    ip_whitelist               text NOT NULL DEFAULT '[]',
    rate_limit_requests        integer,
    rate_limit_window_seconds  integer,
    expires_at                 timestamptz(3),
    last_used_at               timestamptz(3),
    last_used_ip               varchar(64),
    revoked_at                 timestamptz(3),
    created_at                 timestamptz(3) NOT NULL,
    updated_at                 timestamptz(3) NOT NULL
);
CREATE UNIQUE INDEX api_keys_hash_idx ON api_keys (key_hash);
CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);

CREATE TABLE audit_logs (
    id             uuid PRIMARY KEY,
    actor_key_id   uuid,
    action         varchar(100) NOT NULL,
    target_type    varchar(50) NOT NULL,
    target_id      varchar(255),
    client_address varchar(64),
    changes        text,
    created_at     timestamptz(3) NOT NULL
);
CREATE INDEX audit_logs_created_idx ON audit_logs (created_at);
CREATE INDEX audit_logs_actor_idx ON audit_logs (actor_key_id, created_at);
CREATE INDEX audit_logs_target_idx ON audit_logs (target_type, target_id);
