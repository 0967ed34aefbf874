package callsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gong/gongtest"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
	"github.com/gongsync/gongsync/internal/store"
)

// gate stands in front of a fake API and holds chosen requests until the
// test lets them go, so a test can force one interleaving of two workers.
type gate struct {
	next http.Handler
	mu   sync.Mutex
	held map[string]*hold // by "METHOD path-prefix"
}

type hold struct {
	arrived chan struct{}
	release chan struct{}
}

func newGate(t *testing.T, next http.Handler) (*gate, string) {
	t.Helper()
	g := &gate{next: next, held: map[string]*hold{}}
	server := httptest.NewServer(g)
	t.Cleanup(server.Close)
	return g, server.URL
}

// Hold makes the next request whose method and path start with route wait;
// it returns a channel closed when one arrives, and the release.
func (g *gate) Hold(route string) (arrived <-chan struct{}, release func()) {
	h := &hold{arrived: make(chan struct{}), release: make(chan struct{})}
	g.mu.Lock()
	g.held[route] = h
	g.mu.Unlock()
	var once sync.Once
	return h.arrived, func() { once.Do(func() { close(h.release) }) }
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	var h *hold
	for route, candidate := range g.held {
		method, prefix, _ := strings.Cut(route, " ")
		if r.Method == method && strings.HasPrefix(r.URL.Path, prefix) {
			h = candidate
			delete(g.held, route)
			break
		}
	}
	g.mu.Unlock()
	if h != nil {
		close(h.arrived)
		<-h.release
	}
	g.next.ServeHTTP(w, r)
}

// rig is one service on a real SQLite ledger with gated fakes of both APIs.
type rig struct {
	t           *testing.T
	db          *store.DB
	service     *callsync.Service
	gong        *gongtest.Server
	planhat     *planhattest.Server
	gongGate    *gate
	planhatGate *gate
	company     planhat.Company
	registry    *prometheus.Registry
	path        string
}

// rigOptions change a rig: wrappers around its store and its Planhat, and
// a shift of the service's clock.
type rigOptions struct {
	store   func(callsync.Store) callsync.Store
	planhat func(callsync.PlanhatAPI) callsync.PlanhatAPI
	ahead   time.Duration
}

func newRig(t *testing.T, wrap ...func(callsync.Store) callsync.Store) *rig {
	t.Helper()
	opts := rigOptions{}
	if len(wrap) > 0 {
		opts.store = wrap[0]
	}
	return newRigWith(t, opts)
}

func newRigWith(t *testing.T, opts rigOptions) *rig {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gongsync.db")
	db, err := store.Open(ctx, "sqlite:"+path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Migrate(ctx))

	r := &rig{t: t, db: db, registry: prometheus.NewRegistry(), path: path}
	r.gong = gongtest.NewTest(t, gongtest.Options{RatePerSecond: -1})
	r.planhat = planhattest.NewTest(t, planhattest.Options{RatePerSecond: -1})
	r.planhat.AddConversationType("Gong Call")
	r.company = r.planhat.AddCompany(planhat.Company{Name: "Globex", SourceID: "0015g00000Glbx1", Domains: []string{"globex.com"}})
	var gongURL, planhatURL string
	r.gongGate, gongURL = newGate(t, r.gong.Handler())
	r.planhatGate, planhatURL = newGate(t, r.planhat.Handler())

	gongClient, err := gong.NewClient(gong.ClientOptions{BaseURL: gongURL, Authorize: r.gong.Authorize})
	require.NoError(t, err)
	planhatClient, err := planhat.NewClient(planhat.ClientOptions{BaseURL: planhatURL, Token: r.planhat.Token()})
	require.NoError(t, err)
	var ledger callsync.Store = db
	if opts.store != nil {
		ledger = opts.store(ledger)
	}
	var planhatAPI callsync.PlanhatAPI = planhatClient
	if opts.planhat != nil {
		planhatAPI = opts.planhat(planhatAPI)
	}
	r.service = callsync.NewService(callsync.Deps{
		Store:   ledger,
		Gong:    gongClient,
		Planhat: planhatAPI,
		Now:     func() time.Time { return time.Now().Add(opts.ahead) },
		Settings: callsync.Settings{
			Conversation:      callsync.ConversationSettings{Type: "Gong Call", FieldGongURL: "Gong URL", FieldCallDuration: "Call Duration"},
			RecheckMin:        time.Minute,
			RecheckMax:        time.Hour,
			SummaryMaxWait:    72 * time.Hour,
			UnmatchedRetryFor: 72 * time.Hour,
			CompanyCacheTTL:   time.Minute,
			JobTimeout:        30 * time.Second,
		},
		Logger:  zerolog.Nop(),
		Metrics: callsync.NewMetrics(r.registry),
	})
	return r
}

