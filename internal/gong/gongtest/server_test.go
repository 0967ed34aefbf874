package gongtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gong/gongtest"
)

// answer is a raw exchange with the fake, to check its wire behaviour.
type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func send(t *testing.T, fake *gongtest.Server, method, path, body string, authorized bool) answer {
	t.Helper()
	req, err := http.NewRequest(method, fake.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorized {
		require.NoError(t, fake.Authorize(req))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	decoded := map[string]any{}
	require.NoError(t, json.Unmarshal(raw, &decoded), "every answer is JSON: %s", raw)
	return answer{status: resp.StatusCode, header: resp.Header, body: decoded}
}

func errorsOf(a answer) []string {
	var messages []string
	list, _ := a.body["errors"].([]any)
	for _, m := range list {
		messages = append(messages, fmt.Sprint(m))
	}
	return messages
}

func unlimited() gongtest.Options { return gongtest.Options{RatePerSecond: -1} }

const summaryRequest = `{"filter":{"callIds":["1"]},"contentSelector":{"context":"Extended","exposedFields":{"parties":true,"content":{"brief":true,"keyPoints":true,"highlights":true,"callOutcome":true}}}}`

func addCall(fake *gongtest.Server, id string, started time.Time) {
	fake.AddCall(gong.CallData{
		MetaData: gong.MetaData{ID: id, Started: started.Format(time.RFC3339), Title: "Call " + id},
		Context: []gong.CRMContext{{System: "Salesforce", Objects: []gong.CRMObject{{
			ObjectType: "Account", ObjectID: "001A", Fields: []gong.CRMField{{Name: "Name", Value: []byte(`"Acme"`)}},
		}}}},
		Parties: []gong.Party{{ID: "p1", EmailAddress: "buyer@acme.com", Affiliation: gong.AffiliationExternal}},
	})
}

func TestFake_Authentication(t *testing.T) {
	fake := gongtest.NewTest(t, unlimited())
	for _, test := range []struct {
		name  string
		setup func(*http.Request)
	}{
		{name: "Missing", setup: func(*http.Request) {}},
		{name: "WrongSecret", setup: func(r *http.Request) { r.SetBasicAuth(gongtest.DefaultAccessKey, "wrong") }},
		{name: "Bearer", setup: func(r *http.Request) { r.Header.Set("Authorization", "Bearer token") }},
	} {
		t.Run(test.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, fake.URL()+"/v2/users", nil)
			require.NoError(t, err)
			test.setup(req)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			var body gong.ErrorResponse
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			assert.Len(t, body.RequestID, 19)
			assert.NotEmpty(t, body.Errors)
			assert.Equal(t, body.RequestID, resp.Header.Get("X-Traceid"))
		})
	}
	t.Run("CustomCredentials", func(t *testing.T) {
		custom := gongtest.NewTest(t, gongtest.Options{AccessKey: "k", AccessKeySecret: "s", RatePerSecond: -1})
		key, secret := custom.Credentials()
		assert.Equal(t, []string{"k", "s"}, []string{key, secret})
		assert.Equal(t, http.StatusOK, send(t, custom, http.MethodGet, "/v2/users", "", true).status)
	})
}

func TestFake_ExtensiveValidation(t *testing.T) {
	fake := gongtest.NewTest(t, gongtest.Options{RatePerSecond: -1, AllowSpecViolations: true})
	addCall(fake, "1", time.Now())
	var tooMany []string
	for i := range 101 {
		tooMany = append(tooMany, strconv.Quote(strconv.Itoa(1000+i)))
	}
	for _, test := range []struct {
		name, body, wantError string
		outsideSpec           bool // refused by Gong's OpenAPI document, not by the fake's own checks
	}{
		{name: "MalformedJSON", body: `{"filter":`, wantError: "Malformed JSON", outsideSpec: true},
		{name: "MissingFilter", body: `{"contentSelector":{}}`, wantError: "filter: must not be null", outsideSpec: true},
		{name: "TooManyCallIDs", body: `{"filter":{"callIds":[` + strings.Join(tooMany, ",") + `]}}`, wantError: "filter.callIds: size"},
		{name: "NumericCallIDs", body: `{"filter":{"callIds":[1]}}`, wantError: "filter.callIds.0:", outsideSpec: true},
		{name: "BadContext", body: `{"filter":{"callIds":["1"]},"contentSelector":{"context":"All"}}`, wantError: "contentSelector.context", outsideSpec: true},
		{name: "BadDate", body: `{"filter":{"fromDateTime":"yesterday"}}`, wantError: "filter.fromDateTime"},
		{name: "UnknownCursor", body: `{"cursor":"made-up","filter":{"callIds":["1"]}}`, wantError: "cursor"},
	} {
		t.Run(test.name, func(t *testing.T) {
			before := len(fake.SpecViolations())
			got := send(t, fake, http.MethodPost, "/v2/calls/extensive", test.body, true)
			assert.Equal(t, http.StatusBadRequest, got.status)
			require.NotEmpty(t, errorsOf(got))
			assert.Contains(t, errorsOf(got)[0], test.wantError)
			assert.Equal(t, test.outsideSpec, len(fake.SpecViolations()) > before, "recorded as a spec violation")
		})
	}
}

