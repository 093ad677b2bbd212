-- A webhook's retry count is called maxRetries in the API and in the code: one spelling.
ALTER TABLE webhooks RENAME COLUMN max_attempts TO max_retries;
