package gong_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gong/gongtest"
	"github.com/gongsync/gongsync/internal/upstream"
)

// newFakeAndClient returns a fake Gong without a rate limit (unless opts
// sets one) and a client with its credentials and no client-side limit.
func newFakeAndClient(t *testing.T, opts gongtest.Options, clientOpts gong.ClientOptions) (*gongtest.Server, *gong.Client) {
	t.Helper()
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond = -1
	}
	fake := gongtest.NewTest(t, opts)
	clientOpts.BaseURL = fake.URL()
	if clientOpts.Authorize == nil {
		clientOpts.Authorize = gong.BasicAuth(fake.Credentials())
	}
	client, err := gong.NewClient(clientOpts)
	require.NoError(t, err)
	return fake, client
}

func testCall(id string, started time.Time) gong.CallData {
	return gong.CallData{
		MetaData: gong.MetaData{
			ID:          id,
			URL:         "https://app.gong.io/call?id=" + id,
			Title:       "Call " + id,
			Started:     started.Format(time.RFC3339),
			Duration:    1800,
			WorkspaceID: "623457276584334",
		},
		Context: []gong.CRMContext{{System: "Salesforce", Objects: []gong.CRMObject{{
			ObjectType: "Account", ObjectID: "0011630000vmLBaEEN",
			Fields: []gong.CRMField{{Name: "Name", Value: []byte(`"Acme"`)}},
		}}}},
		Parties: []gong.Party{
			{ID: "1", EmailAddress: "rep@seller.com", Affiliation: gong.AffiliationInternal},
			{ID: "2", EmailAddress: "buyer@acme.com", Affiliation: gong.AffiliationExternal},
		},
	}
}

var testSummary = gong.CallContent{
	Brief:       "Acme wants to renew.",
	KeyPoints:   []gong.KeyPoint{{Text: "Renewal in May"}},
	Highlights:  []gong.Highlight{{Title: "Next steps", Items: []gong.HighlightItem{{Text: "Send the quote", StartTimes: []float64{12.5}}}}},
	CallOutcome: &gong.CallOutcome{ID: "MEETING_BOOKED", Category: "Answered", Name: "Meeting booked"},
}

func TestCallsExtensive_SummaryAbsentThenPresent(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{})
	fake.AddCall(testCall("7782342274025937895", testNow))
	ctx := context.Background()

	calls, err := client.CallsExtensive(ctx, []string{"7782342274025937895"}, gong.ExtensiveOptions{})
	require.NoError(t, err)
	require.Len(t, calls, 1)
	call := calls[0]
	assert.Equal(t, "7782342274025937895", call.MetaData.ID)
	assert.Len(t, call.Parties, 2, "parties are requested by default")
	require.Len(t, call.Context, 1)
	assert.Len(t, call.Context[0].Objects[0].Fields, 1, "Extended context carries field values")
	assert.False(t, call.Content.HasSummary(), "Gong omits the AI fields until they are ready")

	fake.SetSummary("7782342274025937895", testSummary)
	calls, err = client.CallsExtensive(ctx, []string{"7782342274025937895"}, gong.ExtensiveOptions{})
	require.NoError(t, err)
	require.Len(t, calls, 1)
	require.True(t, calls[0].Content.HasSummary())
	assert.Equal(t, testSummary, *calls[0].Content)

	assert.Equal(t, [][]string{{"7782342274025937895"}, {"7782342274025937895"}}, fake.ExtensiveCallIDs())
}

func TestCallsExtensive_Options(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{})
	fake.AddCall(testCall("1", testNow))
	calls, err := client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{Context: gong.ContextNone, OmitParties: true})
	require.NoError(t, err)
	require.Len(t, calls, 1)
	assert.Empty(t, calls[0].Parties)
	assert.Empty(t, calls[0].Context)

	_, err = client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{Context: "Everything"})
	assert.ErrorIs(t, err, upstream.ErrBadInput)
}

func TestCallsExtensive_NoCallsFoundIsEmpty(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{})
	calls, err := client.CallsExtensive(context.Background(), []string{"894411314421502864"}, gong.ExtensiveOptions{})
	require.NoError(t, err)
	assert.Empty(t, calls)
	assert.Equal(t, 1, fake.RequestsTo("/v2/calls/extensive"))
}

func TestCallsExtensive_PartlyVisible(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{})
	fake.AddCall(testCall("1", testNow))
	calls, err := client.CallsExtensive(context.Background(), []string{"1", "2"}, gong.ExtensiveOptions{})
	require.NoError(t, err)
	require.Len(t, calls, 1)
	assert.Equal(t, "1", calls[0].MetaData.ID)
}

