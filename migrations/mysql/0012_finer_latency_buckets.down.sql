UPDATE webhook_stats_hourly SET lat_le_25 = lat_le_25 + lat_le_1 + lat_le_2 + lat_le_5 + lat_le_10, lat_over_10000 = lat_over_10000 + lat_le_30000 + lat_over_30000;
ALTER TABLE webhook_stats_hourly
    DROP COLUMN lat_le_1,
    DROP COLUMN lat_le_2,
    DROP COLUMN lat_le_5,
    DROP COLUMN lat_le_10,
    DROP COLUMN lat_le_30000,
    DROP COLUMN lat_over_30000,
    DROP COLUMN min_ms,
    DROP COLUMN max_ms;
UPDATE webhook_stats_total SET lat_le_25 = lat_le_25 + lat_le_1 + lat_le_2 + lat_le_5 + lat_le_10, lat_over_10000 = lat_over_10000 + lat_le_30000 + lat_over_30000;
ALTER TABLE webhook_stats_total
    DROP COLUMN lat_le_1,
    DROP COLUMN lat_le_2,
    DROP COLUMN lat_le_5,
    DROP COLUMN lat_le_10,
    DROP COLUMN lat_le_30000,
    DROP COLUMN lat_over_30000,
    DROP COLUMN min_ms,
    DROP COLUMN max_ms;
