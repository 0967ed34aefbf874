package console

import "net/http"

// logout ends the session here and in the database.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if err := c.Ledger.DeleteSession(r.Context(), hashID(sessionOf(r).id)); err != nil {
		c.Logger.Warn().Err(err).Msg("console: could not delete a session")
	}
	http.SetCookie(w, c.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}