func TestCallsExtensive_OtherNotFoundIsAnError(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{})
	fake.Inject(gongtest.Fault{Status: http.StatusNotFound, Count: 1, Message: "Resource not found"})
	_, err := client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{})
	require.Error(t, err)
	assert.Equal(t, upstream.KindNotFound, upstream.KindOf(err))
}

func TestCallsExtensive_Pagination(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{PageSize: 2}, gong.ClientOptions{})
	ids := []string{"101", "102", "103", "104", "105"}
	for i, id := range ids {
		fake.AddCall(testCall(id, testNow.Add(time.Duration(i)*time.Minute)))
	}
	calls, err := client.CallsExtensive(context.Background(), ids, gong.ExtensiveOptions{})
	require.NoError(t, err)
	var got []string
	for _, call := range calls {
		got = append(got, call.MetaData.ID)
	}
	assert.Equal(t, ids, got)
	assert.Equal(t, 3, fake.RequestsTo("/v2/calls/extensive"))
	for _, sent := range fake.ExtensiveCallIDs() {
		assert.Equal(t, ids, sent, "every page repeats the same filter")
	}
}

func TestCallsExtensive_RejectsBadBatches(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{})
	tooMany := make([]string, gong.MaxCallIDsPerRequest+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint(1000 + i)
	}
	for _, test := range []struct {
		name string
		ids  []string
	}{
		{name: "None", ids: nil},
		{name: "MoreThan100", ids: tooMany},
		{name: "NotAnID", ids: []string{"12", "abc"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := client.CallsExtensive(context.Background(), test.ids, gong.ExtensiveOptions{})
			require.ErrorIs(t, err, upstream.ErrBadInput)
		})
	}
	assert.Zero(t, fake.Requests(), "nothing is sent for a bad batch")

	t.Run("DuplicatesDropped", func(t *testing.T) {
		withDuplicates := append(append([]string{}, tooMany[:100]...), tooMany[:100]...)
		_, err := client.CallsExtensive(context.Background(), withDuplicates, gong.ExtensiveOptions{})
		require.NoError(t, err)
		sent := fake.ExtensiveCallIDs()
		require.Len(t, sent, 1)
		assert.Equal(t, tooMany[:100], sent[0])
	})
}

func TestClient_WrongCredentialIsKindAuth(t *testing.T) {
	metrics := upstream.NewMetrics(prometheus.NewRegistry())
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{
		Authorize: gong.BasicAuth("gongtest-access-key", "not-the-secret"),
		Metrics:   metrics,
	})
	fake.AddCall(testCall("1", testNow))
	_, err := client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{})
	require.Error(t, err)
	assert.Equal(t, upstream.KindAuth, upstream.KindOf(err))
	assert.NotContains(t, err.Error(), "not-the-secret")

	_, err = client.ListUsers(context.Background())
	assert.Equal(t, upstream.KindAuth, upstream.KindOf(err))
}

func TestBasicAuth_MissingCredential(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{Authorize: gong.BasicAuth("", "")})
	_, err := client.ListUsers(context.Background())
	require.Error(t, err)
	assert.Equal(t, upstream.KindAuth, upstream.KindOf(err))
	assert.Zero(t, fake.Requests())
}

func TestClient_ServerErrorIsTransientThenSucceeds(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{})
	fake.AddCall(testCall("1", testNow))
	fake.FailNext(1, http.StatusInternalServerError)

	_, err := client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{})
	require.Error(t, err)
	assert.Equal(t, upstream.KindTransient, upstream.KindOf(err))

	calls, err := client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{})
	require.NoError(t, err, "the caller's retry succeeds")
	assert.Len(t, calls, 1)
}

func TestClient_RateLimitedPausesEveryRequest(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{})
	fake.AddCall(testCall("1", testNow))

	t.Run("ShortRetryAfterIsWaitedInline", func(t *testing.T) {
		fake.Inject(gongtest.Fault{Status: http.StatusTooManyRequests, Count: 1, RetryAfter: 1})
		_, err := client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{})
		require.Error(t, err)
		assert.Equal(t, upstream.KindRateLimited, upstream.KindOf(err))
		assert.Equal(t, time.Second, upstream.RetryAfterOf(err))

		started := time.Now()
		users, err := client.ListUsers(context.Background())
		require.NoError(t, err)
		assert.Empty(t, users)
		assert.GreaterOrEqual(t, time.Since(started), 900*time.Millisecond, "the next request waits out Retry-After")
	})

	t.Run("LongRetryAfterIsHandedBack", func(t *testing.T) {
		fake.Inject(gongtest.Fault{Status: http.StatusTooManyRequests, Count: 1, RetryAfter: 5})
		_, err := client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{})
		require.Error(t, err)
		assert.Equal(t, 5*time.Second, upstream.RetryAfterOf(err))

		sent := fake.Requests()
		// A job's deadline leaves no room to sit the pause out.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = client.ListUsers(ctx)
		require.Error(t, err)
		assert.Equal(t, upstream.KindRateLimited, upstream.KindOf(err))
		assert.InDelta(t, 5*time.Second, upstream.RetryAfterOf(err), float64(time.Second))
		assert.Equal(t, sent, fake.Requests(), "nothing is sent during the pause")
	})
}

