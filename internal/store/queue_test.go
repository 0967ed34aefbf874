package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/callsync"
)

// syncWorker counts sync_call runs per call; work decides each run's outcome.
type syncWorker struct {
	river.WorkerDefaults[callsync.SyncCallArgs]
	mu   sync.Mutex
	runs map[string]int
	work func(ctx context.Context, run int) error
}

func newSyncWorker(work func(ctx context.Context, run int) error) *syncWorker {
	return &syncWorker{runs: map[string]int{}, work: work}
}

func (w *syncWorker) Work(ctx context.Context, job *river.Job[callsync.SyncCallArgs]) error {
	w.mu.Lock()
	w.runs[job.Args.CallID]++
	run := w.runs[job.Args.CallID]
	w.mu.Unlock()
	if w.work == nil {
		return nil
	}
	return w.work(ctx, run)
}

func (w *syncWorker) runsOf(callID string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.runs[callID]
}

func workersWith(w *syncWorker) *river.Workers {
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	return workers
}

// jobState reports whether callID has one sync_call job, in state.
func jobState(t *testing.T, db *DB, callID, state string) func() bool {
	return func() bool {
		jobs, err := listJobs(t.Context(), db, "sync_call", callID)
		return err == nil && len(jobs) == 1 && jobs[0].State == state
	}
}

func TestRunJobNow(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		resync := func(callID string) callsync.JobInsert {
			t.Helper()
			read, err := db.GetCall(ctx, callID)
			require.NoError(t, err)
			_, inserted, err := db.UpdateCall(ctx, read, read, callsync.SyncCallArgs{CallID: callID})
			require.NoError(t, err)
			require.Len(t, inserted, 1)
			return inserted[0]
		}

		t.Run("WaitingJobIsNotDoubled", func(t *testing.T) {
			_, err := db.AcceptCall(ctx, "5001", []byte(`{}`), received)
			require.NoError(t, err)
			job := resync("5001")
			assert.True(t, job.Duplicate)
			jobs := jobsFor(t, db, "sync_call", "5001")
			require.Len(t, jobs, 1)
			assert.Equal(t, "available", jobs[0].State)
		})

		// The queue runs from here on: a first run snoozes, later runs succeed.
		worker := newSyncWorker(func(_ context.Context, run int) error {
			if run == 1 {
				return river.JobSnooze(time.Hour)
			}
			return nil
		})
		startQueue(t, db, workersWith(worker))

		t.Run("SnoozedJobRunsNow", func(t *testing.T) {
			_, err := db.AcceptCall(ctx, "5002", []byte(`{}`), received)
			require.NoError(t, err)
			eventually(t, jobState(t, db, "5002", "scheduled"), "the first run snoozes the job for an hour")

			job := resync("5002")
			require.True(t, job.Duplicate)
			require.Equal(t, "scheduled", string(job.State))
			require.NoError(t, db.RunJobNow(ctx, job.ID))
			eventually(t, jobState(t, db, "5002", "completed"), "the snoozed job runs now")
			assert.Equal(t, 2, worker.runsOf("5002"))
		})

		t.Run("FinishedJobAllowsANewOne", func(t *testing.T) {
			// 5002's only job is completed: a resync is a new job.
			assert.False(t, resync("5002").Duplicate)
			eventually(t, func() bool { return worker.runsOf("5002") == 3 }, "the resync runs")
			assert.Len(t, jobsFor(t, db, "sync_call", "5002"), 2)
		})
	})
}

func TestEnqueueSummaryPoll(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()

		t.Run("WaitsUntilAt", func(t *testing.T) {
			require.NoError(t, db.EnqueueSummaryPoll(ctx, time.Now().Add(time.Hour)))
			jobs := jobsFor(t, db, "summary_poll", "")
			require.Len(t, jobs, 1)
			assert.Equal(t, "scheduled", jobs[0].State)
		})

		t.Run("DuplicateIsNotAnError", func(t *testing.T) {
			require.NoError(t, db.EnqueueSummaryPoll(ctx, time.Now()))
			assert.Len(t, jobsFor(t, db, "summary_poll", ""), 1)
		})
	})
}