// accept stores a new call from Globex, with its summary ready in Gong.
func (r *rig) accept(id string) {
	r.t.Helper()
	call := gong.CallData{
		MetaData: gong.MetaData{ID: id, URL: "https://app.gong.io/call?id=" + id, Title: "Call " + id, Started: "2026-11-20T15:01:12Z", Duration: 1800},
		Context:  []gong.CRMContext{{System: "Salesforce", Objects: []gong.CRMObject{{ObjectType: "Account", ObjectID: "0015g00000Glbx1"}}}},
	}
	body, err := json.Marshal(gong.WebhookPayload{CallData: call})
	require.NoError(r.t, err)
	r.gong.AddCall(call)
	r.gong.SetSummary(id, gong.CallContent{Brief: "Brief of " + id, KeyPoints: []gong.KeyPoint{{Text: "Budget approved"}}})
	_, err = r.db.AcceptCall(r.t.Context(), id, body, time.Now())
	require.NoError(r.t, err)
}

// synced accepts a call and runs its sync.
func (r *rig) synced(id string) callsync.Call {
	r.t.Helper()
	r.accept(id)
	require.NoError(r.t, r.service.RunSyncCall(r.t.Context(), id))
	return r.require(id, callsync.StatusSynced)
}

func (r *rig) call(id string) callsync.Call {
	r.t.Helper()
	call, err := r.db.GetCall(r.t.Context(), id)
	require.NoError(r.t, err)
	return call
}

func (r *rig) require(id string, status callsync.Status) callsync.Call {
	r.t.Helper()
	call := r.call(id)
	require.Equal(r.t, status, call.Status, "call %s: last error %q", id, call.LastError)
	return call
}

func (r *rig) conversations(id string) []planhat.Conversation {
	var found []planhat.Conversation
	for _, c := range r.planhat.Conversations() {
		if c.ExternalID == id {
			found = append(found, c)
		}
	}
	return found
}

// summaryHTML is what the poll would hand the patch job for id.
func summaryHTML(id string) string {
	html, _ := callsync.RenderSummary(&gong.CallContent{Brief: "Brief of " + id, KeyPoints: []gong.KeyPoint{{Text: "Budget approved"}}})
	return html
}

// inBackground runs fn and returns its error on a channel.
func inBackground(fn func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	return done
}

