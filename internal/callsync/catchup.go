package callsync

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

// Catching up (DESIGN §6): reconciliation lists the calls Gong has and syncs
// those whose webhook never came; backfill does the same for a given range,
// in bulk, resumably.

// CallLister is what catching up needs of Gong beyond GongAPI.
type CallLister interface {
	// ListCallsPage returns one page of GET /v2/calls and the next cursor.
	ListCallsPage(ctx context.Context, from, to time.Time, workspaceID, cursor string) (gong.CallsPage, error)
}

// BulkPlanhat is what backfill needs of Planhat beyond PlanhatAPI.
type BulkPlanhat interface {
	BulkUpsertConversations(ctx context.Context, conversations []planhat.Conversation) (planhat.BulkResult, error)
	ListConversationKeys(ctx context.Context, companyIDs []string) ([]planhat.ConversationKey, error)
}

// BackfillStatus is where a backfill run stands (DESIGN §5, contract).
type BackfillStatus string

// Backfill statuses.
const (
	BackfillRunning   BackfillStatus = "running"
	BackfillDone      BackfillStatus = "done"
	BackfillFailed    BackfillStatus = "failed"
	BackfillCancelled BackfillStatus = "cancelled"
)

// BackfillRun is one backfill: its range, where its listing stands and what
// it did so far.
type BackfillRun struct {
	ID          string
	From, To    time.Time // calls that started in [From, To)
	WorkspaceID string
	DryRun      bool
	Status      BackfillStatus
	// Cursor is Gong's cursor after the last page whose calls are all
	// recorded; "" is the first page.
	Cursor   string
	Total    int // calls Gong says the range holds; 0 until its first page (not stored)
	Listed   int // calls Gong listed
	Synced   int // written to Planhat by this run (a dry run: would be)
	Existing int // in the ledger already
	Queued   int // handed to the regular workers: unmatched, private, not visible yet, interrupted
	Failed   int // refused by Planhat
	// LastError says why a run failed or stopped.
	LastError string
	StartedAt time.Time
	UpdatedAt time.Time
}

// Claim is a call a backfill takes into the ledger: its row (status queued)
// and a sync_call job due at SyncAt. The job is the call's safety net: when
// the backfill records the call first, the job finds nothing to do; when the
// backfill stops before that, the job syncs the call the regular way.
type Claim struct {
	CallID     string
	Payload    []byte
	ReceivedAt time.Time
	SyncAt     time.Time // zero: now
}

// Change is one checked transition of a batch: from as read, to as it should be.
type Change struct{ From, To Call }

// CatchUpStore is what catching up needs of the store beyond Store.
type CatchUpStore interface {
	Store
	// KnownCalls returns which of ids the ledger holds.
	KnownCalls(ctx context.Context, ids []string) (map[string]bool, error)
	// ClaimCalls writes the claims' rows and jobs in one transaction,
	// skipping call ids the ledger holds, and returns the job id of each
	// call it wrote.
	ClaimCalls(ctx context.Context, claims []Claim) (map[string]int64, error)
	// UpdateCalls applies checked transitions in one transaction, each only
	// if its row is still at From.Version; it returns the rows written and
	// the call ids that had changed (to be read and decided again).
	UpdateCalls(ctx context.Context, changes []Change) (written []Call, stale []string, err error)

	CreateBackfillRun(ctx context.Context, run BackfillRun) error
	// GetBackfillRun returns a run, or ErrNotFound.
	GetBackfillRun(ctx context.Context, id string) (BackfillRun, error)
	// FindBackfillRun returns the newest run for the same range, workspace
	// and mode that is not done, and false when there is none.
	FindBackfillRun(ctx context.Context, from, to time.Time, workspaceID string, dryRun bool) (BackfillRun, bool, error)
	// SaveBackfillRun writes a run's status, cursor and counts.
	SaveBackfillRun(ctx context.Context, run BackfillRun) error
}

// CatchUpSettings are RECONCILE_INTERVAL, RECONCILE_LOOKBACK and
// GONG_WORKSPACE_ID.
type CatchUpSettings struct {
	ReconcileInterval time.Duration // 0: off
	ReconcileLookback time.Duration
	WorkspaceID       string
	// BackfillChunk is how many calls gather before one bulk write; 0
	// means backfillChunk. Tests make it small to stop a run mid-way.
	BackfillChunk int
}

// CatchUp reconciles and backfills on top of a Service's sync rules.
type CatchUp struct {
	service  *Service
	store    CatchUpStore
	lister   CallLister
	bulk     BulkPlanhat
	settings CatchUpSettings
	metrics  *CatchUpMetrics
	logger   zerolog.Logger
	// bulkMu keeps this process's bulk upserts one at a time, as Planhat asks.
	bulkMu sync.Mutex
}

// CatchUpDeps are what NewCatchUp needs.
type CatchUpDeps struct {
	Service  *Service
	Store    CatchUpStore
	Gong     CallLister
	Planhat  BulkPlanhat
	Settings CatchUpSettings
	Metrics  *CatchUpMetrics // nil: registered nowhere
	Logger   zerolog.Logger
}

// NewCatchUp returns the reconciler and backfiller.
func NewCatchUp(deps CatchUpDeps) (*CatchUp, error) {
	if deps.Service == nil || deps.Store == nil || deps.Gong == nil || deps.Planhat == nil {
		return nil, errors.New("catch-up: service, store, Gong and Planhat are required")
	}
	metrics := deps.Metrics
	if metrics == nil {
		metrics = NewCatchUpMetrics(prometheus.NewRegistry())
	}
	return &CatchUp{
		service: deps.Service, store: deps.Store, lister: deps.Gong, bulk: deps.Planhat,
		settings: deps.Settings, metrics: metrics, logger: deps.Logger,
	}, nil
}

// AddWorkers registers the reconcile job's worker.
func (c *CatchUp) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &reconcileWorker{catchUp: c})
}

// PeriodicJobs returns the reconciliation, when RECONCILE_INTERVAL > 0. River
// runs periodic jobs on the leader only.
func (c *CatchUp) PeriodicJobs() []*river.PeriodicJob {
	if c.settings.ReconcileInterval <= 0 {
		return nil
	}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(c.settings.ReconcileInterval),
			func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil },
			&river.PeriodicJobOpts{ID: "reconcile", RunOnStart: true}),
	}
}

// CatchUpMetrics are reconciliation's and backfill's metrics.
type CatchUpMetrics struct {
	recovered       prometheus.Counter
	lastReconciled  prometheus.Gauge
	backfillWritten *prometheus.CounterVec
}

// NewCatchUpMetrics registers the metrics with reg, at zero.
func NewCatchUpMetrics(reg prometheus.Registerer) *CatchUpMetrics {
	m := &CatchUpMetrics{
		recovered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gongsync_reconcile_recovered_calls_total",
			Help: "Calls reconciliation found in Gong but not in the ledger, and queued for sync.",
		}),
		lastReconciled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gongsync_reconcile_last_success_timestamp_seconds",
			Help: "When the last reconciliation finished listing every call in RECONCILE_LOOKBACK (unix seconds; 0: none yet).",
		}),
		backfillWritten: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongsync_backfill_calls_total",
			Help: "Calls handled by backfill runs, by outcome (synced, existing, queued, failed).",
		}, []string{"outcome"}),
	}
	for _, outcome := range []string{"synced", "existing", "queued", "failed"} {
		m.backfillWritten.WithLabelValues(outcome)
	}
	reg.MustRegister(m.recovered, m.lastReconciled, m.backfillWritten)
	return m
}
