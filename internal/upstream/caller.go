package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// Defaults used when an option is left zero.
const (
	defaultTimeout    = 20 * time.Second
	defaultRetryAfter = 30 * time.Second // a 429 without a usable Retry-After
	maxRetryAfter     = 24 * time.Hour   // longer asks are taken as this: a job still retries daily
	maxResponseBytes  = 32 << 20
	// requestRoom is the time a request keeps for itself after waiting (a
	// quarter of what is left, when that is less): a wait that would leave
	// less of the caller's deadline is handed back (a job snoozes for it)
	// instead of sat out.
	requestRoom = 5 * time.Second
)

// Options configure a Caller.
type Options struct {
	API           string       // "gong" or "planhat": metric label and error prefix
	BaseURL       string       // scheme://host[/prefix]
	HTTPClient    *http.Client // nil: a client with a 20 s timeout
	Authorize     func(*http.Request) error
	RatePerSecond float64 // requests per second from this process; 0 means no limit
	DailyBudget   int     // requests per UTC day; 0 means no budget
	// BudgetStore keeps the day's count where every process and restart
	// sees it (the database); nil keeps it in this process only.
	BudgetStore BudgetStore
	// RateStore, when set, spaces requests on slots shared by every replica
	// instead of this process's own limiter.
	RateStore RateStore
	Breaker   BreakerSettings
	Metrics   *Metrics
	Logger    zerolog.Logger
	Now       func() time.Time // nil: time.Now
}

// Caller sends JSON requests to one API within its limits.
type Caller struct {
	api       string
	baseURL   *url.URL
	client    *http.Client
	authorize func(*http.Request) error
	limiter   *rate.Limiter
	breaker   *breaker
	metrics   *Metrics
	logger    zerolog.Logger
	now       func() time.Time

	budget      int
	budgetStore BudgetStore
	rateStore   RateStore
	interval    time.Duration // between two requests; 0 means no limit

	mu          sync.Mutex
	pausedUntil time.Time // set by a 429: the limit is per company, so every request waits
}

// New returns a Caller. BaseURL must be an absolute URL.
func New(opts Options) (*Caller, error) {
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("%s: base URL %q is not an absolute URL", opts.API, opts.BaseURL)
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: defaultTimeout}
	}
	limit := rate.Inf
	if opts.RatePerSecond > 0 {
		limit = rate.Limit(opts.RatePerSecond)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	authorize := opts.Authorize
	if authorize == nil {
		authorize = func(*http.Request) error { return nil }
	}
	budgetStore := opts.BudgetStore
	if budgetStore == nil {
		budgetStore = &memoryBudget{}
	}
	opts.Metrics.initialise(opts.API)
	return &Caller{
		api:         opts.API,
		baseURL:     base,
		client:      client,
		authorize:   authorize,
		limiter:     rate.NewLimiter(limit, 1),
		breaker:     newBreaker(opts.API, opts.Breaker, opts.Metrics, opts.Logger),
		metrics:     opts.Metrics,
		logger:      opts.Logger,
		now:         now,
		budget:      opts.DailyBudget,
		budgetStore: budgetStore,
		rateStore:   opts.RateStore,
		interval:    intervalOf(opts.RatePerSecond),
	}, nil
}

// Request is one call to the API.
type Request struct {
	Method string
	Path   string     // joined to the base URL; already escaped where needed
	Query  url.Values // optional
	Body   any        // marshalled as JSON when not nil
}

// Do sends the request and decodes a 2xx JSON answer into out (when out is
// not nil). Any failure is an *Error, classified for the caller.
func (c *Caller) Do(ctx context.Context, r Request, out any) error {
	_, err := c.DoRaw(ctx, r, out)
	return err
}

// DoRaw is Do that also returns the raw 2xx body.
func (c *Caller) DoRaw(ctx context.Context, r Request, out any) ([]byte, error) {
	// Built first: a request that cannot be authorized (OAuth not
	// connected) is refused before it takes a slot or the day's budget.
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	done, err := c.waitTurn(ctx, r)
	if err != nil {
		return nil, err
	}
	started := c.now()
	resp, err := c.client.Do(req)
	if err != nil {
		c.metrics.observe(c.api, "error", c.now().Sub(started))
		if ctx.Err() != nil {
			done(nil) // our deadline, not the upstream's failure
		} else {
			done(err)
		}
		return nil, c.fail(r, 0, KindTransient, nil, err)
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.metrics.observe(c.api, strconv.Itoa(resp.StatusCode), c.now().Sub(started))
	if readErr != nil {
		done(readErr)
		return nil, c.fail(r, resp.StatusCode, KindTransient, nil, readErr)
	}
	if resp.StatusCode >= 500 {
		done(fmt.Errorf("status %d", resp.StatusCode))
	} else {
		done(nil) // any answer below 500, 4xx and 429 included, shows the upstream is up
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.failStatus(r, resp, redactCredential(body, req.Header.Get("Authorization")))
	}
	if out != nil && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return nil, c.fail(r, resp.StatusCode, KindTransient, nil, fmt.Errorf("decoding answer: %w", err))
		}
	}
	return body, nil
}

