package console

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// overviewData is the overview page.
type overviewData struct {
	Statuses   []statusCount
	Total      int
	Today      int
	Week       int
	Chart      chart
	Upstreams  []upstreamState
	Budget     string
	OAuth      string
	Reconciled string
	OldestOpen string
	Took       time.Duration
}

type statusCount struct {
	Status           callsync.Status
	All, Today, Week int
}

type upstreamState struct {
	Name, State string
	OK          bool
}

// chartDays is how many days the overview's chart shows, today included.
const chartDays = 7

// overview shows calls by status (all, today, the last 7 days), a chart of
// calls per day by status, the upstreams' health and the oldest open call.
func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	ctx := r.Context()
	now := c.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	since := today.Add(-(chartDays - 1) * 24 * time.Hour)
	all, err := c.Ledger.StatusCounts(ctx)
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The ledger could not be read.")
		return
	}
	perDay, err := c.Ledger.CallsPerDay(ctx, since)
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The ledger could not be read.")
		return
	}
	data := overviewData{Chart: newChart(since, chartDays, perDay)}
	for _, status := range callsync.Statuses {
		sc := statusCount{Status: status, All: all[status]}
		for _, dc := range perDay {
			if dc.Status != status {
				continue
			}
			sc.Week += dc.Calls
			if dc.Day.Equal(today) {
				sc.Today += dc.Calls
			}
		}
		data.Statuses = append(data.Statuses, sc)
		data.Total += sc.All
		data.Today += sc.Today
		data.Week += sc.Week
	}
	data.Upstreams = []upstreamState{upstreamOf("Gong", c.Health.Gong), upstreamOf("Planhat", c.Health.Planhat)}
	data.Budget = c.budget(ctx)
	data.OAuth = "not in use: Gong access key"
	if c.Health.OAuthConnected != nil {
		if connected, detail := c.Health.OAuthConnected(ctx); connected {
			data.OAuth = "connected " + detail
		} else {
			data.OAuth = "not connected " + detail
		}
	}
	data.Reconciled = "off (RECONCILE_INTERVAL is 0)"
	if c.Health.LastReconciliation != nil {
		data.Reconciled = "not yet"
		if at, ok := c.Health.LastReconciliation(ctx); ok {
			data.Reconciled = humanDuration(now.Sub(at)) + " ago (" + at.UTC().Format(time.RFC3339) + ")"
		}
	}
	data.OldestOpen = "none: every call is final or unmatched for good"
	if oldest, ok, err := c.Ledger.OldestOpenCall(ctx); err == nil && ok {
		data.OldestOpen = humanDuration(now.Sub(oldest)) + " (received " + oldest.UTC().Format(time.RFC3339) + ")"
	}
	data.Took = time.Since(started).Round(time.Microsecond)
	c.render(w, r, http.StatusOK, "overview", page{Title: "Overview", Nav: "overview", Data: data})
}

func upstreamOf(name string, u Upstream) upstreamState {
	if u == nil {
		return upstreamState{Name: name, State: "not known in this process"}
	}
	if u.CircuitOpen() {
		return upstreamState{Name: name, State: "circuit open: requests are held back after repeated failures"}
	}
	if pause := u.PausedFor(); pause > 0 {
		return upstreamState{Name: name, State: fmt.Sprintf("paused by a 429 for %s more", pause.Round(time.Second))}
	}
	return upstreamState{Name: name, State: "ok", OK: true}
}

func (c *Console) budget(ctx context.Context) string {
	if c.Health.GongBudgetLeft == nil {
		return "not known"
	}
	left, err := c.Health.GongBudgetLeft(ctx)
	switch {
	case err != nil:
		return "could not be read"
	case left < 0:
		return "no daily budget set"
	}
	return fmt.Sprintf("%d requests left today (UTC)", left)
}
