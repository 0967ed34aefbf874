package gongtest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong/gongtest"
)

func TestFake_OpenAPI(t *testing.T) {
	t.Run("WithinTheDocument", func(t *testing.T) {
		fake := gongtest.NewTest(t, unlimited()) // fails the test on any violation
		addCall(fake, "1", time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC))
		for _, test := range []struct {
			name, method, path, body string
			wantStatus               int
		}{
			{"ListCalls", http.MethodGet, "/v2/calls?fromDateTime=2026-02-10T00:00:00Z&toDateTime=2026-02-11T00:00:00Z", "", http.StatusOK},
			{"ListCallsInWorkspace", http.MethodGet, "/v2/calls?fromDateTime=2026-02-10T00:00:00Z&toDateTime=2026-02-11T00:00:00Z&workspaceId=42", "", http.StatusNotFound},
			{"Extensive", http.MethodPost, "/v2/calls/extensive", summaryRequest, http.StatusOK},
			{"ExtensiveEverySelector", http.MethodPost, "/v2/calls/extensive", `{"filter":{"fromDateTime":"2026-02-10T00:00:00Z","toDateTime":"2026-02-11T00:00:00Z","workspaceId":"42","primaryUserIds":["7"]},"contentSelector":{"context":"Extended","contextTiming":["Now","TimeOfCall"],"exposedFields":{"parties":true,"media":false,"interaction":{"speakers":true},"collaboration":{"publicComments":false},"content":{"outline":true,"topics":true}}}}`, http.StatusNotFound},
			{"GetCall", http.MethodGet, "/v2/calls/1", "", http.StatusOK},
			{"ListUsers", http.MethodGet, "/v2/users?includeAvatars=false", "", http.StatusOK},
		} {
			t.Run(test.name, func(t *testing.T) {
				got := send(t, fake, test.method, test.path, test.body, true)
				assert.Equal(t, test.wantStatus, got.status, errorsOf(got))
			})
		}
		assert.Empty(t, fake.SpecViolations())
	})

	t.Run("OutsideTheDocument", func(t *testing.T) {
		fake := gongtest.NewTest(t, gongtest.Options{RatePerSecond: -1, AllowSpecViolations: true})
		addCall(fake, "1", time.Now())
		for _, test := range []struct {
			name, method, path, body string
			wantStatus               int
			wantError                string
		}{
			{"UnknownBodyField", http.MethodPost, "/v2/calls/extensive", `{"filter":{"callIds":["1"]},"limit":5}`,
				http.StatusBadRequest, "limit: unknown field"},
			{"UnknownNestedField", http.MethodPost, "/v2/calls/extensive", `{"filter":{"callIds":["1"]},"contentSelector":{"exposedFields":{"content":{"summary":true}}}}`,
				http.StatusBadRequest, "contentSelector.exposedFields.content.summary: unknown field"},
			{"WrongType", http.MethodPost, "/v2/calls/extensive", `{"filter":{"callIds":["1"]},"contentSelector":{"exposedFields":{"parties":"yes"}}}`,
				http.StatusBadRequest, "contentSelector.exposedFields.parties: value must be a boolean"},
			{"NotAnEnumValue", http.MethodPost, "/v2/calls/extensive", `{"filter":{"callIds":["1"]},"contentSelector":{"contextTiming":["Later"]}}`,
				http.StatusBadRequest, "contentSelector.contextTiming.0:"},
			{"MissingFilter", http.MethodPost, "/v2/calls/extensive", `{"contentSelector":{"context":"Basic"}}`,
				http.StatusBadRequest, "filter: must not be null"},
			{"DuplicateCallIDs", http.MethodPost, "/v2/calls/extensive", `{"filter":{"callIds":["1","1"]}}`,
				http.StatusBadRequest, "filter.callIds: duplicate items"},
			{"CallIDNotDigits", http.MethodPost, "/v2/calls/extensive", `{"filter":{"callIds":["call-1"]}}`,
				http.StatusBadRequest, "filter.callIds.0:"},
			{"NoBody", http.MethodPost, "/v2/calls/extensive", "", http.StatusBadRequest, "value is required"},
			{"MissingRequiredQuery", http.MethodGet, "/v2/calls?fromDateTime=2026-02-10T00:00:00Z", "",
				http.StatusBadRequest, "toDateTime: value is required"},
			{"WrongQueryType", http.MethodGet, "/v2/users?includeAvatars=maybe", "", http.StatusBadRequest, "includeAvatars:"},
			{"UnknownQueryParameter", http.MethodGet, "/v2/users?limit=10", "", http.StatusBadRequest, "limit: unknown query parameter"},
			{"PathIDNotDigits", http.MethodGet, "/v2/calls/abc", "", http.StatusBadRequest, "id:"},
			{"BodyOnGet", http.MethodGet, "/v2/users", `{"cursor":"x"}`, http.StatusBadRequest, "body"},
			{"UnknownEndpoint", http.MethodGet, "/v2/nothing", "", http.StatusNotFound, "No endpoint GET /v2/nothing"},
			{"UnknownMethod", http.MethodDelete, "/v2/calls/1", "", http.StatusNotFound, "No endpoint DELETE /v2/calls/1"},
		} {
			t.Run(test.name, func(t *testing.T) {
				before := len(fake.SpecViolations())
				got := send(t, fake, test.method, test.path, test.body, true)
				assert.Equal(t, test.wantStatus, got.status)
				assert.Len(t, got.body["requestId"], 19, "Gong's error shape")
				require.NotEmpty(t, errorsOf(got))
				assert.Contains(t, strings.Join(errorsOf(got), "\n"), test.wantError)
				recorded := fake.SpecViolations()[before:]
				require.NotEmpty(t, recorded, "recorded as a violation")
				assert.True(t, strings.HasPrefix(recorded[0], test.method+" "+strings.Split(test.path, "?")[0]+": "), recorded[0])
			})
		}
		t.Run("NoContentType", func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, fake.URL()+"/v2/calls/extensive", strings.NewReader(summaryRequest))
			require.NoError(t, err)
			require.NoError(t, fake.Authorize(req))
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			violations := fake.SpecViolations()
			assert.Contains(t, violations[len(violations)-1], "Content-Type")
		})
		assert.Empty(t, fake.ExtensiveCallIDs(), "no refused request reached the API")
	})

	t.Run("CredentialsAreTheFakesBusiness", func(t *testing.T) {
		fake := gongtest.NewTest(t, unlimited())
		for _, authorize := range []func(*http.Request){
			func(*http.Request) {},
			func(r *http.Request) { r.Header.Set("Authorization", "Bearer not-a-token") },
		} {
			req, err := http.NewRequest(http.MethodGet, fake.URL()+"/v2/users", nil)
			require.NoError(t, err)
			authorize(req)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		}
		assert.Empty(t, fake.SpecViolations(), "the document's security schemes are left to the fake")
	})

	t.Run("NewTestFailsOnViolations", func(t *testing.T) {
		for _, allow := range []bool{false, true} {
			t.Run(fmt.Sprint("Allow=", allow), func(t *testing.T) {
				tb := &cleanupRecorder{TB: t}
				fake := gongtest.NewTest(tb, gongtest.Options{RatePerSecond: -1, AllowSpecViolations: allow})
				send(t, fake, http.MethodGet, "/v2/users?limit=10", "", true)
				tb.runCleanups()
				if allow {
					assert.Empty(t, tb.errors)
					return
				}
				require.Len(t, tb.errors, 1)
				assert.Contains(t, tb.errors[0], "GET /v2/users: limit: unknown query parameter")
			})
		}
	})
}

// cleanupRecorder is a testing.TB whose cleanups and errors are kept for the
// test to look at instead of acting on the real test.
type cleanupRecorder struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *cleanupRecorder) Helper()          {}
func (r *cleanupRecorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *cleanupRecorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *cleanupRecorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}
