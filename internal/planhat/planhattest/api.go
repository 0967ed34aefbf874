package planhattest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// isoMillis is how Planhat writes dates: "2021-08-02T16:18:53.730Z".
const isoMillis = "2006-01-02T15:04:05.000Z"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /companies", s.list(func() *collection { return &s.companies }, listRules{
		defaultLimit: 100, maxLimit: 5000, // companies: max 5,000; default NOT CONFIRMED (PostHog: 100)
		// ?sourceId= and the like are NOT CONFIRMED on /companies: ignored, as
		// a server that does not know them would.
	}))
	mux.HandleFunc("GET /companies/{key}", s.get(func() *collection { return &s.companies }, "Company"))
	mux.HandleFunc("GET /leancompanies", s.list(func() *collection { return &s.companies }, listRules{
		// "not restricted to the usual 5000 company limit": everything unless
		// a limit is given; whether it pages at all is NOT CONFIRMED.
		fields:  []string{"_id", "name", "externalId", "sourceId", "slug"},
		filters: map[string]matcher{"externalId": equals("externalId"), "sourceId": equals("sourceId"), "status": equals("status")},
	}))
	mux.HandleFunc("GET /users", s.list(func() *collection { return &s.users }, listRules{
		defaultLimit: 10_000, maxLimit: 10_000, // no email filter is documented for users
	}))
	mux.HandleFunc("GET /users/{key}", s.get(func() *collection { return &s.users }, "User"))
	mux.HandleFunc("GET /endusers", s.list(func() *collection { return &s.endusers }, listRules{
		defaultLimit: 100, maxLimit: 2000,
		// ?email= is used by OSS clients but NOT CONFIRMED officially; the fake
		// matches the main email ignoring case.
		filters: map[string]matcher{"email": equalsFold("email"), "companyId": oneOf("companyId")},
	}))
	mux.HandleFunc("GET /endusers/{key}", s.get(func() *collection { return &s.endusers }, "Enduser"))
	mux.HandleFunc("GET /conversations", s.list(func() *collection { return &s.conversations }, listRules{
		defaultLimit: 30, maxLimit: 2000,
		filters: map[string]matcher{"companyId": oneOf("companyId")}, // type, externalId: NOT CONFIRMED, ignored
	}))
	mux.HandleFunc("GET /conversations/{key}", s.get(func() *collection { return &s.conversations }, "Conversation"))
	mux.HandleFunc("POST /conversations", s.handleCreateConversation)
	mux.HandleFunc("PUT /conversations/{id}", s.handleUpdateConversation)
	mux.HandleFunc("PUT /conversations", s.handleBulkUpsertConversations)
	mux.HandleFunc("DELETE /conversations/{id}", s.handleDeleteConversation)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Cannot "+r.Method+" "+r.URL.Path)
	})
	return s.gate(mux)
}

// matcher reports whether a record passes a list filter's value.
type matcher func(doc document, value string) bool

func equals(field string) matcher {
	return func(doc document, value string) bool { return doc.str(field) == value }
}

func equalsFold(field string) matcher {
	return func(doc document, value string) bool {
		return strings.EqualFold(doc.str(field), strings.TrimSpace(value))
	}
}

// oneOf accepts "id1,id2": Planhat documents comma-separated companyIds.
func oneOf(field string) matcher {
	return func(doc document, value string) bool {
		return slices.Contains(strings.Split(value, ","), doc.str(field))
	}
}

// listRules describe one list endpoint.
type listRules struct {
	defaultLimit int                // without ?limit=; 0 means everything
	maxLimit     int                // larger limits are cut to this; 0 means none
	fields       []string           // a fixed projection; nil means ?select= decides
	filters      map[string]matcher // by query parameter
}

