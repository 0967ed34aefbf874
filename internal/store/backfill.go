package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/gongsync/gongsync/internal/callsync"
)

var _ callsync.CatchUpStore = (*DB)(nil)

// knownCallsChunk bounds the ids of one IN (…) lookup.
const knownCallsChunk = 500

// KnownCalls returns which of ids the ledger holds.
func (db *DB) KnownCalls(ctx context.Context, ids []string) (map[string]bool, error) {
	known := make(map[string]bool, len(ids))
	for chunk := range slices.Chunk(ids, knownCallsChunk) {
		query := `SELECT call_id FROM calls WHERE call_id IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		r, err := db.engine.pool().query(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("looking up %d calls in the ledger: %w", len(chunk), err)
		}
		for r.Next() {
			var id string
			if err := r.Scan(&id); err != nil {
				r.Close()
				return nil, err
			}
			known[id] = true
		}
		if err := errors.Join(r.Err(), r.Close()); err != nil {
			return nil, fmt.Errorf("looking up %d calls in the ledger: %w", len(chunk), err)
		}
	}
	return known, nil
}

// claimChunk bounds one INSERT (5 parameters a row).
const claimChunk = 500

// ClaimCalls writes each claim's row (status queued) and its sync_call job,
// due at SyncAt, in one transaction; call ids the ledger holds are skipped.
// It returns the job id of each call written.
func (db *DB) ClaimCalls(ctx context.Context, claims []callsync.Claim) (map[string]int64, error) {
	engine, ok := db.engine.(batchEngine)
	if !ok {
		return nil, fmt.Errorf("the %s engine cannot insert in batches", db.Dialect())
	}
	rows := make([]*acceptRequest, 0, len(claims))
	syncAt := make(map[string]time.Time, len(claims))
	for _, claim := range claims {
		if _, dup := syncAt[claim.CallID]; dup || claim.CallID == "" {
			continue
		}
		payload := claim.Payload
		if payload == nil {
			payload = []byte{}
		}
		syncAt[claim.CallID] = claim.SyncAt
		rows = append(rows, &acceptRequest{callID: claim.CallID, payload: payload, at: claim.ReceivedAt.UnixMilli()})
	}
	// Call id order, as the intake does, so concurrent writers take row locks alike.
	slices.SortFunc(rows, func(a, b *acceptRequest) int { return strings.Compare(a.callID, b.callID) })
	jobIDs := make(map[string]int64, len(rows))
	err := engine.inBatchTx(ctx, func(tx querier, enqueueMany enqueueManyFunc) error {
		for chunk := range slices.Chunk(rows, claimChunk) {
			query, args := insertCallsQuery(chunk)
			written, err := tx.query(ctx, query, args...)
			if err != nil {
				return err
			}
			var ids []string
			for written.Next() {
				var callID string
				if err := written.Scan(&callID); err != nil {
					written.Close()
					return err
				}
				ids = append(ids, callID)
			}
			if err := errors.Join(written.Err(), written.Close()); err != nil {
				return err
			}
			if len(ids) == 0 {
				continue
			}
			jobs := make([]river.JobArgs, len(ids))
			for i, id := range ids {
				jobs[i] = callsync.SyncCallArgs{CallID: id, NotBefore: syncAt[id]}
			}
			results, err := enqueueMany(jobs)
			if err != nil {
				return fmt.Errorf("queueing sync_call: %w", err)
			}
			for i, result := range results {
				jobIDs[ids[i]] = jobInsertOf(result).ID
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claiming %d calls: %w", len(rows), err)
	}
	return jobIDs, nil
}

// UpdateCalls applies checked transitions in one transaction: each row is
// written only if it is still at From.Version (as UpdateCall does one). The
// calls whose row changed meanwhile come back in stale, unwritten.
func (db *DB) UpdateCalls(ctx context.Context, changes []callsync.Change) ([]callsync.Call, []string, error) {
	for _, change := range changes {
		if !change.To.Status.Valid() {
			return nil, nil, fmt.Errorf("call %s: unknown status %q", change.From.ID, change.To.Status)
		}
	}
	now := db.now()
	var (
		written []callsync.Call
		stale   []string
	)
	err := db.engine.inTx(ctx, func(tx querier, _ enqueueFunc) error {
		written, stale = written[:0], stale[:0]
		for _, change := range changes {
			from, to := change.From, change.To
			updated, err := writeCall(ctx, tx, from, to, now)
			if err != nil {
				return fmt.Errorf("call %s: %s → %s: %w", from.ID, from.Status, to.Status, err)
			}
			if !updated {
				stale = append(stale, from.ID)
				continue
			}
			to.ID, to.Payload, to.ReceivedAt = from.ID, from.Payload, from.ReceivedAt
			to.UpdatedAt = fromMillis(now.UnixMilli())
			to.Version = from.Version + 1
			written = append(written, to)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("updating %d calls: %w", len(changes), err)
	}
	return written, stale, nil
}

const backfillColumns = `backfill_id, from_at, to_at, workspace_id, dry_run, status, list_cursor,
	listed, synced, existing, queued, failed, last_error, started_at, updated_at`

func scanBackfillRun(r row) (callsync.BackfillRun, error) {
	var (
		run                                      callsync.BackfillRun
		from, to, dryRun, startedAt, updatedAt   int64
		listed, synced, existing, queued, failed int64
		status                                   string
	)
	err := r.Scan(&run.ID, &from, &to, &run.WorkspaceID, &dryRun, &status, &run.Cursor,
		&listed, &synced, &existing, &queued, &failed, &run.LastError, &startedAt, &updatedAt)
	if err != nil {
		return callsync.BackfillRun{}, err
	}
	run.From, run.To, run.DryRun = fromMillis(from), fromMillis(to), dryRun != 0
	run.Status = callsync.BackfillStatus(status)
	run.Listed, run.Synced, run.Existing, run.Queued, run.Failed = int(listed), int(synced), int(existing), int(queued), int(failed)
	run.StartedAt, run.UpdatedAt = fromMillis(startedAt), fromMillis(updatedAt)
	return run, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateBackfillRun stores a new run.
func (db *DB) CreateBackfillRun(ctx context.Context, run callsync.BackfillRun) error {
	_, err := db.engine.pool().exec(ctx, `INSERT INTO backfill_runs (`+backfillColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.ID, run.From.UnixMilli(), run.To.UnixMilli(), run.WorkspaceID, boolInt(run.DryRun), string(run.Status),
		run.Cursor, run.Listed, run.Synced, run.Existing, run.Queued, run.Failed, run.LastError,
		run.StartedAt.UnixMilli(), run.UpdatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("backfill %s: creating: %w", run.ID, err)
	}
	return nil
}

// GetBackfillRun returns a run, or callsync.ErrNotFound.
func (db *DB) GetBackfillRun(ctx context.Context, id string) (callsync.BackfillRun, error) {
	run, err := scanBackfillRun(db.engine.pool().queryRow(ctx, `SELECT `+backfillColumns+` FROM backfill_runs WHERE backfill_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return callsync.BackfillRun{}, fmt.Errorf("backfill %s: %w", id, callsync.ErrNotFound)
	}
	if err != nil {
		return callsync.BackfillRun{}, fmt.Errorf("backfill %s: reading: %w", id, err)
	}
	return run, nil
}

// FindBackfillRun returns the newest run for the same range, workspace and
// mode that is not done.
func (db *DB) FindBackfillRun(ctx context.Context, from, to time.Time, workspaceID string, dryRun bool) (callsync.BackfillRun, bool, error) {
	run, err := scanBackfillRun(db.engine.pool().queryRow(ctx, `SELECT `+backfillColumns+` FROM backfill_runs
		WHERE from_at = ? AND to_at = ? AND workspace_id = ? AND dry_run = ? AND status <> ?
		ORDER BY started_at DESC, backfill_id DESC LIMIT 1`,
		from.UnixMilli(), to.UnixMilli(), workspaceID, boolInt(dryRun), string(callsync.BackfillDone)))
	if errors.Is(err, sql.ErrNoRows) {
		return callsync.BackfillRun{}, false, nil
	}
	if err != nil {
		return callsync.BackfillRun{}, false, fmt.Errorf("looking for a backfill to resume: %w", err)
	}
	return run, true, nil
}

// SaveBackfillRun writes a run's status, cursor, counts and updated_at.
func (db *DB) SaveBackfillRun(ctx context.Context, run callsync.BackfillRun) error {
	n, err := db.engine.pool().exec(ctx, `UPDATE backfill_runs SET status = ?, list_cursor = ?, listed = ?,
		synced = ?, existing = ?, queued = ?, failed = ?, last_error = ?, updated_at = ?
		WHERE backfill_id = ?`,
		string(run.Status), run.Cursor, run.Listed, run.Synced, run.Existing, run.Queued, run.Failed,
		run.LastError, run.UpdatedAt.UnixMilli(), run.ID)
	if err != nil {
		return fmt.Errorf("backfill %s: saving progress: %w", run.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("backfill %s: %w", run.ID, callsync.ErrNotFound)
	}
	return nil
}
