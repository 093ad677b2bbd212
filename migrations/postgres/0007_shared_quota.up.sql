-- Requests per key per fixed rate-limit window, added by every server process so a key's
-- limit holds across processes (window_start: Unix seconds, a multiple of the window).
CREATE TABLE api_key_quota_windows (
    key_id        uuid NOT NULL,
    window_start  bigint NOT NULL,
    requests      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, window_start)
);
