package planhattest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
)

// call sends one request with the fake's token and returns status, headers
// and the decoded JSON answer (nil when there is none).
func call(t *testing.T, fake *planhattest.Server, method, path string, body any) (int, http.Header, any) {
	t.Helper()
	return callWith(t, fake, method, path, body, "Bearer "+fake.Token())
}

func callWith(t *testing.T, fake *planhattest.Server, method, path string, body any, authorization string) (int, http.Header, any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		require.NoError(t, err)
		reader = bytes.NewReader(encoded)
	}
	req, err := http.NewRequest(method, fake.URL()+path, reader)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var answer any
	if len(bytes.TrimSpace(raw)) > 0 {
		require.NoError(t, json.Unmarshal(raw, &answer), "answer %q", raw)
	}
	return resp.StatusCode, resp.Header, answer
}

func object(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "want a JSON object, got %#v", v)
	return m
}

func array(t *testing.T, v any) []any {
	t.Helper()
	a, ok := v.([]any)
	require.True(t, ok, "want a JSON array, got %#v", v)
	return a
}

func TestAuthentication(t *testing.T) {
	fake := planhattest.NewTest(t)
	for _, test := range []struct {
		name          string
		authorization string
		want          int
	}{
		{"Bearer", "Bearer " + fake.Token(), http.StatusOK},
		{"BasicWithTokenAsUser", "Basic " + basic(fake.Token()+":"), http.StatusOK},
		{"ErrNoHeader", "", http.StatusUnauthorized},
		{"ErrWrongToken", "Bearer nope", http.StatusUnauthorized},
		{"ErrBasicWithPassword", "Basic " + basic(fake.Token()+":x"), http.StatusUnauthorized},
	} {
		t.Run(test.name, func(t *testing.T) {
			status, _, answer := callWith(t, fake, http.MethodGet, "/companies", nil, test.authorization)
			assert.Equal(t, test.want, status)
			if status == http.StatusUnauthorized {
				assert.NotEmpty(t, object(t, answer)["error"])
			}
		})
	}
}

