package gongtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongsync/gongsync/internal/fakeapi"
)

// Defaults of OAuthOptions.
const (
	DefaultOAuthClientID     = "gongtest-oauth-client"
	DefaultOAuthClientSecret = "gongtest-oauth-client-secret"
	DefaultAccessTokenTTL    = time.Hour
	codeTTL                  = 10 * time.Minute
)

// OAuthOptions configure the fake OAuth endpoints.
type OAuthOptions struct {
	ClientID       string        // "" means DefaultOAuthClientID
	ClientSecret   string        // "" means DefaultOAuthClientSecret
	AccessTokenTTL time.Duration // expires_in; 0 means DefaultAccessTokenTTL
	// BaseURL is api_base_url_for_customer; "" means the API fake's URL.
	BaseURL string
}

// OAuthServer fakes Gong's OAuth endpoints (app.gong.io/oauth2/…) on a host
// of their own, and makes the API fake accept the access tokens it issues.
// It follows Gong's documented shapes (gong.md §3.2):
//   - GET /oauth2/authorize?client_id&response_type=code&scope&redirect_uri&state
//     approves at once, as a technical administrator clicking "Allow", and
//     redirects to redirect_uri with code and state;
//   - POST /oauth2/generate-customer-token takes its parameters on the query
//     string (a form body alone is refused) and the client as HTTP Basic;
//   - the answer has access_token, refresh_token, scope, expires_in,
//     token_type and api_base_url_for_customer;
//   - codes and refresh tokens are single-use: a second use is HTTP 400
//     {"error":"invalid_grant","error_description":"Token has been expired or revoked."}.
type OAuthServer struct {
	api          *Server
	clientID     string
	clientSecret string
	httpServer   *httptest.Server

	mu      sync.Mutex
	ttl     time.Duration
	baseURL string
	codes   map[string]issuedCode
	refresh map[string]bool      // refresh token → still usable
	access  map[string]time.Time // access token → expiry
	stats   OAuthStats
	secrets []string // every code and token issued
}

type issuedCode struct {
	redirectURI string
	scope       string
	expires     time.Time
	used        bool
}

// OAuthStats counts the token requests the fake answered.
type OAuthStats struct {
	Authorizations   int // GET /oauth2/authorize
	Exchanges        int // grant_type=authorization_code, answered or refused
	Refreshes        int // grant_type=refresh_token, answered or refused
	RefusedRefreshes int // refreshes answered invalid_grant
}

// NewOAuthTest starts the OAuth fake for api; it is closed when the test ends.
func NewOAuthTest(tb testing.TB, api *Server, opts OAuthOptions) *OAuthServer {
	tb.Helper()
	o := &OAuthServer{
		api:          api,
		clientID:     opts.ClientID,
		clientSecret: opts.ClientSecret,
		ttl:          opts.AccessTokenTTL,
		baseURL:      opts.BaseURL,
		codes:        map[string]issuedCode{},
		refresh:      map[string]bool{},
		access:       map[string]time.Time{},
	}
	if o.clientID == "" {
		o.clientID = DefaultOAuthClientID
	}
	if o.clientSecret == "" {
		o.clientSecret = DefaultOAuthClientSecret
	}
	if o.ttl <= 0 {
		o.ttl = DefaultAccessTokenTTL
	}
	if o.baseURL == "" {
		o.baseURL = api.URL()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/authorize", o.handleAuthorize)
	mux.HandleFunc("POST /oauth2/generate-customer-token", o.handleToken)
	o.httpServer = httptest.NewServer(mux)
	tb.Cleanup(func() {
		o.httpServer.Close()
		bearerHooks.Delete(api)
	})
	api.acceptBearer(o.accessTokenValid)
	return o
}

// AuthURL is GONG_OAUTH_AUTH_URL for this fake.
func (o *OAuthServer) AuthURL() string { return o.httpServer.URL + "/oauth2/authorize" }

// TokenURL is GONG_OAUTH_TOKEN_URL for this fake.
func (o *OAuthServer) TokenURL() string {
	return o.httpServer.URL + "/oauth2/generate-customer-token"
}

// Credentials returns the client id and secret the fake accepts.
func (o *OAuthServer) Credentials() (clientID, clientSecret string) {
	return o.clientID, o.clientSecret
}

// SetAccessTokenTTL changes expires_in for the tokens issued from now on.
func (o *OAuthServer) SetAccessTokenTTL(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ttl = d
}

// RevokeRefreshTokens makes every refresh token issued so far unusable, as
// when an administrator removes the app: the next refresh is invalid_grant.
func (o *OAuthServer) RevokeRefreshTokens() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for token := range o.refresh {
		o.refresh[token] = false
	}
}

