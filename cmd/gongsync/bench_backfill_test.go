package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gongsync/gongsync/internal/gong/gongtest"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
)

// BenchmarkBackfill10k backfills 10,000 calls (200 companies, half with
// their AI summary ready) against fakes that enforce Gong's 3 requests/s
// (429 beyond) and Planhat's 200 requests a minute, with the shipped
// defaults (GONG_RATE_LIMIT 2, PLANHAT_RATE_LIMIT 3), then runs it again
// (nothing may be created). For comparison it syncs a sample of calls one by
// one through the webhook pipeline under the same quota and extrapolates to
// 10,000. GONGSYNC_BENCH_BACKFILL_CALLS and GONGSYNC_BENCH_PERCALL_SAMPLE
// change the sizes.
func BenchmarkBackfill10k(b *testing.B) {
	total := envInt("GONGSYNC_BENCH_BACKFILL_CALLS", 10_000)
	sample := envInt("GONGSYNC_BENCH_PERCALL_SAMPLE", 100)
	for range b.N {
		f := fakes{
			gong:    gongtest.NewTest(b, gongtest.Options{RatePerSecond: 3}),
			planhat: planhattest.NewTest(b, planhattest.Options{RatePerMinute: planhattest.SoftQuotaPerMinute}),
		}
		f.planhat.AddConversationType("Gong Call")
		companies := seedCompanies(f, 200)
		ids := seedHistory(f, companies, total, 8000000000000000001)
		env := testEnv("sqlite:"+b.TempDir()+"/gongsync.db", f)
		env["LOG_LEVEL"] = "warn"
		env["GONG_RATE_LIMIT"] = "2"
		env["PLANHAT_RATE_LIMIT"] = "3"
		ctx := context.Background()

		started := time.Now()
		out, err := runBackfill(ctx, b, env, "--from", "2026-10-01", "--to", "2026-12-31")
		if err != nil {
			b.Fatalf("backfill: %v\n%s", err, out)
		}
		elapsed := time.Since(started)
		bulkRequests := f.planhat.Requests()
		gongRequests, gong429 := f.gong.Requests(), f.gong.TooManyRequests()
		planhat429 := f.planhat.Stats().TooManyRequests
		counts := conversationsByCall(f)
		missing, duplicates := 0, 0
		for _, id := range ids {
			switch {
			case counts[id] == 0:
				missing++
			case counts[id] > 1:
				duplicates++
			}
		}

		before := len(f.planhat.Conversations())
		rerunStarted := time.Now()
		out, err = runBackfill(ctx, b, env, "--from", "2026-10-01", "--to", "2026-12-31")
		if err != nil {
			b.Fatalf("rerun: %v\n%s", err, out)
		}
		rerun := time.Since(rerunStarted)
		createdOnRerun := len(f.planhat.Conversations()) - before

		perCall, perCallRequests := perCallSample(b, sample)
		b.ReportMetric(elapsed.Seconds(), "backfill-s")
		b.ReportMetric(float64(duplicates+createdOnRerun), "duplicates")
		fmt.Printf("backfill %d calls: %s (%.0f calls/s); Gong %d requests (%d answered 429), Planhat %d requests (%d answered 429); "+
			"missing %d, duplicate %d; rerun %s created %d\n",
			total, elapsed.Round(time.Second), float64(total)/elapsed.Seconds(), gongRequests, gong429, bulkRequests, planhat429,
			missing, duplicates, rerun.Round(time.Second), createdOnRerun)
		extrapolated := time.Duration(float64(perCall) / float64(sample) * float64(total))
		fmt.Printf("per-call upserts, measured on %d calls: %s (%.1f Planhat requests a call) → %d calls ≈ %s\n",
			sample, perCall.Round(time.Second), perCallRequests, total, extrapolated.Round(time.Minute))
	}
}

// perCallSample syncs n calls one by one (webhook → sync_call → per-call
// upsert) under Planhat's 200/min quota and returns how long until every one
// was written, and the Planhat requests per call.
func perCallSample(b *testing.B, n int) (time.Duration, float64) {
	f := fakes{
		gong:    gongtest.NewTest(b, gongtest.Options{RatePerSecond: 3}),
		planhat: planhattest.NewTest(b, planhattest.Options{RatePerMinute: planhattest.SoftQuotaPerMinute}),
	}
	f.planhat.AddConversationType("Gong Call")
	companies := seedCompanies(f, 200)
	var ids []string
	env := testEnv("sqlite:"+b.TempDir()+"/gongsync.db", f)
	env["LOG_LEVEL"] = "warn"
	env["GONG_RATE_LIMIT"] = "2"
	env["PLANHAT_RATE_LIMIT"] = "3"
	env["RECHECK_MIN"], env["RECHECK_MAX"] = "1h", "2h" // leave the summary poller out of it
	s := startService(b, env)
	started := time.Now()
	for i := range n {
		call := historyCall(companies, i, 8100000000000000001)
		call.Content = nil // a webhook carries no AI content
		f.gong.AddCall(call)
		ids = append(ids, call.MetaData.ID)
		if status, body := s.postWebhook(webhook(b, call)); status != 202 {
			b.Fatalf("webhook: %d %s", status, body)
		}
	}
	for _, id := range ids {
		s.waitForStatus(id, 30*time.Minute, "synced", "complete")
	}
	elapsed := time.Since(started)
	requests := float64(f.planhat.Requests()) / float64(n)
	if err := s.stop(); err != nil {
		b.Fatal(err)
	}
	return elapsed, requests
}

func envInt(name string, fallback int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return fallback
}
