package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gongsync/gongsync/internal/config"
)

const usage = `usage: gongsync [command]

commands:
  serve     run the service (the default)
  migrate   apply database migrations and exit
  config    print the effective settings (secrets as ***) and every invalid one
  version   print the version
  backfill  --from DATE --to DATE [--dry-run]: sync the calls Gong has for a range; resumable
  demo      run the whole job end to end against in-process fakes of Gong and Planhat
  explain   FILE|-: how a webhook payload would be matched to a Planhat company, and why; writes nothing
  oauth-url print the link that connects gongsync to Gong with OAuth (GONG_OAUTH_*)
  healthcheck  exit 0 when this host's gongsync answers /readyz with 200 (for container health checks)

Settings come from environment variables; see README.md.
`

// usageError is a wrong command line: exit code 2.
type usageError struct{ message string }

func (e usageError) Error() string { return e.message }

// run is the whole program; main only supplies the process's context,
// arguments, environment and output streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	command := "serve"
	if len(args) > 0 {
		command = args[0]
	}
	if command == "backfill" {
		return backfillCommand(ctx, args[1:], getenv, stdout, stderr)
	}
	if command == "explain" {
		return explainCommand(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 1 {
		return usageError{fmt.Sprintf("%s takes no arguments\n\n%s", command, usage)}
	}
	switch command {
	case "serve":
		cfg, err := config.Load(getenv)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdout, nil)
	case "migrate":
		cfg, err := config.Load(getenv)
		if err != nil {
			return err
		}
		return migrate(ctx, cfg, stdout)
	case "config":
		cfg, err := config.Load(getenv)
		cfg.Print(stdout)
		return err
	case "version":
		_, err := fmt.Fprintln(stdout, "gongsync", version)
		return err
	case "oauth-url":
		cfg, err := config.Load(getenv)
		if err != nil {
			return err
		}
		return oauthURL(ctx, cfg, stdout, stderr)
	case "demo":
		return demo(ctx, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, getenv, stdout)
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	return usageError{fmt.Sprintf("unknown command %q\n\n%s", command, usage)}
}

// exitCode reports err on stderr and maps it to the process's exit code:
// 2 for invalid settings or a wrong command line, 1 for anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "gongsync:", err)
	var invalid *config.ValidationError
	var wrongUsage usageError
	if errors.As(err, &invalid) || errors.As(err, &wrongUsage) {
		return 2
	}
	return 1
}
