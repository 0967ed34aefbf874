package server

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/gong"
)

// webhookIntake accepts Gong deliveries: authenticate, parse, store the call
// and its job in one transaction, and only then acknowledge.
type webhookIntake struct {
	ledger   Ledger
	logger   zerolog.Logger
	metrics  *Metrics
	maxBytes int64
	now      func() time.Time
	// onAccepted is told of each newly queued call.
	onAccepted func()
}

type webhookAnswer struct {
	Status string `json:"status"`
	CallID string `json:"callId,omitempty"`
}

// unauthorizedMessage is the one body for every authentication failure, so
// an answer never tells which check failed.
const unauthorizedMessage = "unauthorized"

// withURLKey serves POST /webhooks/gong/{key} ("URL includes key").
func (in webhookIntake) withURLKey(key string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Without WEBHOOK_KEY no key is right: CheckURLKey refuses them all.
		if !gong.CheckURLKey(chi.URLParam(r, "key"), key) {
			in.reject(w, r, "wrong webhook key")
			return
		}
		body, ok := in.readBody(w, r)
		if !ok {
			return
		}
		in.accept(w, r, body)
	}
}

// withJWT serves POST /webhooks/gong ("Signed JWT header").
func (in webhookIntake) withJWT(verifier *gong.JWTVerifier) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if verifier == nil {
			in.reject(w, r, "signed JWT webhooks are not enabled (GONG_WEBHOOK_PUBLIC_KEY)")
			return
		}
		body, ok := in.readBody(w, r)
		if !ok {
			return
		}
		if err := verifier.Verify(r.Header.Get("Authorization"), body); err != nil {
			in.reject(w, r, err.Error())
			return
		}
		in.accept(w, r, body)
	}
}

func (in webhookIntake) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, in.maxBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		in.metrics.webhook(resultTooLarge)
		writeError(w, http.StatusRequestEntityTooLarge, "payload larger than WEBHOOK_MAX_BYTES")
		return nil, false
	case err != nil:
		in.metrics.webhook(resultBadRequest)
		writeError(w, http.StatusBadRequest, "could not read the request body")
		return nil, false
	}
	return body, true
}

func (in webhookIntake) reject(w http.ResponseWriter, r *http.Request, reason string) {
	in.metrics.webhook(resultUnauthorized)
	in.logger.Warn().Str("request_id", middleware.GetReqID(r.Context())).Str("route", routePattern(r)).
		Str("reason", reason).Msg("webhook rejected")
	writeError(w, http.StatusUnauthorized, unauthorizedMessage)
}

func (in webhookIntake) accept(w http.ResponseWriter, r *http.Request, body []byte) {
	// Only the id and isTest are decoded here; the workers decode the rest.
	callID, isTest, err := gong.ParseWebhookID(body)
	if err != nil {
		in.metrics.webhook(resultBadRequest)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// Fields go on each event, not on a child logger: nothing is built for
	// a level that is off.
	requestID := middleware.GetReqID(r.Context())
	if isTest {
		in.metrics.webhook(resultTest)
		in.logger.Info().Str("request_id", requestID).Str("call_id", callID).Str("status", resultTest).
			Msg("test delivery from Gong accepted; nothing is written")
		writeJSON(w, http.StatusOK, webhookAnswer{Status: resultTest})
		return
	}
	duplicate, err := in.ledger.AcceptCall(r.Context(), callID, body, in.now())
	if err != nil {
		in.metrics.webhook(resultUnavailable)
		in.logger.Error().Str("request_id", requestID).Str("call_id", callID).Err(err).
			Msg("could not store the call; Gong or the reconciler will bring it again")
		writeError(w, http.StatusServiceUnavailable, "the call could not be stored; try again later")
		return
	}
	status := resultQueued
	if duplicate {
		status = resultDuplicate
	} else {
		in.onAccepted()
	}
	in.metrics.webhook(status)
	in.logger.Info().Str("request_id", requestID).Str("call_id", callID).Str("status", status).Msg("webhook accepted")
	writeJSON(w, http.StatusAccepted, webhookAnswer{Status: status, CallID: callID})
}
