package server

import (
	"context"
	"net/http"
	"time"
)

func handleHealthz() http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}

type readiness struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons,omitempty"`
}

// handleReadyz answers 503 with the reasons while the database, the
// migrations or the workers are not there.
func handleReadyz(ready func(context.Context) []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if reasons := ready(ctx); len(reasons) > 0 {
			writeJSON(w, http.StatusServiceUnavailable, readiness{Status: "not ready", Reasons: reasons})
			return
		}
		writeJSON(w, http.StatusOK, readiness{Status: "ready"})
	}
}
