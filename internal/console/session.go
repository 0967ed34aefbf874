package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"
)

// SessionLifetime is how long a sign-in lasts.
const SessionLifetime = 12 * time.Hour

// Cookie names.
const (
	sessionCookie = "gongsync_session"
	loginCookie   = "gongsync_login" // ties the sign-in form's CSRF token to this browser
)

type sessionKey struct{}

// session is a signed-in browser: its cookie value, which the CSRF token is
// derived from. The database keeps only the cookie's hash.
type session struct{ id string }

func (s session) csrfToken() string { return deriveToken(s.id, "csrf") }

func deriveToken(secret, purpose string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(purpose))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c *Console) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/admin", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.SecureCookies}
}

// currentSession returns the request's live session, if any.
func (c *Console) currentSession(r *http.Request) (session, bool) {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return session{}, false
	}
	_, ok, err := c.Ledger.SessionExpiry(r.Context(), hashID(cookie.Value))
	if err != nil {
		c.Logger.Warn().Err(err).Msg("console: could not read a session")
		return session{}, false
	}
	return session{id: cookie.Value}, ok
}

// requireSession sends a browser that is not signed in to the sign-in page.
func (c *Console) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.currentSession(r)
		if !ok {
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

func sessionOf(r *http.Request) session {
	s, _ := r.Context().Value(sessionKey{}).(session)
	return s
}
