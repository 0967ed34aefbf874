package gongauth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gong/gongtest"
	"github.com/gongsync/gongsync/internal/gongauth"
	"github.com/gongsync/gongsync/internal/store"
	"github.com/gongsync/gongsync/internal/store/storetest"
)

const redirectURL = "https://gongsync.example.com/oauth/gong/callback"

// env is one database with the fake Gong (API and OAuth endpoints).
type env struct {
	t           *testing.T
	databaseURL string
	db          *store.DB
	api         *gongtest.Server
	oauth       *gongtest.OAuthServer
	key         []byte
}

func newEnv(t *testing.T, databaseURL string, opts gongtest.OAuthOptions) *env {
	t.Helper()
	api := gongtest.NewTest(t, gongtest.Options{})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	e := &env{t: t, databaseURL: databaseURL, api: api, oauth: gongtest.NewOAuthTest(t, api, opts), key: key}
	e.db = e.openDB()
	require.NoError(t, e.db.Migrate(t.Context()))
	return e
}

// openDB is another handle on the database, as another replica has.
func (e *env) openDB() *store.DB {
	e.t.Helper()
	db, err := store.Open(e.t.Context(), e.databaseURL, nil)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { db.Close() })
	return db
}

// replica is one process's connector, with its metrics and logs.
type replica struct {
	*gongauth.Connector
	registry *prometheus.Registry
	logs     *syncBuffer
}

type replicaOptions struct {
	db  *store.DB        // nil: the env's
	key []byte           // nil: the env's; use noKey for none
	now func() time.Time // nil: time.Now
}

var noKey = []byte{}

func (e *env) replica(opts replicaOptions) *replica {
	e.t.Helper()
	if opts.db == nil {
		opts.db = e.db
	}
	key := opts.key
	switch {
	case key == nil:
		key = e.key
	case len(key) == 0:
		key = nil
	}
	clientID, secret := e.oauth.Credentials()
	r := &replica{registry: prometheus.NewRegistry(), logs: &syncBuffer{}}
	connector, err := gongauth.New(e.t.Context(), gongauth.Options{
		OAuth: gong.NewOAuth(gong.OAuthApp{
			ClientID: clientID, ClientSecret: secret,
			AuthURL: e.oauth.AuthURL(), TokenURL: e.oauth.TokenURL(),
			RedirectURL: redirectURL,
			Scopes:      []string{"api:calls:read:basic", "api:calls:read:extensive"},
		}),
		Store:      opts.db,
		Key:        key,
		Registerer: r.registry,
		Logger:     zerolog.New(r.logs),
		Now:        opts.now,
	})
	require.NoError(e.t, err)
	r.Connector = connector
	return r
}

// approve is the administrator clicking "Allow" at Gong: it returns the
// callback's code and state.
func approve(t *testing.T, authorizeURL string) gongauth.Callback {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authorizeURL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, redirectURL, back.Scheme+"://"+back.Host+back.Path)
	return gongauth.Callback{Code: back.Query().Get("code"), State: back.Query().Get("state")}
}

// connect runs the whole flow on r.
func (r *replica) connect(t *testing.T) {
	t.Helper()
	authorizeURL, err := r.AuthorizeURL(t.Context())
	require.NoError(t, err)
	require.NoError(t, r.Complete(t.Context(), approve(t, authorizeURL)))
}

