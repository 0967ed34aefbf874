package console

import "net/http"

// loginShow is the sign-in form. Its CSRF token is tied to a short-lived
// cookie, since there is no session yet.
func (c *Console) loginShow(w http.ResponseWriter, r *http.Request) {
	c.showLogin(w, r, http.StatusOK, "")
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	value := ""
	if cookie, err := r.Cookie(loginCookie); err == nil && cookie.Value != "" {
		value = cookie.Value
	} else {
		value = randomID()
		http.SetCookie(w, c.cookie(loginCookie, value, 3600))
	}
	c.render(w, r, status, "login", page{Title: "Sign in", Data: problem, CSRF: deriveToken(value, "login")})
}
