package callsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
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
	if wait := s.waitForJob(ctx, job); wait != nil {
		return wait
	}
	read, err := s.store.GetCall(ctx, job.Args.CallID)
	if errors.Is(err, ErrNotFound) {
		return river.JobCancel(fmt.Errorf("call %s: no ledger row", job.Args.CallID))
	}
	if err != nil {
		return fmt.Errorf("call %s: reading the ledger: %w", job.Args.CallID, err)
	}
	log := s.logger.With().Str("call_id", read.ID).Logger()
	if !needsSync(read) {
		log.Debug().Str("status", string(read.Status)).Msg("nothing to sync")
		return nil
	}
	attempt := attemptOf(job.JobRow)
	payload, err := gong.ParseWebhook(read.Payload)
	if err != nil {
		return s.conclude(ctx, log, attempt.actor, read, StatusFailed, "stored payload unreadable: "+err.Error(), river.JobCancel(err))
	}
	data := payload.CallData
	// Written with the next transition, for the console's list and search.
	read.Title = TitleOf(data)
	if skip, reason := s.skipped(data); skip {
		return s.conclude(ctx, log, attempt.actor, read, StatusSkipped, reason, nil)
	}

	resolution, err := s.resolveCall(ctx, data, read)
	if err != nil {
		return s.upstreamFailure(ctx, log, attempt, read, err)
	}
	if !resolution.Matched() {
		return s.unmatched(ctx, log, read, resolution)
	}
	log = log.With().Str("company_id", resolution.CompanyID).Str("matched_by", resolution.MatchedBy).Logger()
	conversation, err := s.buildConversation(ctx, data, resolution.CompanyID)
	if err != nil {
		return s.upstreamFailure(ctx, log, attempt, read, err)
	}

	// The attempt is on record before Planhat is written to.
	matchNote := &Event{Kind: EventMatch, Message: matchMessage(resolution), Detail: matchDetail(resolution)}
	call, _, changed, err := s.transition(ctx, read, byWorker, matchNote, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Version != read.Version {
			return current, nil, false
		}
		next := current
		next.Attempts++
		next.CompanyID, next.MatchedBy, next.CompanyName = resolution.CompanyID, resolution.MatchedBy, resolution.CompanyName
		return next, nil, true
	})
	if err != nil {
		return fmt.Errorf("call %s: recording the attempt: %w", read.ID, err)
	}
	if !changed {
		return rerunIfNeeded(call)
	}
	conversationID, write, err := s.upsertConversation(ctx, call, conversation)
	if err != nil {
		return s.upstreamFailure(ctx, log, attempt, call, err)
	}
	log = log.With().Str("conversation_id", conversationID).Logger()
	writeNote := &Event{Kind: EventWrite, Message: write.message(conversationID, resolution), Detail: detail(write)}
	written, _, changed, err := s.transition(ctx, call, byWorker, writeNote, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Version != call.Version {
			// Resynced while Planhat was written: keep the conversation's id,
			// so the run from fresh state updates it instead of creating one.
			if current.ConversationID == "" && needsSync(current) {
				next := current
				next.ConversationID = conversationID
				return next, nil, true
			}
			return current, nil, false
		}
		next := current
		next.Status, next.ConversationID, next.LastError = StatusSynced, conversationID, ""
		next.Checks, next.NextCheckAt = 0, s.now()
		return next, nil, true
	})
	if err != nil {
		return fmt.Errorf("call %s: recording status %s: %w", call.ID, StatusSynced, err)
	}
	if !changed || written.Status != StatusSynced {
		return rerunIfNeeded(written)
	}
	log.Info().Str("status", string(StatusSynced)).Msg("call synced")
	if err := s.store.EnqueueSummaryPoll(ctx, s.now().Add(summaryCoalesce)); err != nil {
		log.Warn().Err(err).Msg("could not schedule the first summary check; the periodic poll will")
	}
	return nil
}

// waitForJob holds a resync's re-run until the job it follows has ended,
// checking every afterJobPoll, for at most JOB_TIMEOUT (by then that job was
// cancelled, and its outcome recorded).
func (s *Service) waitForJob(ctx context.Context, job *river.Job[SyncCallArgs]) error {
	if job.Args.AfterJob == 0 || time.Since(job.CreatedAt) > max(s.settings.JobTimeout, time.Second) {
		return nil
	}
	running, err := s.store.JobRunning(ctx, job.Args.AfterJob)
	if err != nil || !running {
		return nil // an unreadable job is taken as ended: the call's own state decides
	}
	return river.JobSnooze(afterJobPoll)
}

// needsSync reports whether a sync_call job has work to do on the call: it
// is queued, or unmatched and still being retried.
func needsSync(call Call) bool {
	return call.Status == StatusQueued || (call.Status == StatusUnmatched && !call.NextCheckAt.IsZero())
}