func waitFor(t *testing.T, arrived <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func isSnooze(err error) bool {
	var snooze *river.JobSnoozeError
	return errors.As(err, &snooze)
}

func TestInterleavings(t *testing.T) {
	t.Run("PatchFinishesWhileAPollIsInFlight", func(t *testing.T) {
		r := newRig(t)
		r.synced("9101")
		arrived, release := r.gongGate.Hold("POST /v2/calls/extensive")
		poll := inBackground(func() error { return r.service.RunSummaryPoll(t.Context()) })
		waitFor(t, arrived, "the poll's Gong request")

		// A patch queued by an earlier poll lands meanwhile.
		require.NoError(t, r.service.RunPatchSummary(t.Context(), callsync.PatchSummaryArgs{CallID: "9101", SummaryHTML: summaryHTML("9101")}))
		r.require("9101", callsync.StatusComplete)

		release()
		require.NoError(t, <-poll)
		call := r.require("9101", callsync.StatusComplete)
		assert.True(t, call.NextCheckAt.IsZero(), "the poll's stale copy did not put the call back to waiting")
	})

	t.Run("ResyncArrivesDuringAPoll", func(t *testing.T) {
		r := newRig(t)
		r.synced("9102")
		arrived, release := r.gongGate.Hold("POST /v2/calls/extensive")
		poll := inBackground(func() error { return r.service.RunSummaryPoll(t.Context()) })
		waitFor(t, arrived, "the poll's Gong request")

		require.NoError(t, r.service.Resync(t.Context(), "9102"))
		release()
		require.NoError(t, <-poll)
		r.require("9102", callsync.StatusQueued) // the poll did not undo the resync

		// The resync's sync runs, and the call goes its whole way again.
		require.NoError(t, r.service.RunSyncCall(t.Context(), "9102"))
		r.require("9102", callsync.StatusSynced)
		require.NoError(t, r.service.RunSummaryPoll(t.Context()))
		require.NoError(t, r.service.RunPatchSummary(t.Context(), callsync.PatchSummaryArgs{CallID: "9102", SummaryHTML: summaryHTML("9102")}))
		r.require("9102", callsync.StatusComplete)
		assert.Len(t, r.conversations("9102"), 1)
	})

	t.Run("PatchGets404WhileASyncRuns", func(t *testing.T) {
		r := newRig(t)
		before := r.synced("9103")
		first := before.ConversationID

		// The patch reads the call, then waits on Planhat.
		patchArrived, releasePatch := r.planhatGate.Hold("GET /conversations/" + first)
		patch := inBackground(func() error {
			return r.service.RunPatchSummary(t.Context(), callsync.PatchSummaryArgs{CallID: "9103", SummaryHTML: summaryHTML("9103")})
		})
		waitFor(t, patchArrived, "the patch's read of the conversation")

		// Someone deletes the conversation in Planhat, and resyncs the call,
		// whose sync then waits on its own update.
		require.True(t, r.planhat.RemoveConversation(first))
		require.NoError(t, r.service.Resync(t.Context(), "9103"))
		syncArrived, releaseSync := r.planhatGate.Hold("PUT /conversations/" + first)
		sync := inBackground(func() error { return r.service.RunSyncCall(t.Context(), "9103") })
		waitFor(t, syncArrived, "the sync's update of the conversation")

		releasePatch()
		require.NoError(t, <-patch)
		r.require("9103", callsync.StatusQueued) // the patch's 404 did not overwrite the running sync's call

		releaseSync()
		require.NoError(t, <-sync)
		call := r.require("9103", callsync.StatusSynced)
		written := r.conversations("9103")
		require.Len(t, written, 1, "the conversation is written again exactly once")
		assert.Equal(t, written[0].ID, call.ConversationID)
		assert.NotEqual(t, first, call.ConversationID)
	})

	t.Run("ResyncWhileTheSyncRunsRunsItAgain", func(t *testing.T) {
		r := newRig(t)
		r.accept("9104")
		arrived, release := r.planhatGate.Hold("POST /conversations")
		sync := inBackground(func() error { return r.service.RunSyncCall(t.Context(), "9104") })
		waitFor(t, arrived, "the sync's create")

		require.NoError(t, r.service.Resync(t.Context(), "9104"))
		release()
		err := <-sync
		assert.True(t, isSnooze(err), "the job runs again from fresh state, got %v", err)
		call := r.require("9104", callsync.StatusQueued)
		assert.NotEmpty(t, call.ConversationID, "the conversation written is remembered, so the rerun updates it")

		require.NoError(t, r.service.RunSyncCall(t.Context(), "9104"))
		r.require("9104", callsync.StatusSynced)
		assert.Len(t, r.conversations("9104"), 1)
	})

	t.Run("StaleJobLeavesAFinalCallAlone", func(t *testing.T) {
		r := newRig(t)
		r.synced("9105")
		require.NoError(t, r.service.RunPatchSummary(t.Context(), callsync.PatchSummaryArgs{CallID: "9105", SummaryHTML: summaryHTML("9105")}))
		complete := r.require("9105", callsync.StatusComplete)
		// A late sync job and a late patch find nothing to do.
		require.NoError(t, r.service.RunSyncCall(t.Context(), "9105"))
		require.NoError(t, r.service.RunPatchSummary(t.Context(), callsync.PatchSummaryArgs{CallID: "9105", SummaryHTML: "<p>other</p>"}))
		assert.Equal(t, complete.Version, r.call("9105").Version, "nothing was written")
	})
}

func TestFinalStatusesOnlyThroughAResync(t *testing.T) {
	for _, final := range []callsync.Status{callsync.StatusComplete, callsync.StatusNoSummary, callsync.StatusSkipped, callsync.StatusFailed} {
		for _, to := range callsync.Statuses {
			if to == final {
				continue
			}
			t.Run(fmt.Sprintf("%s→%s", final, to), func(t *testing.T) {
				require.ErrorIs(t, callsync.CheckTransition(final, to, false), callsync.ErrFinal)
			})
		}
		t.Run(string(final)+"→queued by resync", func(t *testing.T) {
			require.NoError(t, callsync.CheckTransition(final, callsync.StatusQueued, true))
		})
	}
	t.Run("ResyncOnlyQueues", func(t *testing.T) {
		require.Error(t, callsync.CheckTransition(callsync.StatusComplete, callsync.StatusSynced, true))
	})
}

// failingEnqueue fails the first transition that carries a job, as a
// database that drops the connection mid-commit would.
type failingEnqueue struct {
	callsync.Store
	mu     sync.Mutex
	failed bool
}

func (f *failingEnqueue) RecordTransition(ctx context.Context, from, to callsync.Call, event callsync.Event, jobs ...river.JobArgs) (callsync.Call, []callsync.JobInsert, error) {
	f.mu.Lock()
	fail := len(jobs) > 0 && !f.failed
	f.failed = f.failed || fail
	f.mu.Unlock()
	if fail {
		return callsync.Call{}, nil, errors.New("connection reset during commit")
	}
	return f.Store.RecordTransition(ctx, from, to, event, jobs...)
}

func TestNothingStrands(t *testing.T) {
	t.Run("AnEnqueueThatFailsOnce", func(t *testing.T) {
		r := newRig(t, func(s callsync.Store) callsync.Store { return &failingEnqueue{Store: s} })
		before := r.synced("9201")
		require.Error(t, r.service.RunSummaryPoll(t.Context()), "the poll fails, and River retries it")
		after := r.require("9201", callsync.StatusSynced)
		assert.Equal(t, before.Version, after.Version, "nothing of the failed transition was written")
		assert.False(t, after.NextCheckAt.After(time.Now()), "the call is still due, not pushed to RECHECK_MAX")

		require.NoError(t, r.service.RunSummaryPoll(t.Context()))
		require.NoError(t, r.service.RunPatchSummary(t.Context(), callsync.PatchSummaryArgs{CallID: "9201", SummaryHTML: summaryHTML("9201")}))
		r.require("9201", callsync.StatusComplete)
	})

	t.Run("TheDeletedConversationIsWrittenAgainOnceWithItsSummary", func(t *testing.T) {
		r := newRig(t)
		first := r.synced("9202").ConversationID
		require.True(t, r.planhat.RemoveConversation(first))

		require.NoError(t, r.service.RunPatchSummary(t.Context(), callsync.PatchSummaryArgs{CallID: "9202", SummaryHTML: summaryHTML("9202")}))
		r.require("9202", callsync.StatusQueued)
		require.NoError(t, r.service.RunSyncCall(t.Context(), "9202"))
		r.require("9202", callsync.StatusSynced)
		require.NoError(t, r.service.RunSummaryPoll(t.Context()))
		require.NoError(t, r.service.RunPatchSummary(t.Context(), callsync.PatchSummaryArgs{CallID: "9202", SummaryHTML: summaryHTML("9202")}))
		call := r.require("9202", callsync.StatusComplete)

		written := r.conversations("9202")
		require.Len(t, written, 1)
		assert.Equal(t, call.ConversationID, written[0].ID)
		require.NotNil(t, written[0].Description)
		assert.Contains(t, *written[0].Description, "Brief of 9202")
	})
}
