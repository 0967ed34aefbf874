package callsync

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The workers, run by hand so that tests choose the interleaving.

func (s *Service) RunSyncCall(ctx context.Context, callID string) error {
	job := &river.Job[SyncCallArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: MaxAttempts}, Args: SyncCallArgs{CallID: callID}}
	return (&syncCallWorker{service: s}).Work(ctx, job)
}

func (s *Service) RunSummaryPoll(ctx context.Context) error {
	return (&summaryPollWorker{service: s}).Work(ctx, &river.Job[SummaryPollArgs]{JobRow: &rivertype.JobRow{ID: 2, Attempt: 1, MaxAttempts: MaxAttempts}})
}

func (s *Service) RunPatchSummary(ctx context.Context, args PatchSummaryArgs) error {
	job := &river.Job[PatchSummaryArgs]{JobRow: &rivertype.JobRow{ID: 3, Attempt: 1, MaxAttempts: MaxAttempts}, Args: args}
	return (&patchSummaryWorker{service: s}).Work(ctx, job)
}

func CheckTransition(from, to Status, resync bool) error {
	by := byWorker
	if resync {
		by = byResync
	}
	return checkTransition(from, to, by)
}
