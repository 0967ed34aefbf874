package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong/gongtest"
)

const (
	testPublicURL = "https://gongsync.example.com"
	// testTokenKey is TOKEN_ENCRYPTION_KEY: base64 of 32 bytes.
	testTokenKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	oauthTTL     = 4 * time.Second
)

// oauthEnv configures gongsync with the OAuth client alone. GONG_API_BASE_URL
// points nowhere: Gong requests work only through the token's
// api_base_url_for_customer.
func oauthEnv(databaseURL string, f fakes, oauth *gongtest.OAuthServer) map[string]string {
	env := testEnv(databaseURL, f)
	delete(env, "GONG_ACCESS_KEY")
	delete(env, "GONG_ACCESS_KEY_SECRET")
	clientID, secret := oauth.Credentials()
	env["GONG_API_BASE_URL"] = "http://127.0.0.1:1"
	env["GONG_OAUTH_CLIENT_ID"] = clientID
	env["GONG_OAUTH_CLIENT_SECRET"] = secret
	env["GONG_OAUTH_AUTH_URL"] = oauth.AuthURL()
	env["GONG_OAUTH_TOKEN_URL"] = oauth.TokenURL()
	env["PUBLIC_URL"] = testPublicURL
	env["TOKEN_ENCRYPTION_KEY"] = testTokenKey
	return env
}

// approveAt is the administrator approving at Gong: Gong redirects to
// PUBLIC_URL/oauth/gong/callback, which the test sends to the service.
func approveAt(t *testing.T, s *service, authorizeURL string) (callbackPath string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authorizeURL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, testPublicURL+"/oauth/gong/callback", back.Scheme+"://"+back.Host+back.Path)
	return back.Path + "?" + back.RawQuery
}

