package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SharesRate reports whether this database hands out request slots to
// several processes (PostgreSQL); on SQLite one process keeps them itself.
func (db *DB) SharesRate() bool { return db.Dialect() == DialectPostgres }

// nowMillis is the database's clock in unix milliseconds: every replica
// reserves slots on the same clock.
const nowMillis = `(extract(epoch from clock_timestamp()) * 1000)::bigint`

// ReserveSlot reserves api's next request slot, one interval after the
// previous one, if it comes within horizon, and says how long to wait for
// it. A slot further away is not reserved: reserved=false, with the wait.
func (db *DB) ReserveSlot(ctx context.Context, api string, interval, horizon time.Duration) (wait time.Duration, reserved bool, err error) {
	pool := db.engine.pool()
	if _, err := pool.exec(ctx, `INSERT INTO upstream_rate (api, next_at) VALUES (?, 0) ON CONFLICT (api) DO NOTHING`, api); err != nil {
		return 0, false, fmt.Errorf("%s request slot: %w", api, err)
	}
	var waitMillis int64
	err = pool.queryRow(ctx, `UPDATE upstream_rate AS r SET next_at = GREATEST(r.next_at, t.now) + ?
		FROM (SELECT `+nowMillis+` AS now) AS t
		WHERE r.api = ? AND GREATEST(r.next_at, t.now) <= t.now + ?
		RETURNING GREATEST(r.next_at - ? - t.now, 0)`,
		interval.Milliseconds(), api, horizon.Milliseconds(), interval.Milliseconds()).Scan(&waitMillis)
	if err == nil {
		return time.Duration(waitMillis) * time.Millisecond, true, nil
	}
	if !isNoRows(err) {
		return 0, false, fmt.Errorf("%s request slot: %w", api, err)
	}
	err = pool.queryRow(ctx, `SELECT GREATEST(next_at - `+nowMillis+`, 0) FROM upstream_rate WHERE api = ?`, api).Scan(&waitMillis)
	if err != nil {
		return 0, false, fmt.Errorf("%s request slot: %w", api, err)
	}
	return time.Duration(waitMillis) * time.Millisecond, false, nil
}

// PauseRate moves api's next slot to at least wait from now, for every
// replica: the upstream's 429 limit is per company, not per process.
func (db *DB) PauseRate(ctx context.Context, api string, wait time.Duration) error {
	_, err := db.engine.pool().exec(ctx, `INSERT INTO upstream_rate (api, next_at) VALUES (?, `+nowMillis+` + ?)
		ON CONFLICT (api) DO UPDATE SET next_at = GREATEST(upstream_rate.next_at, excluded.next_at)`, api, wait.Milliseconds())
	if err != nil {
		return fmt.Errorf("%s pause: %w", api, err)
	}
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
