package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// engine is one database technology behind DB: it hides River's transaction
// type (*sql.Tx for SQLite, pgx.Tx for PostgreSQL) so the ledger code is
// written once.
type engine interface {
	dialect() string
	// pool runs statements outside a transaction.
	pool() querier
	// inTx runs fn in one transaction, committed only when fn returns nil;
	// enqueue inserts a job in that same transaction.
	inTx(ctx context.Context, fn func(tx querier, enqueue enqueueFunc) error) error
	// withMigrationLock keeps other processes out of Migrate while fn runs.
	withMigrationLock(ctx context.Context, fn func(ctx context.Context) error) error
	ping(ctx context.Context) error
	close() error
	queue
}

// queue is River's side of an engine, the same for every transaction type.
type queue interface {
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	retry(ctx context.Context, jobID int64) error
	jobRunning(ctx context.Context, jobID int64) (bool, error)
	start(ctx context.Context, cfg *river.Config) error
	stop(ctx context.Context) error
	stopNow()
	running() bool
	addQueue(name string, cfg river.QueueConfig) error
	removeQueue(ctx context.Context, name string) error
	migrateRiver(ctx context.Context) error
	riverMigrated(ctx context.Context) (bool, error)
}

type enqueueFunc func(args river.JobArgs) (*rivertype.JobInsertResult, error)

// querier runs SQL written with ? placeholders on a pool or a transaction.
type querier interface {
	exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	query(ctx context.Context, query string, args ...any) (rows, error)
	queryRow(ctx context.Context, query string, args ...any) row
}

// rows and row are what *sql.Rows / pgx.Rows and *sql.Row / pgx.Row share.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

type row interface {
	Scan(dest ...any) error
}

// hardStopWait is how long StopQueue waits, once its own deadline has passed,
// for cancelled jobs to return so River records their outcome.
const hardStopWait = 5 * time.Second

// jobQueue is River for one transaction type.
type jobQueue[TTx any] struct {
	driver   riverdriver.Driver[TTx]
	logger   *slog.Logger
	migrator *rivermigrate.Migrator[TTx]

	// inserter inserts jobs: an insert-only client until StartQueue, then
	// the started client, so jobs get the caller's defaults (MaxAttempts …).
	inserter atomic.Pointer[river.Client[TTx]]

	// pollOnly turns River's listener off. River's SQLite listener polls a
	// notification table every 50 ms, on the one connection the intake
	// also needs: twenty queries a second while idle. Polling for jobs
	// every FetchPollInterval costs far less and suffices.
	pollOnly bool

	mu      sync.Mutex
	started *river.Client[TTx] // nil until StartQueue
}

func newJobQueue[TTx any](driver riverdriver.Driver[TTx], logger *slog.Logger) (*jobQueue[TTx], error) {
	client, err := river.NewClient(driver, &river.Config{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("creating the job queue client: %w", err)
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("creating the job queue migrator: %w", err)
	}
	q := &jobQueue[TTx]{driver: driver, logger: logger, migrator: migrator}
	q.inserter.Store(client)
	return q, nil
}

func (q *jobQueue[TTx]) insertTx(ctx context.Context, tx TTx, args river.JobArgs) (*rivertype.JobInsertResult, error) {
	return q.inserter.Load().InsertTx(ctx, tx, args, nil)
}

func (q *jobQueue[TTx]) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return q.inserter.Load().Insert(ctx, args, opts)
}

func (q *jobQueue[TTx]) jobRunning(ctx context.Context, jobID int64) (bool, error) {
	job, err := q.inserter.Load().JobGet(ctx, jobID)
	if errors.Is(err, river.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return job.State == rivertype.JobStateRunning, nil
}

func (q *jobQueue[TTx]) retry(ctx context.Context, jobID int64) error {
	_, err := q.inserter.Load().JobRetry(ctx, jobID)
	return err
}

func (q *jobQueue[TTx]) start(ctx context.Context, cfg *river.Config) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started != nil && isRunning(q.started) {
		return errors.New("the job queue is already running")
	}
	if cfg == nil {
		return errors.New("starting the job queue: no configuration")
	}
	config := *cfg // filled in here, not in the caller's copy
	if config.Logger == nil {
		config.Logger = q.logger
	}
	config.PollOnly = config.PollOnly || q.pollOnly
	client, err := river.NewClient(q.driver, &config)
	if err != nil {
		return fmt.Errorf("creating the job queue client: %w", err)
	}
	// River hard-stops (cancels running jobs) when Start's context ends; the
	// caller's context ends at SIGTERM, before StopQueue's graceful drain.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting the job queue: %w", err)
	}
	q.started = client
	q.inserter.Store(client)
	return nil
}

func (q *jobQueue[TTx]) stop(ctx context.Context) error {
	q.mu.Lock()
	client := q.started
	q.mu.Unlock()
	if client == nil {
		return nil
	}
	err := client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	q.logger.Warn("drain time is over; cancelling the jobs still running (they are retried later)")
	hardCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopWait)
	defer cancel()
	if err := client.StopAndCancel(hardCtx); err != nil {
		return fmt.Errorf("stopping the job queue: %w", err)
	}
	return nil
}

// stopNow cancels running jobs and stops, for Close without StopQueue.
func (q *jobQueue[TTx]) stopNow() {
	q.mu.Lock()
	client := q.started
	q.mu.Unlock()
	if client == nil || !isRunning(client) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), hardStopWait)
	defer cancel()
	if err := client.StopAndCancel(ctx); err != nil {
		q.logger.Warn("stopping the job queue", slog.String("error", err.Error()))
	}
}

func (q *jobQueue[TTx]) running() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.started != nil && isRunning(q.started)
}

func (q *jobQueue[TTx]) addQueue(name string, cfg river.QueueConfig) error {
	q.mu.Lock()
	client := q.started
	q.mu.Unlock()
	if client == nil {
		return fmt.Errorf("adding queue %s: the job queue is not running", name)
	}
	if err := client.Queues().Add(name, cfg); err != nil {
		return fmt.Errorf("adding queue %s: %w", name, err)
	}
	return nil
}

func (q *jobQueue[TTx]) removeQueue(ctx context.Context, name string) error {
	q.mu.Lock()
	client := q.started
	q.mu.Unlock()
	if client == nil || !isRunning(client) {
		return nil
	}
	return client.Queues().Remove(ctx, name)
}

func isRunning[TTx any](client *river.Client[TTx]) bool {
	select {
	case <-client.Stopped():
		return false
	default:
		return true
	}
}

func (q *jobQueue[TTx]) migrateRiver(ctx context.Context) error {
	if _, err := q.migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

func (q *jobQueue[TTx]) riverMigrated(ctx context.Context) (bool, error) {
	result, err := q.migrator.Validate(ctx, nil)
	if err != nil {
		return false, err
	}
	return result.OK, nil
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, …; our SQL has no
// question marks inside literals.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
