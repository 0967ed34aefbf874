package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/gongsync/gongsync/internal/callsync"
)

// actor names the person in events written from the console.
const actor = "admin via console"

// callResync runs the call's whole sync again.
func (c *Console) callResync(w http.ResponseWriter, r *http.Request) {
	callID := chi.URLParam(r, "callId")
	err := c.Service.Resync(callsync.WithActor(r.Context(), actor), callID)
	switch {
	case errors.Is(err, callsync.ErrNotFound):
		c.fail(w, r, http.StatusNotFound, "No such call in the ledger.")
	case err != nil:
		c.Logger.Error().Err(err).Str("call_id", callID).Msg("console: resync could not be queued")
		c.fail(w, r, http.StatusServiceUnavailable, "The resync could not be queued; try again.")
	default:
		c.Logger.Info().Str("call_id", callID).Str("status", "queued").Msg("console: resync queued")
		http.Redirect(w, r, "/admin/ui/calls/"+url.PathEscape(callID)+"?done=resync", http.StatusSeeOther)
	}
}
