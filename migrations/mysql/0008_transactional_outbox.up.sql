-- The transactional outbox: the CRM inserts a row here in the same transaction as its own
-- write; Switchboard's relay turns committed rows into events (exactly once) and deletes them.
CREATE TABLE switchboard_outbox (
    id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_type       VARCHAR(200) NOT NULL,
    data             MEDIUMTEXT NOT NULL,
    idempotency_key  VARCHAR(255),
    created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Rows that could not become events (unknown type, data not JSON), kept with the reason.
CREATE TABLE switchboard_outbox_rejected (
    id               BIGINT NOT NULL PRIMARY KEY,
    event_type       VARCHAR(200) NOT NULL,
    data             MEDIUMTEXT NOT NULL,
    idempotency_key  VARCHAR(255),
    created_at       DATETIME(3) NOT NULL,
    rejected_at      DATETIME(3) NOT NULL,
    reason           TEXT NOT NULL,
    INDEX switchboard_outbox_rejected_at_idx (rejected_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
