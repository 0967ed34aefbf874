package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDailyBudgetSurvivesRestarts spends GONG_DAILY_BUDGET on summary
// checks that keep finding nothing, then restarts the service twice on the
// same database, as a crash loop would: not one Gong request more goes out
// that day.
func TestDailyBudgetSurvivesRestarts(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, databaseURL string) {
		const budget = 3
		f := newFakes(t)
		f.globex()
		env := testEnv(databaseURL, f)
		env["GONG_DAILY_BUDGET"] = fmt.Sprint(budget)
		env["RECHECK_MIN"], env["RECHECK_MAX"] = "1s", "1s"
		env["LOG_LEVEL"] = "info"

		s := startService(t, env)
		f.gong.AddCall(newCall("7601").build()) // its summary never becomes ready
		code, _ := s.postWebhook(webhook(t, newCall("7601").account("0015g00000Glbx1").build()))
		require.Equal(t, http.StatusAccepted, code)
		s.waitForStatus("7601", syncTimeout, "synced")
		require.Eventually(t, func() bool { return f.gong.Requests() >= budget }, 30*time.Second, 100*time.Millisecond,
			"summary checks spend the day's budget")

		db := openSQL(t, databaseURL)
		for range 2 {
			require.NoError(t, s.stop())
			// The poll waits for tomorrow now; a crash loop would run one at
			// every start, as RunOnStart does once it is gone.
			_, err := db.Exec(`DELETE FROM river_job WHERE kind = 'summary_poll'`)
			require.NoError(t, err)
			s = startService(t, env)
			// The new process's poll asks for Gong, and is refused its turn.
			require.Eventually(t, func() bool { return strings.Contains(s.logs.String(), "daily budget spent") },
				30*time.Second, 100*time.Millisecond, "the summary check after the restart runs")
			assert.Equal(t, budget, f.gong.Requests(), "no restart went past GONG_DAILY_BUDGET")
		}
	})
}
