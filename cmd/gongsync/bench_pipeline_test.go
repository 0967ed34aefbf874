package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/upstream"
)

// upstreamLatency is how long each fake takes to answer in the pipeline benchmark.
const upstreamLatency = 20 * time.Millisecond

// BenchmarkPipeline measures, with fakes answering in 20 ms:
//
//	(a) webhook → conversation latency, p50 and p99, over 1,000 calls;
//	(b) Planhat requests per synced call in steady state (company index warm);
//	(c) Gong requests per summarized call for a burst of 1,000 ready calls;
//
// and the same figures for a naive per-call sync (one company lookup and one
// extensive request per call), measured in the same run.
func BenchmarkPipeline(b *testing.B) {
	const calls = 1000
	f := newFakes(b)
	f.gong.SetLatency(upstreamLatency)
	f.planhat.SetLatency(upstreamLatency)
	globex := f.globex()
	for i := range 200 { // a realistic book of business to index
		f.planhat.AddCompany(planhat.Company{Name: fmt.Sprintf("Customer %d", i), SourceID: fmt.Sprintf("0015g0000%06d", i), Domains: []string{fmt.Sprintf("customer%d.example", i)}})
	}
	f.planhat.AddEnduser(planhat.Enduser{Email: "p@globex.com", Name: "P", CompanyID: globex.ID})
	recorder := newFront(b, f.planhat.Handler())

	env := testEnv("sqlite:"+b.TempDir()+"/gongsync.db", f)
	env["PLANHAT_API_BASE_URL"] = recorder.url
	env["PLANHAT_RATE_LIMIT"] = "100" // the sync path, not Planhat's quota, is what (a) measures
	env["LOG_LEVEL"] = "warn"
	// Production re-check bounds: a call whose summary is not ready is looked
	// at again minutes later, not during the phases measured below.
	env["RECHECK_MIN"], env["RECHECK_MAX"] = "5m", "1h"
	s := startService(b, env)
	callFor := func(id string) gong.CallData {
		return newCall(id).account("0015g00000Glbx1").party("p@globex.com", "External").party("ana@initech.example", "Internal").build()
	}

	// Warm the company index with one call.
	s.postWebhook(webhook(b, callFor("6000000")))
	s.waitForStatus("6000000", time.Minute, "synced")

	// (a) and (b): 1,000 calls arriving at 40/s; summaries not ready yet.
	recorder.reset()
	acked := map[string]time.Time{}
	var ackMu sync.Mutex
	sent := openLoop(context.Background(), s.url+"/webhooks/gong/"+testWebhookKey, 40, calls*time.Second/40, func(i int) []byte {
		id := fmt.Sprint(6100000 + i)
		ackMu.Lock()
		acked[id] = time.Now()
		ackMu.Unlock()
		return webhook(b, callFor(id))
	})
	for i := range calls {
		s.waitForStatus(fmt.Sprint(6100000+i), 2*time.Minute, "synced")
	}
	var latencies []time.Duration
	for id, created := range recorder.createdAt() {
		if sentAt, ok := acked[id]; ok {
			latencies = append(latencies, created.Sub(sentAt))
		}
	}
	steady := loadResult{latencies: latencies}
	planhatPerSync := float64(recorder.total()) / float64(calls)

	// (c): 1,000 calls whose summaries are ready, delivered as a burst.
	f.gong.ResetStats()
	recorder.reset()
	for i := range calls {
		id := fmt.Sprint(6200000 + i)
		f.gong.AddCall(gong.CallData{MetaData: gong.MetaData{ID: id}})
		f.gong.SetSummary(id, summary("Burst "+id))
	}
	var burst [][]byte
	for i := range calls {
		burst = append(burst, webhook(b, callFor(fmt.Sprint(6200000+i))))
	}
	sendAll(s.url+"/webhooks/gong/"+testWebhookKey, 16, burst)
	for i := range calls {
		s.waitForStatus(fmt.Sprint(6200000+i), 5*time.Minute, "complete")
	}
	gongPerSummary := float64(f.gong.Stats().RequestsByPath["/v2/calls/extensive"]) / float64(calls)
	planhatPerComplete := float64(recorder.total()) / float64(calls)

	naive := runNaive(b, f, recorder, 60)

	b.ReportMetric(float64(steady.percentile(0.5).Milliseconds()), "a-p50-ms")
	b.ReportMetric(float64(steady.percentile(0.99).Milliseconds()), "a-p99-ms")
	b.ReportMetric(planhatPerSync, "b-planhat-req/call")
	b.ReportMetric(gongPerSummary, "c-gong-req/call")
	fmt.Printf("pipeline (a) webhook→conversation over %d calls at 40/s: p50 %s, p99 %s (sent %d, failed %d)\n",
		len(latencies), steady.percentile(0.5).Round(time.Millisecond), steady.percentile(0.99).Round(time.Millisecond), sent.sent, sent.failed)
	fmt.Printf("pipeline (a) naive, over %d calls:                     p50 %s, p99 %s\n",
		naive.calls, naive.latency.percentile(0.5).Round(time.Millisecond), naive.latency.percentile(0.99).Round(time.Millisecond))
	fmt.Printf("pipeline (b) Planhat requests per synced call: %.3f (naive %.3f); with the summary patch: %.3f (naive %.3f)\n",
		planhatPerSync, naive.planhatPerSync, planhatPerComplete, naive.planhatPerComplete)
	fmt.Printf("pipeline (c) Gong requests per summarized call, burst of %d: %.3f (naive %.3f)\n", calls, gongPerSummary, naive.gongPerSummary)
}

