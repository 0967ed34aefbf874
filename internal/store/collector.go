package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongsync/gongsync/internal/callsync"
)

// collectEvery bounds how often a scrape queries the database: scrapes
// closer together than this share one reading.
const collectEvery = 5 * time.Second

// jobStates are River's job states, each shown even when empty.
var jobStates = []string{"available", "scheduled", "running", "retryable", "pending", "completed", "cancelled", "discarded"}

// Collector reports the ledger and the queue as gauges, read at scrape
// time: queue depth by state, calls by status (unmatched among them), the
// age of the oldest call not yet final, and the Gong budget left today.
type Collector struct {
	db         *DB
	budgetLeft func(ctx context.Context) (int, error) // nil: no budget gauge

	jobs, calls             *prometheus.Desc
	oldestOpen, unmatched   *prometheus.Desc
	budgetRemaining, failed *prometheus.Desc

	mu      sync.Mutex
	readAt  time.Time
	reading []prometheus.Metric
}

// NewCollector returns the collector; budgetLeft, when set, gives the Gong
// budget left today (-1 when there is none).
func NewCollector(db *DB, budgetLeft func(ctx context.Context) (int, error)) *Collector {
	return &Collector{
		db:         db,
		budgetLeft: budgetLeft,
		jobs: prometheus.NewDesc("gongsync_jobs", "Jobs in the queue, by River state.",
			[]string{"state"}, nil),
		calls: prometheus.NewDesc("gongsync_ledger_calls", "Calls in the ledger, by status.",
			[]string{"status"}, nil),
		oldestOpen: prometheus.NewDesc("gongsync_oldest_open_call_age_seconds",
			"Age of the oldest call in a non-final status (queued, synced, unmatched); 0 when there is none.", nil, nil),
		unmatched: prometheus.NewDesc("gongsync_unmatched_calls",
			"Calls without a Planhat company: kept and retried, waiting for a company, a resync or an assignment.", nil, nil),
		budgetRemaining: prometheus.NewDesc("gongsync_gong_budget_remaining",
			"Gong requests GONG_DAILY_BUDGET still allows today (UTC), across every replica.", nil, nil),
		failed: prometheus.NewDesc("gongsync_collector_errors",
			"1 when the last reading of the ledger and queue gauges failed (they are then missing), else 0.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.jobs, c.calls, c.oldestOpen, c.unmatched, c.budgetRemaining, c.failed} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.readAt) >= collectEvery {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		reading, err := c.read(ctx)
		cancel()
		failed := 0.0
		if err != nil {
			c.db.logger.Warn("metrics: reading the ledger and queue failed", slog.String("error", err.Error()))
			failed = 1
		}
		c.reading = append(reading, prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, failed))
		c.readAt = time.Now()
	}
	for _, m := range c.reading {
		ch <- m
	}
}

func (c *Collector) read(ctx context.Context) ([]prometheus.Metric, error) {
	var out []prometheus.Metric
	gauge := func(desc *prometheus.Desc, value float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, value, labels...))
	}
	jobs, err := c.db.jobsByState(ctx)
	if err != nil {
		return nil, err
	}
	for _, state := range jobStates {
		gauge(c.jobs, float64(jobs[state]), state)
	}
	calls, err := c.db.CountByStatus(ctx)
	if err != nil {
		return nil, err
	}
	for _, status := range callsync.Statuses {
		gauge(c.calls, float64(calls[status]), string(status))
	}
	gauge(c.unmatched, float64(calls[callsync.StatusUnmatched]))
	oldest, ok, err := c.db.OldestOpenCall(ctx)
	if err != nil {
		return nil, err
	}
	age := 0.0
	if ok {
		age = max(time.Since(oldest).Seconds(), 0)
	}
	gauge(c.oldestOpen, age)
	if c.budgetLeft != nil {
		left, err := c.budgetLeft(ctx)
		if err != nil {
			return nil, err
		}
		if left >= 0 {
			gauge(c.budgetRemaining, float64(left))
		}
	}
	return out, nil
}

func (db *DB) jobsByState(ctx context.Context) (map[string]int, error) {
	r, err := db.engine.pool().query(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("counting jobs: %w", err)
	}
	defer r.Close()
	counts := map[string]int{}
	for r.Next() {
		var (
			state string
			n     int64
		)
		if err := r.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("counting jobs: %w", err)
		}
		counts[state] = int(n)
	}
	return counts, r.Err()
}
