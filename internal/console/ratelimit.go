package console

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in attempts: a burst of 5 from one address, then one every 12 s.
const (
	loginBurst = 5
	loginEvery = 12 * time.Second
	maxTracked = 10_000
)

type loginLimiter struct {
	mu     sync.Mutex
	byAddr map[string]*rate.Limiter
	now    func() time.Time
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{byAddr: map[string]*rate.Limiter{}, now: now}
}

// allow reports whether the request's address may try to sign in now.
func (l *loginLimiter) allow(r *http.Request) bool {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	limiter, ok := l.byAddr[addr]
	if !ok {
		if len(l.byAddr) >= maxTracked {
			clear(l.byAddr) // a flood of addresses: start again rather than grow
		}
		limiter = rate.NewLimiter(rate.Every(loginEvery), loginBurst)
		l.byAddr[addr] = limiter
	}
	return limiter.AllowN(l.now(), 1)
}
