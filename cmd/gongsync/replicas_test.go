package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/store/storetest"
)

// Limits for the whole deployment in TestTwoReplicas: each replica alone
// would use them in full.
const (
	replicaPlanhatRate = 4
	replicaGongRate    = 2
)

// TestTwoReplicas runs two gongsync processes on one PostgreSQL. Calls are
// delivered split between them, then each again to the other process. It
// checks exactly one conversation per call with its summary, the request
// rates the two send together, that the leader-only jobs ran on the leader
// alone, and that the other process carries on when the leader is killed.
func TestTwoReplicas(t *testing.T) {
	databaseURL := storetest.PostgresURL(t)
	f := newFakes(t) // the fake Gong answers 429 beyond Gong's 3 requests/s
	f.globex()
	planhat := newFront(t, f.planhat.Handler())
	gong := newFront(t, f.gong.Handler())
	env := testEnv(databaseURL, f)
	env["PLANHAT_API_BASE_URL"] = planhat.url
	env["GONG_API_BASE_URL"] = gong.url
	env["PLANHAT_RATE_LIMIT"] = fmt.Sprint(replicaPlanhatRate)
	env["GONG_RATE_LIMIT"] = fmt.Sprint(replicaGongRate)
	env["LOG_LEVEL"] = "info"

	replicas := []*process{startProcess(t, env), startProcess(t, env)}
	leader, follower := whoLeads(t, replicas)

	const calls = 24
	var ids []string
	for i := range calls {
		id := fmt.Sprint(7700 + i)
		ids = append(ids, id)
		f.gong.AddCall(newCall(id).build())
		f.gong.SetSummary(id, summary("Replicated "+id))
	}
	deliver := func(p *process, id string, want string) {
		t.Helper()
		code, body := p.service().postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, code, body)
		require.Contains(t, body, want)
	}
	for i, id := range ids {
		deliver(replicas[i%2], id, `"queued"`)
	}
	for i, id := range ids {
		deliver(replicas[(i+1)%2], id, `"duplicate"`)
	}
	for _, id := range ids {
		follower.service().waitForStatus(id, 2*time.Minute, "complete")
	}
	for _, id := range ids {
		written := conversationsFor(f, id)
		require.Len(t, written, 1, "call %s", id)
		require.NotNil(t, written[0].Description)
		assert.Contains(t, *written[0].Description, "Replicated "+id)
	}

	t.Run("RatesHoldForBothTogether", func(t *testing.T) {
		assert.LessOrEqual(t, busiestSecond(planhat), replicaPlanhatRate+1, "Planhat requests in any one second, both replicas together")
		assert.LessOrEqual(t, busiestSecond(gong), replicaGongRate+1, "Gong requests in any one second, both replicas together")
		assert.Zero(t, f.gong.TooManyRequests(), "Gong never answered 429")
		t.Logf("busiest second: Planhat %d (limit %d), Gong %d (limit %d); %d and %d requests in all",
			busiestSecond(planhat), replicaPlanhatRate, busiestSecond(gong), replicaGongRate, planhat.total(), gong.total())
	})

	t.Run("LeaderOnlyJobsRanOnTheLeader", func(t *testing.T) {
		db := openSQL(t, databaseURL)
		rows, err := db.Query(`SELECT DISTINCT kind, unnest(attempted_by) FROM river_job
			WHERE kind IN ('summary_poll', 'sweep', 'reconcile') AND attempted_by IS NOT NULL`)
		require.NoError(t, err)
		defer rows.Close()
		workedBy := map[string][]string{}
		for rows.Next() {
			var kind, by string
			require.NoError(t, rows.Scan(&kind, &by))
			workedBy[kind] = append(workedBy[kind], by)
		}
		require.NoError(t, rows.Err())
		require.NotEmpty(t, workedBy["summary_poll"], "summary polls ran")
		for kind, by := range workedBy {
			assert.Equal(t, []string{riverIDOf(leader)}, by, "%s ran on the leader only", kind)
		}
	})

	t.Run("TheOtherCarriesOnWhenTheLeaderIsKilled", func(t *testing.T) {
		leader.kill()
		id := "7799"
		f.gong.AddCall(newCall(id).build())
		f.gong.SetSummary(id, summary("After the leader died"))
		deliver(follower, id, `"queued"`)
		follower.service().waitForStatus(id, 2*time.Minute, "complete")
		assert.Contains(t, follower.logs.String(), "leading:", "the follower took the lead")
		assert.Len(t, conversationsFor(f, id), 1)
	})
}

// whoLeads waits until one of two replicas says it leads.
func whoLeads(t *testing.T, replicas []*process) (leader, follower *process) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for i, p := range replicas {
			if strings.Contains(p.logs.String(), "leading:") {
				return p, replicas[1-i]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no replica took the lead within 30s")
	return nil, nil
}

// riverIDOf is the River client ID the process gave itself (riverClientID).
func riverIDOf(p *process) string {
	logs := p.logs.String()
	i := strings.Index(logs, `"river_id":"`)
	if i < 0 {
		return ""
	}
	rest := logs[i+len(`"river_id":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// busiestSecond is the most requests the front saw in any one second
// (a half-open window starting at a request).
func busiestSecond(f *front) int {
	var times []time.Time
	for _, r := range f.snapshot() {
		times = append(times, r.at)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	busiest := 0
	for i := range times {
		n := sort.Search(len(times), func(j int) bool { return !times[j].Before(times[i].Add(time.Second)) }) - i
		busiest = max(busiest, n)
	}
	return busiest
}
