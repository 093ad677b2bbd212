-- Regeneration with a grace period: the replaced key keeps working until it expires.
ALTER TABLE api_keys ADD COLUMN previous_key_hash varchar(128);
ALTER TABLE api_keys ADD COLUMN previous_key_expires_at timestamptz(3);
CREATE INDEX api_keys_previous_hash_idx ON api_keys (previous_key_hash);

-- Requests per key per day (UTC, YYYY-MM-DD), by route group and status class (2xx, 4xx, …).
CREATE TABLE api_key_usage (
    key_id       uuid NOT NULL,
    day          char(10) NOT NULL,
    route_group  varchar(50) NOT NULL,
    status_class char(3) NOT NULL,
    requests     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day, route_group, status_class)
);
