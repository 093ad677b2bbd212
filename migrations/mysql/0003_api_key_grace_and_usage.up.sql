-- Regeneration with a grace period: the replaced key keeps working until it expires.
ALTER TABLE api_keys ADD COLUMN previous_key_hash VARCHAR(128), ADD COLUMN previous_key_expires_at DATETIME(3);
CREATE INDEX api_keys_previous_hash_idx ON api_keys (previous_key_hash);

-- Requests per key per day (UTC, YYYY-MM-DD), by route group and status class (2xx, 4xx, …).
CREATE TABLE api_key_usage (
    key_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    day          CHAR(10) NOT NULL,
    route_group  VARCHAR(50) NOT NULL,
    status_class CHAR(3) NOT NULL,
    requests     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day, route_group, status_class)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
