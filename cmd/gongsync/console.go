package main

import (
	"strings"

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
// API's explain and assign. The OAuth and reconciliation hooks of the
// overview are left nil until those parts report their state.
func consoleDeps(cfg config.Config, logger zerolog.Logger, db *store.DB, service *callsync.Service, gongClient *gong.Client, planhatClient *planhat.Client) (server.ConsoleDeps, error) {
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
			Gong:           gongCaller,
			Planhat:        planhatClient.Upstream(),
			GongBudgetLeft: gongCaller.BudgetLeft,
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
