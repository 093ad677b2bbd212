-- The transactional outbox: the CRM inserts a row here in the same transaction as its own
-- write; Switchboard's relay turns committed rows into events (exactly once) and deletes them.
CREATE TABLE switchboard_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_type       TEXT NOT NULL,
    data             TEXT NOT NULL,
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Rows that could not become events (unknown type, data not JSON), kept with the reason.
CREATE TABLE switchboard_outbox_rejected (
    id               INTEGER PRIMARY KEY NOT NULL,
    event_type       TEXT NOT NULL,
    data             TEXT NOT NULL,
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL,
    rejected_at      TEXT NOT NULL,
    reason           TEXT NOT NULL
);
CREATE INDEX switchboard_outbox_rejected_at_idx ON switchboard_outbox_rejected (rejected_at, id);
