package gong

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Gong's OAuth endpoints (Admin center > Settings > Ecosystem > API > Integrations).
const (
	DefaultOAuthAuthURL  = "https://app.gong.io/oauth2/authorize"
	DefaultOAuthTokenURL = "https://app.gong.io/oauth2/generate-customer-token"
)

// BaseURLField is the token answer's field naming the customer's own API
// host (e.g. https://company-17.api.gong.io); the token is valid only there.
const BaseURLField = "api_base_url_for_customer"

// oauthTimeout bounds one request to the token endpoint. A refresh holds the
// token row's lock (on SQLite, the database's one writer) while it runs.
const oauthTimeout = 10 * time.Second

// OAuthApp is an OAuth app created in Gong, and where it sends people back.
type OAuthApp struct {
	ClientID     string
	ClientSecret string
	AuthURL      string // "" means DefaultOAuthAuthURL
	TokenURL     string // "" means DefaultOAuthTokenURL
	RedirectURL  string // PUBLIC_URL + /oauth/gong/callback
	Scopes       []string
	// HTTPClient sends the token requests; nil means a client with a timeout.
	HTTPClient *http.Client
}

// OAuth is the authorization-code flow against Gong, on golang.org/x/oauth2.
//
// Gong takes the token request's parameters on the query string and the
// client's credentials as HTTP Basic (gong.md §3.2: Airbyte's connector says
// so; Gong's own wording is not confirmed, and form bodies are reported to
// work too). x/oauth2 sends a form body, so a transport moves the
// parameters to the query string; the Basic header is x/oauth2's
// AuthStyleInHeader.
type OAuth struct {
	config oauth2.Config
	client *http.Client
}

// NewOAuth returns the flow for app.
func NewOAuth(app OAuthApp) *OAuth {
	authURL, tokenURL := app.AuthURL, app.TokenURL
	if authURL == "" {
		authURL = DefaultOAuthAuthURL
	}
	if tokenURL == "" {
		tokenURL = DefaultOAuthTokenURL
	}
	base := app.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: oauthTimeout}
	}
	transport := base.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	client := *base
	client.Transport = paramsOnQuery{next: transport}
	// A token endpoint that redirects is not followed: the parameters would
	// go wherever it points.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &OAuth{
		config: oauth2.Config{
			ClientID:     app.ClientID,
			ClientSecret: app.ClientSecret,
			Endpoint:     oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader},
			RedirectURL:  app.RedirectURL,
			Scopes:       app.Scopes,
		},
		client: &client,
	}
}

// AuthCodeURL is where a Gong technical administrator approves the app;
// Gong sends them back to the redirect URL with code and state.
func (o *OAuth) AuthCodeURL(state string) string {
	return o.config.AuthCodeURL(state)
}

// Exchange trades an authorization code for tokens. Gong's documented request
// names client_id and redirect_uri besides the code. Errors never hold the
// code, a token or the client secret (see OAuthError).
func (o *OAuth) Exchange(ctx context.Context, code string) (*oauth2.Token, error) {
	token, err := o.config.Exchange(o.context(ctx), code, oauth2.SetAuthURLParam("client_id", o.config.ClientID))
	if err != nil {
		return nil, oauthError("exchanging the authorization code", err)
	}
	return token, nil
}

// Refresh trades a refresh token for a new pair. Gong's refresh tokens are
// single-use: the one passed in is spent once Gong has seen this request,
// whatever comes back, so callers must never send it again.
func (o *OAuth) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, &OAuthError{Op: "refreshing the token", Code: "no_refresh_token"}
	}
	// An expired token makes x/oauth2 refresh at once.
	source := o.config.TokenSource(o.context(ctx), &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)})
	token, err := source.Token()
	if err != nil {
		return nil, oauthError("refreshing the token", err)
	}
	return token, nil
}

func (o *OAuth) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, o.client)
}

// BaseURLOf returns the API base URL a token is valid for (without a
// trailing slash), or "" when the token answer named none or something that
// is not an absolute http(s) URL.
func BaseURLOf(token *oauth2.Token) string {
	if token == nil {
		return ""
	}
	raw, _ := token.Extra(BaseURLField).(string)
	return CheckBaseURL(raw)
}

// CheckBaseURL returns raw without a trailing slash when it is an absolute
// http(s) URL without query or credentials, else "".
func CheckBaseURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	return strings.TrimRight(u.String(), "/")
}

