DROP TABLE IF EXISTS api_key_usage;
DROP INDEX api_keys_previous_hash_idx ON api_keys;
ALTER TABLE api_keys DROP COLUMN previous_key_expires_at, DROP COLUMN previous_key_hash;
