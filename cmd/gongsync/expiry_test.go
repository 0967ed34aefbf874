package main

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummaryMaxWaitEndsInNoSummary(t *testing.T) {
	f := newFakes(t)
	f.globex()
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	env["SUMMARY_MAX_WAIT"] = "3s"
	s := startService(t, env)
	f.gong.AddCall(newCall("9101").build()) // Gong knows the call but never summarises it
	code, _ := s.postWebhook(webhook(t, newCall("9101").account("0015g00000Glbx1").build()))
	require.Equal(t, http.StatusAccepted, code)
	s.waitForStatus("9101", syncTimeout, "synced")
	got := s.waitForStatus("9101", syncTimeout, "no_summary")
	assert.Contains(t, deref(got.LastError), "SUMMARY_MAX_WAIT")
	assert.Len(t, conversationsFor(f, "9101"), 1, "the conversation stays, without a summary")
}

func TestUnmatchedStopsRetryingAfterUnmatchedRetryFor(t *testing.T) {
	f := newFakes(t)
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	env["UNMATCHED_RETRY_FOR"] = "3s"
	s := startService(t, env)
	code, _ := s.postWebhook(webhook(t, newCall("9201").party("p@nowhere.example", "External").build()))
	require.Equal(t, http.StatusAccepted, code)
	require.Eventually(t, func() bool {
		got, _ := s.call("9201")
		return got.Status == "unmatched" && regexp.MustCompile(`no more retries`).MatchString(deref(got.LastError))
	}, syncTimeout, 100*time.Millisecond, "the call stays unmatched, and says it waits for a resync")
	got, _ := s.call("9201")
	assert.Nil(t, got.CompanyID)
	assert.Empty(t, f.planhat.Conversations())
}

func TestRefusedCredentialIsLoudAndRetriedSlowly(t *testing.T) {
	f := newFakes(t)
	f.globex()
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	env["PLANHAT_API_TOKEN"] = "a-token-planhat-does-not-know"
	env["RECHECK_MIN"] = "5m" // the slow retry: nothing more within this test
	env["RECHECK_MAX"] = "1h"
	s := startService(t, env)
	code, _ := s.postWebhook(webhook(t, newCall("9301").account("0015g00000Glbx1").build()))
	require.Equal(t, http.StatusAccepted, code)
	require.Eventually(t, func() bool {
		got, _ := s.call("9301")
		return got.LastError != nil
	}, syncTimeout, 100*time.Millisecond)
	before := f.planhat.Requests()
	time.Sleep(2 * time.Second)
	assert.Equal(t, before, f.planhat.Requests(), "no hammering with a refused credential")

	got, _ := s.call("9301")
	assert.Equal(t, "queued", got.Status, "kept, to drain once the credential is fixed")
	assert.Contains(t, deref(got.LastError), "401")
	assert.NotContains(t, deref(got.LastError), "a-token-planhat-does-not-know")
	_, metrics := s.do(http.MethodGet, "/metrics", nil, nil)
	match := regexp.MustCompile(`gongsync_upstream_auth_failures_total\{api="planhat"\} (\d+)`).FindStringSubmatch(metrics)
	require.Len(t, match, 2, "the auth failure metric is exported")
	failures, _ := strconv.Atoi(match[1])
	assert.Positive(t, failures)
	assert.Contains(t, s.logs.String(), "a credential was refused")
	assert.NotContains(t, s.logs.String(), "a-token-planhat-does-not-know")
}
