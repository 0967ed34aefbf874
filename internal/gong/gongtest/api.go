package gongtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/gong"
)

// maxCallIDs is the most filter.callIds one extensive request may hold.
// DESIGN §6 batches by 100; Gong's own bound is NOT CONFIRMED.
const maxCallIDs = 100

// noCallsFound is the real 404 text when a filter matches nothing.
const noCallsFound = "No calls found corresponding to the provided filters"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/calls/extensive", s.handleCallsExtensive)
	mux.HandleFunc("GET /v2/calls", s.handleListCalls)
	mux.HandleFunc("GET /v2/calls/{id}", s.handleGetCall)
	mux.HandleFunc("GET /v2/users", s.handleListUsers)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "No endpoint "+r.Method+" "+r.URL.Path)
	})
	return s.gate(mux)
}

// extensiveRequest is the body of POST /v2/calls/extensive as the spec has it.
type extensiveRequest struct {
	Cursor          string           `json:"cursor,omitempty"`
	Filter          *extensiveFilter `json:"filter"`
	ContentSelector *contentSelector `json:"contentSelector,omitempty"`
}

type extensiveFilter struct {
	FromDateTime   string   `json:"fromDateTime,omitempty"`
	ToDateTime     string   `json:"toDateTime,omitempty"`
	WorkspaceID    string   `json:"workspaceId,omitempty"`
	CallIDs        []string `json:"callIds,omitempty"`
	PrimaryUserIDs []string `json:"primaryUserIds,omitempty"`
}

type contentSelector struct {
	Context       string         `json:"context,omitempty"`
	ContextTiming []string       `json:"contextTiming,omitempty"`
	ExposedFields *exposedFields `json:"exposedFields,omitempty"`
}

type exposedFields struct {
	Parties bool             `json:"parties,omitempty"`
	Content *contentSelected `json:"content,omitempty"`
	// interaction, collaboration and media are accepted and not served.
	Interaction   json.RawMessage `json:"interaction,omitempty"`
	Collaboration json.RawMessage `json:"collaboration,omitempty"`
	Media         bool            `json:"media,omitempty"`
}

type contentSelected struct {
	Structure          bool `json:"structure,omitempty"`
	Topics             bool `json:"topics,omitempty"`
	Trackers           bool `json:"trackers,omitempty"`
	TrackerOccurrences bool `json:"trackerOccurrences,omitempty"`
	PointsOfInterest   bool `json:"pointsOfInterest,omitempty"`
	Brief              bool `json:"brief,omitempty"`
	Outline            bool `json:"outline,omitempty"`
	Highlights         bool `json:"highlights,omitempty"`
	CallOutcome        bool `json:"callOutcome,omitempty"`
	KeyPoints          bool `json:"keyPoints,omitempty"`
}

func (s *Server) handleCallsExtensive(w http.ResponseWriter, r *http.Request) {
	var req extensiveRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Malformed JSON request: "+err.Error())
		return
	}
	if problems := req.validate(); len(problems) > 0 {
		writeError(w, http.StatusBadRequest, problems...)
		return
	}
	s.mu.Lock()
	s.stats.ExtensiveCallIDs = append(s.stats.ExtensiveCallIDs, slices.Clone(req.Filter.CallIDs))
	s.mu.Unlock()

	cursor := req.Cursor
	req.Cursor = ""
	fingerprint, _ := json.Marshal(req) // re-encoded, so spacing and key order do not matter
	offset, ok := s.openCursor(cursor, fingerprint)
	if !ok {
		writeError(w, http.StatusBadRequest, "cursor: invalid or not issued for this request")
		return
	}

	from, _ := parseOptionalTime(req.Filter.FromDateTime)
	to, _ := parseOptionalTime(req.Filter.ToDateTime)
	s.mu.Lock()
	matching := s.matchingCalls(func(call gong.CallData) bool {
		f := req.Filter
		return (len(f.CallIDs) == 0 || slices.Contains(f.CallIDs, call.MetaData.ID)) &&
			(len(f.PrimaryUserIDs) == 0 || slices.Contains(f.PrimaryUserIDs, call.MetaData.PrimaryUserID)) &&
			(f.WorkspaceID == "" || f.WorkspaceID == call.MetaData.WorkspaceID) &&
			startedWithin(call.MetaData, from, to)
	})
	page, records := s.page(len(matching), offset, fingerprint)
	calls := make([]gong.CallData, 0, len(page))
	for _, i := range page {
		calls = append(calls, s.extensiveView(matching[i], req.ContentSelector))
	}
	s.mu.Unlock()

	if len(matching) == 0 {
		writeError(w, http.StatusNotFound, noCallsFound)
		return
	}
	requestID := newRequestID()
	writeJSON(w, http.StatusOK, requestID, map[string]any{"requestId": requestID, "records": records, "calls": calls})
}

