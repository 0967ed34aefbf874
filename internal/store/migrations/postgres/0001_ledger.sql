-- The ledger: one row per Gong call. Times are unix milliseconds (UTC), the
-- same on SQLite and PostgreSQL. Empty text means "none".
CREATE TABLE calls (
    call_id         TEXT    NOT NULL PRIMARY KEY, -- Gong's id: digits, kept as text
    status          TEXT    NOT NULL,
    payload         BYTEA   NOT NULL,             -- the webhook body as received
    company_id      TEXT    NOT NULL DEFAULT '',
    matched_by      TEXT    NOT NULL DEFAULT '',
    conversation_id TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    checks          INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    received_at     BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    next_check_at   BIGINT                        -- NULL when no check is due
);

-- The summary poller's "due" query and its earliest-next-check query.
CREATE INDEX calls_status_next_check_at ON calls (status, next_check_at);

-- The admin list, newest first.
CREATE INDEX calls_received_at ON calls (received_at, call_id);
