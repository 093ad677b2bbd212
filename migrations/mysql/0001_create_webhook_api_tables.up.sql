-- Switchboard schema, version 1 (MySQL 8.0.1+ / MariaDB 10.6+, InnoDB).
-- Ids are UUID text in CHAR(36) ascii, instants UTC in DATETIME(3), flags BOOLEAN.
-- Every text column compares byte for byte (utf8mb4_bin), as on PostgreSQL and SQLite: an
-- idempotency key or key hash that differs only in case is a different value.
-- Event payloads are MEDIUMTEXT, not JSON: they must read back byte for byte as signed, and
-- MySQL's JSON type normalises documents. Lists (event names, permissions, address ranges)
-- use JSON.

CREATE TABLE webhooks (
    id                   CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    name                 VARCHAR(200) NOT NULL,
    url                  VARCHAR(2048) NOT NULL,
    events               JSON NOT NULL,
    description          TEXT,
    is_active            BOOLEAN NOT NULL DEFAULT TRUE,
    secret               TEXT,
    consecutive_failures INT NOT NULL DEFAULT 0,
    disabled_reason      TEXT,
    disabled_at          DATETIME(3),
    max_attempts         INT,
    retry_delays_ms      JSON,
    created_at           DATETIME(3) NOT NULL,
    updated_at           DATETIME(3) NOT NULL,
    INDEX webhooks_created_idx (created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Custom event types registered beside the built-in ten.
CREATE TABLE event_types (
    name        VARCHAR(100) NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    created_at  DATETIME(3) NOT NULL,
    retired_at  DATETIME(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE events (
    id              CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    type            VARCHAR(100) NOT NULL,
    payload         MEDIUMTEXT NOT NULL,
    idempotency_key VARCHAR(255),
    created_at      DATETIME(3) NOT NULL,
    UNIQUE INDEX events_idempotency_idx (idempotency_key),
    INDEX events_created_idx (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per event and subscribed webhook: the delivery queue and the seed's webhook log.
CREATE TABLE webhook_deliveries (
    id               CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    event_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    webhook_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_type       VARCHAR(100) NOT NULL,
    status           VARCHAR(20) NOT NULL,
    attempt_count    INT NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME(3),
    locked_by        VARCHAR(100),
    locked_until     DATETIME(3),
    last_status_code INT,
    last_error       TEXT,
    created_at       DATETIME(3) NOT NULL,
    updated_at       DATETIME(3) NOT NULL,
    completed_at     DATETIME(3),
    INDEX webhook_deliveries_due_idx (status, next_attempt_at),
    INDEX webhook_deliveries_webhook_idx (webhook_id, created_at),
    INDEX webhook_deliveries_event_idx (event_id),
    INDEX webhook_deliveries_created_idx (created_at),
    CONSTRAINT webhook_deliveries_event_fk FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_webhook_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every HTTP request made for a delivery.
CREATE TABLE webhook_attempts (
    id              CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    delivery_id     CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempt_number  INT NOT NULL,
    request_headers TEXT NOT NULL,
    response_status INT,
    response_body   MEDIUMTEXT,
    duration_ms     INT NOT NULL,
    error           TEXT,
    created_at      DATETIME(3) NOT NULL,
    INDEX webhook_attempts_delivery_idx (delivery_id, attempt_number),
    INDEX webhook_attempts_created_idx (created_at),
    CONSTRAINT webhook_attempts_delivery_fk FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- API keys: a display prefix and a keyed hash; the key itself is never stored.
CREATE TABLE api_keys (
    id                         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    name                       VARCHAR(200) NOT NULL,
    description                TEXT,
    key_prefix                 VARCHAR(32) NOT NULL,
    key_hash                   VARCHAR(128) NOT NULL,
    permissions                JSON NOT NULL,
    ip_whitelist               JSON NOT NULL,
    rate_limit_requests        INT,
    rate_limit_window_seconds  INT,
    expires_at                 DATETIME(3),
    last_used_at               DATETIME(3),
    last_used_ip               VARCHAR(64),
    revoked_at                 DATETIME(3),
    created_at                 DATETIME(3) NOT NULL,
    updated_at                 DATETIME(3) NOT NULL,
    UNIQUE INDEX api_keys_hash_idx (key_hash),
    INDEX api_keys_created_idx (created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_logs (
    id             CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    actor_key_id   CHAR(36) CHARACTER SET ascii COLLATE ascii_bin,
    action         VARCHAR(100) NOT NULL,
    target_type    VARCHAR(50) NOT NULL,
    target_id      VARCHAR(255),
    client_address VARCHAR(64),
    changes        TEXT,
    created_at     DATETIME(3) NOT NULL,
    INDEX audit_logs_created_idx (created_at),
    INDEX audit_logs_actor_idx (actor_key_id, created_at),
    INDEX audit_logs_target_idx (target_type, target_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
