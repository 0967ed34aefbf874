package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteSynchronous is SQLite's fsync policy. FULL syncs the WAL at every
// commit, so a 202 survives a power cut or kernel crash too, not only a killed
// process (which NORMAL already survives). It costs throughput: in
// BenchmarkAcceptCall (2 cores, 16 callers) FULL takes ~1,900 accepts/s at
// p99 ~36 ms against NORMAL's ~3,300/s at ~21 ms; both are past the 1,000/s
// target, and an acknowledged call must never be lost.
const sqliteSynchronous = "FULL"

// sqliteOptions are applied to the one connection when it opens:
//   - WAL: readers never block the writer, and a commit is one append;
//   - busy_timeout: another process (gongsync migrate) makes us wait, not fail;
//   - _txlock=immediate: BEGIN takes the write lock at once, so two processes
//     cannot deadlock upgrading read locks;
//   - foreign_keys: on, as any SQLite database should be.
const sqliteOptions = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"

type sqliteEngine struct {
	db          *sql.DB
	checkpoints *checkpointer // nil for :memory:
	*jobQueue[*sql.Tx]
}

func openSQLite(ctx context.Context, path, synchronous string, logger *slog.Logger) (*sqliteEngine, error) {
	if path == "" {
		return nil, errors.New("DATABASE_URL: sqlite: needs a file path, e.g. sqlite:data/gongsync.db")
	}
	if strings.ContainsRune(path, '?') {
		return nil, errors.New("DATABASE_URL: sqlite:PATH takes no options (gongsync sets them)")
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("DATABASE_URL: creating the database folder: %w", err)
		}
	}
	options := sqliteOptions + "&_pragma=synchronous(" + synchronous + ")"
	if path != ":memory:" {
		options += "&_pragma=wal_autocheckpoint(0)" // the checkpointer's job
	}
	db, err := sql.Open("sqlite", path+"?"+options)
	if err != nil {
		return nil, fmt.Errorf("opening SQLite %s: %w", path, err)
	}
	// River's SQLite driver needs a single connection (SQLite has one writer
	// anyway); keep it open for good, since the pragmas live with it.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening SQLite %s: %w", path, err)
	}
	queue, err := newJobQueue(riversqlite.New(db), logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	queue.pollOnly = true
	engine := &sqliteEngine{db: db, jobQueue: queue}
	if path != ":memory:" {
		if engine.checkpoints, err = startCheckpointer(path, synchronous, logger); err != nil {
			db.Close()
			return nil, err
		}
	}
	return engine, nil
}

func (e *sqliteEngine) dialect() string { return DialectSQLite }

func (e *sqliteEngine) pool() querier { return sqlQuerier{e.db} }

func (e *sqliteEngine) inTx(ctx context.Context, fn func(tx querier, enqueue enqueueFunc) error) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op once committed
	enqueue := func(args river.JobArgs) (*rivertype.JobInsertResult, error) {
		return e.insertTx(ctx, tx, args)
	}
	if err := fn(sqlQuerier{tx}, enqueue); err != nil {
		return err
	}
	return tx.Commit()
}

// withMigrationLock needs no lock: the one connection serializes this
// process, and each migration checks its version inside its own
// BEGIN IMMEDIATE transaction.
func (e *sqliteEngine) withMigrationLock(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}

func (e *sqliteEngine) ping(ctx context.Context) error { return e.db.PingContext(ctx) }

func (e *sqliteEngine) close() error {
	err := e.db.Close()
	if e.checkpoints != nil {
		err = errors.Join(err, e.checkpoints.stop())
	}
	return err
}

// sqlExecutor is what *sql.DB and *sql.Tx share.
type sqlExecutor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type sqlQuerier struct{ x sqlExecutor }

func (q sqlQuerier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	result, err := q.x.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return result.RowsAffected()
}

func (q sqlQuerier) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := q.x.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (q sqlQuerier) queryRow(ctx context.Context, query string, args ...any) row {
	return q.x.QueryRowContext(ctx, query, args...)
}