func TestFake_ExtensiveNotFound(t *testing.T) {
	fake := gongtest.NewTest(t, unlimited())
	got := send(t, fake, http.MethodPost, "/v2/calls/extensive", summaryRequest, true)
	assert.Equal(t, http.StatusNotFound, got.status)
	assert.Equal(t, []string{"No calls found corresponding to the provided filters"}, errorsOf(got))
	assert.NotEmpty(t, got.body["requestId"])
}

func TestFake_ExtensiveSelectsFields(t *testing.T) {
	fake := gongtest.NewTest(t, unlimited())
	addCall(fake, "1", time.Now())
	fake.SetSummary("1", gong.CallContent{Brief: "b", KeyPoints: []gong.KeyPoint{{Text: "k"}}, CallOutcome: &gong.CallOutcome{Name: "o"}})

	callOf := func(t *testing.T, body string) map[string]any {
		t.Helper()
		got := send(t, fake, http.MethodPost, "/v2/calls/extensive", body, true)
		require.Equal(t, http.StatusOK, got.status, errorsOf(got))
		calls := got.body["calls"].([]any)
		require.Len(t, calls, 1)
		return calls[0].(map[string]any)
	}

	t.Run("NothingSelected", func(t *testing.T) {
		call := callOf(t, `{"filter":{"callIds":["1"]}}`)
		assert.Contains(t, call, "metaData")
		assert.NotContains(t, call, "parties")
		assert.NotContains(t, call, "context")
		assert.NotContains(t, call, "content")
	})
	t.Run("OnlyBriefRequested", func(t *testing.T) {
		call := callOf(t, `{"filter":{"callIds":["1"]},"contentSelector":{"exposedFields":{"content":{"brief":true}}}}`)
		assert.Equal(t, map[string]any{"brief": "b"}, call["content"])
	})
	t.Run("HighlightsRequestedButNotReady", func(t *testing.T) {
		call := callOf(t, `{"filter":{"callIds":["1"]},"contentSelector":{"exposedFields":{"content":{"highlights":true}}}}`)
		assert.Equal(t, map[string]any{}, call["content"])
	})
	t.Run("BasicContextHasNoFieldValues", func(t *testing.T) {
		call := callOf(t, `{"filter":{"callIds":["1"]},"contentSelector":{"context":"Basic","exposedFields":{"parties":true}}}`)
		object := call["context"].([]any)[0].(map[string]any)["objects"].([]any)[0].(map[string]any)
		assert.Equal(t, "001A", object["objectId"])
		assert.NotContains(t, object, "fields")
		assert.Len(t, call["parties"], 1)
	})
	t.Run("ExtendedContextHasFieldValues", func(t *testing.T) {
		call := callOf(t, summaryRequest)
		object := call["context"].([]any)[0].(map[string]any)["objects"].([]any)[0].(map[string]any)
		assert.Len(t, object["fields"], 1)
		assert.Equal(t, "b", call["content"].(map[string]any)["brief"])
	})
}

