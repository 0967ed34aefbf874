// Package gongtest is a working fake of Gong's REST API v2 on httptest, for
// tests, the demo and the benchmarks. It follows the real API (basic auth,
// error bodies, records.cursor paging, content fields only when requested and
// ready, 3 requests per second with 429 and Retry-After) rather than our
// client's habits, and it can inject faults and latency. Every request is
// checked against Gong's own OpenAPI document (testdata/openapi-v2-trimmed.json);
// one outside it is refused as Gong would refuse a malformed request, and
// recorded, so that tests notice.
package gongtest

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gongsync/gongsync/internal/fakeapi"
	"github.com/gongsync/gongsync/internal/gong"
)

// Defaults of Options.
const (
	DefaultAccessKey       = "gongtest-access-key"
	DefaultAccessKeySecret = "gongtest-access-key-secret"
	DefaultPageSize        = 100 // Gong's page size
	DefaultRatePerSecond   = 3   // Gong's default limit per company
)

// Options configure a fake. The zero value behaves like Gong's defaults.
type Options struct {
	AccessKey       string        // "" means DefaultAccessKey
	AccessKeySecret string        // "" means DefaultAccessKeySecret
	PageSize        int           // records per page; 0 means DefaultPageSize
	RatePerSecond   float64       // 0 means DefaultRatePerSecond; negative means no limit
	DailyCap        int           // requests per UTC day; 0 means no cap (Gong's is 10,000)
	Latency         time.Duration // added before every answer
	Now             func() time.Time
	// AllowSpecViolations is for tests that send requests outside Gong's
	// OpenAPI document on purpose: the fake refuses and records them either
	// way (see SpecViolations), but NewTest then does not fail the test.
	AllowSpecViolations bool
}

// Server is the fake Gong API. All its methods are safe for concurrent use.
type Server struct {
	accessKey, accessKeySecret string
	pageSize                   int
	now                        func() time.Time
	cursorKey                  []byte // signs cursors, so a made-up one is refused
	handler                    http.Handler
	httpServer                 *httptest.Server

	mu          sync.Mutex
	calls       map[string]gong.CallData    // by id, without AI content
	summaries   map[string]gong.CallContent // AI content, once "ready"
	users       []gong.User
	limiter     *fakeapi.Limiter
	dailyCap    int
	capDay      string
	capUsed     int
	faults      []Fault
	latency     time.Duration
	pathLatency map[string]time.Duration
	stats       Stats
	// specViolations lists the requests refused for leaving Gong's OpenAPI
	// document, one line per problem.
	specViolations []string
}

// New starts a fake on a local port. Close it when done.
func New(opts Options) *Server {
	s := newServer(opts)
	s.httpServer = httptest.NewServer(s.handler)
	return s
}

// NewTest starts a fake that is closed when the test ends. The test fails if
// any request the fake received was outside Gong's OpenAPI document, unless
// opts.AllowSpecViolations.
func NewTest(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	tb.Cleanup(func() {
		s.Close()
		if !opts.AllowSpecViolations {
			s.failOnSpecViolations(tb)
		}
	})
	return s
}

