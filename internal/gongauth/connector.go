package gongauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/gongsync/gongsync/internal/gong"
)

// Defaults of Options.
const (
	DefaultStateTTL   = 15 * time.Minute
	DefaultWatchEvery = 30 * time.Second
	// refreshAhead is how long before the access token expires a refresh
	// is due (at most a quarter of the token's life).
	refreshAhead = 5 * time.Minute
	// tokenTimeout bounds Token: waiting for the lock, then one refresh.
	tokenTimeout = 30 * time.Second
)

// Errors the callback reports to a person.
var (
	// ErrInvalidState: the state is unknown (forged), expired or used.
	ErrInvalidState = errors.New("the sign-in link is not valid: it was used already, has expired, or was not issued by this gongsync")
	// ErrNoCode: Gong came back without an authorization code.
	ErrNoCode = errors.New("no authorization code came back from Gong")
)

// NotConnectedError is why there is no usable token: never connected,
// disconnected after invalid_grant, or tokens this process cannot decrypt.
type NotConnectedError struct{ Reason string }

func (e *NotConnectedError) Error() string {
	return "gong oauth: not connected (" + e.Reason + "); connect with POST /admin/oauth/gong/start or gongsync oauth-url"
}

// DeniedError is Gong's "error" on the redirect, e.g. access_denied when
// the administrator did not approve.
type DeniedError struct{ Code string }

func (e *DeniedError) Error() string { return "Gong did not grant access (" + e.Code + ")" }

// Options configure a Connector.
type Options struct {
	OAuth      *gong.OAuth
	Store      Store
	Key        []byte // TOKEN_ENCRYPTION_KEY (32 bytes); nil stores tokens unencrypted
	Registerer prometheus.Registerer
	Logger     zerolog.Logger
	StateTTL   time.Duration    // 0 means DefaultStateTTL
	WatchEvery time.Duration    // 0 means DefaultWatchEvery
	Now        func() time.Time // nil: time.Now
}

// Connector is gongsync's OAuth connection to Gong, shared through the
// database by every replica.
type Connector struct {
	oauth    *gong.OAuth
	store    Store
	sealer   sealer
	metrics  *Metrics
	logger   zerolog.Logger
	stateTTL time.Duration
	watch    time.Duration
	now      func() time.Time

	// cache is the oauth2.ReuseTokenSource in front of the database, swapped
	// for a fresh one when the stored connection changes (a reconnect here
	// or on another replica), so no stale token outlives it.
	cache   atomic.Pointer[cachedSource]
	seen    atomic.Int64 // Version of the stored row the cache was filled from
	stateMu sync.Mutex
	state   string // "connected", or why not; for logging changes once
}

type cachedSource struct{ oauth2.TokenSource }

