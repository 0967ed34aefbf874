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

// syncCallWorker runs sync_call: resolve the company, map the people, upsert
// the conversation exactly once, and hand the call to the summary poller.
type syncCallWorker struct {
	river.WorkerDefaults[SyncCallArgs]
	service *Service
}

func (w *syncCallWorker) Work(ctx context.Context, job *river.Job[SyncCallArgs]) error {
	s := w.service
	call, err := s.store.GetCall(ctx, job.Args.CallID)
	if errors.Is(err, ErrNotFound) {
		return river.JobCancel(fmt.Errorf("call %s: no ledger row", job.Args.CallID))
	}
	if err != nil {
		return fmt.Errorf("call %s: reading the ledger: %w", job.Args.CallID, err)
	}
	log := s.logger.With().Str("call_id", call.ID).Logger()
	payload, err := gong.ParseWebhook(call.Payload)
	if err != nil {
		return s.finish(ctx, log, call, StatusFailed, "stored payload unreadable: "+err.Error(), river.JobCancel(err))
	}
	data := payload.CallData
	if data.MetaData.IsPrivate && !s.settings.SyncPrivateCalls {
		return s.finish(ctx, log, call, StatusSkipped, "private call (SYNC_PRIVATE_CALLS is false)", nil)
	}

	resolution, err := s.directory.resolve(ctx, data, s.settings.Resolve, call.Status == StatusUnmatched)
	if err != nil {
		return s.upstreamFailure(ctx, log, job.JobRow.Attempt, job.JobRow.MaxAttempts, call, err)
	}
	if resolution.CompanyID == "" {
		return s.unmatched(ctx, log, call, resolution.Reason)
	}
	call.CompanyID, call.MatchedBy = resolution.CompanyID, resolution.MatchedBy
	log = log.With().Str("company_id", call.CompanyID).Str("matched_by", call.MatchedBy).Logger()

	conversation, err := s.buildConversation(ctx, data, call.CompanyID)
	if err != nil {
		return s.upstreamFailure(ctx, log, job.JobRow.Attempt, job.JobRow.MaxAttempts, call, err)
	}
	call.Attempts++
	if err := s.store.SaveCall(ctx, call); err != nil {
		return fmt.Errorf("call %s: recording the attempt: %w", call.ID, err)
	}
	conversationID, err := s.upsertConversation(ctx, call, conversation)
	if err != nil {
		return s.upstreamFailure(ctx, log, job.JobRow.Attempt, job.JobRow.MaxAttempts, call, err)
	}
	call.ConversationID = conversationID
	call.Checks = 0
	call.NextCheckAt = s.now()
	log = log.With().Str("conversation_id", conversationID).Logger()
	if err := s.finish(ctx, log, call, StatusSynced, "", nil); err != nil {
		return err
	}
	if err := s.store.EnqueueSummaryPoll(ctx, s.now().Add(summaryCoalesce)); err != nil {
		log.Warn().Err(err).Msg("could not schedule the first summary check; the periodic poll will")
	}
	return nil
}

func (s *Service) buildConversation(ctx context.Context, data gong.CallData, companyID string) (planhat.Conversation, error) {
	users, err := s.directory.planhatUsers(ctx)
	if err != nil {
		return planhat.Conversation{}, err
	}
	endusers, err := s.directory.companyEndusers(ctx, companyID)
	if err != nil {
		return planhat.Conversation{}, err
	}
	return BuildConversation(data, companyID, users, endusers, s.settings.Conversation), nil
}

// upsertConversation writes the conversation exactly once: by the id the
// ledger knows, else by the call id as externalId (an earlier attempt, or a
// lost ledger, may have created it), else by creating it (DESIGN §6).
func (s *Service) upsertConversation(ctx context.Context, call Call, conversation planhat.Conversation) (string, error) {
	id := call.ConversationID
	if id == "" {
		existing, err := s.planhat.GetConversationByExternalID(ctx, call.ID)
		switch {
		case err == nil:
			id = existing.ID
		case !upstream.IsNotFound(err):
			return "", fmt.Errorf("call %s: looking for its conversation: %w", call.ID, err)
		}
	}
	if id != "" {
		updated, err := s.planhat.UpdateConversation(ctx, id, conversation)
		if upstream.IsNotFound(err) {
			// Deleted in Planhat since: write it anew rather than fail.
			return s.createConversation(ctx, call, conversation)
		}
		if err != nil {
			return "", fmt.Errorf("call %s: updating conversation %s: %w", call.ID, id, err)
		}
		if updated.ID != "" {
			id = updated.ID
		}
		return id, nil
	}
	return s.createConversation(ctx, call, conversation)
}

