package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// maxEventText bounds an event's message: an upstream answer is already
// truncated, this keeps any other text from growing the table.
const maxEventText = 4096

func insertEvent(ctx context.Context, q querier, event callsync.Event) error {
	if event.At.IsZero() {
		event.At = time.Now()
	}
	message := strings.ToValidUTF8(strings.ReplaceAll(event.Message, "\x00", ""), "\uFFFD")
	if len(message) > maxEventText {
		message = strings.ToValidUTF8(message[:maxEventText], "") + "…"
	}
	detail := ""
	if len(event.Detail) > 0 {
		detail = string(event.Detail)
	}
	_, err := q.exec(ctx, `INSERT INTO call_events (call_id, at, kind, actor, from_status, to_status, message, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		event.CallID, event.At.UnixMilli(), event.Kind, event.Actor, string(event.FromStatus), string(event.ToStatus), message, detail)
	if err != nil {
		return fmt.Errorf("call %s: writing its %s event: %w", event.CallID, event.Kind, err)
	}
	return nil
}

// AddEvent writes one event that comes with no change of the call's row.
func (db *DB) AddEvent(ctx context.Context, event callsync.Event) error {
	return insertEvent(ctx, db.engine.pool(), event)
}

// maxEventsPerCall bounds one timeline read; a call has a handful.
const maxEventsPerCall = 500

// CallEvents returns a call's events, oldest first (the newest 500 at most).
func (db *DB) CallEvents(ctx context.Context, callID string) ([]callsync.Event, error) {
	rows, err := db.engine.pool().query(ctx, `SELECT id, call_id, at, kind, actor, from_status, to_status, message, detail
		FROM (SELECT * FROM call_events WHERE call_id = ? ORDER BY id DESC LIMIT ?) newest ORDER BY id`, callID, maxEventsPerCall)
	if err != nil {
		return nil, fmt.Errorf("call %s: reading its events: %w", callID, err)
	}
	defer rows.Close()
	events := []callsync.Event{}
	for rows.Next() {
		var (
			event      callsync.Event
			at         int64
			from, to   string
			detailText string
		)
		if err := rows.Scan(&event.ID, &event.CallID, &at, &event.Kind, &event.Actor, &from, &to, &event.Message, &detailText); err != nil {
			return nil, fmt.Errorf("call %s: reading its events: %w", callID, err)
		}
		event.At = fromMillis(at)
		event.FromStatus, event.ToStatus = callsync.Status(from), callsync.Status(to)
		if detailText != "" {
			event.Detail = []byte(detailText)
		}
		events = append(events, event)
	}
	return events, rows.Err()
}

// PruneEvents deletes events older than before and returns how many.
func (db *DB) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	n, err := db.engine.pool().exec(ctx, `DELETE FROM call_events WHERE at < ?`, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("pruning call events: %w", err)
	}
	return int(n), nil
}