// validate checks what the OpenAPI document cannot say, and answers like
// Gong's 400 ("<field>: <problem>").
func (req *extensiveRequest) validate() []string {
	var problems []string
	if req.Filter == nil {
		return []string{"filter: must not be null"}
	}
	if n := len(req.Filter.CallIDs); n > maxCallIDs {
		problems = append(problems, fmt.Sprintf("filter.callIds: size must be between 0 and %d, got %d", maxCallIDs, n))
	}
	for _, id := range req.Filter.CallIDs {
		if !gong.IsCallID(id) {
			problems = append(problems, fmt.Sprintf("filter.callIds: %q is not a call id", id))
			break
		}
	}
	for name, value := range map[string]string{"fromDateTime": req.Filter.FromDateTime, "toDateTime": req.Filter.ToDateTime} {
		if _, err := parseOptionalTime(value); err != nil {
			problems = append(problems, "filter."+name+": must be an ISO-8601 date and time")
		}
	}
	// The OpenAPI document already holds contentSelector.context to its enum.
	if sel := req.ContentSelector; sel != nil && len(sel.ContextTiming) > 0 && sel.Context != "Extended" {
		problems = append(problems, "contentSelector.contextTiming: only with context Extended")
	}
	slices.Sort(problems)
	return problems
}

// extensiveView is a call as POST /v2/calls/extensive shows it for the
// selector: metadata always; context, parties and content only on request;
// AI fields only once ready. Called with s.mu held.
func (s *Server) extensiveView(call gong.CallData, sel *contentSelector) gong.CallData {
	view := gong.CallData{MetaData: call.MetaData}
	if sel == nil {
		return view
	}
	view.Context = contextView(call.Context, sel.Context)
	fields := sel.ExposedFields
	if fields == nil {
		return view
	}
	if fields.Parties {
		view.Parties = deepCopy(call.Parties)
		for i := range view.Parties {
			view.Parties[i].Context = contextView(view.Parties[i].Context, sel.Context)
		}
	}
	if want := fields.Content; want != nil {
		// Content is present whenever some of it is asked for; the AI fields
		// inside it stay absent until ready. Whether Gong sends an empty
		// "content" object or none at all is NOT CONFIRMED.
		view.Content = &gong.CallContent{}
		if ready, ok := s.summaries[call.MetaData.ID]; ok {
			ready = deepCopy(ready)
			if want.Brief {
				view.Content.Brief = ready.Brief
			}
			if want.KeyPoints {
				view.Content.KeyPoints = ready.KeyPoints
			}
			if want.Highlights {
				view.Content.Highlights = ready.Highlights
			}
			if want.CallOutcome {
				view.Content.CallOutcome = ready.CallOutcome
			}
		}
	}
	return view
}

// contextView applies contentSelector.context: None (the default) hides CRM
// links, Basic shows them without field values, Extended with them.
func contextView(contexts []gong.CRMContext, level string) []gong.CRMContext {
	switch level {
	case "Extended":
		return deepCopy(contexts)
	case "Basic":
		basic := deepCopy(contexts)
		for i := range basic {
			for j := range basic[i].Objects {
				basic[i].Objects[j].Fields = nil
			}
		}
		return basic
	}
	return nil
}

func (s *Server) handleListCalls(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	from, fromErr := parseOptionalTime(query.Get("fromDateTime"))
	to, toErr := parseOptionalTime(query.Get("toDateTime"))
	if fromErr != nil || toErr != nil {
		writeError(w, http.StatusBadRequest, "fromDateTime and toDateTime must be ISO-8601 dates and times")
		return
	}
	cursor := query.Get("cursor")
	query.Del("cursor")
	fingerprint := []byte(r.URL.Path + "?" + query.Encode())
	offset, ok := s.openCursor(cursor, fingerprint)
	if !ok {
		writeError(w, http.StatusBadRequest, "cursor: invalid or not issued for this request")
		return
	}
	workspaceID := query.Get("workspaceId")

	s.mu.Lock()
	matching := s.matchingCalls(func(call gong.CallData) bool {
		return (workspaceID == "" || workspaceID == call.MetaData.WorkspaceID) && startedWithin(call.MetaData, from, to)
	})
	page, records := s.page(len(matching), offset, fingerprint)
	calls := make([]gong.MetaData, 0, len(page))
	for _, i := range page {
		calls = append(calls, matching[i].MetaData)
	}
	s.mu.Unlock()

	if len(matching) == 0 {
		writeError(w, http.StatusNotFound, noCallsFound)
		return
	}
	requestID := newRequestID()
	writeJSON(w, http.StatusOK, requestID, map[string]any{"requestId": requestID, "records": records, "calls": calls})
}

func (s *Server) handleGetCall(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	call, ok := s.calls[id]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Call ID "+id+" was not found")
		return
	}
	requestID := newRequestID()
	writeJSON(w, http.StatusOK, requestID, map[string]any{"requestId": requestID, "call": call.MetaData})
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	cursor := query.Get("cursor")
	query.Del("cursor")
	fingerprint := []byte(r.URL.Path + "?" + query.Encode())
	offset, ok := s.openCursor(cursor, fingerprint)
	if !ok {
		writeError(w, http.StatusBadRequest, "cursor: invalid or not issued for this request")
		return
	}
	s.mu.Lock()
	page, records := s.page(len(s.users), offset, fingerprint)
	users := make([]gong.User, 0, len(page))
	for _, i := range page {
		users = append(users, s.users[i])
	}
	s.mu.Unlock()
	requestID := newRequestID()
	writeJSON(w, http.StatusOK, requestID, map[string]any{"requestId": requestID, "records": records, "users": users})
}

