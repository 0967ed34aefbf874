// Package planhattest is a working fake of Planhat's REST API on httptest,
// for tests, the demo and the benchmarks. It follows what is known of the
// real API (reference/planhat.md) rather than our client's habits: bearer
// tokens, bare JSON arrays with limit/offset/select/sort, srcid-/extid-
// keyables, conversations whose unknown type becomes "note", partial PUTs,
// 429s. It can also misbehave on purpose: ignore list filters or offset,
// answer 201 with no body, fail after creating, add latency, inject faults.
//
// Where Planhat's behaviour is NOT CONFIRMED, the fake picks one plausible
// behaviour and says so next to it; Options switch between the variants
// that matter to a client.
package planhattest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongsync/gongsync/internal/fakeapi"
	"github.com/gongsync/gongsync/internal/planhat"
)

// Defaults and Planhat's published limits.
const (
	DefaultToken = "planhattest-api-token"
	// DefaultRatePerSecond is Planhat's hard limit ("150 requests per
	// second"); it never bothers a client within PLANHAT_RATE_LIMIT.
	DefaultRatePerSecond = 150
	// SoftQuotaPerMinute is Planhat's "quota (soft limit) of 200 API calls
	// per minute". Whether it is enforced with 429s is NOT CONFIRMED, so it
	// applies only when Options.RatePerMinute asks for it.
	SoftQuotaPerMinute = 200
)

// Options configure a fake. The zero value behaves like Planhat as far as it
// is known.
type Options struct {
	Token string // the accepted API token; "" means DefaultToken

	RatePerSecond float64 // 0 means DefaultRatePerSecond; negative means no limit
	RatePerMinute int     // requests per fixed minute window; 0 means none
	// OmitRetryAfter sends 429s without a Retry-After header: whether Planhat
	// sends one is NOT CONFIRMED (legacy docs name only X-Rate-Limit-*).
	OmitRetryAfter bool

	// IgnoreListFilters makes list endpoints ignore their filters (email,
	// companyId, …) and answer unfiltered, as a server that does not know
	// them would: a client must check every record it gets.
	IgnoreListFilters bool
	// IgnoreOffset makes list endpoints answer the first page for any offset.
	IgnoreOffset bool

	// CreateStatus is the status of a successful POST /conversations; 0
	// means 200. Planhat's (200 or 201) is NOT CONFIRMED.
	CreateStatus int
	// EmptyCreateBody answers a successful POST /conversations with no body.
	EmptyCreateBody bool

	// BulkKeysWithExternalID makes a bulk upsert's insertsKeys and
	// updatesKeys carry externalId beside _id, as one client library shows;
	// Planhat's docs show _id only (NOT CONFIRMED either way).
	BulkKeysWithExternalID bool
	// BulkMatchesExternalID makes a bulk item without _id update the
	// conversation with its externalId (in its company) instead of creating
	// one. Planhat documents only _id for conversations (NOT CONFIRMED).
	BulkMatchesExternalID bool

	Latency time.Duration    // added before every answer
	Now     func() time.Time // nil: time.Now
}

// Server is the fake Planhat API. All its methods are safe for concurrent use.
type Server struct {
	token      string
	opts       Options
	now        func() time.Time
	handler    http.Handler
	httpServer *httptest.Server

	mu             sync.Mutex
	ids            *idGenerator
	companies      collection
	users          collection
	endusers       collection
	conversations  collection
	customTypes    map[string]bool
	limiter        *fakeapi.Limiter
	windowStart    time.Time // of the per-minute quota
	windowUsed     int
	faults         []Fault
	latency        time.Duration
	createThenFail int
	createThenDrop int
	stats          Stats
}

// New starts a fake on a local port. Close it when done.
func New(opts Options) *Server {
	s := newServer(opts)
	s.httpServer = httptest.NewServer(s.handler)
	return s
}

// NewTest starts a fake that is closed when the test ends. opts is optional.
func NewTest(tb testing.TB, opts ...Options) *Server {
	tb.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s := New(o)
	tb.Cleanup(s.Close)
	return s
}

func newServer(opts Options) *Server {
	s := &Server{
		token:       opts.Token,
		opts:        opts,
		now:         opts.Now,
		ids:         newIDGenerator(),
		customTypes: map[string]bool{},
		latency:     opts.Latency,
		stats:       Stats{RequestsByRoute: map[string]int{}},
	}
	if s.token == "" {
		s.token = DefaultToken
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.CreateStatus == 0 {
		s.opts.CreateStatus = http.StatusOK
	}
	s.limiter = fakeapi.NewLimiter(opts.RatePerSecond, DefaultRatePerSecond)
	s.handler = s.routes()
	return s
}

// URL is the fake's base URL, to use as PLANHAT_API_BASE_URL.
func (s *Server) URL() string { return s.httpServer.URL }

// Handler is the fake's whole API, for serving it elsewhere.
func (s *Server) Handler() http.Handler { return s.handler }

// Close shuts the fake down.
func (s *Server) Close() { s.httpServer.Close() }

// Token is the API token the fake accepts, to use as PLANHAT_API_TOKEN.
func (s *Server) Token() string { return s.token }

// AddCompany stores a company (or replaces the one with the same ID) and
// returns it with its _id, a new 24-hex one when ID is empty.
func (s *Server) AddCompany(company planhat.Company) planhat.Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	if company.ID == "" {
		company.ID = s.ids.next(s.now())
	}
	s.companies.put(toDocument(company))
	return company
}

