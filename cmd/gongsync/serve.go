package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/config"
	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/server"
	"github.com/gongsync/gongsync/internal/store"
	"github.com/gongsync/gongsync/internal/upstream"
)

// HTTP server timeouts: a webhook is small and answered after one commit.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
)

// queueWorkers is how many jobs one process runs at once. It follows the
// upstreams' rates: a job waits for its turn in the process (within
// JOB_TIMEOUT), so more workers than the rates can feed would only hold jobs
// that wait, and fewer would leave the quota unused while one job waits on
// a slow answer.
func queueWorkers(cfg config.Config) int {
	perSecond := max(cfg.PlanhatRateLimit, cfg.GongRateLimit)
	return min(max(int(math.Ceil(2*perSecond)), 2), 32)
}

// leaderWorkers run the leader-only jobs: a summary poll and a sweep or a
// reconciliation at once.
const leaderWorkers = 2

// riverClientID names this process among the queue's workers (River records
// it on every job it works): host and process id.
func riverClientID() string {
	host, err := os.Hostname()
	if err != nil {
		host = "gongsync"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// sharedRate is the database's request slots when several replicas share it
// (PostgreSQL); one process on SQLite keeps its own.
func sharedRate(db *store.DB) upstream.RateStore {
	if db.SharesRate() {
		return db
	}
	return nil
}

// fetchPollInterval bounds how long a queued job waits to be picked up where
// the database has no notifications (SQLite). Each poll is a query on the
// one connection the intake also needs, so idle polling is kept rare: a
// new call waits up to 2 s for a worker, which costs nothing that matters.
const fetchPollInterval = 2 * time.Second

func newLogger(cfg config.Config, stdout io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		return zerolog.Nop(), fmt.Errorf("LOG_LEVEL: %w", err)
	}
	out := stdout
	if cfg.LogFormat == "console" {
		out = zerolog.ConsoleWriter{Out: stdout, NoColor: true, TimeFormat: time.RFC3339}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger(), nil
}

func migrate(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	logger, err := newLogger(cfg, stdout)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, slog.New(zerolog.NewSlogHandler(logger)))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	logger.Info().Str("database", db.Dialect()).Msg("migrations applied")
	return nil
}

// serve runs the service until ctx ends, then drains within SHUTDOWN_TIMEOUT.
// onListen, when set, learns the bound address (the demo and tests use it).
func serve(ctx context.Context, cfg config.Config, stdout io.Writer, onListen func(addr string)) error {
	logger, err := newLogger(cfg, stdout)
	if err != nil {
		return err
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	upstreamMetrics := upstream.NewMetrics(registry)

	riverLogger := slog.New(zerolog.NewSlogHandler(logger.Level(max(logger.GetLevel(), zerolog.WarnLevel))))
	db, err := store.Open(ctx, cfg.DatabaseURL, riverLogger)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}

	gongAuth, err := newGongAuth(ctx, cfg, db, registry, logger)
	if err != nil {
		return err
	}
	defer gongAuth.stop()
	gongClient, err := gong.NewClient(gong.ClientOptions{
		BaseURL:       cfg.GongAPIBaseURL,
		Authorize:     gongAuth.authorize,
		RatePerSecond: cfg.GongRateLimit,
		DailyBudget:   cfg.GongDailyBudget,
		BudgetStore:   db,
		RateStore:     sharedRate(db),
		Metrics:       upstreamMetrics,
		Logger:        logger,
	})
	if err != nil {
		return err
	}
	planhatClient, err := planhat.NewClient(planhat.ClientOptions{
		BaseURL:       cfg.PlanhatAPIBaseURL,
		Token:         cfg.PlanhatAPIToken,
		RatePerSecond: cfg.PlanhatRateLimit,
		RateStore:     sharedRate(db),
		Metrics:       upstreamMetrics,
		Logger:        logger,
	})
	if err != nil {
		return err
	}
	callMetrics := callsync.NewMetrics(registry)
	service := callsync.NewService(callsync.Deps{
		Store:    db,
		Gong:     gongClient,
		Planhat:  planhatClient,
		Settings: syncSettings(cfg),
		Logger:   logger,
		Metrics:  callMetrics,
	})
	registry.MustRegister(store.NewCollector(db, gongClient.BudgetLeft))
	catchUp, err := newCatchUp(cfg, db, service, gongClient, planhatClient, registry, logger)
	if err != nil {
		return err
	}
	workers := service.Workers()
	catchUp.AddWorkers(workers)
	err = db.StartQueue(ctx, &river.Config{
		ID:                   riverClientID(),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: queueWorkers(cfg)}},
		Workers:              workers,
		ErrorHandler:         service.ErrorHandler(),
		PeriodicJobs:         append(service.PeriodicJobs(), catchUp.PeriodicJobs()...),
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		MaxAttempts:          callsync.MaxAttempts,
		RetryPolicy:          callsync.RetryPolicy{Max: cfg.RecheckMax},
		FetchPollInterval:    fetchPollInterval,
		Logger:               riverLogger,
	})
	if err != nil {
		return err
	}

	// The leader-only jobs (summary poll, sweep, reconcile) run on one
	// replica; a follower takes over when the leader's session ends.
	leadCtx, stopLeading := context.WithCancel(context.WithoutCancel(ctx))
	leading := make(chan struct{})
	go func() {
		defer close(leading)
		err := db.LeadQueue(leadCtx, callsync.LeaderQueue, leaderWorkers, func(lead bool) {
			if lead {
				logger.Info().Str("river_id", riverClientID()).Msg("leading: this process runs the summary poller, the sweeper and the reconciler")
			} else {
				logger.Warn().Msg("no longer leading: another replica runs the leader-only jobs")
			}
		})
		if err != nil {
			logger.Error().Err(err).Msg("leader election stopped; this process runs no leader-only jobs")
		}
	}()
	defer func() {
		stopLeading()
		<-leading
	}()

	backfills := newBackfillLauncher(ctx, catchUp, logger)
	defer backfills.wait() // before the database closes
	consoleDeps, err := consoleDeps(cfg, logger, db, service, gongClient, planhatClient, gongAuth)
	if err != nil {
		return errors.Join(err, db.StopQueue(context.Background()))
	}
	handler, err := newHandler(cfg, logger, db, service, registry, callMetrics, gongAuth.oauth(), backfills, consoleDeps)
	if err != nil {
		return errors.Join(err, db.StopQueue(context.Background()))
	}
	listener, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return errors.Join(fmt.Errorf("listening on %s: %w", cfg.ListenAddr, err), db.StopQueue(context.Background()))
	}
	httpServer := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(zerolog.NewSlogHandler(logger), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(listener) }()
	// Logged at every LOG_LEVEL: operators and tests learn the address from it.
	logger.Log().Str("addr", listener.Addr().String()).Str("database", db.Dialect()).Str("version", version).Msg("listening")
	if onListen != nil {
		onListen(listener.Addr().String())
	}

	select {
	case err := <-serveErr:
		return errors.Join(fmt.Errorf("http server: %w", err), db.StopQueue(context.Background()))
	case <-ctx.Done():
	}
	logger.Info().Dur("timeout", cfg.ShutdownTimeout).Msg("shutting down: finishing requests and jobs in hand")
	drainCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	httpErr := httpServer.Shutdown(drainCtx)
	queueErr := db.StopQueue(drainCtx)
	if err := errors.Join(httpErr, queueErr); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info().Msg("stopped")
	return nil
}