func (r *replica) gauge(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	families, err := r.registry.Gather()
	require.NoError(t, err)
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
	metrics:
		for _, m := range family.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("metric %s%v not found", name, labels)
	return 0
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestConnect(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		e := newEnv(t, databaseURL, gongtest.OAuthOptions{})
		r := e.replica(replicaOptions{})
		assert.Equal(t, 0.0, r.gauge(t, "gongsync_gong_oauth_connected"), "not connected before the flow")
		_, err := r.TokenSource().Token()
		var notConnected *gongauth.NotConnectedError
		require.ErrorAs(t, err, &notConnected)

		authorizeURL, err := r.AuthorizeURL(t.Context())
		require.NoError(t, err)
		u, err := url.Parse(authorizeURL)
		require.NoError(t, err)
		q := u.Query()
		clientID, _ := e.oauth.Credentials()
		assert.Equal(t, e.oauth.AuthURL(), u.Scheme+"://"+u.Host+u.Path)
		assert.Equal(t, clientID, q.Get("client_id"))
		assert.Equal(t, "code", q.Get("response_type"))
		assert.Equal(t, "api:calls:read:basic api:calls:read:extensive", q.Get("scope"))
		assert.Equal(t, redirectURL, q.Get("redirect_uri"))
		assert.GreaterOrEqual(t, len(q.Get("state")), 40, "32 random bytes")

		require.NoError(t, r.Complete(t.Context(), approve(t, authorizeURL)))
		assert.Equal(t, 1.0, r.gauge(t, "gongsync_gong_oauth_connected"))
		token, err := r.TokenSource().Token()
		require.NoError(t, err)
		assert.True(t, e.oauth.AccessTokenValid(token.AccessToken))
		assert.Empty(t, token.RefreshToken, "the refresh token never leaves the connector")
		assert.Equal(t, e.api.URL(), gong.BaseURLOf(token))
		assert.Equal(t, 1, e.oauth.Stats().Exchanges)
		assert.NotContains(t, r.logs.String(), token.AccessToken)

		stored, found, err := e.db.OAuthToken(t.Context())
		require.NoError(t, err)
		require.True(t, found)
		assert.True(t, strings.HasPrefix(stored.AccessToken, "gcm1."), "sealed")
		assert.NotContains(t, stored.AccessToken, token.AccessToken)
		assert.NotContains(t, stored.RefreshToken, "rt-")
	})
}

func TestForgedState(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		e := newEnv(t, databaseURL, gongtest.OAuthOptions{})
		r := e.replica(replicaOptions{})
		authorizeURL, err := r.AuthorizeURL(t.Context())
		require.NoError(t, err)
		cb := approve(t, authorizeURL)

		for _, state := range []string{"", "forged-state", cb.State + "x"} {
			err := r.Complete(t.Context(), gongauth.Callback{Code: cb.Code, State: state})
			assert.ErrorIs(t, err, gongauth.ErrInvalidState, "state %q", state)
		}
		assert.Equal(t, 0, e.oauth.Stats().Exchanges, "nothing is exchanged for a forged state")
		assert.False(t, r.Connected(t.Context()))
	})
}

func TestReplayedState(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		e := newEnv(t, databaseURL, gongtest.OAuthOptions{})
		first := e.replica(replicaOptions{})
		authorizeURL, err := first.AuthorizeURL(t.Context())
		require.NoError(t, err)
		cb := approve(t, authorizeURL)
		// Another replica finishes the flow the first one started.
		second := e.replica(replicaOptions{db: e.openDB()})
		require.NoError(t, second.Complete(t.Context(), cb))

		for _, r := range []*replica{first, second} {
			assert.ErrorIs(t, r.Complete(t.Context(), cb), gongauth.ErrInvalidState)
		}
		assert.Equal(t, 1, e.oauth.Stats().Exchanges, "a replayed state exchanges nothing")
	})
}

func TestExpiredState(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), gongtest.OAuthOptions{})
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	r := e.replica(replicaOptions{now: clock})
	authorizeURL, err := r.AuthorizeURL(t.Context())
	require.NoError(t, err)
	cb := approve(t, authorizeURL)
	mu.Lock()
	now = now.Add(gongauth.DefaultStateTTL + time.Second)
	mu.Unlock()
	assert.ErrorIs(t, r.Complete(t.Context(), cb), gongauth.ErrInvalidState)
	assert.Equal(t, 0, e.oauth.Stats().Exchanges)
}

func TestDenied(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), gongtest.OAuthOptions{})
	r := e.replica(replicaOptions{})
	authorizeURL, err := r.AuthorizeURL(t.Context())
	require.NoError(t, err)
	cb := approve(t, authorizeURL)
	var denied *gongauth.DeniedError
	require.ErrorAs(t, r.Complete(t.Context(), gongauth.Callback{State: cb.State, Error: "access_denied"}), &denied)
	assert.Equal(t, "access_denied", denied.Code)
	assert.ErrorIs(t, r.Complete(t.Context(), cb), gongauth.ErrInvalidState, "the state is used up by the refusal")
}

// waitDue sleeps until a token issued with ttl is due for a refresh (a
// quarter of its life before expiry).
func waitDue(ttl time.Duration) { time.Sleep(ttl*3/4 + 100*time.Millisecond) }

