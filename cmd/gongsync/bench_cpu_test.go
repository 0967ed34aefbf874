package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
)

// cpuBacklog is the queue BenchmarkWaitingCPU drains or holds.
const cpuBacklog = 10_000

// ackRate is how many webhooks a second BenchmarkWaitingCPU sends to time
// their acknowledgement in each state.
const ackRate = 50

// BenchmarkWaitingCPU measures what waiting costs: the CPU of a gongsync
// process (a separate OS process, so the fakes and the load generator are
// not counted), as a share of one core, over GONGSYNC_BENCH_SECONDS (30 by
// default), at the default quotas and with LOG_LEVEL=warn:
//
//	idle:    nothing queued;
//	drain:   a 10,000-call backlog draining at PLANHAT_RATE_LIMIT=3 against a
//	         Planhat that answers in 50 ms within its 200/min soft quota;
//	refused: a 10,000-call backlog while Planhat refuses every connection.
//
// After each CPU window, webhooks arrive at 50 a second for a third of it;
// their acknowledgement p99 is reported with the phase. Targets: idle ≤ 1 %, drain and refused ≤ 5 %,
// p99 ≤ 50 ms.
func BenchmarkWaitingCPU(b *testing.B) {
	duration := benchDuration(30 * time.Second)
	template := string(webhook(b, newCall("CALLID").account("0015g00000Glbx1").party("p@globex.com", "External").build()))
	bodyFor := func(prefix string) func(i int) []byte {
		return func(i int) []byte {
			return []byte(strings.Replace(template, "CALLID", fmt.Sprintf("%s%07d", prefix, i), 1))
		}
	}
	start := func(b *testing.B, planhatURL string) (*process, fakes) {
		f := fakes{gong: newFakes(b).gong, planhat: planhattest.NewTest(b, planhattest.Options{RatePerMinute: planhattest.SoftQuotaPerMinute})}
		f.planhat.AddConversationType("Gong Call")
		f.planhat.SetLatency(50 * time.Millisecond)
		f.gong.SetLatency(50 * time.Millisecond)
		globex := f.globex()
		f.planhat.AddEnduser(planhat.Enduser{Email: "p@globex.com", Name: "P", CompanyID: globex.ID})
		env := testEnv("sqlite:"+b.TempDir()+"/gongsync.db", f)
		delete(env, "PLANHAT_RATE_LIMIT") // the defaults: 3/s to Planhat, 2/s to Gong
		delete(env, "GONG_RATE_LIMIT")
		env["RECHECK_MIN"], env["RECHECK_MAX"] = "5m", "1h"
		env["LOG_LEVEL"] = "warn"
		if planhatURL != "" {
			env["PLANHAT_API_BASE_URL"] = planhatURL
		}
		p := startProcess(b, env)
		p.service().waitReady()
		return p, f
	}
	fill := func(b *testing.B, p *process, prefix string) {
		bodies := make([][]byte, cpuBacklog)
		for i := range bodies {
			bodies[i] = bodyFor(prefix)(i)
		}
		result := sendAll(p.url+"/webhooks/gong/"+testWebhookKey, 16, bodies)
		if result.failed > 0 {
			b.Fatalf("filling the backlog: %d of %d webhooks failed", result.failed, cpuBacklog)
		}
	}
	// measure takes the CPU over duration with nothing arriving, then the
	// acknowledgement latency of webhooks arriving at ackRate in the same
	// state for a third of that (their own cost is not in the CPU figure).
	measure := func(b *testing.B, name string, p *process, trickle string) {
		before := processCPU(b, p.cmd.Process.Pid)
		started := time.Now()
		time.Sleep(duration)
		used := processCPU(b, p.cmd.Process.Pid) - before
		share := 100 * used.Seconds() / time.Since(started).Seconds()
		acks := openLoop(context.Background(), p.url+"/webhooks/gong/"+testWebhookKey, ackRate, duration/3, bodyFor(trickle))
		b.ReportMetric(share, name+"-cpu-%")
		b.ReportMetric(float64(acks.percentile(0.99).Microseconds())/1000, name+"-ack-p99-ms")
		fmt.Printf("waiting cpu %-8s %5.2f %% of a core over %s; then webhook acks at %d/s: %s\n",
			name, share, duration.Round(time.Second), ackRate, acks)
	}

	b.Run("idle", func(b *testing.B) {
		p, _ := start(b, "")
		time.Sleep(5 * time.Second) // past start-up and the first periodic jobs
		measure(b, "idle", p, "9")
	})
	b.Run("drain", func(b *testing.B) {
		p, f := start(b, "")
		fill(b, p, "1")
		time.Sleep(5 * time.Second)
		before := len(f.planhat.Conversations())
		measure(b, "drain", p, "9")
		fmt.Printf("waiting cpu drain    %d conversations written during the measurement (Planhat at 3 requests/s)\n",
			len(f.planhat.Conversations())-before)
	})
	b.Run("refused", func(b *testing.B) {
		p, _ := start(b, "http://"+closedAddr(b))
		fill(b, p, "1")
		time.Sleep(10 * time.Second) // the circuit opens
		measure(b, "refused", p, "9")
	})
}

// processCPU is the user and system CPU time pid has used so far.
func processCPU(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatalf("reading the process's CPU time: %v", err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("reading the process's CPU time: %q", raw)
	}
	const clockTicksPerSecond = 100 // USER_HZ, 100 on every Linux
	return time.Duration(utime+stime) * time.Second / clockTicksPerSecond
}