func newHandler(cfg config.Config, logger zerolog.Logger, db *store.DB, service *callsync.Service, registry *prometheus.Registry, calls *callsync.Metrics, oauth server.GongOAuth, backfills server.Backfills, console server.ConsoleDeps) (http.Handler, error) {
	deps := server.Deps{
		Logger:       logger,
		Ledger:       db,
		Resync:       service,
		Metrics:      server.NewMetrics(registry),
		Gatherer:     registry,
		Ready:        db.Ready,
		WebhookKey:   cfg.WebhookKey,
		PublicURL:    cfg.PublicURL,
		MaxBodyBytes: cfg.WebhookMaxBytes,
		AdminToken:   cfg.AdminToken,
		OnAccepted:   func() { calls.Reached(callsync.StatusQueued) },
		GongOAuth:    oauth,
		Backfills:    backfills,
		Console:      console,
	}
	if cfg.GongWebhookPublicKey != "" {
		key, err := gong.ParsePublicKey(cfg.GongWebhookPublicKey)
		if err != nil {
			return nil, fmt.Errorf("GONG_WEBHOOK_PUBLIC_KEY: %w", err)
		}
		deps.WebhookPublicKey = key
	}
	return server.New(deps)
}

func syncSettings(cfg config.Config) callsync.Settings {
	return callsync.Settings{
		Conversation: callsync.ConversationSettings{
			Type:              cfg.PlanhatConversationType,
			FieldGongURL:      cfg.PlanhatFieldGongURL,
			FieldCallDuration: cfg.PlanhatFieldCallDuration,
		},
		Resolve:           callsync.ResolveRules{InternalDomains: cfg.InternalDomains, IgnoredDomains: cfg.IgnoredDomains},
		SyncPrivateCalls:  cfg.SyncPrivateCalls,
		RecheckMin:        cfg.RecheckMin,
		RecheckMax:        cfg.RecheckMax,
		SummaryMaxWait:    cfg.SummaryMaxWait,
		UnmatchedRetryFor: cfg.UnmatchedRetryFor,
		CompanyCacheTTL:   cfg.CompanyCacheTTL,
		JobTimeout:        cfg.JobTimeout,
	}
}
