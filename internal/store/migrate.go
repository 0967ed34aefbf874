package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// migrationFS holds the ledger's migrations, one folder per dialect, files
// named NNNN_what.sql and applied in that order.
//
//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads a dialect's migrations, checking they are numbered
// 1, 2, 3 … without gaps.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var migrations []migration
	for _, entry := range entries { // ReadDir sorts by name
		number, _, ok := strings.Cut(entry.Name(), "_")
		version, err := strconv.Atoi(number)
		if !ok || err != nil || !strings.HasSuffix(entry.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s/%s: want NNNN_name.sql", dir, entry.Name())
		}
		if version != len(migrations)+1 {
			return nil, fmt.Errorf("migration %s/%s: want version %d", dir, entry.Name(), len(migrations)+1)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, entry.Name()))
		if err != nil {
			return nil, err
		}
		migrations = append(migrations, migration{version: version, name: entry.Name(), sql: string(body)})
	}
	return migrations, nil
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	applied_at BIGINT  NOT NULL
)`

// Migrate brings the database up to date: River's tables first, then the
// ledger's. It is idempotent, and replicas that start together on
// PostgreSQL take turns (an advisory lock) instead of colliding.
func (db *DB) Migrate(ctx context.Context) error {
	return db.engine.withMigrationLock(ctx, func(ctx context.Context) error {
		if err := db.engine.migrateRiver(ctx); err != nil {
			return err
		}
		return db.migrateLedger(ctx)
	})
}

// migrateLedger applies each missing migration in its own transaction, its
// version recorded in the same transaction.
func (db *DB) migrateLedger(ctx context.Context) error {
	migrations, err := loadMigrations(db.Dialect())
	if err != nil {
		return err
	}
	if _, err := db.engine.pool().exec(ctx, createSchemaMigrations); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	for _, m := range migrations {
		err := db.engine.inTx(ctx, func(tx querier, _ enqueueFunc) error {
			var applied int64
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&applied); err != nil {
				return err
			}
			if applied > 0 {
				return nil
			}
			if _, err := tx.exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, db.now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s/%s: %w", db.Dialect(), m.name, err)
		}
	}
	return nil
}

// migrated reports, as an error, what is missing: River's migrations or
// the ledger's.
func (db *DB) migrated(ctx context.Context) error {
	ok, err := db.engine.riverMigrated(ctx)
	if err != nil {
		return fmt.Errorf("checking the job queue's migrations: %w", err)
	}
	if !ok {
		return fmt.Errorf("the job queue's migrations are not all applied")
	}
	migrations, err := loadMigrations(db.Dialect())
	if err != nil {
		return err
	}
	var latest int64
	err = db.engine.pool().queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&latest)
	if err != nil {
		return fmt.Errorf("reading schema_migrations: %w", err)
	}
	if latest < int64(len(migrations)) {
		return fmt.Errorf("the ledger is at migration %d of %d", latest, len(migrations))
	}
	return nil
}
