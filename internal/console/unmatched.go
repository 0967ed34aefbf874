package console

import (
	"net/http"

	"github.com/gongsync/gongsync/internal/callsync"
)

// unmatchedPageSize bounds the queue's page: each call is explained.
const unmatchedPageSize = 25

type unmatchedData struct {
	Items []unmatchedItem
	Next  string
}

type unmatchedItem struct {
	Call        callsync.Call
	Suggestions []callsync.Suggestion
	Domains     []string
	Problem     string
}

// unmatched is the queue of calls without a company, each with suggested
// companies (never applied on their own), one-click assign and "always for
// this domain".
func (c *Console) unmatched(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	calls, next, err := c.Ledger.CallPage(ctx, callsync.CallQuery{Status: callsync.StatusUnmatched, After: r.URL.Query().Get("after"), Limit: unmatchedPageSize})
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The ledger could not be read.")
		return
	}
	data := unmatchedData{}
	if next != "" {
		data.Next = "/admin/ui/unmatched?after=" + next
	}
	for _, listed := range calls {
		item := unmatchedItem{Call: listed}
		call, err := c.Ledger.GetCall(ctx, listed.ID) // with its payload
		if err == nil {
			item.Suggestions, item.Domains, err = c.Service.Suggest(ctx, call)
		}
		if err != nil {
			item.Problem = "No suggestions: " + err.Error()
		}
		data.Items = append(data.Items, item)
	}
	c.render(w, r, http.StatusOK, "unmatched", page{Title: "Unmatched calls", Nav: "unmatched", Data: data})
}
