package planhat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/upstream"
)

// DefaultBaseURL is Planhat's main API host. Regional hosts exist
// (api-eu, api-us4, …): PLANHAT_API_BASE_URL picks one.
const DefaultBaseURL = "https://api.planhat.com"

// apiName labels metrics and prefixes errors.
const apiName = "planhat"

// ClientOptions configure a Client.
type ClientOptions struct {
	BaseURL       string       // "" means DefaultBaseURL
	Token         string       // private-app API access token, sent as "Authorization: Bearer"; required
	HTTPClient    *http.Client // nil: a plain client with a timeout
	RatePerSecond float64      // PLANHAT_RATE_LIMIT; 0 means no client-side limit
	Breaker       upstream.BreakerSettings
	RateStore     upstream.RateStore // request slots shared by every replica; nil: this process's own
	Metrics       *upstream.Metrics
	Logger        zerolog.Logger
	Now           func() time.Time // nil: time.Now
}

// Client talks to Planhat's REST API within the limits upstream enforces.
// Its errors wrap an *upstream.Error (classify them with upstream.KindOf;
// upstream.IsNotFound for an absent record) or upstream.ErrBadInput for a
// caller's mistake; a few answers that make no sense (ErrRepeatedPage, a
// record for another externalId) are plain errors, which upstream.KindOf
// counts as transient. The token never appears in an error or a log line.
type Client struct {
	caller *upstream.Caller
	logger zerolog.Logger

	mu     sync.Mutex
	warned map[string]bool // warnings already logged once, by topic
}

// NewClient returns a Client for opts.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.Token == "" {
		return nil, errors.New("planhat: the API token is empty")
	}
	baseURL := opts.BaseURL
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	token := opts.Token
	caller, err := upstream.New(upstream.Options{
		API:        apiName,
		BaseURL:    baseURL,
		HTTPClient: opts.HTTPClient,
		Authorize: func(r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		},
		RatePerSecond: opts.RatePerSecond,
		Breaker:       opts.Breaker,
		RateStore:     opts.RateStore,
		Metrics:       opts.Metrics,
		Logger:        opts.Logger,
		Now:           opts.Now,
	})
	if err != nil {
		return nil, err
	}
	return &Client{caller: caller, logger: opts.Logger, warned: map[string]bool{}}, nil
}

// getRecord GETs one record (a keyable lookup) into out. A 200 that holds no
// record (no _id) counts as not found, as a 404 does.
func (c *Client) getRecord(ctx context.Context, path string, out any, idOf func() string) error {
	req := upstream.Request{Method: http.MethodGet, Path: path}
	body, err := c.caller.DoRaw(ctx, req, nil)
	if err != nil {
		return err
	}
	if err := c.decode(req, body, out); err != nil {
		return err
	}
	if idOf() == "" {
		return &upstream.Error{API: apiName, Method: req.Method, Path: req.Path, StatusCode: http.StatusOK,
			Kind: upstream.KindNotFound, Err: errors.New("the answer holds no record")}
	}
	return nil
}

// decode reads a 2xx answer leniently: Planhat documents few field types, and
// one field of an unexpected JSON type must not make a whole company list
// unreadable, or every sync would retry forever. Such a field stays empty and
// is logged once per field.
func (c *Client) decode(req upstream.Request, body []byte, out any) error {
	err := json.Unmarshal(body, out)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		// Keyed by field, not path: paths hold ids, and the set must stay small.
		c.warnOnce("type:"+typeErr.Field+":"+typeErr.Value, func(event *zerolog.Event) {
			event.Str("path", req.Path).Str("field", typeErr.Field).Str("json_type", typeErr.Value).
				Msg("Planhat sent a field of an unexpected type; it is left empty")
		})
		return nil
	}
	if err != nil {
		return &upstream.Error{API: apiName, Method: req.Method, Path: req.Path, StatusCode: http.StatusOK,
			Kind: upstream.KindTransient, Err: fmt.Errorf("decoding the answer: %w", err)}
	}
	return nil
}

// warnOnce logs a warning the first time topic comes up, so a steady
// condition (a filter Planhat ignores) is said once, not on every call.
func (c *Client) warnOnce(topic string, write func(*zerolog.Event)) {
	c.mu.Lock()
	seen := c.warned[topic]
	c.warned[topic] = true
	c.mu.Unlock()
	if !seen {
		write(c.logger.Warn().Str("api", apiName))
	}
}

// keyablePath is "/{model}/{prefix}{id}" with the id path-escaped, so an id
// holding "/" or "?" cannot reach another endpoint.
func keyablePath(model, prefix, id string) string {
	return "/" + model + "/" + prefix + url.PathEscape(id)
}

func badInput(what, problem string) error {
	return fmt.Errorf("planhat: %s: %w: %s", what, upstream.ErrBadInput, problem)
}
