package gong

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gongsync/gongsync/internal/upstream"
)

// Timing values of contentSelector.contextTiming.
const (
	TimingNow        = "Now"
	TimingTimeOfCall = "TimeOfCall"
)

// CallsPage is one page of GET /v2/calls.
type CallsPage struct {
	Calls  []CallData // metadata only
	Cursor string     // of the next page; "" after the last
	Total  int        // records.totalRecords: calls the whole listing holds
}

// ListCallsPage returns one page of GET /v2/calls for calls that started in
// [from, to), optionally in one workspace. cursor "" is the first page.
// Backfill keeps the cursor between pages so that a run can resume where it
// stopped.
func (c *Client) ListCallsPage(ctx context.Context, from, to time.Time, workspaceID, cursor string) (CallsPage, error) {
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return CallsPage{}, fmt.Errorf("gong: list calls: %w: want from before to", upstream.ErrBadInput)
	}
	query := url.Values{}
	query.Set("fromDateTime", from.UTC().Format(time.RFC3339))
	query.Set("toDateTime", roundUpToSecond(to).UTC().Format(time.RFC3339))
	if workspaceID != "" {
		query.Set("workspaceId", workspaceID)
	}
	var page callBasicPage
	err := c.do(ctx, upstream.Request{Method: http.MethodGet, Path: "/v2/calls", Query: withCursor(query, cursor)}, &page)
	if isNoCallsFound(err) {
		return CallsPage{}, nil
	}
	if err != nil {
		return CallsPage{}, fmt.Errorf("gong: list calls %s to %s: %w", query.Get("fromDateTime"), query.Get("toDateTime"), err)
	}
	calls := make([]CallData, len(page.Calls))
	for i, meta := range page.Calls {
		calls[i] = CallData{MetaData: meta}
	}
	if page.Records.Cursor == cursor && cursor != "" {
		return CallsPage{}, fmt.Errorf("gong: list calls: Gong returned the same cursor again")
	}
	return CallsPage{Calls: calls, Cursor: page.Records.Cursor, Total: page.Records.TotalRecords}, nil
}

// IsCursorRejected reports a 400 for a request that carried a cursor: Gong's
// cursors expire (they are signed tokens with an exp), so a resumed listing
// must start over.
func IsCursorRejected(err error) bool {
	var upstreamErr *upstream.Error
	return errors.As(err, &upstreamErr) && upstreamErr.StatusCode == http.StatusBadRequest
}