func basic(s string) string {
	req, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	user, password, _ := strings.Cut(s, ":")
	req.SetBasicAuth(user, password)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestCompanies(t *testing.T) {
	fake := planhattest.NewTest(t)
	globex := fake.AddCompany(planhat.Company{Name: "Globex", SourceID: "0015g00000Glbx1", ExternalID: "globex", Domains: []string{"globex.com"}})
	for i := range 9 {
		fake.AddCompany(planhat.Company{Name: fmt.Sprintf("C%d", i), SourceID: fmt.Sprintf("s%d", i)})
	}

	t.Run("IDIsObjectID", func(t *testing.T) {
		assert.Regexp(t, "^[0-9a-f]{24}$", globex.ID)
	})
	t.Run("Keyables", func(t *testing.T) {
		for _, key := range []string{globex.ID, "srcid-0015g00000Glbx1", "extid-globex"} {
			status, _, answer := call(t, fake, http.MethodGet, "/companies/"+key, nil)
			require.Equal(t, http.StatusOK, status, key)
			assert.Equal(t, globex.ID, object(t, answer)["_id"], key)
		}
	})
	t.Run("NotFoundHasABody", func(t *testing.T) {
		status, _, answer := call(t, fake, http.MethodGet, "/companies/srcid-nope", nil)
		assert.Equal(t, http.StatusNotFound, status)
		assert.NotEmpty(t, object(t, answer)["error"])
	})
	t.Run("LimitOffsetSelect", func(t *testing.T) {
		status, _, answer := call(t, fake, http.MethodGet, "/companies?limit=3&offset=1&select=name", nil)
		require.Equal(t, http.StatusOK, status)
		page := array(t, answer)
		require.Len(t, page, 3)
		assert.Equal(t, map[string]any{"_id": object(t, page[0])["_id"], "name": "C0"}, page[0])
	})
	t.Run("SortDescending", func(t *testing.T) {
		_, _, answer := call(t, fake, http.MethodGet, "/companies?sort=-name&limit=1", nil)
		assert.Equal(t, "Globex", object(t, array(t, answer)[0])["name"])
	})
	t.Run("OffsetPastTheEnd", func(t *testing.T) {
		_, _, answer := call(t, fake, http.MethodGet, "/companies?offset=100", nil)
		assert.Equal(t, []any{}, answer)
	})
	t.Run("UnconfirmedFilterIgnored", func(t *testing.T) {
		_, _, answer := call(t, fake, http.MethodGet, "/companies?sourceId=s1", nil)
		assert.Len(t, array(t, answer), 10)
	})
	t.Run("LeanCompanies", func(t *testing.T) {
		_, _, answer := call(t, fake, http.MethodGet, "/leancompanies?sourceId=0015g00000Glbx1", nil)
		assert.Equal(t, []any{map[string]any{"_id": globex.ID, "name": "Globex", "externalId": "globex", "sourceId": "0015g00000Glbx1"}}, answer)
	})
	t.Run("ReplaceByID", func(t *testing.T) {
		changed := globex
		changed.Domains = []string{"globex.com", "globex.de"}
		fake.AddCompany(changed)
		_, _, answer := call(t, fake, http.MethodGet, "/companies/"+globex.ID, nil)
		assert.Equal(t, []any{"globex.com", "globex.de"}, object(t, answer)["domains"])
	})
}

func TestListLimits(t *testing.T) {
	fake := planhattest.NewTest(t)
	company := fake.AddCompany(planhat.Company{Name: "Big"})
	for i := range 2001 {
		fake.AddEnduser(planhat.Enduser{Email: fmt.Sprintf("e%d@big.example", i), CompanyID: company.ID})
	}
	_, _, answer := call(t, fake, http.MethodGet, "/endusers?limit=5000", nil)
	assert.Len(t, array(t, answer), 2000, "limits above the model's maximum are cut")
	_, _, answer = call(t, fake, http.MethodGet, "/endusers", nil)
	assert.Len(t, array(t, answer), 100, "default limit")
}

func TestEndusersFilters(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("IgnoreListFilters=%t", ignore), func(t *testing.T) {
			fake := planhattest.NewTest(t, planhattest.Options{IgnoreListFilters: ignore})
			globex := fake.AddCompany(planhat.Company{Name: "Globex"})
			initech := fake.AddCompany(planhat.Company{Name: "Initech"})
			fake.AddEnduser(planhat.Enduser{Email: "Hank@globex.com", CompanyID: globex.ID})
			fake.AddEnduser(planhat.Enduser{Email: "peter@initech.example", CompanyID: initech.ID})

			_, _, byEmail := call(t, fake, http.MethodGet, "/endusers?email=hank@GLOBEX.com", nil)
			_, _, byCompany := call(t, fake, http.MethodGet, "/endusers?companyId="+initech.ID, nil)
			if ignore {
				assert.Len(t, array(t, byEmail), 2)
				assert.Len(t, array(t, byCompany), 2)
				return
			}
			require.Len(t, array(t, byEmail), 1)
			assert.Equal(t, "Globex", object(t, array(t, byEmail)[0])["companyName"])
			require.Len(t, array(t, byCompany), 1)
			assert.Equal(t, "peter@initech.example", object(t, array(t, byCompany)[0])["email"])
		})
	}
}

func TestIgnoreOffset(t *testing.T) {
	fake := planhattest.NewTest(t, planhattest.Options{IgnoreOffset: true})
	fake.AddUser(planhat.User{Email: "a@initech.example"})
	fake.AddUser(planhat.User{Email: "b@initech.example"})
	_, _, first := call(t, fake, http.MethodGet, "/users?limit=1&offset=0", nil)
	_, _, second := call(t, fake, http.MethodGet, "/users?limit=1&offset=1", nil)
	assert.Equal(t, first, second)
}