// rerunIfNeeded ends a job whose call changed under it: when the call still
// needs a sync, the job runs again at once from fresh state (a snooze spends
// no attempt).
func rerunIfNeeded(fresh Call) error {
	if needsSync(fresh) {
		return river.JobSnooze(0)
	}
	return nil
}

// attempt is where a job stands in its retries, and which worker runs it.
type attempt struct {
	number, max int
	actor       string
}

func attemptOf(job *rivertype.JobRow) attempt {
	return attempt{number: job.Attempt, max: job.MaxAttempts, actor: "worker " + job.Kind}
}

func (a attempt) last() bool { return a.number >= a.max-1 }

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

// planhatWrite is what upsertConversation wrote, for the call's timeline.
type planhatWrite struct {
	Method         string `json:"method"`
	Path           string `json:"path"`
	ConversationID string `json:"conversationId"`
	CompanyID      string `json:"companyId"`
	Note           string `json:"note,omitempty"`
}

func (w planhatWrite) message(conversationID string, r Resolution) string {
	verb := "updated"
	if w.Method == "POST" {
		verb = "created"
	}
	company := r.CompanyName
	if company == "" {
		company = r.CompanyID
	}
	return fmt.Sprintf("%s conversation %s in Planhat for %s (%s %s)", verb, conversationID, company, w.Method, w.Path)
}

// upsertConversation writes the conversation exactly once: by the id the
// ledger knows, else by the call id as externalId (an earlier attempt, or a
// lost ledger, may have created it), else by creating it (DESIGN §6).
func (s *Service) upsertConversation(ctx context.Context, call Call, conversation planhat.Conversation) (string, planhatWrite, error) {
	id := call.ConversationID
	if id == "" {
		existing, err := s.planhat.GetConversationByExternalID(ctx, call.ID)
		switch {
		case err == nil:
			id = existing.ID
		case !upstream.IsNotFound(err):
			return "", planhatWrite{}, fmt.Errorf("call %s: looking for its conversation: %w", call.ID, err)
		}
	}
	if id != "" {
		updated, err := s.planhat.UpdateConversation(ctx, id, conversation)
		if upstream.IsNotFound(err) {
			// Deleted in Planhat since: write it anew rather than fail.
			created, write, err := s.createConversation(ctx, call, conversation)
			write.Note = "conversation " + id + " was gone from Planhat"
			return created, write, err
		}
		if err != nil {
			return "", planhatWrite{}, fmt.Errorf("call %s: updating conversation %s: %w", call.ID, id, err)
		}
		if updated.ID != "" {
			id = updated.ID
		}
		return id, planhatWrite{Method: "PUT", Path: "/conversations/" + id, ConversationID: id, CompanyID: conversation.CompanyID}, nil
	}
	return s.createConversation(ctx, call, conversation)
}

func (s *Service) createConversation(ctx context.Context, call Call, conversation planhat.Conversation) (string, planhatWrite, error) {
	write := planhatWrite{Method: "POST", Path: "/conversations", CompanyID: conversation.CompanyID}
	created, err := s.planhat.CreateConversation(ctx, conversation)
	if err != nil {
		return "", planhatWrite{}, fmt.Errorf("call %s: creating its conversation: %w", call.ID, err)
	}
	if created.ID != "" {
		write.ConversationID = created.ID
		return created.ID, write, nil
	}
	// An answer without the id: find what was just created.
	found, err := s.planhat.GetConversationByExternalID(ctx, call.ID)
	if err != nil {
		return "", planhatWrite{}, fmt.Errorf("call %s: finding the conversation just created: %w", call.ID, err)
	}
	write.ConversationID = found.ID
	return found.ID, write, nil
}

// unmatched keeps the call and re-resolves it with backoff until
// UNMATCHED_RETRY_FOR has passed; then it waits for a resync.
func (s *Service) unmatched(ctx context.Context, log zerolog.Logger, read Call, resolution Resolution) error {
	reason := resolution.Reason
	now := s.now()
	retrying := now.Sub(read.ReceivedAt) < s.settings.UnmatchedRetryFor
	delay := RecheckDelay(read.Checks, s.settings.RecheckMin, s.settings.RecheckMax)
	note := &Event{Kind: EventMatch, Message: "unmatched: " + reason, Detail: matchDetail(resolution)}
	if retrying {
		note.Message += fmt.Sprintf("; resolving again in %s", delay)
	} else {
		note.Message += "; no more retries until a resync"
	}
	written, _, changed, err := s.transition(ctx, read, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Version != read.Version {
			return current, nil, false
		}
		next := current
		next.Status = StatusUnmatched
		next.CompanyID, next.MatchedBy, next.CompanyName = "", "", "" // a resync may have lost the match
		next.LastError, next.NextCheckAt = reason, time.Time{}
		if retrying {
			next.Checks++
			next.NextCheckAt = now.Add(delay)
		} else {
			next.LastError = reason + "; no more retries until a resync"
		}
		return next, nil, true
	})
	if err != nil {
		return fmt.Errorf("call %s: recording status %s: %w", read.ID, StatusUnmatched, err)
	}
	if !changed {
		return rerunIfNeeded(written)
	}
	log.Info().Str("status", string(StatusUnmatched)).Str("reason", written.LastError).Msg("call unmatched")
	if retrying {
		return river.JobSnooze(delay)
	}
	return nil
}

