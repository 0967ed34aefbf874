package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// consoleLedgerSize is the ledger the console must stay fast on (issue 8:
// overview and calls list ≤ 50 ms with 100,000 calls).
const consoleLedgerSize = 100_000

// BenchmarkConsole measures the console's queries on a ledger of 100,000
// calls received over the last 30 days: the overview (counts by status,
// calls per day for 7 days, the oldest open call) and the calls list (first
// page, one status, the next page by cursor, a search). Each runs at most 50
// times, whatever -benchtime says; p50-ms and max-ms are what to read.
func BenchmarkConsole(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(b *testing.B) *DB
	}{
		{"sqlite", benchSQLite(sqliteSynchronous)},
		{"postgres", benchPostgres},
	} {
		b.Run(backend.name, func(b *testing.B) {
			db := backend.open(b)
			if err := db.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			seedLedger(b, db, consoleLedgerSize, now)
			ctx := context.Background()
			var cursor string
			queries := []struct {
				name string
				run  func() error
			}{
				{"Overview", func() error {
					if _, err := db.StatusCounts(ctx); err != nil {
						return err
					}
					if _, err := db.CallsPerDay(ctx, now.Add(-6*24*time.Hour)); err != nil {
						return err
					}
					_, _, err := db.OldestOpenCall(ctx)
					return err
				}},
				{"StatusCounts", func() error { _, err := db.StatusCounts(ctx); return err }},
				{"CallsPerDay", func() error { _, err := db.CallsPerDay(ctx, now.Add(-6*24*time.Hour)); return err }},
				{"OldestOpen", func() error { _, _, err := db.OldestOpenCall(ctx); return err }},
				{"CallsList", func() error {
					calls, next, err := db.CallPage(ctx, callsync.CallQuery{Limit: 50})
					if err == nil && len(calls) != 50 {
						err = fmt.Errorf("%d calls on the first page", len(calls))
					}
					cursor = next
					return err
				}},
				{"CallsListByStatus", func() error {
					_, _, err := db.CallPage(ctx, callsync.CallQuery{Status: callsync.StatusUnmatched, Limit: 50})
					return err
				}},
				{"CallsListNextPage", func() error {
					_, _, err := db.CallPage(ctx, callsync.CallQuery{After: cursor, Limit: 50})
					return err
				}},
				{"CallsSearch", func() error {
					_, _, err := db.CallPage(ctx, callsync.CallQuery{Search: "renewal 4242", Limit: 50})
					return err
				}},
			}
			for _, q := range queries {
				b.Run(q.name, func(b *testing.B) {
					runs := min(b.N, 50)
					took := make([]time.Duration, 0, runs)
					for range runs {
						start := time.Now()
						if err := q.run(); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)/2])/float64(time.Millisecond), "p50-ms")
					b.ReportMetric(float64(took[len(took)-1])/float64(time.Millisecond), "max-ms")
				})
			}
		})
	}
}

// seedLedger writes n calls received over the 30 days before now, in a mix
// of statuses, with titles and company names.
func seedLedger(b *testing.B, db *DB, n int, now time.Time) {
	b.Helper()
	statuses := []callsync.Status{callsync.StatusComplete, callsync.StatusComplete, callsync.StatusComplete, callsync.StatusSynced,
		callsync.StatusNoSummary, callsync.StatusUnmatched, callsync.StatusSkipped, callsync.StatusFailed, callsync.StatusComplete, callsync.StatusQueued}
	const batch = 500
	span := int64(30 * 24 * time.Hour / time.Millisecond)
	for start := 0; start < n; start += batch {
		var (
			rows []string
			args []any
		)
		for i := start; i < min(start+batch, n); i++ {
			at := now.UnixMilli() - span + int64(i)*span/int64(n)
			status := statuses[i%len(statuses)]
			rows = append(rows, "(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, fmt.Sprintf("%019d", 7_000_000_000_000_000_000+i), string(status), []byte(`{}`),
				fmt.Sprintf("Call %d renewal", i), fmt.Sprintf("Company %d", i%5000), at, at, int64(1))
		}
		_, err := db.engine.pool().exec(context.Background(), `INSERT INTO calls
			(call_id, status, payload, title, company_name, received_at, updated_at, version) VALUES `+strings.Join(rows, ", "), args...)
		if err != nil {
			b.Fatal(err)
		}
	}
	if db.Dialect() == DialectPostgres {
		if _, err := db.engine.pool().exec(context.Background(), `VACUUM ANALYZE calls`); err != nil {
			b.Fatal(err)
		}
	} else if _, err := db.engine.pool().exec(context.Background(), `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}
