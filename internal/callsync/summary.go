package callsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/upstream"
)

// summaryBatch is Gong's most call ids a request.
const summaryBatch = 100

// maxBatchesPerPoll keeps one poll well inside JOB_TIMEOUT; the next poll
// takes the rest.
const maxBatchesPerPoll = 10

// summaryPollWorker runs summary_poll: due calls in batches of up to 100 a
// Gong request; a ready summary becomes a patch_summary job, a missing one a
// later check.
type summaryPollWorker struct {
	river.WorkerDefaults[SummaryPollArgs]
	service *Service
}

func (w *summaryPollWorker) Work(ctx context.Context, _ *river.Job[SummaryPollArgs]) error {
	s := w.service
	for range maxBatchesPerPoll {
		// Calls due within RECHECK_MIN ride along with one due now: checks
		// spread over time would otherwise each cost a Gong request.
		now := s.now()
		due, err := s.store.DueForSummary(ctx, now.Add(s.settings.RecheckMin), summaryBatch)
		if err != nil {
			return fmt.Errorf("summary poll: reading due calls: %w", err)
		}
		if len(due) == 0 || due[0].NextCheckAt.After(now) {
			return nil
		}
		if err := s.checkSummaries(ctx, due); err != nil {
			return err
		}
	}
	// More is due than one poll takes: run again at once. A snooze, because
	// a new poll would be refused as a duplicate of this running one.
	return river.JobSnooze(0)
}

func (s *Service) checkSummaries(ctx context.Context, due []Call) error {
	ids := make([]string, len(due))
	for i, call := range due {
		ids[i] = call.ID
	}
	calls, err := s.gong.CallsExtensive(ctx, ids, gong.ExtensiveOptions{Context: gong.ContextNone, OmitParties: true})
	if err != nil {
		switch upstream.KindOf(err) {
		case upstream.KindRateLimited, upstream.KindUnavailable:
			return river.JobSnooze(upstream.RetryAfterOf(err))
		case upstream.KindAuth:
			s.logger.Error().Err(err).Int("calls", len(due)).Msg("Gong refused the credential; summaries wait and are retried slowly")
			return s.postpone(ctx, due, s.settings.RecheckMin, err)
		case upstream.KindPermanent:
			s.logger.Error().Err(err).Int("calls", len(due)).Msg("Gong rejected the summary request")
			return s.postpone(ctx, due, s.settings.RecheckMax, err)
		}
		// A failed poll is not retried at once: the periodic poll would stand
		// in for it every few seconds and spend the daily budget on an outage.
		s.logger.Warn().Err(err).Int("calls", len(due)).Msg("summary poll failed; its calls are checked again later")
		return s.postpone(ctx, due, 0, err)
	}
	byID := make(map[string]gong.CallData, len(calls))
	for _, call := range calls {
		byID[call.MetaData.ID] = call
	}
	for _, call := range due {
		if err := s.checkSummary(ctx, call, byID[call.ID].Content); err != nil {
			return err
		}
	}
	return nil
}

// checkSummary decides one due call: patch now, look again later, or give
// up. Each decision is made again on the freshest row, and only while the
// call is still synced: a resync or a finished patch wins over the poll.
func (s *Service) checkSummary(ctx context.Context, call Call, content *gong.CallContent) error {
	log := s.logger.With().Str("call_id", call.ID).Str("company_id", call.CompanyID).Logger()
	now := s.now()
	summaryHTML, ready := RenderSummary(content)
	note := &Event{Kind: EventSummaryCheck, Actor: ActorSummaryPoll}
	written, _, changed, err := s.transition(ctx, call, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Status != StatusSynced {
			return current, nil, false
		}
		next := current
		switch {
		case ready:
			// The patch job owns the call now; the sweeper looks again if it never lands.
			next.NextCheckAt = time.Time{}
			note.Message = "Gong has the AI summary; patch queued"
			return next, []river.JobArgs{PatchSummaryArgs{CallID: current.ID, SummaryHTML: summaryHTML}}, true
		case now.Sub(current.ReceivedAt) >= s.settings.SummaryMaxWait:
			next.Status, next.NextCheckAt = StatusNoSummary, time.Time{}
			next.LastError = "Gong had no AI summary within SUMMARY_MAX_WAIT"
			note.Message = next.LastError
		default:
			next.NextCheckAt = now.Add(RecheckDelay(current.Checks, s.settings.RecheckMin, s.settings.RecheckMax))
			next.Checks++
			note.Message = fmt.Sprintf("no AI summary yet (check %d); next check at %s", next.Checks, next.NextCheckAt.UTC().Format(time.RFC3339))
		}
		return next, nil, true
	})
	if err != nil {
		return fmt.Errorf("call %s: summary check: %w", call.ID, err)
	}
	switch {
	case !changed:
		log.Debug().Str("status", string(written.Status)).Msg("call moved on during the summary check")
	case ready:
		log.Debug().Msg("summary ready; patch queued")
	case written.Status == StatusNoSummary:
		logOutcome(log, written.Status, written.LastError)
	default:
		log.Debug().Time("next_check_at", written.NextCheckAt).Msg("summary not ready yet")
	}
	return nil
}

