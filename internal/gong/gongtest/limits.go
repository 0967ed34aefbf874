package gongtest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gongsync/gongsync/internal/fakeapi"
)

// maxBodyBytes bounds the request bodies the fake reads.
const maxBodyBytes = 1 << 20

// gate runs before the API: it counts the request, sleeps the latency, then
// answers a request outside Gong's OpenAPI document, an injected fault, a bad
// credential or an exceeded limit itself.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Requests++
		s.stats.RequestsByPath[r.URL.Path]++
		delay, hasOverride := s.pathLatency[r.URL.Path]
		if !hasOverride {
			delay = s.latency
		}
		s.mu.Unlock()

		if !fakeapi.Delay(r.Context(), delay) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if problems, status := checkSpec(r); len(problems) > 0 {
			s.recordSpecViolation(r, problems)
			writeError(w, status, problems...)
			return
		}
		if fault, ok := s.takeFault(r.URL.Path); ok {
			message := fault.Message
			if message == "" {
				message = defaultMessage(fault.Status)
			}
			if fault.Status == http.StatusTooManyRequests {
				s.tooManyRequests(w, max(fault.RetryAfter, 1), message)
				return
			}
			writeError(w, fault.Status, message)
			return
		}
		if !s.authorized(r) {
			// Wording of Gong's answer to a wrong access key: NOT CONFIRMED.
			writeError(w, http.StatusUnauthorized, "Access denied")
			return
		}
		if retryAfter, ok := s.takeTurn(); !ok {
			s.tooManyRequests(w, retryAfter, defaultMessage(http.StatusTooManyRequests))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) takeFault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, fault := range s.faults {
		if fault.Path != "" && fault.Path != path {
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

func (s *Server) authorized(r *http.Request) bool {
	key, secret, ok := r.BasicAuth()
	if !ok {
		return s.bearerAuthorized(r)
	}
	keyOK, secretOK := fakeapi.SameSecret(key, s.accessKey), fakeapi.SameSecret(secret, s.accessKeySecret)
	return keyOK && secretOK
}

// takeTurn applies the daily cap and the per-second limit; when either is
// exceeded it returns the whole seconds to wait (at least 1), as Gong's
// integer Retry-After does.
func (s *Server) takeTurn() (retryAfter int, ok bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dailyCap > 0 {
		day := now.UTC().Format(time.DateOnly)
		if day != s.capDay {
			s.capDay, s.capUsed = day, 0
		}
		if s.capUsed >= s.dailyCap {
			utc := now.UTC()
			midnight := time.Date(utc.Year(), utc.Month(), utc.Day()+1, 0, 0, 0, 0, time.UTC)
			return fakeapi.WholeSeconds(midnight.Sub(now)), false
		}
	}
	if retryAfter, ok := s.limiter.Take(now); !ok {
		return retryAfter, false
	}
	if s.dailyCap > 0 {
		s.capUsed++
	}
	return 0, true
}

func (s *Server) tooManyRequests(w http.ResponseWriter, retryAfter int, message string) {
	s.mu.Lock()
	s.stats.TooManyRequests++
	s.mu.Unlock()
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	writeError(w, http.StatusTooManyRequests, message)
}

func defaultMessage(status int) string {
	// Gong's wording is known for 404 only; the others follow the spec's
	// descriptions of each status (NOT CONFIRMED as bodies).
	switch status {
	case http.StatusTooManyRequests:
		return "API request limit exceeded"
	case http.StatusNotFound:
		return "No calls found corresponding to the provided filters"
	case http.StatusUnauthorized, http.StatusForbidden:
		return "Access denied"
	case http.StatusBadRequest:
		return "Malformed request"
	}
	if status >= 500 {
		return "Failed to complete the operation due to an unexpected error"
	}
	return http.StatusText(status)
}