func newServer(opts Options) *Server {
	s := &Server{
		accessKey:       opts.AccessKey,
		accessKeySecret: opts.AccessKeySecret,
		pageSize:        opts.PageSize,
		now:             opts.Now,
		cursorKey:       make([]byte, 32),
		calls:           map[string]gong.CallData{},
		summaries:       map[string]gong.CallContent{},
		dailyCap:        opts.DailyCap,
		latency:         opts.Latency,
		pathLatency:     map[string]time.Duration{},
		stats:           Stats{RequestsByPath: map[string]int{}},
	}
	if s.accessKey == "" {
		s.accessKey = DefaultAccessKey
	}
	if s.accessKeySecret == "" {
		s.accessKeySecret = DefaultAccessKeySecret
	}
	if s.pageSize <= 0 {
		s.pageSize = DefaultPageSize
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.limiter = fakeapi.NewLimiter(opts.RatePerSecond, DefaultRatePerSecond)
	_, _ = rand.Read(s.cursorKey) // crypto/rand.Read never fails
	s.handler = s.routes()
	return s
}

// URL is the fake's base URL, to use as GONG_API_BASE_URL.
func (s *Server) URL() string { return s.httpServer.URL }

// Handler is the fake's whole API, for serving it elsewhere.
func (s *Server) Handler() http.Handler { return s.handler }

// Close shuts the fake down.
func (s *Server) Close() { s.httpServer.Close() }

// Credentials returns the access key and secret the fake accepts.
func (s *Server) Credentials() (accessKey, secret string) {
	return s.accessKey, s.accessKeySecret
}

// Authorize sets the fake's credentials on a request, like gong.BasicAuth.
func (s *Server) Authorize(r *http.Request) error {
	r.SetBasicAuth(s.accessKey, s.accessKeySecret)
	return nil
}

// AddCall makes a call visible to the API (or replaces it). Its Content, if
// any, counts as AI content that is ready, as if SetSummary were called.
func (s *Server) AddCall(call gong.CallData) {
	if !gong.IsCallID(call.MetaData.ID) {
		panic("gongtest: AddCall: metaData.id must be 1 to 20 digits, got " + call.MetaData.ID)
	}
	stored := deepCopy(call)
	content := stored.Content
	stored.Content = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[call.MetaData.ID] = stored
	if content != nil {
		s.summaries[call.MetaData.ID] = *content
	}
}

// SetSummary makes the AI content of a call ready. Until then Gong omits the
// fields, even when they are requested.
func (s *Server) SetSummary(callID string, content gong.CallContent) {
	copied := deepCopy(content)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.summaries[callID] = copied
}

// ClearSummary takes a call's AI content away again.
func (s *Server) ClearSummary(callID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.summaries, callID)
}

// RemoveCall makes a call invisible to the API again.
func (s *Server) RemoveCall(callID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.calls, callID)
}

// AddUser adds a user to GET /v2/users.
func (s *Server) AddUser(user gong.User) {
	copied := deepCopy(user)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, copied)
}

// SetLatency delays every answer by d (0 removes the delay).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetPathLatency delays the answers to one path, e.g. "/v2/calls/extensive",
// by d instead of the general latency (0 removes the override).
func (s *Server) SetPathLatency(path string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d == 0 {
		delete(s.pathLatency, path)
		return
	}
	s.pathLatency[path] = d
}

// Fault makes the next Count requests (to Path, or to any path when Path is
// "") answer Status with Gong's error body, before authentication.
type Fault struct {
	Path       string
	Status     int
	Count      int
	RetryAfter int    // seconds in Retry-After when Status is 429; 0 means 1
	Message    string // errors[0]; "" means a default for the status
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

// FailNext makes the next n requests, to any path, answer status.
func (s *Server) FailNext(n, status int) {
	s.Inject(Fault{Status: status, Count: n})
}

// Stats counts what the fake saw.
type Stats struct {
	Requests        int            // every request, answered or not
	RequestsByPath  map[string]int // by URL path
	TooManyRequests int            // 429s sent (limits and injected faults)
	// ExtensiveCallIDs holds filter.callIds of every well-formed POST
	// /v2/calls/extensive that passed authentication and the limits, in
	// order, one entry per page.
	ExtensiveCallIDs [][]string
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return deepCopy(s.stats)
}

// Requests returns how many requests arrived.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.Requests
}

// RequestsTo returns how many requests arrived for one path.
func (s *Server) RequestsTo(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.RequestsByPath[path]
}

// TooManyRequests returns how many 429s the fake sent.
func (s *Server) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.TooManyRequests
}

// ExtensiveCallIDs returns filter.callIds of each extensive request served
// (see Stats.ExtensiveCallIDs).
func (s *Server) ExtensiveCallIDs() [][]string {
	return s.Stats().ExtensiveCallIDs
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{RequestsByPath: map[string]int{}}
}

// deepCopy keeps callers from sharing slices with the fake's state; a JSON
// round trip is plenty fast for a fake and copies every nested field.
func deepCopy[T any](v T) T {
	encoded, err := json.Marshal(v)
	if err != nil {
		panic("gongtest: copying: " + err.Error())
	}
	var copied T
	if err := json.Unmarshal(encoded, &copied); err != nil {
		panic("gongtest: copying: " + err.Error())
	}
	return copied
}