// postpone moves due calls past a failed poll: by wait, or by each call's
// own backoff when wait is 0. A call past SUMMARY_MAX_WAIT stops waiting.
func (s *Service) postpone(ctx context.Context, due []Call, wait time.Duration, cause error) error {
	for _, call := range due {
		now := s.now()
		note := &Event{Kind: EventError, Actor: ActorSummaryPoll, Message: "summary check failed: " + cause.Error(), Detail: errorDetail(cause)}
		written, _, changed, err := s.transition(ctx, call, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
			if current.Status != StatusSynced {
				return current, nil, false
			}
			next := current
			if now.Sub(current.ReceivedAt) >= s.settings.SummaryMaxWait {
				next.Status, next.NextCheckAt = StatusNoSummary, time.Time{}
				next.LastError = "no AI summary within SUMMARY_MAX_WAIT; last Gong error: " + cause.Error()
				note.Message = next.LastError
				return next, nil, true
			}
			delay := wait
			if delay == 0 {
				delay = RecheckDelay(current.Checks, s.settings.RecheckMin, s.settings.RecheckMax)
				next.Checks++
			}
			next.NextCheckAt = now.Add(delay)
			next.LastError = cause.Error()
			return next, nil, true
		})
		if err != nil {
			return fmt.Errorf("call %s: postponing its summary check: %w", call.ID, err)
		}
		if changed && written.Status == StatusNoSummary {
			logOutcome(s.logger.With().Str("call_id", call.ID).Logger(), written.Status, written.LastError)
		}
	}
	return nil
}

// patchSummaryWorker runs patch_summary: merge the summary into the
// conversation's description without losing what is already there.
type patchSummaryWorker struct {
	river.WorkerDefaults[PatchSummaryArgs]
	service *Service
}

func (w *patchSummaryWorker) Work(ctx context.Context, job *river.Job[PatchSummaryArgs]) error {
	s := w.service
	call, err := s.store.GetCall(ctx, job.Args.CallID)
	if errors.Is(err, ErrNotFound) {
		return river.JobCancel(fmt.Errorf("call %s: no ledger row", job.Args.CallID))
	}
	if err != nil {
		return fmt.Errorf("call %s: reading the ledger: %w", job.Args.CallID, err)
	}
	log := s.logger.With().Str("call_id", call.ID).Str("company_id", call.CompanyID).Str("conversation_id", call.ConversationID).Logger()
	if call.Status != StatusSynced {
		// Resynced, or patched already: whoever moved it owns what comes next.
		log.Debug().Str("status", string(call.Status)).Msg("no summary to patch")
		return nil
	}
	conversationID := call.ConversationID
	var current planhat.Conversation
	if conversationID != "" {
		current, err = s.planhat.GetConversation(ctx, conversationID)
	}
	if conversationID == "" || upstream.IsNotFound(err) {
		return s.conversationGone(ctx, log, call, conversationID)
	}
	if err != nil {
		return s.upstreamFailure(ctx, log, attemptOf(job.JobRow), call, err)
	}
	existing := ""
	if current.Description != nil {
		existing = *current.Description
	}
	merged := MergeDescription(existing, job.Args.SummaryHTML)
	note := &Event{Kind: EventPatch, Actor: ActorPatch, Message: "summary already in conversation " + conversationID + "; nothing to write",
		Detail: detail(map[string]string{"conversationId": conversationID})}
	if merged != existing {
		note.Message = "summary merged into the description of conversation " + conversationID + " (PUT /conversations/" + conversationID + ")"
		note.Detail = detail(map[string]any{"method": "PUT", "path": "/conversations/" + conversationID, "conversationId": conversationID, "descriptionBytes": len(merged)})
		_, err := s.planhat.UpdateConversation(ctx, conversationID, patchOf(merged))
		if upstream.IsNotFound(err) {
			return s.conversationGone(ctx, log, call, conversationID)
		}
		if err != nil {
			return s.upstreamFailure(ctx, log, attemptOf(job.JobRow), call, err)
		}
	}
	written, _, changed, err := s.transition(ctx, call, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Status != StatusSynced || current.ConversationID != conversationID {
			return current, nil, false
		}
		next := current
		next.Status, next.LastError, next.NextCheckAt = StatusComplete, "", time.Time{}
		return next, nil, true
	})
	if err != nil {
		return fmt.Errorf("call %s: recording status %s: %w", call.ID, StatusComplete, err)
	}
	if changed {
		logOutcome(log, written.Status, "")
	} else {
		log.Info().Str("status", string(written.Status)).Msg("call changed while its summary was patched; it runs again from there")
	}
	return nil
}

// conversationGone writes a conversation deleted in Planhat anew, once: the
// call goes back to queued with a sync in the same transaction, unless it
// moved on meanwhile (a sync already running writes it then).
func (s *Service) conversationGone(ctx context.Context, log zerolog.Logger, call Call, goneID string) error {
	note := &Event{Kind: EventError, Actor: ActorPatch, Message: "conversation " + goneID + " was deleted in Planhat; syncing the call again"}
	_, _, changed, err := s.transition(ctx, call, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Status != StatusSynced || current.ConversationID != goneID {
			return current, nil, false
		}
		next := current
		next.Status, next.ConversationID, next.NextCheckAt = StatusQueued, "", time.Time{}
		next.Checks = 0
		next.LastError = "conversation " + goneID + " was deleted in Planhat; writing it again"
		return next, []river.JobArgs{SyncCallArgs{CallID: current.ID}}, true
	})
	if err != nil {
		return fmt.Errorf("call %s: re-queueing after its conversation was deleted: %w", call.ID, err)
	}
	if changed {
		log.Warn().Msg("conversation gone from Planhat; syncing the call again")
	}
	return nil
}

// patchOf is an update that carries only the description.
func patchOf(description string) planhat.Conversation {
	return planhat.Conversation{Description: &description}
}
