package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/config"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/store"
)

// explainCommand is `gongsync explain FILE|-`: how the payload would be
// matched, through the same resolution the workers use, with the
// configured Planhat and the saved domain rules. It writes nothing.
func explainCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return usageError{"explain takes one argument: a payload file, or - for standard input\n\n" + usage}
	}
	var (
		payload []byte
		err     error
	)
	if args[0] == "-" {
		payload, err = io.ReadAll(os.Stdin) // the one read of the process's input, for a pipe
	} else {
		payload, err = os.ReadFile(args[0])
	}
	if err != nil {
		return fmt.Errorf("explain: reading the payload: %w", err)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	logger := zerolog.New(stderr).Level(zerolog.WarnLevel).With().Timestamp().Logger()
	db, err := store.Open(ctx, cfg.DatabaseURL, slog.New(zerolog.NewSlogHandler(logger)))
	if err != nil {
		return err
	}
	defer db.Close()
	planhatClient, err := planhat.NewClient(planhat.ClientOptions{
		BaseURL:       cfg.PlanhatAPIBaseURL,
		Token:         cfg.PlanhatAPIToken,
		RatePerSecond: cfg.PlanhatRateLimit,
		Logger:        logger,
	})
	if err != nil {
		return err
	}
	service := callsync.NewService(callsync.Deps{
		Store:    rulesIfMigrated{Store: db, warn: stderr},
		Planhat:  planhatClient,
		Settings: syncSettings(cfg),
		Logger:   logger,
	})
	explanation, err := service.Explain(ctx, payload, "")
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	return printExplanation(stdout, explanation)
}

// rulesIfMigrated reads the domain rules when the database has them; a
// database not migrated yet has none (explain never migrates: it writes
// nothing).
type rulesIfMigrated struct {
	callsync.Store
	warn io.Writer
}

func (s rulesIfMigrated) DomainRules(ctx context.Context) ([]callsync.DomainRule, error) {
	rules, err := s.Store.DomainRules(ctx)
	if err != nil {
		fmt.Fprintln(s.warn, "gongsync: explain: no domain rules read (is the database migrated?):", err)
		return nil, nil
	}
	return rules, nil
}

func printExplanation(w io.Writer, e callsync.Explanation) error {
	r := e.Resolution
	var b strings.Builder
	fmt.Fprintf(&b, "Call %s: %s\n", e.CallID, e.Title)
	switch {
	case e.Skipped:
		b.WriteString("Decision: skipped\n")
	case r.Matched():
		fmt.Fprintf(&b, "Decision: %s (%s), matched by %s\n", r.CompanyName, r.CompanyID, r.MatchedBy)
	default:
		b.WriteString("Decision: unmatched\n")
	}
	if r.Reason != "" {
		fmt.Fprintf(&b, "Reason:   %s\n", r.Reason)
	}
	if len(r.Candidates) == 0 {
		b.WriteString("Candidates: none\n")
	} else {
		b.WriteString("Candidates:\n")
		for _, c := range r.Candidates {
			how := "CRM Account id"
			if c.MatchedBy == callsync.MatchedByEmailDomain {
				how = fmt.Sprintf("%d participant(s) by email domain", c.Participants)
			} else if c.MatchedBy == callsync.MatchedByManual {
				how = "assigned by hand"
			}
			fmt.Fprintf(&b, "  - %s (%s): %s\n", c.Name, c.CompanyID, how)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