// waitTurn holds the request until it may go: the per-second rate, the
// daily budget, any 429 pause (checked again after every wait, since one may
// start meanwhile) and the circuit. Waits happen here, in the process, as
// long as the caller's deadline leaves room for the request; a longer wait is
// handed back as an error that says how long (a job snoozes for it). done
// must be told how the request went.
func (c *Caller) waitTurn(ctx context.Context, r Request) (done func(error), err error) {
	if err := c.takeSlot(ctx, r); err != nil {
		return nil, err
	}
	day := c.now().UTC().Format(time.DateOnly)
	if err := c.takeBudget(ctx, r, day); err != nil {
		return nil, err
	}
	for {
		if pause := c.pauseLeft(); pause > 0 {
			if err := c.wait(ctx, r, pause, KindRateLimited); err != nil {
				c.refundBudget(ctx, day)
				return nil, err
			}
			continue
		}
		done, openFor := c.breaker.allow()
		if done != nil {
			return done, nil
		}
		if err := c.wait(ctx, r, openFor, KindUnavailable); err != nil {
			c.refundBudget(ctx, day)
			return nil, err
		}
	}
}

// takeSlot waits for the request's place in the per-second rate: this
// process's limiter, or the deployment's shared slots.
func (c *Caller) takeSlot(ctx context.Context, r Request) error {
	if c.rateStore == nil || c.interval == 0 {
		reservation := c.limiter.Reserve()
		if delay := reservation.Delay(); delay > 0 {
			if err := c.wait(ctx, r, delay, KindRateLimited); err != nil {
				reservation.Cancel()
				return err
			}
		}
		return nil
	}
	delay, reserved, err := c.rateStore.ReserveSlot(ctx, c.api, c.interval, c.waitable(ctx))
	if err != nil {
		return c.fail(r, 0, KindTransient, nil, err)
	}
	if !reserved {
		return &Error{API: c.api, Method: r.Method, Path: r.Path, Kind: KindRateLimited, RetryAfter: delay}
	}
	if delay > 0 {
		return c.wait(ctx, r, delay, KindRateLimited)
	}
	return nil
}

// waitable is the longest wait ctx's deadline leaves room for.
func (c *Caller) waitable(ctx context.Context) time.Duration {
	deadline, ok := ctx.Deadline()
	if !ok {
		return maxRetryAfter
	}
	left := time.Until(deadline)
	return max(left-min(requestRoom, left/4), 0)
}

func intervalOf(perSecond float64) time.Duration {
	if perSecond <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / perSecond)
}

// wait sleeps d when ctx's deadline leaves room for the request after it;
// otherwise it returns an error of kind that says to come back after d.
func (c *Caller) wait(ctx context.Context, r Request, d time.Duration, kind Kind) error {
	// time.Until, not c.now: the deadline is wall-clock even when Now is injected.
	if d > c.waitable(ctx) {
		return &Error{API: c.api, Method: r.Method, Path: r.Path, Kind: kind, RetryAfter: d}
	}
	if err := sleep(ctx, d); err != nil {
		return c.fail(r, 0, KindTransient, nil, err)
	}
	return nil
}

func (c *Caller) pauseLeft() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pausedUntil.Sub(c.now())
}

// takeBudget counts one request against today's budget, or says how long
// until the next UTC day when it is spent.
func (c *Caller) takeBudget(ctx context.Context, r Request, day string) error {
	if c.budget <= 0 {
		return nil
	}
	ok, err := c.budgetStore.TakeBudget(ctx, c.api, day, c.budget)
	if err != nil {
		// Not sent: a budget that cannot be counted is not spent blindly.
		return c.fail(r, 0, KindTransient, nil, err)
	}
	if !ok {
		now := c.now().UTC()
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
		c.logger.Warn().Str("api", c.api).Int("budget", c.budget).Msg("daily budget spent; requests wait for the next UTC day")
		return &Error{API: c.api, Method: r.Method, Path: r.Path, Kind: KindRateLimited, RetryAfter: midnight.Sub(now)}
	}
	return nil
}

// refundBudget gives back a request counted by takeBudget that was never
// sent, so waiting callers do not use up the day's budget.
func (c *Caller) refundBudget(ctx context.Context, day string) {
	if c.budget <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.budgetStore.RefundBudget(ctx, c.api, day); err != nil {
		c.logger.Warn().Err(err).Str("api", c.api).Msg("could not give back an unsent request to the daily budget")
	}
}

