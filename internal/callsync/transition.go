package callsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
)

// decideFunc sees a call's row as it is now and returns what it should
// become, with the jobs to queue in the same transaction; ok=false means
// there is nothing to write.
type decideFunc func(current Call) (next Call, jobs []river.JobArgs, ok bool)

// cause says who asks for a transition: only a person's resync or
// assignment may reopen a final call.
type cause int

const (
	byWorker cause = iota
	byResync
	byAssign
)

// maxTransitionTries bounds re-reads under contention; each try follows a
// change someone else committed, so running out means a runaway writer.
const maxTransitionTries = 16

// ErrFinal is a worker's attempt to move a call out of a final status.
var ErrFinal = errors.New("a final status changes only through a resync or an assignment")

// transition writes decide's change to the call, and note as its event in
// the same transaction. A writer whose copy is stale re-reads and decides
// again; it never overwrites. decide may fill in note (it sees the fresh
// row); transition adds the call, the time, the statuses and, when empty,
// the actor and kind. changed reports whether anything was written; the row
// returned is the freshest known.
func (s *Service) transition(ctx context.Context, call Call, by cause, note *Event, decide decideFunc) (written Call, inserted []JobInsert, changed bool, err error) {
	ctx, cancel := ledgerContext(ctx)
	defer cancel()
	if note == nil {
		note = &Event{}
	}
	for range maxTransitionTries {
		next, jobs, ok := decide(call)
		if !ok {
			return call, nil, false, nil
		}
		if err := checkTransition(call.Status, next.Status, by); err != nil {
			return call, nil, false, fmt.Errorf("call %s: %s → %s: %w", call.ID, call.Status, next.Status, err)
		}
		event := *note
		event.CallID, event.At, event.FromStatus, event.ToStatus = call.ID, s.now(), call.Status, next.Status
		if event.Kind == "" {
			event.Kind = EventStatus
		}
		if event.Actor == "" {
			event.Actor = ActorSyncCall
		}
		written, inserted, err := s.store.RecordTransition(ctx, call, next, event, jobs...)
		if errors.Is(err, ErrStale) {
			fresh, err := s.store.GetCall(ctx, call.ID)
			if err != nil {
				return call, nil, false, err
			}
			call = fresh
			continue
		}
		if err != nil {
			return call, nil, false, err
		}
		if written.Status != call.Status {
			s.metrics.Reached(written.Status)
		}
		return written, inserted, true, nil
	}
	return call, nil, false, fmt.Errorf("call %s: the row kept changing; gave up after %d tries", call.ID, maxTransitionTries)
}

// workerMoves are the transitions the workers may make (DESIGN §6).
var workerMoves = map[Status][]Status{
	StatusQueued:    {StatusQueued, StatusSynced, StatusUnmatched, StatusSkipped, StatusFailed},
	StatusUnmatched: {StatusUnmatched, StatusSynced, StatusSkipped, StatusFailed},
	// queued again: the conversation was deleted in Planhat and is written anew.
	StatusSynced: {StatusSynced, StatusComplete, StatusNoSummary, StatusFailed, StatusQueued},
}

func checkTransition(from, to Status, by cause) error {
	if by == byResync || by == byAssign {
		if to != StatusQueued {
			return fmt.Errorf("a resync or an assignment moves a call to %s only", StatusQueued)
		}
		return nil
	}
	if from.Final() {
		return ErrFinal
	}
	for _, allowed := range workerMoves[from] {
		if to == allowed {
			return nil
		}
	}
	return fmt.Errorf("not a transition the workers make")
}
