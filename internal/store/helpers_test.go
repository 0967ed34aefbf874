package store

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/store/storetest"
)

// forEachDB runs test on a fresh, migrated database of each dialect
// (PostgreSQL when GONGSYNC_TEST_POSTGRES_URL is set).
func forEachDB(t *testing.T, test func(t *testing.T, db *DB)) {
	t.Helper()
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		db := openTestDB(t, databaseURL)
		require.NoError(t, db.Migrate(t.Context()))
		test(t, db)
	})
}

// openTestDB opens databaseURL, closed when t ends.
func openTestDB(t *testing.T, databaseURL string) *DB {
	t.Helper()
	db, err := Open(t.Context(), databaseURL, nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// job is one River job as the tests look at it.
type job struct {
	ID    int64
	State string
}

// jobsFor returns the jobs of a kind, for one call when callID is not "".
func jobsFor(t *testing.T, db *DB, kind, callID string) []job {
	t.Helper()
	jobs, err := listJobs(t.Context(), db, kind, callID)
	require.NoError(t, err)
	return jobs
}

// listJobs is jobsFor for conditions polled off the test's goroutine.
func listJobs(ctx context.Context, db *DB, kind, callID string) ([]job, error) {
	query, args := `SELECT id, CAST(state AS TEXT) FROM river_job WHERE kind = ?`, []any{kind}
	if callID != "" {
		query += ` AND args ->> 'call_id' = ?`
		args = append(args, callID)
	}
	rows, err := db.engine.pool().query(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.ID, &j.State); err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

// startQueue starts db's queue with workers, stopped when t ends.
func startQueue(t *testing.T, db *DB, workers *river.Workers) {
	t.Helper()
	require.NoError(t, db.StartQueue(t.Context(), queueConfig(workers)))
	stopQueueAtEnd(t, db)
}

func queueConfig(workers *river.Workers) *river.Config {
	return &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		FetchPollInterval: 100 * time.Millisecond,
		TestOnly:          true,
	}
}

func stopQueueAtEnd(t *testing.T, db *DB) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, db.StopQueue(ctx))
	})
}

// eventually is require.Eventually with the timings these tests need.
func eventually(t *testing.T, condition func() bool, msg string) {
	t.Helper()
	require.Eventually(t, condition, 15*time.Second, 20*time.Millisecond, msg)
}

// saveCall writes call's fields over the row as it is now, through a
// checked transition: test setup.
func saveCall(ctx context.Context, db *DB, call callsync.Call) error {
	current, err := db.GetCall(ctx, call.ID)
	if err != nil {
		return err
	}
	_, _, err = db.UpdateCall(ctx, current, call)
	return err
}

func jobCallIDExpr(db *DB) string {
	if db.Dialect() == DialectPostgres {
		return `(args->>'call_id')`
	}
	return `json_extract(args, '$.call_id')`
}

// countJobs counts the live jobs of kind for callID.
func countJobs(t *testing.T, db *DB, kind, callID string) int {
	t.Helper()
	var n int64
	err := db.engine.pool().queryRow(t.Context(), `SELECT COUNT(*) FROM river_job WHERE kind = ? AND `+jobCallIDExpr(db)+` = ?
		AND state IN ('available', 'pending', 'running', 'retryable', 'scheduled')`, kind, callID).Scan(&n)
	require.NoError(t, err)
	return int(n)
}

// deleteJobs removes every job of callID, as a lost or discarded job would.
func deleteJobs(t *testing.T, db *DB, callID string) {
	t.Helper()
	_, err := db.engine.pool().exec(t.Context(), `DELETE FROM river_job WHERE `+jobCallIDExpr(db)+` = ?`, callID)
	require.NoError(t, err)
}
