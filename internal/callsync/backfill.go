package callsync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/upstream"
)

// Backfill writes a range of Gong's history to Planhat (DESIGN §6). Pages of
// GET /v2/calls are fetched through /v2/calls/extensive (100 calls a
// request: parties, CRM context, AI content that is ready), resolved by the
// sync rules, and written a chunk at a time: the chunk's calls are claimed in
// the ledger, their existing conversations found by externalId, and all of
// them written with one bulk upsert (PUT /conversations, _id for those that
// exist). Then the ledger records each call synced, or complete when its
// summary went in the same write, and the run saves Gong's cursor, so a run
// stopped anywhere continues after the last chunk it recorded.
const (
	// backfillChunk is how many calls gather before one Planhat write.
	backfillChunk = 1000
	// backfillLease is when a claimed call's own sync_call job runs: by then
	// the backfill has recorded the call (the job finds nothing to do) or
	// has given the chunk up (the job syncs it the regular way).
	backfillLease = 15 * time.Minute
	// chunkDeadline bounds a chunk's Planhat write, well inside the lease.
	chunkDeadline = 10 * time.Minute
	// backfillLive is how recently a running run must have saved its
	// progress to count as running somewhere; an older one died and is resumed.
	backfillLive = 2 * time.Minute
	// backfillHeartbeat is how often a run saves that it is alive.
	backfillHeartbeat = 20 * time.Second
	// transientTries bounds retries of a network error or 5xx in a row.
	transientTries = 20
)

// ErrBackfillInput is a backfill request that cannot run (the HTTP layer's 400).
var ErrBackfillInput = errors.New("invalid backfill")

// ErrBackfillRunning is a request for a range a live run is already doing;
// the run returned with it is that one.
var ErrBackfillRunning = errors.New("a backfill of this range is running")

// BackfillRequest is what a person asks for.
type BackfillRequest struct {
	From, To time.Time
	DryRun   bool
}

// ParseBackfillDate reads a backfill bound: YYYY-MM-DD (midnight UTC) or
// RFC3339. A date-only upper bound means the end of that day, so
// "--to 2024-03-31" includes the 31st.
func ParseBackfillDate(value string, upper bool) (time.Time, error) {
	value = strings.TrimSpace(value)
	if day, err := time.Parse(time.DateOnly, value); err == nil {
		if upper {
			day = day.AddDate(0, 0, 1)
		}
		return day, nil
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not YYYY-MM-DD or RFC3339 (2024-03-01T00:00:00Z)", ErrBackfillInput, value)
	}
	return t.UTC(), nil
}

// StartBackfill returns the run for req: the unfinished run of the same
// range and mode, resumed, or a new one. A run that saved its progress
// within the last two minutes is live elsewhere: it comes back with
// ErrBackfillRunning and is left alone.
func (c *CatchUp) StartBackfill(ctx context.Context, req BackfillRequest) (BackfillRun, error) {
	switch {
	case req.From.IsZero() || req.To.IsZero():
		return BackfillRun{}, fmt.Errorf("%w: from and to are both required", ErrBackfillInput)
	case !req.To.After(req.From):
		return BackfillRun{}, fmt.Errorf("%w: from must be before to", ErrBackfillInput)
	}
	now := c.service.now().UTC()
	from, to := req.From.UTC(), req.To.UTC()
	run, found, err := c.store.FindBackfillRun(ctx, from, to, c.settings.WorkspaceID, req.DryRun)
	if err != nil {
		return BackfillRun{}, err
	}
	if found {
		if run.Status == BackfillRunning && now.Sub(run.UpdatedAt) < backfillLive {
			return run, ErrBackfillRunning
		}
		run.Status, run.LastError, run.UpdatedAt = BackfillRunning, "", now
		return run, c.store.SaveBackfillRun(ctx, run)
	}
	run = BackfillRun{
		ID: newBackfillID(), From: from, To: to, WorkspaceID: c.settings.WorkspaceID, DryRun: req.DryRun,
		Status: BackfillRunning, StartedAt: now, UpdatedAt: now,
	}
	return run, c.store.CreateBackfillRun(ctx, run)
}

func newBackfillID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "bf_" + hex.EncodeToString(b)
}

// GetBackfillRun returns a run's progress, or ErrNotFound.
func (c *CatchUp) GetBackfillRun(ctx context.Context, id string) (BackfillRun, error) {
	return c.store.GetBackfillRun(ctx, id)
}

