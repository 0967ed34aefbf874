package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMethodNotAllowedNamesTheAllowedMethods(t *testing.T) {
	handler, err := New(Deps{WebhookKey: strings.Repeat("k", 32), AdminToken: "admin"})
	require.NoError(t, err)
	for _, test := range []struct {
		name, method, path, allow string
	}{
		{"WebhookTakesPostOnly", http.MethodGet, "/webhooks/gong/" + strings.Repeat("k", 32), "POST"},
		{"ProbeTakesGet", http.MethodPost, "/healthz", "GET"},
	} {
		t.Run(test.name, func(t *testing.T) {
			recorder := httptest.NewRecorder()
			handler.ServeHTTP(recorder, httptest.NewRequest(test.method, test.path, nil))
			assert.Equal(t, http.StatusMethodNotAllowed, recorder.Code)
			assert.Equal(t, test.allow, recorder.Header().Get("Allow"))
			assert.JSONEq(t, `{"error":"method not allowed"}`, recorder.Body.String())
		})
	}
}
