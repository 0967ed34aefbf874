package store

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/store/storetest"
)

// BenchmarkAcceptCall measures the webhook intake's commit: one op is one
// AcceptCall of a new call (row + sync_call job, committed in a group with
// the calls queued beside it) from 16 concurrent callers, as concurrent
// webhook deliveries are. It reports accepts/s, the p50/p99 latency of one
// accept and the mean calls per batch. "+workers" runs the queue too,
// completing each job as it comes, so intake shares the database with River
// as it does in service; "batch1" commits each call alone (the intake before
// group commit), "cN" runs N committers. Run it with a count of ops, e.g.
//
//	go test -run '^$' -bench AcceptCall -benchtime 5000x ./internal/store
func BenchmarkAcceptCall(b *testing.B) {
	for _, bench := range []struct {
		name                 string
		open                 func(b *testing.B) *DB
		workers              bool
		maxBatch, committers int // 0: the defaults
	}{
		{name: "sqlite-normal", open: benchSQLite("NORMAL")},
		{name: "sqlite-full", open: benchSQLite("FULL")},
		{name: "sqlite-full-batch1", open: benchSQLite("FULL"), maxBatch: 1},
		{name: "sqlite-normal+workers", open: benchSQLite("NORMAL"), workers: true},
		{name: "sqlite-full+workers", open: benchSQLite("FULL"), workers: true},
		{name: "postgres", open: benchPostgres},
		{name: "postgres-c1", open: benchPostgres, committers: 1},
		{name: "postgres-c4", open: benchPostgres, committers: 4},
		{name: "postgres-batch1-c16", open: benchPostgres, maxBatch: 1, committers: 16},
		{name: "postgres+workers", open: benchPostgres, workers: true},
	} {
		b.Run(bench.name, func(b *testing.B) {
			db := bench.open(b)
			db.intake.maxBatch, db.intake.committers = bench.maxBatch, bench.committers
			if err := db.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			if bench.workers {
				workers := river.NewWorkers()
				river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[callsync.SyncCallArgs]) error { return nil }))
				cfg := queueConfig(workers)
				cfg.Queues[river.QueueDefault] = river.QueueConfig{MaxWorkers: 20}
				if err := db.StartQueue(b.Context(), cfg); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { db.StopQueue(context.Background()) })
			}
			benchmarkAccepts(b, db)
		})
	}
}

func benchmarkAccepts(b *testing.B, db *DB) {
	payload := bytes.Repeat([]byte(`{"callData":{"metaData":{"id":"7782342274025937895"}}} `), 60) // ~3.4 KB
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
	)
	b.SetParallelism(8) // 8 × GOMAXPROCS callers
	b.ResetTimer()
	begun := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		own := make([]time.Duration, 0, 1024)
		for pb.Next() {
			id := strconv.FormatInt(next.Add(1), 10)
			start := time.Now()
			duplicate, err := db.AcceptCall(context.Background(), id, payload, start)
			own = append(own, time.Since(start))
			if err != nil || duplicate {
				b.Errorf("accept %s: duplicate=%v err=%v", id, duplicate, err)
				return
			}
		}
		mu.Lock()
		latencies = append(latencies, own...)
		mu.Unlock()
	})
	elapsed := time.Since(begun)
	b.StopTimer()
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	percentile := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "accepts/s")
	b.ReportMetric(percentile(0.50), "p50-ms")
	b.ReportMetric(percentile(0.99), "p99-ms")
	if batches := db.intake.batches.Load(); batches > 0 {
		b.ReportMetric(float64(db.intake.calls.Load())/float64(batches), "calls/batch")
	}
}

func benchSQLite(synchronous string) func(b *testing.B) *DB {
	return func(b *testing.B) *DB {
		logger := slog.New(slog.DiscardHandler)
		e, err := openSQLite(b.Context(), filepath.Join(b.TempDir(), "bench.db"), synchronous, logger)
		if err != nil {
			b.Fatal(err)
		}
		db := &DB{engine: e, logger: logger, now: time.Now}
		b.Cleanup(func() { db.Close() })
		return db
	}
}

func benchPostgres(b *testing.B) *DB {
	db, err := Open(b.Context(), storetest.PostgresURL(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}
