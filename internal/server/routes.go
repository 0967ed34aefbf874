package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gongsync/gongsync/internal/gong"
)

// newRouter lists the whole HTTP surface in one place. api/openapi.yaml
// describes the same routes; a test keeps the two in step.
func newRouter(deps Deps) (http.Handler, error) {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(middleware.StripSlashes) // "/webhooks/gong/" (an empty key) is the JWT route, so a 401
	r.Use(accessLog(deps.Logger, deps.Metrics))
	r.Use(recoverPanics(deps.Logger))

	intake := webhookIntake{ledger: deps.Ledger, logger: deps.Logger, metrics: deps.Metrics, maxBytes: deps.MaxBodyBytes, now: deps.Now, onAccepted: deps.OnAccepted}
	r.Post("/webhooks/gong/{key}", intake.withURLKey(deps.WebhookKey))
	var verifier *gong.JWTVerifier
	if deps.WebhookPublicKey != nil {
		var err error
		verifier, err = gong.NewJWTVerifier(deps.WebhookPublicKey, joinURL(deps.PublicURL, "/webhooks/gong"), deps.Now)
		if err != nil {
			return nil, err
		}
	}
	r.Post("/webhooks/gong", intake.withJWT(verifier))

	r.Get("/healthz", handleHealthz())
	r.Get("/readyz", handleReadyz(deps.Ready))
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(deps.Gatherer, promhttp.HandlerOpts{}))

	r.Route("/admin", func(r chi.Router) {
		// The operator console (HTML): its own cookie session, not the Bearer token.
		console := consolePage(deps.Console.Handler, deps.AdminToken)
		r.Get("/", console)
		r.Get("/login", console)
		r.Post("/login", console)
		r.Post("/logout", console)
		r.Get("/ui/*", console)
		r.Post("/ui/*", console)

		// The admin API (JSON, Bearer ADMIN_TOKEN).
		r.Group(func(r chi.Router) {
			r.Use(requireAdminToken(deps.AdminToken))
			r.Get("/calls", handleListCalls(deps.Ledger))
			r.Get("/calls/{callId}", handleGetCall(deps.Ledger, deps.Console.Events))
			r.Post("/calls/{callId}/resync", handleResync(deps.Resync, deps.Logger))
			r.Post("/calls/{callId}/assign", handleAssign(deps.Console.Operator, deps.Logger))
			r.Post("/explain", handleExplain(deps.Console.Operator, deps.MaxBodyBytes))
			r.Post("/backfill", handleStartBackfill(deps.Backfills, deps.Logger))
			r.Get("/backfill/{backfillId}", handleGetBackfill(deps.Backfills))
			r.Post("/oauth/gong/start", handleOAuthStart(deps.GongOAuth, deps.Logger))
		})
	})
	r.Get(OAuthCallbackPath, handleOAuthCallback(deps.GongOAuth, deps.Logger))

	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		// A 405 names the methods the route has (RFC 9110 §15.5.6).
		var allowed []string
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if r.Match(chi.NewRouteContext(), method, req.URL.Path) {
				allowed = append(allowed, method)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	return r, nil
}
