package store

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		ctx := t.Context()
		db := openTestDB(t, databaseURL)

		t.Run("FreshDatabaseIsNotMigrated", func(t *testing.T) {
			assert.Contains(t, db.Ready(ctx), NotReadyMigrations)
		})

		t.Run("TwiceIsIdempotent", func(t *testing.T) {
			require.NoError(t, db.Migrate(ctx))
			require.NoError(t, db.Migrate(ctx))
			migrations, err := loadMigrations(db.Dialect())
			require.NoError(t, err)
			var applied int64
			require.NoError(t, db.engine.pool().queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied))
			assert.EqualValues(t, len(migrations), applied)
			assert.NotContains(t, db.Ready(ctx), NotReadyMigrations)
		})

		t.Run("MissingLedgerMigrationIsNotReady", func(t *testing.T) {
			_, err := db.engine.pool().exec(ctx, `DELETE FROM schema_migrations`)
			require.NoError(t, err)
			assert.Contains(t, db.Ready(ctx), NotReadyMigrations)
		})
	})
}

// TestMigrateConcurrently is replicas starting together on one PostgreSQL
// database: each Migrate succeeds and the schema is applied once.
func TestMigrateConcurrently(t *testing.T) {
	databaseURL := storetest.PostgresURL(t)
	const replicas = 4
	dbs := make([]*DB, replicas)
	for i := range dbs {
		dbs[i] = openTestDB(t, databaseURL)
	}
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i, db := range dbs {
		wg.Go(func() { errs[i] = db.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "replica %d", i)
	}
	var applied int64
	require.NoError(t, dbs[0].engine.pool().queryRow(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied))
	migrations, err := loadMigrations(DialectPostgres)
	require.NoError(t, err)
	assert.EqualValues(t, len(migrations), applied)
}

func TestLoadMigrations(t *testing.T) {
	t.Run("DialectsStayInStep", func(t *testing.T) {
		sqlite, err := loadMigrations(DialectSQLite)
		require.NoError(t, err)
		postgres, err := loadMigrations(DialectPostgres)
		require.NoError(t, err)
		require.NotEmpty(t, sqlite)
		require.Len(t, postgres, len(sqlite))
		for i := range sqlite {
			assert.Equal(t, sqlite[i].name, postgres[i].name)
		}
	})
}
