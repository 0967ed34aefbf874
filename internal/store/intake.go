package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/gongsync/gongsync/internal/callsync"
)

// The webhook intake commits in groups: concurrent AcceptCall calls queue
// up, and a committer writes everything queued (up to maxBatch calls) in one
// transaction, then answers them all. No timer holds a call back: an idle
// committer takes the first call at once, and calls that arrive while it
// commits make the next batch. One fsync (SQLite) or one commit round trip
// (PostgreSQL) then serves a whole batch.
const (
	defaultMaxBatch = 256
	// SQLite has one connection, so a second committer would only wait for
	// it; PostgreSQL's pool lets a few commit side by side.
	sqliteCommitters   = 1
	postgresCommitters = 2
	// commitTimeout bounds one batch, so a database that hangs fails the
	// batch (503s, Gong delivers again) instead of holding it for ever.
	commitTimeout = 15 * time.Second
	// queueLength is how many calls may wait for a committer; past it
	// AcceptCall waits for room (or for its context).
	queueLength = 4 * defaultMaxBatch
)

// ErrClosed is AcceptCall's error once Close has begun.
var ErrClosed = errors.New("the store is closed")

// AcceptCall writes the call's row and its sync_call job in the same
// transaction and returns once it is committed. A call id already in the
// ledger, or earlier in the same batch, is a duplicate: nothing is written.
// When the batch fails, every call in it gets the error. When ctx ends
// first, AcceptCall returns ctx's error; the call may still be committed
// (a later delivery then answers duplicate), but it is never acknowledged
// without being committed.
func (db *DB) AcceptCall(ctx context.Context, callID string, payload []byte, receivedAt time.Time) (duplicate bool, err error) {
	if callID == "" {
		return false, errors.New("accepting a call: empty call id")
	}
	if payload == nil {
		payload = []byte{}
	}
	req := &acceptRequest{
		ctx:     ctx,
		callID:  callID,
		payload: payload,
		at:      receivedAt.UnixMilli(),
		done:    make(chan acceptResult, 1),
	}
	if err := db.intake.submit(ctx, db, req); err != nil {
		return false, fmt.Errorf("call %s: accepting: %w", callID, err)
	}
	var result acceptResult
	select {
	case result = <-req.done:
	case <-ctx.Done():
		select {
		case result = <-req.done: // committed (or failed) just now: say so
		default:
			return false, fmt.Errorf("call %s: accepting: gave up waiting for the commit: %w", callID, ctx.Err())
		}
	}
	if result.err != nil {
		return false, fmt.Errorf("call %s: accepting: %w", callID, result.err)
	}
	return result.duplicate, nil
}

// acceptRequest is one AcceptCall waiting for its batch.
type acceptRequest struct {
	ctx     context.Context
	callID  string
	payload []byte
	at      int64 // received_at, unix ms
	done    chan acceptResult
}

type acceptResult struct {
	duplicate bool
	err       error
}

// intake is DB's group committer. Its zero value is ready: the committers
// start with the first AcceptCall and stop in Close.
type intake struct {
	// maxBatch and committers, when set before the first AcceptCall,
	// override the defaults (benchmarks compare settings with them).
	maxBatch, committers int

	start sync.Once
	// mu is held shared while a call is handed over and exclusively by
	// close, so no call is handed to a queue that is closed.
	mu      sync.RWMutex
	closed  bool
	queue   chan *acceptRequest
	stopped sync.WaitGroup

	// batches and calls count what reached the database, so tests and
	// benchmarks can see how calls were grouped.
	batches, calls atomic.Int64
}