func TestCreateConversation(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 30, 0, 123e6, time.UTC)
	fake := planhattest.NewTest(t, planhattest.Options{Now: func() time.Time { return now }})
	fake.AddConversationType("Gong Call")
	globex := fake.AddCompany(planhat.Company{Name: "Globex", SourceID: "0015g00000Glbx1", ExternalID: "globex"})

	t.Run("ErrCompanyIDRequired", func(t *testing.T) {
		status, _, answer := call(t, fake, http.MethodPost, "/conversations", map[string]any{"subject": "s"})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, object(t, answer)["error"], "companyId")
	})
	t.Run("ErrUnknownCompany", func(t *testing.T) {
		status, _, _ := call(t, fake, http.MethodPost, "/conversations", map[string]any{"companyId": "srcid-nope"})
		assert.Equal(t, http.StatusBadRequest, status)
	})
	t.Run("ErrNotAnObject", func(t *testing.T) {
		status, _, _ := call(t, fake, http.MethodPost, "/conversations", []any{map[string]any{"companyId": globex.ID}})
		assert.Equal(t, http.StatusBadRequest, status)
	})
	t.Run("GeneratedFields", func(t *testing.T) {
		for _, companyKey := range []string{globex.ID, "srcid-0015g00000Glbx1", "extid-globex"} {
			status, _, answer := call(t, fake, http.MethodPost, "/conversations", map[string]any{
				"_id": "mine", "companyId": companyKey, "type": "Gong Call", "externalId": "77", "subject": "s",
			})
			require.Equal(t, http.StatusOK, status)
			doc := object(t, answer)
			assert.Regexp(t, "^[0-9a-f]{24}$", doc["_id"])
			assert.Equal(t, globex.ID, doc["companyId"])
			assert.Equal(t, "Globex", doc["companyName"])
			assert.Equal(t, "0015g00000Glbx1", doc["companySourceId"])
			assert.Equal(t, "2026-11-20T15:30:00.123Z", doc["createDate"])
			assert.Equal(t, "Gong Call", doc["type"])
			assert.Equal(t, true, doc["isCustomType"])
			assert.Equal(t, "77", doc["externalId"])
		}
	})
	t.Run("UnknownTypeBecomesNote", func(t *testing.T) {
		_, _, answer := call(t, fake, http.MethodPost, "/conversations", map[string]any{"companyId": globex.ID, "type": "gong call"})
		assert.Equal(t, "note", object(t, answer)["type"])
		assert.Equal(t, false, object(t, answer)["isCustomType"])
		_, _, answer = call(t, fake, http.MethodPost, "/conversations", map[string]any{"companyId": globex.ID, "type": "call"})
		assert.Equal(t, "call", object(t, answer)["type"], "built-in types are kept")
	})
	t.Run("ExtidLookupFindsTheOldest", func(t *testing.T) {
		status, _, answer := call(t, fake, http.MethodGet, "/conversations/extid-77", nil)
		require.Equal(t, http.StatusOK, status)
		first, ok := fake.ConversationByExternalID("77")
		require.True(t, ok)
		assert.Equal(t, first.ID, object(t, answer)["_id"])
	})
	t.Run("ListByCompany", func(t *testing.T) {
		_, _, answer := call(t, fake, http.MethodGet, "/conversations?companyId="+globex.ID+"&limit=2", nil)
		assert.Len(t, array(t, answer), 2)
	})
}

