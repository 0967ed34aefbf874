package server

import (
	"context"
	"errors"
	"html/template"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gongauth"
)

// GongOAuth connects gongsync to Gong with OAuth (gongauth.Connector).
type GongOAuth interface {
	AuthorizeURL(ctx context.Context) (string, error)
	Complete(ctx context.Context, cb gongauth.Callback) error
}

// OAuthCallbackPath is where Gong sends the administrator back; the
// redirect URI registered in Gong is PUBLIC_URL + OAuthCallbackPath.
const OAuthCallbackPath = "/oauth/gong/callback"

type authorizeAnswer struct {
	AuthorizeURL string `json:"authorizeUrl"`
}

// handleOAuthStart answers the URL where a Gong technical administrator
// approves gongsync; 404 when no OAuth client is configured.
func handleOAuthStart(oauth GongOAuth, logger zerolog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if oauth == nil {
			writeError(w, http.StatusNotFound, "OAuth to Gong is not configured (GONG_OAUTH_CLIENT_ID, GONG_OAUTH_CLIENT_SECRET)")
			return
		}
		authorizeURL, err := oauth.AuthorizeURL(r.Context())
		if err != nil {
			logger.Error().Err(err).Msg("could not start connecting to Gong with OAuth")
			writeError(w, http.StatusServiceUnavailable, "the sign-in could not be started; try again")
			return
		}
		writeJSON(w, http.StatusOK, authorizeAnswer{AuthorizeURL: authorizeURL})
	}
}

// oauthPage is the page a person sees at the end of the flow. html/template
// escapes every value.
var oauthPage = template.Must(template.New("oauth").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>gongsync: {{.Title}}</title></head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .Hint}}<p>{{.Hint}}</p>{{end}}
</body>
</html>
`))

type oauthView struct {
	Title   string
	Message string
	Hint    string
}

const restartHint = "Start again: POST /admin/oauth/gong/start (or gongsync oauth-url) gives a new link."

// handleOAuthCallback ends the authorization-code flow. The state is used
// up before anything else, so a forged, expired or replayed one exchanges
// nothing. The code and state are in the query string, which the access log
// never records.
func handleOAuthCallback(oauth GongOAuth, logger zerolog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if oauth == nil {
			writeOAuthPage(w, http.StatusNotFound, oauthView{Title: "Not configured",
				Message: "OAuth to Gong is not configured on this gongsync (GONG_OAUTH_CLIENT_ID, GONG_OAUTH_CLIENT_SECRET)."})
			return
		}
		q := r.URL.Query()
		err := oauth.Complete(r.Context(), gongauth.Callback{Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error")})
		var denied *gongauth.DeniedError
		var refused *gong.OAuthError
		switch {
		case err == nil:
			writeOAuthPage(w, http.StatusOK, oauthView{Title: "Connected to Gong",
				Message: "gongsync is connected to Gong. You can close this page."})
		case errors.Is(err, gongauth.ErrInvalidState):
			logger.Warn().Msg("OAuth callback refused: unknown, expired or used state")
			writeOAuthPage(w, http.StatusBadRequest, oauthView{Title: "Not connected",
				Message: "This sign-in link is not valid: it was used already, has expired, or was not issued by this gongsync. Nothing was changed.",
				Hint:    restartHint})
		case errors.As(err, &denied):
			logger.Warn().Str("error", denied.Code).Msg("OAuth callback: Gong did not grant access")
			writeOAuthPage(w, http.StatusBadRequest, oauthView{Title: "Not connected",
				Message: "Gong did not grant access (" + denied.Code + "). Connecting needs a Gong technical administrator to approve.",
				Hint:    restartHint})
		case errors.Is(err, gongauth.ErrNoCode):
			writeOAuthPage(w, http.StatusBadRequest, oauthView{Title: "Not connected",
				Message: "Gong sent no authorization code.", Hint: restartHint})
		case errors.As(err, &refused):
			writeOAuthPage(w, http.StatusBadGateway, oauthView{Title: "Not connected",
				Message: "Gong did not accept the authorization: " + refused.Error() + ".",
				Hint:    restartHint})
		default:
			logger.Error().Err(err).Msg("OAuth callback failed")
			writeOAuthPage(w, http.StatusServiceUnavailable, oauthView{Title: "Not connected",
				Message: "gongsync could not save the connection; the database did not answer.",
				Hint:    restartHint})
		}
	}
}

func writeOAuthPage(w http.ResponseWriter, status int, view oauthView) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// The URL holds the code: no other site learns it from a Referer.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = oauthPage.Execute(w, view)
}