// matchingCalls returns the calls that keep passes, in a stable order (by
// start, then id) so pages never overlap. Called with s.mu held.
func (s *Server) matchingCalls(keep func(gong.CallData) bool) []gong.CallData {
	var matching []gong.CallData
	for _, call := range s.calls {
		if keep(call) {
			matching = append(matching, call)
		}
	}
	slices.SortFunc(matching, func(a, b gong.CallData) int {
		if c := strings.Compare(startedKey(a.MetaData), startedKey(b.MetaData)); c != 0 {
			return c
		}
		if c := len(a.MetaData.ID) - len(b.MetaData.ID); c != 0 {
			return c
		}
		return strings.Compare(a.MetaData.ID, b.MetaData.ID)
	})
	return matching
}

func startedKey(meta gong.MetaData) string {
	if started, err := time.Parse(time.RFC3339, meta.Started); err == nil {
		return started.UTC().Format(time.RFC3339Nano)
	}
	return ""
}

// startedWithin applies Gong's date filter: started on or after from and
// before to; a zero bound is open.
func startedWithin(meta gong.MetaData, from, to time.Time) bool {
	if from.IsZero() && to.IsZero() {
		return true
	}
	started, err := time.Parse(time.RFC3339, meta.Started)
	if err != nil {
		return false
	}
	return (from.IsZero() || !started.Before(from)) && (to.IsZero() || started.Before(to))
}

func parseOptionalTime(value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, value)
}

// records is Gong's paging block.
type records struct {
	TotalRecords      int    `json:"totalRecords"`
	CurrentPageSize   int    `json:"currentPageSize"`
	CurrentPageNumber int    `json:"currentPageNumber"`
	Cursor            string `json:"cursor,omitempty"`
}

// page returns the indexes of one page out of total and its records block,
// with a cursor only when more records follow.
func (s *Server) page(total, offset int, fingerprint []byte) ([]int, records) {
	end := min(offset+s.pageSize, total)
	var indexes []int
	for i := offset; i < end; i++ {
		indexes = append(indexes, i)
	}
	block := records{TotalRecords: total, CurrentPageSize: len(indexes), CurrentPageNumber: offset / s.pageSize}
	if end < total {
		block.Cursor = s.issueCursor(fingerprint, end)
	}
	return indexes, block
}

// cursorState is what a cursor carries. Like Gong's (a signed token), it
// needs no memory on the server, and it is bound to the request it came from
// because Gong wants "all other request inputs" unchanged.
type cursorState struct {
	Fingerprint []byte `json:"f"`
	Offset      int    `json:"o"`
}

func (s *Server) issueCursor(fingerprint []byte, offset int) string {
	sum := sha256.Sum256(fingerprint)
	payload, _ := json.Marshal(cursorState{Fingerprint: sum[:8], Offset: offset})
	mac := hmac.New(sha256.New, s.cursorKey)
	mac.Write(payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// openCursor returns the offset a cursor points at; "" is the first page.
func (s *Server) openCursor(cursor string, fingerprint []byte) (int, bool) {
	if cursor == "" {
		return 0, true
	}
	encodedPayload, encodedMAC, found := strings.Cut(cursor, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(encodedPayload)
	gotMAC, err2 := base64.RawURLEncoding.DecodeString(encodedMAC)
	if !found || errors.Join(err1, err2) != nil {
		return 0, false
	}
	mac := hmac.New(sha256.New, s.cursorKey)
	mac.Write(payload)
	if !hmac.Equal(gotMAC, mac.Sum(nil)) {
		return 0, false
	}
	var state cursorState
	sum := sha256.Sum256(fingerprint)
	if json.Unmarshal(payload, &state) != nil || !bytes.Equal(state.Fingerprint, sum[:8]) || state.Offset < 0 {
		return 0, false
	}
	return state.Offset, true
}

// errorResponse is Gong's error body.
type errorResponse struct {
	RequestID string   `json:"requestId"`
	Errors    []string `json:"errors"`
}

func writeError(w http.ResponseWriter, status int, messages ...string) {
	requestID := newRequestID()
	writeJSON(w, status, requestID, errorResponse{RequestID: requestID, Errors: messages})
}

// writeJSON sends body, which carries requestID; real answers repeat it in
// the x-traceid header.
func writeJSON(w http.ResponseWriter, status int, requestID string, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		status, encoded = http.StatusInternalServerError, []byte(`{"errors":["encoding the answer failed"]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Traceid", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// newRequestID looks like Gong's: 19 lower-case letters and digits.
func newRequestID() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	id := make([]byte, 19)
	for i := range id {
		id[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(id)
}
