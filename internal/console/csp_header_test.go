package console

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContentSecurityPolicy: every page carries a CSP whose nonce is fresh
// per request and is the one on the page's inline style; nothing else
// (no script, no other origin) is allowed.
func TestContentSecurityPolicy(t *testing.T) {
	c, err := New(Deps{AdminToken: "token"})
	require.NoError(t, err)
	nonceIn := regexp.MustCompile(`style-src 'nonce-([A-Za-z0-9_-]+)'`)
	get := func() (csp, body string) {
		w := httptest.NewRecorder()
		c.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/admin/login", nil))
		require.Equal(t, http.StatusOK, w.Code)
		return w.Header().Get("Content-Security-Policy"), w.Body.String()
	}
	csp, body := get()
	m := nonceIn.FindStringSubmatch(csp)
	require.Len(t, m, 2, csp)
	assert.Contains(t, body, `<style nonce="`+m[1]+`">`)
	assert.Contains(t, csp, "default-src 'none'")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.Contains(t, csp, "form-action 'self'")
	assert.NotContains(t, csp, "script-src")
	assert.NotContains(t, body, "<script")
	again, _ := get()
	assert.NotEqual(t, csp, again, "the nonce is fresh per request")
}

// TestCookieSecureWithHTTPS: the cookies are Secure when PUBLIC_URL is https.
func TestCookieSecureWithHTTPS(t *testing.T) {
	c, err := New(Deps{AdminToken: "token", SecureCookies: true})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	c.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/admin/login", nil))
	cookie := w.Header().Get("Set-Cookie")
	for _, flag := range []string{"Secure", "HttpOnly", "SameSite=Strict", "Path=/admin"} {
		assert.True(t, strings.Contains(cookie, flag), "%s lacks %s", cookie, flag)
	}
}

// TestPostWithoutCSRFIsRefused: before sign-in too.
func TestPostWithoutCSRFIsRefused(t *testing.T) {
	c, err := New(Deps{AdminToken: "token"})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader("token=token"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c.ServeHTTP(w, req)
	assert.Equal(t, http.StatusForbidden, w.Code)
}
