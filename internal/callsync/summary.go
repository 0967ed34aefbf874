package callsync

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

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
		case upstream.KindRateLimited:
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

// checkSummary decides one due call: patch now, look again later, or give up.
func (s *Service) checkSummary(ctx context.Context, call Call, content *gong.CallContent) error {
	log := s.logger.With().Str("call_id", call.ID).Str("company_id", call.CompanyID).Logger()
	if summaryHTML, ok := RenderSummary(content); ok {
		// The patch job owns the call now; the poller looks again only if it never lands.
		call.NextCheckAt = s.now().Add(s.settings.RecheckMax)
		if err := s.store.SaveCall(ctx, call); err != nil {
			return fmt.Errorf("call %s: %w", call.ID, err)
		}
		if err := s.store.Enqueue(ctx, PatchSummaryArgs{CallID: call.ID, SummaryHTML: summaryHTML}); err != nil {
			return fmt.Errorf("call %s: queueing its summary patch: %w", call.ID, err)
		}
		return nil
	}
	if s.now().Sub(call.ReceivedAt) >= s.settings.SummaryMaxWait {
		return s.finish(ctx, log, call, StatusNoSummary, "Gong had no AI summary within SUMMARY_MAX_WAIT", nil)
	}
	call.NextCheckAt = s.now().Add(RecheckDelay(call.Checks, s.settings.RecheckMin, s.settings.RecheckMax))
	call.Checks++
	if err := s.store.SaveCall(ctx, call); err != nil {
		return fmt.Errorf("call %s: %w", call.ID, err)
	}
	log.Debug().Time("next_check_at", call.NextCheckAt).Msg("summary not ready yet")
	return nil
}

// postpone moves due calls past a failed poll: by wait, or by each call's
// own backoff when wait is 0. A call past SUMMARY_MAX_WAIT stops waiting.
func (s *Service) postpone(ctx context.Context, due []Call, wait time.Duration, cause error) error {
	for _, call := range due {
		if s.now().Sub(call.ReceivedAt) >= s.settings.SummaryMaxWait {
			reason := "no AI summary within SUMMARY_MAX_WAIT; last Gong error: " + cause.Error()
			if err := s.finish(ctx, s.logger.With().Str("call_id", call.ID).Logger(), call, StatusNoSummary, reason, nil); err != nil {
				return err
			}
			continue
		}
		delay := wait
		if delay == 0 {
			delay = RecheckDelay(call.Checks, s.settings.RecheckMin, s.settings.RecheckMax)
			call.Checks++
		}
		call.NextCheckAt = s.now().Add(delay)
		call.LastError = cause.Error()
		if err := s.store.SaveCall(ctx, call); err != nil {
			return fmt.Errorf("call %s: %w", call.ID, err)
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
	if err != nil {
		return fmt.Errorf("call %s: reading the ledger: %w", job.Args.CallID, err)
	}
	log := s.logger.With().Str("call_id", call.ID).Str("company_id", call.CompanyID).Str("conversation_id", call.ConversationID).Logger()
	if call.ConversationID == "" {
		return river.JobCancel(fmt.Errorf("call %s: no conversation to patch", call.ID))
	}
	current, err := s.planhat.GetConversation(ctx, call.ConversationID)
	if upstream.IsNotFound(err) {
		// Deleted in Planhat since the sync: sync the call anew, summary included.
		log.Warn().Msg("conversation gone from Planhat; syncing the call again")
		call.ConversationID = ""
		s.saveQuietly(ctx, log, call)
		return s.store.EnqueueSync(ctx, call.ID)
	}
	if err != nil {
		return s.upstreamFailure(ctx, log, job.Attempt, job.MaxAttempts, call, err)
	}
	existing := ""
	if current.Description != nil {
		existing = *current.Description
	}
	merged := MergeDescription(existing, job.Args.SummaryHTML)
	if merged != existing {
		patch := patchOf(merged)
		if _, err := s.planhat.UpdateConversation(ctx, call.ConversationID, patch); err != nil {
			return s.upstreamFailure(ctx, log, job.Attempt, job.MaxAttempts, call, err)
		}
	}
	return s.finish(ctx, log, call, StatusComplete, "", nil)
}

// patchOf is an update that carries only the description.
func patchOf(description string) planhat.Conversation {
	return planhat.Conversation{Description: &description}
}
