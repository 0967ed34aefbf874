// Package callsync is gongsync's domain: what a call's sync means, how its
// company is found, how its conversation and summary are written, and the
// workers that do it. The adapters (gong, planhat, store, server) serve it.
package callsync

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Status is a call's place in the ledger (DESIGN §6, contract).
type Status string

// Ledger statuses.
const (
	StatusQueued    Status = "queued"     // accepted, sync not done yet
	StatusSynced    Status = "synced"     // conversation written, summary pending
	StatusComplete  Status = "complete"   // summary written
	StatusNoSummary Status = "no_summary" // SUMMARY_MAX_WAIT passed without a summary
	StatusUnmatched Status = "unmatched"  // no Planhat company (yet)
	StatusSkipped   Status = "skipped"    // private call
	StatusFailed    Status = "failed"     // permanent upstream error or attempts spent
)

// Statuses lists every ledger status, for validation and metrics.
var Statuses = []Status{StatusQueued, StatusSynced, StatusComplete, StatusNoSummary, StatusUnmatched, StatusSkipped, StatusFailed}

// Final reports whether s is a status that only a resync or an assignment
// leaves (DESIGN §6).
func (s Status) Final() bool {
	switch s {
	case StatusComplete, StatusNoSummary, StatusSkipped, StatusFailed:
		return true
	}
	return false
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, known := range Statuses {
		if s == known {
			return true
		}
	}
	return false
}

// How a company was matched (DESIGN §5, contract).
const (
	MatchedByCRMID       = "crm_id"
	MatchedByEmailDomain = "email_domain"
	MatchedByManual      = "manual" // assigned by a person; kept on every later resync
)

// Call is one ledger row: everything gongsync knows of a call's sync.
type Call struct {
	ID             string // Gong call id, a string of up to 20 digits
	Status         Status
	Payload        []byte    // the webhook body exactly as received
	CompanyID      string    // Planhat company _id, "" when none
	MatchedBy      string    // MatchedByCRMID, MatchedByEmailDomain, MatchedByManual or ""
	CompanyName    string    // the company's name when it was matched, for people
	Title          string    // the call's title, once a worker has read the payload
	ConversationID string    // Planhat conversation _id, "" until written
	Attempts       int       // sync attempts so far
	Checks         int       // summary or unmatched re-checks so far
	LastError      string    // the last upstream answer or failure reason
	ReceivedAt     time.Time // when the webhook was first accepted
	UpdatedAt      time.Time
	NextCheckAt    time.Time // when the summary poller or the re-resolver looks again; zero when none
	Version        int64     // bumped by every change; a writer must hold the current one
}

// MaxListLimit is the most rows one ledger list returns.
const MaxListLimit = 1000

// ErrNotFound is returned by a Store for an unknown call.
var ErrNotFound = errors.New("not found")

// ErrStale is returned by Store.UpdateCall when the row changed since the
// writer read it: re-read, and decide again.
var ErrStale = errors.New("changed since it was read")

// JobInsert is what became of a job queued with a transition.
type JobInsert struct {
	ID        int64
	State     rivertype.JobState
	Duplicate bool // a live job for the same unique args existed: this one was not added
}

// Store keeps the ledger and the job queue, always together: a call is
// accepted by writing its row and its sync_call job in one transaction.
type Store interface {
	// AcceptCall stores a newly delivered call and enqueues its sync in one
	// transaction. It reports duplicate=true, and changes nothing, when the
	// call id is already in the ledger.
	AcceptCall(ctx context.Context, callID string, payload []byte, receivedAt time.Time) (duplicate bool, err error)
	// GetCall returns one ledger row, or ErrNotFound.
	GetCall(ctx context.Context, callID string) (Call, error)
	// ListCalls returns rows newest first, optionally of one status ("" is all).
	ListCalls(ctx context.Context, status Status, limit int) ([]Call, error)
	// UpdateCall changes the row from from (as read, with its Version) to
	// to, and queues jobs, in one transaction; ErrStale when the row changed
	// since from was read. It returns the row as written.
	UpdateCall(ctx context.Context, from, to Call, jobs ...river.JobArgs) (Call, []JobInsert, error)
	// RecordTransition is UpdateCall that also writes event, in the same
	// transaction: every change of a call is on its timeline.
	RecordTransition(ctx context.Context, from, to Call, event Event, jobs ...river.JobArgs) (Call, []JobInsert, error)
	// AddEvent writes an event that comes with no change of the row (a
	// duplicate delivery).
	AddEvent(ctx context.Context, event Event) error
	// PruneEvents deletes events older than before; it returns how many.
	PruneEvents(ctx context.Context, before time.Time) (int, error)
	// DomainRules returns the saved "domain → company" rules.
	DomainRules(ctx context.Context) ([]DomainRule, error)
	// DueForSummary returns synced calls whose NextCheckAt is at or before now, oldest due first.
	DueForSummary(ctx context.Context, now time.Time, limit int) ([]Call, error)
	// Stranded returns non-final calls, unchanged since before, that have no
	// live job: the sweeper schedules them again.
	Stranded(ctx context.Context, before time.Time, limit int) ([]Call, error)
	// RunJobNow makes a job waiting for a later time run now.
	RunJobNow(ctx context.Context, jobID int64) error
	// JobRunning reports whether a job is running now.
	JobRunning(ctx context.Context, jobID int64) (bool, error)
	// EnqueueSummaryPoll queues one summary_poll job to run at (or after) at;
	// a poll already waiting is not doubled.
	EnqueueSummaryPoll(ctx context.Context, at time.Time) error
	// Enqueue queues any other job under the uniqueness its args declare; a
	// duplicate is not an error.
	Enqueue(ctx context.Context, args river.JobArgs) error
	// Ping answers when the database does.
	Ping(ctx context.Context) error
}