func TestClient_TwoPerSecondNeverHitsGongsThreePerSecond(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{RatePerSecond: gongtest.DefaultRatePerSecond}, gong.ClientOptions{RatePerSecond: 2})
	fake.AddCall(testCall("1", testNow))
	started := time.Now()
	// The deadline makes the client refuse a turn it could not take in time,
	// so queued workers stop at three seconds instead of draining the queue.
	ctx, cancel := context.WithDeadline(context.Background(), started.Add(3*time.Second))
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 3 { // workers compete for the same client-side limit
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := client.CallsExtensive(ctx, []string{"1"}, gong.ExtensiveOptions{})
				var upstreamErr *upstream.Error
				if errors.As(err, &upstreamErr) && upstreamErr.Kind == upstream.KindRateLimited && upstreamErr.StatusCode == 0 {
					return // our own limiter said "not before the deadline"
				}
				if err != nil && ctx.Err() == nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("request failed: %v", err)
	}
	elapsed := time.Since(started) // queued workers finish after the deadline
	assert.Zero(t, fake.TooManyRequests())
	assert.GreaterOrEqual(t, fake.Requests(), 5, "about two requests a second went through")
	assert.LessOrEqual(t, float64(fake.Requests()), 2*elapsed.Seconds()+1, "never more than two a second")
}

func TestListCalls(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{PageSize: 2}, gong.ClientOptions{})
	day := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		fake.AddCall(testCall(fmt.Sprint(200+i), day.Add(time.Duration(i)*time.Hour)))
	}
	fake.AddCall(testCall("299", day.Add(-time.Hour)))  // before the range
	fake.AddCall(testCall("300", day.Add(5*time.Hour))) // at "to": excluded
	other := testCall("301", day.Add(time.Hour))        // other workspace
	other.MetaData.WorkspaceID = "999"
	fake.AddCall(other)

	calls, err := client.ListCalls(context.Background(), day, day.Add(5*time.Hour), "623457276584334")
	require.NoError(t, err)
	var got []string
	for _, call := range calls {
		got = append(got, call.MetaData.ID)
		assert.Empty(t, call.Parties, "GET /v2/calls has metadata only")
		assert.NotEmpty(t, call.MetaData.Started)
	}
	assert.Equal(t, []string{"200", "201", "202", "203", "204"}, got)
	assert.Equal(t, 3, fake.RequestsTo("/v2/calls"))

	t.Run("NoCallsFoundIsEmpty", func(t *testing.T) {
		calls, err := client.ListCalls(context.Background(), day.AddDate(1, 0, 0), day.AddDate(1, 0, 1), "")
		require.NoError(t, err)
		assert.Empty(t, calls)
	})
	t.Run("SubSecondUpperBoundStaysExclusive", func(t *testing.T) {
		calls, err := client.ListCalls(context.Background(), day, day.Add(4*time.Hour+500*time.Millisecond), "623457276584334")
		require.NoError(t, err)
		assert.Len(t, calls, 5, "a call at 04:00:00 started before 04:00:00.5")
	})
	t.Run("BadRange", func(t *testing.T) {
		_, err := client.ListCalls(context.Background(), day, day, "")
		assert.ErrorIs(t, err, upstream.ErrBadInput)
	})
	t.Run("PagesStream", func(t *testing.T) {
		var sizes []int
		stop := errors.New("stop")
		err := client.ListCallPages(context.Background(), day, day.Add(5*time.Hour), "", func(page []gong.CallData) error {
			sizes = append(sizes, len(page))
			if len(sizes) == 2 {
				return stop
			}
			return nil
		})
		assert.ErrorIs(t, err, stop)
		assert.Equal(t, []int{2, 2}, sizes)
	})
}

func TestListUsers(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{PageSize: 2}, gong.ClientOptions{})
	for i := range 5 {
		fake.AddUser(gong.User{ID: fmt.Sprint(8000 + i), EmailAddress: fmt.Sprintf("user%d@seller.com", i), Active: true})
	}
	users, err := client.ListUsers(context.Background())
	require.NoError(t, err)
	require.Len(t, users, 5)
	assert.Equal(t, "user4@seller.com", users[4].EmailAddress)
	assert.Equal(t, 3, fake.RequestsTo("/v2/users"))
}

func TestClient_DailyBudget(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{DailyBudget: 2})
	ctx := context.Background()
	for range 2 {
		_, err := client.ListUsers(ctx)
		require.NoError(t, err)
	}
	_, err := client.ListUsers(ctx)
	require.Error(t, err)
	assert.Equal(t, upstream.KindRateLimited, upstream.KindOf(err))
	assert.Equal(t, 2, fake.Requests())
	assert.Equal(t, 2, client.BudgetUsed())
}

