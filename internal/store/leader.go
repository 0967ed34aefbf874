package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// leaderLockKey names gongsync's leadership among PostgreSQL advisory locks
// (an arbitrary constant, the same in every replica).
const leaderLockKey int64 = 0x676f6e676c656164 // "gonglead"

// leaderCheckEvery is how often a replica tries to become the leader, and
// how often the leader checks that it still is.
const leaderCheckEvery = 5 * time.Second

// LeadQueue works queue, with workers at most, only while this process is
// the deployment's leader, until ctx ends. On SQLite the one process always
// leads. On PostgreSQL the leader holds a session advisory lock on a
// connection of its own: when the process dies, its session ends and another
// replica takes the lead within leaderCheckEvery. The summary poller, the
// sweeper and the reconciler are jobs of that queue, so they run on one
// process at a time.
// onChange, when set, learns each change of leadership.
func (db *DB) LeadQueue(ctx context.Context, queue string, workers int, onChange func(leading bool)) error {
	if onChange == nil {
		onChange = func(bool) {}
	}
	e, ok := db.engine.(*postgresEngine)
	if !ok {
		if err := db.engine.addQueue(queue, river.QueueConfig{MaxWorkers: workers}); err != nil {
			return err
		}
		onChange(true)
		<-ctx.Done()
		return nil
	}
	for {
		held, err := e.holdLeadership(ctx, func() error {
			if err := db.engine.addQueue(queue, river.QueueConfig{MaxWorkers: workers}); err != nil {
				return err
			}
			onChange(true)
			return nil
		})
		if held {
			onChange(false)
			// Lost the lock (connection gone) or stopping: hand the jobs back.
			removeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := db.engine.removeQueue(removeCtx, queue); err != nil {
				db.logger.Warn("leading: could not stop the leader-only queue", slog.String("error", err.Error()))
			}
			cancel()
			if ctx.Err() == nil {
				db.logger.Error("leading: lost the leadership; trying to take it again", slog.String("error", fmt.Sprint(err)))
			}
		} else if err != nil && ctx.Err() == nil {
			db.logger.Warn("leading: could not try for the leadership", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(leaderCheckEvery):
		}
	}
}

// holdLeadership takes the advisory lock if free, calls onElected, and keeps
// the lock until ctx ends or its connection fails. held reports whether it
// was ever taken.
func (e *postgresEngine) holdLeadership(ctx context.Context, onElected func() error) (held bool, err error) {
	conn, err := e.db.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", leaderLockKey).Scan(&got); err != nil {
		return false, err
	}
	if !got {
		return false, nil
	}
	defer unlockLeadership(ctx, conn)
	if err := onElected(); err != nil {
		return true, err
	}
	ticker := time.NewTicker(leaderCheckEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case <-ticker.C:
			pingCtx, cancel := context.WithTimeout(ctx, leaderCheckEvery)
			_, err := conn.Exec(pingCtx, "SELECT 1")
			cancel()
			if err != nil && ctx.Err() == nil {
				return true, err
			}
		}
	}
}

func unlockLeadership(ctx context.Context, conn *pgxpool.Conn) {
	unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(unlockCtx, "SELECT pg_advisory_unlock($1)", leaderLockKey); err != nil {
		// The lock lives as long as the session: end it.
		conn.Conn().Close(unlockCtx)
	}
}
