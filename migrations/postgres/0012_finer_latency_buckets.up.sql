-- Latency buckets fine enough to place a percentile near what was measured: 1, 2, 5 and 10 ms
-- below the old first bound (25 ms), and 30 s above the old last one; and the shortest and
-- longest attempt of each row (min_ms, max_ms), which no percentile may leave.
-- Only columns are added, so a server of the previous version still running against this
-- database keeps recording. Existing rows keep their counts: the old first bucket (0-25 ms)
-- stays lat_le_25; the old top bucket (over 10 s) moves to lat_le_30000, which holds it unless
-- WEBHOOK_TIMEOUT_MS was over 30 s (lat_over_10000 is read as part of that bucket from now on,
-- for what a previous server still adds to it); min_ms/max_ms are the bounds of a row's lowest
-- and highest buckets (max_ms at most total_ms). `switchboard update-stats` recounts the hours
-- whose delivery logs are kept, with the new buckets.
ALTER TABLE webhook_stats_hourly
    ADD COLUMN lat_le_1 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_le_2 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_le_5 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_le_10 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_le_30000 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_over_30000 bigint NOT NULL DEFAULT 0,
    ADD COLUMN min_ms bigint,
    ADD COLUMN max_ms bigint;
UPDATE webhook_stats_hourly SET
    min_ms = CASE WHEN lat_le_25 > 0 THEN 0 WHEN lat_le_50 > 0 THEN 25 WHEN lat_le_100 > 0 THEN 50 WHEN lat_le_250 > 0 THEN 100 WHEN lat_le_500 > 0 THEN 250 WHEN lat_le_1000 > 0 THEN 500 WHEN lat_le_2500 > 0 THEN 1000 WHEN lat_le_5000 > 0 THEN 2500 WHEN lat_le_10000 > 0 THEN 5000 WHEN lat_over_10000 > 0 THEN 10000 END,
    max_ms = CASE WHEN lat_over_10000 > 0 THEN total_ms WHEN lat_le_10000 > 0 THEN LEAST(10000, total_ms) WHEN lat_le_5000 > 0 THEN LEAST(5000, total_ms) WHEN lat_le_2500 > 0 THEN LEAST(2500, total_ms) WHEN lat_le_1000 > 0 THEN LEAST(1000, total_ms) WHEN lat_le_500 > 0 THEN LEAST(500, total_ms) WHEN lat_le_250 > 0 THEN LEAST(250, total_ms) WHEN lat_le_100 > 0 THEN LEAST(100, total_ms) WHEN lat_le_50 > 0 THEN LEAST(50, total_ms) WHEN lat_le_25 > 0 THEN LEAST(25, total_ms) END,
    lat_le_30000 = lat_over_10000,
    lat_over_10000 = 0
WHERE attempts > 0;
ALTER TABLE webhook_stats_total
    ADD COLUMN lat_le_1 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_le_2 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_le_5 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_le_10 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_le_30000 bigint NOT NULL DEFAULT 0,
    ADD COLUMN lat_over_30000 bigint NOT NULL DEFAULT 0,
    ADD COLUMN min_ms bigint,
    ADD COLUMN max_ms bigint;
UPDATE webhook_stats_total SET
    min_ms = CASE WHEN lat_le_25 > 0 THEN 0 WHEN lat_le_50 > 0 THEN 25 WHEN lat_le_100 > 0 THEN 50 WHEN lat_le_250 > 0 THEN 100 WHEN lat_le_500 > 0 THEN 250 WHEN lat_le_1000 > 0 THEN 500 WHEN lat_le_2500 > 0 THEN 1000 WHEN lat_le_5000 > 0 THEN 2500 WHEN lat_le_10000 > 0 THEN 5000 WHEN lat_over_10000 > 0 THEN 10000 END,
    max_ms = CASE WHEN lat_over_10000 > 0 THEN total_ms WHEN lat_le_10000 > 0 THEN LEAST(10000, total_ms) WHEN lat_le_5000 > 0 THEN LEAST(5000, total_ms) WHEN lat_le_2500 > 0 THEN LEAST(2500, total_ms) WHEN lat_le_1000 > 0 THEN LEAST(1000, total_ms) WHEN lat_le_500 > 0 THEN LEAST(500, total_ms) WHEN lat_le_250 > 0 THEN LEAST(250, total_ms) WHEN lat_le_100 > 0 THEN LEAST(100, total_ms) WHEN lat_le_50 > 0 THEN LEAST(50, total_ms) WHEN lat_le_25 > 0 THEN LEAST(25, total_ms) END,
    lat_le_30000 = lat_over_10000,
    lat_over_10000 = 0
WHERE attempts > 0;
