package gong

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

const (
	testRefreshToken = "rt-SECRET-refresh-token-0123456789"
	testClientSecret = "client-SECRET-0123456789"
)

// TestOAuthRequestShape: the parameters go on the query string, the client
// as HTTP Basic, and no body.
func TestOAuthRequestShape(t *testing.T) {
	var got *http.Request
	var body []byte
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": "at", "refresh_token": "rt2", "expires_in": 3600, "token_type": "bearer",
			BaseURLField: "https://company-17.api.gong.io/",
		})
	}))
	defer server.Close()
	o := NewOAuth(OAuthApp{ClientID: "client-id", ClientSecret: testClientSecret, TokenURL: server.URL + "/oauth2/generate-customer-token",
		RedirectURL: "https://gongsync.example.com/oauth/gong/callback"})

	token, err := o.Exchange(t.Context(), "the-code")
	require.NoError(t, err)
	assert.Equal(t, "https://company-17.api.gong.io", BaseURLOf(token))
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Empty(t, body)
	q := got.URL.Query()
	assert.Equal(t, "authorization_code", q.Get("grant_type"))
	assert.Equal(t, "the-code", q.Get("code"))
	assert.Equal(t, "client-id", q.Get("client_id"))
	assert.Equal(t, "https://gongsync.example.com/oauth/gong/callback", q.Get("redirect_uri"))
	assert.Empty(t, q.Get("client_secret"), "the secret goes in the Basic header only")
	id, secret, ok := got.BasicAuth()
	require.True(t, ok)
	assert.Equal(t, "client-id", id)
	assert.Equal(t, testClientSecret, secret)

	_, err = o.Refresh(t.Context(), testRefreshToken)
	require.NoError(t, err)
	q = got.URL.Query()
	assert.Equal(t, "refresh_token", q.Get("grant_type"))
	assert.Equal(t, testRefreshToken, q.Get("refresh_token"))
	assert.Empty(t, body)
}

// TestOAuthErrorsHoldNoSecret: whatever the token endpoint answers, or when
// it cannot be reached, the error names no token, code or client secret.
func TestOAuthErrorsHoldNoSecret(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"error": "invalid_grant", "error_description": "Token " + r.URL.Query().Get("refresh_token") + " " + r.Header.Get("Authorization"),
		})
	}))
	defer echo.Close()
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"` + r.URL.RawQuery + `"}`))
	}))
	defer odd.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, test := range []struct {
		name, url    string
		invalidGrant bool
	}{
		{"EchoingRefusal", echo.URL, true},
		{"OddErrorCode", odd.URL, false},
		{"Unreachable", closed.URL, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			o := NewOAuth(OAuthApp{ClientID: "client-id", ClientSecret: testClientSecret, TokenURL: test.url + "/token"})
			_, err := o.Refresh(t.Context(), testRefreshToken)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testRefreshToken)
			assert.NotContains(t, err.Error(), "SECRET")
			assert.Equal(t, test.invalidGrant, IsInvalidGrant(err))
			_, err = o.Exchange(t.Context(), "code-SECRET")
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "SECRET")
		})
	}
}

// TestOAuthAuthorizeRetargets: a request built on GONG_API_BASE_URL goes to
// the token's api_base_url_for_customer, with the Bearer token.
func TestOAuthAuthorizeRetargets(t *testing.T) {
	token := (&oauth2.Token{AccessToken: "at-1", TokenType: "bearer"}).
		WithExtra(map[string]any{BaseURLField: "https://company-17.api.gong.io"})
	authorize := OAuthAuthorize(oauth2.StaticTokenSource(token), "https://api.gong.io")
	r := httptest.NewRequest(http.MethodPost, "https://api.gong.io/v2/calls/extensive?x=1", nil)
	require.NoError(t, authorize(r))
	assert.Equal(t, "https://company-17.api.gong.io/v2/calls/extensive?x=1", r.URL.String())
	assert.Equal(t, "company-17.api.gong.io", r.Host)
	assert.Equal(t, "Bearer at-1", r.Header.Get("Authorization"))

	// A token without a base URL keeps the configured one.
	authorize = OAuthAuthorize(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "at-2"}), "https://api.gong.io")
	r = httptest.NewRequest(http.MethodGet, "https://api.gong.io/v2/users", nil)
	require.NoError(t, authorize(r))
	assert.Equal(t, "https://api.gong.io/v2/users", r.URL.String())
}

func TestCheckBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://company-17.api.gong.io/": "https://company-17.api.gong.io",
		"http://127.0.0.1:8080":           "http://127.0.0.1:8080",
		"":                                "",
		"company-17.api.gong.io":          "",
		"ftp://x.example":                 "",
		"https://user:pw@x.example":       "",
		"https://x.example/?q=1":          "",
	} {
		assert.Equal(t, want, CheckBaseURL(in), in)
	}
}
