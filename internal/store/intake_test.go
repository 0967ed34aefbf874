package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/callsync"
)

func TestAcceptCallGroupCommit(t *testing.T) {
	t.Run("ConcurrentAcceptsAreEachCommittedOnceWithOneJob", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, db *DB) {
			const callers, perCaller = 64, 40
			results := make(chan error, callers*perCaller)
			var wg sync.WaitGroup
			for c := range callers {
				wg.Go(func() {
					for i := range perCaller {
						id := strconv.Itoa(100000 + c*perCaller + i)
						duplicate, err := db.AcceptCall(t.Context(), id, []byte(`{"id":"`+id+`"}`), received)
						if err == nil && duplicate {
							err = fmt.Errorf("call %s: new call answered duplicate", id)
						}
						results <- err
					}
				})
			}
			wg.Wait()
			close(results)
			for err := range results {
				require.NoError(t, err)
			}

			assert.Equal(t, int64(callers*perCaller), countRows(t, db, `SELECT COUNT(*) FROM calls`))
			assert.Equal(t, int64(callers*perCaller), countRows(t, db, `SELECT COUNT(*) FROM river_job WHERE kind = 'sync_call'`))
			assert.Equal(t, int64(callers*perCaller), countRows(t, db, `SELECT COUNT(DISTINCT args ->> 'call_id') FROM river_job WHERE kind = 'sync_call'`))
			assert.Zero(t, countRows(t, db, `SELECT COUNT(*) FROM calls
				WHERE NOT EXISTS (SELECT 1 FROM river_job WHERE kind = 'sync_call' AND args ->> 'call_id' = calls.call_id)`),
				"every call has its job")
			t.Logf("%d calls in %d batches", db.intake.calls.Load(), db.intake.batches.Load())
		})
	})

	t.Run("QueuedCallsShareOneCommit", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, db *DB) {
			hook := startQueueWithHook(t, db)
			release := holdCommitters(t, db, hook)
			batchesBefore := db.intake.batches.Load()
			accepts := acceptAll(t, db, t.Context(), "5001", "5002", "5003", "5004", "5005")
			waitQueued(t, db, 5)
			release()
			for _, a := range accepts.wait() {
				require.NoError(t, a.err, a.callID)
				assert.False(t, a.duplicate, a.callID)
				assert.Len(t, jobsFor(t, db, "sync_call", a.callID), 1, a.callID)
			}
			assert.Equal(t, batchesBefore+1, db.intake.batches.Load(), "the five went in one batch")
		})
	})

	t.Run("DuplicatesWithinABatchAreAnsweredDuplicateAndWriteNothing", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, db *DB) {
			hook := startQueueWithHook(t, db)
			release := holdCommitters(t, db, hook)
			accepts := acceptAll(t, db, t.Context(), "6001", "6002", "6001", "6001", "6002", "6003")
			waitQueued(t, db, 6)
			release()
			firsts := map[string]int{}
			for _, a := range accepts.wait() {
				require.NoError(t, a.err, a.callID)
				if !a.duplicate {
					firsts[a.callID]++
				}
			}
			assert.Equal(t, map[string]int{"6001": 1, "6002": 1, "6003": 1}, firsts, "one delivery of each call is new")
			for _, id := range []string{"6001", "6002", "6003"} {
				assert.Equal(t, int64(1), countRows(t, db, `SELECT COUNT(*) FROM calls WHERE call_id = ?`, id), id)
				assert.Len(t, jobsFor(t, db, "sync_call", id), 1, id)
			}
		})
	})

	t.Run("DuplicatesAcrossBatchesAreAnsweredDuplicateAndWriteNothing", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, db *DB) {
			duplicate, err := db.AcceptCall(t.Context(), "7001", []byte(`first`), received)
			require.NoError(t, err)
			require.False(t, duplicate)

			hook := startQueueWithHook(t, db)
			release := holdCommitters(t, db, hook)
			accepts := acceptAll(t, db, t.Context(), "7001", "7002", "7001")
			waitQueued(t, db, 3)
			release()
			news := map[string]int{}
			for _, a := range accepts.wait() {
				require.NoError(t, a.err, a.callID)
				if !a.duplicate {
					news[a.callID]++
				}
			}
			assert.Equal(t, map[string]int{"7002": 1}, news)
			call, err := db.GetCall(t.Context(), "7001")
			require.NoError(t, err)
			assert.Equal(t, []byte(`first`), call.Payload)
			assert.Len(t, jobsFor(t, db, "sync_call", "7001"), 1)
		})
	})

	t.Run("FailedBatchReturnsTheErrorToEveryCallInIt", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, db *DB) {
			hook := startQueueWithHook(t, db)
			poisoned := errors.New("injected insert failure")
			hook.failOn("8003", poisoned)
			release := holdCommitters(t, db, hook)
			ids := []string{"8001", "8002", "8003", "8004", "8001"}
			accepts := acceptAll(t, db, t.Context(), ids...)
			waitQueued(t, db, len(ids))
			release()
			for _, a := range accepts.wait() {
				require.ErrorIs(t, a.err, poisoned, a.callID)
				assert.Contains(t, a.err.Error(), a.callID)
				assert.False(t, a.duplicate)
			}
			for _, id := range ids {
				_, err := db.GetCall(t.Context(), id)
				require.ErrorIs(t, err, callsync.ErrNotFound, "call %s of the failed batch was written", id)
				assert.Empty(t, jobsFor(t, db, "sync_call", id), id)
			}

			// The committer carries on with the next batch.
			duplicate, err := db.AcceptCall(t.Context(), "8002", []byte(`{}`), received)
			require.NoError(t, err)
			assert.False(t, duplicate)
		})
	})

	t.Run("CallerThatGivesUpWhileQueuedGetsAnErrorAndNothingIsWritten", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, db *DB) {
			hook := startQueueWithHook(t, db)
			release := holdCommitters(t, db, hook)
			ctx, cancel := context.WithCancel(t.Context())
			gaveUp := acceptAll(t, db, ctx, "9001")
			stays := acceptAll(t, db, t.Context(), "9002")
			waitQueued(t, db, 2)
			cancel()
			a := gaveUp.wait()[0]
			require.ErrorIs(t, a.err, context.Canceled)
			assert.Contains(t, a.err.Error(), "9001")
			release()
			require.NoError(t, stays.wait()[0].err)

			_, err := db.GetCall(t.Context(), "9001")
			require.ErrorIs(t, err, callsync.ErrNotFound)
			assert.Empty(t, jobsFor(t, db, "sync_call", "9001"))
			_, err = db.GetCall(t.Context(), "9002")
			require.NoError(t, err)
		})
	})

	t.Run("CallerThatGivesUpDuringTheCommitDoesNotFailTheOthers", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, db *DB) {
			hook := startQueueWithHook(t, db)
			release := holdCommitters(t, db, hook)
			// The batch of 9101 and 9102 waits in the hook while 9101's
			// caller gives up.
			gate := hook.gate("9101")
			ctx, cancel := context.WithCancel(t.Context())
			gaveUp := acceptAll(t, db, ctx, "9101")
			stays := acceptAll(t, db, t.Context(), "9102")
			waitQueued(t, db, 2)
			release()
			<-hook.entered
			cancel()
			a := gaveUp.wait()[0]
			require.ErrorIs(t, a.err, context.Canceled)
			close(gate)
			s := stays.wait()[0]
			require.NoError(t, s.err)
			assert.False(t, s.duplicate)

			// 9101 was committed, though not acknowledged: a redelivery is a
			// duplicate and finds its job.
			duplicate, err := db.AcceptCall(t.Context(), "9101", []byte(`{}`), received)
			require.NoError(t, err)
			assert.True(t, duplicate)
			assert.Len(t, jobsFor(t, db, "sync_call", "9101"), 1)
		})
	})

	t.Run("CloseCommitsWhatIsQueuedThenRefusesCalls", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, db *DB) {
			hook := startQueueWithHook(t, db)
			release := holdCommitters(t, db, hook)
			accepts := acceptAll(t, db, t.Context(), "9201", "9202")
			waitQueued(t, db, 2)
			closed := make(chan struct{})
			go func() {
				db.intake.close()
				close(closed)
			}()
			require.Eventually(t, func() bool {
				db.intake.mu.RLock() // taken once close has begun
				defer db.intake.mu.RUnlock()
				return db.intake.closed
			}, 5*time.Second, time.Millisecond)
			_, err := db.AcceptCall(t.Context(), "9203", []byte(`{}`), received)
			require.ErrorIs(t, err, ErrClosed)
			release()
			<-closed
			for _, a := range accepts.wait() {
				require.NoError(t, a.err, a.callID)
				_, err := db.GetCall(t.Context(), a.callID)
				require.NoError(t, err, a.callID)
			}
			_, err = db.GetCall(t.Context(), "9203")
			require.ErrorIs(t, err, callsync.ErrNotFound)
		})
	})
}

