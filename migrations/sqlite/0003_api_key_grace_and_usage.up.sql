-- Regeneration with a grace period: the replaced key keeps working until it expires.
ALTER TABLE api_keys ADD COLUMN previous_key_hash TEXT;
ALTER TABLE api_keys ADD COLUMN previous_key_expires_at TEXT;
CREATE INDEX api_keys_previous_hash_idx ON api_keys (previous_key_hash);

-- Requests per key per day, by route group and status class (2xx, 4xx, …).
CREATE TABLE api_key_usage (
    key_id       TEXT NOT NULL,
    day          TEXT NOT NULL,
    route_group  TEXT NOT NULL,
    status_class TEXT NOT NULL,
    requests     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day, route_group, status_class)
);
