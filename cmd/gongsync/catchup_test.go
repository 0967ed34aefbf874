package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
)

// seedHistory adds n calls to the fake Gong, started one minute apart from
// 2026-11-01, each with the Account id of one of the companies; every other
// call has its AI summary ready. It returns the call ids.
func seedHistory(f fakes, companies []planhat.Company, n int, firstID int64) []string {
	ids := make([]string, n)
	for i := range n {
		call := historyCall(companies, i, firstID)
		f.gong.AddCall(call)
		ids[i] = call.MetaData.ID
	}
	return ids
}

// historyCall is the i-th call of seedHistory.
func historyCall(companies []planhat.Company, i int, firstID int64) gong.CallData {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	id := fmt.Sprint(firstID + int64(i))
	company := companies[i%len(companies)]
	call := newCall(id).account(company.SourceID).party("rep@initech.example", gong.AffiliationInternal).
		party(fmt.Sprintf("buyer%d@%s", i, company.Domains[0]), gong.AffiliationExternal).build()
	call.MetaData.Started = start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
	if i%2 == 0 {
		content := summary("Brief of " + id)
		call.Content = &content
	}
	return call
}

func seedCompanies(f fakes, n int) []planhat.Company {
	companies := make([]planhat.Company, n)
	for i := range n {
		companies[i] = f.planhat.AddCompany(planhat.Company{
			Name: fmt.Sprintf("Company %d", i), SourceID: fmt.Sprintf("0015g0000%06dA", i),
			Domains: []string{fmt.Sprintf("company%d.example", i)},
		})
	}
	return companies
}

// conversationsByCall counts conversations per externalId.
func conversationsByCall(f fakes) map[string]int {
	counts := map[string]int{}
	for _, c := range f.planhat.Conversations() {
		counts[c.ExternalID]++
	}
	return counts
}

// runBackfill runs "gongsync backfill" in process and returns its output.
func runBackfill(ctx context.Context, t testing.TB, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(ctx, append([]string{"backfill"}, args...), func(name string) string { return env[name] }, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestBackfill(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, databaseURL string) {
		f := newFakes(t)
		companies := seedCompanies(f, 7)
		ids := seedHistory(f, companies, 250, 7000000000000000001)
		// One call is already known (its webhook came), one is unmatched.
		f.gong.AddCall(newCall("7100000000000000001").party("x@nowhere.example", gong.AffiliationExternal).build())
		env := testEnv(databaseURL, f)
		env["LOG_LEVEL"] = "warn"
		ctx := context.Background()

		t.Run("DryRunWritesNothing", func(t *testing.T) {
			out, err := runBackfill(ctx, t, env, "--from", "2026-11-01", "--to", "2026-11-30", "--dry-run")
			require.NoError(t, err, out)
			require.Contains(t, out, "done: listed 251, synced 250, existing 0, queued 1, failed 0")
			require.Empty(t, f.planhat.Conversations())
		})

		t.Run("CancelThenResume", func(t *testing.T) {
			// Cancel once the first chunk has been recorded, as Ctrl-C would.
			backfillChunkSize = 100
			t.Cleanup(func() { backfillChunkSize = 0 })
			cctx, cancel := context.WithCancel(ctx)
			go func() {
				for cctx.Err() == nil && f.planhat.RequestsTo("PUT /conversations") == 0 {
					time.Sleep(5 * time.Millisecond)
				}
				cancel()
			}()
			out, err := runBackfill(cctx, t, env, "--from", "2026-11-01", "--to", "2026-11-30")
			require.Error(t, err, out)
			require.Contains(t, out, "cancelled")
			firstID := strings.TrimSuffix(strings.Fields(strings.SplitN(out, "backfill ", 2)[1])[0], ":")
			written := len(f.planhat.Conversations())
			require.Less(t, written, 251, "stopped before the end")

			out, err = runBackfill(ctx, t, env, "--from", "2026-11-01", "--to", "2026-11-30")
			require.NoError(t, err, out)
			require.Contains(t, out, "backfill "+firstID+" done", "the same run continues")
			counts := conversationsByCall(f)
			for _, id := range ids {
				require.LessOrEqual(t, counts[id], 1, "call %s written twice", id)
			}
		})

		t.Run("RerunCreatesNothing", func(t *testing.T) {
			before := len(f.planhat.Conversations())
			f.planhat.ResetStats()
			out, err := runBackfill(ctx, t, env, "--from", "2026-11-01", "--to", "2026-11-30")
			require.NoError(t, err, out)
			require.Contains(t, out, "synced 0")
			require.Equal(t, before, len(f.planhat.Conversations()))
			require.Zero(t, f.planhat.RequestsTo("PUT /conversations"))
			require.Zero(t, f.planhat.RequestsTo("POST /conversations"))
		})

		t.Run("LedgerAndSummaries", func(t *testing.T) {
			s := startService(t, env)
			// A call the cancelled run had claimed but not written is synced by its own job, or
			// was written on resume; either way every matched call ends with one conversation.
			for _, id := range ids {
				call := s.waitForStatus(id, 30*time.Second, "synced", "complete", "queued")
				require.NotEmpty(t, call.CallID)
			}
			first := s.waitForStatus(ids[0], 30*time.Second, "complete")
			conversation, ok := f.planhat.Conversation(deref(first.ConversationID))
			require.True(t, ok)
			require.Contains(t, *conversation.Description, "Brief of "+ids[0], "the summary Gong had is written in the same pass")
			require.NoError(t, s.stop())
		})
	})
}

