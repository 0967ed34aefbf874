// Package upstream holds what the Gong and Planhat clients share: the
// client-side rate limits, the pause after a 429, the daily budget, the
// classification of failures (DESIGN §6) and the request metrics.
package upstream

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind says what a failed upstream call means for the work that made it.
type Kind int

// Kinds of upstream failure.
const (
	// KindTransient: network error, timeout or 5xx; retry with backoff.
	KindTransient Kind = iota
	// KindRateLimited: a 429, a pause still running, or the daily budget
	// spent; wait RetryAfter without using up an attempt.
	KindRateLimited
	// KindAuth: 401 or 403; keep retrying slowly and say so loudly.
	KindAuth
	// KindNotFound: a 404; the caller decides what absence means.
	KindNotFound
	// KindPermanent: any other 4xx; retrying will not help.
	KindPermanent
	// KindUnavailable: the circuit is open, the upstream keeps failing;
	// come back after RetryAfter. Nothing was sent.
	KindUnavailable
)

func (k Kind) String() string {
	switch k {
	case KindTransient:
		return "transient"
	case KindRateLimited:
		return "rate_limited"
	case KindAuth:
		return "auth"
	case KindNotFound:
		return "not_found"
	case KindPermanent:
		return "permanent"
	case KindUnavailable:
		return "unavailable (circuit open)"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// maxBodyInError bounds how much of an upstream answer is kept for the ledger.
const maxBodyInError = 2048

// Error is a failed upstream request. It never holds a credential: the
// request line is the method and the path, and the body is the upstream's.
type Error struct {
	API        string        // "gong" or "planhat"
	Method     string        // request method
	Path       string        // request path, without query or host
	StatusCode int           // 0 when no answer came
	Kind       Kind          // what it means
	RetryAfter time.Duration // for KindRateLimited and KindUnavailable: how long to wait
	Body       string        // the upstream's answer, truncated
	Err        error         // the transport error, if any
}

func (e *Error) Error() string {
	switch {
	case e.StatusCode == 0 && e.Err != nil:
		return fmt.Sprintf("%s %s %s: %v", e.API, e.Method, e.Path, e.Err)
	case e.StatusCode == 0:
		return fmt.Sprintf("%s %s %s: %s, retry after %s", e.API, e.Method, e.Path, e.Kind, e.RetryAfter)
	case e.Body != "":
		return fmt.Sprintf("%s %s %s: HTTP %d: %s", e.API, e.Method, e.Path, e.StatusCode, e.Body)
	case e.Err != nil: // e.g. a 2xx answer that could not be decoded
		return fmt.Sprintf("%s %s %s: HTTP %d: %v", e.API, e.Method, e.Path, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("%s %s %s: HTTP %d", e.API, e.Method, e.Path, e.StatusCode)
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf classifies any error from an upstream call. Errors that are not an
// *Error (a cancelled context, a decoding failure) count as transient.
func KindOf(err error) Kind {
	var upstreamErr *Error
	if errors.As(err, &upstreamErr) {
		return upstreamErr.Kind
	}
	return KindTransient
}

// RetryAfterOf returns how long a rate-limited error asks to wait, or 0.
func RetryAfterOf(err error) time.Duration {
	var upstreamErr *Error
	if errors.As(err, &upstreamErr) && (upstreamErr.Kind == KindRateLimited || upstreamErr.Kind == KindUnavailable) {
		return upstreamErr.RetryAfter
	}
	return 0
}

// IsNotFound reports whether err is an upstream 404.
func IsNotFound(err error) bool { return err != nil && KindOf(err) == KindNotFound }

func kindForStatus(status int) Kind {
	switch {
	case status == 429:
		return KindRateLimited
	case status == 401 || status == 403:
		return KindAuth
	case status == 404:
		return KindNotFound
	case status == 408 || status >= 500:
		return KindTransient
	case status >= 400:
		return KindPermanent
	}
	return KindTransient
}

// truncate keeps the start of an answer as valid UTF-8 without NUL bytes:
// the ledger stores it, and PostgreSQL text refuses both.
func truncate(body []byte) string {
	kept, cut := body, false
	if len(kept) > maxBodyInError {
		kept, cut = kept[:maxBodyInError], true
	}
	text := strings.ReplaceAll(strings.ToValidUTF8(string(kept), "\uFFFD"), "\x00", "")
	if cut {
		text = strings.TrimSuffix(text, "\uFFFD") + "…" // a rune cut in two
	}
	return text
}
