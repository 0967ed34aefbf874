package callsync

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// SyncCallArgs is the sync_call job: resolve, map and upsert one call.
type SyncCallArgs struct {
	CallID string `json:"call_id" river:"unique"`
	// AfterJob, when set, makes this the re-run of a resync that came while
	// job AfterJob was running: a job of its own, so River's uniqueness does
	// not swallow it. It waits for that job to end (at most JOB_TIMEOUT).
	AfterJob  int64     `json:"after_job,omitempty" river:"unique"`
	NotBefore time.Time `json:"-"`
}

// Kind names the job in the queue.
func (SyncCallArgs) Kind() string { return "sync_call" }

// InsertOpts make sync_call unique per call among jobs not yet finished, so a
// resync after completion is possible but two live jobs for a call are not.
func (a SyncCallArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.NotBefore, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

// SweepArgs is the sweep job: the leader's look for calls left without work.
type SweepArgs struct{}

// Kind names the job in the queue.
func (SweepArgs) Kind() string { return "sweep" }

// InsertOpts keep at most one sweep waiting or running.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: LeaderQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingStates}}
}

// LeaderQueue is the queue of the leader-only jobs (summary_poll, sweep,
// reconcile): only the deployment's leader works it, whichever replica
// queued them.
const LeaderQueue = "leader"

// SummaryPollArgs is the summary_poll job: fetch due summaries in batches.
type SummaryPollArgs struct{}

// Kind names the job in the queue.
func (SummaryPollArgs) Kind() string { return "summary_poll" }

// InsertOpts keep at most one poll waiting or running; syncs that finish
// while one is scheduled are covered by it, which is what batches them.
func (SummaryPollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: LeaderQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingStates}}
}

// liveStates are the job states in which a second job for the same call would
// be a duplicate.
var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// waitingStates are the fewest states River accepts for a unique job.
var waitingStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// PatchSummaryArgs is the patch_summary job: write one call's rendered
// summary into its conversation's description.
type PatchSummaryArgs struct {
	CallID      string `json:"call_id" river:"unique"`
	SummaryHTML string `json:"summary_html"`
}

// Kind names the job in the queue.
func (PatchSummaryArgs) Kind() string { return "patch_summary" }

// InsertOpts keep one live patch per call.
func (PatchSummaryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}
