package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// postgresPoolSize is the pool's size unless the URL sets pool_max_conns:
// pgx's default (the number of CPUs, at least 4) is small beside River's
// workers, its maintenance services and the webhook intake.
const postgresPoolSize = 16

// migrationLockKey names gongsync's migrations among PostgreSQL advisory
// locks (an arbitrary constant, the same in every replica).
const migrationLockKey int64 = 0x676f6e6773796e63 // "gongsync"

type postgresEngine struct {
	db *pgxpool.Pool
	*jobQueue[pgx.Tx]
}

func openPostgres(ctx context.Context, databaseURL string, logger *slog.Logger) (*postgresEngine, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = postgresPoolSize
	}
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	queue, err := newJobQueue(riverpgxv5.New(db), logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &postgresEngine{db: db, jobQueue: queue}, nil
}

func (e *postgresEngine) dialect() string { return DialectPostgres }

func (e *postgresEngine) pool() querier { return pgxQuerier{e.db} }

func (e *postgresEngine) inTx(ctx context.Context, fn func(tx querier, enqueue enqueueFunc) error) error {
	tx, err := e.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op once committed
	enqueue := func(args river.JobArgs) (*rivertype.JobInsertResult, error) {
		return e.insertTx(ctx, tx, args)
	}
	if err := fn(pgxQuerier{tx}, enqueue); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// withMigrationLock holds a session advisory lock on one connection while
// fn migrates through the others, so replicas starting together migrate one
// after the other and the later ones find nothing to do.
func (e *postgresEngine) withMigrationLock(ctx context.Context, fn func(ctx context.Context) error) error {
	conn, err := e.db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
			// The lock lives as long as the session: end it.
			conn.Conn().Close(unlockCtx)
		}
	}()
	return fn(ctx)
}

func (e *postgresEngine) ping(ctx context.Context) error { return e.db.Ping(ctx) }

func (e *postgresEngine) close() error {
	e.db.Close()
	return nil
}

// pgxExecutor is what *pgxpool.Pool and pgx.Tx share.
type pgxExecutor interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgxQuerier struct{ x pgxExecutor }

func (q pgxQuerier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.x.Exec(ctx, rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (q pgxQuerier) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := q.x.Query(ctx, rebind(query), args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{r}, nil
}

func (q pgxQuerier) queryRow(ctx context.Context, query string, args ...any) row {
	return q.x.QueryRow(ctx, rebind(query), args...)
}

// pgxRows gives pgx.Rows the Close of *sql.Rows.
type pgxRows struct{ pgx.Rows }

func (r pgxRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}
