package callsync_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/planhat"
)

// startQueue works the rig's jobs with River, retrying fast.
func (r *rig) startQueue(maxAttempts int, rescueAfter time.Duration) {
	r.t.Helper()
	err := r.db.StartQueue(r.t.Context(), &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers:              r.service.Workers(),
		ErrorHandler:         r.service.ErrorHandler(),
		MaxAttempts:          maxAttempts,
		RetryPolicy:          callsync.RetryPolicy{Max: time.Second},
		JobTimeout:           rescueAfter,
		RescueStuckJobsAfter: rescueAfter,
		FetchPollInterval:    100 * time.Millisecond,
	})
	require.NoError(r.t, err)
	r.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.db.StopQueue(ctx)
	})
}

func (r *rig) waitForStatus(id string, status callsync.Status, timeout time.Duration) callsync.Call {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		call := r.call(id)
		if call.Status == status {
			return call
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("call %s: status %s after %s, want %s (last error %q)", id, call.Status, timeout, status, call.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// counter reads one series of a counter from the rig's metrics.
func (r *rig) counter(name, label, value string) float64 {
	r.t.Helper()
	families, err := r.registry.Gather()
	require.NoError(r.t, err)
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
		for _, metric := range family.GetMetric() {
			for _, pair := range metric.GetLabel() {
				if pair.GetName() == label && pair.GetValue() == value {
					return metric.GetCounter().GetValue()
				}
			}
		}
	}
	r.t.Fatalf("no series %s{%s=%q}", name, label, value)
	return 0
}

// panickingPlanhat panics whenever the company index is loaded.
type panickingPlanhat struct{ callsync.PlanhatAPI }

func (panickingPlanhat) ListCompanies(context.Context) ([]planhat.Company, error) {
	panic("index corrupted")
}

func TestJobThatPanicsOnEveryAttemptEndsFailed(t *testing.T) {
	r := newRigWith(t, rigOptions{planhat: func(api callsync.PlanhatAPI) callsync.PlanhatAPI { return panickingPlanhat{api} }})
	r.startQueue(2, 5*time.Second)
	r.accept("9301")

	call := r.waitForStatus("9301", callsync.StatusFailed, 20*time.Second)
	assert.Contains(t, call.LastError, "panicked")
	assert.Contains(t, call.LastError, "index corrupted")
	assert.Equal(t, 1.0, r.counter("gongsync_jobs_discarded_total", "kind", "sync_call"))
}

func TestKillOnTheLastAttemptIsRescuedBySweeper(t *testing.T) {
	// The service's clock runs past the sweeper's grace, so the call just
	// accepted counts as left alone for long enough.
	r := newRigWith(t, rigOptions{ahead: 5 * time.Minute})
	r.accept("9302")

	// The process that ran the call's last attempt was killed: its job is
	// left running, attempts spent, as SIGKILL leaves it.
	raw, err := sql.Open("sqlite", r.path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	_, err = raw.Exec(`UPDATE river_job SET state = 'running', attempt = max_attempts,
		attempted_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 hour'), attempted_by = '["killed"]'
		WHERE kind = 'sync_call'`)
	require.NoError(t, err)
	require.NoError(t, raw.Close())

	// River's rescuer finds it stuck and, its attempts spent, discards it
	// without any worker or error handler running: the call is stranded.
	r.startQueue(3, time.Second)
	require.Eventually(t, func() bool {
		stranded, err := r.db.Stranded(t.Context(), time.Now().Add(time.Minute), 10)
		return err == nil && len(stranded) == 1
	}, 20*time.Second, 100*time.Millisecond, "the rescuer discards the killed job")
	r.require("9302", callsync.StatusQueued)

	rescued, err := r.service.Sweep(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, rescued)
	r.waitForStatus("9302", callsync.StatusSynced, 20*time.Second)
	assert.Equal(t, 1.0, r.counter("gongsync_stranded_calls_total", "status", "queued"))
	assert.Len(t, r.conversations("9302"), 1)

	rescued, err = r.service.Sweep(t.Context())
	require.NoError(t, err)
	assert.Zero(t, rescued, "a call with work in hand is left alone")
}

func TestResyncWhileRiverRunsTheJob(t *testing.T) {
	r := newRig(t)
	r.startQueue(5, 30*time.Second)
	arrived, release := r.planhatGate.Hold("POST /conversations")
	r.accept("9303")
	waitFor(t, arrived, "the sync's create")

	// The job is running in River: the resync's own job is a duplicate of
	// it, so a re-run follows it.
	require.NoError(t, r.service.Resync(t.Context(), "9303"))
	started := time.Now()
	release()
	r.waitForStatus("9303", callsync.StatusSynced, 20*time.Second)
	assert.Less(t, time.Since(started), 10*time.Second, "the call ran again as soon as the job ended, not after JOB_TIMEOUT")
	time.Sleep(3 * time.Second) // the re-run job comes and finds nothing to do
	assert.Len(t, r.conversations("9303"), 1)
	r.require("9303", callsync.StatusSynced)
}
