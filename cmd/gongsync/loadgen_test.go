package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what a load run measured.
type loadResult struct {
	sent      int
	accepted  int // 202 answers
	failed    int // any other answer or a transport error
	latencies []time.Duration
	elapsed   time.Duration
	// acceptedIndexes are the body indexes answered 202 (open and closed
	// loops), to check each one is in the ledger.
	acceptedIndexes []int
}

// tally adds one answer to a result shared by the senders.
type tally struct {
	mu     sync.Mutex
	result loadResult
}

func (t *tally) record(accepted bool, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.result.sent++
	t.result.latencies = append(t.result.latencies, took)
	if accepted {
		t.result.accepted++
	} else {
		t.result.failed++
	}
}

// recordIndex is record for the body of index i.
func (t *tally) recordIndex(i int, accepted bool, took time.Duration) {
	t.record(accepted, took)
	if accepted {
		t.mu.Lock()
		t.result.acceptedIndexes = append(t.result.acceptedIndexes, i)
		t.mu.Unlock()
	}
}

func (t *tally) done(started time.Time) loadResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.result.elapsed = time.Since(started)
	return t.result
}

func (r loadResult) perSecond() float64 { return float64(r.accepted) / r.elapsed.Seconds() }

func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	sorted := slices.Clone(r.latencies)
	slices.Sort(sorted)
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func (r loadResult) String() string {
	return fmt.Sprintf("sent %d, accepted %d (%.0f/s), failed %d, ack p50 %s p99 %s",
		r.sent, r.accepted, r.perSecond(), r.failed,
		r.percentile(0.50).Round(10*time.Microsecond), r.percentile(0.99).Round(10*time.Microsecond))
}

func loadClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 1024
	transport.MaxIdleConnsPerHost = 1024
	transport.MaxConnsPerHost = 1024 // beyond it requests wait, rather than churn ports
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

// send posts one webhook and reports whether it was accepted and how long it took.
func send(client *http.Client, target string, body []byte) (bool, time.Duration) {
	started := time.Now()
	resp, err := client.Post(target, "application/json", bytes.NewReader(body))
	if err != nil {
		return false, time.Since(started)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted, time.Since(started)
}

// openLoopSenders bounds the connections an open loop uses: enough for a
// few thousand requests a second at tens of milliseconds each. Past that,
// requests wait for a sender, and that wait counts in their latency.
const openLoopSenders = 256

// openLoop sends rate webhooks a second for duration, each due on schedule
// whatever the answers take; a request's latency runs from when it was due,
// so queueing in the service (or for a sender) shows up in it. A fixed set
// of senders keeps the connections few, so a slow phase cannot exhaust the
// machine's ports and fail requests for the load generator's own reasons.
func openLoop(ctx context.Context, target string, rate int, duration time.Duration, body func(i int) []byte) loadResult {
	client := loadClient()
	interval := time.Second / time.Duration(rate)
	total := int(duration / interval)
	type shot struct {
		i   int
		due time.Time
	}
	shots := make(chan shot, total) // scheduling never waits for a sender
	var t tally
	var wg sync.WaitGroup
	started := time.Now()
	for range openLoopSenders {
		wg.Go(func() {
			for s := range shots {
				accepted, _ := send(client, target, body(s.i))
				t.recordIndex(s.i, accepted, time.Since(s.due))
			}
		})
	}
	for i := range total {
		if ctx.Err() != nil {
			break
		}
		due := started.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		shots <- shot{i: i, due: due}
	}
	close(shots)
	wg.Wait()
	return t.done(started)
}

// closedLoop keeps workers sending back to back for duration: the most the
// service takes.
func closedLoop(ctx context.Context, target string, workers int, duration time.Duration, body func(i int) []byte) loadResult {
	client := loadClient()
	var t tally
	var next atomic.Int64
	var wg sync.WaitGroup
	started := time.Now()
	deadline := started.Add(duration)
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				accepted, took := send(client, target, body(i))
				t.recordIndex(i, accepted, took)
			}
		})
	}
	wg.Wait()
	return t.done(started)
}

// benchDuration is GONGSYNC_BENCH_SECONDS, or fallback.
func benchDuration(fallback time.Duration) time.Duration {
	if seconds, err := strconv.Atoi(os.Getenv("GONGSYNC_BENCH_SECONDS")); err == nil && seconds > 0 {
		return time.Duration(seconds) * time.Second
	}
	return fallback
}

// sendAll posts every body once, workers at a time, as fast as they go.
func sendAll(target string, workers int, bodies [][]byte) loadResult {
	client := loadClient()
	work := make(chan []byte, len(bodies))
	for _, body := range bodies {
		work <- body
	}
	close(work)
	var t tally
	var wg sync.WaitGroup
	started := time.Now()
	for range workers {
		wg.Go(func() {
			for body := range work {
				t.record(send(client, target, body))
			}
		})
	}
	wg.Wait()
	return t.done(started)
}
