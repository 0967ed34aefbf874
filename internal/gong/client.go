package gong

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/upstream"
)

// DefaultBaseURL is Gong's API host. OAuth hands out a customer-specific one
// (api_base_url_for_customer), and the access-key page shows each company's.
const DefaultBaseURL = "https://api.gong.io"

// MaxCallIDsPerRequest bounds filter.callIds of one POST /v2/calls/extensive
// (DESIGN §6); callers batch.
const MaxCallIDsPerRequest = 100

// maxPages stops a cursor that never ends (a Gong bug, or ours) from looping
// forever: 10,000 pages of 100 is a million records, far past any real list.
const maxPages = 10_000

// noCallsFound is how Gong words "nothing matched" in a 404: "No calls found
// corresponding to the provided filters". It means an empty result.
const noCallsFound = "no calls found"

// Context levels of contentSelector.context.
const (
	ContextNone     = "None"
	ContextBasic    = "Basic"    // links to CRM objects
	ContextExtended = "Extended" // links and their field values
)

// ClientOptions configure a Client.
type ClientOptions struct {
	BaseURL string // "" means DefaultBaseURL
	// HTTPClient carries transport-level auth (an OAuth token source, later);
	// nil gives a plain client with a timeout.
	HTTPClient *http.Client
	// Authorize sets per-request auth, e.g. BasicAuth(accessKey, secret).
	Authorize     func(*http.Request) error
	RatePerSecond float64              // GONG_RATE_LIMIT; 0 means no client-side limit
	DailyBudget   int                  // GONG_DAILY_BUDGET; 0 means no budget
	BudgetStore   upstream.BudgetStore // where the day's count lives; nil: this process
	Breaker       upstream.BreakerSettings
	RateStore     upstream.RateStore // request slots shared by every replica; nil: this process's own
	Metrics       *upstream.Metrics
	Logger        zerolog.Logger
	Now           func() time.Time // nil: time.Now
}

// Client talks to Gong's REST API v2 within the limits upstream enforces.
// Its errors are *upstream.Error (classified by kind) or wrap
// upstream.ErrBadInput for a caller's mistake.
type Client struct {
	caller *upstream.Caller
	logger zerolog.Logger
}

// NewClient returns a Client for opts.
func NewClient(opts ClientOptions) (*Client, error) {
	baseURL := opts.BaseURL
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	caller, err := upstream.New(upstream.Options{
		API:           "gong",
		BaseURL:       baseURL,
		HTTPClient:    opts.HTTPClient,
		Authorize:     opts.Authorize,
		RatePerSecond: opts.RatePerSecond,
		DailyBudget:   opts.DailyBudget,
		BudgetStore:   opts.BudgetStore,
		Breaker:       opts.Breaker,
		RateStore:     opts.RateStore,
		Metrics:       opts.Metrics,
		Logger:        opts.Logger,
		Now:           opts.Now,
	})
	if err != nil {
		return nil, err
	}
	return &Client{caller: caller, logger: opts.Logger}, nil
}

// BasicAuth authorizes requests with an access key and its secret (Gong API
// page, "Access Key"). Neither ever appears in an error.
func BasicAuth(accessKey, secret string) func(*http.Request) error {
	return func(r *http.Request) error {
		if accessKey == "" || secret == "" {
			return errors.New("gong access key or secret is not set")
		}
		r.SetBasicAuth(accessKey, secret)
		return nil
	}
}

// BudgetUsed returns how many requests today's GONG_DAILY_BUDGET has counted.
func (c *Client) BudgetUsed() int { return c.caller.BudgetUsed() }

// BudgetLeft returns the requests GONG_DAILY_BUDGET still allows today, or
// -1 when there is no budget.
func (c *Client) BudgetLeft(ctx context.Context) (int, error) { return c.caller.BudgetLeft(ctx) }

// CircuitOpen reports whether requests to Gong wait because it keeps failing.
func (c *Client) CircuitOpen() bool { return c.caller.CircuitOpen() }

// ExtensiveOptions tune POST /v2/calls/extensive. The zero value is what the
// sync needs: CRM context with field values, parties, and the AI summary.
type ExtensiveOptions struct {
	Context     string // ContextNone, ContextBasic or ContextExtended; "" means ContextExtended
	OmitParties bool   // leave parties out (the summary poll does not need them)
	// ContextTiming is contentSelector.contextTiming ("Now", "TimeOfCall"),
	// sent only with ContextExtended; empty leaves Gong's default (["Now"]).
	ContextTiming []string
}

type extensiveRequest struct {
	Cursor          string          `json:"cursor,omitempty"`
	Filter          extensiveFilter `json:"filter"`
	ContentSelector contentSelector `json:"contentSelector"`
}