func TestUpdateConversation(t *testing.T) {
	fake := planhattest.NewTest(t)
	fake.AddConversationType("Gong Call")
	globex := fake.AddCompany(planhat.Company{Name: "Globex"})
	initech := fake.AddCompany(planhat.Company{Name: "Initech", SourceID: "init"})
	description := "<p>summary</p>"
	seeded := fake.AddConversation(planhat.Conversation{
		CompanyID: globex.ID, Type: "Gong Call", Subject: "s", ExternalID: "9", Description: &description,
		Custom: map[string]any{"Gong URL": "https://app.gong.io/call?id=9", "Call Duration": 30},
	})

	seededDoc, ok := fake.ConversationDocument(seeded.ID)
	require.True(t, ok)
	require.NotEmpty(t, seededDoc["createDate"])

	status, _, answer := call(t, fake, http.MethodPut, "/conversations/"+seeded.ID, map[string]any{
		"_id": "other", "createDate": "1999", "subject": "t", "custom": map[string]any{"Call Duration": 31},
	})
	require.Equal(t, http.StatusOK, status)
	doc := object(t, answer)
	assert.Equal(t, seeded.ID, doc["_id"])
	assert.Equal(t, seededDoc["createDate"], doc["createDate"], "autogenerated fields are not writable")
	assert.Equal(t, "t", doc["subject"])
	assert.Equal(t, description, doc["description"], "absent fields stay")
	assert.Equal(t, "Gong Call", doc["type"])
	assert.Equal(t, map[string]any{"Gong URL": "https://app.gong.io/call?id=9", "Call Duration": 31.0}, doc["custom"], "custom is merged")

	t.Run("MoveToAnotherCompany", func(t *testing.T) {
		_, _, answer := call(t, fake, http.MethodPut, "/conversations/"+seeded.ID, map[string]any{"companyId": "srcid-init"})
		assert.Equal(t, initech.ID, object(t, answer)["companyId"])
		assert.Equal(t, "Initech", object(t, answer)["companyName"])
	})
	t.Run("ErrUnknownCompany", func(t *testing.T) {
		status, _, _ := call(t, fake, http.MethodPut, "/conversations/"+seeded.ID, map[string]any{"companyId": "nope"})
		assert.Equal(t, http.StatusBadRequest, status)
	})
	t.Run("NotFound", func(t *testing.T) {
		status, _, answer := call(t, fake, http.MethodPut, "/conversations/000000000000000000000000", map[string]any{"subject": "x"})
		assert.Equal(t, http.StatusNotFound, status)
		assert.NotEmpty(t, object(t, answer)["error"])
	})
	t.Run("KeyableInPathNotAccepted", func(t *testing.T) {
		status, _, _ := call(t, fake, http.MethodPut, "/conversations/extid-9", map[string]any{"subject": "x"})
		assert.Equal(t, http.StatusNotFound, status)
	})
	t.Run("Snapshot", func(t *testing.T) {
		got, ok := fake.Conversation(seeded.ID)
		require.True(t, ok)
		assert.Equal(t, &description, got.Description)
		assert.Equal(t, initech.ID, got.CompanyID)
		doc, ok := fake.ConversationDocument(seeded.ID)
		require.True(t, ok)
		assert.Equal(t, "Initech", doc["companyName"])
		assert.Equal(t, "init", doc["companySourceId"])
	})
	t.Run("Delete", func(t *testing.T) {
		status, _, answer := call(t, fake, http.MethodDelete, "/conversations/"+seeded.ID, nil)
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, seeded.ID, object(t, answer)["_id"])
		_, ok := fake.Conversation(seeded.ID)
		assert.False(t, ok)
		assert.False(t, fake.RemoveConversation(seeded.ID))
	})
}

