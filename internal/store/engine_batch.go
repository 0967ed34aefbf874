package store

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// batchEngine is an engine that can insert many jobs in one statement,
// which the webhook intake's group commit needs.
type batchEngine interface {
	// inBatchTx is inTx with enqueueMany instead of enqueue.
	inBatchTx(ctx context.Context, fn func(tx querier, enqueueMany enqueueManyFunc) error) error
}

// enqueueManyFunc inserts jobs with River's InsertManyTx: unique jobs keep
// their uniqueness (a job already live comes back UniqueSkippedAsDuplicate),
// but one unique key may appear only once per call.
type enqueueManyFunc func(args []river.JobArgs) ([]*rivertype.JobInsertResult, error)

var (
	_ batchEngine = (*sqliteEngine)(nil)
	_ batchEngine = (*postgresEngine)(nil)
)

func (q *jobQueue[TTx]) insertManyTx(ctx context.Context, tx TTx, args []river.JobArgs) ([]*rivertype.JobInsertResult, error) {
	params := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		params[i] = river.InsertManyParams{Args: a}
	}
	return q.inserter.Load().InsertManyTx(ctx, tx, params)
}

func (e *sqliteEngine) inBatchTx(ctx context.Context, fn func(tx querier, enqueueMany enqueueManyFunc) error) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op once committed
	enqueueMany := func(args []river.JobArgs) ([]*rivertype.JobInsertResult, error) {
		return e.insertManyTx(ctx, tx, args)
	}
	if err := fn(sqlQuerier{tx}, enqueueMany); err != nil {
		return err
	}
	return tx.Commit()
}

func (e *postgresEngine) inBatchTx(ctx context.Context, fn func(tx querier, enqueueMany enqueueManyFunc) error) error {
	tx, err := e.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op once committed
	enqueueMany := func(args []river.JobArgs) ([]*rivertype.JobInsertResult, error) {
		return e.insertManyTx(ctx, tx, args)
	}
	if err := fn(pgxQuerier{tx}, enqueueMany); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
