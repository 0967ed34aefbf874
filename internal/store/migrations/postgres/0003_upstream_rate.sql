-- The next free request slot per upstream API, shared by the replicas on
-- one PostgreSQL: GONG_RATE_LIMIT and PLANHAT_RATE_LIMIT hold for the whole
-- deployment, and a 429 pushes every replica's next slot past Retry-After.
-- (One process on SQLite keeps its slots in memory; the table is here so
-- both schemas stay alike.)
CREATE TABLE upstream_rate (
    api     TEXT    NOT NULL PRIMARY KEY,
    next_at BIGINT  NOT NULL -- unix milliseconds
);
