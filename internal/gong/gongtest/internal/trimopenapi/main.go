// Command trimopenapi cuts Gong's OpenAPI document down to the operations
// gongsync calls, for the fake Gong (gongtest) to validate requests against.
//
// The original is Gong's published "Gong API V2" document, served behind a
// login at https://gong.app.gong.io/settings/api/documentation (the public
// pages live under https://help.gong.io/apidocs/). A copy taken on 2024-11-29
// is spec/openapi.json in github.com/cedricziel/gong-rs (commit
// 49bd68f553a0f6d0515928addac683d6dd301cff). Regenerate the committed copy
// from a fresh download with
//
//	go run ./internal/gong/gongtest/internal/trimopenapi \
//		-in openapi-v2.json -out internal/gong/gongtest/testdata/openapi-v2-trimmed.json
//
// The output keeps the operations listed in keep, the components they reach
// through $ref (transitively), and Gong's security schemes; it drops every
// description (responses keep theirs: OpenAPI 3.0 requires one), example and
// springdoc's exampleSetFlag, then applies the patches below, each of which
// fails loudly if the document no longer looks the way it assumes. Only the
// output is used by tests; nothing reads the original at build or test time.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
)

// keep lists the operations gongsync sends (internal/gong/client.go) or the
// fake serves. Add one here before the client starts calling it.
var keep = []struct{ method, path string }{
	{"get", "/v2/calls"},            // ListCalls, ListCallPages
	{"post", "/v2/calls/extensive"}, // CallsExtensive
	{"get", "/v2/calls/{id}"},       // served by the fake
	{"get", "/v2/users"},            // ListUsers
}

// dropped are the keywords removed everywhere: prose and samples. Some of the
// samples contradict their own schemas (dates given as numbers).
var dropped = []string{"description", "example", "examples", "exampleSetFlag"}

// nameMaps are the objects whose keys are names chosen by the document
// (a property may well be called "description"), not keywords.
var nameMaps = []string{"properties", "schemas", "securitySchemes", "headers", "content", "paths", "variables"}

// callIDPattern is a Gong call id: a string of 1 to 20 digits.
const callIDPattern = "^[0-9]{1,20}$"