// Stats returns a copy of the counters.
func (o *OAuthServer) Stats() OAuthStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stats
}

// Secrets returns every code, access token and refresh token issued, for
// tests that check none of them leaks.
func (o *OAuthServer) Secrets() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.secrets...)
}

// AccessTokenValid reports whether token is an access token the fake issued
// and that has not expired.
func (o *OAuthServer) AccessTokenValid(token string) bool { return o.accessTokenValid(token) }

func (o *OAuthServer) accessTokenValid(token string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	expires, ok := o.access[token]
	return ok && time.Now().Before(expires)
}

func (o *OAuthServer) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o.mu.Lock()
	o.stats.Authorizations++
	o.mu.Unlock()
	switch {
	case q.Get("client_id") != o.clientID:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code":
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	case q.Get("scope") == "":
		http.Error(w, "scope is required", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || redirect.Host == "" {
		http.Error(w, "redirect_uri must be an absolute URL", http.StatusBadRequest)
		return
	}
	code := randomToken("code")
	o.mu.Lock()
	o.secrets = append(o.secrets, code)
	o.codes[code] = issuedCode{redirectURI: redirect.String(), scope: q.Get("scope"), expires: time.Now().Add(codeTTL)}
	o.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	if state := q.Get("state"); state != "" {
		back.Set("state", state)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// tokenAnswer is the token endpoint's answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
	BaseURL      string `json:"api_base_url_for_customer"`
}

func (o *OAuthServer) handleToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || !fakeapi.SameSecret(id, o.clientID) || !fakeapi.SameSecret(secret, o.clientSecret) {
		w.Header().Set("WWW-Authenticate", `Basic realm="gong"`)
		oauthFailure(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		return
	}
	q := r.URL.Query()
	if q.Get("grant_type") == "" {
		oauthFailure(w, http.StatusBadRequest, "invalid_request", "grant_type is missing from the query string.")
		return
	}
	switch q.Get("grant_type") {
	case "authorization_code":
		o.exchange(w, q)
	case "refresh_token":
		o.refreshToken(w, q)
	default:
		oauthFailure(w, http.StatusBadRequest, "unsupported_grant_type", "")
	}
}

func (o *OAuthServer) exchange(w http.ResponseWriter, q url.Values) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stats.Exchanges++
	code, ok := o.codes[q.Get("code")]
	if !ok || code.used || time.Now().After(code.expires) || code.redirectURI != q.Get("redirect_uri") {
		if ok {
			code.used = true
			o.codes[q.Get("code")] = code
		}
		oauthFailure(w, http.StatusBadRequest, "invalid_grant", "Authorization code is invalid.")
		return
	}
	if q.Get("client_id") != o.clientID {
		oauthFailure(w, http.StatusBadRequest, "invalid_request", "client_id does not match.")
		return
	}
	code.used = true
	o.codes[q.Get("code")] = code
	o.issueLocked(w, code.scope)
}

func (o *OAuthServer) refreshToken(w http.ResponseWriter, q url.Values) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stats.Refreshes++
	token := q.Get("refresh_token")
	if !o.refresh[token] {
		o.stats.RefusedRefreshes++
		oauthFailure(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
		return
	}
	o.refresh[token] = false // single-use
	o.issueLocked(w, "")
}

func (o *OAuthServer) issueLocked(w http.ResponseWriter, scope string) {
	answer := tokenAnswer{
		AccessToken:  randomToken("at"),
		RefreshToken: randomToken("rt"),
		Scope:        scope,
		ExpiresIn:    int64(o.ttl.Round(time.Second) / time.Second),
		TokenType:    "bearer",
		BaseURL:      o.baseURL,
	}
	o.secrets = append(o.secrets, answer.AccessToken, answer.RefreshToken)
	o.access[answer.AccessToken] = time.Now().Add(o.ttl)
	o.refresh[answer.RefreshToken] = true
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(answer)
}

func oauthFailure(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	_ = json.NewEncoder(w).Encode(body)
}

func randomToken(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%s", prefix, hex.EncodeToString(b))
}

// bearerHooks holds, for each API fake that has an OAuthServer, the check of
// its Bearer tokens (*Server → func(token string) bool).
var bearerHooks sync.Map

// acceptBearer makes the API accept Bearer tokens for which valid is true,
// besides the access key.
func (s *Server) acceptBearer(valid func(token string) bool) {
	bearerHooks.Store(s, valid)
}

// bearerAuthorized reports whether r carries a Bearer token the OAuth fake issued.
func (s *Server) bearerAuthorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	valid, ok := bearerHooks.Load(s)
	return ok && valid.(func(string) bool)(strings.TrimSpace(token))
}
