package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

type callData struct {
	Call         callsync.Call
	Title        string
	Started      string
	GongURL      string
	Participants []gong.Party
	Explanation  *callsync.Explanation
	ExplainError string
	Events       []callsync.Event
	PlanhatURL   string
	Search       string
	Companies    []planhat.Company
	SearchError  string
}

// callShow is one call: what it is, where it went and why, its timeline,
// and Resync and Assign (with a company search by name).
func (c *Console) callShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	call, err := c.Ledger.GetCall(ctx, chi.URLParam(r, "callId"))
	if errors.Is(err, callsync.ErrNotFound) {
		c.fail(w, r, http.StatusNotFound, "No such call in the ledger.")
		return
	}
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The ledger could not be read.")
		return
	}
	events, err := c.Ledger.CallEvents(ctx, call.ID)
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The call's events could not be read.")
		return
	}
	data := callData{Call: call, Title: call.Title, Events: events}
	if payload, err := gong.ParseWebhook(call.Payload); err == nil {
		meta := payload.CallData.MetaData
		data.Title, data.Started, data.GongURL = callsync.TitleOf(payload.CallData), meta.Started, meta.URL
		data.Participants = payload.CallData.Parties
	}
	if !strings.HasPrefix(data.GongURL, "https://") {
		data.GongURL = "" // only links that are surely web pages
	}
	if call.CompanyID != "" {
		data.PlanhatURL = strings.TrimRight(c.PlanhatAppURL, "/") + "/profile/" + call.CompanyID
	}
	if explanation, err := c.Service.Explain(ctx, nil, call.ID); err != nil {
		data.ExplainError = "Planhat could not be read to explain the decision: " + err.Error()
	} else {
		data.Explanation = &explanation
	}
	if search := strings.TrimSpace(r.URL.Query().Get("company")); search != "" {
		data.Search = search
		data.Companies, err = c.Service.SearchCompanies(ctx, search, 20)
		if err != nil {
			data.SearchError = "Planhat could not be searched: " + err.Error()
		}
	}
	c.render(w, r, http.StatusOK, "call", page{Title: "Call " + call.ID, Nav: "calls", Data: data})
}
