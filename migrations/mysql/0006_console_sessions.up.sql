-- Console sign-in: a browser trades an API key for a session cookie. Only a keyed hash of
-- the session token is stored; key_hash is the key's hash at sign-in, so regenerating the
-- key (a new hash) ends its sessions.
CREATE TABLE console_sessions (
    token_hash      CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    api_key_id      CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    key_hash        VARCHAR(128) NOT NULL,
    client_address  VARCHAR(64),
    created_at      DATETIME(3) NOT NULL,
    last_seen_at    DATETIME(3) NOT NULL,
    expires_at      DATETIME(3) NOT NULL,
    INDEX console_sessions_expires_idx (expires_at),
    INDEX console_sessions_key_idx (api_key_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Single-use sign-in links printed by `switchboard ui-link`.
CREATE TABLE console_sign_in_links (
    token_hash  CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    api_key_id  CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at  DATETIME(3) NOT NULL,
    expires_at  DATETIME(3) NOT NULL,
    used_at     DATETIME(3),
    INDEX console_sign_in_links_expires_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
