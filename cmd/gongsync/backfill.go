package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/schollz/progressbar/v3"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/config"
	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/store"
)

// backfillChunkSize overrides the calls per bulk write (tests); 0 is the default.
var backfillChunkSize = 0

// newCatchUp wires reconciliation and backfill to the service's clients.
func newCatchUp(cfg config.Config, db *store.DB, service *callsync.Service, gongClient *gong.Client,
	planhatClient *planhat.Client, reg prometheus.Registerer, logger zerolog.Logger) (*callsync.CatchUp, error) {
	return callsync.NewCatchUp(callsync.CatchUpDeps{
		Service: service,
		Store:   db,
		Gong:    gongClient,
		Planhat: planhatClient,
		Settings: callsync.CatchUpSettings{
			ReconcileInterval: cfg.ReconcileInterval,
			ReconcileLookback: cfg.ReconcileLookback,
			WorkspaceID:       cfg.GongWorkspaceID,
			BackfillChunk:     backfillChunkSize,
		},
		Metrics: callsync.NewCatchUpMetrics(reg),
		Logger:  logger,
	})
}

// backfillLauncher runs the backfills POST /admin/backfill starts, in the
// background of serve, until serve stops (they end cancelled and resume
// when asked again).
type backfillLauncher struct {
	ctx     context.Context
	catchUp *callsync.CatchUp
	logger  zerolog.Logger
	running sync.WaitGroup
}

func newBackfillLauncher(ctx context.Context, catchUp *callsync.CatchUp, logger zerolog.Logger) *backfillLauncher {
	return &backfillLauncher{ctx: ctx, catchUp: catchUp, logger: logger}
}

// LaunchBackfill starts or resumes the run for req; a run of the same range
// that is live already is answered as is.
func (l *backfillLauncher) LaunchBackfill(ctx context.Context, req callsync.BackfillRequest) (callsync.BackfillRun, error) {
	run, err := l.catchUp.StartBackfill(ctx, req)
	if errors.Is(err, callsync.ErrBackfillRunning) {
		return run, nil
	}
	if err != nil {
		return run, err
	}
	l.running.Go(func() {
		progress := progressLines(l.logger, 5*time.Second)
		if _, err := l.catchUp.RunBackfill(l.ctx, run, progress); err != nil {
			l.logger.Error().Err(err).Str("backfill_id", run.ID).Msg("backfill failed")
		}
	})
	return run, nil
}

// GetBackfillRun returns a run's progress.
func (l *backfillLauncher) GetBackfillRun(ctx context.Context, id string) (callsync.BackfillRun, error) {
	return l.catchUp.GetBackfillRun(ctx, id)
}

// wait returns once every run has stopped.
func (l *backfillLauncher) wait() { l.running.Wait() }

// progressLines logs a run's progress at most once every interval, and its end.
func progressLines(logger zerolog.Logger, every time.Duration) func(callsync.BackfillRun) {
	var last time.Time
	return func(run callsync.BackfillRun) {
		if run.Status == callsync.BackfillRunning && time.Since(last) < every {
			return
		}
		last = time.Now()
		logger.Info().Str("backfill_id", run.ID).Str("status", string(run.Status)).Int("total", run.Total).
			Int("listed", run.Listed).Int("synced", run.Synced).Int("existing", run.Existing).
			Int("queued", run.Queued).Int("failed", run.Failed).Msg("backfill progress")
	}
}

const backfillUsage = `usage: gongsync backfill --from DATE --to DATE [--dry-run]

Syncs the calls Gong lists that started from --from up to --to (DATE is
YYYY-MM-DD, midnight UTC, or RFC3339; a date-only --to includes that day).
GONG_WORKSPACE_ID narrows it. Run it again after Ctrl-C or a crash: it
continues where it stopped, and a finished range creates nothing.
`

