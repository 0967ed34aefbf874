package fakeapi

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	t.Run("BurstOfOneSecondThenRetryAfter", func(t *testing.T) {
		l := NewLimiter(3, 100)
		for range 3 {
			_, ok := l.Take(now)
			assert.True(t, ok)
		}
		retryAfter, ok := l.Take(now)
		assert.False(t, ok)
		assert.Equal(t, 1, retryAfter)
	})
	t.Run("ZeroMeansFallback", func(t *testing.T) {
		l := NewLimiter(0, 1)
		_, ok := l.Take(now)
		assert.True(t, ok)
		_, ok = l.Take(now)
		assert.False(t, ok)
	})
	t.Run("NegativeMeansNoLimit", func(t *testing.T) {
		l := NewLimiter(-1, 1)
		for range 1000 {
			_, ok := l.Take(now)
			assert.True(t, ok)
		}
	})
	t.Run("SlowLimitAsksForSeveralSeconds", func(t *testing.T) {
		l := NewLimiter(0.2, 1)
		l.Take(now)
		retryAfter, ok := l.Take(now)
		assert.False(t, ok)
		assert.Equal(t, 5, retryAfter)
	})
}

func TestWholeSeconds(t *testing.T) {
	assert.Equal(t, 1, WholeSeconds(0))
	assert.Equal(t, 1, WholeSeconds(time.Millisecond))
	assert.Equal(t, 2, WholeSeconds(1001*time.Millisecond))
}

func TestDelayStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, Delay(ctx, time.Hour))
	assert.True(t, Delay(context.Background(), time.Millisecond))
}

func TestSameSecret(t *testing.T) {
	assert.True(t, SameSecret("k", "k"))
	assert.False(t, SameSecret("k", "K"))
	assert.False(t, SameSecret("", "k"))
}
