package main

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDurabilityAcrossKill: every webhook answered 202 survives a SIGKILL
// right after the last answer, with its ledger row and its job.
func TestDurabilityAcrossKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the real program")
	}
	forEachDatabase(t, func(t *testing.T, databaseURL string) {
		f := newFakes(t)
		f.globex()
		env := testEnv(databaseURL, f)
		first := startProcess(t, env)
		s := first.service()

		const calls = 200
		var accepted atomic.Int64
		var wg sync.WaitGroup
		ids := make(chan string, calls)
		for i := range calls {
			ids <- fmt.Sprint(9_000_000 + i)
		}
		close(ids)
		for range 8 {
			wg.Go(func() {
				for id := range ids {
					status, _ := s.postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
					if status == http.StatusAccepted {
						accepted.Add(1)
					}
				}
			})
		}
		wg.Wait()
		first.kill()
		require.EqualValues(t, calls, accepted.Load(), "every webhook was acknowledged")

		second := startProcess(t, env)
		second.service().waitReady()
		db := openSQL(t, databaseURL)
		assert.Equal(t, calls, countRows(t, db, "SELECT count(*) FROM calls"), "ledger rows")
		assert.Equal(t, calls, countRows(t, db, "SELECT count(*) FROM river_job WHERE kind = 'sync_call'"), "sync_call jobs")
		assert.NoError(t, second.terminate(), "SIGTERM exits 0")
	})
}

// TestKillDuringSync: a process killed while syncing loses nothing and, after
// a restart, leaves exactly one conversation per call.
func TestKillDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the real program")
	}
	f := newFakes(t)
	f.globex()
	f.planhat.SetLatency(150 * time.Millisecond)
	databaseURL := "sqlite:" + t.TempDir() + "/gongsync.db"
	env := testEnv(databaseURL, f)
	env["JOB_TIMEOUT"] = "2s"
	env["RESCUE_AFTER"] = "3s"
	first := startProcess(t, env)
	s := first.service()

	const calls = 40
	for i := range calls {
		status, body := s.postWebhook(webhook(t, newCall(fmt.Sprint(8_000_000+i)).account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, status, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(f.planhat.Conversations()) < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	first.kill()
	require.Less(t, len(f.planhat.Conversations()), calls, "the kill came in the middle of the syncs")
	f.planhat.SetLatency(0)

	second := startProcess(t, env)
	s = second.service()
	for i := range calls {
		s.waitForStatus(fmt.Sprint(8_000_000+i), 90*time.Second, "synced", "complete")
	}
	for i := range calls {
		id := fmt.Sprint(8_000_000 + i)
		assert.Len(t, conversationsFor(f, id), 1, "call %s", id)
	}
	assert.NoError(t, second.terminate())
}
