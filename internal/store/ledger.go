package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// callColumns are read by scanCall, in its order; listColumns leave the
// payload out, since lists of up to 1,000 rows never need it.
const (
	callColumns = `call_id, status, payload, company_id, matched_by, conversation_id,
		attempts, checks, last_error, received_at, updated_at, next_check_at, version, title, company_name`
	listColumns = `call_id, status, NULL, company_id, matched_by, conversation_id,
		attempts, checks, last_error, received_at, updated_at, next_check_at, version, title, company_name`
)

func scanCall(r row) (callsync.Call, error) {
	var (
		call                  callsync.Call
		status                string
		attempts, checks      int64
		receivedAt, updatedAt int64
		nextCheckAt           sql.NullInt64
	)
	err := r.Scan(&call.ID, &status, &call.Payload, &call.CompanyID, &call.MatchedBy, &call.ConversationID,
		&attempts, &checks, &call.LastError, &receivedAt, &updatedAt, &nextCheckAt, &call.Version, &call.Title, &call.CompanyName)
	if err != nil {
		return callsync.Call{}, err
	}
	call.Status = callsync.Status(status)
	call.Attempts, call.Checks = int(attempts), int(checks)
	call.ReceivedAt, call.UpdatedAt = fromMillis(receivedAt), fromMillis(updatedAt)
	if nextCheckAt.Valid {
		call.NextCheckAt = fromMillis(nextCheckAt.Int64)
	}
	return call, nil
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// millisOrNull stores the zero time as NULL.
func millisOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// GetCall returns one ledger row with its payload, or callsync.ErrNotFound.
func (db *DB) GetCall(ctx context.Context, callID string) (callsync.Call, error) {
	call, err := scanCall(db.engine.pool().queryRow(ctx, `SELECT `+callColumns+` FROM calls WHERE call_id = ?`, callID))
	if errors.Is(err, sql.ErrNoRows) {
		return callsync.Call{}, fmt.Errorf("call %s: %w", callID, callsync.ErrNotFound)
	}
	if err != nil {
		return callsync.Call{}, fmt.Errorf("call %s: reading: %w", callID, err)
	}
	return call, nil
}

// ListCalls returns up to limit rows (clamped to 1..1000), newest first,
// of one status or ("" ) of all. Payload is left nil: GetCall has it.
func (db *DB) ListCalls(ctx context.Context, status callsync.Status, limit int) ([]callsync.Call, error) {
	query, args := `SELECT `+listColumns+` FROM calls`, []any{}
	if status != "" {
		query += ` WHERE status = ?`
		args = append(args, string(status))
	}
	query += ` ORDER BY received_at DESC, call_id DESC LIMIT ?`
	args = append(args, clampLimit(limit))
	calls, err := db.queryCalls(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing calls: %w", err)
	}
	return calls, nil
}

// DueForSummary returns synced calls whose next check is at or before now,
// the longest due first, up to limit (clamped to 1..1000). Payload is left nil.
func (db *DB) DueForSummary(ctx context.Context, now time.Time, limit int) ([]callsync.Call, error) {
	calls, err := db.queryCalls(ctx, `SELECT `+listColumns+` FROM calls
		WHERE status = ? AND next_check_at <= ?
		ORDER BY next_check_at, call_id LIMIT ?`,
		string(callsync.StatusSynced), now.UnixMilli(), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("reading calls due for a summary check: %w", err)
	}
	return calls, nil
}

func (db *DB) queryCalls(ctx context.Context, query string, args ...any) ([]callsync.Call, error) {
	rows, err := db.engine.pool().query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var calls []callsync.Call
	for rows.Next() {
		call, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		calls = append(calls, call)
	}
	return calls, rows.Err()
}

func clampLimit(limit int) int { return min(max(limit, 1), callsync.MaxListLimit) }
