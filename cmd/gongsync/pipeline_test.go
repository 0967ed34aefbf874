package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/planhat"
)

const syncTimeout = 20 * time.Second

func TestCompanyResolution(t *testing.T) {
	f := newFakes(t)
	globex := f.globex()
	initech := f.planhat.AddCompany(planhat.Company{Name: "Initech Customer Co", Domains: []string{"hooli.com"}})
	umbrella := f.planhat.AddCompany(planhat.Company{Name: "Umbrella", Domains: []string{"umbrella.com"}})
	f.planhat.AddUser(planhat.User{Email: "ana@initech.example", NickName: "Ana"})
	hank := f.planhat.AddEnduser(planhat.Enduser{Email: "hank@eu.globex.com", Name: "Hank Scorpio", CompanyID: globex.ID})
	s := startService(t, testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f))

	for _, test := range []struct {
		name          string
		call          *callBuilder
		wantStatus    string
		wantCompany   string
		wantMatchedBy string
		wantReason    string
	}{
		{"CRMMatch", newCall("3001").account("0015g00000Glbx1").party("x@unknown.io", "External"), "synced", globex.ID, "crm_id", ""},
		{"Salesforce18MatchesStored15", newCall("3002").account("0015g00000Glbx1AAB"), "synced", globex.ID, "crm_id", ""},
		{"DomainFallbackWithSubdomain", newCall("3003").party("ana@initech.example", "Internal").party("hank@eu.globex.com", "External"), "synced", globex.ID, "email_domain", ""},
		{"MajorityOfParticipantsWins", newCall("3004").party("a@hooli.com", "External").party("b@hooli.com", "External").party("c@umbrella.com", "External"), "synced", initech.ID, "email_domain", ""},
		{"OnlyFreeMailIsUnmatched", newCall("3005").party("someone@gmail.com", "External").party("other@outlook.com", "External"), "unmatched", "", "", ""},
		{"TieIsUnmatched", newCall("3006").party("a@hooli.com", "External").party("c@umbrella.com", "External"), "unmatched", "", "", umbrella.ID},
		{"PrivateCallIsSkipped", newCall("3007").account("0015g00000Glbx1").private(), "skipped", "", "", ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			callID := test.call.call.MetaData.ID
			status, body := s.postWebhook(webhook(t, test.call.build()))
			require.Equal(t, http.StatusAccepted, status, body)
			got := s.waitForStatus(callID, syncTimeout, test.wantStatus)
			if test.wantCompany != "" {
				assert.Equal(t, test.wantCompany, deref(got.CompanyID))
				assert.Equal(t, test.wantMatchedBy, deref(got.MatchedBy))
				conversation, ok := f.planhat.ConversationByExternalID(callID)
				require.True(t, ok, "conversation written")
				assert.Equal(t, test.wantCompany, conversation.CompanyID)
				assert.Equal(t, "Gong Call", conversation.Type)
			} else {
				assert.Nil(t, got.CompanyID)
				_, ok := f.planhat.ConversationByExternalID(callID)
				assert.False(t, ok, "no conversation for a call without a company")
			}
			if test.wantReason != "" {
				assert.Contains(t, deref(got.LastError), test.wantReason, "the reason names the candidates")
			}
		})
	}

	t.Run("ConversationMapsPeople", func(t *testing.T) {
		conversation, ok := f.planhat.ConversationByExternalID("3003")
		require.True(t, ok)
		assert.Equal(t, []planhat.PersonRef{{ID: hank.ID, Name: "Hank Scorpio"}}, conversation.Endusers)
		require.Len(t, conversation.Users, 1)
		assert.Equal(t, "Ana", conversation.Users[0].Name)
		assert.Equal(t, "Call 3003", conversation.Subject)
		assert.EqualValues(t, 30, conversation.Custom["Call Duration"])
		assert.Equal(t, "https://app.gong.io/call?id=3003", conversation.Custom["Gong URL"])
	})
}

func TestTestDeliveryWritesNothingToPlanhat(t *testing.T) {
	f := newFakes(t)
	f.globex()
	s := startService(t, testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f))
	body := strings.Replace(string(webhook(t, newCall("3101").account("0015g00000Glbx1").build())), `"isTest":false`, `"isTest":true`, 1)
	status, answer := s.postWebhook([]byte(body))
	require.Equal(t, http.StatusOK, status, answer)
	time.Sleep(1500 * time.Millisecond) // a sync, had one been queued, would have run by now
	_, found := s.call("3101")
	assert.False(t, found)
	assert.Empty(t, f.planhat.Conversations())
}

