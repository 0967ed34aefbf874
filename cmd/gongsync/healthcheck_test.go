package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/server"
)

// TestHealthcheck runs `gongsync healthcheck` against the real router's
// /readyz, the way the Dockerfile's HEALTHCHECK and compose run it.
func TestHealthcheck(t *testing.T) {
	const secret = "planhat-token-that-must-never-be-printed"
	var notReady atomic.Pointer[[]string]
	notReady.Store(&[]string{})
	handler, err := server.New(server.Deps{
		WebhookKey: strings.Repeat("k", 32),
		Ready:      func(context.Context) []string { return *notReady.Load() },
	})
	require.NoError(t, err)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)

	check := func(t *testing.T, listenAddr string) (string, error) {
		t.Helper()
		env := map[string]string{"LISTEN_ADDR": listenAddr, "PLANHAT_API_TOKEN": secret, "DATABASE_URL": "postgres://u:" + secret + "@db/x"}
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"healthcheck"}, func(k string) string { return env[k] }, &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if err != nil {
			var exitOut bytes.Buffer
			assert.Equal(t, 1, exitCode(err, &exitOut), "Docker reserves exit code 2")
			out += exitOut.String()
		}
		assert.NotContains(t, out, secret)
		return out, err
	}

	t.Run("ReadyExitsZero", func(t *testing.T) {
		notReady.Store(&[]string{})
		out, err := check(t, ":"+port)
		require.NoError(t, err)
		assert.Equal(t, "ready\n", out)
	})
	t.Run("UnspecifiedHostIsAskedOnLoopback", func(t *testing.T) {
		notReady.Store(&[]string{})
		_, err := check(t, "0.0.0.0:"+port)
		require.NoError(t, err)
	})
	t.Run("NotReadyFailsWithReasons", func(t *testing.T) {
		notReady.Store(&[]string{"database does not answer"})
		out, err := check(t, ":"+port)
		require.Error(t, err)
		assert.Contains(t, out, "503")
		assert.Contains(t, out, "database does not answer")
	})
	t.Run("NothingListeningFails", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		_, err = check(t, addr)
		require.Error(t, err)
	})
	t.Run("NoPortFails", func(t *testing.T) {
		_, err := check(t, "localhost")
		require.Error(t, err)
	})
}

// TestHealthcheckTimesOut proves a hung process is reported, not waited on.
func TestHealthcheckTimesOut(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); srv.Close() })

	started := time.Now()
	err := healthcheck(t.Context(), func(k string) string {
		if k == "LISTEN_ADDR" {
			return srv.Listener.Addr().String()
		}
		return ""
	}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no answer")
	assert.Less(t, time.Since(started), healthcheckTimeout+2*time.Second)
}

func TestReadyzURL(t *testing.T) {
	for _, test := range []struct{ listenAddr, want string }{
		{"", "http://127.0.0.1:8080/readyz"},
		{":9090", "http://127.0.0.1:9090/readyz"},
		{"[::]:9090", "http://127.0.0.1:9090/readyz"},
		{"127.0.0.2:9090", "http://127.0.0.2:9090/readyz"},
		{"[::1]:9090", "http://[::1]:9090/readyz"},
	} {
		name := test.listenAddr
		if name == "" {
			name = "Default"
		}
		t.Run(name, func(t *testing.T) {
			got, err := readyzURL(test.listenAddr)
			require.NoError(t, err)
			assert.Equal(t, test.want, got)
		})
	}
}