func TestCreateAnswers(t *testing.T) {
	t.Run("Status201WithoutBody", func(t *testing.T) {
		fake := planhattest.NewTest(t, planhattest.Options{CreateStatus: http.StatusCreated, EmptyCreateBody: true})
		company := fake.AddCompany(planhat.Company{Name: "Globex"})
		status, _, answer := call(t, fake, http.MethodPost, "/conversations", map[string]any{"companyId": company.ID})
		assert.Equal(t, http.StatusCreated, status)
		assert.Nil(t, answer)
		assert.Len(t, fake.Conversations(), 1)
	})
	t.Run("CreateThenFail", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		company := fake.AddCompany(planhat.Company{Name: "Globex"})
		fake.CreateThenFail(1)
		req, err := http.NewRequest(http.MethodPost, fake.URL()+"/conversations", strings.NewReader(`{"companyId":"`+company.ID+`","externalId":"5"}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+fake.Token())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
		_, ok := fake.ConversationByExternalID("5")
		assert.True(t, ok, "created before failing")

		status, _, _ := call(t, fake, http.MethodPost, "/conversations", map[string]any{"companyId": company.ID})
		assert.Equal(t, http.StatusOK, status, "only the next n fail")
	})
	t.Run("CreateThenDrop", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		company := fake.AddCompany(planhat.Company{Name: "Globex"})
		fake.CreateThenDrop(1)
		req, err := http.NewRequest(http.MethodPost, fake.URL()+"/conversations", strings.NewReader(`{"companyId":"`+company.ID+`","externalId":"6"}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+fake.Token())
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		require.Error(t, err, "no answer at all")
		_, ok := fake.ConversationByExternalID("6")
		assert.True(t, ok)
	})
}

func TestRateLimits(t *testing.T) {
	t.Run("PerSecondWithRetryAfter", func(t *testing.T) {
		fake := planhattest.NewTest(t, planhattest.Options{RatePerSecond: 1})
		status, _, _ := call(t, fake, http.MethodGet, "/users", nil)
		require.Equal(t, http.StatusOK, status)
		status, header, answer := call(t, fake, http.MethodGet, "/users", nil)
		assert.Equal(t, http.StatusTooManyRequests, status)
		assert.Equal(t, "1", header.Get("Retry-After"))
		assert.NotEmpty(t, object(t, answer)["error"])
		assert.Equal(t, 1, fake.Stats().TooManyRequests)
	})
	t.Run("PerSecondWithoutRetryAfter", func(t *testing.T) {
		fake := planhattest.NewTest(t, planhattest.Options{RatePerSecond: 1, OmitRetryAfter: true})
		call(t, fake, http.MethodGet, "/users", nil)
		status, header, _ := call(t, fake, http.MethodGet, "/users", nil)
		assert.Equal(t, http.StatusTooManyRequests, status)
		assert.Empty(t, header.Get("Retry-After"))
	})
	t.Run("PerMinuteWindow", func(t *testing.T) {
		var mu sync.Mutex
		now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
		fake := planhattest.NewTest(t, planhattest.Options{RatePerSecond: -1, RatePerMinute: 2, Now: clock})

		_, header, _ := call(t, fake, http.MethodGet, "/users", nil)
		assert.Equal(t, "2", header.Get("X-Rate-Limit-Limit"))
		assert.Equal(t, "1", header.Get("X-Rate-Limit-Remaining"))
		call(t, fake, http.MethodGet, "/users", nil)
		advance(20 * time.Second)
		status, header, _ := call(t, fake, http.MethodGet, "/users", nil)
		assert.Equal(t, http.StatusTooManyRequests, status)
		assert.Equal(t, "40", header.Get("Retry-After"))
		advance(40 * time.Second)
		status, _, _ = call(t, fake, http.MethodGet, "/users", nil)
		assert.Equal(t, http.StatusOK, status, "a new window")
	})
}