// list serves a bare JSON array with sort, filters, offset, limit and select
// applied in that order.
func (s *Server) list(records func() *collection, rules listRules) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		query := r.URL.Query()
		limit := intParam(query.Get("limit"), rules.defaultLimit)
		if rules.maxLimit > 0 && (limit <= 0 || limit > rules.maxLimit) {
			limit = rules.maxLimit
		}
		offset := max(intParam(query.Get("offset"), 0), 0)
		if s.opts.IgnoreOffset {
			offset = 0
		}
		fields := rules.fields
		if fields == nil && query.Get("select") != "" {
			for _, field := range strings.Split(query.Get("select"), ",") {
				if field = strings.TrimSpace(field); field != "" {
					fields = append(fields, field)
				}
			}
		}

		s.mu.Lock()
		docs := records().sorted(query.Get("sort"))
		if !s.opts.IgnoreListFilters {
			for param, matches := range rules.filters {
				if value := query.Get(param); value != "" {
					docs = slices.DeleteFunc(docs, func(d document) bool { return !matches(d, value) })
				}
			}
		}
		docs = docs[min(offset, len(docs)):]
		if limit > 0 && limit < len(docs) {
			docs = docs[:limit]
		}
		page := make([]document, len(docs))
		for i, doc := range docs {
			if fields != nil {
				doc = doc.project(fields)
			}
			page[i] = doc
		}
		encoded, err := json.Marshal(page)
		s.mu.Unlock()
		writeEncoded(w, http.StatusOK, encoded, err)
	}
}

func intParam(value string, fallback int) int {
	n, err := strconv.Atoi(value)
	if err != nil {
		return fallback
	}
	return n
}

// get serves one record by a keyable: _id, srcid-{sourceId}, extid-{externalId}.
func (s *Server) get(records func() *collection, model string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		i, ok := records().lookup(r.PathValue("key"))
		var encoded []byte
		var err error
		if ok {
			encoded, err = json.Marshal(records().docs[i])
		}
		s.mu.Unlock()
		if !ok {
			// Planhat answers 404 here (undocumented); its body is NOT CONFIRMED.
			writeError(w, http.StatusNotFound, model+" not found")
			return
		}
		writeEncoded(w, http.StatusOK, encoded, err)
	}
}

func (s *Server) handleCreateConversation(w http.ResponseWriter, r *http.Request) {
	body, problem := readObject(r)
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	s.mu.Lock()
	doc, problem := s.createConversation(body)
	var encoded []byte
	var err error
	failAfter, dropAfter := false, false
	if problem == "" {
		encoded, err = json.Marshal(doc)
		switch {
		case s.createThenDrop > 0:
			s.createThenDrop--
			dropAfter = true
		case s.createThenFail > 0:
			s.createThenFail--
			failAfter = true
		}
	}
	s.mu.Unlock()
	switch {
	case problem != "":
		writeError(w, http.StatusBadRequest, problem)
	case dropAfter:
		panic(http.ErrAbortHandler) // net/http closes the connection without an answer
	case failAfter:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusGatewayTimeout)
		_, _ = w.Write([]byte("<html><body><h1>504 Gateway Time-out</h1></body></html>\n"))
	case s.opts.EmptyCreateBody:
		w.WriteHeader(s.opts.CreateStatus)
	default:
		writeEncoded(w, s.opts.CreateStatus, encoded, err)
	}
}

// createConversation stores body as a new conversation, or says why it is a
// 400. Called with s.mu held.
func (s *Server) createConversation(body document) (document, string) {
	doc := body.clone()
	if problem := s.setCompany(doc, body.str("companyId")); problem != "" {
		return nil, problem
	}
	now := s.now().UTC()
	// A client's _id is not taken: Planhat assigns ids (NOT CONFIRMED).
	doc["_id"] = s.ids.next(now)
	doc["createDate"] = now.Format(isoMillis)
	if doc.str("date") == "" {
		doc["date"] = doc["createDate"] // default NOT CONFIRMED
	}
	for _, field := range []string{"users", "endusers"} {
		if doc[field] == nil {
			doc[field] = []any{}
		}
	}
	s.setType(doc)
	s.conversations.put(doc)
	return doc, ""
}