func TestRefresh(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		const ttl = 2 * time.Second
		e := newEnv(t, databaseURL, gongtest.OAuthOptions{AccessTokenTTL: ttl})
		r := e.replica(replicaOptions{})
		r.connect(t)
		first, err := r.TokenSource().Token()
		require.NoError(t, err)
		again, err := r.TokenSource().Token()
		require.NoError(t, err)
		assert.Equal(t, first.AccessToken, again.AccessToken, "fresh: no refresh")
		assert.Equal(t, 0, e.oauth.Stats().Refreshes)

		waitDue(ttl)
		refreshed, err := r.TokenSource().Token()
		require.NoError(t, err)
		assert.NotEqual(t, first.AccessToken, refreshed.AccessToken)
		assert.True(t, e.oauth.AccessTokenValid(refreshed.AccessToken))
		assert.Equal(t, 1, e.oauth.Stats().Refreshes, "refreshed before expiry, once")
		assert.Equal(t, 1.0, r.gauge(t, "gongsync_gong_oauth_refreshes_total"))
		assert.Equal(t, 1.0, r.gauge(t, "gongsync_gong_oauth_connected"))

		// The refresh token was rotated and the new one saved: a second
		// refresh works, so the spent one was never sent again.
		waitDue(ttl)
		_, err = r.TokenSource().Token()
		require.NoError(t, err)
		stats := e.oauth.Stats()
		assert.Equal(t, 2, stats.Refreshes)
		assert.Equal(t, 0, stats.RefusedRefreshes)
	})
}

func TestInvalidGrant(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		const ttl = 2 * time.Second
		e := newEnv(t, databaseURL, gongtest.OAuthOptions{AccessTokenTTL: ttl})
		r := e.replica(replicaOptions{})
		other := e.replica(replicaOptions{db: e.openDB()})
		r.connect(t)
		require.True(t, other.Connected(t.Context()))
		e.oauth.RevokeRefreshTokens()

		waitDue(ttl)
		_, err := r.TokenSource().Token()
		var notConnected *gongauth.NotConnectedError
		require.ErrorAs(t, err, &notConnected)
		assert.Equal(t, "invalid_grant", notConnected.Reason)
		assert.Equal(t, 0.0, r.gauge(t, "gongsync_gong_oauth_connected"))
		assert.Equal(t, 1.0, r.gauge(t, "gongsync_gong_oauth_refresh_failures_total", "reason", "invalid_grant"))
		assert.Contains(t, r.logs.String(), `"level":"error"`)
		assert.Contains(t, r.logs.String(), "Gong OAuth is disconnected")

		// No replica sends the dead refresh token again.
		_, err = other.TokenSource().Token()
		require.ErrorAs(t, err, &notConnected)
		_, err = r.TokenSource().Token()
		require.ErrorAs(t, err, &notConnected)
		assert.Equal(t, 1, e.oauth.Stats().Refreshes)
		assert.Equal(t, 0.0, other.gauge(t, "gongsync_gong_oauth_connected"))
		assert.Contains(t, other.logs.String(), "Gong OAuth is disconnected")

		// Reconnecting brings every replica back.
		r.connect(t)
		assert.True(t, other.Connected(t.Context()))
		token, err := other.TokenSource().Token()
		require.NoError(t, err)
		assert.True(t, e.oauth.AccessTokenValid(token.AccessToken))
		assert.Equal(t, 1.0, other.gauge(t, "gongsync_gong_oauth_connected"))
	})
}