func TestClient_RefusedTurnDoesNotSpendBudget(t *testing.T) {
	fake, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{DailyBudget: 10, RatePerSecond: 0.2})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // a job's deadline
	defer cancel()
	_, err := client.ListUsers(ctx)
	require.NoError(t, err)
	_, err = client.ListUsers(ctx) // the next turn is 5 s away: handed back, not sent
	require.Error(t, err)
	assert.Equal(t, upstream.KindRateLimited, upstream.KindOf(err))
	assert.Equal(t, 1, fake.Requests())
	assert.Equal(t, 1, client.BudgetUsed(), "only the request sent counts")
}

func TestClient_CountsRequestsInMetrics(t *testing.T) {
	registry := prometheus.NewRegistry()
	_, client := newFakeAndClient(t, gongtest.Options{}, gong.ClientOptions{Metrics: upstream.NewMetrics(registry)})
	_, err := client.ListUsers(context.Background())
	require.NoError(t, err)
	count, err := testutil.GatherAndCount(registry, "gongsync_upstream_requests_total")
	require.NoError(t, err)
	assert.Equal(t, 1, count)
}

// Recorded answers decode as the client expects, including a field of an
// unexpected type (the API-doc example gives dates as numbers).
func TestClient_DecodesRecordedAnswers(t *testing.T) {
	answers := map[string][]byte{
		"/v2/calls/extensive": readTestdata(t, "calls-extensive_response_n8n-mock_from-gong-api-doc-examples.json"),
		"/v2/users":           readTestdata(t, "users_response_nango_recorded.json"),
		"/v2/calls":           readTestdata(t, "calls_response_amplabs_read-cursor.json"),
	}
	pages := map[string]int{}
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages[r.URL.Path]++
		body := answers[r.URL.Path]
		if pages[r.URL.Path] > 1 { // the samples carry a cursor; end after one more page
			body = []byte(strings.Replace(string(body), `"cursor"`, `"noCursor"`, 1))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(replay.Close)
	client, err := gong.NewClient(gong.ClientOptions{BaseURL: replay.URL})
	require.NoError(t, err)
	ctx := context.Background()

	calls, err := client.CallsExtensive(ctx, []string{"7782342274025937895"}, gong.ExtensiveOptions{})
	require.NoError(t, err)
	require.Len(t, calls, 2)
	call := calls[0]
	assert.Equal(t, "7782342274025937895", call.MetaData.ID)
	assert.EqualValues(t, 460, call.MetaData.Duration)
	require.True(t, call.Content.HasSummary())
	assert.Equal(t, "string", call.Content.Brief)
	assert.Equal(t, "Meeting booked", call.Content.CallOutcome.Name)
	assert.Equal(t, "Internal", call.Parties[0].Affiliation)

	users, err := client.ListUsers(ctx)
	require.NoError(t, err)
	require.Len(t, users, 4)
	assert.Equal(t, "robin@nango.dev", users[0].EmailAddress)

	listed, err := client.ListCalls(ctx, testNow.Add(-time.Hour), testNow, "")
	require.NoError(t, err)
	require.Len(t, listed, 4)
	assert.Equal(t, "52947912500572621", listed[0].MetaData.ID)
}

func TestClient_NoCallsFoundRecordedBody(t *testing.T) {
	body := readTestdata(t, "error_404_nango_calls-extensive-no-calls-found.json")
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(body)
	}))
	t.Cleanup(replay.Close)
	client, err := gong.NewClient(gong.ClientOptions{BaseURL: replay.URL})
	require.NoError(t, err)
	calls, err := client.CallsExtensive(context.Background(), []string{"1"}, gong.ExtensiveOptions{})
	require.NoError(t, err)
	assert.Empty(t, calls)
}

func TestClient_UnreadableAnswerIsTransient(t *testing.T) {
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"users":[`))
	}))
	t.Cleanup(replay.Close)
	client, err := gong.NewClient(gong.ClientOptions{BaseURL: replay.URL})
	require.NoError(t, err)
	_, err = client.ListUsers(context.Background())
	require.Error(t, err)
	assert.Equal(t, upstream.KindTransient, upstream.KindOf(err))
	assert.Contains(t, err.Error(), "decoding the answer", "the cause is in the message")
}

func TestClient_CursorThatNeverEnds(t *testing.T) {
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"records":{"cursor":"same"},"users":[]}`))
	}))
	t.Cleanup(replay.Close)
	client, err := gong.NewClient(gong.ClientOptions{BaseURL: replay.URL})
	require.NoError(t, err)
	_, err = client.ListUsers(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "same cursor")
}