type naiveResult struct {
	calls                                              int
	latency                                            loadResult
	planhatPerSync, planhatPerComplete, gongPerSummary float64
}

// runNaive syncs calls the way a simple integration would: per call, look the
// company up, create the conversation, ask Gong for that one call's summary,
// and write it; with the same clients and rate limits as gongsync.
func runNaive(b *testing.B, f fakes, recorder *front, calls int) naiveResult {
	ctx := context.Background()
	accessKey, secret := f.gong.Credentials()
	gongClient, err := gong.NewClient(gong.ClientOptions{BaseURL: f.gong.URL(), Authorize: gong.BasicAuth(accessKey, secret), RatePerSecond: 3, Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	planhatClient, err := planhat.NewClient(planhat.ClientOptions{BaseURL: recorder.url, Token: f.planhat.Token(), RatePerSecond: 100, Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	f.gong.ResetStats()
	recorder.reset()
	var mu sync.Mutex
	result := naiveResult{calls: calls}
	var syncRequests int
	var wg sync.WaitGroup
	for i := range calls {
		id := fmt.Sprint(6300000 + i)
		f.gong.AddCall(gong.CallData{MetaData: gong.MetaData{ID: id}})
		f.gong.SetSummary(id, summary("Naive "+id))
		time.Sleep(25 * time.Millisecond) // the same 40/s arrival rate
		wg.Go(func() {
			started := time.Now()
			company, err := planhatClient.GetCompanyBySourceID(ctx, "0015g00000Glbx1")
			if err != nil {
				b.Error(err)
				return
			}
			conversation, err := planhatClient.CreateConversation(ctx, planhat.Conversation{Type: "Gong Call", Subject: "Call " + id, CompanyID: company.ID, ExternalID: id})
			if err != nil {
				b.Error(err)
				return
			}
			took := time.Since(started)
			for {
				extensive, err := gongClient.CallsExtensive(ctx, []string{id}, gong.ExtensiveOptions{})
				if wait := upstream.RetryAfterOf(err); wait > 0 {
					time.Sleep(wait)
					continue
				}
				if err != nil || len(extensive) == 0 {
					b.Error("naive extensive:", err)
					return
				}
				if html, ok := callsync.RenderSummary(extensive[0].Content); ok {
					if _, err := planhatClient.UpdateConversation(ctx, conversation.ID, planhat.Conversation{Description: &html}); err != nil {
						b.Error(err)
					}
				}
				break
			}
			mu.Lock()
			result.latency.latencies = append(result.latency.latencies, took)
			mu.Unlock()
		})
	}
	wg.Wait()
	syncRequests = recorder.countMatching(func(method, path string) bool {
		return method == http.MethodPost || strings.Contains(path, "/companies/")
	})
	result.planhatPerSync = float64(syncRequests) / float64(calls)
	result.planhatPerComplete = float64(recorder.total()) / float64(calls)
	result.gongPerSummary = float64(f.gong.Stats().RequestsByPath["/v2/calls/extensive"]) / float64(calls)
	return result
}
