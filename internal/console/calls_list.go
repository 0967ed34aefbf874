package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gongsync/gongsync/internal/callsync"
)

// callsPageSize is how many calls one page of the list shows.
const callsPageSize = 50

type callsData struct {
	Calls    []callsync.Call
	Status   string
	Search   string
	Statuses []callsync.Status
	Next     string // the next page's URL, "" on the last
	First    bool
}

// callsList is the ledger, newest first: filter by status, search by call
// id, title or company, cursor pagination.
func (c *Console) callsList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := callsync.Status(q.Get("status"))
	if status != "" && !status.Valid() {
		c.fail(w, r, http.StatusBadRequest, "Unknown status.")
		return
	}
	query := callsync.CallQuery{Status: status, Search: strings.TrimSpace(q.Get("q")), After: q.Get("after"), Limit: callsPageSize}
	calls, next, err := c.Ledger.CallPage(r.Context(), query)
	if errors.Is(err, callsync.ErrBadCursor) {
		c.fail(w, r, http.StatusBadRequest, "That page link is not valid; start from the first page.")
		return
	}
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The ledger could not be read.")
		return
	}
	data := callsData{Calls: calls, Status: string(status), Search: query.Search, Statuses: callsync.Statuses, First: query.After == ""}
	if next != "" {
		v := url.Values{"after": {next}}
		if status != "" {
			v.Set("status", string(status))
		}
		if query.Search != "" {
			v.Set("q", query.Search)
		}
		data.Next = "/admin/ui/calls?" + v.Encode()
	}
	c.render(w, r, http.StatusOK, "calls", page{Title: "Calls", Nav: "calls", Data: data})
}
