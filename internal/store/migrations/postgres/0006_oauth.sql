-- The OAuth connection to Gong, one row. The tokens are sealed by gongsync
-- (AES-GCM with TOKEN_ENCRYPTION_KEY) before they reach the database. A
-- refresh locks this row and saves the new pair in the same transaction.
CREATE TABLE oauth_tokens (
    provider      TEXT    NOT NULL PRIMARY KEY, -- 'gong'
    access_token  TEXT    NOT NULL DEFAULT '',
    refresh_token TEXT    NOT NULL DEFAULT '',
    token_type    TEXT    NOT NULL DEFAULT '',
    base_url      TEXT    NOT NULL DEFAULT '',  -- api_base_url_for_customer
    expires_at    BIGINT,                       -- unix ms; NULL when Gong gave no expiry
    obtained_at   BIGINT  NOT NULL,             -- unix ms
    disconnected  TEXT    NOT NULL DEFAULT '',  -- why the connection was lost; '' while connected
    version       BIGINT  NOT NULL DEFAULT 1,
    updated_at    BIGINT  NOT NULL
);

-- Authorization requests in flight: the SHA-256 of each state, single-use,
-- until it expires. Any replica can finish a flow another one started.
CREATE TABLE oauth_states (
    state_hash TEXT    NOT NULL PRIMARY KEY,
    expires_at BIGINT  NOT NULL -- unix ms
);
