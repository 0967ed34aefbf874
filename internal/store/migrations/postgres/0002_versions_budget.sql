-- Every change to a ledger row is checked against the version its writer
-- read (UPDATE … WHERE version = ?), so a stale copy can never overwrite.
ALTER TABLE calls ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Upstream requests counted per UTC day, shared by every process on this
-- database: a restart or a second replica cannot go past the daily budget.
CREATE TABLE upstream_budget (
    api  TEXT    NOT NULL,
    day  TEXT    NOT NULL, -- YYYY-MM-DD, UTC
    used INTEGER NOT NULL,
    PRIMARY KEY (api, day)
);

-- The sweeper's look for non-final calls left without work.
CREATE INDEX calls_status_updated_at ON calls (status, updated_at);
