package planhat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gongsync/gongsync/internal/upstream"
)

// MaxBulkItems is Planhat's limit for one bulk upsert: "For all bulk upsert
// operations, regardless the model there is an upper limit of 5,000 items
// per request."
const MaxBulkItems = 5000

// conversationsPageSize is the largest limit GET /conversations serves.
const conversationsPageSize = 2000

// maxCompaniesPerListing keeps a comma-separated companyId filter (24
// characters an id) well inside any URL length limit.
const maxCompaniesPerListing = 50

// BulkResult is Planhat's answer to a bulk upsert (reference/planhat.md
// §2.3). The error arrays' elements are undocumented, so they stay raw.
type BulkResult struct {
	Created          int               `json:"created"`
	CreatedErrors    []json.RawMessage `json:"createdErrors"`
	InsertsKeys      []BulkKey         `json:"insertsKeys"`
	Updated          int               `json:"updated"`
	UpdatedErrors    []json.RawMessage `json:"updatedErrors"`
	UpdatesKeys      []BulkKey         `json:"updatesKeys"`
	NonUpdates       int               `json:"nonupdates"`
	UpsertedIDs      []string          `json:"upsertedIds"`
	PermissionErrors []json.RawMessage `json:"permissionErrors"`
}

// BulkKey names one record a bulk upsert wrote. Planhat's docs show only
// _id; one client library shows externalId as well (NOT CONFIRMED): a key
// without it cannot be tied to its item, and the caller looks the records
// up instead.
type BulkKey struct {
	ID         string `json:"_id"`
	ExternalID string `json:"externalId,omitempty"`
}

// Errors reports whether Planhat refused any item.
func (r BulkResult) Errors() int {
	return len(r.CreatedErrors) + len(r.UpdatedErrors) + len(r.PermissionErrors)
}

// BulkUpsertConversations writes up to MaxBulkItems conversations in one
// request (PUT /conversations with an array). An item with an ID updates
// that conversation ("To update a note it is required to specify in the
// payload the _id"); one without is created. Whether Planhat also matches
// on externalId is NOT CONFIRMED, so callers send _id for every
// conversation that exists. Planhat advises one bulk request at a time;
// callers must not run two at once.
//
// 200 and 206 (partial) are both answers: the refused items are in the
// result's error arrays. A 400 (the whole payload refused) is an error.
func (c *Client) BulkUpsertConversations(ctx context.Context, conversations []Conversation) (BulkResult, error) {
	what := fmt.Sprintf("bulk upsert of %d conversations", len(conversations))
	switch {
	case len(conversations) == 0:
		return BulkResult{}, nil
	case len(conversations) > MaxBulkItems:
		return BulkResult{}, badInput(what, fmt.Sprintf("at most %d items per request", MaxBulkItems))
	}
	for _, conversation := range conversations {
		if conversation.ID == "" && strings.TrimSpace(conversation.CompanyID) == "" {
			return BulkResult{}, badInput(what, "companyId is required to create a conversation")
		}
	}
	req := upstream.Request{Method: http.MethodPut, Path: "/conversations", Body: conversations}
	body, err := c.caller.DoRaw(ctx, req, nil)
	if err != nil {
		return BulkResult{}, fmt.Errorf("planhat: %s: %w", what, err)
	}
	var result BulkResult
	if err := c.decode(req, body, &result); err != nil {
		return BulkResult{}, fmt.Errorf("planhat: %s: %w", what, err)
	}
	return result, nil
}

// ConversationKey is what a listing of conversation keys holds.
type ConversationKey struct {
	ID         string `json:"_id"`
	ExternalID string `json:"externalId,omitempty"`
	CompanyID  string `json:"companyId,omitempty"`
}

// ListConversationKeys returns _id, externalId and companyId of every
// conversation of the companies (GET /conversations?companyId=a,b,…, a
// documented filter, paged). Every record is checked against the
// companies, so a server that ignored the filter gives no wrong key.
func (c *Client) ListConversationKeys(ctx context.Context, companyIDs []string) ([]ConversationKey, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(companyIDs)))
	ids = slices.DeleteFunc(ids, func(id string) bool { return strings.TrimSpace(id) == "" })
	var keys []ConversationKey
	for chunk := range slices.Chunk(ids, maxCompaniesPerListing) {
		query := url.Values{"companyId": {strings.Join(chunk, ",")}, "select": {"_id,externalId,companyId"}}
		page, err := listAll(ctx, c, listing{
			what: fmt.Sprintf("conversations of %d companies", len(chunk)), path: "/conversations",
			query: query, pageSize: conversationsPageSize,
		}, func(k ConversationKey) string { return k.ID })
		if err != nil {
			return nil, err
		}
		for _, key := range page {
			if slices.Contains(chunk, key.CompanyID) {
				keys = append(keys, key)
			}
		}
	}
	return keys, nil
}