func TestBackfillBulkUpsertSendsIDForExisting(t *testing.T) {
	for _, variant := range []struct {
		name string
		opts planhattest.Options
	}{
		{"KeysWithIDOnly", planhattest.Options{}},
		{"KeysWithExternalID", planhattest.Options{BulkKeysWithExternalID: true}},
	} {
		t.Run(variant.name, func(t *testing.T) {
			f := newFakes(t)
			f.planhat = planhattest.NewTest(t, variant.opts)
			f.planhat.AddConversationType("Gong Call")
			companies := seedCompanies(f, 3)
			ids := seedHistory(f, companies, 30, 7200000000000000001)
			// A conversation written before (a lost ledger): updated by _id, not created again.
			existing := f.planhat.AddConversation(planhat.Conversation{CompanyID: companies[0].ID, ExternalID: ids[0], Subject: "old"})
			env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
			env["LOG_LEVEL"] = "warn"
			out, err := runBackfill(context.Background(), t, env, "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-02T00:00:00Z")
			require.NoError(t, err, out)
			require.Contains(t, out, "synced 30")
			counts := conversationsByCall(f)
			for _, id := range ids {
				require.Equal(t, 1, counts[id], "call %s", id)
			}
			updated, _ := f.planhat.Conversation(existing.ID)
			require.Equal(t, "Call "+ids[0], updated.Subject)
			require.Contains(t, *updated.Description, "Brief of "+ids[0])
			require.Equal(t, 1, f.planhat.RequestsTo("PUT /conversations"), "one bulk request")
		})
	}
}

func TestAdminBackfillRoutes(t *testing.T) {
	f := newFakes(t)
	companies := seedCompanies(f, 2)
	seedHistory(f, companies, 20, 7300000000000000001)
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	s := startService(t, env)
	post := func(body string) (int, string) {
		return s.do(http.MethodPost, "/admin/backfill", []byte(body), http.Header{"Authorization": {"Bearer " + testAdminToken}})
	}
	for _, bad := range []struct{ name, body, want string }{
		{"NotJSON", `{`, "JSON"},
		{"Missing", `{"from":"2026-11-01"}`, "required"},
		{"BadDate", `{"from":"yesterday","to":"2026-11-02"}`, "YYYY-MM-DD"},
		{"Reversed", `{"from":"2026-11-02","to":"2026-11-01T00:00:00Z"}`, "before"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			status, body := post(bad.body)
			require.Equal(t, http.StatusBadRequest, status, body)
			require.Contains(t, body, bad.want)
		})
	}
	t.Run("UnknownID", func(t *testing.T) {
		status, _ := s.admin(http.MethodGet, "/admin/backfill/bf_nope")
		require.Equal(t, http.StatusNotFound, status)
	})
	t.Run("StartAndFollow", func(t *testing.T) {
		status, body := post(`{"from":"2026-11-01","to":"2026-11-01","dryRun":false}`)
		require.Equal(t, http.StatusAccepted, status, body)
		var started struct{ BackfillID string }
		require.NoError(t, json.Unmarshal([]byte(body), &started))
		require.True(t, strings.HasPrefix(started.BackfillID, "bf_"))
		var progress map[string]any
		require.Eventually(t, func() bool {
			status, body := s.admin(http.MethodGet, "/admin/backfill/"+started.BackfillID)
			require.Equal(t, http.StatusOK, status, body)
			require.NoError(t, json.Unmarshal([]byte(body), &progress))
			return progress["status"] == "done"
		}, 30*time.Second, 50*time.Millisecond)
		for _, field := range []string{"backfillId", "from", "to", "status", "listed", "synced", "existing", "failed", "startedAt", "updatedAt"} {
			require.Contains(t, progress, field)
		}
		require.EqualValues(t, 20, progress["synced"])
		require.Len(t, f.planhat.Conversations(), 20)
	})
}

func TestReconciliation(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, databaseURL string) {
		f := newFakes(t)
		globex := f.globex()
		now := time.Now().UTC()
		lost := newCall("7400000000000000001").account(globex.SourceID).party("a@globex.com", gong.AffiliationExternal).build()
		lost.MetaData.Started = now.Add(-2 * time.Hour).Format(time.RFC3339)
		known := newCall("7400000000000000002").account(globex.SourceID).party("b@globex.com", gong.AffiliationExternal).build()
		known.MetaData.Started = now.Add(-time.Hour).Format(time.RFC3339)
		old := newCall("7400000000000000003").account(globex.SourceID).build()
		old.MetaData.Started = now.Add(-100 * time.Hour).Format(time.RFC3339)
		for _, call := range []gong.CallData{lost, known, old} {
			f.gong.AddCall(call)
		}
		env := testEnv(databaseURL, f)
		env["RECONCILE_INTERVAL"] = "1h" // runs once at start (RunOnStart)
		s := startService(t, env)
		status, _ := s.postWebhook(webhook(t, known))
		require.Equal(t, http.StatusAccepted, status)

		recovered := s.waitForStatus(lost.MetaData.ID, 30*time.Second, "synced", "complete")
		require.NotNil(t, recovered.ConversationID)
		s.waitForStatus(known.MetaData.ID, 30*time.Second, "synced", "complete")
		_, found := s.call(old.MetaData.ID)
		require.False(t, found, "outside RECONCILE_LOOKBACK")
		require.Eventually(t, func() bool {
			_, metrics := s.do(http.MethodGet, "/metrics", nil, nil)
			return strings.Contains(metrics, "gongsync_reconcile_recovered_calls_total 1") &&
				!strings.Contains(metrics, "gongsync_reconcile_last_success_timestamp_seconds 0\n")
		}, 30*time.Second, 100*time.Millisecond)
		counts := conversationsByCall(f)
		require.Equal(t, 1, counts[lost.MetaData.ID])
		require.Equal(t, 1, counts[known.MetaData.ID])
	})
}
