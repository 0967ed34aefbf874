package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// CallPage returns one page of calls (payload left out) and the cursor of
// the next page, "" when this is the last.
func (db *DB) CallPage(ctx context.Context, q callsync.CallQuery) ([]callsync.Call, string, error) {
	limit := min(max(q.Limit, 1), 200)
	var (
		where []string
		args  []any
	)
	if q.Status != "" {
		where = append(where, `status = ?`)
		args = append(args, string(q.Status))
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		pattern := "%" + likeEscaper.Replace(strings.ToLower(search)) + "%"
		where = append(where, `(call_id = ? OR company_id = ? OR LOWER(title) LIKE ? ESCAPE '\' OR LOWER(company_name) LIKE ? ESCAPE '\')`)
		args = append(args, search, search, pattern, pattern)
	}
	if q.After != "" {
		receivedAt, callID, ok := parseCursor(q.After)
		if !ok {
			return nil, "", fmt.Errorf("listing calls: %w", callsync.ErrBadCursor)
		}
		where = append(where, `(received_at < ? OR (received_at = ? AND call_id < ?))`)
		args = append(args, receivedAt, receivedAt, callID)
	}
	query := `SELECT ` + listColumns + ` FROM calls`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY received_at DESC, call_id DESC LIMIT ?`
	args = append(args, limit+1)
	calls, err := db.queryCalls(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("listing calls: %w", err)
	}
	next := ""
	if len(calls) > limit {
		calls = calls[:limit]
		last := calls[limit-1]
		next = strconv.FormatInt(last.ReceivedAt.UnixMilli(), 10) + "_" + last.ID
	}
	return calls, next, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func parseCursor(cursor string) (int64, string, bool) {
	ms, callID, ok := strings.Cut(cursor, "_")
	receivedAt, err := strconv.ParseInt(ms, 10, 64)
	return receivedAt, callID, ok && err == nil && callID != ""
}

// CallsPerDay counts the calls received on each UTC day from since's day
// to today, by their status now. One index range count per day and status
// (calls_status_received_at): far cheaper than grouping a week of rows.
func (db *DB) CallsPerDay(ctx context.Context, since time.Time) ([]callsync.DayCount, error) {
	since = since.UTC().Truncate(24 * time.Hour)
	var counts []callsync.DayCount
	for day := since; !day.After(db.now()); day = day.Add(24 * time.Hour) {
		for _, status := range callsync.Statuses {
			var n int64
			err := db.engine.pool().queryRow(ctx, `SELECT COUNT(*) FROM calls WHERE status = ? AND received_at >= ? AND received_at < ?`,
				string(status), day.UnixMilli(), day.Add(24*time.Hour).UnixMilli()).Scan(&n)
			if err != nil {
				return nil, fmt.Errorf("counting calls per day: %w", err)
			}
			if n > 0 {
				counts = append(counts, callsync.DayCount{Day: day, Status: status, Calls: int(n)})
			}
		}
	}
	return counts, nil
}

// StatusCounts returns how many calls are in each status: one index range
// count per status, which reads the index only.
func (db *DB) StatusCounts(ctx context.Context) (map[callsync.Status]int, error) {
	counts := make(map[callsync.Status]int, len(callsync.Statuses))
	for _, status := range callsync.Statuses {
		var n int64
		if err := db.engine.pool().queryRow(ctx, `SELECT COUNT(*) FROM calls WHERE status = ?`, string(status)).Scan(&n); err != nil {
			return nil, fmt.Errorf("counting calls: %w", err)
		}
		counts[status] = int(n)
	}
	return counts, nil
}

// CreateSession stores a console sign-in by the hash of its cookie, and
// drops expired ones.
func (db *DB) CreateSession(ctx context.Context, idHash string, expires time.Time) error {
	now := db.now()
	if _, err := db.engine.pool().exec(ctx, `DELETE FROM console_sessions WHERE expires_at < ?`, now.UnixMilli()); err != nil {
		return fmt.Errorf("dropping expired sessions: %w", err)
	}
	if _, err := db.engine.pool().exec(ctx, `INSERT INTO console_sessions (id_hash, created_at, expires_at) VALUES (?, ?, ?)`,
		idHash, now.UnixMilli(), expires.UnixMilli()); err != nil {
		return fmt.Errorf("storing a session: %w", err)
	}
	return nil
}

// SessionExpiry returns when the session expires; false when it is unknown
// or has expired.
func (db *DB) SessionExpiry(ctx context.Context, idHash string) (time.Time, bool, error) {
	var expires int64
	err := db.engine.pool().queryRow(ctx, `SELECT expires_at FROM console_sessions WHERE id_hash = ? AND expires_at > ?`,
		idHash, db.now().UnixMilli()).Scan(&expires)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading a session: %w", err)
	}
	return fromMillis(expires), true, nil
}

// DeleteSession signs a session out.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	_, err := db.engine.pool().exec(ctx, `DELETE FROM console_sessions WHERE id_hash = ?`, idHash)
	if err != nil {
		return fmt.Errorf("deleting a session: %w", err)
	}
	return nil
}
