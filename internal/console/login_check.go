package console

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// loginCheck signs in with ADMIN_TOKEN; attempts are rate-limited per address.
func (c *Console) loginCheck(w http.ResponseWriter, r *http.Request) {
	if !c.limiter.allow(r) {
		w.Header().Set("Retry-After", "12")
		c.Logger.Warn().Msg("console: sign-in attempts rate-limited")
		c.showLogin(w, r, http.StatusTooManyRequests, "Too many attempts. Wait a little and try again.")
		return
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(c.AdminToken)) != 1 {
		c.Logger.Warn().Msg("console: sign-in refused: wrong token")
		c.showLogin(w, r, http.StatusUnauthorized, "That is not the admin token.")
		return
	}
	id := randomID()
	expires := c.Now().Add(SessionLifetime)
	if err := c.Ledger.CreateSession(r.Context(), hashID(id), expires); err != nil {
		c.Logger.Error().Err(err).Msg("console: could not store a session")
		c.showLogin(w, r, http.StatusServiceUnavailable, "The database did not answer; try again.")
		return
	}
	http.SetCookie(w, c.cookie(sessionCookie, id, int(SessionLifetime.Seconds())))
	http.SetCookie(w, c.cookie(loginCookie, "", -1))
	c.Logger.Info().Msg("console: signed in")
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}
