package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// Dialects, as Dialect reports them.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DB is the ledger and the job queue in one database: a call's row and its
// sync_call job are always written together.
type DB struct {
	engine engine
	intake intake // AcceptCall's group commit
	logger *slog.Logger
	now    func() time.Time
}

var _ callsync.Store = (*DB)(nil)

// Open connects to databaseURL: "sqlite:PATH" (the folder is created if
// missing) or "postgres://…" / "postgresql://…". It does not migrate; call
// Migrate. Errors never carry the URL's password.
func Open(ctx context.Context, databaseURL string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var (
		e   engine
		err error
	)
	scheme, rest, _ := strings.Cut(databaseURL, ":")
	switch strings.ToLower(scheme) {
	case "sqlite":
		e, err = openSQLite(ctx, rest, sqliteSynchronous, logger)
	case "postgres", "postgresql":
		e, err = openPostgres(ctx, databaseURL, logger)
	default:
		return nil, unsupportedScheme(databaseURL)
	}
	if err != nil {
		// Not wrapped: the cause's text may hold the password, and %w would
		// hand it on unredacted.
		return nil, errors.New(redact(err.Error(), databaseURL))
	}
	return &DB{engine: e, logger: logger, now: time.Now}, nil
}

var schemePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]{0,19}:`)

func unsupportedScheme(databaseURL string) error {
	const want = "use sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
	// Name the scheme only when it looks like one: a value without one
	// might be a bare secret.
	if scheme := schemePattern.FindString(databaseURL); scheme != "" {
		return fmt.Errorf("DATABASE_URL: unsupported scheme %q: %s", strings.TrimSuffix(scheme, ":"), want)
	}
	return errors.New("DATABASE_URL is not a database URL: " + want)
}

// redact masks every form of the URL's password found in text.
func redact(text, databaseURL string) string {
	for _, secret := range urlSecrets(databaseURL) {
		text = strings.ReplaceAll(text, secret, "xxxxx")
	}
	return text
}

var passwordParam = regexp.MustCompile(`(?i)password=([^&#\s]+)`)

// urlSecrets finds the password of a URL leniently, in userinfo and in a
// password= parameter, as written and decoded, since a URL that fails to
// parse must be redacted too.
func urlSecrets(databaseURL string) []string {
	var found []string
	add := func(secret string) {
		for _, s := range []string{secret, unescape(url.PathUnescape, secret), unescape(url.QueryUnescape, secret)} {
			if s != "" {
				found = append(found, s)
			}
		}
	}
	if _, rest, ok := strings.Cut(databaseURL, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, password, ok := strings.Cut(rest[:at], ":"); ok {
				add(password)
			}
		}
	}
	for _, m := range passwordParam.FindAllStringSubmatch(databaseURL, -1) {
		add(m[1])
	}
	return found
}

func unescape(fn func(string) (string, error), s string) string {
	u, err := fn(s)
	if err != nil {
		return ""
	}
	return u
}

// Dialect is "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.engine.dialect() }

// Ping answers when the database does.
func (db *DB) Ping(ctx context.Context) error { return db.engine.ping(ctx) }

// Close commits the calls already handed to AcceptCall and refuses new ones,
// stops the queue if StopQueue was not called, then closes the database.
func (db *DB) Close() error {
	db.intake.close()
	db.engine.stopNow()
	return db.engine.close()
}

// Reasons Ready gives, for /readyz.
const (
	NotReadyDatabase   = "database does not answer"
	NotReadyMigrations = "migrations not applied"
	NotReadyQueue      = "queue not running"
)

// Ready returns the reasons the store cannot serve yet; none means ready.
// Details go to the log, not into the answer of a public probe.
func (db *DB) Ready(ctx context.Context) []string {
	if err := db.engine.ping(ctx); err != nil {
		db.logger.WarnContext(ctx, "readiness: database does not answer", slog.String("error", err.Error()))
		return []string{NotReadyDatabase}
	}
	var reasons []string
	if err := db.migrated(ctx); err != nil {
		db.logger.WarnContext(ctx, "readiness: migrations not applied", slog.String("error", err.Error()))
		reasons = append(reasons, NotReadyMigrations)
	}
	if !db.engine.running() {
		reasons = append(reasons, NotReadyQueue)
	}
	return reasons
}
