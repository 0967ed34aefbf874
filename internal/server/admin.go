package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
)

// callView is a ledger row as the admin API shows it; absent values are null.
type callView struct {
	CallID         string    `json:"callId"`
	Status         string    `json:"status"`
	CompanyID      *string   `json:"companyId"`
	MatchedBy      *string   `json:"matchedBy"`
	ConversationID *string   `json:"conversationId"`
	Attempts       int       `json:"attempts"`
	LastError      *string   `json:"lastError"`
	ReceivedAt     time.Time `json:"receivedAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func viewOf(c callsync.Call) callView {
	return callView{
		CallID:         c.ID,
		Status:         string(c.Status),
		CompanyID:      nullable(c.CompanyID),
		MatchedBy:      nullable(c.MatchedBy),
		ConversationID: nullable(c.ConversationID),
		Attempts:       c.Attempts,
		LastError:      nullable(c.LastError),
		ReceivedAt:     c.ReceivedAt.UTC(),
		UpdatedAt:      c.UpdatedAt.UTC(),
	}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const defaultListLimit = 100

func handleListCalls(ledger Ledger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status := callsync.Status(r.URL.Query().Get("status"))
		if status != "" && !status.Valid() {
			writeError(w, http.StatusBadRequest, "unknown status "+strconv.Quote(string(status)))
			return
		}
		limit := defaultListLimit
		if raw := r.URL.Query().Get("limit"); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > callsync.MaxListLimit {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d", callsync.MaxListLimit))
				return
			}
			limit = n
		}
		calls, err := ledger.ListCalls(r.Context(), status, limit)
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "the ledger could not be read")
			return
		}
		views := make([]callView, 0, len(calls))
		for _, c := range calls {
			views = append(views, viewOf(c))
		}
		writeJSON(w, http.StatusOK, map[string][]callView{"calls": views})
	}
}

func handleGetCall(ledger Ledger, events func(ctx context.Context, callID string) ([]callsync.Event, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		call, err := ledger.GetCall(r.Context(), chi.URLParam(r, "callId"))
		switch {
		case errors.Is(err, callsync.ErrNotFound):
			writeError(w, http.StatusNotFound, "call not found")
			return
		case err != nil:
			writeError(w, http.StatusServiceUnavailable, "the ledger could not be read")
			return
		}
		var recorded []callsync.Event
		if events != nil {
			if recorded, err = events(r.Context(), call.ID); err != nil {
				writeError(w, http.StatusServiceUnavailable, "the call's events could not be read")
				return
			}
		}
		writeJSON(w, http.StatusOK, callWithEvents{callView: viewOf(call), Events: timeline(call, recorded)})
	}
}

func handleResync(resync Resyncer, logger zerolog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		callID := chi.URLParam(r, "callId")
		err := resync.Resync(r.Context(), callID)
		switch {
		case errors.Is(err, callsync.ErrNotFound):
			writeError(w, http.StatusNotFound, "call not found")
		case err != nil:
			logger.Error().Err(err).Str("call_id", callID).Msg("resync could not be queued")
			writeError(w, http.StatusServiceUnavailable, "the resync could not be queued; try again")
		default:
			logger.Info().Str("call_id", callID).Str("status", "queued").Msg("resync queued")
			writeJSON(w, http.StatusAccepted, webhookAnswer{Status: "queued", CallID: callID})
		}
	}
}