// RunBackfill runs run (from StartBackfill) to its end and returns it as
// saved: done, failed (LastError says why) or, when ctx ends, cancelled.
// progress, when set, sees the run after every page, with the pages not
// yet recorded counted in.
func (c *CatchUp) RunBackfill(ctx context.Context, run BackfillRun, progress func(BackfillRun)) (BackfillRun, error) {
	b := &backfill{c: c, s: c.service, run: run, progress: progress}
	stopHeartbeat := b.heartbeat(ctx)
	err := b.loop(ctx)
	stopHeartbeat()
	final := b.snapshot(false)
	switch {
	case err == nil:
		final.Status = BackfillDone
	case ctx.Err() != nil:
		final.Status, final.LastError = BackfillCancelled, "stopped before the end; run it again to continue"
	default:
		final.Status, final.LastError = BackfillFailed, err.Error()
	}
	final.UpdatedAt = c.service.now().UTC()
	saveCtx, cancel := ledgerContext(ctx)
	defer cancel()
	if saveErr := c.store.SaveBackfillRun(saveCtx, final); saveErr != nil {
		err = errors.Join(err, saveErr)
	}
	c.logger.Info().Str("backfill_id", final.ID).Str("status", string(final.Status)).Int("listed", final.Listed).
		Int("synced", final.Synced).Int("existing", final.Existing).Int("queued", final.Queued).Int("failed", final.Failed).
		Str("reason", final.LastError).Msg("backfill ended")
	if progress != nil {
		progress(final)
	}
	if err != nil && ctx.Err() == nil {
		return final, err
	}
	return final, nil
}

// backfill is one run in progress.
type backfill struct {
	c        *CatchUp
	s        *Service
	progress func(BackfillRun)

	mu      sync.Mutex
	run     BackfillRun // as recorded: cursor and counts of whole chunks
	pending counts      // pages gathered, not recorded yet
}

type counts struct{ listed, synced, existing, queued, failed int }

func (n *counts) add(o counts) {
	n.listed += o.listed
	n.synced += o.synced
	n.existing += o.existing
	n.queued += o.queued
	n.failed += o.failed
}

// snapshot returns the run, with the pending counts when withPending.
func (b *backfill) snapshot(withPending bool) BackfillRun {
	b.mu.Lock()
	defer b.mu.Unlock()
	run := b.run
	if withPending {
		run.Listed += b.pending.listed
		run.Existing += b.pending.existing
		run.Queued += b.pending.queued
	}
	return run
}

func (b *backfill) report() {
	if b.progress != nil {
		b.progress(b.snapshot(true))
	}
}

// heartbeat saves the recorded progress every backfillHeartbeat, so a run
// waiting on a rate limit still counts as live.
func (b *backfill) heartbeat(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := time.NewTicker(backfillHeartbeat)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-ticker.C:
				b.save(ctx)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (b *backfill) save(ctx context.Context) {
	run := b.snapshot(false)
	run.UpdatedAt = b.s.now().UTC()
	if err := b.c.store.SaveBackfillRun(ctx, run); err != nil && ctx.Err() == nil {
		b.c.logger.Warn().Err(err).Str("backfill_id", run.ID).Msg("could not save the backfill's progress")
	}
}

// record adds a recorded chunk's counts and moves the cursor past it.
func (b *backfill) record(ctx context.Context, done counts, cursor string) {
	b.mu.Lock()
	b.run.Cursor = cursor
	b.run.Listed += done.listed
	b.run.Synced += done.synced
	b.run.Existing += done.existing
	b.run.Queued += done.queued
	b.run.Failed += done.failed
	b.pending = counts{}
	b.mu.Unlock()
	if !b.run.DryRun {
		for outcome, n := range map[string]int{"synced": done.synced, "existing": done.existing, "queued": done.queued, "failed": done.failed} {
			b.c.metrics.backfillWritten.WithLabelValues(outcome).Add(float64(n))
		}
	}
	saveCtx, cancel := ledgerContext(ctx)
	defer cancel()
	b.save(saveCtx)
	b.report()
}

func (b *backfill) chunk() int {
	if n := b.c.settings.BackfillChunk; n > 0 {
		return min(n, planhat.MaxBulkItems)
	}
	return backfillChunk
}

func (b *backfill) loop(ctx context.Context) error {
	run := b.snapshot(false)
	cursor := run.Cursor
	restarted := false
	var gathered []backfillItem
	var gatheredCounts counts
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var listing gong.CallsPage
		err := b.retry(ctx, "listing calls", func(ctx context.Context) error {
			var err error
			listing, err = b.c.lister.ListCallsPage(ctx, run.From, run.To, run.WorkspaceID, cursor)
			return err
		})
		if err != nil && cursor != "" && !restarted && len(gathered) == 0 && gong.IsCursorRejected(err) {
			// Gong's cursors expire: list the range again from its start.
			// Calls recorded already count as existing this time.
			b.c.logger.Warn().Err(err).Str("backfill_id", run.ID).Msg("Gong refused the saved cursor; listing the range again from its start")
			cursor, restarted = "", true
			continue
		}
		if err != nil {
			return err
		}
		page, next := listing.Calls, listing.Cursor
		if listing.Total > 0 {
			b.mu.Lock()
			b.run.Total = listing.Total
			b.mu.Unlock()
		}
		items, pageCounts, err := b.prepare(ctx, page)
		if err != nil {
			return err
		}
		gathered = append(gathered, items...)
		gatheredCounts.add(pageCounts)
		b.mu.Lock()
		b.pending = gatheredCounts
		b.mu.Unlock()
		b.report()
		cursor = next
		if len(gathered) >= b.chunk() || next == "" {
			done, err := b.write(ctx, gathered)
			if err != nil {
				return err
			}
			done.add(gatheredCounts)
			b.record(ctx, done, next)
			gathered, gatheredCounts = nil, counts{}
		}
		if next == "" {
			return nil
		}
	}
}