func (s *Service) createConversation(ctx context.Context, call Call, conversation planhat.Conversation) (string, error) {
	created, err := s.planhat.CreateConversation(ctx, conversation)
	if err != nil {
		return "", fmt.Errorf("call %s: creating its conversation: %w", call.ID, err)
	}
	if created.ID != "" {
		return created.ID, nil
	}
	// An answer without the id: find what was just created.
	found, err := s.planhat.GetConversationByExternalID(ctx, call.ID)
	if err != nil {
		return "", fmt.Errorf("call %s: finding the conversation just created: %w", call.ID, err)
	}
	return found.ID, nil
}

// unmatched keeps the call and re-resolves it with backoff until
// UNMATCHED_RETRY_FOR has passed; then it waits for a resync.
func (s *Service) unmatched(ctx context.Context, log zerolog.Logger, call Call, reason string) error {
	call.CompanyID, call.MatchedBy = "", "" // a resync may have lost the match
	now := s.now()
	if now.Sub(call.ReceivedAt) >= s.settings.UnmatchedRetryFor {
		call.NextCheckAt = time.Time{}
		return s.finish(ctx, log, call, StatusUnmatched, reason+"; no more retries until a resync", nil)
	}
	delay := RecheckDelay(call.Checks, s.settings.RecheckMin, s.settings.RecheckMax)
	call.Checks++
	call.NextCheckAt = now.Add(delay)
	if err := s.finish(ctx, log, call, StatusUnmatched, reason, nil); err != nil {
		return err
	}
	return river.JobSnooze(delay)
}

// upstreamFailure turns a failed Gong or Planhat request into the job's next
// step, as DESIGN §6 classifies it.
func (s *Service) upstreamFailure(ctx context.Context, log zerolog.Logger, attempt, maxAttempts int, call Call, err error) error {
	call.LastError = err.Error()
	switch upstream.KindOf(err) {
	case upstream.KindRateLimited:
		s.saveQuietly(ctx, log, call)
		return river.JobSnooze(upstream.RetryAfterOf(err))
	case upstream.KindAuth:
		log.Error().Err(err).Msg("a credential was refused; the call waits and retries slowly")
		s.saveQuietly(ctx, log, call)
		return river.JobSnooze(s.settings.RecheckMin)
	case upstream.KindPermanent:
		return s.finish(ctx, log, call, StatusFailed, call.LastError, river.JobCancel(err))
	}
	if attempt >= maxAttempts-1 {
		if s.now().Sub(call.ReceivedAt) < transientRetryFor {
			// Snoozing spends no attempt: an outage is outlasted by time, not count.
			s.saveQuietly(ctx, log, call)
			return river.JobSnooze(s.settings.RecheckMax)
		}
		return s.finish(ctx, log, call, StatusFailed, call.LastError, river.JobCancel(err))
	}
	log.Warn().Err(err).Int("attempt", attempt).Msg("sync failed; retrying with backoff")
	s.saveQuietly(ctx, log, call)
	return err
}

func (s *Service) saveQuietly(ctx context.Context, log zerolog.Logger, call Call) {
	ctx, cancel := ledgerContext(ctx)
	defer cancel()
	if err := s.store.SaveCall(ctx, call); err != nil {
		log.Warn().Err(err).Msg("could not record the last error")
	}
}

// finish records a status and logs it; next is what the job returns.
func (s *Service) finish(ctx context.Context, log zerolog.Logger, call Call, status Status, lastError string, next error) error {
	changed := call.Status != status
	call.Status, call.LastError = status, lastError
	if status != StatusSynced && status != StatusUnmatched {
		call.NextCheckAt = time.Time{}
	}
	ctx, cancel := ledgerContext(ctx)
	defer cancel()
	if err := s.store.SaveCall(ctx, call); err != nil {
		return fmt.Errorf("call %s: recording status %s: %w", call.ID, status, err)
	}
	if changed {
		s.metrics.Reached(status)
	}
	event := log.Info()
	if status == StatusFailed {
		event = log.Error()
	}
	event.Str("status", string(status)).Str("reason", lastError).Msg("call " + string(status))
	return next
}

// transientRetryFor is how long network errors, timeouts and 5xx are retried
// for a call, counted from its arrival: three times the day-long outage the
// contract asks to survive.
const transientRetryFor = 72 * time.Hour

// ledgerContext lets a status be recorded even when the job's own context
// has just run out (JOB_TIMEOUT), so a call is never left without its outcome.
func ledgerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}
