package upstream

import (
	"context"
	"sync"
	"time"
)

// BudgetStore counts requests per API and UTC day. The database implements
// it, so all replicas share one budget and a restart does not reset it.
type BudgetStore interface {
	// TakeBudget counts one request and reports whether it fits in limit.
	TakeBudget(ctx context.Context, api, day string, limit int) (bool, error)
	// RefundBudget gives back one counted request that was never sent.
	RefundBudget(ctx context.Context, api, day string) error
	// BudgetUsed returns the day's count.
	BudgetUsed(ctx context.Context, api, day string) (int, error)
}

// RateStore hands out request slots shared by every process of a
// deployment (PostgreSQL), so RatePerSecond holds for all replicas together.
type RateStore interface {
	// ReserveSlot reserves the next slot, interval after the previous one,
	// when it comes within horizon, and says how long to wait for it.
	ReserveSlot(ctx context.Context, api string, interval, horizon time.Duration) (wait time.Duration, reserved bool, err error)
	// PauseRate keeps every process's next slot at least wait away (a 429).
	PauseRate(ctx context.Context, api string, wait time.Duration) error
}

// memoryBudget is a BudgetStore for one process: tests, the demo, commands
// without a database.
type memoryBudget struct {
	mu   sync.Mutex
	day  string
	used int
}

func (b *memoryBudget) TakeBudget(_ context.Context, _, day string, limit int) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if day != b.day {
		b.day, b.used = day, 0
	}
	if b.used >= limit {
		return false, nil
	}
	b.used++
	return true, nil
}

func (b *memoryBudget) RefundBudget(_ context.Context, _, day string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if day == b.day && b.used > 0 {
		b.used--
	}
	return nil
}

func (b *memoryBudget) BudgetUsed(_ context.Context, _, day string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if day != b.day {
		return 0, nil
	}
	return b.used, nil
}
