// Package storetest gives tests fresh, empty databases: SQLite always, and
// PostgreSQL when GONGSYNC_TEST_POSTGRES_URL names a server
// (scripts/postgres-test-cluster.sh starts one).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvPostgresURL names the variable holding an admin URL of a PostgreSQL
// server on which tests may create and drop databases.
const EnvPostgresURL = "GONGSYNC_TEST_POSTGRES_URL"

// OpenSQLite returns the DATABASE_URL of a new SQLite database in tb's
// temporary folder (the file is created when the store opens it).
func OpenSQLite(tb testing.TB) (databaseURL string) {
	tb.Helper()
	return "sqlite:" + filepath.Join(tb.TempDir(), "gongsync.db")
}

// PostgresURL returns the DATABASE_URL of a new, empty PostgreSQL database,
// dropped when tb ends. It skips tb when GONGSYNC_TEST_POSTGRES_URL is unset.
func PostgresURL(tb testing.TB) (databaseURL string) {
	tb.Helper()
	adminURL := os.Getenv(EnvPostgresURL)
	if adminURL == "" {
		tb.Skip(EnvPostgresURL + " is not set; scripts/postgres-test-cluster.sh starts a server")
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		tb.Fatalf("%s is not a URL", EnvPostgresURL) // the text may hold a password
	}
	name := databaseName(tb)
	admin(tb, adminURL, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0")
	tb.Cleanup(func() {
		admin(tb, adminURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	u.Path = "/" + name
	return u.String()
}

// ForEachDatabase runs test as a subtest named "sqlite" on a fresh SQLite
// database and one named "postgres" on a fresh PostgreSQL database (skipped
// when GONGSYNC_TEST_POSTGRES_URL is unset).
func ForEachDatabase(t *testing.T, test func(t *testing.T, databaseURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { test(t, OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, PostgresURL(t)) })
}

// admin runs one statement on the admin database.
func admin(tb testing.TB, adminURL, statement string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		tb.Fatalf("connecting to %s: %v", EnvPostgresURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, statement); err != nil {
		tb.Fatalf("%s: %v", statement, err)
	}
}

// databaseName is the test's name made an identifier, plus a random suffix
// so that -count=N and parallel packages never collide.
func databaseName(tb testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(tb.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	base := b.String()
	if len(base) > 40 {
		base = base[:40]
	}
	suffix := make([]byte, 5)
	rand.Read(suffix)
	return "gst_" + base + "_" + hex.EncodeToString(suffix)
}