// AddUser stores a member of the customer's team (or replaces the one with
// the same ID) and returns it with its _id.
func (s *Server) AddUser(user planhat.User) planhat.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if user.ID == "" {
		user.ID = s.ids.next(s.now())
	}
	s.users.put(toDocument(user))
	return user
}

// AddEnduser stores a contact (or replaces the one with the same ID) and
// returns it with its _id and, as Planhat generates it, its name from first
// and last name when Name is empty.
func (s *Server) AddEnduser(enduser planhat.Enduser) planhat.Enduser {
	s.mu.Lock()
	defer s.mu.Unlock()
	if enduser.ID == "" {
		enduser.ID = s.ids.next(s.now())
	}
	if enduser.Name == "" {
		enduser.Name = joinNonEmpty(enduser.FirstName, enduser.LastName)
	}
	doc := toDocument(enduser)
	if i, ok := s.companies.lookup(enduser.CompanyID); ok {
		doc["companyName"] = s.companies.docs[i].str("name")
	}
	s.endusers.put(doc)
	return enduser
}

// AddConversationType registers a custom conversation type, as done in
// Planhat's settings (creating types over the API is NOT CONFIRMED). A
// conversation of any other type than these and the built-in ones is stored
// as "note".
func (s *Server) AddConversationType(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.customTypes[name] = true
}

// AddConversation stores a conversation as POST /conversations would, for
// seeding; it panics when the company is missing or unknown.
func (s *Server) AddConversation(conversation planhat.Conversation) planhat.Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, problem := s.createConversation(toDocument(conversation))
	if problem != "" {
		panic("planhattest: AddConversation: " + problem)
	}
	return fromDocument[planhat.Conversation](doc)
}

// RemoveConversation deletes a conversation, as if someone deleted it in
// Planhat, and reports whether it existed.
func (s *Server) RemoveConversation(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.conversations.byID(id)
	if ok {
		s.conversations.remove(i)
	}
	return ok
}

// Conversations returns every stored conversation, oldest first. Several may
// share an externalId: Planhat does not prevent it, and exactly-once tests
// count them here.
func (s *Server) Conversations() []planhat.Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	conversations := make([]planhat.Conversation, 0, len(s.conversations.docs))
	for _, doc := range s.conversations.docs {
		conversations = append(conversations, fromDocument[planhat.Conversation](doc))
	}
	return conversations
}

// Conversation returns the conversation with Planhat id id.
func (s *Server) Conversation(id string) (planhat.Conversation, bool) {
	doc, ok := s.ConversationDocument(id)
	if !ok {
		return planhat.Conversation{}, false
	}
	return fromDocument[planhat.Conversation](doc), true
}

// ConversationByExternalID returns the oldest conversation with that
// externalId.
func (s *Server) ConversationByExternalID(externalID string) (planhat.Conversation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.conversations.lookup("extid-" + externalID)
	if !ok {
		return planhat.Conversation{}, false
	}
	return fromDocument[planhat.Conversation](s.conversations.docs[i]), true
}

// ConversationDocument returns the whole stored record of a conversation,
// with the fields Planhat generates (createDate, companyName,
// companySourceId, isCustomType) and any field a client sent.
func (s *Server) ConversationDocument(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.conversations.byID(id)
	if !ok {
		return nil, false
	}
	return s.conversations.docs[i].clone(), true
}

// SetLatency delays every answer by d (0 removes the delay).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// CreateThenFail makes the next n POST /conversations create the record and
// then answer 504, as when a gateway gives up on a slow Planhat: the caller
// sees a failure although the conversation exists.
func (s *Server) CreateThenFail(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.createThenFail += max(n, 0)
}

// CreateThenDrop makes the next n POST /conversations create the record and
// then close the connection without an answer.
func (s *Server) CreateThenDrop(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.createThenDrop += max(n, 0)
}

// Stats counts what the fake saw.
type Stats struct {
	Requests int // every request, answered or not
	// RequestsByRoute counts by method and path pattern: "GET /companies",
	// "GET /companies/srcid-*", "GET /conversations/extid-*",
	// "PUT /conversations/{id}", "POST /conversations", …
	RequestsByRoute map[string]int
	TooManyRequests int // 429s sent (limits and injected faults)
	Unauthorized    int // 401s sent
	BulkItems       int // items received by bulk upserts (PUT /conversations)
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	copied := s.stats
	copied.RequestsByRoute = make(map[string]int, len(s.stats.RequestsByRoute))
	for route, n := range s.stats.RequestsByRoute {
		copied.RequestsByRoute[route] = n
	}
	return copied
}

// Requests returns how many requests arrived.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.Requests
}

// RequestsTo returns how many requests arrived for one route, such as
// "GET /companies/srcid-*" (see Stats.RequestsByRoute).
func (s *Server) RequestsTo(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.RequestsByRoute[route]
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{RequestsByRoute: map[string]int{}}
}

// builtInTypes are Planhat's default conversation types, always accepted;
// "note" is what an unknown type becomes.
var builtInTypes = []string{"email", "chat", "ticket", "call", "note"}

func (s *Server) knownType(name string) (known, custom bool) {
	if s.customTypes[name] {
		return true, true
	}
	return slices.Contains(builtInTypes, name), false
}

func joinNonEmpty(parts ...string) string {
	var kept []string
	for _, part := range parts {
		if part != "" {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, " ")
}