// submit hands req to a committer, starting them on first use.
func (in *intake) submit(ctx context.Context, db *DB, req *acceptRequest) error {
	in.mu.RLock()
	defer in.mu.RUnlock()
	if in.closed {
		return ErrClosed
	}
	in.start.Do(func() { in.run(db) })
	select {
	case in.queue <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (in *intake) run(db *DB) {
	if in.maxBatch <= 0 {
		in.maxBatch = defaultMaxBatch
	}
	if in.committers <= 0 {
		in.committers = sqliteCommitters
		if db.Dialect() == DialectPostgres {
			in.committers = postgresCommitters
		}
	}
	in.queue = make(chan *acceptRequest, max(queueLength, in.maxBatch))
	for range in.committers {
		in.stopped.Go(func() { in.commitLoop(db) })
	}
}

// close stops taking calls and returns once the calls already queued are
// committed (or have failed) and the committers have stopped.
func (in *intake) close() {
	in.mu.Lock()
	if !in.closed {
		in.closed = true
		if in.queue != nil {
			close(in.queue)
		}
	}
	in.mu.Unlock()
	in.stopped.Wait()
}

// commitLoop takes the first call waiting, everything queued behind it up
// to maxBatch, commits them together and answers them; until close.
func (in *intake) commitLoop(db *DB) {
	batch := make([]*acceptRequest, 0, in.maxBatch)
	for {
		first, ok := <-in.queue
		if !ok {
			return
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < in.maxBatch {
			select {
			case req, ok := <-in.queue:
				if !ok {
					break fill
				}
				batch = append(batch, req)
			default:
				break fill
			}
		}
		db.commitAccepts(batch)
		clear(batch) // let the payloads go
	}
}

// commitAccepts writes one batch and answers each of its calls.
func (db *DB) commitAccepts(batch []*acceptRequest) {
	// A caller that has given up is answered (nobody listens) and left
	// out, so that no row is written for a delivery that got an error.
	live := batch[:0:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.done <- acceptResult{err: err}
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		return
	}
	// The first delivery of a call id in the batch is the one written;
	// later ones are duplicates of it. Rows go in call id order so that
	// PostgreSQL committers running side by side take row locks in the same
	// order and never deadlock.
	rows := make([]*acceptRequest, 0, len(live))
	deliveries := make(map[string]int, len(live))
	for _, req := range live {
		if deliveries[req.callID] == 0 {
			rows = append(rows, req)
		}
		deliveries[req.callID]++
	}
	slices.SortFunc(rows, func(a, b *acceptRequest) int { return strings.Compare(a.callID, b.callID) })

	db.intake.batches.Add(1)
	db.intake.calls.Add(int64(len(live)))
	ctx, cancel := batchContext(live)
	defer cancel()
	inserted, err := db.insertAccepts(ctx, rows, deliveries)
	written := make(map[*acceptRequest]bool, len(inserted))
	for _, req := range rows {
		if inserted[req.callID] {
			written[req] = true
		}
	}
	for _, req := range live {
		if err != nil {
			req.done <- acceptResult{err: err}
			continue
		}
		req.done <- acceptResult{duplicate: !written[req]}
	}
}

// batchContext bounds a batch's transaction by commitTimeout, and ends it
// early once every caller in it has given up: then nobody would be told of
// the commit, and a database that blocks us is not waited for any longer.
// One caller giving up does not end it for the others.
func batchContext(batch []*acceptRequest) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	var waiting atomic.Int64
	waiting.Store(int64(len(batch)))
	stops := make([]func() bool, len(batch))
	for i, req := range batch {
		stops[i] = context.AfterFunc(req.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

// insertAccepts writes rows (distinct call ids) and a sync_call job for each
// row that is new, in one transaction, and returns the call ids written.
func (db *DB) insertAccepts(ctx context.Context, rows []*acceptRequest, deliveries map[string]int) (map[string]bool, error) {
	engine, ok := db.engine.(batchEngine)
	if !ok {
		return nil, fmt.Errorf("the %s engine cannot insert in batches", db.Dialect())
	}
	inserted := make(map[string]bool, len(rows))
	err := engine.inBatchTx(ctx, func(tx querier, enqueueMany enqueueManyFunc) error {
		query, args := insertCallsQuery(rows)
		written, err := tx.query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer written.Close()
		var jobs []river.JobArgs
		for written.Next() {
			var callID string
			if err := written.Scan(&callID); err != nil {
				return err
			}
			inserted[callID] = true
			jobs = append(jobs, callsync.SyncCallArgs{CallID: callID})
		}
		if err := written.Err(); err != nil {
			return err
		}
		if err := written.Close(); err != nil {
			return err
		}
		if err := insertDuplicateEvents(ctx, tx, rows, deliveries, inserted); err != nil {
			return err
		}
		if len(jobs) == 0 {
			return nil
		}
		// A call new to the ledger normally has no live job; if one exists
		// (queued by hand), River skips ours as a duplicate and that job
		// does the work.
		_, err = enqueueMany(jobs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("committing a batch of %d calls: %w", len(rows), err)
	}
	return inserted, nil
}

// insertDuplicateEvents puts each repeated delivery in the batch on its
// call's timeline, in the batch's transaction: one multi-row INSERT, and
// none when every call was new.
func insertDuplicateEvents(ctx context.Context, tx querier, rows []*acceptRequest, deliveries map[string]int, inserted map[string]bool) error {
	var (
		b    strings.Builder
		args []any
	)
	for _, req := range rows {
		repeats := deliveries[req.callID]
		if inserted[req.callID] {
			repeats--
		}
		for range repeats {
			if len(args) == 0 {
				b.WriteString(`INSERT INTO call_events (call_id, at, kind, actor, from_status, to_status, message, detail) VALUES `)
			} else {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, '', '', ?, '')")
			args = append(args, req.callID, req.at, callsync.EventDuplicate, callsync.ActorWebhook,
				"delivered again; answered duplicate, nothing changed")
		}
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := tx.exec(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("noting duplicate deliveries: %w", err)
	}
	return nil
}

// insertCallsQuery is one INSERT of rows that skips call ids already in
// the ledger and returns those it wrote.
func insertCallsQuery(rows []*acceptRequest) (string, []any) {
	var b strings.Builder
	b.Grow(128 + len(rows)*len(", (?, ?, ?, ?, ?)"))
	b.WriteString(`INSERT INTO calls (call_id, status, payload, received_at, updated_at) VALUES `)
	args := make([]any, 0, 5*len(rows))
	for i, req := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, req.callID, string(callsync.StatusQueued), req.payload, req.at, req.at)
	}
	b.WriteString(` ON CONFLICT (call_id) DO NOTHING RETURNING call_id`)
	return b.String(), args
}