// BudgetUsed returns how many requests today's budget has counted.
func (c *Caller) BudgetUsed() int {
	used, err := c.budgetStore.BudgetUsed(context.Background(), c.api, c.now().UTC().Format(time.DateOnly))
	if err != nil {
		return 0
	}
	return used
}

// BudgetLeft returns how many requests today's budget still allows; -1
// when there is no budget.
func (c *Caller) BudgetLeft(ctx context.Context) (int, error) {
	if c.budget <= 0 {
		return -1, nil
	}
	used, err := c.budgetStore.BudgetUsed(ctx, c.api, c.now().UTC().Format(time.DateOnly))
	if err != nil {
		return 0, err
	}
	return max(c.budget-used, 0), nil
}

// CircuitOpen reports whether the circuit is open (or probing).
func (c *Caller) CircuitOpen() bool { return c.breaker.isOpen() }

func (c *Caller) newRequest(ctx context.Context, r Request) (*http.Request, error) {
	target := *c.baseURL
	target.Path = c.baseURL.Path + "/" + strings.TrimLeft(r.Path, "/")
	target.RawPath = ""
	if strings.Contains(r.Path, "%") {
		target.RawPath = c.baseURL.EscapedPath() + "/" + strings.TrimLeft(r.Path, "/")
		if unescaped, err := url.PathUnescape(target.RawPath); err == nil {
			target.Path = unescaped
		}
	}
	if len(r.Query) > 0 {
		target.RawQuery = r.Query.Encode()
	}
	var body io.Reader
	if r.Body != nil {
		encoded, err := json.Marshal(r.Body)
		if err != nil {
			return nil, fmt.Errorf("%s %s %s: encoding request: %w", c.api, r.Method, r.Path, err)
		}
		body = bytes.NewReader(encoded)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, target.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s %s: %w", c.api, r.Method, r.Path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := c.authorize(req); err != nil {
		return nil, c.fail(r, 0, KindAuth, nil, err)
	}
	return req, nil
}

func (c *Caller) failStatus(r Request, resp *http.Response, body []byte) error {
	kind := kindForStatus(resp.StatusCode)
	switch kind {
	case KindRateLimited:
		wait := parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		until := c.now().Add(wait)
		c.mu.Lock()
		if until.After(c.pausedUntil) {
			c.pausedUntil = until
		}
		c.mu.Unlock()
		if c.rateStore != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := c.rateStore.PauseRate(ctx, c.api, wait); err != nil {
				c.logger.Warn().Err(err).Str("api", c.api).Msg("could not share the 429 pause with the other replicas")
			}
			cancel()
		}
		c.logger.Warn().Str("api", c.api).Dur("retry_after", wait).Msg("upstream rate limit hit; pausing every request to this API")
		err := c.fail(r, resp.StatusCode, kind, body, nil)
		err.(*Error).RetryAfter = wait
		return err
	case KindAuth:
		c.metrics.authFailure(c.api)
		c.logger.Error().Str("api", c.api).Int("code", resp.StatusCode).Str("path", r.Path).
			Msg("upstream rejected the credential; work keeps retrying slowly until it is fixed")
	}
	return c.fail(r, resp.StatusCode, kind, body, nil)
}

func (c *Caller) fail(r Request, status int, kind Kind, body []byte, err error) error {
	return &Error{API: c.api, Method: r.Method, Path: r.Path, StatusCode: status, Kind: kind, Body: truncate(body), Err: err}
}

// parseRetryAfter reads seconds or an HTTP date; anything else, or nothing,
// falls back to a cautious default.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if seconds, err := strconv.ParseFloat(value, 64); err == nil && seconds >= 0 {
		if seconds >= maxRetryAfter.Seconds() { // also keeps the conversion below from overflowing
			return maxRetryAfter
		}
		return max(time.Duration(seconds*float64(time.Second)), 100*time.Millisecond)
	}
	if at, err := http.ParseTime(value); err == nil {
		return min(max(at.Sub(now), 100*time.Millisecond), maxRetryAfter)
	}
	return defaultRetryAfter
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ErrBadInput reports a caller mistake, such as an empty id.
var ErrBadInput = errors.New("bad input")

// redactCredential blanks the Authorization header value, and the credential
// in it, wherever an error answer echoes them (proxies and debugging
// endpoints do), so neither reaches an error, a log line or the ledger.
func redactCredential(body []byte, authorization string) []byte {
	if authorization == "" {
		return body
	}
	redacted := []byte("[REDACTED]")
	body = bytes.ReplaceAll(body, []byte(authorization), redacted)
	// The credential alone, when long enough not to blank ordinary words.
	if _, credential, ok := strings.Cut(authorization, " "); ok && len(credential) >= 8 {
		body = bytes.ReplaceAll(body, []byte(credential), redacted)
	}
	return body
}
