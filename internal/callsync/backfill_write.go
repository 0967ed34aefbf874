package callsync

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gongsync/gongsync/internal/planhat"
)

// write records a chunk: claims in the ledger, one bulk upsert to Planhat,
// then each call's outcome. A dry run counts what it would do.
func (b *backfill) write(ctx context.Context, items []backfillItem) (counts, error) {
	var n counts
	if b.run.DryRun {
		for _, item := range items {
			if item.handOver {
				n.queued++
			} else {
				n.synced++
			}
		}
		return n, nil
	}
	if len(items) == 0 {
		return n, nil
	}
	now := b.s.now()
	claims := make([]Claim, len(items))
	for i, item := range items {
		claims[i] = Claim{CallID: item.callID, Payload: item.payload, ReceivedAt: now}
		if !item.handOver {
			claims[i].SyncAt = now.Add(backfillLease)
		}
	}
	jobIDs, err := b.c.store.ClaimCalls(ctx, claims)
	if err != nil {
		return n, err
	}
	var writes []backfillItem
	for _, item := range items {
		switch _, claimed := jobIDs[item.callID]; {
		case !claimed:
			n.existing++ // a webhook or the reconciler brought it meanwhile
		case item.handOver:
			n.queued++
			b.s.metrics.Reached(StatusQueued)
		default:
			writes = append(writes, item)
		}
	}
	if len(writes) == 0 {
		return n, nil
	}
	chunkCtx, cancel := context.WithTimeout(ctx, chunkDeadline)
	defer cancel()
	ids, err := b.upsert(chunkCtx, writes)
	if err != nil {
		// The claims' own jobs sync these calls the regular way.
		b.handOver(ctx, writes, jobIDs)
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		b.c.logger.Error().Err(err).Int("calls", len(writes)).Str("backfill_id", b.run.ID).
			Msg("backfill: the bulk write failed; the calls are synced one by one instead")
		n.failed += len(writes)
		return n, nil
	}
	var written, refused []backfillItem
	for _, item := range writes {
		if ids[item.callID] != "" {
			written = append(written, item)
		} else {
			refused = append(refused, item)
		}
	}
	if len(refused) > 0 {
		b.c.logger.Warn().Int("calls", len(refused)).Str("backfill_id", b.run.ID).
			Msg("backfill: Planhat refused some conversations of the bulk write; they are synced one by one instead")
		b.handOver(ctx, refused, jobIDs)
		n.failed += len(refused)
	}
	if err := b.recordWritten(ctx, written, ids, now); err != nil {
		return n, err
	}
	n.synced += len(written)
	return n, nil
}

// upsert finds the conversations that exist, writes every item in one bulk
// upsert (_id for those that exist) and returns each call's conversation id.
func (b *backfill) upsert(ctx context.Context, items []backfillItem) (map[string]string, error) {
	companies := make([]string, 0, len(items))
	for _, item := range items {
		companies = append(companies, item.resolution.CompanyID)
	}
	existing, err := b.conversationIDs(ctx, companies)
	if err != nil {
		return nil, err
	}
	conversations := make([]planhat.Conversation, len(items))
	for i, item := range items {
		conversation := item.conversation
		conversation.ExternalID = item.callID
		if id := existing[conversationKey(item.resolution.CompanyID, item.callID)]; id != "" {
			conversation.ID = id
			if item.summaryReady {
				description, err := b.mergedDescription(ctx, id, item.summaryHTML)
				if err != nil {
					return nil, err
				}
				conversation.Description = description
			}
		} else if item.summaryReady {
			description := MergeDescription("", item.summaryHTML)
			conversation.Description = &description
		}
		conversations[i] = conversation
	}

	// Planhat asks for one bulk request at a time.
	b.c.bulkMu.Lock()
	defer b.c.bulkMu.Unlock()
	ids := map[string]string{}
	var created []backfillItem
	for start := 0; start < len(conversations); start += planhat.MaxBulkItems {
		end := min(start+planhat.MaxBulkItems, len(conversations))
		var result planhat.BulkResult
		err := b.retry(ctx, "the bulk upsert", func(ctx context.Context) error {
			var err error
			result, err = b.c.bulk.BulkUpsertConversations(ctx, conversations[start:end])
			return err
		})
		if err != nil {
			return nil, err
		}
		byExternalID := map[string]string{}
		keyed := len(result.InsertsKeys) == result.Created
		for _, key := range result.InsertsKeys {
			if key.ExternalID == "" {
				keyed = false
				break
			}
			byExternalID[key.ExternalID] = key.ID
		}
		for i, conversation := range conversations[start:end] {
			item := items[start+i]
			switch {
			case conversation.ID != "":
				ids[item.callID] = conversation.ID
			case keyed && byExternalID[item.callID] != "":
				ids[item.callID] = byExternalID[item.callID]
			default:
				created = append(created, item)
			}
		}
	}
	if len(created) == 0 {
		return ids, nil
	}
	// Planhat's keys did not name the calls (its docs show _id only): look
	// the new conversations up by externalId.
	companies = companies[:0]
	for _, item := range created {
		companies = append(companies, item.resolution.CompanyID)
	}
	found, err := b.conversationIDs(ctx, companies)
	if err != nil {
		return nil, err
	}
	for _, item := range created {
		ids[item.callID] = found[conversationKey(item.resolution.CompanyID, item.callID)]
	}
	return ids, nil
}

