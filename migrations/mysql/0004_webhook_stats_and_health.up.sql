-- Hourly delivery statistics per webhook, kept up to date as attempts are recorded, so
-- analytics read a few rows per webhook and hour instead of every delivery log.
-- Hours are UTC text 'YYYY-MM-DDTHH', the same on every database.
-- Latency is counted in buckets (lat_le_N: more than the previous bound, at most N ms),
-- from which percentiles are estimated. `switchboard update-stats` rebuilds the rows.
-- The key starts with the hour: analytics read ranges of hours. The webhook index is the one
-- InnoDB needs for the foreign key.
CREATE TABLE webhook_stats_hourly (
    hour            CHAR(13) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    webhook_id      CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    successes       BIGINT NOT NULL DEFAULT 0,
    failures        BIGINT NOT NULL DEFAULT 0,
    total_ms        BIGINT NOT NULL DEFAULT 0,
    lat_le_25       BIGINT NOT NULL DEFAULT 0,
    lat_le_50       BIGINT NOT NULL DEFAULT 0,
    lat_le_100      BIGINT NOT NULL DEFAULT 0,
    lat_le_250      BIGINT NOT NULL DEFAULT 0,
    lat_le_500      BIGINT NOT NULL DEFAULT 0,
    lat_le_1000     BIGINT NOT NULL DEFAULT 0,
    lat_le_2500     BIGINT NOT NULL DEFAULT 0,
    lat_le_5000     BIGINT NOT NULL DEFAULT 0,
    lat_le_10000    BIGINT NOT NULL DEFAULT 0,
    lat_over_10000  BIGINT NOT NULL DEFAULT 0,
    last_success_at DATETIME(3),
    last_failure_at DATETIME(3),
    PRIMARY KEY (hour, webhook_id),
    INDEX webhook_stats_hourly_webhook_idx (webhook_id, hour),
    CONSTRAINT webhook_stats_hourly_webhook_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The same figures per webhook over all time (the sum of its hourly rows), so all-time
-- totals cost one row per webhook however long the history.
CREATE TABLE webhook_stats_total (
    webhook_id      CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    attempts        BIGINT NOT NULL DEFAULT 0,
    successes       BIGINT NOT NULL DEFAULT 0,
    failures        BIGINT NOT NULL DEFAULT 0,
    total_ms        BIGINT NOT NULL DEFAULT 0,
    lat_le_25       BIGINT NOT NULL DEFAULT 0,
    lat_le_50       BIGINT NOT NULL DEFAULT 0,
    lat_le_100      BIGINT NOT NULL DEFAULT 0,
    lat_le_250      BIGINT NOT NULL DEFAULT 0,
    lat_le_500      BIGINT NOT NULL DEFAULT 0,
    lat_le_1000     BIGINT NOT NULL DEFAULT 0,
    lat_le_2500     BIGINT NOT NULL DEFAULT 0,
    lat_le_5000     BIGINT NOT NULL DEFAULT 0,
    lat_le_10000    BIGINT NOT NULL DEFAULT 0,
    lat_over_10000  BIGINT NOT NULL DEFAULT 0,
    last_success_at DATETIME(3),
    last_failure_at DATETIME(3),
    CONSTRAINT webhook_stats_total_webhook_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Existing delivery logs are counted once now; new attempts are added as they are recorded.
INSERT INTO webhook_stats_hourly (hour, webhook_id, attempts, successes, failures, total_ms, lat_le_25, lat_le_50, lat_le_100, lat_le_250, lat_le_500, lat_le_1000, lat_le_2500, lat_le_5000, lat_le_10000, lat_over_10000, last_success_at, last_failure_at)
SELECT DATE_FORMAT(a.created_at, '%Y-%m-%dT%H'), d.webhook_id,
    COUNT(*),
    SUM(CASE WHEN a.response_status >= 200 AND a.response_status < 300 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.response_status >= 200 AND a.response_status < 300 THEN 0 ELSE 1 END),
    SUM(a.duration_ms),
    SUM(CASE WHEN a.duration_ms <= 25 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 25 AND a.duration_ms <= 50 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 50 AND a.duration_ms <= 100 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 100 AND a.duration_ms <= 250 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 250 AND a.duration_ms <= 500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 500 AND a.duration_ms <= 1000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 1000 AND a.duration_ms <= 2500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 2500 AND a.duration_ms <= 5000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 5000 AND a.duration_ms <= 10000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.duration_ms > 10000 THEN 1 ELSE 0 END),
    MAX(CASE WHEN a.response_status >= 200 AND a.response_status < 300 THEN a.created_at END),
    MAX(CASE WHEN a.response_status >= 200 AND a.response_status < 300 THEN NULL ELSE a.created_at END)
FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
GROUP BY DATE_FORMAT(a.created_at, '%Y-%m-%dT%H'), d.webhook_id;
INSERT INTO webhook_stats_total (webhook_id, attempts, successes, failures, total_ms, lat_le_25, lat_le_50, lat_le_100, lat_le_250, lat_le_500, lat_le_1000, lat_le_2500, lat_le_5000, lat_le_10000, lat_over_10000, last_success_at, last_failure_at)
SELECT webhook_id, SUM(attempts), SUM(successes), SUM(failures), SUM(total_ms), SUM(lat_le_25), SUM(lat_le_50), SUM(lat_le_100), SUM(lat_le_250), SUM(lat_le_500), SUM(lat_le_1000), SUM(lat_le_2500), SUM(lat_le_5000), SUM(lat_le_10000), SUM(lat_over_10000), MAX(last_success_at), MAX(last_failure_at)
FROM webhook_stats_hourly GROUP BY webhook_id;

-- The health state last announced by an operational event, so each change is announced
-- once even with several servers on one database.
ALTER TABLE webhooks ADD COLUMN health_state VARCHAR(20) NOT NULL DEFAULT 'healthy', ADD COLUMN health_changed_at DATETIME(3);
