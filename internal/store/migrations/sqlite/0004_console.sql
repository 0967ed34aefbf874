-- What the operator console shows and keeps (issue 8).

-- A call's title and its company's name, for the console's list and search;
-- written by the sync worker (the intake stores the payload only).
ALTER TABLE calls ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN company_name TEXT NOT NULL DEFAULT '';

-- The calls list of one status, newest first, with a cursor.
CREATE INDEX calls_status_received_at ON calls (status, received_at, call_id);
-- The overview's calls per day by status, read from the index alone.
CREATE INDEX calls_received_at_status ON calls (received_at, status);

-- A call's timeline: one row per transition, written in the transition's
-- own transaction, plus duplicate deliveries. Pruned after 90 days.
CREATE TABLE call_events (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    call_id     TEXT    NOT NULL,
    at          INTEGER NOT NULL,             -- unix milliseconds
    kind        TEXT    NOT NULL,             -- received, duplicate, match, write, summary_check, patch, error, resync, assign, sweep, status
    actor       TEXT    NOT NULL,             -- who or what caused it
    from_status TEXT    NOT NULL DEFAULT '',
    to_status   TEXT    NOT NULL DEFAULT '',
    message     TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''   -- JSON, or empty
) STRICT;
CREATE INDEX call_events_call_id ON call_events (call_id, id);
CREATE INDEX call_events_at ON call_events (at);

-- "Calls with people from acme.io belong to Acme": used by resolution before
-- the domain vote.
CREATE TABLE domain_rules (
    domain       TEXT    NOT NULL PRIMARY KEY, -- normalised: lower case, IDNA ASCII
    company_id   TEXT    NOT NULL,
    company_name TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- Console sign-ins: the SHA-256 of the session cookie, never the cookie.
CREATE TABLE console_sessions (
    id_hash    TEXT    NOT NULL PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