func TestUnmatchedCallSyncsWhenCompanyAppears(t *testing.T) {
	f := newFakes(t)
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	s := startService(t, env)
	status, _ := s.postWebhook(webhook(t, newCall("3201").account("001000000000AbC").party("p@newco.io", "External").build()))
	require.Equal(t, http.StatusAccepted, status)
	s.waitForStatus("3201", syncTimeout, "unmatched")

	newco := f.planhat.AddCompany(planhat.Company{Name: "NewCo", SourceID: "001000000000AbC"})
	got := s.waitForStatus("3201", syncTimeout, "synced", "complete")
	assert.Equal(t, newco.ID, deref(got.CompanyID))
	assert.Equal(t, "crm_id", deref(got.MatchedBy))
}

func TestExactlyOnce(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, databaseURL string) {
		f := newFakes(t)
		f.globex()
		s := startService(t, testEnv(databaseURL, f))
		body := webhook(t, newCall("4001").account("0015g00000Glbx1").build())

		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				status, answer := s.postWebhook(body)
				assert.Equal(t, http.StatusAccepted, status, answer)
			})
		}
		wg.Wait()
		s.waitForStatus("4001", syncTimeout, "synced")
		status, answer := s.postWebhook(body)
		assert.Equal(t, http.StatusAccepted, status)
		assert.JSONEq(t, `{"status":"duplicate","callId":"4001"}`, answer)

		f.gong.AddCall(newCall("4001").build())
		f.gong.SetSummary("4001", summary("They renewed."))
		s.waitForStatus("4001", syncTimeout, "complete")
		before, ok := f.planhat.ConversationByExternalID("4001")
		require.True(t, ok)
		require.NotNil(t, before.Description)
		assert.Contains(t, *before.Description, "They renewed.")

		status, answer = s.postWebhook(body)
		assert.Equal(t, http.StatusAccepted, status)
		assert.JSONEq(t, `{"status":"duplicate","callId":"4001"}`, answer)
		time.Sleep(500 * time.Millisecond)
		after, _ := f.planhat.ConversationByExternalID("4001")
		assert.Equal(t, *before.Description, *after.Description, "a re-delivery never touches the description")
		assert.Len(t, conversationsFor(f, "4001"), 1)
	})
}

func TestSummary(t *testing.T) {
	f := newFakes(t)
	f.globex()
	s := startService(t, testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f))

	t.Run("AbsentThenReady", func(t *testing.T) {
		f.gong.AddCall(newCall("5001").build())
		status, _ := s.postWebhook(webhook(t, newCall("5001").account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, status)
		s.waitForStatus("5001", syncTimeout, "synced")
		time.Sleep(2 * time.Second) // at least one check finds nothing
		got, _ := s.call("5001")
		assert.Equal(t, "synced", got.Status)
		f.gong.SetSummary("5001", summary("Ready now."))
		s.waitForStatus("5001", syncTimeout, "complete")
		conversation, _ := f.planhat.ConversationByExternalID("5001")
		require.NotNil(t, conversation.Description)
		assert.Contains(t, *conversation.Description, "<p>Ready now.</p>")
		assert.Contains(t, *conversation.Description, "Budget approved")
		assert.Contains(t, *conversation.Description, "Next steps")
	})
	t.Run("ScriptInBriefIsEscaped", func(t *testing.T) {
		f.gong.AddCall(newCall("5002").build())
		f.gong.SetSummary("5002", summary(`<script>alert("x")</script> & more`))
		status, _ := s.postWebhook(webhook(t, newCall("5002").account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, status)
		s.waitForStatus("5002", syncTimeout, "complete")
		conversation, _ := f.planhat.ConversationByExternalID("5002")
		require.NotNil(t, conversation.Description)
		assert.NotContains(t, *conversation.Description, "<script>")
		assert.Contains(t, *conversation.Description, "&lt;script&gt;")
	})
	t.Run("ThirtyReadyAtOnceShareRequests", func(t *testing.T) {
		f.gong.ResetStats()
		var ids []string
		for i := range 30 {
			id := fmt.Sprint(5100 + i)
			ids = append(ids, id)
			f.gong.AddCall(newCall(id).build())
			f.gong.SetSummary(id, summary("Batch "+id))
		}
		for _, id := range ids {
			status, _ := s.postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
			require.Equal(t, http.StatusAccepted, status)
		}
		for _, id := range ids {
			s.waitForStatus(id, syncTimeout, "complete")
		}
		extensive := f.gong.Stats().ExtensiveCallIDs
		assert.Less(t, len(extensive), 5, "30 summaries took %d extensive requests: %v", len(extensive), extensive)
	})
}

// conversationsFor returns every conversation Planhat holds for a call.
func conversationsFor(f fakes, callID string) []planhat.Conversation {
	var found []planhat.Conversation
	for _, c := range f.planhat.Conversations() {
		if c.ExternalID == callID {
			found = append(found, c)
		}
	}
	return found
}
