-- Requests per key per fixed rate-limit window, added by every server process so a key's
-- limit holds across processes (window_start: Unix seconds, a multiple of the window).
CREATE TABLE api_key_quota_windows (
    key_id        CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    window_start  BIGINT NOT NULL,
    requests      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