func TestEnqueue(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		t.Run("DuplicateIsNotAnError", func(t *testing.T) {
			patch := callsync.PatchSummaryArgs{CallID: "6001", SummaryHTML: "<p>brief</p>"}
			require.NoError(t, db.Enqueue(t.Context(), patch))
			require.NoError(t, db.Enqueue(t.Context(), patch))
			assert.Len(t, jobsFor(t, db, "patch_summary", "6001"), 1)
		})
	})
}

func TestQueue(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		t.Run("AcceptedCallIsWorkedAfterStartContextEnds", func(t *testing.T) {
			worker := newSyncWorker(nil)
			startCtx, cancel := context.WithCancel(t.Context())
			require.NoError(t, db.StartQueue(startCtx, queueConfig(workersWith(worker))))
			stopQueueAtEnd(t, db)
			cancel() // as serve's context ends at SIGTERM, before the drain

			_, err := db.AcceptCall(t.Context(), "7001", []byte(`{}`), received)
			require.NoError(t, err)
			eventually(t, func() bool { return worker.runsOf("7001") == 1 }, "the job runs")
			eventually(t, jobState(t, db, "7001", "completed"), "the job completes")
		})
	})
}

func TestStopQueue(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		var (
			started   = make(chan struct{}, 1)
			release   = make(chan struct{})
			cancelled atomic.Bool
		)
		worker := newSyncWorker(func(ctx context.Context, _ int) error {
			select {
			case started <- struct{}{}:
			default:
			}
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				cancelled.Store(true)
				return ctx.Err()
			}
		})
		require.NoError(t, db.StartQueue(ctx, queueConfig(workersWith(worker))))
		stopQueueAtEnd(t, db)
		_, err := db.AcceptCall(ctx, "8001", []byte(`{}`), received)
		require.NoError(t, err)
		<-started

		t.Run("RunningJobIsCancelledWhenTheDrainTimeEnds", func(t *testing.T) {
			stopCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			begun := time.Now()
			require.NoError(t, db.StopQueue(stopCtx))
			assert.True(t, cancelled.Load(), "the job saw its context end")
			assert.Less(t, time.Since(begun), hardStopWait, "StopQueue returned once the job did")
			assert.Contains(t, db.Ready(ctx), NotReadyQueue)
		})

		t.Run("CallsAreStillAcceptedAfterStop", func(t *testing.T) {
			duplicate, err := db.AcceptCall(ctx, "8002", []byte(`{}`), received)
			require.NoError(t, err)
			assert.False(t, duplicate)
			assert.Len(t, jobsFor(t, db, "sync_call", "8002"), 1)
		})

		t.Run("RunningJobFinishesWithinTheDrainTime", func(t *testing.T) {
			cancelled.Store(false)
			startQueue(t, db, workersWith(worker))
			<-started // 8001 (retried) or 8002
			time.AfterFunc(200*time.Millisecond, func() { close(release) })
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			require.NoError(t, db.StopQueue(stopCtx))
			assert.False(t, cancelled.Load(), "the job was left to finish")
		})
	})
}

func TestLastCompleted(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		_, ok, err := db.LastCompleted(ctx, "sync_call")
		require.NoError(t, err)
		assert.False(t, ok, "none yet")

		worker := newSyncWorker(func(context.Context, int) error { return nil })
		startQueue(t, db, workersWith(worker))
		_, err = db.AcceptCall(ctx, "5101", []byte(`{}`), received)
		require.NoError(t, err)
		eventually(t, jobState(t, db, "5101", "completed"), "the job completes")
		at, ok, err := db.LastCompleted(ctx, "sync_call")
		require.NoError(t, err)
		require.True(t, ok)
		assert.WithinDuration(t, time.Now(), at, time.Minute)
	})
}
