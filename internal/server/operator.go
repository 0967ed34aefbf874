package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/planhat"
)

// Operator is what the admin API and the console ask of the sync service
// beyond a resync (callsync.Service).
type Operator interface {
	Assign(ctx context.Context, callID, companyID string) (planhat.Company, error)
	Explain(ctx context.Context, payload []byte, callID string) (callsync.Explanation, error)
}

// ConsoleDeps are the operator console and the admin API's events,
// explain and assign; zero values leave them unavailable.
type ConsoleDeps struct {
	// Handler serves the console's pages (internal/console), mounted at
	// /admin/, /admin/login, /admin/logout and /admin/ui/*.
	Handler  http.Handler
	Operator Operator
	// Events returns a call's timeline, oldest first.
	Events func(ctx context.Context, callID string) ([]callsync.Event, error)
}

// eventView is one timeline entry as the admin API shows it.
type eventView struct {
	At         time.Time       `json:"at"`
	Kind       string          `json:"kind"`
	Actor      string          `json:"actor"`
	FromStatus *string         `json:"fromStatus"`
	ToStatus   *string         `json:"toStatus"`
	Message    string          `json:"message"`
	Detail     json.RawMessage `json:"detail"`
}

// callWithEvents is GET /admin/calls/{callId}: the call and its timeline.
type callWithEvents struct {
	callView
	Events []eventView `json:"events"`
}

// timeline is a call's events, the first being its arrival (from the row).
func timeline(call callsync.Call, events []callsync.Event) []eventView {
	views := []eventView{{At: call.ReceivedAt.UTC(), Kind: callsync.EventReceived, Actor: callsync.ActorWebhook,
		Message: "webhook accepted and stored", Detail: json.RawMessage("null")}}
	for _, e := range events {
		d := e.Detail
		if len(d) == 0 {
			d = json.RawMessage("null")
		}
		views = append(views, eventView{At: e.At.UTC(), Kind: e.Kind, Actor: e.Actor,
			FromStatus: nullable(string(e.FromStatus)), ToStatus: nullable(string(e.ToStatus)), Message: e.Message, Detail: d})
	}
	return views
}

// explanationView is an explanation (DESIGN §5, contract).
type explanationView struct {
	CompanyID   *string         `json:"companyId"`
	CompanyName *string         `json:"companyName"`
	MatchedBy   *string         `json:"matchedBy"`
	Reason      string          `json:"reason"`
	Candidates  []candidateView `json:"candidates"`
}

type candidateView struct {
	CompanyID    string `json:"companyId"`
	Name         string `json:"name"`
	MatchedBy    string `json:"matchedBy"`
	Participants int    `json:"participants"`
}

// ExplanationJSON is the contract's explanation of e (shared with
// `gongsync explain`).
func ExplanationJSON(e callsync.Explanation) any {
	r := e.Resolution
	view := explanationView{CompanyID: nullable(r.CompanyID), CompanyName: nullable(r.CompanyName), MatchedBy: nullable(r.MatchedBy),
		Reason: r.Reason, Candidates: []candidateView{}}
	if r.Matched() && view.Reason == "" {
		view.Reason = "matched by " + r.MatchedBy
	}
	for _, c := range r.Candidates {
		view.Candidates = append(view.Candidates, candidateView{CompanyID: c.CompanyID, Name: c.Name, MatchedBy: c.MatchedBy, Participants: c.Participants})
	}
	return view
}

// handleExplain serves POST /admin/explain: a webhook payload or
// {"callId": "…"}; it writes nothing.
func handleExplain(operator Operator, maxBytes int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if operator == nil {
			writeError(w, http.StatusServiceUnavailable, "explain is not available in this process")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "payload larger than WEBHOOK_MAX_BYTES")
			return
		}
		var byID struct {
			CallID   *string         `json:"callId"`
			CallData json.RawMessage `json:"callData"`
		}
		if err := json.Unmarshal(body, &byID); err != nil {
			writeError(w, http.StatusBadRequest, "the body is not JSON")
			return
		}
		payload, callID := body, ""
		if byID.CallID != nil && len(byID.CallData) == 0 {
			payload, callID = nil, strings.TrimSpace(*byID.CallID)
		}
		explanation, err := operator.Explain(r.Context(), payload, callID)
		switch {
		case errors.Is(err, callsync.ErrNotFound):
			writeError(w, http.StatusNotFound, "call not found")
		case errors.Is(err, callsync.ErrBadPayload):
			writeError(w, http.StatusBadRequest, err.Error())
		case err != nil:
			writeError(w, http.StatusServiceUnavailable, "Planhat could not be read: "+err.Error())
		default:
			writeJSON(w, http.StatusOK, ExplanationJSON(explanation))
		}
	}
}

// handleAssign serves POST /admin/calls/{callId}/assign {"companyId"}.
func handleAssign(operator Operator, logger zerolog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if operator == nil {
			writeError(w, http.StatusServiceUnavailable, "assign is not available in this process")
			return
		}
		callID := chi.URLParam(r, "callId")
		var body struct {
			CompanyID string `json:"companyId"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil || strings.TrimSpace(body.CompanyID) == "" {
			writeError(w, http.StatusBadRequest, `want {"companyId": "…"}`)
			return
		}
		ctx := callsync.WithActor(r.Context(), "admin via API")
		company, err := operator.Assign(ctx, callID, body.CompanyID)
		switch {
		case errors.Is(err, callsync.ErrNotFound):
			writeError(w, http.StatusNotFound, "call not found")
		case errors.Is(err, callsync.ErrUnknownCompany):
			writeError(w, http.StatusUnprocessableEntity, "no company "+body.CompanyID+" in Planhat")
		case err != nil:
			logger.Error().Err(err).Str("call_id", callID).Msg("assignment could not be queued")
			writeError(w, http.StatusServiceUnavailable, "the assignment could not be made; try again")
		default:
			logger.Info().Str("call_id", callID).Str("company_id", company.ID).Str("status", "queued").Msg("call assigned by hand")
			writeJSON(w, http.StatusAccepted, assignAnswer{Status: "queued", CallID: callID, CompanyID: company.ID, MatchedBy: callsync.MatchedByManual})
		}
	}
}

type assignAnswer struct {
	Status    string `json:"status"`
	CallID    string `json:"callId"`
	CompanyID string `json:"companyId"`
	MatchedBy string `json:"matchedBy"`
}

// consolePage serves the console's routes, or 404 when this process has no
// console; the console routes on the full path itself.
func consolePage(console http.Handler, token string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if console == nil || token == "" {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		console.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, nil)))
	}
}