type extensiveFilter struct {
	CallIDs []string `json:"callIds"`
}

type contentSelector struct {
	Context       string        `json:"context"`
	ContextTiming []string      `json:"contextTiming,omitempty"`
	ExposedFields exposedFields `json:"exposedFields"`
}

type exposedFields struct {
	Parties bool            `json:"parties"`
	Content contentSelected `json:"content"`
}

// contentSelected asks for the AI summary fields (each is returned only when
// requested and ready).
type contentSelected struct {
	Brief       bool `json:"brief"`
	KeyPoints   bool `json:"keyPoints"`
	Highlights  bool `json:"highlights"`
	CallOutcome bool `json:"callOutcome"`
}

type callsPage struct {
	RequestID string     `json:"requestId"`
	Records   Records    `json:"records"`
	Calls     []CallData `json:"calls"`
}

type callBasicPage struct {
	RequestID string     `json:"requestId"`
	Records   Records    `json:"records"`
	Calls     []MetaData `json:"calls"`
}

type usersPage struct {
	RequestID string  `json:"requestId"`
	Records   Records `json:"records"`
	Users     []User  `json:"users"`
}

// CallsExtensive returns the calls among callIDs that Gong can show, with
// parties, CRM context and whatever AI summary is ready. A call Gong cannot
// show yet is simply absent; none at all is an empty result, not an error.
// callIDs must hold 1 to MaxCallIDsPerRequest distinct ids (duplicates are
// dropped: Gong wants unique ids).
func (c *Client) CallsExtensive(ctx context.Context, callIDs []string, opts ExtensiveOptions) ([]CallData, error) {
	ids, err := checkCallIDs(callIDs)
	if err != nil {
		return nil, err
	}
	level := opts.Context
	switch level {
	case "":
		level = ContextExtended
	case ContextNone, ContextBasic, ContextExtended:
	default:
		return nil, fmt.Errorf("gong: calls extensive: %w: context %q", upstream.ErrBadInput, opts.Context)
	}
	var timing []string
	if level == ContextExtended {
		timing = opts.ContextTiming
	}
	body := extensiveRequest{
		Filter: extensiveFilter{CallIDs: ids},
		ContentSelector: contentSelector{
			Context:       level,
			ContextTiming: timing,
			ExposedFields: exposedFields{
				Parties: !opts.OmitParties,
				Content: contentSelected{Brief: true, KeyPoints: true, Highlights: true, CallOutcome: true},
			},
		},
	}
	var calls []CallData
	err = paginate(ctx, func(ctx context.Context, cursor string) (string, error) {
		body.Cursor = cursor // Gong: "All other request inputs should remain the same."
		var page callsPage
		if err := c.do(ctx, upstream.Request{Method: http.MethodPost, Path: "/v2/calls/extensive", Body: body}, &page); err != nil {
			return "", err
		}
		calls = append(calls, page.Calls...)
		return page.Records.Cursor, nil
	})
	if isNoCallsFound(err) {
		return calls, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gong: calls extensive for %d calls: %w", len(ids), err)
	}
	return calls, nil
}