func TestFake_CursorIsBoundToItsRequest(t *testing.T) {
	fake := gongtest.NewTest(t, gongtest.Options{PageSize: 1, RatePerSecond: -1})
	addCall(fake, "1", time.Now())
	addCall(fake, "2", time.Now())
	first := send(t, fake, http.MethodPost, "/v2/calls/extensive", `{"filter":{"callIds":["1","2"]}}`, true)
	require.Equal(t, http.StatusOK, first.status)
	records := first.body["records"].(map[string]any)
	assert.EqualValues(t, 2, records["totalRecords"])
	cursor := records["cursor"].(string)

	changed := send(t, fake, http.MethodPost, "/v2/calls/extensive", `{"cursor":"`+cursor+`","filter":{"callIds":["1"]}}`, true)
	assert.Equal(t, http.StatusBadRequest, changed.status, "other inputs must stay the same")

	next := send(t, fake, http.MethodPost, "/v2/calls/extensive", `{"cursor":"`+cursor+`","filter":{"callIds":["1","2"]}}`, true)
	require.Equal(t, http.StatusOK, next.status)
	assert.NotContains(t, next.body["records"], "cursor", "no cursor on the last page")
	assert.EqualValues(t, 1, next.body["records"].(map[string]any)["currentPageNumber"])

	again := send(t, fake, http.MethodPost, "/v2/calls/extensive", `{"cursor":"`+cursor+`","filter":{"callIds":["1","2"]}}`, true)
	assert.Equal(t, http.StatusOK, again.status, "a page can be fetched again after a failure")

	listFirst := send(t, fake, http.MethodGet, "/v2/calls?fromDateTime=2020-01-01T00:00:00Z&toDateTime=2100-01-01T00:00:00Z", "", true)
	listCursor := listFirst.body["records"].(map[string]any)["cursor"].(string)
	assert.Equal(t, http.StatusBadRequest, send(t, fake, http.MethodGet, "/v2/users?cursor="+listCursor, "", true).status,
		"a cursor of one endpoint is refused by another")
}

func TestFake_ListCallsAndGetCall(t *testing.T) {
	fake := gongtest.NewTest(t, unlimited())
	day := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	addCall(fake, "1", day)
	addCall(fake, "2", day.Add(time.Hour))

	got := send(t, fake, http.MethodGet, "/v2/calls?fromDateTime=2026-02-10T00:30:00Z&toDateTime=2026-02-11T00:00:00Z", "", true)
	require.Equal(t, http.StatusOK, got.status)
	calls := got.body["calls"].([]any)
	require.Len(t, calls, 1)
	assert.Equal(t, "2", calls[0].(map[string]any)["id"], "GET /v2/calls returns flat metadata")

	assert.Equal(t, http.StatusBadRequest, send(t, fake, http.MethodGet, "/v2/calls?fromDateTime=tomorrow&toDateTime=2030-01-02T00:00:00Z", "", true).status)
	assert.Equal(t, http.StatusNotFound, send(t, fake, http.MethodGet, "/v2/calls?fromDateTime=2030-01-01T00:00:00Z&toDateTime=2030-01-02T00:00:00Z", "", true).status)

	one := send(t, fake, http.MethodGet, "/v2/calls/1", "", true)
	require.Equal(t, http.StatusOK, one.status)
	assert.Equal(t, "1", one.body["call"].(map[string]any)["id"])
	missing := send(t, fake, http.MethodGet, "/v2/calls/894411314421502864", "", true)
	assert.Equal(t, http.StatusNotFound, missing.status)
	assert.Equal(t, []string{"Call ID 894411314421502864 was not found"}, errorsOf(missing))
}

func TestFake_RateLimit(t *testing.T) {
	clock := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); clock = clock.Add(d) }
	fake := gongtest.NewTest(t, gongtest.Options{Now: now}) // Gong's 3 per second

	for range 3 {
		assert.Equal(t, http.StatusOK, send(t, fake, http.MethodGet, "/v2/users", "", true).status)
	}
	limited := send(t, fake, http.MethodGet, "/v2/users", "", true)
	assert.Equal(t, http.StatusTooManyRequests, limited.status)
	retryAfter, err := strconv.Atoi(limited.header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After is whole seconds")
	assert.GreaterOrEqual(t, retryAfter, 1)
	assert.NotEmpty(t, errorsOf(limited))
	assert.Equal(t, 1, fake.TooManyRequests())

	advance(400 * time.Millisecond)
	assert.Equal(t, http.StatusOK, send(t, fake, http.MethodGet, "/v2/users", "", true).status, "one more after a third of a second")

	t.Run("DailyCap", func(t *testing.T) {
		capped := gongtest.NewTest(t, gongtest.Options{RatePerSecond: -1, DailyCap: 2, Now: now})
		for range 2 {
			assert.Equal(t, http.StatusOK, send(t, capped, http.MethodGet, "/v2/users", "", true).status)
		}
		over := send(t, capped, http.MethodGet, "/v2/users", "", true)
		assert.Equal(t, http.StatusTooManyRequests, over.status)
		retryAfter, err := strconv.Atoi(over.header.Get("Retry-After"))
		require.NoError(t, err)
		assert.InDelta(t, 12*3600, retryAfter, 2, "until midnight UTC")
		advance(12 * time.Hour)
		assert.Equal(t, http.StatusOK, send(t, capped, http.MethodGet, "/v2/users", "", true).status, "a new day")
	})
}

