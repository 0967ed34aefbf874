package main

import (
	"context"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/config"
	"github.com/gongsync/gongsync/internal/console"
	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/server"
	"github.com/gongsync/gongsync/internal/store"
)

// consoleDeps wires the operator console, the call events and the admin
// API's explain and assign.
func consoleDeps(cfg config.Config, logger zerolog.Logger, db *store.DB, service *callsync.Service, gongClient *gong.Client, planhatClient *planhat.Client, auth *gongAuth) (server.ConsoleDeps, error) {
	deps := server.ConsoleDeps{Operator: service, Events: db.CallEvents}
	if cfg.AdminToken == "" {
		return deps, nil
	}
	gongCaller := gongClient.Upstream()
	pages, err := console.New(console.Deps{
		Ledger:     db,
		Service:    service,
		AdminToken: cfg.AdminToken,
		Health: console.Health{
			Gong:               gongCaller,
			Planhat:            planhatClient.Upstream(),
			GongBudgetLeft:     gongCaller.BudgetLeft,
			OAuthConnected:     oauthState(auth),
			LastReconciliation: lastReconciliation(cfg, db),
		},
		SecureCookies: strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://"),
		Logger:        logger,
	})
	if err != nil {
		return deps, err
	}
	deps.Handler = pages
	return deps, nil
}

// oauthState tells the overview whether OAuth is connected; nil with an
// access key.
func oauthState(auth *gongAuth) func(ctx context.Context) (bool, string) {
	if auth == nil || auth.connector == nil || !auth.usesOAuth {
		return nil
	}
	return func(ctx context.Context) (bool, string) {
		if auth.connector.Connected(ctx) {
			return true, "connected with OAuth"
		}
		return false, "not connected: start at POST /admin/oauth/gong/start or gongsync oauth-url"
	}
}

// lastReconciliation tells the overview when a reconciliation last
// finished, on any replica; nil when RECONCILE_INTERVAL is 0.
func lastReconciliation(cfg config.Config, db *store.DB) func(ctx context.Context) (time.Time, bool) {
	if cfg.ReconcileInterval <= 0 {
		return nil
	}
	return func(ctx context.Context) (time.Time, bool) {
		at, ok, err := db.LastCompleted(ctx, callsync.ReconcileArgs{}.Kind())
		return at, ok && err == nil
	}
}
