package planhattest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// maxBulkItems is Planhat's "upper limit of 5,000 items per request".
const maxBulkItems = 5000

// bulkResult is the documented answer of a bulk upsert.
type bulkResult struct {
	Created          int              `json:"created"`
	CreatedErrors    []map[string]any `json:"createdErrors"`
	InsertsKeys      []map[string]any `json:"insertsKeys"`
	Updated          int              `json:"updated"`
	UpdatedErrors    []map[string]any `json:"updatedErrors"`
	UpdatesKeys      []map[string]any `json:"updatesKeys"`
	NonUpdates       int              `json:"nonupdates"`
	Modified         []string         `json:"modified"`
	UpsertedIDs      []string         `json:"upsertedIds"`
	PermissionErrors []map[string]any `json:"permissionErrors"`
}

// handleBulkUpsertConversations serves PUT /conversations with an array:
// an item whose _id matches a conversation updates it (partially, like PUT
// /conversations/{id}); any other item is created ("If no keyable is
// provided, or if the provided key doesn't match any existing record a new
// record will be created"). Refused items go to createdErrors/updatedErrors
// and the answer is 206; a body that is not an array, or holds more than
// 5,000 items, is a 400. The error elements' shape is undocumented; the fake
// sends {"item": index, "error": text}.
func (s *Server) handleBulkUpsertConversations(w http.ResponseWriter, r *http.Request) {
	var items []document
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 32<<20)).Decode(&items); err != nil {
		writeError(w, http.StatusBadRequest, "body must be a JSON array: "+err.Error())
		return
	}
	if len(items) > maxBulkItems {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("at most %d items per request, got %d", maxBulkItems, len(items)))
		return
	}
	result := bulkResult{
		CreatedErrors: []map[string]any{}, InsertsKeys: []map[string]any{}, UpdatedErrors: []map[string]any{},
		UpdatesKeys: []map[string]any{}, Modified: []string{}, UpsertedIDs: []string{}, PermissionErrors: []map[string]any{},
	}
	s.mu.Lock()
	s.stats.BulkItems += len(items)
	for i, item := range items {
		if item == nil {
			result.CreatedErrors = append(result.CreatedErrors, map[string]any{"item": i, "error": "not an object"})
			continue
		}
		index, found := s.conversations.byID(item.str("_id"))
		if !found && s.opts.BulkMatchesExternalID && item.str("externalId") != "" {
			index, found = s.conversationInCompany(item.str("externalId"), item.str("companyId"))
		}
		if found {
			doc, problem := s.updateConversation(s.conversations.docs[index], item)
			if problem != "" {
				result.UpdatedErrors = append(result.UpdatedErrors, map[string]any{"item": i, "error": problem})
				continue
			}
			s.conversations.docs[index] = doc
			result.Updated++
			result.UpdatesKeys = append(result.UpdatesKeys, s.bulkKey(doc))
			result.Modified = append(result.Modified, doc.id())
			continue
		}
		delete(item, "_id")
		doc, problem := s.createConversation(item)
		if problem != "" {
			result.CreatedErrors = append(result.CreatedErrors, map[string]any{"item": i, "error": problem})
			continue
		}
		result.Created++
		result.InsertsKeys = append(result.InsertsKeys, s.bulkKey(doc))
		result.UpsertedIDs = append(result.UpsertedIDs, doc.id())
	}
	encoded, err := json.Marshal(result)
	s.mu.Unlock()
	status := http.StatusOK
	if len(result.CreatedErrors)+len(result.UpdatedErrors) > 0 {
		status = http.StatusPartialContent
	}
	writeEncoded(w, status, encoded, err)
}

func (s *Server) bulkKey(doc document) map[string]any {
	key := map[string]any{"_id": doc.id()}
	if s.opts.BulkKeysWithExternalID && doc.str("externalId") != "" {
		key["externalId"] = doc.str("externalId")
	}
	return key
}

// conversationInCompany finds the oldest conversation with externalId in the
// company given as _id or keyable ("externalId unique per Company").
// Called with s.mu held.
func (s *Server) conversationInCompany(externalID, companyKey string) (int, bool) {
	company, ok := s.companies.lookup(companyKey)
	if !ok {
		return 0, false
	}
	companyID := s.companies.docs[company].id()
	for i, doc := range s.conversations.docs {
		if doc.str("externalId") == externalID && doc.str("companyId") == companyID {
			return i, true
		}
	}
	return 0, false
}
