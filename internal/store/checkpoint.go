package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// checkpointEvery is how often the checkpointer copies the WAL back into the
// database file.
const checkpointEvery = time.Second

// checkpointer keeps WAL checkpoints off the commit path. SQLite otherwise
// checkpoints inside whichever commit crosses 1,000 pages, and that commit,
// with every webhook of its batch, waits for the copy and the database
// file's fsync. The writer's connection never checkpoints
// (wal_autocheckpoint=0); a connection of the checkpointer's own does, in
// PASSIVE mode, which neither waits for the writer nor blocks it.
type checkpointer struct {
	db     *sql.DB
	wal    string // the WAL file's path
	logger *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

func startCheckpointer(path, synchronous string, logger *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=synchronous("+synchronous+")")
	if err != nil {
		return nil, fmt.Errorf("opening SQLite %s for checkpoints: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, wal: path + "-wal", logger: logger, cancel: cancel, done: make(chan struct{})}
	go c.run(ctx)
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	ticker := time.NewTicker(checkpointEvery)
	defer ticker.Stop()
	var seen walState
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			// An idle service writes nothing: a stat costs less than a query.
			now := c.walState()
			if now == seen {
				continue
			}
			c.checkpoint(ctx, "PASSIVE")
			seen = now
		}
	}
}

// walState is what changes in the WAL file when something is written.
type walState struct {
	size    int64
	modTime time.Time
}

func (c *checkpointer) walState() walState {
	info, err := os.Stat(c.wal)
	if err != nil {
		return walState{}
	}
	return walState{size: info.Size(), modTime: info.ModTime()}
}

func (c *checkpointer) checkpoint(ctx context.Context, mode string) {
	var busy, logFrames, checkpointed int64
	err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &logFrames, &checkpointed)
	if err != nil && ctx.Err() == nil {
		c.logger.Warn("SQLite checkpoint failed; the WAL grows until one succeeds", slog.String("error", err.Error()))
	}
}

// stop ends the loop and checkpoints what is left, so the WAL is small when
// the process exits.
func (c *checkpointer) stop() error {
	c.cancel()
	<-c.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.checkpoint(ctx, "TRUNCATE")
	return c.db.Close()
}
