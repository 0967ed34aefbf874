package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gongsync/gongsync/internal/callsync"
)

type explainData struct {
	Payload     string
	CallID      string
	Explanation *callsync.Explanation
	Problem     string
}

// explainShow is the form: paste a payload, or give a stored call's id.
func (c *Console) explainShow(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "explain", page{Title: "Explain", Nav: "explain", Data: explainData{CallID: r.URL.Query().Get("callId")}})
}

// explainRun shows how the payload would be matched; it writes nothing.
func (c *Console) explainRun(w http.ResponseWriter, r *http.Request) {
	data := explainData{Payload: r.PostForm.Get("payload"), CallID: strings.TrimSpace(r.PostForm.Get("callId"))}
	var payload []byte
	if strings.TrimSpace(data.Payload) != "" {
		payload = []byte(data.Payload)
	} else if data.CallID == "" {
		data.Problem = "Paste a webhook payload or give a call id."
	}
	status := http.StatusOK
	if data.Problem == "" {
		explanation, err := c.Service.Explain(r.Context(), payload, data.CallID)
		switch {
		case errors.Is(err, callsync.ErrNotFound):
			status, data.Problem = http.StatusNotFound, "No such call in the ledger."
		case errors.Is(err, callsync.ErrBadPayload):
			status, data.Problem = http.StatusBadRequest, err.Error()
		case err != nil:
			status, data.Problem = http.StatusServiceUnavailable, "Planhat could not be read: "+err.Error()
		default:
			data.Explanation = &explanation
		}
	}
	c.render(w, r, status, "explain", page{Title: "Explain", Nav: "explain", Data: data})
}
