package store

import (
	"context"
	"fmt"
)

// TakeBudget counts one request to api against day's limit and reports
// whether it fits. The count lives in the database, so every process on it
// shares the one budget, and a restart does not reset it.
func (db *DB) TakeBudget(ctx context.Context, api, day string, limit int) (bool, error) {
	if limit <= 0 {
		return false, nil
	}
	taken, err := db.engine.pool().exec(ctx, `INSERT INTO upstream_budget (api, day, used) VALUES (?, ?, 1)
		ON CONFLICT (api, day) DO UPDATE SET used = upstream_budget.used + 1 WHERE upstream_budget.used < ?`,
		api, day, limit)
	if err != nil {
		return false, fmt.Errorf("%s daily budget: %w", api, err)
	}
	return taken == 1, nil
}

// RefundBudget gives back one request counted by TakeBudget that was never sent.
func (db *DB) RefundBudget(ctx context.Context, api, day string) error {
	if _, err := db.engine.pool().exec(ctx, `UPDATE upstream_budget SET used = used - 1
		WHERE api = ? AND day = ? AND used > 0`, api, day); err != nil {
		return fmt.Errorf("%s daily budget: %w", api, err)
	}
	return nil
}

// BudgetUsed returns how many requests to api day has counted.
func (db *DB) BudgetUsed(ctx context.Context, api, day string) (int, error) {
	var used int64
	err := db.engine.pool().queryRow(ctx, `SELECT COALESCE(SUM(used), 0) FROM upstream_budget WHERE api = ? AND day = ?`,
		api, day).Scan(&used)
	if err != nil {
		return 0, fmt.Errorf("%s daily budget: %w", api, err)
	}
	return int(used), nil
}