// New returns a Connector and sets the connected gauge from the database.
func New(ctx context.Context, opts Options) (*Connector, error) {
	if opts.OAuth == nil || opts.Store == nil {
		return nil, errors.New("gongauth: OAuth and Store are required")
	}
	s, err := newSealer(opts.Key)
	if err != nil {
		return nil, err
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	c := &Connector{
		oauth:    opts.OAuth,
		store:    opts.Store,
		sealer:   s,
		metrics:  NewMetrics(opts.Registerer),
		logger:   opts.Logger,
		stateTTL: opts.StateTTL,
		watch:    opts.WatchEvery,
		now:      opts.Now,
	}
	if c.stateTTL <= 0 {
		c.stateTTL = DefaultStateTTL
	}
	if c.watch <= 0 {
		c.watch = DefaultWatchEvery
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.resetCache()
	if !s.encrypts() {
		c.logger.Warn().Msg("TOKEN_ENCRYPTION_KEY is not set: Gong OAuth tokens are stored unencrypted in the database")
	}
	c.observe(ctx)
	return c, nil
}

// TokenSource gives the current access token, refreshing it when due. Its
// tokens carry api_base_url_for_customer (gong.BaseURLOf) and no refresh
// token.
func (c *Connector) TokenSource() oauth2.TokenSource { return connectorSource{c} }

type connectorSource struct{ c *Connector }

func (s connectorSource) Token() (*oauth2.Token, error) { return s.c.cache.Load().Token() }

func (c *Connector) resetCache() {
	c.cache.Store(&cachedSource{oauth2.ReuseTokenSource(nil, &dbSource{c: c})})
}

// AuthorizeURL starts a connection: a new state, single-use and valid for
// StateTTL, kept in the database so that any replica can finish it.
func (c *Connector) AuthorizeURL(ctx context.Context) (string, error) {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails
	state := base64.RawURLEncoding.EncodeToString(raw)
	now := c.now()
	if err := c.store.SaveOAuthState(ctx, hashState(state), now.Add(c.stateTTL), now); err != nil {
		return "", fmt.Errorf("gong oauth: saving the state: %w", err)
	}
	return c.oauth.AuthCodeURL(state), nil
}

// Callback is what Gong's redirect brings back.
type Callback struct {
	Code  string
	State string
	Error string // OAuth error on the redirect, e.g. access_denied
}

// errorCode is the shape of an OAuth error code; anything else is not repeated.
var errorCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Complete finishes a connection: it uses the state up first, so a forged,
// expired or replayed one exchanges nothing (ErrInvalidState), then trades
// the code for tokens and stores them.
func (c *Connector) Complete(ctx context.Context, cb Callback) error {
	if cb.State == "" {
		return ErrInvalidState
	}
	ok, err := c.store.TakeOAuthState(ctx, hashState(cb.State), c.now())
	if err != nil {
		return fmt.Errorf("gong oauth: checking the state: %w", err)
	}
	if !ok {
		return ErrInvalidState
	}
	if cb.Error != "" {
		code := cb.Error
		if !errorCode.MatchString(code) {
			code = "error"
		}
		return &DeniedError{Code: code}
	}
	if cb.Code == "" {
		return ErrNoCode
	}
	obtained := c.now()
	token, err := c.oauth.Exchange(ctx, cb.Code)
	if err != nil {
		c.logger.Error().Err(err).Msg("Gong refused to connect: the authorization code could not be exchanged")
		return err
	}
	stored := c.sealToken(token, "", obtained)
	err = c.store.LockOAuthToken(ctx, func(_ StoredToken, _ bool, save func(StoredToken) error) error {
		return save(stored)
	})
	if err != nil {
		return fmt.Errorf("gong oauth: saving the tokens: %w", err)
	}
	c.resetCache()
	c.setState(stateConnected)
	c.logger.Info().Str("base_url", stored.BaseURL).Time("expires", stored.Expiry).Msg("connected to Gong with OAuth")
	return nil
}

// Connected reports whether the database holds a usable connection.
func (c *Connector) Connected(ctx context.Context) bool {
	return c.observe(ctx) == nil
}

// Run keeps the connection fresh until ctx ends: every WatchEvery it
// refreshes a token that is due (so an idle service stays connected), picks
// up a reconnect or disconnect made by another replica, and updates the
// connected gauge.
func (c *Connector) Run(ctx context.Context) {
	ticker := time.NewTicker(c.watch)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if c.observe(ctx) == nil {
			if _, err := c.TokenSource().Token(); err != nil && ctx.Err() == nil {
				c.logger.Warn().Err(err).Msg("Gong OAuth token could not be refreshed ahead of time; retried")
			}
		}
	}
}

// observe reads the stored connection, swaps the cache when it changed, and
// sets the gauge; it returns why there is no usable connection, or nil.
func (c *Connector) observe(ctx context.Context) error {
	stored, found, err := c.store.OAuthToken(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.logger.Warn().Err(err).Msg("reading the Gong OAuth connection")
		}
		return err
	}
	if found && stored.Version != c.seen.Load() {
		c.seen.Store(stored.Version)
		c.resetCache()
	}
	_, _, err = c.usable(stored, found)
	if err != nil {
		c.noteUnusable(err)
	} else {
		c.setState(stateConnected)
	}
	return err
}

// noteUnusable records a lost connection; any other error (the database,
// a refresh without answer) says nothing about the connection.
func (c *Connector) noteUnusable(err error) {
	var notConnected *NotConnectedError
	if errors.As(err, &notConnected) {
		c.setState(notConnected.Reason)
	}
}

// setState sets the gauge and logs a change of connection once per
// process: loudly when the connection is lost.
func (c *Connector) setState(state string) {
	c.stateMu.Lock()
	previous := c.state
	c.state = state
	c.stateMu.Unlock()
	c.metrics.setConnected(state == stateConnected)
	if previous == state {
		return
	}
	switch state {
	case stateConnected:
		if previous != "" {
			c.logger.Info().Msg("Gong OAuth connection is usable")
		}
	case reasonNeverConnected:
		c.logger.Warn().Msg("Gong OAuth is not connected yet: an administrator connects it with POST /admin/oauth/gong/start or gongsync oauth-url; Gong requests fail until then, webhooks are accepted")
	default:
		c.logger.Error().Str("reason", state).Msg("Gong OAuth is disconnected: Gong requests fail until an administrator reconnects with POST /admin/oauth/gong/start or gongsync oauth-url; webhooks are still accepted")
	}
}

// hashState keeps states out of the database: a row read there cannot be
// replayed.
func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}