// patches corrects or tightens the trimmed document. Each one says why.
var patches = []struct {
	name  string
	apply func(doc map[string]any) error
}{
	{
		// The document's only server is springdoc's "Generated server url",
		// https://127.0.0.1:8443. gong.md §2: the API is at https://api.gong.io
		// (or the customer's own base URL).
		name: "servers: https://api.gong.io instead of springdoc's local address",
		apply: func(doc map[string]any) error {
			doc["servers"] = []any{map[string]any{"url": "https://api.gong.io"}}
			return nil
		},
	},
	{
		// The document declares Basic auth only; Gong's own introduction (and
		// gong.md §3.2) says OAuth apps send "Authorization: Bearer <token>".
		name: "security: OAuth bearer tokens besides Basic auth",
		apply: func(doc map[string]any) error {
			schemes, err := object(doc, "components", "securitySchemes")
			if err != nil {
				return err
			}
			if _, ok := schemes["BasicAuth"]; !ok {
				return errors.New("no BasicAuth security scheme")
			}
			schemes["BearerAuth"] = map[string]any{"type": "http", "scheme": "bearer"}
			either := []any{map[string]any{"BasicAuth": []any{}}, map[string]any{"BearerAuth": []any{}}}
			doc["security"] = either
			return eachOperation(doc, func(op map[string]any) error {
				if _, ok := op["security"]; ok {
					op["security"] = either
				}
				return nil
			})
		},
	},
	{
		// A call id is "Gong's unique numeric identifier for the call (up to 20
		// digits)" (the description of /v2/calls/{id}, gong.md §1.2), but the
		// schemas say only "string", and trimming drops the description.
		name: "call ids: pattern " + callIDPattern + " for /v2/calls/{id} and filter.callIds",
		apply: func(doc map[string]any) error {
			params, err := array(doc, "paths", "/v2/calls/{id}", "get", "parameters")
			if err != nil {
				return err
			}
			found := false
			for _, p := range params {
				if param, ok := p.(map[string]any); ok && param["name"] == "id" && param["in"] == "path" {
					schema, err := object(param, "schema")
					if err != nil {
						return err
					}
					schema["pattern"] = callIDPattern
					found = true
				}
			}
			if !found {
				return errors.New("/v2/calls/{id} has no path parameter id")
			}
			items, err := object(doc, "components", "schemas", "CallsRequestFilterWithOwners", "properties", "callIds", "items")
			if err != nil {
				return err
			}
			items["pattern"] = callIDPattern
			return nil
		},
	},
	{
		// Deliberately stricter than Gong, which is a Spring service and most
		// likely ignores a field it does not know. A field Gong ignores has no
		// effect: a misspelt content selector is a summary that never comes.
		// So the fake refuses any request-body field the document lacks.
		name: "request bodies: additionalProperties false on every object schema",
		apply: func(doc map[string]any) error {
			schemas, err := object(doc, "components", "schemas")
			if err != nil {
				return err
			}
			var bodyRefs []string
			err = eachOperation(doc, func(op map[string]any) error {
				if _, ok := op["requestBody"]; ok {
					collectRefs(op["requestBody"], &bodyRefs)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(bodyRefs) == 0 {
				return errors.New("no request body refers to a schema")
			}
			for _, name := range reachable(map[string]any{"schemas": schemas}, bodyRefs)["schemas"] {
				schema := schemas[name].(map[string]any)
				if schema["type"] == "object" {
					schema["additionalProperties"] = false
				}
			}
			return nil
		},
	},
}

func main() {
	in := flag.String("in", "", "Gong's full OpenAPI document (JSON)")
	out := flag.String("out", "", "where to write the trimmed document")
	flag.Parse()
	if *in == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "trimopenapi:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	original, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	trimmed, err := trim(original)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	return os.WriteFile(out, trimmed, 0o644)
}

// trim returns the trimmed, patched document as indented JSON with sorted
// keys, so that regenerating from the same input changes nothing.
func trim(original []byte) ([]byte, error) {
	decoder := json.NewDecoder(bytes.NewReader(original))
	decoder.UseNumber()
	var full map[string]any
	if err := decoder.Decode(&full); err != nil {
		return nil, err
	}
	fullPaths, err := object(full, "paths")
	if err != nil {
		return nil, err
	}
	paths := map[string]any{}
	for _, op := range keep {
		item, err := object(fullPaths, op.path)
		if err != nil {
			return nil, err
		}
		operation, ok := item[op.method]
		if !ok {
			return nil, fmt.Errorf("paths.%s has no %s", op.path, op.method)
		}
		kept, _ := paths[op.path].(map[string]any)
		if kept == nil {
			kept = map[string]any{}
			if params, ok := item["parameters"]; ok { // shared by the path's operations
				kept["parameters"] = params
			}
			paths[op.path] = kept
		}
		kept[op.method] = operation
	}

	var refs []string
	collectRefs(paths, &refs)
	components := map[string]any{}
	fullComponents, err := object(full, "components")
	if err != nil {
		return nil, err
	}
	for kind, names := range reachable(fullComponents, refs) {
		all := fullComponents[kind].(map[string]any)
		kept := map[string]any{}
		for _, name := range names {
			kept[name] = all[name]
		}
		components[kind] = kept
	}
	// Operations name their security schemes without a $ref.
	components["securitySchemes"] = fullComponents["securitySchemes"]

	info, err := object(full, "info")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(original)
	doc := map[string]any{
		"openapi": full["openapi"],
		"info": map[string]any{
			"title":   info["title"],
			"version": info["version"],
			"x-gongsync-trimmed": map[string]any{
				"from":           "Gong's OpenAPI document, https://gong.app.gong.io/settings/api/documentation",
				"fromSHA256":     hex.EncodeToString(sum[:]),
				"by":             "internal/gong/gongtest/internal/trimopenapi",
				"keptOperations": keptOperations(),
			},
		},
		"security":   full["security"],
		"paths":      paths,
		"components": components,
	}
	stripped := strip(doc, keywordObject).(map[string]any)
	var applied []any
	for _, patch := range patches {
		if err := patch.apply(stripped); err != nil {
			return nil, fmt.Errorf("patch %q: %w", patch.name, err)
		}
		applied = append(applied, patch.name)
	}
	stripped["info"].(map[string]any)["x-gongsync-trimmed"].(map[string]any)["patches"] = applied

	encoded, err := json.MarshalIndent(stripped, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(encoded, '\n'), nil
}

func keptOperations() []any {
	var ops []any
	for _, op := range keep {
		ops = append(ops, strings.ToUpper(op.method)+" "+op.path)
	}
	return ops
}

// What a JSON object is, for strip.
type objectKind int

const (
	keywordObject  objectKind = iota // keys are OpenAPI keywords
	nameMap                          // keys are names (properties, paths, status codes, …)
	responseObject                   // a response: its description is required
)

func strip(v any, kind objectKind) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, value := range v {
			switch {
			case kind == nameMap:
				out[key] = strip(value, keywordObject)
			case key == "description" && kind == responseObject:
				out[key] = value
			case slices.Contains(dropped, key):
			case key == "responses":
				out[key] = stripResponses(value)
			case slices.Contains(nameMaps, key):
				out[key] = strip(value, nameMap)
			default:
				out[key] = strip(value, keywordObject)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, value := range v {
			out[i] = strip(value, keywordObject)
		}
		return out
	}
	return v
}

func stripResponses(v any) any {
	responses, ok := v.(map[string]any)
	if !ok {
		return strip(v, keywordObject)
	}
	out := make(map[string]any, len(responses))
	for status, response := range responses {
		out[status] = strip(response, responseObject)
	}
	return out
}

// collectRefs appends every $ref found in v.
func collectRefs(v any, refs *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for key, value := range v {
			if ref, ok := value.(string); ok && key == "$ref" {
				*refs = append(*refs, ref)
				continue
			}
			collectRefs(value, refs)
		}
	case []any:
		for _, value := range v {
			collectRefs(value, refs)
		}
	}
}

// reachable returns, by kind of component ("schemas", …), the names of the
// components that refs lead to, directly or through other components, sorted.
func reachable(components map[string]any, refs []string) map[string][]string {
	seen := map[string]bool{}
	found := map[string][]string{}
	for queue := slices.Clone(refs); len(queue) > 0; queue = queue[1:] {
		ref := queue[0]
		kind, name, ok := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
		if !ok || seen[ref] {
			continue
		}
		seen[ref] = true
		all, _ := components[kind].(map[string]any)
		component, ok := all[name]
		if !ok {
			continue
		}
		found[kind] = append(found[kind], name)
		collectRefs(component, &queue)
	}
	for _, names := range found {
		slices.Sort(names)
	}
	return found
}

func eachOperation(doc map[string]any, fn func(op map[string]any) error) error {
	paths, err := object(doc, "paths")
	if err != nil {
		return err
	}
	for _, item := range paths {
		for method, op := range item.(map[string]any) {
			if operation, ok := op.(map[string]any); ok && method != "parameters" {
				if err := fn(operation); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// object walks keys down from v and returns the JSON object found there.
func object(v map[string]any, keys ...string) (map[string]any, error) {
	for i, key := range keys {
		next, ok := v[key].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not an object", strings.Join(keys[:i+1], "."))
		}
		v = next
	}
	return v, nil
}

// array is object for a JSON array at the end of keys.
func array(v map[string]any, keys ...string) ([]any, error) {
	parent, err := object(v, keys[:len(keys)-1]...)
	if err != nil {
		return nil, err
	}
	list, ok := parent[keys[len(keys)-1]].([]any)
	if !ok {
		return nil, fmt.Errorf("%s is not an array", strings.Join(keys, "."))
	}
	return list, nil
}