// intakeHook is a River insert hook for these tests: it holds a batch's
// transaction at a gated call until the gate is closed, and fails the
// insert of chosen calls.
type intakeHook struct {
	river.HookDefaults
	entered chan string // a gated call reached the hook

	mu    sync.Mutex
	gates map[string]chan struct{}
	fails map[string]error
}

func (h *intakeHook) InsertBegin(_ context.Context, params *rivertype.JobInsertParams) error {
	args, ok := params.Args.(callsync.SyncCallArgs)
	if !ok {
		return nil
	}
	h.mu.Lock()
	gate, fail := h.gates[args.CallID], h.fails[args.CallID]
	h.mu.Unlock()
	if gate != nil {
		h.entered <- args.CallID
		<-gate
	}
	return fail
}

// gate makes the batch holding callID wait in the hook until the returned
// channel is closed.
func (h *intakeHook) gate(callID string) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	gate := make(chan struct{})
	h.gates[callID] = gate
	return gate
}

func (h *intakeHook) failOn(callID string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fails[callID] = err
}

// startQueueWithHook starts db's queue (sync_call jobs do nothing) with an
// intakeHook, which sees every job the intake inserts from then on.
func startQueueWithHook(t *testing.T, db *DB) *intakeHook {
	t.Helper()
	hook := &intakeHook{entered: make(chan string, 16), gates: map[string]chan struct{}{}, fails: map[string]error{}}
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[callsync.SyncCallArgs]) error { return nil }))
	cfg := queueConfig(workers)
	cfg.Hooks = []rivertype.Hook{hook}
	require.NoError(t, db.StartQueue(t.Context(), cfg))
	stopQueueAtEnd(t, db)
	return hook
}

