package planhat_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
	"github.com/gongsync/gongsync/internal/upstream"
)

// upstreamDefaultRetryAfter is upstream's wait after a 429 without a usable
// Retry-After header.
const upstreamDefaultRetryAfter = 30 * time.Second

// syncBuffer is a log sink safe for the client's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newClient returns a client of fake without a client-side rate limit; its
// log lines go to the returned buffer.
func newClient(t *testing.T, fake *planhattest.Server, change ...func(*planhat.ClientOptions)) (*planhat.Client, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts := planhat.ClientOptions{
		BaseURL:    fake.URL(),
		Token:      fake.Token(),
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Logger:     zerolog.New(logs),
	}
	for _, f := range change {
		f(&opts)
	}
	client, err := planhat.NewClient(opts)
	require.NoError(t, err)
	return client, logs
}

func sample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(data)
}

func requireKind(t *testing.T, want upstream.Kind, err error) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, want, upstream.KindOf(err), "error: %v", err)
}

func TestNewClient(t *testing.T) {
	t.Run("ErrTokenRequired", func(t *testing.T) {
		_, err := planhat.NewClient(planhat.ClientOptions{BaseURL: "https://api.planhat.com"})
		require.Error(t, err)
	})
	t.Run("DefaultBaseURL", func(t *testing.T) {
		_, err := planhat.NewClient(planhat.ClientOptions{Token: "t"})
		require.NoError(t, err)
	})
	t.Run("ErrBaseURLNotAbsolute", func(t *testing.T) {
		_, err := planhat.NewClient(planhat.ClientOptions{BaseURL: "api.planhat.com", Token: "t"})
		require.Error(t, err)
	})
}

func TestFailures(t *testing.T) {
	ctx := context.Background()

	t.Run("ServerErrorIsTransient", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.FailNext(1, http.StatusInternalServerError)
		_, err := client.ListCompanies(ctx)
		requireKind(t, upstream.KindTransient, err)
		assert.Contains(t, err.Error(), "/companies")
	})

	t.Run("WrongTokenIsAuthAndNeverShown", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		const wrongToken = "wrong-token-0123456789abcdef"
		client, logs := newClient(t, fake, func(o *planhat.ClientOptions) { o.Token = wrongToken })
		_, err := client.GetCompanyBySourceID(ctx, "119")
		requireKind(t, upstream.KindAuth, err)
		assert.False(t, upstream.IsNotFound(err))
		assert.NotContains(t, err.Error(), wrongToken)
		assert.NotEmpty(t, logs.String(), "an auth failure is logged loudly")
		assert.NotContains(t, logs.String(), wrongToken)
	})

	t.Run("TokenSentAsBearer", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		_, err := client.ListUsers(ctx)
		require.NoError(t, err)
		assert.Zero(t, fake.Stats().Unauthorized)
	})

	t.Run("TooManyRequestsWithRetryAfter", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Status: http.StatusTooManyRequests, Count: 1, RetryAfter: 7})
		_, err := client.GetConversation(ctx, "64b7f0c2e4b0a1a2b3c4d5e6")
		requireKind(t, upstream.KindRateLimited, err)
		assert.Equal(t, 7*time.Second, upstream.RetryAfterOf(err))
	})

	t.Run("TooManyRequestsWithoutRetryAfter", func(t *testing.T) {
		fake := planhattest.NewTest(t, planhattest.Options{OmitRetryAfter: true})
		client, _ := newClient(t, fake)
		fake.FailNext(1, http.StatusTooManyRequests)
		_, err := client.GetConversation(ctx, "64b7f0c2e4b0a1a2b3c4d5e6")
		requireKind(t, upstream.KindRateLimited, err)
		assert.Equal(t, upstreamDefaultRetryAfter, upstream.RetryAfterOf(err))
	})

	t.Run("TooManyRequestsPausesTheClient", func(t *testing.T) {
		fake := planhattest.NewTest(t, planhattest.Options{OmitRetryAfter: true})
		client, _ := newClient(t, fake)
		fake.FailNext(1, http.StatusTooManyRequests)
		_, err := client.ListUsers(ctx)
		requireKind(t, upstream.KindRateLimited, err)
		jobCtx, cancel := context.WithTimeout(ctx, 5*time.Second) // shorter than the 30 s pause
		defer cancel()
		_, err = client.ListUsers(jobCtx)
		requireKind(t, upstream.KindRateLimited, err)
		assert.Equal(t, 1, fake.Requests(), "no request is sent while the pause runs")
	})

	t.Run("BadRequestIsPermanentWithTheAnswer", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		_, err := client.CreateConversation(ctx, planhat.Conversation{CompanyID: "srcid-nobody", ExternalID: "1"})
		requireKind(t, upstream.KindPermanent, err)
		assert.Contains(t, err.Error(), "not found", "the upstream's answer is kept for the ledger")
	})

	t.Run("EmptyIDsAreBadInput", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		for name, call := range map[string]func() error{
			"GetCompany":                  func() error { _, err := client.GetCompany(ctx, ""); return err },
			"GetCompanyBySourceID":        func() error { _, err := client.GetCompanyBySourceID(ctx, " "); return err },
			"GetCompanyByExternalID":      func() error { _, err := client.GetCompanyByExternalID(ctx, ""); return err },
			"GetConversation":             func() error { _, err := client.GetConversation(ctx, ""); return err },
			"GetConversationByExternalID": func() error { _, err := client.GetConversationByExternalID(ctx, ""); return err },
			"CreateConversation":          func() error { _, err := client.CreateConversation(ctx, planhat.Conversation{}); return err },
			"UpdateConversation":          func() error { _, err := client.UpdateConversation(ctx, "", planhat.Conversation{}); return err },
			"FindEndusersByEmail":         func() error { _, err := client.FindEndusersByEmail(ctx, ""); return err },
			"ListEndusers":                func() error { _, err := client.ListEndusers(ctx, ""); return err },
		} {
			assert.True(t, errors.Is(call(), upstream.ErrBadInput), name)
		}
		assert.Zero(t, fake.Requests(), "nothing is sent for a caller's mistake")
	})
}
