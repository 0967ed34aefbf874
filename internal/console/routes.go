package console

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes lists every page and action of the console.
func (c *Console) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(securityHeaders)
	r.Use(c.csrf)

	r.Get("/admin/login", c.loginShow)
	r.Post("/admin/login", c.loginCheck)

	r.Group(func(r chi.Router) {
		r.Use(c.requireSession)
		r.Get("/admin", c.overview)
		r.Get("/admin/", c.overview)
		r.Post("/admin/logout", c.logout)
		r.Get("/admin/ui/calls", c.callsList)
		r.Get("/admin/ui/calls/{callId}", c.callShow)
		r.Post("/admin/ui/calls/{callId}/resync", c.callResync)
		r.Post("/admin/ui/calls/{callId}/assign", c.callAssign)
		r.Get("/admin/ui/unmatched", c.unmatched)
		r.Get("/admin/ui/rules", c.rulesShow)
		r.Post("/admin/ui/rules", c.ruleSave)
		r.Post("/admin/ui/rules/delete", c.ruleDelete)
		r.Get("/admin/ui/explain", c.explainShow)
		r.Post("/admin/ui/explain", c.explainRun)
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, "No such page.")
	})
	return r
}
