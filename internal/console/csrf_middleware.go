package console

import (
	"crypto/subtle"
	"net/http"
)

// csrf refuses every POST whose form lacks the token of this browser: the
// session's token, or before sign-in the token tied to the login cookie.
func (c *Console) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			c.fail(w, r, http.StatusBadRequest, "The form could not be read.")
			return
		}
		got := r.PostForm.Get("csrf")
		want := ""
		if s, ok := c.currentSession(r); ok {
			want = s.csrfToken()
		} else if cookie, err := r.Cookie(loginCookie); err == nil && cookie.Value != "" {
			want = deriveToken(cookie.Value, "login")
		}
		if got == "" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			c.Logger.Warn().Str("route", r.URL.Path).Msg("console: POST refused: missing or wrong CSRF token")
			c.fail(w, r, http.StatusForbidden, "This form has expired or did not come from this console. Reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds a form; the explain page's payload is the largest.
const maxFormBytes = 10 << 20
