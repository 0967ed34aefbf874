package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong/gongtest"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
)

func TestPlanhatServerErrorsThenOK(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFakes(t)
			f.globex()
			s := startService(t, testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f))
			f.planhat.Inject(planhattest.Fault{Route: "POST /conversations", Status: status, Count: 3})
			id := fmt.Sprint(7000 + status)
			code, _ := s.postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
			require.Equal(t, http.StatusAccepted, code)
			got := s.waitForStatus(id, syncTimeout, "synced")
			assert.GreaterOrEqual(t, got.Attempts, 4, "three writes failed before one went through")
			assert.Len(t, conversationsFor(f, id), 1)
		})
	}
}

func TestPlanhatRateLimitWithRetryAfter(t *testing.T) {
	f := newFakes(t)
	f.globex()
	planhat := newFront(t, f.planhat.Handler())
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	env["PLANHAT_API_BASE_URL"] = planhat.url
	s := startService(t, env)
	f.planhat.FailNextWithRetryAfter(2, 2*time.Second)

	code, _ := s.postWebhook(webhook(t, newCall("7101").account("0015g00000Glbx1").build()))
	require.Equal(t, http.StatusAccepted, code)
	s.waitForStatus("7101", syncTimeout, "synced")
	assert.Len(t, conversationsFor(f, "7101"), 1)
	assertPausesHonoured(t, planhat.snapshot(), 2*time.Second)
}

func TestGongRateLimitIsHonoured(t *testing.T) {
	f := fakes{gong: gongtest.NewTest(t, gongtest.Options{RatePerSecond: 1}), planhat: newFakes(t).planhat}
	f.planhat.AddConversationType("Gong Call")
	f.globex()
	gong := newFront(t, f.gong.Handler())
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	env["GONG_API_BASE_URL"] = gong.url
	env["GONG_RATE_LIMIT"] = "3" // more than this fake Gong allows: it answers 429
	s := startService(t, env)
	f.gong.Inject(gongtest.Fault{Path: "/v2/calls/extensive", Status: http.StatusTooManyRequests, Count: 2, RetryAfter: 2})

	var ids []string
	for i := range 6 {
		id := fmt.Sprint(7200 + i)
		ids = append(ids, id)
		f.gong.AddCall(newCall(id).build())
		f.gong.SetSummary(id, summary("Rate "+id))
		code, _ := s.postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, code)
		time.Sleep(300 * time.Millisecond)
	}
	for _, id := range ids {
		s.waitForStatus(id, 40*time.Second, "complete")
	}
	assert.GreaterOrEqual(t, f.gong.TooManyRequests(), 2)
	assertPausesHonoured(t, gong.snapshot(), time.Second)
}

// assertPausesHonoured checks that after each 429 no request followed before
// Retry-After (at least minimum) had passed.
func assertPausesHonoured(t *testing.T, requests []frontRequest, minimum time.Duration) {
	t.Helper()
	limited := 0
	for i, r := range requests {
		if r.status != http.StatusTooManyRequests || i+1 >= len(requests) {
			continue
		}
		limited++
		gap := requests[i+1].at.Sub(r.at)
		assert.GreaterOrEqual(t, gap, minimum-100*time.Millisecond, "request %d came %s after a 429", i+1, gap)
	}
	assert.Positive(t, limited, "the fake answered 429 at least once")
}

func TestPlanhatCreateTimesOutAfterCreating(t *testing.T) {
	f := newFakes(t)
	f.globex()
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	s := startService(t, env)
	f.planhat.CreateThenFail(1)

	code, _ := s.postWebhook(webhook(t, newCall("7301").account("0015g00000Glbx1").build()))
	require.Equal(t, http.StatusAccepted, code)
	got := s.waitForStatus("7301", syncTimeout, "synced")
	assert.GreaterOrEqual(t, got.Attempts, 2, "the first create failed as far as gongsync could tell")
	assert.Len(t, conversationsFor(f, "7301"), 1, "the retry found the conversation instead of creating another")
}

// TestLongOutageLosesNothing plays a Planhat outage and then a Gong outage,
// with backoff and re-checks shortened to seconds in place of hours.
func TestLongOutageLosesNothing(t *testing.T) {
	f := newFakes(t)
	f.globex()
	planhat := newFront(t, f.planhat.Handler())
	gong := newFront(t, f.gong.Handler())
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	env["PLANHAT_API_BASE_URL"] = planhat.url
	env["GONG_API_BASE_URL"] = gong.url
	s := startService(t, env)

	planhat.down(http.StatusServiceUnavailable)
	gong.down(http.StatusBadGateway)
	var ids []string
	for i := range 10 {
		id := fmt.Sprint(7400 + i)
		ids = append(ids, id)
		f.gong.AddCall(newCall(id).build())
		f.gong.SetSummary(id, summary("After the outage "+id))
		code, _ := s.postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, code)
	}
	time.Sleep(8 * time.Second) // the first tries fail, then the circuit holds the rest
	withError := 0
	for _, id := range ids {
		got, _ := s.call(id)
		assert.Equal(t, "queued", got.Status, "call %s waits out the Planhat outage", id)
		if got.LastError != nil {
			withError++
		}
	}
	// Calls wait behind the open circuit instead of each failing in turn:
	// only those tried before it opened carry an error.
	assert.Positive(t, withError, "the calls tried say why they wait")
	planhat.up()
	for _, id := range ids {
		s.waitForStatus(id, 30*time.Second, "synced")
	}
	time.Sleep(4 * time.Second) // summary checks fail against Gong
	for _, id := range ids {
		got, _ := s.call(id)
		assert.Equal(t, "synced", got.Status, "call %s waits out the Gong outage", id)
	}
	gong.up()
	for _, id := range ids {
		s.waitForStatus(id, 30*time.Second, "complete")
		assert.Len(t, conversationsFor(f, id), 1)
	}
}
