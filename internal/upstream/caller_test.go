package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testToken = "s3cr3t-upstream-token-0123456789"

// testServer answers every request with answer and counts what arrives.
type testServer struct {
	*httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	paths    []string // escaped paths, in order
}

func newTestServer(t *testing.T, answer http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.EscapedPath())
		s.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func ok(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newCaller(t *testing.T, baseURL string, change ...func(*Options)) *Caller {
	t.Helper()
	opts := Options{
		API:        "planhat",
		BaseURL:    baseURL,
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Authorize: func(r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+testToken)
			return nil
		},
	}
	for _, f := range change {
		f(&opts)
	}
	c, err := New(opts)
	require.NoError(t, err)
	return c
}

func get(path string) Request { return Request{Method: http.MethodGet, Path: path} }

func requireKind(t *testing.T, want Kind, err error) *Error {
	t.Helper()
	require.Error(t, err)
	var upstreamErr *Error
	require.True(t, errors.As(err, &upstreamErr), "want *Error, got %T: %v", err, err)
	require.Equal(t, want, upstreamErr.Kind, "error: %v", err)
	return upstreamErr
}

func TestRateLimitSpacing(t *testing.T) {
	server := newTestServer(t, ok)
	c := newCaller(t, server.URL, func(o *Options) { o.RatePerSecond = 10 })

	started := time.Now()
	for range 5 {
		require.NoError(t, c.Do(context.Background(), get("/x"), nil))
	}
	// Burst 1: the first goes at once, each next one 100 ms later.
	assert.GreaterOrEqual(t, time.Since(started), 350*time.Millisecond)
	assert.EqualValues(t, 5, server.requests.Load())
}

func TestLongRateWaitGoesBackToTheCaller(t *testing.T) {
	server := newTestServer(t, ok)
	c := newCaller(t, server.URL, func(o *Options) { o.RatePerSecond = 0.1; o.DailyBudget = 10 })

	// A job's deadline leaves no room for a 10 s wait plus the request.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	require.NoError(t, c.Do(ctx, get("/x"), nil))
	started := time.Now()
	err := c.Do(ctx, get("/x"), nil)
	upstreamErr := requireKind(t, KindRateLimited, err)
	assert.Greater(t, upstreamErr.RetryAfter, 5*time.Second)
	assert.Less(t, time.Since(started), time.Second, "handed back at once, not waited for")
	assert.EqualValues(t, 1, server.requests.Load())
	assert.Equal(t, 1, c.BudgetUsed(), "a request not sent does not use up the budget")
}

func TestRateWaitWithInjectedClock(t *testing.T) {
	// A job's context deadline is wall-clock; an injected Now far from it
	// must not turn a short wait into a snooze.
	server := newTestServer(t, ok)
	c := newCaller(t, server.URL, func(o *Options) {
		o.RatePerSecond = 10
		o.Now = func() time.Time { return time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) }
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.Do(ctx, get("/x"), nil))
	require.NoError(t, c.Do(ctx, get("/x"), nil), "waits 100 ms inline")
}

func TestDailyBudget(t *testing.T) {
	t.Run("SpentUntilNextUTCMidnight", func(t *testing.T) {
		server := newTestServer(t, ok)
		clk := &clock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
		c := newCaller(t, server.URL, func(o *Options) { o.DailyBudget = 3; o.Now = clk.Now })

		for range 3 {
			require.NoError(t, c.Do(context.Background(), get("/x"), nil))
		}
		err := c.Do(context.Background(), get("/x"), nil)
		upstreamErr := requireKind(t, KindRateLimited, err)
		assert.Equal(t, 14*time.Hour, upstreamErr.RetryAfter)
		assert.Equal(t, 14*time.Hour, RetryAfterOf(err))
		assert.EqualValues(t, 3, server.requests.Load(), "the fourth request is not sent")
		assert.Equal(t, 3, c.BudgetUsed())
	})

	t.Run("ResetsAfterMidnight", func(t *testing.T) {
		server := newTestServer(t, ok)
		// 23:59:59.5 in New York is 04:59:59.5 UTC: the budget day is UTC's.
		clk := &clock{now: time.Date(2026, 3, 1, 23, 59, 59, 5e8, time.UTC)}
		c := newCaller(t, server.URL, func(o *Options) { o.DailyBudget = 1; o.Now = clk.Now })

		require.NoError(t, c.Do(context.Background(), get("/x"), nil))
		err := c.Do(context.Background(), get("/x"), nil)
		upstreamErr := requireKind(t, KindRateLimited, err)
		assert.Equal(t, 500*time.Millisecond, upstreamErr.RetryAfter)

		clk.Advance(time.Second)
		require.NoError(t, c.Do(context.Background(), get("/x"), nil))
		assert.EqualValues(t, 2, server.requests.Load())
		assert.Equal(t, 1, c.BudgetUsed())
	})

	t.Run("DayIsUTC", func(t *testing.T) {
		server := newTestServer(t, ok)
		newYork := time.FixedZone("EST", -5*3600)
		clk := &clock{now: time.Date(2026, 3, 1, 20, 0, 0, 0, newYork)} // 01:00 UTC on March 2
		c := newCaller(t, server.URL, func(o *Options) { o.DailyBudget = 1; o.Now = clk.Now })

		require.NoError(t, c.Do(context.Background(), get("/x"), nil))
		err := c.Do(context.Background(), get("/x"), nil)
		assert.Equal(t, 23*time.Hour, RetryAfterOf(err))
	})
}

