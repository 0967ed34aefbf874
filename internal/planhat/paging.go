package planhat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gongsync/gongsync/internal/upstream"
)

// Page sizes: the largest limit Planhat serves per model (companies 5,000,
// users 10,000, most others 2,000: robocorp-planhat, airbyte, dlt). A page
// shorter than the limit is the last one, so asking more than Planhat serves
// would end a listing early.
const (
	companiesPageSize = 5000
	usersPageSize     = 10_000
	endusersPageSize  = 2000
)

// maxPages stops a listing that never ends (a Planhat bug, or ours): a
// thousand full pages is millions of records, far past any real tenant.
const maxPages = 1000

// maxBodyInError bounds how much of an unexpected answer an error keeps.
const maxBodyInError = 512

// ErrRepeatedPage reports a list endpoint that answered the same page for a
// new offset: it ignores offset, and paging on would never end.
var ErrRepeatedPage = errors.New("a page already sent came again (offset ignored)")

// listing is one paged list request.
type listing struct {
	what     string     // for errors and logs: "companies", "endusers of company …"
	path     string     // "/companies"
	query    url.Values // filters and select; limit, offset and sort are added per page
	pageSize int
}

// listAll pages through l with limit/offset, sorted by _id so the order holds
// between pages. It stops on a short or empty page, stops with an error when
// a page starts with a record an earlier page started with (a server that
// ignores offset), and drops records seen on an earlier page (records shift
// when others are added meanwhile).
func listAll[T any](ctx context.Context, c *Client, l listing, idOf func(T) string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	firstIDs := map[string]bool{}
	offset := 0
	for page := 1; page <= maxPages; page++ {
		query := url.Values{}
		for key, values := range l.query {
			query[key] = values
		}
		query.Set("limit", strconv.Itoa(l.pageSize))
		query.Set("offset", strconv.Itoa(offset))
		query.Set("sort", "_id")
		req := upstream.Request{Method: http.MethodGet, Path: l.path, Query: query}
		records, err := fetchList[T](ctx, c, req)
		if err != nil {
			return nil, fmt.Errorf("planhat: list %s (page %d, offset %d): %w", l.what, page, offset, err)
		}
		if len(records) == 0 {
			return all, nil
		}
		if first := idOf(records[0]); first != "" {
			if firstIDs[first] {
				return nil, fmt.Errorf("planhat: list %s: page %d (offset %d) starts with %s again: %w", l.what, page, offset, first, ErrRepeatedPage)
			}
			firstIDs[first] = true
		}
		for _, record := range records {
			id := idOf(record)
			if id != "" && seen[id] {
				continue
			}
			seen[id] = true
			all = append(all, record)
		}
		// Shorter than asked: the last page. Longer than asked: the endpoint
		// does not page at all (as /leancompanies may not), so this was all.
		if len(records) != l.pageSize {
			return all, nil
		}
		offset += len(records)
	}
	return nil, fmt.Errorf("planhat: list %s: stopped after %d full pages: the list never ended", l.what, maxPages)
}

// fetchList GETs one page. Planhat lists are bare JSON arrays; anything else
// in a 200 (an object, an error page from a proxy, nothing) is a transient
// failure, not an empty list, so a hiccup never looks like "no companies".
func fetchList[T any](ctx context.Context, c *Client, req upstream.Request) ([]T, error) {
	body, err := c.caller.DoRaw(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '[' {
		return nil, &upstream.Error{API: apiName, Method: req.Method, Path: req.Path, StatusCode: http.StatusOK,
			Kind: upstream.KindTransient, Body: snippet(trimmed), Err: errors.New("the answer is not a JSON array")}
	}
	var records []T
	if err := c.decode(req, body, &records); err != nil {
		return nil, err
	}
	return records, nil
}

// snippet keeps the start of an unexpected answer for the ledger and says
// what it is when it is empty.
func snippet(body []byte) string {
	switch {
	case len(body) == 0:
		return "(empty body, not a JSON array)"
	case len(body) > maxBodyInError:
		return "not a JSON array: " + string(body[:maxBodyInError]) + "…"
	}
	return "not a JSON array: " + string(body)
}