// backfillItem is one call a page brought that the ledger lacked.
type backfillItem struct {
	callID     string
	payload    []byte
	title      string
	resolution Resolution
	// handOver: the regular workers take the call (unmatched, private, not
	// visible yet, or a failure here); conversation is unset then.
	handOver     bool
	conversation planhat.Conversation
	summaryHTML  string
	summaryReady bool
}

// prepare turns a page into items: the calls the ledger lacks, fetched,
// resolved and mapped. Nothing is written.
func (b *backfill) prepare(ctx context.Context, page []gong.CallData) ([]backfillItem, counts, error) {
	var n counts
	n.listed = len(page)
	metaByID := map[string]gong.CallData{}
	var ids []string
	for _, call := range page {
		id := call.MetaData.ID
		if _, seen := metaByID[id]; seen || !gong.IsCallID(id) {
			continue
		}
		metaByID[id] = call
		ids = append(ids, id)
	}
	known, err := b.c.store.KnownCalls(ctx, ids)
	if err != nil {
		return nil, n, err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return known[id] })
	n.existing = len(known)

	var items []backfillItem
	for batch := range slices.Chunk(ids, gong.MaxCallIDsPerRequest) {
		var calls []gong.CallData
		err := b.retry(ctx, "fetching calls", func(ctx context.Context) error {
			var err error
			calls, err = b.s.gong.CallsExtensive(ctx, batch, extensiveFor)
			return err
		})
		if err != nil {
			return nil, n, err
		}
		byID := make(map[string]gong.CallData, len(calls))
		for _, call := range calls {
			byID[call.MetaData.ID] = call
		}
		for _, id := range batch {
			data, shown := byID[id]
			if !shown {
				data = metaByID[id] // metadata only; the worker makes what it can of it
			}
			item, err := b.prepareCall(ctx, data, shown)
			if err != nil {
				return nil, n, err
			}
			items = append(items, item)
		}
	}
	return items, n, nil
}

func (b *backfill) prepareCall(ctx context.Context, data gong.CallData, shown bool) (backfillItem, error) {
	payload, err := WebhookBody(data)
	if err != nil {
		return backfillItem{}, err
	}
	item := backfillItem{callID: data.MetaData.ID, payload: payload, title: TitleOf(data), handOver: true}
	if skip, _ := b.s.skipped(data); skip || !shown {
		return item, nil
	}
	var resolution Resolution
	err = b.retry(ctx, "resolving the company", func(ctx context.Context) error {
		var err error
		resolution, err = b.s.resolveCall(ctx, data, Call{ID: item.callID})
		return err
	})
	if err != nil || !resolution.Matched() {
		return item, b.fatal(err)
	}
	var conversation planhat.Conversation
	err = b.retry(ctx, "mapping the people", func(ctx context.Context) error {
		var err error
		conversation, err = b.s.buildConversation(ctx, data, resolution.CompanyID)
		return err
	})
	if err != nil {
		return item, b.fatal(err)
	}
	item.handOver, item.resolution, item.conversation = false, resolution, conversation
	item.summaryHTML, item.summaryReady = RenderSummary(data.Content)
	return item, nil
}

// fatal keeps the errors that stop the run (a cancelled run, a refused
// credential, a database error) and lets a call's own failure hand the call
// to the workers instead.
func (b *backfill) fatal(err error) error {
	if err == nil {
		return nil
	}
	var upstreamErr *upstream.Error
	if errors.As(err, &upstreamErr) && upstreamErr.Kind != upstream.KindAuth && upstreamErr.Kind != upstream.KindRateLimited &&
		upstreamErr.Kind != upstream.KindUnavailable && upstreamErr.Kind != upstream.KindTransient {
		return nil
	}
	return err
}

// retry runs fn until it succeeds: a 429 or an open circuit waits what it
// asks, a network error or 5xx backs off (transientTries in a row at most);
// anything else is returned.
func (b *backfill) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	for try := 0; ; try++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var wait time.Duration
		switch upstream.KindOf(err) {
		case upstream.KindRateLimited, upstream.KindUnavailable:
			wait = max(upstream.RetryAfterOf(err), 100*time.Millisecond)
		case upstream.KindTransient:
			var upstreamErr *upstream.Error
			if !errors.As(err, &upstreamErr) || try+1 >= transientTries {
				return err // not an upstream answer (the database), or it keeps failing
			}
			wait = RecheckDelay(try, time.Second, time.Minute)
		default:
			return err
		}
		b.c.logger.Debug().Err(err).Str("backfill_id", b.run.ID).Dur("wait", wait).Msg("backfill: " + what + " waits and tries again")
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}
