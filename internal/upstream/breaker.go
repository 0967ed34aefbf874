package upstream

import (
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"
)

// BreakerSettings tune the shared pause for an upstream that is down. Zero
// values take the defaults.
type BreakerSettings struct {
	// Failures in a row (network errors, timeouts, 5xx) that open the circuit.
	Failures int
	// OpenFor is how long the circuit stays open before one probe may go.
	OpenFor time.Duration
}

const (
	defaultBreakerFailures = 5
	defaultBreakerOpenFor  = 15 * time.Second
	// probeWait is how long a request waits while another one probes.
	probeWait = time.Second
)

// breaker is the circuit of one API: when the upstream refuses connections
// or answers 5xx again and again, every request waits (in the process, not
// in a retry loop) until a single probe finds it back.
type breaker struct {
	circuit *gobreaker.TwoStepCircuitBreaker[struct{}]
	openFor time.Duration

	mu        sync.Mutex
	openUntil time.Time
	open      bool
}

func newBreaker(api string, settings BreakerSettings, metrics *Metrics, logger zerolog.Logger) *breaker {
	failures := settings.Failures
	if failures <= 0 {
		failures = defaultBreakerFailures
	}
	openFor := settings.OpenFor
	if openFor <= 0 {
		openFor = defaultBreakerOpenFor
	}
	b := &breaker{openFor: openFor}
	b.circuit = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        api,
		MaxRequests: 1,
		Timeout:     openFor,
		ReadyToTrip: func(counts gobreaker.Counts) bool { return counts.ConsecutiveFailures >= uint32(failures) },
		// Called with gobreaker's lock held: touch only our own state.
		OnStateChange: func(_ string, from, to gobreaker.State) {
			b.mu.Lock()
			b.open = to != gobreaker.StateClosed
			if to == gobreaker.StateOpen {
				b.openUntil = time.Now().Add(openFor)
			}
			b.mu.Unlock()
			metrics.circuit(api, to != gobreaker.StateClosed)
			event := logger.Info()
			if to == gobreaker.StateOpen {
				event = logger.Error()
			}
			event.Str("api", api).Str("from", from.String()).Str("to", to.String()).
				Msg("circuit " + to.String() + ": requests to this API wait while it is down; one probe at a time finds it back")
		},
	})
	return b
}

// allow returns done when a request may go now, or how long to wait before
// asking again.
func (b *breaker) allow() (done func(error), wait time.Duration) {
	done, err := b.circuit.Allow()
	if err == nil {
		return done, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if left := time.Until(b.openUntil); left > 0 {
		return nil, left
	}
	return nil, probeWait // half-open: another request is probing
}

func (b *breaker) isOpen() bool {
	b.circuit.State() // moves an expired open circuit to half-open
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open
}