// upstreamFailure turns a failed Gong or Planhat request into the job's next
// step, as DESIGN §6 classifies it.
func (s *Service) upstreamFailure(ctx context.Context, log zerolog.Logger, at attempt, call Call, err error) error {
	switch upstream.KindOf(err) {
	case upstream.KindRateLimited, upstream.KindUnavailable:
		// Waiting spends no attempt; the caller already waited what it could.
		return s.noteError(ctx, at.actor, call, err, river.JobSnooze(upstream.RetryAfterOf(err)))
	case upstream.KindAuth:
		log.Error().Err(err).Msg("a credential was refused; the call waits and retries slowly")
		return s.noteError(ctx, at.actor, call, err, river.JobSnooze(s.settings.RecheckMin))
	case upstream.KindPermanent:
		return s.conclude(ctx, log, at.actor, call, StatusFailed, err.Error(), river.JobCancel(err))
	}
	if at.last() {
		if s.now().Sub(call.ReceivedAt) < transientRetryFor {
			// Snoozing spends no attempt: an outage is outlasted by time, not count.
			return s.noteError(ctx, at.actor, call, err, river.JobSnooze(s.settings.RecheckMax))
		}
		return s.conclude(ctx, log, at.actor, call, StatusFailed, err.Error(), river.JobCancel(err))
	}
	log.Warn().Err(err).Int("attempt", at.number).Msg("sync failed; retrying with backoff")
	return s.noteError(ctx, at.actor, call, err, err)
}

// errorDetail keeps an upstream failure's parts (its answer is already
// redacted and truncated by the upstream package) for the timeline.
func errorDetail(err error) json.RawMessage {
	var upstreamErr *upstream.Error
	if !errors.As(err, &upstreamErr) {
		return detail(map[string]string{"error": err.Error()})
	}
	return detail(map[string]any{
		"api": upstreamErr.API, "method": upstreamErr.Method, "path": upstreamErr.Path,
		"status": upstreamErr.StatusCode, "kind": upstreamErr.Kind.String(), "answer": upstreamErr.Body,
		"retryAfter": upstreamErr.RetryAfter.String(),
	})
}

// noteError records the last error on the call, unless it changed since the
// job read it (then the job runs again from fresh state), and returns next.
func (s *Service) noteError(ctx context.Context, actor string, call Call, cause, next error) error {
	note := &Event{Kind: EventError, Actor: actor, Message: cause.Error(), Detail: errorDetail(cause)}
	written, _, changed, err := s.transition(ctx, call, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Version != call.Version {
			return current, nil, false
		}
		updated := current
		updated.LastError = cause.Error()
		return updated, nil, true
	})
	if err != nil {
		s.logger.Warn().Err(err).Str("call_id", call.ID).Msg("could not record the last error")
		return next
	}
	if !changed {
		return rerunIfNeeded(written)
	}
	return next
}

// conclude records a sync's outcome when the call is still as the job read
// it, logs it, and returns next; a call changed meanwhile runs again instead.
func (s *Service) conclude(ctx context.Context, log zerolog.Logger, actor string, call Call, status Status, reason string, next error) error {
	note := &Event{Kind: EventStatus, Actor: actor, Message: string(status) + ": " + reason}
	if status == StatusFailed {
		note.Kind = EventError
		if cause := errors.Unwrap(next); cause != nil {
			note.Detail = errorDetail(cause)
		}
	}
	written, _, changed, err := s.transition(ctx, call, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Version != call.Version {
			return current, nil, false
		}
		updated := current
		updated.Status, updated.LastError, updated.NextCheckAt = status, reason, time.Time{}
		return updated, nil, true
	})
	if err != nil {
		return fmt.Errorf("call %s: recording status %s: %w", call.ID, status, err)
	}
	if !changed {
		return rerunIfNeeded(written)
	}
	logOutcome(log, status, reason)
	return next
}

func logOutcome(log zerolog.Logger, status Status, reason string) {
	event := log.Info()
	if status == StatusFailed {
		event = log.Error()
	}
	event.Str("status", string(status)).Str("reason", reason).Msg("call " + string(status))
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
