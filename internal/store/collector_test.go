package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/callsync"
)

func TestCollector(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := t.Context()
		registry := prometheus.NewRegistry()
		registry.MustRegister(NewCollector(db, func(context.Context) (int, error) { return 4321, nil }))

		t.Run("ZeroAtStart", func(t *testing.T) {
			require.NoError(t, testutil.GatherAndCompare(registry, strings.NewReader(`
# HELP gongsync_unmatched_calls Calls without a Planhat company: kept and retried, waiting for a company, a resync or an assignment.
# TYPE gongsync_unmatched_calls gauge
gongsync_unmatched_calls 0
# HELP gongsync_oldest_open_call_age_seconds Age of the oldest call in a non-final status (queued, synced, unmatched); 0 when there is none.
# TYPE gongsync_oldest_open_call_age_seconds gauge
gongsync_oldest_open_call_age_seconds 0
# HELP gongsync_gong_budget_remaining Gong requests GONG_DAILY_BUDGET still allows today (UTC), across every replica.
# TYPE gongsync_gong_budget_remaining gauge
gongsync_gong_budget_remaining 4321
`), "gongsync_unmatched_calls", "gongsync_oldest_open_call_age_seconds", "gongsync_gong_budget_remaining"))
		})

		t.Run("CountsTheLedgerAndQueue", func(t *testing.T) {
			registry := prometheus.NewRegistry() // a fresh reading, not the cached one
			registry.MustRegister(NewCollector(db, nil))
			_, err := db.AcceptCall(ctx, "8001", []byte(`{}`), time.Now().Add(-time.Hour))
			require.NoError(t, err)
			_, err = db.AcceptCall(ctx, "8002", []byte(`{}`), time.Now())
			require.NoError(t, err)
			require.NoError(t, saveCall(ctx, db, callsync.Call{ID: "8002", Status: callsync.StatusUnmatched}))

			families, err := registry.Gather()
			require.NoError(t, err)
			values := map[string]float64{}
			for _, family := range families {
				for _, m := range family.GetMetric() {
					name := family.GetName()
					for _, label := range m.GetLabel() {
						name += "{" + label.GetValue() + "}"
					}
					values[name] = m.GetGauge().GetValue()
				}
			}
			require.Equal(t, 1.0, values["gongsync_unmatched_calls"])
			require.Equal(t, 1.0, values["gongsync_ledger_calls{queued}"])
			require.Equal(t, 2.0, values["gongsync_jobs{available}"], "one sync_call a call")
			require.InDelta(t, 3600, values["gongsync_oldest_open_call_age_seconds"], 60)
			require.Equal(t, 0.0, values["gongsync_collector_errors"])
			_, hasBudget := values["gongsync_gong_budget_remaining"]
			require.False(t, hasBudget, "no budget gauge without a budget")
		})
	})
}
