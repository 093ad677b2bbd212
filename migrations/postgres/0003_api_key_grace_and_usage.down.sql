DROP TABLE IF EXISTS api_key_usage;
DROP INDEX IF EXISTS api_keys_previous_hash_idx;
ALTER TABLE api_keys DROP COLUMN previous_key_expires_at;
ALTER TABLE api_keys DROP COLUMN previous_key_hash;