func TestFaults(t *testing.T) {
	fake := planhattest.NewTest(t)
	fake.Inject(planhattest.Fault{Route: "GET /companies/srcid-*", Status: http.StatusBadGateway, Count: 2})
	fake.FailNext(1, http.StatusServiceUnavailable)

	status, _, _ := call(t, fake, http.MethodGet, "/users", nil)
	assert.Equal(t, http.StatusServiceUnavailable, status, "FailNext hits any route")
	status, _, _ = call(t, fake, http.MethodGet, "/companies/srcid-x", nil)
	assert.Equal(t, http.StatusBadGateway, status)
	status, _, _ = call(t, fake, http.MethodGet, "/companies/srcid-x", nil)
	assert.Equal(t, http.StatusBadGateway, status)
	status, _, _ = call(t, fake, http.MethodGet, "/companies/srcid-x", nil)
	assert.Equal(t, http.StatusNotFound, status, "faults are used up")

	status, _, _ = callWith(t, fake, http.MethodGet, "/users", nil, "")
	assert.Equal(t, http.StatusUnauthorized, status)

	t.Run("Latency", func(t *testing.T) {
		fake.SetLatency(60 * time.Millisecond)
		defer fake.SetLatency(0)
		started := time.Now()
		call(t, fake, http.MethodGet, "/users", nil)
		assert.GreaterOrEqual(t, time.Since(started), 60*time.Millisecond)
	})
}

func TestCounters(t *testing.T) {
	fake := planhattest.NewTest(t)
	company := fake.AddCompany(planhat.Company{Name: "Globex"})
	call(t, fake, http.MethodGet, "/companies?limit=5", nil)
	call(t, fake, http.MethodGet, "/companies/srcid-a", nil)
	call(t, fake, http.MethodGet, "/companies/srcid-b", nil)
	call(t, fake, http.MethodGet, "/companies/"+company.ID, nil)
	call(t, fake, http.MethodGet, "/conversations/extid-1", nil)
	_, _, created := call(t, fake, http.MethodPost, "/conversations", map[string]any{"companyId": company.ID})
	call(t, fake, http.MethodPut, "/conversations/"+object(t, created)["_id"].(string), map[string]any{"subject": "x"})

	assert.Equal(t, planhattest.Stats{
		Requests: 7,
		RequestsByRoute: map[string]int{
			"GET /companies":             1,
			"GET /companies/srcid-*":     2,
			"GET /companies/{id}":        1,
			"GET /conversations/extid-*": 1,
			"POST /conversations":        1,
			"PUT /conversations/{id}":    1,
		},
	}, fake.Stats())
	assert.Equal(t, 2, fake.RequestsTo("GET /companies/srcid-*"))
	fake.ResetStats()
	assert.Zero(t, fake.Requests())
}

func TestConcurrentUse(t *testing.T) {
	fake := planhattest.NewTest(t)
	fake.AddConversationType("Gong Call")
	company := fake.AddCompany(planhat.Company{Name: "Globex"})
	// send reports failures with assert only: require may not stop a test
	// from another goroutine.
	send := func(method, path, body string) (int, map[string]any) {
		req, err := http.NewRequest(method, fake.URL()+path, strings.NewReader(body))
		if !assert.NoError(t, err) {
			return 0, nil
		}
		req.Header.Set("Authorization", "Bearer "+fake.Token())
		resp, err := http.DefaultClient.Do(req)
		if !assert.NoError(t, err) {
			return 0, nil
		}
		defer resp.Body.Close()
		var answer map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&answer)
		return resp.StatusCode, answer
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			status, created := send(http.MethodPost, "/conversations", fmt.Sprintf(`{"companyId":%q,"externalId":"%d","type":"Gong Call"}`, company.ID, i))
			if !assert.Equal(t, http.StatusOK, status) {
				return
			}
			status, _ = send(http.MethodPut, "/conversations/"+fmt.Sprint(created["_id"]), `{"subject":"x"}`)
			assert.Equal(t, http.StatusOK, status)
			fake.AddEnduser(planhat.Enduser{Email: fmt.Sprintf("%d@globex.com", i), CompanyID: company.ID})
			_ = fake.Conversations()
			status, _ = send(http.MethodGet, "/endusers?companyId="+company.ID, "")
			assert.Equal(t, http.StatusOK, status)
		})
	}
	wg.Wait()
	assert.Len(t, fake.Conversations(), 20)
	assert.Equal(t, 60, fake.Requests())
}
