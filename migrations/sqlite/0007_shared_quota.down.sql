DROP TABLE IF EXISTS api_key_quota_windows;