func conversationKey(companyID, externalID string) string { return companyID + "\x00" + externalID }

// conversationIDs maps company and externalId to the oldest conversation's
// _id (ObjectIds sort by creation), for the companies given.
func (b *backfill) conversationIDs(ctx context.Context, companies []string) (map[string]string, error) {
	var keys []planhat.ConversationKey
	err := b.retry(ctx, "looking up conversations", func(ctx context.Context) error {
		var err error
		keys, err = b.c.bulk.ListConversationKeys(ctx, companies)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("looking up existing conversations: %w", err)
	}
	slices.SortStableFunc(keys, func(a, b planhat.ConversationKey) int { return compareIDs(a.ID, b.ID) })
	ids := make(map[string]string, len(keys))
	for _, key := range keys {
		if key.ExternalID == "" {
			continue
		}
		k := conversationKey(key.CompanyID, key.ExternalID)
		if _, seen := ids[k]; !seen {
			ids[k] = key.ID
		}
	}
	return ids, nil
}

func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// mergedDescription merges the summary into a conversation that exists
// (rare in a backfill: a lost ledger, or a conversation written before);
// nil when there is nothing to change.
func (b *backfill) mergedDescription(ctx context.Context, id, summaryHTML string) (*string, error) {
	var current planhat.Conversation
	err := b.retry(ctx, "reading a conversation", func(ctx context.Context) error {
		var err error
		current, err = b.s.planhat.GetConversation(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading conversation %s: %w", id, err)
	}
	existing := ""
	if current.Description != nil {
		existing = *current.Description
	}
	merged := MergeDescription(existing, summaryHTML)
	if merged == existing {
		return nil, nil
	}
	return &merged, nil
}

// handOver makes the claims' own sync_call jobs run now.
func (b *backfill) handOver(ctx context.Context, items []backfillItem, jobIDs map[string]int64) {
	runCtx, cancel := ledgerContext(ctx)
	defer cancel()
	for _, item := range items {
		if err := b.c.store.RunJobNow(runCtx, jobIDs[item.callID]); err != nil {
			b.c.logger.Warn().Err(err).Str("call_id", item.callID).Msg("backfill: could not hand the call over; its job runs after the lease")
		}
	}
}

// recordWritten moves each written call from its claim (queued, version 0)
// to synced, or to complete when its summary went in the same write: two
// moves the workers make (queued → synced → complete; workerMoves allows
// both), written as one. A call changed since its claim (a resync, say) keeps its
// change and learns its conversation id, so its own sync updates instead of
// creating.
func (b *backfill) recordWritten(ctx context.Context, items []backfillItem, ids map[string]string, claimedAt time.Time) error {
	ctx, cancel := ledgerContext(ctx)
	defer cancel()
	now := b.s.now()
	changes := make([]Change, 0, len(items))
	for _, item := range items {
		from := Call{ID: item.callID, Status: StatusQueued, ReceivedAt: claimedAt}
		to := from
		to.Status = StatusSynced
		to.CompanyID, to.MatchedBy, to.CompanyName = item.resolution.CompanyID, item.resolution.MatchedBy, item.resolution.CompanyName
		to.ConversationID, to.Attempts, to.Title = ids[item.callID], 1, item.title
		to.NextCheckAt = now
		if item.summaryReady {
			to.Status, to.NextCheckAt = StatusComplete, time.Time{}
		}
		changes = append(changes, Change{From: from, To: to})
	}
	written, stale, err := b.c.store.UpdateCalls(ctx, changes)
	if err != nil {
		return err
	}
	pollDue := false
	for _, call := range written {
		b.s.metrics.Reached(StatusSynced)
		if call.Status == StatusComplete {
			b.s.metrics.Reached(StatusComplete)
		} else {
			pollDue = true
		}
	}
	for _, callID := range stale {
		if err := b.keepConversationID(ctx, callID, ids[callID]); err != nil {
			return err
		}
	}
	if pollDue {
		if err := b.s.store.EnqueueSummaryPoll(ctx, now.Add(summaryCoalesce)); err != nil {
			b.c.logger.Warn().Err(err).Msg("backfill: could not schedule the summary check; the periodic poll will")
		}
	}
	return nil
}

// keepConversationID gives a call that changed since its claim the id of the
// conversation just written, if it still needs a sync and has none.
func (b *backfill) keepConversationID(ctx context.Context, callID, conversationID string) error {
	for range maxTransitionTries {
		current, err := b.c.store.GetCall(ctx, callID)
		if err != nil {
			return err
		}
		if current.ConversationID != "" || !needsSync(current) {
			return nil
		}
		next := current
		next.ConversationID = conversationID
		_, stale, err := b.c.store.UpdateCalls(ctx, []Change{{From: current, To: next}})
		if err != nil || len(stale) == 0 {
			return err
		}
	}
	return fmt.Errorf("call %s: the row kept changing", callID)
}
