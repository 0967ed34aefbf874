package server

import (
	"encoding/json"
	"net/http"
	"strings"
)

// writeJSON is the one place answers are encoded.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, errorBody{Error: message})
}

func joinURL(base, path string) string {
	return strings.TrimRight(base, "/") + path
}
