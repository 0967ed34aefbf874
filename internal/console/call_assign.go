package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/gongsync/gongsync/internal/callsync"
)

// callAssign syncs the call to the chosen company (matchedBy manual); with
// a domain, it also saves "calls from this domain belong to it".
func (c *Console) callAssign(w http.ResponseWriter, r *http.Request) {
	callID := chi.URLParam(r, "callId")
	companyID := r.PostForm.Get("companyId")
	done := "assign"
	if domain := r.PostForm.Get("domain"); domain != "" {
		if _, ok := c.saveRule(w, r, domain, companyID); !ok {
			return
		}
		done = "ruleplus"
	}
	company, err := c.Service.Assign(callsync.WithActor(r.Context(), actor), callID, companyID)
	switch {
	case errors.Is(err, callsync.ErrNotFound):
		c.fail(w, r, http.StatusNotFound, "No such call in the ledger.")
	case errors.Is(err, callsync.ErrUnknownCompany):
		c.fail(w, r, http.StatusUnprocessableEntity, "Planhat has no company with that id.")
	case err != nil:
		c.Logger.Error().Err(err).Str("call_id", callID).Msg("console: assignment failed")
		c.fail(w, r, http.StatusServiceUnavailable, "The assignment could not be made; try again.")
	default:
		c.Logger.Info().Str("call_id", callID).Str("company_id", company.ID).Msg("console: call assigned by hand")
		back := "/admin/ui/calls/" + url.PathEscape(callID)
		if r.PostForm.Get("back") == "unmatched" {
			back = "/admin/ui/unmatched"
		}
		http.Redirect(w, r, back+"?done="+done, http.StatusSeeOther)
	}
}
