package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// miniGong has the shape of Gong's document where the patches look, plus
// what trimming must drop.
const miniGong = `{
  "openapi": "3.0.1",
  "info": {"title": "Gong API", "description": "A long introduction.", "version": "V2"},
  "servers": [{"url": "https://127.0.0.1:8443", "description": "Generated server url"}],
  "security": [{"BasicAuth": []}],
  "tags": [{"name": "Calls", "description": "Calls."}],
  "paths": {
    "/v2/calls": {
      "get": {"operationId": "listCalls", "description": "List.", "security": [{"BasicAuth": []}],
        "parameters": [{"name": "fromDateTime", "in": "query", "required": true, "description": "From.", "schema": {"type": "string"}, "example": "2018-02-18T08:00:00Z"}],
        "responses": {"200": {"description": "Successful response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallsResponse"}}}}}},
      "post": {"operationId": "addCall",
        "responses": {"200": {"description": "Added", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unused"}}}}}}
    },
    "/v2/calls/extensive": {
      "post": {"operationId": "listCallsExtensive",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExtensiveRequest"}}}},
        "responses": {"200": {"description": "Successful response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallsResponse"}}}}}}
    },
    "/v2/calls/{id}": {
      "get": {"operationId": "getCall",
        "parameters": [{"name": "id", "in": "path", "required": true, "description": "Up to 20 digits.", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Successful response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallsResponse"}}}}}}
    },
    "/v2/users": {
      "get": {"operationId": "listUsers",
        "responses": {"200": {"description": "Successful response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallsResponse"}}}}}}
    },
    "/v2/workspaces": {
      "get": {"operationId": "listWorkspaces",
        "responses": {"200": {"description": "Successful response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unused"}}}}}}
    }
  },
  "components": {
    "securitySchemes": {"BasicAuth": {"type": "http", "scheme": "basic"}},
    "schemas": {
      "ExtensiveRequest": {"type": "object", "required": ["filter"], "description": "Request.",
        "properties": {"filter": {"$ref": "#/components/schemas/CallsRequestFilterWithOwners", "exampleSetFlag": false}}},
      "CallsRequestFilterWithOwners": {"type": "object",
        "properties": {"callIds": {"type": "array", "uniqueItems": true, "items": {"type": "string"}, "example": ["7782342274025937895"]}}},
      "CallsResponse": {"type": "object",
        "properties": {"calls": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}}}},
      "Call": {"type": "object",
        "properties": {"description": {"type": "string", "description": "A property that happens to be called description."},
                       "parties": {"type": "array", "items": {"$ref": "#/components/schemas/Party"}}}},
      "Party": {"type": "object", "properties": {"id": {"type": "string"}}},
      "Unused": {"type": "object", "properties": {"id": {"type": "string"}}}
    }
  }
}`

func trimmed(t *testing.T, original string) map[string]any {
	t.Helper()
	out, err := trim([]byte(original))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(out, &doc))
	return doc
}

func at(t *testing.T, doc map[string]any, keys ...string) map[string]any {
	t.Helper()
	v, err := object(doc, keys...)
	require.NoError(t, err)
	return v
}

func TestTrim(t *testing.T) {
	doc := trimmed(t, miniGong)

	t.Run("KeepsOnlyTheOperationsGongsyncCalls", func(t *testing.T) {
		assert.ElementsMatch(t, []string{"/v2/calls", "/v2/calls/extensive", "/v2/calls/{id}", "/v2/users"}, keys(at(t, doc, "paths")))
		assert.Equal(t, []string{"get"}, keys(at(t, doc, "paths", "/v2/calls")), "POST /v2/calls (addCall) is not ours")
		assert.NotContains(t, doc, "tags")
	})
	t.Run("FollowsRefsTransitively", func(t *testing.T) {
		assert.ElementsMatch(t, []string{"ExtensiveRequest", "CallsRequestFilterWithOwners", "CallsResponse", "Call", "Party"},
			keys(at(t, doc, "components", "schemas")))
	})
	t.Run("DropsDescriptionsAndExamples", func(t *testing.T) {
		encoded, err := json.Marshal(doc)
		require.NoError(t, err)
		for _, gone := range []string{"A long introduction", "Generated server url", "Up to 20 digits", "happens to be called", "exampleSetFlag", "7782342274025937895", `"example"`} {
			assert.NotContains(t, string(encoded), gone)
		}
		assert.Contains(t, at(t, doc, "components", "schemas", "Call", "properties"), "description", "a property named description stays")
		assert.Equal(t, "Successful response", at(t, doc, "paths", "/v2/users", "get", "responses", "200")["description"],
			"OpenAPI 3.0 requires a response's description")
	})
	t.Run("Patches", func(t *testing.T) {
		assert.Equal(t, []any{map[string]any{"url": "https://api.gong.io"}}, doc["servers"])
		assert.Contains(t, at(t, doc, "components", "securitySchemes"), "BearerAuth")
		bearerOrBasic := []any{map[string]any{"BasicAuth": []any{}}, map[string]any{"BearerAuth": []any{}}}
		assert.Equal(t, bearerOrBasic, doc["security"])
		assert.Equal(t, bearerOrBasic, at(t, doc, "paths", "/v2/calls", "get")["security"])
		assert.Equal(t, callIDPattern, at(t, doc, "components", "schemas", "CallsRequestFilterWithOwners", "properties", "callIds", "items")["pattern"])
		idParam := at(t, doc, "paths", "/v2/calls/{id}", "get")["parameters"].([]any)[0].(map[string]any)
		assert.Equal(t, callIDPattern, idParam["schema"].(map[string]any)["pattern"])
		for _, request := range []string{"ExtensiveRequest", "CallsRequestFilterWithOwners"} {
			assert.Equal(t, false, at(t, doc, "components", "schemas", request)["additionalProperties"], request)
		}
		for _, response := range []string{"CallsResponse", "Call", "Party"} {
			assert.NotContains(t, at(t, doc, "components", "schemas", response), "additionalProperties",
				"Gong may add response fields without warning")
		}
		assert.Len(t, at(t, doc, "info", "x-gongsync-trimmed")["patches"], len(patches))
	})
	t.Run("APatchThatNoLongerFitsFails", func(t *testing.T) {
		changed := strings.ReplaceAll(miniGong, "CallsRequestFilterWithOwners", "CallsFilter")
		_, err := trim([]byte(changed))
		assert.ErrorContains(t, err, "call ids")
	})
	t.Run("AnOperationGoneFails", func(t *testing.T) {
		_, err := trim([]byte(strings.Replace(miniGong, `"/v2/users"`, `"/v2/people"`, 1)))
		assert.ErrorContains(t, err, "/v2/users")
	})
}

// The committed copy must be what the generator makes: trimming it again
// changes nothing but the checksum of its input.
func TestTrim_CommittedCopyIsGenerated(t *testing.T) {
	committed, err := os.ReadFile("../../testdata/openapi-v2-trimmed.json")
	require.NoError(t, err)
	again, err := trim(committed)
	require.NoError(t, err)
	var want, got map[string]any
	require.NoError(t, json.Unmarshal(committed, &want))
	require.NoError(t, json.Unmarshal(again, &got))
	delete(at(t, want, "info", "x-gongsync-trimmed"), "fromSHA256")
	delete(at(t, got, "info", "x-gongsync-trimmed"), "fromSHA256")
	assert.Equal(t, want, got)
}

func keys(m map[string]any) []string {
	var names []string
	for name := range m {
		names = append(names, name)
	}
	return names
}