func TestTooManyRequestsPausesEveryRequest(t *testing.T) {
	t.Run("LongPauseIsHandedBack", func(t *testing.T) {
		var answered atomic.Int64
		server := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
			if answered.Add(1) == 1 {
				w.Header().Set("Retry-After", "5")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			ok(w, r)
		})
		clk := &clock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
		c := newCaller(t, server.URL, func(o *Options) { o.Now = clk.Now })

		err := c.Do(context.Background(), get("/a"), nil)
		first := requireKind(t, KindRateLimited, err)
		assert.Equal(t, 5*time.Second, first.RetryAfter)
		assert.Equal(t, http.StatusTooManyRequests, first.StatusCode)

		clk.Advance(time.Second)
		// A job's deadline leaves no room to sit the pause out.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		err = c.Do(ctx, get("/other/path"), nil)
		paused := requireKind(t, KindRateLimited, err)
		assert.Equal(t, 4*time.Second, paused.RetryAfter)
		assert.Zero(t, paused.StatusCode, "answered here, not by the server")
		assert.EqualValues(t, 1, server.requests.Load(), "nothing is sent while paused")

		clk.Advance(4 * time.Second)
		require.NoError(t, c.Do(context.Background(), get("/a"), nil))
		assert.EqualValues(t, 2, server.requests.Load())
	})

	t.Run("ShortPauseIsWaitedOut", func(t *testing.T) {
		var answered atomic.Int64
		var secondAt atomic.Int64
		server := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
			if answered.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			secondAt.Store(time.Now().UnixNano())
			ok(w, r)
		})
		c := newCaller(t, server.URL)

		started := time.Now()
		requireKind(t, KindRateLimited, c.Do(context.Background(), get("/a"), nil))
		require.NoError(t, c.Do(context.Background(), get("/a"), nil))
		assert.GreaterOrEqual(t, time.Duration(secondAt.Load()-started.UnixNano()), 900*time.Millisecond,
			"the second request waited for the pause")
	})
}

func TestPauseCheckedAgainAfterTheRateWait(t *testing.T) {
	// The first request is answered 429 (Retry-After 2 s) while the second
	// waits its turn in the rate limiter: the second must then wait for the
	// pause too, not go out in the middle of it.
	var answered atomic.Int64
	var secondAt atomic.Int64
	started := time.Now()
	server := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if answered.Add(1) == 1 {
			time.Sleep(300 * time.Millisecond)
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		secondAt.Store(time.Now().UnixNano())
		ok(w, r)
	})
	c := newCaller(t, server.URL, func(o *Options) { o.RatePerSecond = 2 })

	first := make(chan error, 1)
	go func() { first <- c.Do(context.Background(), get("/a"), nil) }()
	time.Sleep(50 * time.Millisecond) // the first one holds the limiter's token
	require.NoError(t, c.Do(context.Background(), get("/b"), nil))
	requireKind(t, KindRateLimited, <-first)
	assert.GreaterOrEqual(t, time.Duration(secondAt.Load()-started.UnixNano()), 2200*time.Millisecond,
		"the second request went out only after the pause")
}

func TestCircuit(t *testing.T) {
	t.Run("OpensAfterFailuresInARowAndSendsNothing", func(t *testing.T) {
		var healthy atomic.Bool
		server := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
			if !healthy.Load() {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			ok(w, r)
		})
		registry := prometheus.NewRegistry()
		metrics := NewMetrics(registry)
		c := newCaller(t, server.URL, func(o *Options) {
			o.Breaker = BreakerSettings{Failures: 3, OpenFor: time.Second}
			o.Metrics = metrics
		})
		assert.Zero(t, testutil.ToFloat64(metrics.circuitOpen.WithLabelValues("planhat")))
		for range 3 {
			requireKind(t, KindTransient, c.Do(context.Background(), get("/x"), nil))
		}
		assert.True(t, c.CircuitOpen())
		assert.Equal(t, 1.0, testutil.ToFloat64(metrics.circuitOpen.WithLabelValues("planhat")))

		// A job whose deadline cannot cover the wait gets it back at once.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		err := c.Do(ctx, get("/x"), nil)
		open := requireKind(t, KindUnavailable, err)
		assert.Greater(t, RetryAfterOf(err), 500*time.Millisecond)
		assert.LessOrEqual(t, open.RetryAfter, time.Second)
		assert.EqualValues(t, 3, server.requests.Load(), "nothing is sent while the circuit is open")

		// One that can wait does, in the process, and the probe closes it.
		healthy.Store(true)
		started := time.Now()
		require.NoError(t, c.Do(context.Background(), get("/x"), nil))
		assert.GreaterOrEqual(t, time.Since(started), 400*time.Millisecond, "it waited for the circuit")
		assert.False(t, c.CircuitOpen())
		assert.Zero(t, testutil.ToFloat64(metrics.circuitOpen.WithLabelValues("planhat")))
	})

	t.Run("ClientErrorsDoNotOpenIt", func(t *testing.T) {
		server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
		c := newCaller(t, server.URL, func(o *Options) { o.Breaker = BreakerSettings{Failures: 2} })
		for range 5 {
			requireKind(t, KindNotFound, c.Do(context.Background(), get("/x"), nil))
		}
		assert.False(t, c.CircuitOpen())
		assert.EqualValues(t, 5, server.requests.Load())
	})

	t.Run("RefusedConnectionsOpenIt", func(t *testing.T) {
		server := httptest.NewServer(http.NotFoundHandler())
		address := server.URL
		server.Close() // nothing listens there now
		c := newCaller(t, address, func(o *Options) { o.Breaker = BreakerSettings{Failures: 2, OpenFor: time.Hour} })
		for range 2 {
			requireKind(t, KindTransient, c.Do(context.Background(), get("/x"), nil))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		requireKind(t, KindUnavailable, c.Do(ctx, get("/x"), nil))
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, test := range []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"Seconds", "7", 7 * time.Second},
		{"HTTPDate", now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{"Absent", "", defaultRetryAfter},
		{"Garbage", "soon", defaultRetryAfter},
		{"Zero", "0", 100 * time.Millisecond},
		{"DateInThePast", now.Add(-time.Hour).Format(http.TimeFormat), 100 * time.Millisecond},
		{"NegativeSeconds", "-5", defaultRetryAfter},
		{"HugeSeconds", "99999999999", maxRetryAfter},
		{"FarDate", now.AddDate(1, 0, 0).Format(http.TimeFormat), maxRetryAfter},
	} {
		t.Run(test.name, func(t *testing.T) {
			server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) {
				if test.header != "" {
					w.Header().Set("Retry-After", test.header)
				}
				w.WriteHeader(http.StatusTooManyRequests)
			})
			c := newCaller(t, server.URL, func(o *Options) { o.Now = func() time.Time { return now } })
			err := c.Do(context.Background(), get("/x"), nil)
			requireKind(t, KindRateLimited, err)
			assert.Equal(t, test.want, RetryAfterOf(err))
		})
	}
}

func TestAuthFailure(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(status)
				_, _ = w.Write([]byte(`{"error":"Unauthorized"}`))
			})
			registry := prometheus.NewRegistry()
			metrics := NewMetrics(registry)
			var logs bytes.Buffer
			c := newCaller(t, server.URL, func(o *Options) { o.Metrics = metrics; o.Logger = zerolog.New(&logs) })

			for i := 1; i <= 2; i++ {
				err := c.Do(context.Background(), get("/companies/srcid-1"), nil)
				upstreamErr := requireKind(t, KindAuth, err)
				assert.Equal(t, status, upstreamErr.StatusCode)
				assert.Equal(t, `{"error":"Unauthorized"}`, upstreamErr.Body)
				assert.Equal(t, float64(i), testutil.ToFloat64(metrics.authFailures.WithLabelValues("planhat")))
			}
			assert.Equal(t, 2.0, testutil.ToFloat64(metrics.requests.WithLabelValues("planhat", fmt.Sprint(status))))
			assert.Contains(t, logs.String(), "credential", "said loudly")
			assert.NotContains(t, logs.String(), testToken)
		})
	}
}

func TestErrorBody(t *testing.T) {
	t.Run("KeptButTruncated", func(t *testing.T) {
		long := strings.Repeat("x", 5*maxBodyInError)
		server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(long))
		})
		c := newCaller(t, server.URL)
		err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/conversations", Body: map[string]string{"a": "b"}}, nil)
		upstreamErr := requireKind(t, KindPermanent, err)
		assert.Equal(t, long[:maxBodyInError]+"…", upstreamErr.Body)
		assert.Contains(t, err.Error(), "planhat POST /conversations: HTTP 422: xxx")
	})

	t.Run("TruncatedOnARuneBoundary", func(t *testing.T) {
		// The ledger stores the body; PostgreSQL refuses invalid UTF-8.
		body := strings.Repeat("x", maxBodyInError-1) + "é and more"
		server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(body))
		})
		c := newCaller(t, server.URL)
		upstreamErr := requireKind(t, KindPermanent, c.Do(context.Background(), get("/x"), nil))
		assert.True(t, utf8.ValidString(upstreamErr.Body), "%q", upstreamErr.Body[len(upstreamErr.Body)-8:])
		assert.NotContains(t, upstreamErr.Body, "\x00")
	})

	t.Run("NotUTF8", func(t *testing.T) {
		server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("bad \xff\xfe gateway \x00"))
		})
		c := newCaller(t, server.URL)
		upstreamErr := requireKind(t, KindTransient, c.Do(context.Background(), get("/x"), nil))
		assert.True(t, utf8.ValidString(upstreamErr.Body))
		assert.NotContains(t, upstreamErr.Body, "\x00")
		assert.Contains(t, upstreamErr.Body, "gateway")
	})
}

func TestCredentialNeverInErrors(t *testing.T) {
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			// A debugging proxy or a careless API may echo the request.
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, "request headers: Authorization: %s; token=%s",
				r.Header.Get("Authorization"), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		}
	}
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusInternalServerError} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			server := newTestServer(t, echo(status))
			var logs bytes.Buffer
			c := newCaller(t, server.URL, func(o *Options) { o.Logger = zerolog.New(&logs) })
			err := c.Do(context.Background(), get("/companies"), nil)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testToken)
			assert.Contains(t, err.Error(), "request headers", "the rest of the answer is kept")
			assert.NotContains(t, logs.String(), testToken)
		})
	}

	t.Run("NoAnswer", func(t *testing.T) {
		server := newTestServer(t, ok)
		server.Close()
		c := newCaller(t, server.URL)
		err := c.Do(context.Background(), get("/companies"), nil)
		requireKind(t, KindTransient, err)
		assert.NotContains(t, err.Error(), testToken)
	})
}

func TestClassification(t *testing.T) {
	for _, test := range []struct {
		status int
		want   Kind
	}{
		{http.StatusNotFound, KindNotFound},
		{http.StatusRequestTimeout, KindTransient},
		{http.StatusBadRequest, KindPermanent},
		{http.StatusConflict, KindPermanent},
		{http.StatusInternalServerError, KindTransient},
		{http.StatusBadGateway, KindTransient},
		{http.StatusGatewayTimeout, KindTransient},
	} {
		t.Run(fmt.Sprint(test.status), func(t *testing.T) {
			server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(test.status) })
			c := newCaller(t, server.URL)
			err := c.Do(context.Background(), get("/x"), nil)
			requireKind(t, test.want, err)
			assert.Equal(t, test.want == KindNotFound, IsNotFound(err))
		})
	}

	t.Run("UndecodableAnswerIsTransient", func(t *testing.T) {
		server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>")) })
		c := newCaller(t, server.URL)
		var out map[string]any
		requireKind(t, KindTransient, c.Do(context.Background(), get("/x"), &out))
	})

	t.Run("EmptyAnswerLeavesOutAlone", func(t *testing.T) {
		server := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
		c := newCaller(t, server.URL)
		out := map[string]any{"kept": true}
		require.NoError(t, c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/x", Body: struct{}{}}, &out))
		assert.Equal(t, map[string]any{"kept": true}, out)
	})

	t.Run("CancelledContextIsTransient", func(t *testing.T) {
		server := newTestServer(t, ok)
		c := newCaller(t, server.URL)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.Do(ctx, get("/x"), nil)
		require.Error(t, err)
		assert.Equal(t, KindTransient, KindOf(err))
		assert.True(t, errors.Is(err, context.Canceled))
	})
}

func TestRequestLine(t *testing.T) {
	var gotBody, gotContentType, gotQuery string
	server := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		gotBody, gotContentType, gotQuery = string(body), r.Header.Get("Content-Type"), r.URL.RawQuery
		ok(w, r)
	})
	c := newCaller(t, server.URL+"/api/")
	err := c.Do(context.Background(), Request{
		Method: http.MethodPut,
		Path:   "/companies/srcid-a%2Fb%3Fc",
		Query:  map[string][]string{"select": {"_id,name"}},
		Body:   map[string]string{"name": "x"},
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"/api/companies/srcid-a%2Fb%3Fc"}, server.paths, "escapes survive, the base path is kept")
	assert.Equal(t, "select=_id%2Cname", gotQuery)
	assert.JSONEq(t, `{"name":"x"}`, gotBody)
	assert.Equal(t, "application/json", gotContentType)
}

func TestMetricsLabels(t *testing.T) {
	server := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.WriteHeader(http.StatusNotFound)
		case strings.HasSuffix(r.URL.Path, "/denied"):
			w.WriteHeader(http.StatusUnauthorized)
		default:
			ok(w, r)
		}
	})
	registry := prometheus.NewRegistry()
	metrics := NewMetrics(registry)
	c := newCaller(t, server.URL, func(o *Options) { o.Metrics = metrics })
	for _, path := range []string{"/companies/srcid-0015g00000Glbx1", "/conversations/extid-7782342274025937895/missing", "/x/denied"} {
		_ = c.Do(context.Background(), get(path), nil)
	}
	closed := newTestServer(t, ok)
	closed.Close()
	_ = newCaller(t, closed.URL, func(o *Options) { o.Metrics = metrics }).Do(context.Background(), get("/gone"), nil)

	families, err := registry.Gather()
	require.NoError(t, err)
	require.NotEmpty(t, families)
	for _, family := range families {
		for _, metric := range family.GetMetric() {
			for _, label := range metric.GetLabel() {
				assert.Contains(t, []string{"api", "code"}, label.GetName(), family.GetName())
				assert.NotContains(t, label.GetValue(), "/", "%s: a path in a label", family.GetName())
				assert.NotContains(t, label.GetValue(), testToken)
			}
		}
	}
	for code, want := range map[string]float64{"200": 1, "404": 1, "401": 1, "error": 1} {
		assert.Equal(t, want, testutil.ToFloat64(metrics.requests.WithLabelValues("planhat", code)), code)
	}
	assert.Equal(t, 1, testutil.CollectAndCount(metrics.seconds), "one histogram series per api, whatever the path")
}

func TestNewRejectsRelativeBaseURL(t *testing.T) {
	_, err := New(Options{API: "planhat", BaseURL: "api.planhat.com"})
	require.Error(t, err)
}

func TestUnauthorizableRequestSpendsNoBudget(t *testing.T) {
	server := newTestServer(t, ok)
	c := newCaller(t, server.URL, func(o *Options) {
		o.DailyBudget = 5
		o.Authorize = func(*http.Request) error { return errors.New("not connected to Gong yet") }
	})
	requireKind(t, KindAuth, c.Do(context.Background(), get("/x"), nil))
	assert.Zero(t, c.BudgetUsed(), "a request that could not be authorized was never sent")
	assert.Zero(t, server.requests.Load())
}
