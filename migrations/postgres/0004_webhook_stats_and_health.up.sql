-- Hourly delivery statistics per webhook, kept up to date as attempts are recorded, so
-- analytics read a few rows per webhook and hour instead of every delivery log.
-- Hours are UTC text 'YYYY-MM-DDTHH', the same on every database: varchar, not char, because
-- a char column compared with a text parameter is cast, and the cast cannot use the index.
-- Latency is counted in buckets (lat_le_N: more than the previous bound, at most N ms),
-- from which percentiles are estimated. `switchboard update-stats` rebuilds the rows.
-- The key starts with the hour: analytics read ranges of hours. (No index leads with the
-- webhook: planners would scan all of it to group by webhook instead of reading the range.)
CREATE TABLE webhook_stats_hourly (
    hour            varchar(13) NOT NULL,
    webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    attempts        bigint NOT NULL DEFAULT 0,
    successes       bigint NOT NULL DEFAULT 0,
    failures        bigint NOT NULL DEFAULT 0,
    total_ms        bigint NOT NULL DEFAULT 0,
    lat_le_25       bigint NOT NULL DEFAULT 0,
    lat_le_50       bigint NOT NULL DEFAULT 0,
    lat_le_100      bigint NOT NULL DEFAULT 0,
    lat_le_250      bigint NOT NULL DEFAULT 0,
    lat_le_500      bigint NOT NULL DEFAULT 0,
    lat_le_1000     bigint NOT NULL DEFAULT 0,
    lat_le_2500     bigint NOT NULL DEFAULT 0,
    lat_le_5000     bigint NOT NULL DEFAULT 0,
    lat_le_10000    bigint NOT NULL DEFAULT 0,
    lat_over_10000  bigint NOT NULL DEFAULT 0,
    last_success_at timestamptz(3),
    last_failure_at timestamptz(3),
    PRIMARY KEY (hour, webhook_id)
);

-- The same figures per webhook over all time (the sum of its hourly rows), so all-time
-- totals cost one row per webhook however long the history.
CREATE TABLE webhook_stats_total (
    webhook_id      uuid PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
    attempts        bigint NOT NULL DEFAULT 0,
    successes       bigint NOT NULL DEFAULT 0,
    failures        bigint NOT NULL DEFAULT 0,
    total_ms        bigint NOT NULL DEFAULT 0,
    lat_le_25       bigint NOT NULL DEFAULT 0,
    lat_le_50       bigint NOT NULL DEFAULT 0,
    lat_le_100      bigint NOT NULL DEFAULT 0,
    lat_le_250      bigint NOT NULL DEFAULT 0,
    lat_le_500      bigint NOT NULL DEFAULT 0,
    lat_le_1000     bigint NOT NULL DEFAULT 0,
    lat_le_2500     bigint NOT NULL DEFAULT 0,
    lat_le_5000     bigint NOT NULL DEFAULT 0,
    lat_le_10000    bigint NOT NULL DEFAULT 0,
    lat_over_10000  bigint NOT NULL DEFAULT 0,
    last_success_at timestamptz(3),
    last_failure_at timestamptz(3)
);

-- Existing delivery logs are counted once now; new attempts are added as they are recorded.
INSERT INTO webhook_stats_hourly (hour, webhook_id, attempts, successes, failures, total_ms, lat_le_25, lat_le_50, lat_le_100, lat_le_250, lat_le_500, lat_le_1000, lat_le_2500, lat_le_5000, lat_le_10000, lat_over_10000, last_success_at, last_failure_at)
SELECT to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), d.webhook_id,
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
GROUP BY to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), d.webhook_id;
INSERT INTO webhook_stats_total (webhook_id, attempts, successes, failures, total_ms, lat_le_25, lat_le_50, lat_le_100, lat_le_250, lat_le_500, lat_le_1000, lat_le_2500, lat_le_5000, lat_le_10000, lat_over_10000, last_success_at, last_failure_at)
SELECT webhook_id, SUM(attempts), SUM(successes), SUM(failures), SUM(total_ms), SUM(lat_le_25), SUM(lat_le_50), SUM(lat_le_100), SUM(lat_le_250), SUM(lat_le_500), SUM(lat_le_1000), SUM(lat_le_2500), SUM(lat_le_5000), SUM(lat_le_10000), SUM(lat_over_10000), MAX(last_success_at), MAX(last_failure_at)
FROM webhook_stats_hourly GROUP BY webhook_id;

-- The health state last announced by an operational event, so each change is announced
-- once even with several servers on one database.
ALTER TABLE webhooks ADD COLUMN health_state varchar(20) NOT NULL DEFAULT 'healthy';
ALTER TABLE webhooks ADD COLUMN health_changed_at timestamptz(3);

-- The same for the usage table's day (version 0003 made it char(10)): ranges of days are
-- read by the API-key analytics.
ALTER TABLE api_key_usage ALTER COLUMN day TYPE varchar(10);
