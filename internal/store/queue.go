package store

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/gongsync/gongsync/internal/callsync"
)

// StartQueue builds River's client on this database from cfg (Workers,
// PeriodicJobs, Queues, JobTimeout, …; Logger defaults to Open's) and starts
// working jobs. ctx only bounds the start: the queue runs until StopQueue,
// so that a cancelled parent context leaves running jobs to StopQueue's drain.
// Jobs enqueued before StartQueue take River's defaults, not cfg's.
func (db *DB) StartQueue(ctx context.Context, cfg *river.Config) error {
	return db.engine.start(ctx, cfg)
}

// StopQueue lets running jobs finish until ctx ends, then cancels them and
// waits a few seconds for them to return; a job that does not is rescued
// after RESCUE_AFTER. Jobs can still be enqueued afterwards.
func (db *DB) StopQueue(ctx context.Context) error {
	return db.engine.stop(ctx)
}

// RunJobNow makes a job that waits for a later time (snoozed, or backing off
// after a failure) run now.
func (db *DB) RunJobNow(ctx context.Context, jobID int64) error {
	if err := db.engine.retry(ctx, jobID); err != nil {
		return fmt.Errorf("running job %d now: %w", jobID, err)
	}
	return nil
}

// JobRunning reports whether a job is running now (false once it ended or
// when it is gone).
func (db *DB) JobRunning(ctx context.Context, jobID int64) (bool, error) {
	running, err := db.engine.jobRunning(ctx, jobID)
	if err != nil {
		return false, fmt.Errorf("reading job %d: %w", jobID, err)
	}
	return running, nil
}

// EnqueueSummaryPoll queues a summary_poll job to run at (or after) at; a
// poll already waiting makes this one a duplicate, which is not an error.
func (db *DB) EnqueueSummaryPoll(ctx context.Context, at time.Time) error {
	if _, err := db.engine.insert(ctx, callsync.SummaryPollArgs{}, &river.InsertOpts{ScheduledAt: at}); err != nil {
		return fmt.Errorf("queueing a summary poll: %w", err)
	}
	return nil
}

// Enqueue queues any job under the uniqueness its args declare; a
// duplicate is not an error.
func (db *DB) Enqueue(ctx context.Context, args river.JobArgs) error {
	if _, err := db.engine.insert(ctx, args, nil); err != nil {
		return fmt.Errorf("queueing a %s job: %w", args.Kind(), err)
	}
	return nil
}

// LastCompleted returns when a job of kind last completed, on any replica;
// false when none has (River keeps finished jobs for a day).
func (db *DB) LastCompleted(ctx context.Context, kind string) (time.Time, bool, error) {
	var last any
	if err := db.engine.pool().queryRow(ctx, `SELECT MAX(finalized_at) FROM river_job WHERE kind = ? AND state = 'completed'`, kind).Scan(&last); err != nil {
		return time.Time{}, false, fmt.Errorf("reading the last %s: %w", kind, err)
	}
	switch v := last.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v.UTC(), true, nil
	case string:
		return parseRiverTime(v)
	case []byte:
		return parseRiverTime(string(v))
	}
	return time.Time{}, false, fmt.Errorf("reading the last %s: unexpected %T", kind, last)
}

// parseRiverTime reads a time as River's SQLite driver stores it (text:
// an aggregate loses the column's type, so the driver hands back the text).
func parseRiverTime(text string) (time.Time, bool, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00"} {
		if t, err := time.Parse(layout, text); err == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("unreadable job time %q", text)
}