func TestRestartStaysConnected(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		e := newEnv(t, databaseURL, gongtest.OAuthOptions{})
		before := e.replica(replicaOptions{})
		before.connect(t)
		token, err := before.TokenSource().Token()
		require.NoError(t, err)

		t.Run("SameKey", func(t *testing.T) {
			after := e.replica(replicaOptions{db: e.openDB()})
			assert.Equal(t, 1.0, after.gauge(t, "gongsync_gong_oauth_connected"), "set from the database at start")
			got, err := after.TokenSource().Token()
			require.NoError(t, err)
			assert.Equal(t, token.AccessToken, got.AccessToken, "decrypted from the database")
			assert.Equal(t, e.api.URL(), gong.BaseURLOf(got))
			assert.Equal(t, 1, e.oauth.Stats().Exchanges)
			assert.Equal(t, 0, e.oauth.Stats().Refreshes)
		})
		t.Run("OtherKey", func(t *testing.T) {
			otherKey := make([]byte, 32)
			after := e.replica(replicaOptions{db: e.openDB(), key: otherKey})
			assert.Equal(t, 0.0, after.gauge(t, "gongsync_gong_oauth_connected"))
			_, err := after.TokenSource().Token()
			var notConnected *gongauth.NotConnectedError
			require.ErrorAs(t, err, &notConnected)
			assert.Contains(t, notConnected.Reason, "TOKEN_ENCRYPTION_KEY")
		})
		t.Run("NoKey", func(t *testing.T) {
			after := e.replica(replicaOptions{db: e.openDB(), key: noKey})
			assert.False(t, after.Connected(t.Context()))
		})
	})
}

func TestUnencryptedWithoutKey(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), gongtest.OAuthOptions{})
	r := e.replica(replicaOptions{key: noKey})
	r.connect(t)
	assert.Contains(t, r.logs.String(), "TOKEN_ENCRYPTION_KEY is not set")
	token, err := r.TokenSource().Token()
	require.NoError(t, err)
	// Setting a key later keeps the stored tokens readable.
	later := e.replica(replicaOptions{db: e.openDB()})
	got, err := later.TokenSource().Token()
	require.NoError(t, err)
	assert.Equal(t, token.AccessToken, got.AccessToken)
}

// TestReplicasRefreshOnce races replicas on one database, each with its own
// handle, to refresh a token that is due: exactly one refresh reaches Gong,
// and every replica ends with the token it gave.
func TestReplicasRefreshOnce(t *testing.T) {
	storetest.ForEachDatabase(t, func(t *testing.T, databaseURL string) {
		const ttl = 2 * time.Second
		e := newEnv(t, databaseURL, gongtest.OAuthOptions{AccessTokenTTL: ttl})
		var replicas []*replica
		for range 4 {
			replicas = append(replicas, e.replica(replicaOptions{db: e.openDB()}))
		}
		replicas[0].connect(t)
		for _, r := range replicas {
			_, err := r.TokenSource().Token() // each caches the first token
			require.NoError(t, err)
		}

		waitDue(ttl)
		start := make(chan struct{})
		tokens := make([]*oauth2.Token, len(replicas)*3)
		errs := make([]error, len(tokens))
		var wg sync.WaitGroup
		for i := range tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tokens[i], errs[i] = replicas[i%len(replicas)].TokenSource().Token()
			}()
		}
		close(start)
		wg.Wait()

		require.NoError(t, errors.Join(errs...))
		stats := e.oauth.Stats()
		assert.Equal(t, 1, stats.Refreshes, "exactly one refresh reaches Gong")
		assert.Equal(t, 0, stats.RefusedRefreshes)
		for _, token := range tokens {
			assert.Equal(t, tokens[0].AccessToken, token.AccessToken, "every replica uses the one new token")
		}
		assert.True(t, e.oauth.AccessTokenValid(tokens[0].AccessToken))
	})
}

// TestRunRefreshesAhead: an idle service keeps its connection fresh.
func TestRunRefreshesAhead(t *testing.T) {
	const ttl = 2 * time.Second
	e := newEnv(t, storetest.OpenSQLite(t), gongtest.OAuthOptions{AccessTokenTTL: ttl})
	clientID, secret := e.oauth.Credentials()
	connector, err := gongauth.New(t.Context(), gongauth.Options{
		OAuth: gong.NewOAuth(gong.OAuthApp{ClientID: clientID, ClientSecret: secret,
			AuthURL: e.oauth.AuthURL(), TokenURL: e.oauth.TokenURL(), RedirectURL: redirectURL, Scopes: []string{"api:users:read"}}),
		Store:      e.db,
		Key:        e.key,
		WatchEvery: 200 * time.Millisecond,
	})
	require.NoError(t, err)
	authorizeURL, err := connector.AuthorizeURL(t.Context())
	require.NoError(t, err)
	require.NoError(t, connector.Complete(t.Context(), approve(t, authorizeURL)))

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		connector.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	require.Eventually(t, func() bool { return e.oauth.Stats().Refreshes >= 2 }, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, 0, e.oauth.Stats().RefusedRefreshes)
}