func TestFake_Faults(t *testing.T) {
	fake := gongtest.NewTest(t, unlimited())
	fake.Inject(gongtest.Fault{Path: "/v2/calls/extensive", Status: http.StatusBadGateway, Count: 2})
	fake.FailNext(1, http.StatusTooManyRequests)

	assert.Equal(t, http.StatusBadGateway, send(t, fake, http.MethodPost, "/v2/calls/extensive", summaryRequest, true).status)
	limited := send(t, fake, http.MethodGet, "/v2/users", "", true)
	assert.Equal(t, http.StatusTooManyRequests, limited.status, "the path-free fault serves other paths")
	assert.Equal(t, "1", limited.header.Get("Retry-After"))
	assert.Equal(t, http.StatusBadGateway, send(t, fake, http.MethodPost, "/v2/calls/extensive", summaryRequest, true).status)
	assert.Equal(t, http.StatusNotFound, send(t, fake, http.MethodPost, "/v2/calls/extensive", summaryRequest, true).status, "faults used up")

	stats := fake.Stats()
	assert.Equal(t, 4, stats.Requests)
	assert.Equal(t, 3, stats.RequestsByPath["/v2/calls/extensive"])
	assert.Equal(t, 1, stats.TooManyRequests)
	assert.Equal(t, [][]string{{"1"}}, stats.ExtensiveCallIDs, "only the request that reached the API")
	fake.ResetStats()
	assert.Zero(t, fake.Requests())
}

func TestFake_Latency(t *testing.T) {
	fake := gongtest.NewTest(t, unlimited())
	fake.SetLatency(100 * time.Millisecond)
	fake.SetPathLatency("/v2/calls", 0)
	fake.SetPathLatency("/v2/users", 200*time.Millisecond)

	started := time.Now()
	send(t, fake, http.MethodGet, "/v2/users", "", true)
	assert.GreaterOrEqual(t, time.Since(started), 200*time.Millisecond)

	started = time.Now()
	send(t, fake, http.MethodGet, "/v2/calls/1", "", true)
	assert.GreaterOrEqual(t, time.Since(started), 100*time.Millisecond)

	fake.SetLatency(0)
	started = time.Now()
	send(t, fake, http.MethodGet, "/v2/calls/1", "", true)
	assert.Less(t, time.Since(started), 100*time.Millisecond)
}

func TestFake_ConcurrentUse(t *testing.T) {
	fake := gongtest.NewTest(t, gongtest.Options{PageSize: 3, RatePerSecond: -1})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			id := strconv.Itoa(100 + i)
			addCall(fake, id, time.Now())
			fake.SetSummary(id, gong.CallContent{Brief: "b"})
			fake.AddUser(gong.User{ID: id})
			got := send(t, fake, http.MethodPost, "/v2/calls/extensive", `{"filter":{"callIds":["`+id+`"]}}`, true)
			assert.Equal(t, http.StatusOK, got.status)
			_ = fake.Stats()
		})
	}
	wg.Wait()
	assert.Equal(t, 20, fake.Requests())
	assert.Len(t, fake.ExtensiveCallIDs(), 20)
}

func TestSignWebhook_VerifiesWithGong(t *testing.T) {
	key := gongtest.NewSigningKey(t)
	encoded, err := gongtest.EncodePublicKey(&key.PublicKey)
	require.NoError(t, err)
	publicKey, err := gong.ParsePublicKey(encoded)
	require.NoError(t, err)
	const url = "https://gongsync.example.com/webhooks/gong"
	verifier, err := gong.NewJWTVerifier(publicKey, url, nil)
	require.NoError(t, err)
	body := []byte(`{"callData":{"metaData":{"id":"1"}}}`)
	assert.NoError(t, verifier.Verify("Bearer "+gongtest.SignWebhook(t, key, url, body, time.Now().Add(time.Minute)), body))
}