// backfillCommand is "gongsync backfill".
func backfillCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("backfill", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	fromFlag := flags.String("from", "", "")
	toFlag := flags.String("to", "", "")
	dryRun := flags.Bool("dry-run", false, "")
	if err := flags.Parse(args); err != nil {
		return usageError{fmt.Sprintf("backfill: %v\n\n%s", err, backfillUsage)}
	}
	if flags.NArg() > 0 || *fromFlag == "" || *toFlag == "" {
		return usageError{"backfill: --from and --to are required\n\n" + backfillUsage}
	}
	from, err := callsync.ParseBackfillDate(*fromFlag, false)
	if err != nil {
		return usageError{fmt.Sprintf("backfill: --from: %v\n\n%s", err, backfillUsage)}
	}
	to, err := callsync.ParseBackfillDate(*toFlag, true)
	if err != nil {
		return usageError{fmt.Sprintf("backfill: --to: %v\n\n%s", err, backfillUsage)}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	// Logs go to stderr, so that the progress owns stdout.
	logger, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, slog.New(zerolog.NewSlogHandler(logger.Level(max(logger.GetLevel(), zerolog.WarnLevel)))))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	registry := prometheus.NewRegistry()
	gongAuth, err := newGongAuth(ctx, cfg, db, registry, logger)
	if err != nil {
		return err
	}
	defer gongAuth.stop()
	gongClient, err := gong.NewClient(gong.ClientOptions{
		BaseURL: cfg.GongAPIBaseURL, Authorize: gongAuth.authorize, RatePerSecond: cfg.GongRateLimit,
		DailyBudget: cfg.GongDailyBudget, BudgetStore: db, RateStore: sharedRate(db), Logger: logger,
	})
	if err != nil {
		return err
	}
	planhatClient, err := planhat.NewClient(planhat.ClientOptions{
		BaseURL: cfg.PlanhatAPIBaseURL, Token: cfg.PlanhatAPIToken, RatePerSecond: cfg.PlanhatRateLimit,
		RateStore: sharedRate(db), Logger: logger,
	})
	if err != nil {
		return err
	}
	service := callsync.NewService(callsync.Deps{Store: db, Gong: gongClient, Planhat: planhatClient, Settings: syncSettings(cfg), Logger: logger})
	catchUp, err := newCatchUp(cfg, db, service, gongClient, planhatClient, registry, logger)
	if err != nil {
		return err
	}
	run, err := catchUp.StartBackfill(ctx, callsync.BackfillRequest{From: from, To: to, DryRun: *dryRun})
	if errors.Is(err, callsync.ErrBackfillRunning) {
		return fmt.Errorf("backfill %s of this range is running elsewhere (progress saved %s); wait for it, or run this again once it has stopped",
			run.ID, run.UpdatedAt.Format(time.RFC3339))
	}
	if err != nil {
		return err
	}
	verb := "starting"
	if run.Cursor != "" || run.Listed > 0 {
		verb = "resuming"
	}
	mode := ""
	if run.DryRun {
		mode = " (dry run: nothing is written)"
	}
	fmt.Fprintf(stdout, "%s backfill %s: calls that started from %s to %s%s\n", verb, run.ID,
		run.From.Format(time.RFC3339), run.To.Format(time.RFC3339), mode)

	progress, finish := backfillProgress(stdout, run)
	final, err := catchUp.RunBackfill(ctx, run, progress)
	finish()
	fmt.Fprintf(stdout, "backfill %s %s: listed %d, synced %d, existing %d, queued %d, failed %d\n",
		final.ID, final.Status, final.Listed, final.Synced, final.Existing, final.Queued, final.Failed)
	if err != nil {
		return err
	}
	switch final.Status {
	case callsync.BackfillCancelled:
		return errors.New("backfill stopped; run the same command again to continue")
	case callsync.BackfillFailed:
		return fmt.Errorf("backfill failed: %s", final.LastError)
	}
	return nil
}

// backfillProgress shows progress on stdout: a bar with counts, rate and ETA
// on a terminal, else one line every few seconds.
func backfillProgress(stdout io.Writer, start callsync.BackfillRun) (progress func(callsync.BackfillRun), finish func()) {
	if !isTerminal(stdout) {
		var last time.Time
		started, startListed := time.Now(), start.Listed
		return func(run callsync.BackfillRun) {
			if run.Status == callsync.BackfillRunning && time.Since(last) < progressEvery {
				return
			}
			last = time.Now()
			fmt.Fprintln(stdout, progressLine(run, time.Since(started), run.Listed-startListed))
		}, func() {}
	}
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(stdout),
		progressbar.OptionSetDescription("backfill"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("calls"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionFullWidth(),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	started := false
	return func(run callsync.BackfillRun) {
			if run.Total > 0 && bar.GetMax64() != int64(run.Total) {
				bar.ChangeMax64(int64(run.Total))
			}
			if !started {
				bar.Reset() // the rate and ETA count from here, not from calls listed by an earlier run
				started = true
			}
			bar.Describe(fmt.Sprintf("synced %d · existing %d · queued %d · failed %d", run.Synced, run.Existing, run.Queued, run.Failed))
			_ = bar.Set64(int64(run.Listed))
		}, func() {
			_ = bar.Finish()
		}
}

// progressEvery is how often a non-terminal run prints a line.
const progressEvery = 5 * time.Second

func progressLine(run callsync.BackfillRun, elapsed time.Duration, listedHere int) string {
	line := fmt.Sprintf("backfill %s %s: listed %d", run.ID, run.Status, run.Listed)
	if run.Total > 0 {
		line += fmt.Sprintf("/%d", run.Total)
	}
	line += fmt.Sprintf(", synced %d, existing %d, queued %d, failed %d", run.Synced, run.Existing, run.Queued, run.Failed)
	if seconds := elapsed.Seconds(); seconds >= 1 && listedHere > 0 {
		rate := float64(listedHere) / seconds
		line += fmt.Sprintf(" (%.1f calls/s", rate)
		if left := run.Total - run.Listed; run.Total > 0 && left > 0 {
			line += ", ETA " + (time.Duration(float64(left)/rate) * time.Second).Round(time.Second).String()
		}
		line += ")"
	}
	return line
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
