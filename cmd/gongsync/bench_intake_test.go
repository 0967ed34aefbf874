package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// intakeRates are the sustained webhook rates BenchmarkIntake offers each
// backend: the targets on a 2-core machine.
var intakeRates = map[string]int{"noop-chi": 5000, "sqlite": 2000, "postgres": 5000}

// BenchmarkIntake drives the running service over loopback: a sustained
// rate (open loop, intakeRates) for GONGSYNC_BENCH_SECONDS (30 by default),
// then as fast as 16 senders go for a third of that, on SQLite, on
// PostgreSQL, and against a no-op chi handler as the ceiling of this machine,
// measured in the same run. River's workers run all along against a Gong
// and a Planhat that refuse every connection, so they retry and back off as
// in an outage, which is when webhooks must still be taken. It prints the
// achieved rate, ack latency p50/p99, failed requests, lost calls (202s
// without a ledger row) and the share of the chi ceiling.
func BenchmarkIntake(b *testing.B) {
	duration := benchDuration(30 * time.Second)
	template := string(webhook(b, newCall("CALLID").account("0015g00000Glbx1").party("p@globex.com", "External").build()))
	bodyFor := func(prefix string) func(i int) []byte {
		return func(i int) []byte {
			return []byte(strings.Replace(template, "CALLID", fmt.Sprintf("%s%07d", prefix, i), 1))
		}
	}

	var ceiling float64 // the no-op handler's most accepted/s
	b.Run("noop-chi", func(b *testing.B) {
		router := chi.NewRouter()
		router.Post("/webhooks/gong/{key}", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"status":"queued","callId":"1"}`))
		})
		server := httptest.NewServer(router)
		defer server.Close()
		target := server.URL + "/webhooks/gong/" + testWebhookKey
		sustained := openLoop(context.Background(), target, intakeRates["noop-chi"], duration, bodyFor("1"))
		burst := closedLoop(context.Background(), target, 16, duration/3, bodyFor("2"))
		ceiling = burst.perSecond()
		reportIntake(b, "noop-chi", intakeRates["noop-chi"], sustained, burst, -1, ceiling)
	})
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			databaseURL := db.url(b)
			env := testEnv(databaseURL, newFakes(b))
			unreachable := "http://" + closedAddr(b)
			env["GONG_API_BASE_URL"] = unreachable
			env["PLANHAT_API_BASE_URL"] = unreachable
			env["PLANHAT_RATE_LIMIT"] = "3" // the default, so as many workers as in production
			env["LOG_LEVEL"] = "warn"
			s := startService(b, env)
			target := s.url + "/webhooks/gong/" + testWebhookKey
			rate := intakeRates[db.name]
			sustained := openLoop(context.Background(), target, rate, duration, bodyFor("1"))
			burst := closedLoop(context.Background(), target, 16, duration/3, bodyFor("2"))
			ledger := ledgerIDs(b, databaseURL)
			lost := 0
			for prefix, result := range map[string]loadResult{"1": sustained, "2": burst} {
				for _, i := range result.acceptedIndexes {
					if !ledger[fmt.Sprintf("%s%07d", prefix, i)] {
						lost++
					}
				}
			}
			reportIntake(b, db.name, rate, sustained, burst, lost, ceiling)
		})
	}
}

// ledgerIDs returns the call ids in the ledger.
func ledgerIDs(b *testing.B, databaseURL string) map[string]bool {
	b.Helper()
	rows, err := openSQL(b, databaseURL).Query("SELECT call_id FROM calls")
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return ids
}

// closedAddr is a loopback address where nothing listens: connections to it
// are refused at once.
func closedAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func reportIntake(b *testing.B, name string, rate int, sustained, burst loadResult, lost int, ceiling float64) {
	b.ReportMetric(sustained.perSecond(), "accepted/s")
	b.ReportMetric(float64(sustained.percentile(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(sustained.percentile(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(sustained.failed), "failed")
	b.ReportMetric(burst.perSecond(), "max-accepted/s")
	lostText := "n/a"
	if lost >= 0 {
		b.ReportMetric(float64(lost), "lost")
		lostText = fmt.Sprint(lost)
	}
	share := "n/a (chi did not run)"
	if ceiling > 0 {
		b.ReportMetric(100*burst.perSecond()/ceiling, "%-of-chi")
		share = fmt.Sprintf("%.1f %% of the no-op chi handler's %.0f/s", 100*burst.perSecond()/ceiling, ceiling)
	}
	fmt.Printf("intake %-9s sustained %d/s for %s: %s\n", name, rate, sustained.elapsed.Round(time.Second), sustained)
	fmt.Printf("intake %-9s as fast as 16 senders go:  %s; %s\n", name, burst, share)
	fmt.Printf("intake %-9s lost calls (202 without a ledger row): %s\n", name, lostText)
}
