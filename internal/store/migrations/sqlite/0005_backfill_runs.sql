-- One row per backfill run: its range, its place in Gong's listing (the
-- cursor after the last page whose calls are all recorded) and its counts,
-- so a run stopped by Ctrl-C or a crash continues where it stopped.
CREATE TABLE backfill_runs (
    backfill_id  TEXT    NOT NULL PRIMARY KEY,
    from_at      INTEGER NOT NULL,             -- unix ms, inclusive
    to_at        INTEGER NOT NULL,             -- unix ms, exclusive
    workspace_id TEXT    NOT NULL DEFAULT '',
    dry_run      INTEGER NOT NULL DEFAULT 0,   -- 0 or 1
    status       TEXT    NOT NULL,             -- running, done, failed, cancelled
    list_cursor  TEXT    NOT NULL DEFAULT '',  -- Gong's records.cursor; '' is the first page
    listed       INTEGER NOT NULL DEFAULT 0,
    synced       INTEGER NOT NULL DEFAULT 0,
    existing     INTEGER NOT NULL DEFAULT 0,
    queued       INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    started_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- A run for the same range is resumed rather than started anew.
CREATE INDEX backfill_runs_range ON backfill_runs (from_at, to_at, workspace_id, dry_run, status);
