package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdminAPI(t *testing.T) {
	f := newFakes(t)
	f.globex()
	s := startService(t, testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f))
	for _, id := range []string{"8101", "8102"} {
		code, _ := s.postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, code)
		s.waitForStatus(id, syncTimeout, "synced")
	}
	code, _ := s.postWebhook(webhook(t, newCall("8103").party("x@gmail.com", "External").build()))
	require.Equal(t, http.StatusAccepted, code)
	s.waitForStatus("8103", syncTimeout, "unmatched")

	t.Run("ListNewestFirst", func(t *testing.T) {
		calls := s.listCalls("")
		require.Len(t, calls, 3)
		assert.Equal(t, "8103", calls[0].CallID)
	})
	t.Run("ListByStatusAndLimit", func(t *testing.T) {
		calls := s.listCalls("?status=synced&limit=1")
		require.Len(t, calls, 1)
		assert.Equal(t, "synced", calls[0].Status)
	})
	t.Run("BadQueryIs400", func(t *testing.T) {
		for _, query := range []string{"?status=lost", "?limit=0", "?limit=1001", "?limit=ten"} {
			code, body := s.admin(http.MethodGet, "/admin/calls"+query)
			assert.Equal(t, http.StatusBadRequest, code, query)
			assert.Contains(t, body, `"error"`, query)
		}
	})
	t.Run("GetShowsEveryField", func(t *testing.T) {
		code, body := s.admin(http.MethodGet, "/admin/calls/8101")
		require.Equal(t, http.StatusOK, code)
		var fields map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &fields))
		for _, name := range []string{"callId", "status", "companyId", "matchedBy", "conversationId", "attempts", "lastError", "receivedAt", "updatedAt"} {
			assert.Contains(t, fields, name)
		}
		assert.Nil(t, fields["lastError"], "absent values are null")
		assert.Equal(t, "crm_id", fields["matchedBy"])
	})
	t.Run("UnmatchedNamesItsReason", func(t *testing.T) {
		got, _ := s.call("8103")
		assert.Nil(t, got.CompanyID)
		assert.Contains(t, deref(got.LastError), "free-mail")
	})
	t.Run("UnknownCallIs404", func(t *testing.T) {
		code, _ := s.admin(http.MethodGet, "/admin/calls/999")
		assert.Equal(t, http.StatusNotFound, code)
		code, _ = s.admin(http.MethodPost, "/admin/calls/999/resync")
		assert.Equal(t, http.StatusNotFound, code)
	})
	t.Run("ResyncRunsTheWholeSyncAgain", func(t *testing.T) {
		before, _ := s.call("8101")
		code, body := s.admin(http.MethodPost, "/admin/calls/8101/resync")
		require.Equal(t, http.StatusAccepted, code, body)
		assert.JSONEq(t, `{"status":"queued","callId":"8101"}`, body)
		require.Eventually(t, func() bool {
			got, _ := s.call("8101")
			return got.Attempts > before.Attempts && got.Status == "synced"
		}, syncTimeout, 50*time.Millisecond, "the resync ran")
		f.gong.AddCall(newCall("8101").build())
		f.gong.SetSummary("8101", summary("After resync."))
		after := s.waitForStatus("8101", syncTimeout, "complete")
		assert.Equal(t, deref(before.ConversationID), deref(after.ConversationID))
		assert.Len(t, conversationsFor(f, "8101"), 1)
	})
	t.Run("ResyncKeepsWhatPeopleWrote", func(t *testing.T) {
		conversation, ok := f.planhat.ConversationByExternalID("8101")
		require.True(t, ok)
		require.NotNil(t, conversation.Description)
		withNote := "<p>CSM note: call back Friday</p>" + *conversation.Description
		putDescription(t, f, conversation.ID, withNote)
		before, _ := s.call("8101")
		f.gong.SetSummary("8101", summary("Second summary."))

		code, body := s.admin(http.MethodPost, "/admin/calls/8101/resync")
		require.Equal(t, http.StatusAccepted, code, body)
		require.Eventually(t, func() bool {
			got, _ := s.call("8101")
			return got.Attempts > before.Attempts && got.Status == "complete"
		}, syncTimeout, 50*time.Millisecond)
		conversation, _ = f.planhat.ConversationByExternalID("8101")
		description := *conversation.Description
		assert.Contains(t, description, "CSM note: call back Friday")
		assert.Contains(t, description, "Second summary.")
		assert.NotContains(t, description, "After resync.", "the old summary block is replaced")
		assert.Equal(t, 1, strings.Count(description, `data-gongsync="summary"`))
	})
	t.Run("WrongTokenIs401", func(t *testing.T) {
		for _, header := range []string{"", "Bearer wrong", "Basic " + testAdminToken, testAdminToken} {
			code, _ := s.do(http.MethodGet, "/admin/calls", nil, http.Header{"Authorization": {header}})
			assert.Equal(t, http.StatusUnauthorized, code, header)
		}
	})
	t.Run("MetricsCountCallsAndRequests", func(t *testing.T) {
		code, body := s.do(http.MethodGet, "/metrics", nil, nil)
		require.Equal(t, http.StatusOK, code)
		assert.Regexp(t, `gongsync_calls_total\{status="synced"\} [1-9]`, body)
		assert.Regexp(t, `gongsync_upstream_requests_total\{api="planhat",code="200"\} [1-9]`, body)
		assert.Contains(t, body, `gongsync_upstream_request_seconds_bucket{api="planhat"`)
	})
}

func TestAdminWithoutTokenIs404(t *testing.T) {
	f := newFakes(t)
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	delete(env, "ADMIN_TOKEN")
	s := startService(t, env)
	for _, path := range []string{"/admin/calls", "/admin/calls/1"} {
		code, _ := s.admin(http.MethodGet, path)
		assert.Equal(t, http.StatusNotFound, code, path)
	}
	code, _ := s.admin(http.MethodPost, "/admin/calls/1/resync")
	assert.Equal(t, http.StatusNotFound, code)
}

// listCalls returns GET /admin/calls with query.
func (s *service) listCalls(query string) []adminCall {
	s.t.Helper()
	code, body := s.admin(http.MethodGet, "/admin/calls"+query)
	require.Equal(s.t, http.StatusOK, code, body)
	var list struct {
		Calls []adminCall `json:"calls"`
	}
	require.NoError(s.t, json.Unmarshal([]byte(body), &list))
	return list.Calls
}

// putDescription edits a conversation in the fake Planhat as a person would.
func putDescription(t *testing.T, f fakes, id, description string) {
	t.Helper()
	body, err := json.Marshal(map[string]string{"description": description})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, f.planhat.URL()+"/conversations/"+id, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+f.planhat.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
