package callsync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/gongsync/gongsync/internal/gong"
)

// ReconcileArgs is the reconcile job: list the calls Gong has over
// RECONCILE_LOOKBACK and sync those the ledger lacks.
type ReconcileArgs struct{}

// Kind names the job in the queue.
func (ReconcileArgs) Kind() string { return "reconcile" }

// InsertOpts keep at most one reconciliation waiting or running, on the
// leader's queue.
func (ReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: LeaderQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingStates}}
}

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	catchUp *CatchUp
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	recovered, err := w.catchUp.Reconcile(ctx)
	if err != nil {
		// Not retried at once: the next interval lists the window again.
		w.catchUp.logger.Warn().Err(err).Int("recovered", recovered).Msg("reconciliation stopped early; the next one lists the window again")
		return river.JobCancel(err)
	}
	return nil
}

// extensiveFor is what catching up asks of POST /v2/calls/extensive: the
// parties, the CRM context with its field values as it is now (the Account
// ids Planhat's companies carry as sourceId are today's), and the AI content
// that is ready.
var extensiveFor = gong.ExtensiveOptions{Context: gong.ContextExtended, ContextTiming: []string{gong.TimingNow}}

// Reconcile lists every call Gong has that started within RECONCILE_LOOKBACK
// (in GONG_WORKSPACE_ID, when set) and accepts each one the ledger lacks as
// if its webhook had come: the same row, the same sync_call job, the same
// rules; a call accepted meanwhile by a webhook is a duplicate and changes
// nothing. It returns how many calls it recovered. A run stopped by its
// deadline has still recovered what it reached; the next run lists again.
func (c *CatchUp) Reconcile(ctx context.Context) (int, error) {
	now := c.service.now()
	from := now.Add(-c.settings.ReconcileLookback)
	recovered := 0
	cursor := ""
	for {
		page, err := c.lister.ListCallsPage(ctx, from, now, c.settings.WorkspaceID, cursor)
		if err != nil {
			return recovered, fmt.Errorf("reconcile: listing calls: %w", err)
		}
		next := page.Cursor
		missing, err := c.unknown(ctx, page.Calls)
		if err != nil {
			return recovered, fmt.Errorf("reconcile: %w", err)
		}
		for batch := range slices.Chunk(missing, gong.MaxCallIDsPerRequest) {
			n, err := c.recover(ctx, batch, now)
			recovered += n
			if err != nil {
				return recovered, fmt.Errorf("reconcile: %w", err)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	c.metrics.lastReconciled.Set(float64(c.service.now().Unix()))
	c.logger.Info().Int("recovered", recovered).Dur("lookback", c.settings.ReconcileLookback).Msg("reconciliation done")
	return recovered, nil
}

// unknown returns the distinct ids of page that the ledger lacks, in order.
func (c *CatchUp) unknown(ctx context.Context, page []gong.CallData) ([]string, error) {
	ids := make([]string, 0, len(page))
	for _, call := range page {
		if gong.IsCallID(call.MetaData.ID) && !slices.Contains(ids, call.MetaData.ID) {
			ids = append(ids, call.MetaData.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	known, err := c.store.KnownCalls(ctx, ids)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ids, func(id string) bool { return known[id] }), nil
}

// recover fetches up to 100 calls and accepts each one Gong shows. A call
// it cannot show yet is left for the next run.
func (c *CatchUp) recover(ctx context.Context, ids []string, receivedAt time.Time) (int, error) {
	calls, err := c.service.gong.CallsExtensive(ctx, ids, extensiveFor)
	if err != nil {
		return 0, fmt.Errorf("fetching %d calls: %w", len(ids), err)
	}
	recovered := 0
	for _, call := range calls {
		if !slices.Contains(ids, call.MetaData.ID) {
			continue
		}
		payload, err := WebhookBody(call)
		if err != nil {
			return recovered, err
		}
		duplicate, err := c.store.AcceptCall(ctx, call.MetaData.ID, payload, receivedAt)
		if err != nil {
			return recovered, err
		}
		if duplicate {
			continue
		}
		recovered++
		c.metrics.recovered.Inc()
		c.service.metrics.Reached(StatusQueued)
		c.logger.Info().Str("call_id", call.MetaData.ID).Str("status", string(StatusQueued)).
			Msg("reconciliation recovered a call whose webhook never came")
	}
	return recovered, nil
}

// WebhookBody is the body Gong's webhook would have carried for call: the
// ledger keeps it as the call's payload, so a resync and every rule read it
// as they read a delivered one.
func WebhookBody(call gong.CallData) ([]byte, error) {
	body, err := json.Marshal(gong.WebhookPayload{CallData: call})
	if err != nil {
		return nil, fmt.Errorf("call %s: encoding its payload: %w", call.MetaData.ID, err)
	}
	return body, nil
}
