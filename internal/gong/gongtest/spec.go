package gongtest

import (
	_ "embed" // the trimmed OpenAPI document
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// openAPIDocument is Gong's own OpenAPI document cut down to the operations
// gongsync calls, made by internal/trimopenapi (which says where the original
// comes from and what it patches).
//
//go:embed testdata/openapi-v2-trimmed.json
var openAPIDocument []byte

// apiPrefix is where Gong's REST API v2 lives. Requests elsewhere (an OAuth
// endpoint on app.gong.io, say) are not the document's business.
const apiPrefix = "/v2/"

// specRouter finds a request's operation in openAPIDocument; it is built
// once per process because every fake shares it and never changes it.
var specRouter = sync.OnceValue(func() routers.Router {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDocument)
	if err == nil {
		err = doc.Validate(loader.Context)
	}
	if err != nil {
		panic("gongtest: the embedded OpenAPI document: " + err.Error())
	}
	doc.Servers = nil // match any host: the fake listens on a local port, not api.gong.io
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		panic("gongtest: routing the embedded OpenAPI document: " + err.Error())
	}
	return router
})

// specOptions validate everything in a request except its credentials, which
// the fake checks itself (and kin-openapi cannot: it knows no secrets).
var specOptions = &openapi3filter.Options{
	AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
	MultiError:                        true,
	SkipSettingDefaults:               true, // the handlers see the body exactly as sent
	RejectWhenRequestBodyNotSpecified: true,
}

// checkSpec returns how r departs from Gong's OpenAPI document, in Gong's
// "<field>: <problem>" style, and the status to refuse it with: 404 for an
// operation the document lacks, 400 for anything else. It leaves r.Body
// readable again.
func checkSpec(r *http.Request) (problems []string, status int) {
	if !strings.HasPrefix(r.URL.Path, apiPrefix) {
		return nil, 0
	}
	route, pathParams, err := specRouter().FindRoute(r)
	if err != nil {
		return []string{"No endpoint " + r.Method + " " + r.URL.Path + " in Gong's API"}, http.StatusNotFound
	}
	err = openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options:    specOptions,
	})
	problems = describe(err, "")
	problems = append(problems, unknownQueryParameters(r, route)...)
	slices.Sort(problems)
	return problems, http.StatusBadRequest
}

// unknownQueryParameters reports query parameters the operation does not
// declare, which kin-openapi lets through.
func unknownQueryParameters(r *http.Request, route *routers.Route) []string {
	declared := map[string]bool{}
	for _, params := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, param := range params {
			if param.Value != nil && param.Value.In == openapi3.ParameterInQuery {
				declared[param.Value.Name] = true
			}
		}
	}
	var problems []string
	for name := range r.URL.Query() {
		if !declared[name] {
			problems = append(problems, name+": unknown query parameter")
		}
	}
	return problems
}

// describe flattens a validation error into one line per problem, each
// prefixed with the dotted path of the field at fault. It walks the error's
// structure by type, not with errors.As, so that a parameter's name is not
// skipped on the way to the schema error inside.
func describe(err error, field string) []string {
	var parse *openapi3filter.ParseError
	switch e := err.(type) {
	case nil:
		return nil
	case openapi3.MultiError:
		var problems []string
		for _, inner := range e {
			problems = append(problems, describe(inner, field)...)
		}
		return problems
	case *openapi3filter.RequestError:
		if e.Parameter != nil {
			field = e.Parameter.Name
		}
		if e.Err == nil {
			return []string{withField(field, e.Reason)}
		}
		return describe(e.Err, field)
	case *openapi3.SchemaError:
		path := append([]string{field}, e.JSONPointer()...)
		reason := e.Reason
		switch e.SchemaField {
		case "required": // the path ends with the missing property
			reason = "must not be null" // Gong's wording (samples/gong/error_400_*)
		case "properties": // `property "limit" is unsupported`: additionalProperties is false
			if name, ok := quoted(e.Reason); ok && strings.HasSuffix(e.Reason, "is unsupported") {
				path, reason = append(path, name), "unknown field"
			}
		}
		if reason == "" {
			reason = fmt.Sprintf("does not match the schema's %q", e.SchemaField)
		}
		return []string{withField(joinField(path), reason)}
	}
	if errors.As(err, &parse) && field == "" {
		return []string{"Malformed JSON request: " + parse.Error()}
	}
	return []string{withField(field, err.Error())}
}

func withField(field, message string) string {
	if field == "" {
		return message
	}
	return field + ": " + message
}

func joinField(path []string) string {
	return strings.Join(slices.DeleteFunc(path, func(s string) bool { return s == "" }), ".")
}

// quoted returns the first double-quoted word of s, as kin-openapi names an
// unknown property (`property "limit" is unsupported`).
func quoted(s string) (string, bool) {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, `"`)
	return name, ok && name != ""
}

// SpecViolations returns, in arrival order, the requests the fake refused
// because they are outside Gong's OpenAPI document, as "METHOD path: problem".
func (s *Server) SpecViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.specViolations)
}

func (s *Server) recordSpecViolation(r *http.Request, problems []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, problem := range problems {
		s.specViolations = append(s.specViolations, r.Method+" "+r.URL.Path+": "+problem)
	}
}

// failOnSpecViolations is NewTest's check that no request left the document.
func (s *Server) failOnSpecViolations(tb testing.TB) {
	if violations := s.SpecViolations(); len(violations) > 0 {
		tb.Errorf("gongtest: requests outside Gong's OpenAPI document (Options.AllowSpecViolations if that is the point):\n\t%s",
			strings.Join(violations, "\n\t"))
	}
}
