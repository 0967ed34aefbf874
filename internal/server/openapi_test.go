package server

import (
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestOpenAPIMatchesRouter fails when a route is served but not described in
// api/openapi.yaml, or described but not served.
func TestOpenAPIMatchesRouter(t *testing.T) {
	raw, err := os.ReadFile("../../api/openapi.yaml")
	require.NoError(t, err)
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &spec))
	var described []string
	for path, operations := range spec.Paths {
		for method := range operations {
			described = append(described, strings.ToUpper(method)+" "+strings.TrimSuffix(path, "/"))
		}
	}

	handler, err := New(Deps{WebhookKey: strings.Repeat("k", 32), AdminToken: "admin"})
	require.NoError(t, err)
	var served []string
	trailingWildcard := regexp.MustCompile(`/\*$`)
	err = chi.Walk(handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served = append(served, method+" "+trailingWildcard.ReplaceAllString(strings.TrimSuffix(route, "/"), ""))
		return nil
	})
	require.NoError(t, err)

	sort.Strings(described)
	sort.Strings(served)
	assert.Equal(t, described, served, "api/openapi.yaml and routes.go list different routes")
}
