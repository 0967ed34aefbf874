package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// front stands before a fake API: it records every request with its time and
// answer, notes when each conversation was created, and can play an outage.
type front struct {
	url string

	mu         sync.Mutex
	requests   []frontRequest
	created    map[string]time.Time // externalId → when POST /conversations answered
	downStatus int                  // non-zero: answer every request with it
}

type frontRequest struct {
	at     time.Time
	method string
	path   string
	status int
}

func newFront(tb testing.TB, fake http.Handler) *front {
	f := &front{created: map[string]time.Time{}}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		arrived := time.Now()
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		f.mu.Lock()
		down := f.downStatus
		f.mu.Unlock()
		capture := httptest.NewRecorder()
		if down != 0 {
			capture.Header().Set("Content-Type", "application/json")
			capture.WriteHeader(down)
			_, _ = capture.WriteString(`{"error":"simulated outage"}`)
		} else {
			fake.ServeHTTP(capture, req)
		}
		for name, values := range capture.Header() {
			w.Header()[name] = values
		}
		w.WriteHeader(capture.Code)
		_, _ = w.Write(capture.Body.Bytes())

		f.mu.Lock()
		defer f.mu.Unlock()
		f.requests = append(f.requests, frontRequest{at: arrived, method: req.Method, path: req.URL.Path, status: capture.Code})
		if req.Method == http.MethodPost && req.URL.Path == "/conversations" && capture.Code < 300 {
			var conversation struct {
				ExternalID string `json:"externalId"`
			}
			if json.Unmarshal(body, &conversation) == nil {
				f.created[conversation.ExternalID] = time.Now()
			}
		}
	}))
	tb.Cleanup(server.Close)
	f.url = server.URL
	return f
}

// down makes every request answer status until up is called.
func (f *front) down(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.downStatus = status
}

func (f *front) up() { f.down(0) }

func (f *front) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

func (f *front) snapshot() []frontRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]frontRequest(nil), f.requests...)
}

func (f *front) total() int { return len(f.snapshot()) }

func (f *front) countMatching(match func(method, path string) bool) int {
	n := 0
	for _, r := range f.snapshot() {
		if match(r.method, r.path) {
			n++
		}
	}
	return n
}

func (f *front) createdAt() map[string]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]time.Time, len(f.created))
	for id, at := range f.created {
		out[id] = at
	}
	return out
}
