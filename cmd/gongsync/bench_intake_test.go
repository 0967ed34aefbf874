package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// BenchmarkIntake drives the running service over loopback: a sustained
// 1,000 webhooks/s (open loop) for GONGSYNC_BENCH_SECONDS (30 by default),
// then as fast as 16 senders go, on SQLite, on PostgreSQL, and against a
// no-op chi handler as the ceiling of this machine. It prints the accepted
// rate, ack latency p50/p99 and lost calls (202s without a ledger row).
func BenchmarkIntake(b *testing.B) {
	const targetRate = 1000
	duration := benchDuration(30 * time.Second)
	template := string(webhook(b, newCall("CALLID").account("0015g00000Glbx1").party("p@globex.com", "External").build()))
	bodyFor := func(prefix string) func(i int) []byte {
		return func(i int) []byte {
			return []byte(strings.Replace(template, "CALLID", fmt.Sprintf("%s%07d", prefix, i), 1))
		}
	}

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
		reportIntake(b, "noop-chi", openLoop(context.Background(), target, targetRate, duration, bodyFor("1")),
			closedLoop(context.Background(), target, 16, duration/3, bodyFor("2")), -1)
	})
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			databaseURL := db.url(b)
			f := newFakes(b)
			f.globex()
			env := testEnv(databaseURL, f)
			env["LOG_LEVEL"] = "warn"
			env["PLANHAT_RATE_LIMIT"] = "3"
			s := startService(b, env)
			target := s.url + "/webhooks/gong/" + testWebhookKey
			sustained := openLoop(context.Background(), target, targetRate, duration, bodyFor("1"))
			burst := closedLoop(context.Background(), target, 16, duration/3, bodyFor("2"))
			rows := countRows(b, openSQL(b, databaseURL), "SELECT count(*) FROM calls")
			reportIntake(b, db.name, sustained, burst, sustained.accepted+burst.accepted-rows)
		})
	}
}

func reportIntake(b *testing.B, name string, sustained, burst loadResult, lost int) {
	b.ReportMetric(sustained.perSecond(), "accepted/s")
	b.ReportMetric(float64(sustained.percentile(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(sustained.percentile(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(burst.perSecond(), "max-accepted/s")
	lostText := "n/a"
	if lost >= 0 {
		b.ReportMetric(float64(lost), "lost")
		lostText = fmt.Sprint(lost)
	}
	fmt.Printf("intake %-9s sustained 1000/s for %s: %s\n", name, sustained.elapsed.Round(time.Second), sustained)
	fmt.Printf("intake %-9s as fast as 16 senders go:  %s\n", name, burst)
	fmt.Printf("intake %-9s lost calls (202 without a ledger row): %s\n", name, lostText)
}
