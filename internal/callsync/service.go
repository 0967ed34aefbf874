package callsync

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

// GongAPI is what the workers need of Gong.
type GongAPI interface {
	CallsExtensive(ctx context.Context, callIDs []string, opts gong.ExtensiveOptions) ([]gong.CallData, error)
}

// PlanhatAPI is what the workers need of Planhat.
type PlanhatAPI interface {
	ListCompanies(ctx context.Context) ([]planhat.Company, error)
	GetCompany(ctx context.Context, id string) (planhat.Company, error)
	GetCompanyBySourceID(ctx context.Context, sourceID string) (planhat.Company, error)
	ListUsers(ctx context.Context) ([]planhat.User, error)
	ListEndusers(ctx context.Context, companyID string) ([]planhat.Enduser, error)
	GetConversation(ctx context.Context, id string) (planhat.Conversation, error)
	GetConversationByExternalID(ctx context.Context, externalID string) (planhat.Conversation, error)
	CreateConversation(ctx context.Context, conversation planhat.Conversation) (planhat.Conversation, error)
	UpdateConversation(ctx context.Context, id string, conversation planhat.Conversation) (planhat.Conversation, error)
}

// Settings are the sync rules' knobs (DESIGN §4).
type Settings struct {
	Conversation      ConversationSettings
	Resolve           ResolveRules
	SyncPrivateCalls  bool
	RecheckMin        time.Duration
	RecheckMax        time.Duration
	SummaryMaxWait    time.Duration
	UnmatchedRetryFor time.Duration
	CompanyCacheTTL   time.Duration
	// JobTimeout is JOB_TIMEOUT: a resync that comes while the call's job
	// runs is run again once that job has surely ended.
	JobTimeout time.Duration
}

// Service holds the workers' shared dependencies.
type Service struct {
	store     Store
	gong      GongAPI
	planhat   PlanhatAPI
	directory *directory
	settings  Settings
	logger    zerolog.Logger
	metrics   *Metrics
	now       func() time.Time
}

// Deps are what NewService needs.
type Deps struct {
	Store    Store
	Gong     GongAPI
	Planhat  PlanhatAPI
	Settings Settings
	Logger   zerolog.Logger
	Metrics  *Metrics
	Now      func() time.Time // nil: time.Now
}

// NewService returns the domain service; register its workers with River.
func NewService(deps Deps) *Service {
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	metrics := deps.Metrics
	if metrics == nil {
		metrics = NewMetrics(prometheus.NewRegistry())
	}
	return &Service{
		store:     deps.Store,
		gong:      deps.Gong,
		planhat:   deps.Planhat,
		directory: newDirectory(deps.Planhat, deps.Settings.CompanyCacheTTL, deps.Settings.RecheckMin, now),
		settings:  deps.Settings,
		logger:    deps.Logger,
		metrics:   metrics,
		now:       now,
	}
}

// summaryCoalesce is how long the first summary check waits after a sync, so
// that calls synced close together share one Gong request.
const summaryCoalesce = 3 * time.Second

// Workers returns River's workers for every job kind.
func (s *Service) Workers() *river.Workers {
	workers := river.NewWorkers()
	river.AddWorker(workers, &syncCallWorker{service: s})
	river.AddWorker(workers, &summaryPollWorker{service: s})
	river.AddWorker(workers, &patchSummaryWorker{service: s})
	river.AddWorker(workers, &sweepWorker{service: s})
	return workers
}

// summaryPollEvery bounds how long a due summary check waits for the poller
// when the poll queued by its sync was skipped as a duplicate of a running one.
const summaryPollEvery = 30 * time.Second

// PeriodicJobs returns the leader-only jobs: the summary poller's heartbeat
// and the sweeper.
func (s *Service) PeriodicJobs() []*river.PeriodicJob {
	interval := min(max(s.settings.RecheckMin, time.Second), summaryPollEvery)
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) { return SummaryPollArgs{}, nil },
			&river.PeriodicJobOpts{ID: "summary_poll", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
			&river.PeriodicJobOpts{ID: "sweep", RunOnStart: true}),
	}
}

// afterJobPoll is how often a resync's re-run looks whether the job it
// waits for has ended.
const afterJobPoll = time.Second

// Resync runs a call's whole sync again from its stored payload, summary
// included, whatever its status (DESIGN §5). A resync is never lost: when
// the call's job is running, the call runs again once that job has ended.
// A manual assignment is kept.
func (s *Service) Resync(ctx context.Context, callID string) error {
	note := &Event{Kind: EventResync, Actor: actorOf(ctx, "admin"), Message: "resync requested: the whole sync runs again from the stored payload"}
	if err := s.requeue(ctx, callID, byResync, note, func(Call) Call { return Call{} }); err != nil {
		return fmt.Errorf("call %s: resync: %w", callID, err)
	}
	return nil
}

// requeue moves a call to queued with a sync_call job, applying change to
// the fresh row first, and makes sure the job runs soon.
func (s *Service) requeue(ctx context.Context, callID string, by cause, note *Event, change func(Call) Call) error {
	call, err := s.store.GetCall(ctx, callID)
	if err != nil {
		return err
	}
	_, inserted, _, err := s.transition(ctx, call, by, note, func(current Call) (Call, []river.JobArgs, bool) {
		next := current
		if changed := change(current); changed.CompanyID != "" {
			next.CompanyID, next.CompanyName, next.MatchedBy = changed.CompanyID, changed.CompanyName, changed.MatchedBy
		}
		next.Status, next.Checks, next.NextCheckAt, next.LastError = StatusQueued, 0, time.Time{}, ""
		return next, []river.JobArgs{SyncCallArgs{CallID: current.ID}}, true
	})
	if err != nil {
		return err
	}
	if len(inserted) == 0 || !inserted[0].Duplicate {
		return nil
	}
	job := inserted[0]
	switch job.State {
	case rivertype.JobStateScheduled, rivertype.JobStateRetryable:
		// Backing off or snoozed: run it now.
		if err := s.store.RunJobNow(ctx, job.ID); err != nil {
			return err
		}
	case rivertype.JobStateRunning:
		// The running job sees the change at its next transition and runs
		// again; should it have passed its last one already, this job does.
		rerun := SyncCallArgs{CallID: callID, AfterJob: job.ID, NotBefore: s.now().Add(afterJobPoll)}
		if err := s.store.Enqueue(ctx, rerun); err != nil {
			return err
		}
	}
	return nil
}

// MaxAttempts bounds retries of a transient failure: with RetryPolicy's
// backoff capped at RECHECK_MAX (1h by default) this outlasts a 3-day outage.
const MaxAttempts = 100

// RetryPolicy backs off from one second, doubling, up to RECHECK_MAX.
type RetryPolicy struct{ Max time.Duration }

// NextRetry implements river.ClientRetryPolicy.
func (p RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(RecheckDelay(job.Attempt-1, time.Second, max(p.Max, time.Second)))
}