func checkCallIDs(callIDs []string) ([]string, error) {
	if len(callIDs) == 0 {
		return nil, fmt.Errorf("gong: calls extensive: %w: no call ids", upstream.ErrBadInput)
	}
	seen := make(map[string]bool, len(callIDs))
	ids := make([]string, 0, len(callIDs))
	for _, id := range callIDs {
		if !IsCallID(id) {
			return nil, fmt.Errorf("gong: calls extensive: %w: call id %q is not 1 to 20 digits", upstream.ErrBadInput, id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxCallIDsPerRequest {
		return nil, fmt.Errorf("gong: calls extensive: %w: %d call ids, at most %d per request", upstream.ErrBadInput, len(ids), MaxCallIDsPerRequest)
	}
	return ids, nil
}

// ListCalls returns the calls that started in [from, to), optionally in one
// workspace, with their metadata only (GET /v2/calls). For web conferences
// Gong filters on the scheduled time.
func (c *Client) ListCalls(ctx context.Context, from, to time.Time, workspaceID string) ([]CallData, error) {
	var calls []CallData
	err := c.ListCallPages(ctx, from, to, workspaceID, func(page []CallData) error {
		calls = append(calls, page...)
		return nil
	})
	return calls, err
}

// ListCallPages is ListCalls that hands each page to fn as it arrives, so a
// long range need not sit in memory. An error from fn stops the listing and
// is returned as is.
func (c *Client) ListCallPages(ctx context.Context, from, to time.Time, workspaceID string, fn func(page []CallData) error) error {
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return fmt.Errorf("gong: list calls: %w: want from before to", upstream.ErrBadInput)
	}
	query := url.Values{}
	query.Set("fromDateTime", from.UTC().Format(time.RFC3339))
	query.Set("toDateTime", roundUpToSecond(to).UTC().Format(time.RFC3339))
	if workspaceID != "" {
		query.Set("workspaceId", workspaceID)
	}
	var fnErr error
	err := paginate(ctx, func(ctx context.Context, cursor string) (string, error) {
		pageQuery := withCursor(query, cursor)
		var page callBasicPage
		if err := c.do(ctx, upstream.Request{Method: http.MethodGet, Path: "/v2/calls", Query: pageQuery}, &page); err != nil {
			return "", err
		}
		calls := make([]CallData, len(page.Calls))
		for i, meta := range page.Calls {
			calls[i] = CallData{MetaData: meta}
		}
		if fnErr = fn(calls); fnErr != nil {
			return "", fnErr
		}
		return page.Records.Cursor, nil
	})
	switch {
	case fnErr != nil:
		return fnErr
	case isNoCallsFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("gong: list calls %s to %s: %w", query.Get("fromDateTime"), query.Get("toDateTime"), err)
	}
	return nil
}

// ListUsers returns every Gong user (GET /v2/users, all pages), without the
// avatars Gong keeps for its own staff.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	var users []User
	err := paginate(ctx, func(ctx context.Context, cursor string) (string, error) {
		var page usersPage
		if err := c.do(ctx, upstream.Request{Method: http.MethodGet, Path: "/v2/users", Query: withCursor(nil, cursor)}, &page); err != nil {
			return "", err
		}
		users = append(users, page.Users...)
		return page.Records.Cursor, nil
	})
	if err != nil {
		return nil, fmt.Errorf("gong: list users: %w", err)
	}
	return users, nil
}

// do sends one request and decodes the answer leniently: Gong "may add
// fields … without prior warning", and a field of an unexpected JSON type
// (the spec's own examples give dates as numbers) must not make a whole page
// unreadable, or the work that needs it would retry forever. Such a field is
// left empty and logged.
func (c *Client) do(ctx context.Context, r upstream.Request, out any) error {
	body, err := c.caller.DoRaw(ctx, r, nil)
	if err != nil {
		return err
	}
	err = json.Unmarshal(body, out)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		c.logger.Warn().Str("api", "gong").Str("path", r.Path).Str("field", typeErr.Field).
			Str("json_type", typeErr.Value).Msg("Gong sent a field of an unexpected type; it is left empty")
		return nil
	}
	if err != nil {
		return &upstream.Error{API: "gong", Method: r.Method, Path: r.Path, StatusCode: http.StatusOK,
			Kind: upstream.KindTransient, Err: fmt.Errorf("decoding the answer: %w", err)}
	}
	return nil
}

// paginate calls fetch with "" and then with each records.cursor until none
// comes back. A cursor that repeats or never ends is an error, not a loop.
func paginate(ctx context.Context, fetch func(ctx context.Context, cursor string) (next string, err error)) error {
	cursor := ""
	for page := 0; page < maxPages; page++ {
		next, err := fetch(ctx, cursor)
		if err != nil {
			if page > 0 {
				return fmt.Errorf("page %d: %w", page+1, err)
			}
			return err
		}
		if next == "" {
			return nil
		}
		if next == cursor {
			return fmt.Errorf("page %d: Gong returned the same cursor again", page+1)
		}
		cursor = next
	}
	return fmt.Errorf("stopped after %d pages: the cursor never ended", maxPages)
}

func withCursor(query url.Values, cursor string) url.Values {
	if cursor == "" {
		return query
	}
	paged := url.Values{}
	for key, values := range query {
		paged[key] = values
	}
	paged.Set("cursor", cursor)
	return paged
}

// isNoCallsFound reports Gong's 404 for "nothing matches the filter", which
// is an empty result; any other 404 stays an error.
func isNoCallsFound(err error) bool {
	var upstreamErr *upstream.Error
	return errors.As(err, &upstreamErr) && upstreamErr.Kind == upstream.KindNotFound &&
		strings.Contains(strings.ToLower(upstreamErr.Body), noCallsFound)
}

// roundUpToSecond keeps an exclusive upper bound exclusive when the query
// format drops sub-seconds.
func roundUpToSecond(t time.Time) time.Time {
	if truncated := t.Truncate(time.Second); !truncated.Equal(t) {
		return truncated.Add(time.Second)
	}
	return t
}
