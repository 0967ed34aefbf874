package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/store/storetest"
)

func TestOpen(t *testing.T) {
	const password = "s3cr3t-Pa55"

	t.Run("BadURLsGiveClearErrorsWithoutThePassword", func(t *testing.T) {
		for _, test := range []struct {
			name, url, want string
		}{
			{"UnsupportedScheme", "mysql://app:" + password + "@db:3306/gongsync", `unsupported scheme "mysql"`},
			{"NoScheme", password, "not a database URL"},
			{"Empty", "", "not a database URL"},
			{"BadPort", "postgres://app:" + password + "@db:port/gongsync", "DATABASE_URL"},
			{"EscapedPassword", "postgres://app:" + password + "%2F@db:port/gongsync", "DATABASE_URL"},
			{"PasswordParameter", "postgres://db:port/gongsync?user=app&password=" + password, "DATABASE_URL"},
			{"Unreachable", "postgres://app:" + password + "@127.0.0.1:1/gongsync?connect_timeout=2", "connecting to PostgreSQL"},
			{"SQLiteWithoutPath", "sqlite:", "needs a file path"},
			{"SQLiteWithOptions", "sqlite:data/x.db?mode=ro", "takes no options"},
		} {
			t.Run(test.name, func(t *testing.T) {
				db, err := Open(t.Context(), test.url, nil)
				require.Error(t, err)
				assert.Nil(t, db)
				assert.Contains(t, err.Error(), test.want)
				assert.NotContains(t, err.Error(), password)
				assert.NotContains(t, err.Error(), "Pa55")
			})
		}
	})

	t.Run("SQLiteCreatesItsFolder", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a", "b", "gongsync.db")
		db, err := Open(t.Context(), "sqlite:"+path, nil)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		assert.Equal(t, DialectSQLite, db.Dialect())
		require.NoError(t, db.Migrate(t.Context()))
		_, err = os.Stat(path)
		require.NoError(t, err)
	})

	t.Run("SQLiteRunsInWALMode", func(t *testing.T) {
		db := openTestDB(t, storetest.OpenSQLite(t))
		var mode string
		require.NoError(t, db.engine.pool().queryRow(t.Context(), `PRAGMA journal_mode`).Scan(&mode))
		assert.Equal(t, "wal", mode)
		var busyTimeout int
		require.NoError(t, db.engine.pool().queryRow(t.Context(), `PRAGMA busy_timeout`).Scan(&busyTimeout))
		assert.Equal(t, 5000, busyTimeout)
	})

	t.Run("PostgresDialect", func(t *testing.T) {
		db := openTestDB(t, storetest.PostgresURL(t))
		assert.Equal(t, DialectPostgres, db.Dialect())
		require.NoError(t, db.Ping(t.Context()))
	})
}

func TestReady(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		ctx := t.Context()
		db := openTestDB(t, databaseURL)

		t.Run("FreshDatabaseLacksMigrationsAndQueue", func(t *testing.T) {
			assert.Equal(t, []string{NotReadyMigrations, NotReadyQueue}, db.Ready(ctx))
		})

		t.Run("MigratedDatabaseLacksQueue", func(t *testing.T) {
			require.NoError(t, db.Migrate(ctx))
			assert.Equal(t, []string{NotReadyQueue}, db.Ready(ctx))
		})

		t.Run("RunningQueueIsReady", func(t *testing.T) {
			startQueue(t, db, workersWith(newSyncWorker(nil)))
			assert.Empty(t, db.Ready(ctx))
			require.Error(t, db.StartQueue(ctx, &river.Config{}), "a second start is refused")
		})

		t.Run("StoppedQueueIsNotReady", func(t *testing.T) {
			require.NoError(t, db.StopQueue(ctx))
			assert.Equal(t, []string{NotReadyQueue}, db.Ready(ctx))
		})

		t.Run("ClosedDatabaseDoesNotAnswer", func(t *testing.T) {
			require.NoError(t, db.Close())
			assert.Equal(t, []string{NotReadyDatabase}, db.Ready(ctx))
		})
	})
}
