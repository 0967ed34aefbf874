// Package console is the operator console: server-rendered pages over the
// ledger for the person who runs Planhat (DESIGN §5, GET /admin/). One small
// file per page or action, templates embedded, no JavaScript needed.
package console

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/planhat"
)

// Ledger is what the console reads and keeps in the database; the same
// store the admin API reads.
type Ledger interface {
	GetCall(ctx context.Context, callID string) (callsync.Call, error)
	CallEvents(ctx context.Context, callID string) ([]callsync.Event, error)
	CallPage(ctx context.Context, q callsync.CallQuery) ([]callsync.Call, string, error)
	CallsPerDay(ctx context.Context, since time.Time) ([]callsync.DayCount, error)
	StatusCounts(ctx context.Context) (map[callsync.Status]int, error)
	OldestOpenCall(ctx context.Context) (time.Time, bool, error)
	DomainRules(ctx context.Context) ([]callsync.DomainRule, error)
	SaveDomainRule(ctx context.Context, rule callsync.DomainRule) error
	DeleteDomainRule(ctx context.Context, domain string) (bool, error)
	CreateSession(ctx context.Context, idHash string, expires time.Time) error
	SessionExpiry(ctx context.Context, idHash string) (time.Time, bool, error)
	DeleteSession(ctx context.Context, idHash string) error
}

// Service is what the console asks of the sync service (callsync.Service).
type Service interface {
	Resync(ctx context.Context, callID string) error
	Assign(ctx context.Context, callID, companyID string) (planhat.Company, error)
	Explain(ctx context.Context, payload []byte, callID string) (callsync.Explanation, error)
	SearchCompanies(ctx context.Context, query string, limit int) ([]planhat.Company, error)
	Suggest(ctx context.Context, call callsync.Call) ([]callsync.Suggestion, []string, error)
	Company(ctx context.Context, companyID string) (planhat.Company, error)
}

// Upstream is one API's state as the caller sees it (upstream.Caller).
type Upstream interface {
	CircuitOpen() bool
	PausedFor() time.Duration
}

// Health is what the overview shows of the upstreams; nil fields are shown
// as not known.
type Health struct {
	Gong, Planhat  Upstream
	GongBudgetLeft func(ctx context.Context) (int, error)
	// OAuthConnected reports whether gongsync is connected to Gong with
	// OAuth, and how (hook for the OAuth work); nil: access key in use.
	OAuthConnected func(ctx context.Context) (connected bool, detail string)
	// LastReconciliation reports when the reconciler last ran (hook for the
	// reconciler); nil: reconciliation is off.
	LastReconciliation func(ctx context.Context) (at time.Time, ok bool)
}

// Deps are the console's dependencies.
type Deps struct {
	Ledger     Ledger
	Service    Service
	Health     Health
	AdminToken string
	// SecureCookies marks cookies Secure (PUBLIC_URL is https).
	SecureCookies bool
	Logger        zerolog.Logger
	Now           func() time.Time
	// PlanhatAppURL is where people open Planhat (links to conversations).
	PlanhatAppURL string
}

// Console serves the pages.
type Console struct {
	Deps
	views   map[string]*template.Template
	limiter *loginLimiter
	handler http.Handler
}

//go:embed templates
var templateFS embed.FS

// New returns the console's handler; it routes on the full path (/admin/…).
func New(deps Deps) (*Console, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.PlanhatAppURL == "" {
		deps.PlanhatAppURL = "https://app.planhat.com"
	}
	views, err := parseViews()
	if err != nil {
		return nil, err
	}
	c := &Console{Deps: deps, views: views, limiter: newLoginLimiter(deps.Now)}
	c.handler = c.routes()
	return c, nil
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }
