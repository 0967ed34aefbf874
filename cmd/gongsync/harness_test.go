package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/gong/gongtest"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
	"github.com/gongsync/gongsync/internal/store/storetest"
)

const (
	testWebhookKey = "test-webhook-key-0123456789abcdef-XYZ"
	testAdminToken = "test-admin-token"
)

// database is one backend the end-to-end tests run on.
type database struct {
	name string
	url  func(tb testing.TB) string // a fresh, empty database
}

// databases are SQLite always and PostgreSQL when GONGSYNC_TEST_POSTGRES_URL is set.
func databases() []database {
	return []database{
		{name: "sqlite", url: func(tb testing.TB) string {
			return "sqlite:" + filepath.Join(tb.TempDir(), "gongsync.db")
		}},
		{name: "postgres", url: func(tb testing.TB) string { return storetest.PostgresURL(tb) }},
	}
}

// forEachDatabase runs test as a subtest on every backend.
func forEachDatabase(t *testing.T, test func(t *testing.T, databaseURL string)) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			test(t, db.url(t))
		})
	}
}

// fakes are the upstream APIs a test runs against.
type fakes struct {
	gong    *gongtest.Server
	planhat *planhattest.Server
}

func newFakes(t testing.TB) fakes {
	t.Helper()
	f := fakes{
		gong:    gongtest.NewTest(t, gongtest.Options{}),
		planhat: planhattest.NewTest(t, planhattest.Options{}),
	}
	f.planhat.AddConversationType("Gong Call")
	return f
}

// service is gongsync started through run() for one test.
type service struct {
	t          testing.TB
	url        string
	logs       *logCapture
	cancel     context.CancelFunc
	done       chan error
	stopped    bool
	httpClient *http.Client
}

// testEnv is the base configuration; options change it per test.
func testEnv(databaseURL string, f fakes) map[string]string {
	accessKey, secret := f.gong.Credentials()
	return map[string]string{
		"LISTEN_ADDR":            "127.0.0.1:0",
		"DATABASE_URL":           databaseURL,
		"WEBHOOK_KEY":            testWebhookKey,
		"ADMIN_TOKEN":            testAdminToken,
		"GONG_API_BASE_URL":      f.gong.URL(),
		"GONG_ACCESS_KEY":        accessKey,
		"GONG_ACCESS_KEY_SECRET": secret,
		"GONG_RATE_LIMIT":        "3",
		"PLANHAT_API_BASE_URL":   f.planhat.URL(),
		"PLANHAT_API_TOKEN":      f.planhat.Token(),
		"PLANHAT_RATE_LIMIT":     "100",
		"INTERNAL_DOMAINS":       "initech.example",
		"RECHECK_MIN":            "1s",
		"RECHECK_MAX":            "2s",
		"SUMMARY_MAX_WAIT":       "1h",
		"UNMATCHED_RETRY_FOR":    "1h",
		"LOG_LEVEL":              "debug",
		"SHUTDOWN_TIMEOUT":       "10s",
	}
}

// startService runs gongsync with env until the test ends.
func startService(t testing.TB, env map[string]string) *service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &service{
		t:          t,
		logs:       newLogCapture(),
		cancel:     cancel,
		done:       make(chan error, 1),
		httpClient: testHTTPClient(),
	}
	getenv := func(name string) string { return env[name] }
	go func() { s.done <- run(ctx, []string{"serve"}, getenv, s.logs, s.logs) }()
	select {
	case addr := <-s.logs.listening:
		s.url = "http://" + addr
	case err := <-s.done:
		cancel()
		t.Fatalf("gongsync did not start: %v\n%s", err, s.logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("gongsync did not start within 30s\n%s", s.logs.String())
	}
	t.Cleanup(func() { s.stop() })
	s.waitReady()
	return s
}

func testHTTPClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

func (s *service) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := s.httpClient.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("gongsync not ready within 20s\n%s", s.logs.String())
}

// stop shuts the service down gracefully and returns run's error.
func (s *service) stop() error {
	if s.stopped {
		return nil
	}
	s.stopped = true
	s.cancel()
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		return fmt.Errorf("gongsync did not stop within 60s")
	}
}

func (s *service) postWebhook(body []byte) (int, string) {
	s.t.Helper()
	return s.do(http.MethodPost, "/webhooks/gong/"+testWebhookKey, body, nil)
}

func (s *service) do(method, path string, body []byte, header http.Header) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/json")
	for name, values := range header {
		req.Header[name] = values
	}
	resp, err := s.httpClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, string(answer)
}

func (s *service) admin(method, path string) (int, string) {
	s.t.Helper()
	return s.do(method, path, nil, http.Header{"Authorization": {"Bearer " + testAdminToken}})
}

// adminCall is a ledger row as GET /admin/calls/{id} shows it.
type adminCall struct {
	CallID         string  `json:"callId"`
	Status         string  `json:"status"`
	CompanyID      *string `json:"companyId"`
	MatchedBy      *string `json:"matchedBy"`
	ConversationID *string `json:"conversationId"`
	Attempts       int     `json:"attempts"`
	LastError      *string `json:"lastError"`
}

func (s *service) call(callID string) (adminCall, bool) {
	s.t.Helper()
	status, body := s.admin(http.MethodGet, "/admin/calls/"+callID)
	if status == http.StatusNotFound {
		return adminCall{}, false
	}
	require.Equal(s.t, http.StatusOK, status, body)
	var c adminCall
	require.NoError(s.t, json.Unmarshal([]byte(body), &c))
	return c, true
}

// waitForStatus waits until the call reaches one of statuses.
func (s *service) waitForStatus(callID string, timeout time.Duration, statuses ...string) adminCall {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var last adminCall
	for time.Now().Before(deadline) {
		c, ok := s.call(callID)
		if ok {
			last = c
			for _, want := range statuses {
				if c.Status == want {
					return c
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("call %s: status %q after %s, want one of %v (last error %v)\n%s", callID, last.Status, timeout, statuses, deref(last.LastError), s.logs.Tail(60))
	return last
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// logCapture collects the service's log lines and spots the listening line.
type logCapture struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	partial   []byte
	listening chan string
}

func newLogCapture() *logCapture { return &logCapture{listening: make(chan string, 1)} }

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		l.partial = l.partial[i+1:]
		var entry struct {
			Message string `json:"message"`
			Addr    string `json:"addr"`
		}
		if json.Unmarshal(line, &entry) == nil && entry.Message == "listening" && entry.Addr != "" {
			select {
			case l.listening <- entry.Addr:
			default:
			}
		}
	}
	return len(p), nil
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Tail returns the last n lines, for failure messages.
func (l *logCapture) Tail(n int) string {
	var lines []string
	scanner := bufio.NewScanner(strings.NewReader(l.String()))
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		lines = append(lines, scanner.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// callBuilder makes Gong calls for tests.
type callBuilder struct{ call gong.CallData }

func newCall(id string) *callBuilder {
	return &callBuilder{call: gong.CallData{MetaData: gong.MetaData{
		ID:       id,
		URL:      "https://app.gong.io/call?id=" + id,
		Title:    "Call " + id,
		Started:  "2026-11-20T15:01:12Z",
		Duration: 1800,
	}}}
}

func (b *callBuilder) account(objectID string) *callBuilder {
	b.call.Context = append(b.call.Context, gong.CRMContext{System: "Salesforce", Objects: []gong.CRMObject{{ObjectType: "Account", ObjectID: objectID}}})
	return b
}

func (b *callBuilder) party(email, affiliation string) *callBuilder {
	b.call.Parties = append(b.call.Parties, gong.Party{ID: fmt.Sprint(len(b.call.Parties) + 1), EmailAddress: email, Name: email, Affiliation: affiliation})
	return b
}

func (b *callBuilder) private() *callBuilder {
	b.call.MetaData.IsPrivate = true
	return b
}

func (b *callBuilder) build() gong.CallData { return b.call }

// webhook is the delivery body for call.
func webhook(t testing.TB, call gong.CallData) []byte {
	t.Helper()
	body, err := json.Marshal(gong.WebhookPayload{CallData: call})
	require.NoError(t, err)
	return body
}

// summary is a ready AI summary.
func summary(brief string) gong.CallContent {
	return gong.CallContent{
		Brief:      brief,
		KeyPoints:  []gong.KeyPoint{{Text: "Budget approved"}},
		Highlights: []gong.Highlight{{Title: "Next steps", Items: []gong.HighlightItem{{Text: "Send the proposal"}}}},
	}
}

// globex seeds a company with a Salesforce id and a domain.
func (f fakes) globex() planhat.Company {
	return f.planhat.AddCompany(planhat.Company{Name: "Globex", SourceID: "0015g00000Glbx1", Domains: []string{"globex.com"}})
}
