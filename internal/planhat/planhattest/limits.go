package planhattest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/fakeapi"
)

// Fault makes the next Count requests (to Route, or to any route when Route
// is "") answer Status, before authentication and the limits.
type Fault struct {
	Route      string // as in Stats.RequestsByRoute, e.g. "POST /conversations"
	Status     int
	Count      int
	RetryAfter int // seconds in Retry-After when Status is 429; 0 means 1; none with OmitRetryAfter
	// Body is sent as is (as JSON); "" means {"error": status text}. With
	// Status 200 it serves any answer, such as a recorded sample.
	Body string
}

// Inject queues a fault. Faults are used up in the order they were queued.
func (s *Server) Inject(f Fault) {
	if f.Count <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// FailNext makes the next n requests, to any route, answer status.
func (s *Server) FailNext(n, status int) {
	s.Inject(Fault{Status: status, Count: n})
}

// FailNextWithRetryAfter makes the next n requests, to any route, answer 429
// with Retry-After: retryAfter in whole seconds (at least 1), unless the
// fake omits the header.
func (s *Server) FailNextWithRetryAfter(n int, retryAfter time.Duration) {
	s.Inject(Fault{Status: http.StatusTooManyRequests, Count: n, RetryAfter: fakeapi.WholeSeconds(retryAfter)})
}

// gate runs before the API: it counts the request, sleeps the latency, then
// answers an injected fault, a bad token or an exceeded limit itself.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := routeOf(r.Method, r.URL.EscapedPath())
		s.mu.Lock()
		s.stats.Requests++
		s.stats.RequestsByRoute[route]++
		delay := s.latency
		s.mu.Unlock()

		if !fakeapi.Delay(r.Context(), delay) {
			return
		}
		if fault, ok := s.takeFault(route); ok {
			s.answerFault(w, fault)
			return
		}
		if !s.authorized(r) {
			s.mu.Lock()
			s.stats.Unauthorized++
			s.mu.Unlock()
			// Planhat's error body for single-record calls is NOT CONFIRMED.
			writeError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		if retryAfter, ok := s.takeTurn(w); !ok {
			s.tooManyRequests(w, retryAfter)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// routeOf names a request by method and path pattern, for the counters:
// "/companies/srcid-0015…" is "/companies/srcid-*", "/conversations/64ab…"
// is "/conversations/{id}".
func routeOf(method, escapedPath string) string {
	segments := strings.Split(strings.Trim(escapedPath, "/"), "/")
	if len(segments) != 2 {
		return method + " " + escapedPath
	}
	key := "{id}"
	for _, prefix := range []string{"srcid-", "extid-"} {
		if strings.HasPrefix(segments[1], prefix) {
			key = prefix + "*"
		}
	}
	return method + " /" + segments[0] + "/" + key
}

func (s *Server) takeFault(route string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, fault := range s.faults {
		if fault.Route != "" && fault.Route != route {
			continue
		}
		s.faults[i].Count--
		if s.faults[i].Count <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return fault, true
	}
	return Fault{}, false
}

func (s *Server) answerFault(w http.ResponseWriter, fault Fault) {
	if fault.Status == http.StatusTooManyRequests && fault.Body == "" {
		s.tooManyRequests(w, max(fault.RetryAfter, 1))
		return
	}
	if fault.Status == http.StatusTooManyRequests {
		s.countTooMany(w, max(fault.RetryAfter, 1))
	}
	if fault.Body == "" {
		writeError(w, fault.Status, http.StatusText(fault.Status))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(fault.Status)
	_, _ = w.Write([]byte(fault.Body))
}

// authorized accepts "Authorization: Bearer {token}" and, as Planhat's docs
// also allow, HTTP Basic with the token as user name and an empty password.
func (s *Server) authorized(r *http.Request) bool {
	header := r.Header.Get("Authorization")
	given, isBearer := strings.CutPrefix(header, "Bearer ")
	if !isBearer {
		user, password, ok := r.BasicAuth()
		if !ok || password != "" {
			return false
		}
		given = user
	}
	return fakeapi.SameSecret(given, s.token)
}

// takeTurn applies the per-minute quota and the per-second limit; when either
// is exceeded it returns the whole seconds to wait (at least 1). With a
// per-minute quota it sets the legacy X-Rate-Limit-* headers.
func (s *Server) takeTurn(w http.ResponseWriter) (retryAfter int, ok bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	perMinute := s.opts.RatePerMinute
	if perMinute > 0 {
		if now.Sub(s.windowStart) >= time.Minute || now.Before(s.windowStart) {
			s.windowStart, s.windowUsed = now, 0
		}
		w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(perMinute))
		if s.windowUsed >= perMinute {
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			return fakeapi.WholeSeconds(s.windowStart.Add(time.Minute).Sub(now)), false
		}
	}
	if retryAfter, ok := s.limiter.Take(now); !ok {
		return retryAfter, false
	}
	if perMinute > 0 {
		s.windowUsed++
		w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(perMinute-s.windowUsed))
	}
	return 0, true
}

// tooManyRequests answers 429 as legacy docs word it ("429 Too many
// requests"); the JSON shape is NOT CONFIRMED.
func (s *Server) tooManyRequests(w http.ResponseWriter, retryAfter int) {
	s.countTooMany(w, retryAfter)
	writeError(w, http.StatusTooManyRequests, "Too many requests")
}

// countTooMany counts a 429 and sets Retry-After unless the fake omits it.
func (s *Server) countTooMany(w http.ResponseWriter, retryAfter int) {
	s.mu.Lock()
	s.stats.TooManyRequests++
	s.mu.Unlock()
	if !s.opts.OmitRetryAfter {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
}
