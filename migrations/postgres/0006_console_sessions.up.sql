-- Console sign-in: a browser trades an API key for a session cookie. Only a keyed hash of
-- the session token is stored; key_hash is the key's hash at sign-in, so regenerating the
-- key (a new hash) ends its sessions.
CREATE TABLE console_sessions (
    token_hash      varchar(64) PRIMARY KEY,
    api_key_id      uuid NOT NULL,
    key_hash        varchar(128) NOT NULL,
    client_address  varchar(64),
    created_at      timestamptz(3) NOT NULL,
    last_seen_at    timestamptz(3) NOT NULL,
    expires_at      timestamptz(3) NOT NULL
);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);
CREATE INDEX console_sessions_key_idx ON console_sessions (api_key_id);

-- Single-use sign-in links printed by `switchboard ui-link`.
CREATE TABLE console_sign_in_links (
    token_hash  varchar(64) PRIMARY KEY,
    api_key_id  uuid NOT NULL,
    created_at  timestamptz(3) NOT NULL,
    expires_at  timestamptz(3) NOT NULL,
    used_at     timestamptz(3)
);
CREATE INDEX console_sign_in_links_expires_idx ON console_sign_in_links (expires_at);
