package callsync

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// SweepEvery is how often the leader looks for calls left without work.
const SweepEvery = time.Minute

// sweepGrace keeps the sweeper off calls that changed recently: every
// change queues its work in the same transaction, so only a job that ended
// without a transition (discarded, or killed and given up) strands a call.
const sweepGrace = time.Minute

// sweepBatch bounds one sweep; the next takes the rest.
const sweepBatch = 500

// sweepWorker runs sweep (leader only, periodic): a call in a non-final
// status with no live job is scheduled again, loudly.
type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	service *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	_, err := w.service.Sweep(ctx)
	return err
}

// Sweep schedules again each call that sits in a non-final status with no
// work: a queued or retrying unmatched call gets a sync_call job, a synced
// call waiting for a patch that never came gets a summary check now. It
// returns how many calls it rescued.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	if pruned, err := s.store.PruneEvents(ctx, s.now().Add(-EventRetention)); err != nil {
		s.logger.Warn().Err(err).Msg("could not prune old call events; the next sweep tries again")
	} else if pruned > 0 {
		s.logger.Info().Int("events", pruned).Msg("pruned call events older than 90 days")
	}
	stranded, err := s.store.Stranded(ctx, s.now().Add(-sweepGrace), sweepBatch)
	if err != nil {
		return 0, err
	}
	rescued := 0
	for _, call := range stranded {
		ok, err := s.rescue(ctx, call)
		if err != nil {
			return rescued, err
		}
		if ok {
			rescued++
		}
	}
	return rescued, nil
}

func (s *Service) rescue(ctx context.Context, call Call) (bool, error) {
	status := call.Status
	note := &Event{Kind: EventSweep, Actor: ActorSweeper, Message: "no work was scheduled for the call (a job was discarded or lost); scheduled again"}
	_, _, changed, err := s.transition(ctx, call, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Version != call.Version {
			return current, nil, false // it moved: someone has it in hand
		}
		next := current
		switch current.Status {
		case StatusQueued, StatusUnmatched:
			return next, []river.JobArgs{SyncCallArgs{CallID: current.ID}}, true
		case StatusSynced:
			next.NextCheckAt = s.now()
			return next, nil, true
		}
		return current, nil, false
	})
	if err != nil {
		return false, fmt.Errorf("call %s: rescuing: %w", call.ID, err)
	}
	if changed {
		s.metrics.stranded.WithLabelValues(string(status)).Inc()
		s.logger.Error().Str("call_id", call.ID).Str("status", string(status)).Str("last_error", call.LastError).
			Msg("call had no work scheduled (a job was discarded or lost); scheduled again")
	}
	return changed, nil
}

// JobFailures is River's error handler: a job on its last attempt, or one
// that panics, ends as a visible outcome (failed with the reason), logged at
// error level and counted, never as a call silently left behind.
type JobFailures struct{ service *Service }

// ErrorHandler returns the handler to give River's Config.ErrorHandler.
func (s *Service) ErrorHandler() river.ErrorHandler { return JobFailures{service: s} }

// HandleError implements river.ErrorHandler.
func (h JobFailures) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	if job.Attempt < job.MaxAttempts {
		return nil // retried with backoff; the worker logged it
	}
	h.discarded(ctx, job, "gave up after "+fmt.Sprint(job.Attempt)+" attempts: "+err.Error())
	return nil
}

// HandlePanic implements river.ErrorHandler.
func (h JobFailures) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	s := h.service
	reason := fmt.Sprintf("job %s panicked: %v", job.Kind, panicVal)
	if job.Attempt < job.MaxAttempts {
		s.logger.Error().Str("kind", job.Kind).Int64("job_id", job.ID).Int("attempt", job.Attempt).
			Str("panic", fmt.Sprint(panicVal)).Str("trace", trace).Msg("job panicked; retrying")
		return nil
	}
	h.discarded(ctx, job, reason+" on its last attempt")
	return nil
}

// discarded records that River is giving up on job: its call, if it has one
// and is not final, becomes failed with the reason.
func (h JobFailures) discarded(ctx context.Context, job *rivertype.JobRow, reason string) {
	s := h.service
	s.metrics.discarded.WithLabelValues(job.Kind).Inc()
	log := s.logger.With().Str("kind", job.Kind).Int64("job_id", job.ID).Logger()
	callID := callIDOf(job)
	if callID == "" {
		log.Error().Str("reason", reason).Msg("job discarded")
		return
	}
	log = log.With().Str("call_id", callID).Logger()
	call, err := s.store.GetCall(ctx, callID)
	if err != nil {
		log.Error().Err(err).Str("reason", reason).Msg("job discarded; its call could not be read (the sweeper will look again)")
		return
	}
	note := &Event{Kind: EventError, Actor: ActorQueue, Message: reason, Detail: detail(map[string]any{"job": job.Kind, "jobId": job.ID, "attempt": job.Attempt})}
	_, _, changed, err := s.transition(ctx, call, byWorker, note, func(current Call) (Call, []river.JobArgs, bool) {
		if current.Status.Final() {
			return current, nil, false
		}
		next := current
		next.Status, next.LastError, next.NextCheckAt = StatusFailed, reason, time.Time{}
		return next, nil, true
	})
	if err != nil {
		log.Error().Err(err).Str("reason", reason).Msg("job discarded; its call's status could not be recorded (the sweeper will look again)")
		return
	}
	if changed {
		logOutcome(log, StatusFailed, reason)
		return
	}
	log.Error().Str("reason", reason).Msg("job discarded; its call had already reached a final status")
}

// callIDOf reads the call id of a sync_call or patch_summary job; "" for
// other kinds.
func callIDOf(job *rivertype.JobRow) string {
	var args struct {
		CallID string `json:"call_id"`
	}
	if json.Unmarshal(job.EncodedArgs, &args) != nil {
		return ""
	}
	return args.CallID
}