// holdCommitters parks every committer of db in a batch of its own, so that
// the calls accepted next wait in the queue; release lets the committers go
// one after the other, so the first takes every call queued.
func holdCommitters(t *testing.T, db *DB, hook *intakeHook) (release func()) {
	t.Helper()
	_, err := db.AcceptCall(t.Context(), "gate-warmup", []byte(`{}`), received) // starts the committers
	require.NoError(t, err)
	var gates []chan struct{}
	for i := range db.intake.committers {
		id := fmt.Sprintf("gate-%d", i)
		gates = append(gates, hook.gate(id))
		acceptAsync(db, t.Context(), id)
		select {
		case <-hook.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("committer %d did not take %s", i, id)
		}
	}
	return func() {
		for i, gate := range gates {
			close(gate)
			if i+1 < len(gates) {
				waitQueued(t, db, 0)
			}
		}
	}
}

// waitQueued waits until n calls wait for a committer.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(db.intake.queue) == n }, 10*time.Second, time.Millisecond,
		"%d calls queued, want %d", len(db.intake.queue), n)
}

// accepted is one AcceptCall's outcome.
type accepted struct {
	callID    string
	duplicate bool
	err       error
}

type acceptsInFlight struct {
	wg      sync.WaitGroup
	results []accepted
}

// acceptAll calls AcceptCall for each id, each from its own goroutine, in
// order: with the committers held, each waits in the queue before the next
// is sent.
func acceptAll(t *testing.T, db *DB, ctx context.Context, ids ...string) *acceptsInFlight {
	t.Helper()
	in := &acceptsInFlight{results: make([]accepted, len(ids))}
	for i, id := range ids {
		queued := len(db.intake.queue)
		in.start(db, ctx, i, id)
		waitQueued(t, db, queued+1)
	}
	return in
}

// acceptAsync calls AcceptCall for id from its own goroutine.
func acceptAsync(db *DB, ctx context.Context, id string) *acceptsInFlight {
	in := &acceptsInFlight{results: make([]accepted, 1)}
	in.start(db, ctx, 0, id)
	return in
}

func (in *acceptsInFlight) start(db *DB, ctx context.Context, i int, id string) {
	in.wg.Go(func() {
		duplicate, err := db.AcceptCall(ctx, id, []byte(`{"id":"`+id+`"}`), received)
		in.results[i] = accepted{callID: id, duplicate: duplicate, err: err}
	})
}

func (in *acceptsInFlight) wait() []accepted {
	in.wg.Wait()
	return in.results
}

func countRows(t *testing.T, db *DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.engine.pool().queryRow(t.Context(), query, args...).Scan(&n))
	return n
}

func TestDuplicateDeliveriesGoOnTheTimeline(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		_, err := db.AcceptCall(ctx, "8801", []byte(`{}`), received)
		require.NoError(t, err)
		for range 2 {
			duplicate, err := db.AcceptCall(ctx, "8801", []byte(`{}`), received)
			require.NoError(t, err)
			require.True(t, duplicate)
		}
		events, err := db.CallEvents(ctx, "8801")
		require.NoError(t, err)
		duplicates := 0
		for _, event := range events {
			if event.Kind == callsync.EventDuplicate {
				duplicates++
			}
		}
		assert.Equal(t, 2, duplicates, "each repeated delivery, none for the first")
	})
}
