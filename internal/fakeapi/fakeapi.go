// Package fakeapi holds what the fake Gong and Planhat APIs (gongtest,
// planhattest) share: a per-second limit answered with a whole-second
// Retry-After, answer latency, and constant-time secret checks.
package fakeapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a per-second limit modelled as a token bucket that holds one
// second's worth of requests; neither API documents its algorithm.
type Limiter struct{ bucket *rate.Limiter }

// NewLimiter limits to perSecond; 0 means fallback, below 0 means no limit.
func NewLimiter(perSecond, fallback float64) *Limiter {
	switch {
	case perSecond < 0:
		return &Limiter{}
	case perSecond == 0:
		perSecond = fallback
	}
	return &Limiter{bucket: rate.NewLimiter(rate.Limit(perSecond), max(1, int(math.Ceil(perSecond))))}
}

// Take spends one request at now, or says in whole seconds how long until
// one is allowed, as an integer Retry-After does.
func (l *Limiter) Take(now time.Time) (retryAfter int, ok bool) {
	if l.bucket == nil || l.bucket.AllowN(now, 1) {
		return 0, true
	}
	missing := 1 - l.bucket.TokensAt(now)
	return WholeSeconds(time.Duration(missing / float64(l.bucket.Limit()) * float64(time.Second))), false
}

// WholeSeconds rounds d up to whole seconds, at least 1.
func WholeSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// Delay waits d, or until ctx ends; it reports whether the wait completed.
func Delay(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// SameSecret compares in constant time; hashing first hides the length too.
func SameSecret(got, want string) bool {
	gotSum, wantSum := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(gotSum[:], wantSum[:]) == 1
}
