package callsync

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Event is one entry of a call's timeline: what happened, who or what
// caused it, and the details an operator needs to understand it. Every
// ledger transition writes one in its own transaction.
type Event struct {
	ID         int64
	CallID     string
	At         time.Time
	Kind       string // one of the Event… kinds
	Actor      string // who or what caused it: a worker, the sweeper, a person through the console or the API
	FromStatus Status
	ToStatus   Status
	Message    string
	Detail     json.RawMessage // JSON object, or nil
}

// Event kinds.
const (
	EventReceived     = "received"      // the webhook was accepted (shown from the ledger row)
	EventDuplicate    = "duplicate"     // the same call was delivered again; nothing changed
	EventMatch        = "match"         // a company decision, with its reason and candidates
	EventWrite        = "planhat_write" // a conversation was written to Planhat
	EventSummaryCheck = "summary_check" // Gong was asked for the AI summary
	EventPatch        = "patch"         // the summary was merged into the conversation
	EventError        = "error"         // an upstream or internal failure, with the upstream's answer
	EventResync       = "resync"        // a person asked for the whole sync again
	EventAssign       = "assign"        // a person assigned the call to a company
	EventSweep        = "sweep"         // the sweeper rescued a call left without work
	EventStatus       = "status"        // any other change
)

// Actors of events that no person caused.
const (
	ActorWebhook     = "webhook"
	ActorSyncCall    = "worker sync_call"
	ActorSummaryPoll = "worker summary_poll"
	ActorPatch       = "worker patch_summary"
	ActorSweeper     = "sweeper"
	ActorQueue       = "job queue"
)

// EventRetention is how long events are kept; the sweeper prunes older ones.
const EventRetention = 90 * 24 * time.Hour

type actorKey struct{}

// WithActor names who acts in ctx (e.g. "admin via console"), for the events
// a resync or an assignment writes.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

func actorOf(ctx context.Context, fallback string) string {
	if actor, ok := ctx.Value(actorKey{}).(string); ok && actor != "" {
		return actor
	}
	return fallback
}

// detail encodes v as an event's detail; nil when it cannot.
func detail(v any) json.RawMessage {
	encoded, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return encoded
}

// candidateDetail is how a resolution is kept in an event.
type candidateDetail struct {
	CompanyID    string `json:"companyId"`
	Name         string `json:"name"`
	MatchedBy    string `json:"matchedBy"`
	Participants int    `json:"participants"`
}

// MatchDetail is the detail of a match event.
type MatchDetail struct {
	CompanyID   string            `json:"companyId,omitempty"`
	CompanyName string            `json:"companyName,omitempty"`
	MatchedBy   string            `json:"matchedBy,omitempty"`
	Reason      string            `json:"reason,omitempty"`
	Candidates  []candidateDetail `json:"candidates"`
}

func matchDetail(r Resolution) json.RawMessage {
	d := MatchDetail{CompanyID: r.CompanyID, CompanyName: r.CompanyName, MatchedBy: r.MatchedBy, Reason: r.Reason, Candidates: []candidateDetail{}}
	for _, c := range r.Candidates {
		d.Candidates = append(d.Candidates, candidateDetail(c))
	}
	return detail(d)
}

// CallQuery selects a page of the console's calls list, newest first.
type CallQuery struct {
	Status Status // "" is every status
	Search string // a call id or company id, or part of a title or company name
	After  string // the cursor of the last row of the previous page; "" is the first page
	Limit  int
}

// ErrBadCursor is a page cursor that the store did not write.
var ErrBadCursor = errors.New("not a page cursor")

// DayCount is how many calls that arrived on Day (UTC) are in Status now.
type DayCount struct {
	Day    time.Time // midnight UTC
	Status Status
	Calls  int
}
