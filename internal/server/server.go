// Package server is gongsync's HTTP surface: the webhook intake, the probes,
// the metrics and the admin API (DESIGN §5).
package server

import (
	"context"
	"crypto/rsa"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
)

// Ledger is what the HTTP layer needs of the store.
type Ledger interface {
	AcceptCall(ctx context.Context, callID string, payload []byte, receivedAt time.Time) (duplicate bool, err error)
	GetCall(ctx context.Context, callID string) (callsync.Call, error)
	ListCalls(ctx context.Context, status callsync.Status, limit int) ([]callsync.Call, error)
}

// Resyncer runs a call's whole sync again (callsync.Service.Resync).
type Resyncer interface {
	Resync(ctx context.Context, callID string) error
}

// Deps are the server's dependencies; zero values disable what they enable.
type Deps struct {
	Logger  zerolog.Logger
	Ledger  Ledger
	Resync  Resyncer
	Metrics *Metrics
	// Gatherer serves /metrics.
	Gatherer prometheus.Gatherer
	// Ready returns the reasons the service is not ready; none means ready.
	Ready func(ctx context.Context) []string

	WebhookKey       string         // enables POST /webhooks/gong/{key}
	WebhookPublicKey *rsa.PublicKey // with PublicURL, enables POST /webhooks/gong
	PublicURL        string
	MaxBodyBytes     int64
	AdminToken       string    // enables /admin/*
	OnAccepted       func()    // called for each newly queued call (metrics)
	GongOAuth        GongOAuth // enables /admin/oauth/gong/start and /oauth/gong/callback
	Backfills        Backfills // POST /admin/backfill, GET /admin/backfill/{backfillId}; nil: unavailable

	Console ConsoleDeps // the operator console, call events, explain and assign (operator.go)

	Now func() time.Time
}

// New returns the HTTP handler with every route of DESIGN §5.
func New(deps Deps) (http.Handler, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Metrics == nil {
		deps.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	if deps.Gatherer == nil {
		deps.Gatherer = prometheus.NewRegistry()
	}
	if deps.OnAccepted == nil {
		deps.OnAccepted = func() {}
	}
	if deps.Ready == nil {
		deps.Ready = func(context.Context) []string { return nil }
	}
	if deps.Resync == nil {
		deps.Resync = noResync{}
	}
	return newRouter(deps)
}

// noResync answers every resync with an error (503): a server built
// without the sync service.
type noResync struct{}

func (noResync) Resync(context.Context, string) error {
	return errors.New("resync is not available in this process")
}