// setCompany resolves a companyId given as _id, srcid-… or extid-… and sets
// the company fields Planhat generates.
func (s *Server) setCompany(doc document, companyKey string) string {
	if companyKey == "" {
		return "companyId is required"
	}
	i, ok := s.companies.lookup(companyKey)
	if !ok {
		return "company " + companyKey + " not found" // Planhat's answer is NOT CONFIRMED
	}
	company := s.companies.docs[i]
	doc["companyId"] = company.id()
	doc["companyName"] = company.str("name")
	delete(doc, "companySourceId")
	if sourceID := company.str("sourceId"); sourceID != "" {
		doc["companySourceId"] = sourceID
	}
	return ""
}

// setType keeps a known type and stores any other as "note", as Planhat does.
func (s *Server) setType(doc document) {
	known, custom := s.knownType(doc.str("type"))
	if !known {
		doc["type"] = "note"
	}
	doc["isCustomType"] = custom
}

// autogenerated fields a PUT cannot set.
var autogenerated = []string{"_id", "createDate", "companyName", "companySourceId", "isCustomType"}

func (s *Server) handleUpdateConversation(w http.ResponseWriter, r *http.Request) {
	body, problem := readObject(r)
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	s.mu.Lock()
	i, found := s.conversations.byID(r.PathValue("id"))
	var encoded []byte
	var err error
	if found {
		var doc document
		if doc, problem = s.updateConversation(s.conversations.docs[i], body); problem == "" {
			s.conversations.docs[i] = doc
			encoded, err = json.Marshal(doc)
		}
	}
	s.mu.Unlock()
	switch {
	case !found:
		writeError(w, http.StatusNotFound, "Conversation not found")
	case problem != "":
		writeError(w, http.StatusBadRequest, problem)
	default:
		writeEncoded(w, http.StatusOK, encoded, err)
	}
}

// updateConversation applies a partial update: fields absent from body stay
// as they are (description above all), custom is merged key by key.
func (s *Server) updateConversation(stored, body document) (document, string) {
	doc := stored.clone()
	for field, value := range body {
		switch {
		case slices.Contains(autogenerated, field):
			continue
		case field == "custom":
			patch, isObject := value.(map[string]any)
			if !isObject {
				if value == nil {
					continue
				}
				return nil, "custom must be an object"
			}
			merged, _ := doc["custom"].(map[string]any)
			if merged == nil {
				merged = map[string]any{}
			}
			maps.Copy(merged, patch)
			doc["custom"] = merged
		case field == "companyId":
			key, _ := value.(string)
			if problem := s.setCompany(doc, key); problem != "" {
				return nil, problem
			}
		default:
			doc[field] = value
		}
	}
	if _, changed := body["type"]; changed {
		s.setType(doc)
	}
	return doc, ""
}

func (s *Server) handleDeleteConversation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i, found := s.conversations.byID(r.PathValue("id"))
	var encoded []byte
	var err error
	if found {
		encoded, err = json.Marshal(s.conversations.docs[i])
		s.conversations.remove(i)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "Conversation not found")
		return
	}
	writeEncoded(w, http.StatusOK, encoded, err) // Planhat answers with the deleted record
}

// readObject reads a JSON object body; bulk arrays are not served here.
func readObject(r *http.Request) (document, string) {
	var doc document
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 32<<20)).Decode(&doc); err != nil {
		return nil, "body must be a JSON object: " + err.Error()
	}
	if doc == nil {
		return nil, "body must be a JSON object"
	}
	return doc, ""
}

// writeError answers {"error": message}. Planhat's error body for
// single-record calls is NOT CONFIRMED; this shape is a plausible guess.
func writeError(w http.ResponseWriter, status int, message string) {
	encoded, err := json.Marshal(map[string]string{"error": message})
	writeEncoded(w, status, encoded, err)
}

func writeEncoded(w http.ResponseWriter, status int, encoded []byte, err error) {
	if err != nil {
		status, encoded = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}
