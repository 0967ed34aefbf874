package callsync

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRecheckDelay(t *testing.T) {
	const min, max = 5 * time.Minute, time.Hour
	for _, test := range []struct {
		name     string
		checks   int
		min, max time.Duration
		want     time.Duration
	}{
		{"FirstRecheck", 0, min, max, min},
		{"NegativeChecks", -3, min, max, min},
		{"Second", 1, min, max, 10 * time.Minute},
		{"Third", 2, min, max, 20 * time.Minute},
		{"Fourth", 3, min, max, 40 * time.Minute},
		{"CappedAtMax", 4, min, max, max},
		{"StaysAtMax", 1000, min, max, max},
		{"HugeChecksNoOverflow", math.MaxInt, min, max, max},
		{"HugeMaxNoOverflow", math.MaxInt, time.Second, time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)},
		{"MaxBelowMinGivesMin", 3, time.Hour, time.Minute, time.Hour},
		{"EqualBounds", 7, time.Minute, time.Minute, time.Minute},
		{"ZeroMin", 4, 0, max, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			assert.Equal(t, test.want, RecheckDelay(test.checks, test.min, test.max))
		})
	}

	t.Run("AlwaysWithinBoundsAndNonDecreasing", func(t *testing.T) {
		previous := time.Duration(0)
		for checks := range 200 {
			got := RecheckDelay(checks, 7*time.Second, 13*time.Minute)
			assert.GreaterOrEqual(t, got, 7*time.Second)
			assert.LessOrEqual(t, got, 13*time.Minute)
			assert.GreaterOrEqual(t, got, previous)
			previous = got
		}
	})
}
