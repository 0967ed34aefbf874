package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/callsync"
)

// Backfills starts backfill runs in the background and reports on them.
type Backfills interface {
	// LaunchBackfill starts (or resumes) the run for req and returns it at
	// once; callsync.ErrBackfillInput for a request that cannot run.
	LaunchBackfill(ctx context.Context, req callsync.BackfillRequest) (callsync.BackfillRun, error)
	// GetBackfillRun returns a run, or callsync.ErrNotFound.
	GetBackfillRun(ctx context.Context, id string) (callsync.BackfillRun, error)
}

// backfillRequest is POST /admin/backfill's body. Dates are RFC3339 or YYYY-MM-DD.
type backfillRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	DryRun bool   `json:"dryRun"`
}

// backfillView is a run as GET /admin/backfill/{backfillId} shows it.
type backfillView struct {
	BackfillID string    `json:"backfillId"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	DryRun     bool      `json:"dryRun"`
	Status     string    `json:"status"`
	Listed     int       `json:"listed"`
	Synced     int       `json:"synced"`
	Existing   int       `json:"existing"`
	Queued     int       `json:"queued"`
	Failed     int       `json:"failed"`
	LastError  *string   `json:"lastError"`
	StartedAt  time.Time `json:"startedAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

func backfillViewOf(run callsync.BackfillRun) backfillView {
	return backfillView{
		BackfillID: run.ID, From: run.From.UTC(), To: run.To.UTC(), DryRun: run.DryRun, Status: string(run.Status),
		Listed: run.Listed, Synced: run.Synced, Existing: run.Existing, Queued: run.Queued, Failed: run.Failed,
		LastError: nullable(run.LastError), StartedAt: run.StartedAt.UTC(), UpdatedAt: run.UpdatedAt.UTC(),
	}
}

// maxBackfillBody bounds POST /admin/backfill's body.
const maxBackfillBody = 4096

func handleStartBackfill(backfills Backfills, logger zerolog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if backfills == nil {
			writeError(w, http.StatusServiceUnavailable, "backfill is not available in this process")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBackfillBody))
		if err != nil {
			writeError(w, http.StatusBadRequest, "the body must be a JSON object of at most 4096 bytes")
			return
		}
		var req backfillRequest
		if err := json.Unmarshal(body, &req); err != nil {
			writeError(w, http.StatusBadRequest, `the body must be JSON: {"from": "2024-01-01", "to": "2024-02-01", "dryRun": false}`)
			return
		}
		if req.From == "" || req.To == "" {
			writeError(w, http.StatusBadRequest, `"from" and "to" are required (RFC3339 or YYYY-MM-DD)`)
			return
		}
		from, err := callsync.ParseBackfillDate(req.From, false)
		if err != nil {
			writeError(w, http.StatusBadRequest, `"from": `+err.Error())
			return
		}
		to, err := callsync.ParseBackfillDate(req.To, true)
		if err != nil {
			writeError(w, http.StatusBadRequest, `"to": `+err.Error())
			return
		}
		run, err := backfills.LaunchBackfill(r.Context(), callsync.BackfillRequest{From: from, To: to, DryRun: req.DryRun})
		switch {
		case errors.Is(err, callsync.ErrBackfillInput):
			writeError(w, http.StatusBadRequest, err.Error())
		case err != nil:
			logger.Error().Err(err).Msg("backfill could not be started")
			writeError(w, http.StatusServiceUnavailable, "the backfill could not be started; try again")
		default:
			logger.Info().Str("backfill_id", run.ID).Time("from", run.From).Time("to", run.To).Bool("dry_run", run.DryRun).Msg("backfill started")
			writeJSON(w, http.StatusAccepted, map[string]string{"backfillId": run.ID})
		}
	}
}

func handleGetBackfill(backfills Backfills) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if backfills == nil {
			writeError(w, http.StatusNotFound, "backfill not found")
			return
		}
		run, err := backfills.GetBackfillRun(r.Context(), chi.URLParam(r, "backfillId"))
		switch {
		case errors.Is(err, callsync.ErrNotFound):
			writeError(w, http.StatusNotFound, "backfill not found")
		case err != nil:
			writeError(w, http.StatusServiceUnavailable, "the backfill could not be read")
		default:
			writeJSON(w, http.StatusOK, backfillViewOf(run))
		}
	}
}