// page GETs an HTML page of the service.
func (s *service) page(path string) (int, string) {
	s.t.Helper()
	resp, err := s.httpClient.Get(s.url + path)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	assert.Equal(s.t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	return resp.StatusCode, string(body)
}

func (s *service) startOAuth() string {
	s.t.Helper()
	code, body := s.admin(http.MethodPost, "/admin/oauth/gong/start")
	require.Equal(s.t, http.StatusOK, code, body)
	var answer struct {
		AuthorizeURL string `json:"authorizeUrl"`
	}
	require.NoError(s.t, json.Unmarshal([]byte(body), &answer))
	return answer.AuthorizeURL
}

// metric returns the value of an unlabelled (or fully labelled) series.
func (s *service) metric(series string) string {
	s.t.Helper()
	_, text := s.do(http.MethodGet, "/metrics", nil, nil)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

// syncedWithSummary sends a webhook for a new call and waits until it is complete.
func syncedWithSummary(t *testing.T, s *service, f fakes, id string) {
	t.Helper()
	f.gong.AddCall(newCall(id).build())
	f.gong.SetSummary(id, summary("Brief "+id))
	code, _ := s.postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
	require.Equal(t, http.StatusAccepted, code)
	s.waitForStatus(id, 30*time.Second, "complete")
}

// TestGongOAuth runs the whole OAuth life through the real routes: serve
// starts unconnected, the flow (with a forged and a replayed state), calls
// synced through the customer's API host, a refresh, a restart that stays
// connected, and invalid_grant.
func TestGongOAuth(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, databaseURL string) {
		f := newFakes(t)
		f.globex()
		oauth := gongtest.NewOAuthTest(t, f.gong, gongtest.OAuthOptions{AccessTokenTTL: oauthTTL})
		env := oauthEnv(databaseURL, f, oauth)
		outer := t
		s := startService(t, env) // answers /readyz 200 before anyone connects

		assert.Equal(t, "0", s.metric("gongsync_gong_oauth_connected"))
		assert.Equal(t, "0", s.metric(`gongsync_gong_oauth_refresh_failures_total{reason="invalid_grant"}`))
		code, _ := s.postWebhook(webhook(t, newCall("9001").account("0015g00000Glbx1").build()))
		assert.Equal(t, http.StatusAccepted, code, "webhooks are accepted before OAuth is connected")

		code, _ = s.do(http.MethodPost, "/admin/oauth/gong/start", nil, nil)
		assert.Equal(t, http.StatusUnauthorized, code, "the start needs ADMIN_TOKEN")

		t.Run("ForgedState", func(t *testing.T) {
			code, body := s.page("/oauth/gong/callback?code=made-up&state=forged")
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Contains(t, body, "not valid")
			code, body = s.page("/oauth/gong/callback?code=%3Cscript%3E")
			assert.Equal(t, http.StatusBadRequest, code)
			assert.NotContains(t, body, "<script>")
			assert.Equal(t, 0, oauth.Stats().Exchanges, "nothing is exchanged")
		})

		authorizeURL := s.startOAuth()
		u, err := url.Parse(authorizeURL)
		require.NoError(t, err)
		assert.Equal(t, "api:calls:read:basic api:calls:read:extensive api:users:read", u.Query().Get("scope"))
		assert.Equal(t, testPublicURL+"/oauth/gong/callback", u.Query().Get("redirect_uri"))
		callback := approveAt(t, s, authorizeURL)
		code, body := s.page(callback)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, "Connected to Gong")
		assert.Equal(t, "1", s.metric("gongsync_gong_oauth_connected"))

		t.Run("ReplayedState", func(t *testing.T) {
			code, body := s.page(callback)
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Contains(t, body, "not valid")
			assert.Equal(t, 1, oauth.Stats().Exchanges, "a replayed state exchanges nothing")
		})

		syncedWithSummary(t, s, f, "9002")

		t.Run("Refresh", func(t *testing.T) {
			time.Sleep(oauthTTL * 3 / 4)
			syncedWithSummary(t, s, f, "9003")
			stats := oauth.Stats()
			assert.GreaterOrEqual(t, stats.Refreshes, 1)
			assert.Equal(t, 0, stats.RefusedRefreshes)
			assert.Equal(t, "1", s.metric("gongsync_gong_oauth_connected"))
		})

		t.Run("RestartStaysConnected", func(t *testing.T) {
			require.NoError(t, s.stop())
			s = startService(outer, env) // runs until the whole test ends
			assert.Equal(t, "1", s.metric("gongsync_gong_oauth_connected"), "tokens read back from the database")
			syncedWithSummary(t, s, f, "9004")
			assert.Equal(t, 1, oauth.Stats().Exchanges)
		})

		t.Run("InvalidGrant", func(t *testing.T) {
			oauth.RevokeRefreshTokens()
			time.Sleep(oauthTTL * 3 / 4)
			id := "9005"
			f.gong.AddCall(newCall(id).build())
			code, _ := s.postWebhook(webhook(t, newCall(id).account("0015g00000Glbx1").build()))
			require.Equal(t, http.StatusAccepted, code)
			require.Eventually(t, func() bool { return s.metric("gongsync_gong_oauth_connected") == "0" }, 30*time.Second, 100*time.Millisecond)
			assert.Equal(t, "1", s.metric(`gongsync_gong_oauth_refresh_failures_total{reason="invalid_grant"}`))
			assert.Regexp(t, `"level":"error"[^\n]*Gong OAuth is disconnected`, s.logs.String())
			code, _ = s.postWebhook(webhook(t, newCall("9006").account("0015g00000Glbx1").build()))
			assert.Equal(t, http.StatusAccepted, code, "webhooks are still accepted")
			refreshes := oauth.Stats().Refreshes
			time.Sleep(time.Second)
			assert.Equal(t, refreshes, oauth.Stats().Refreshes, "the dead refresh token is not sent again")
		})

		logs := s.logs.String()
		for _, secret := range oauth.Secrets() {
			assert.NotContains(t, logs, secret, "no code or token in a log line")
		}
		_, secret := oauth.Credentials()
		assert.NotContains(t, logs, secret)
	})
}

// TestOAuthURLCommand: gongsync oauth-url prints a link whose state the
// running service accepts (the state lives in the database).
func TestOAuthURLCommand(t *testing.T) {
	f := newFakes(t)
	f.globex()
	oauth := gongtest.NewOAuthTest(t, f.gong, gongtest.OAuthOptions{})
	env := oauthEnv("sqlite:"+t.TempDir()+"/gongsync.db", f, oauth)
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, run(ctx, []string{"oauth-url"}, func(name string) string { return env[name] }, &stdout, &stderr), stderr.String())
	authorizeURL := strings.TrimSpace(stdout.String())
	require.True(t, strings.HasPrefix(authorizeURL, oauth.AuthURL()+"?"), authorizeURL)

	s := startService(t, env)
	code, body := s.page(approveAt(t, s, authorizeURL))
	require.Equal(t, http.StatusOK, code, body)
	syncedWithSummary(t, s, f, "9101")
}

func TestOAuthURLCommandNeedsClient(t *testing.T) {
	f := newFakes(t)
	env := testEnv("sqlite:"+t.TempDir()+"/gongsync.db", f)
	err := run(context.Background(), []string{"oauth-url"}, func(name string) string { return env[name] }, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "GONG_OAUTH_CLIENT_ID")
}