// OAuthAuthorize authorizes each request with a token from source (a Bearer
// header) and sends it to the base URL that token is valid for: Gong hands
// each customer its own API host, and may hand out another on reconnecting.
// configuredBase is the base URL the Client was built with
// (GONG_API_BASE_URL); it is used when the token names none. An error (not
// connected, refresh refused) fails the request as upstream.KindAuth.
func OAuthAuthorize(source oauth2.TokenSource, configuredBase string) func(*http.Request) error {
	configured, _ := url.Parse(strings.TrimRight(configuredBase, "/"))
	return func(r *http.Request) error {
		token, err := source.Token()
		if err != nil {
			return err
		}
		if base := BaseURLOf(token); base != "" && configured != nil {
			if err := retarget(r, configured, base); err != nil {
				return err
			}
		}
		token.SetAuthHeader(r)
		return nil
	}
}

// retarget moves r from the configured base URL to base, keeping the API path.
func retarget(r *http.Request, configured *url.URL, base string) error {
	target, err := url.Parse(base)
	if err != nil {
		return errors.New("gong: the stored API base URL is not a URL")
	}
	path := strings.TrimPrefix(r.URL.Path, configured.Path)
	r.URL.Scheme = target.Scheme
	r.URL.Host = target.Host
	r.URL.Path = target.Path + path
	if r.URL.RawPath != "" {
		r.URL.RawPath = target.EscapedPath() + strings.TrimPrefix(r.URL.RawPath, configured.EscapedPath())
	}
	r.Host = target.Host
	return nil
}

// OAuthError is a refused or failed token request, told without secrets:
// the upstream's answer is reduced to its HTTP status and OAuth error code.
type OAuthError struct {
	Op         string // what was being done
	StatusCode int    // 0 when no answer came
	Code       string // OAuth "error" (invalid_grant …), when Gong gave one
	Cause      string // for a failure without an answer: the network error's kind
}

func (e *OAuthError) Error() string {
	msg := "gong oauth: " + e.Op
	switch {
	case e.StatusCode != 0 && e.Code != "":
		msg += fmt.Sprintf(": HTTP %d %s", e.StatusCode, e.Code)
	case e.StatusCode != 0:
		msg += fmt.Sprintf(": HTTP %d", e.StatusCode)
	case e.Code != "":
		msg += ": " + e.Code
	}
	if e.Cause != "" {
		msg += ": " + e.Cause
	}
	return msg
}

// InvalidGrant reports Gong's answer to a spent, revoked or expired refresh
// token or authorization code: only a person reconnecting can fix it.
func (e *OAuthError) InvalidGrant() bool { return e.Code == "invalid_grant" }

// IsInvalidGrant reports whether err is Gong's invalid_grant.
func IsInvalidGrant(err error) bool {
	var oauthErr *OAuthError
	return errors.As(err, &oauthErr) && oauthErr.InvalidGrant()
}

// oauthCode is the shape of an OAuth error code (RFC 6749 §5.2); anything
// else in that field is not repeated.
var oauthCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// oauthError reduces x/oauth2's error to an OAuthError. Its own text is not
// kept: it quotes the upstream's body and, for a transport failure, the
// request URL, which holds the code or refresh token on the query string.
func oauthError(op string, err error) error {
	out := &OAuthError{Op: op}
	var retrieve *oauth2.RetrieveError
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case errors.As(err, &retrieve):
		if retrieve.Response != nil {
			out.StatusCode = retrieve.Response.StatusCode
		}
		if oauthCode.MatchString(retrieve.ErrorCode) {
			out.Code = retrieve.ErrorCode
		}
	case errors.Is(err, context.DeadlineExceeded):
		out.Cause = "timed out"
	case errors.Is(err, context.Canceled):
		out.Cause = "cancelled"
	case errors.As(err, &netErr) && netErr.Timeout():
		out.Cause = "timed out"
	case errors.As(err, &urlErr):
		out.Cause = "could not reach the token endpoint"
	case strings.Contains(err.Error(), "missing access_token"):
		out.Cause = "the answer has no access_token"
	default:
		out.Cause = "the answer could not be read"
	}
	return out
}

// paramsOnQuery moves a token request's form body to its query string and
// sends no body.
type paramsOnQuery struct{ next http.RoundTripper }

func (t paramsOnQuery) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return t.next.RoundTrip(r)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	r.Body.Close()
	if err != nil {
		return nil, errors.New("reading the token request")
	}
	params, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errors.New("reading the token request")
	}
	moved := r.Clone(r.Context())
	query := moved.URL.Query()
	for name, values := range params {
		query[name] = values
	}
	moved.URL.RawQuery = query.Encode()
	moved.Body = http.NoBody
	moved.GetBody = nil
	moved.ContentLength = 0
	moved.Header.Del("Content-Type")
	return t.next.RoundTrip(moved)
}
