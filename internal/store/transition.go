package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/gongsync/gongsync/internal/callsync"
)

// UpdateCall is a checked transition: it writes to's mutable fields only if
// the row is still at from.Version, bumps the version, and inserts jobs in
// the same transaction. A row changed since from was read is
// callsync.ErrStale; the caller re-reads and decides again.
func (db *DB) UpdateCall(ctx context.Context, from, to callsync.Call, jobs ...river.JobArgs) (callsync.Call, []callsync.JobInsert, error) {
	return db.updateCall(ctx, from, to, nil, jobs)
}

// RecordTransition is UpdateCall that also writes event to the call's
// timeline in the same transaction.
func (db *DB) RecordTransition(ctx context.Context, from, to callsync.Call, event callsync.Event, jobs ...river.JobArgs) (callsync.Call, []callsync.JobInsert, error) {
	return db.updateCall(ctx, from, to, &event, jobs)
}

func (db *DB) updateCall(ctx context.Context, from, to callsync.Call, event *callsync.Event, jobs []river.JobArgs) (callsync.Call, []callsync.JobInsert, error) {
	if !to.Status.Valid() {
		return callsync.Call{}, nil, fmt.Errorf("call %s: unknown status %q", from.ID, to.Status)
	}
	now := db.now()
	var inserted []callsync.JobInsert
	err := db.engine.inTx(ctx, func(tx querier, enqueue enqueueFunc) error {
		updated, err := writeCall(ctx, tx, from, to, now)
		if err != nil {
			return err
		}
		if !updated {
			return db.staleOrMissing(ctx, tx, from.ID)
		}
		if event != nil {
			if err := insertEvent(ctx, tx, *event); err != nil {
				return err
			}
		}
		inserted = inserted[:0]
		for _, args := range jobs {
			result, err := enqueue(args)
			if err != nil {
				return fmt.Errorf("queueing %s: %w", args.Kind(), err)
			}
			inserted = append(inserted, jobInsertOf(result))
		}
		return nil
	})
	if err != nil {
		return callsync.Call{}, nil, fmt.Errorf("call %s: %s → %s: %w", from.ID, from.Status, to.Status, err)
	}
	to.ID, to.Payload, to.ReceivedAt = from.ID, from.Payload, from.ReceivedAt
	to.UpdatedAt = fromMillis(now.UnixMilli())
	to.Version = from.Version + 1
	return to, inserted, nil
}

// writeCall is the one checked UPDATE of a ledger row: to's mutable fields,
// only while the row is still at from.Version. updated=false: it is not.
func writeCall(ctx context.Context, tx querier, from, to callsync.Call, now time.Time) (updated bool, err error) {
	n, err := tx.exec(ctx, `UPDATE calls SET status = ?, company_id = ?, matched_by = ?,
		conversation_id = ?, attempts = ?, checks = ?, last_error = ?, updated_at = ?, next_check_at = ?,
		title = ?, company_name = ?, version = version + 1
		WHERE call_id = ? AND version = ?`,
		string(to.Status), to.CompanyID, to.MatchedBy, to.ConversationID, to.Attempts, to.Checks,
		to.LastError, now.UnixMilli(), millisOrNull(to.NextCheckAt), to.Title, to.CompanyName, from.ID, from.Version)
	return n > 0, err
}

func (db *DB) staleOrMissing(ctx context.Context, tx querier, callID string) error {
	var version int64
	err := tx.queryRow(ctx, `SELECT version FROM calls WHERE call_id = ?`, callID).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return callsync.ErrNotFound
	}
	if err != nil {
		return err
	}
	return callsync.ErrStale
}

func jobInsertOf(result *rivertype.JobInsertResult) callsync.JobInsert {
	if result == nil || result.Job == nil {
		return callsync.JobInsert{}
	}
	return callsync.JobInsert{ID: result.Job.ID, State: result.Job.State, Duplicate: result.UniqueSkippedAsDuplicate}
}

// Stranded returns calls in a non-final status, last changed before before,
// that have no live sync_call or patch_summary job: a queued call, an
// unmatched call still being retried, a synced call waiting for a patch. Up
// to limit rows, oldest change first.
func (db *DB) Stranded(ctx context.Context, before time.Time, limit int) ([]callsync.Call, error) {
	callIDOfJob := `json_extract(args, '$.call_id')`
	if db.Dialect() == DialectPostgres {
		callIDOfJob = `(args->>'call_id')`
	}
	// NOT IN a subquery that is not correlated: both databases build its set
	// once, so the cost is one pass over the live jobs, not one per call.
	query := `SELECT ` + listColumns + ` FROM calls
		WHERE updated_at < ?
		  AND (status = ? OR (status = ? AND next_check_at IS NOT NULL) OR (status = ? AND next_check_at IS NULL))
		  AND call_id NOT IN (
			SELECT ` + callIDOfJob + ` FROM river_job
			WHERE kind IN ('sync_call', 'patch_summary')
			  AND state IN ('available', 'pending', 'running', 'retryable', 'scheduled')
			  AND ` + callIDOfJob + ` IS NOT NULL)
		ORDER BY updated_at, call_id LIMIT ?`
	calls, err := db.queryCalls(ctx, query, before.UnixMilli(),
		string(callsync.StatusQueued), string(callsync.StatusUnmatched), string(callsync.StatusSynced), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("looking for calls without work: %w", err)
	}
	return calls, nil
}

// OldestOpenCall returns when the oldest call in a non-final status arrived,
// and false when there is none.
func (db *DB) OldestOpenCall(ctx context.Context) (time.Time, bool, error) {
	var oldest sql.NullInt64
	err := db.engine.pool().queryRow(ctx, `SELECT MIN(received_at) FROM calls WHERE status IN (?, ?, ?)`,
		string(callsync.StatusQueued), string(callsync.StatusSynced), string(callsync.StatusUnmatched)).Scan(&oldest)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading the oldest open call: %w", err)
	}
	if !oldest.Valid {
		return time.Time{}, false, nil
	}
	return fromMillis(oldest.Int64), true, nil
}

// CountByStatus returns how many calls are in each status.
func (db *DB) CountByStatus(ctx context.Context) (map[callsync.Status]int, error) {
	r, err := db.engine.pool().query(ctx, `SELECT status, COUNT(*) FROM calls GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("counting calls: %w", err)
	}
	defer r.Close()
	counts := map[callsync.Status]int{}
	for r.Next() {
		var (
			status string
			n      int64
		)
		if err := r.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("counting calls: %w", err)
		}
		counts[callsync.Status(status)] = int(n)
	}
	return counts, r.Err()
}
