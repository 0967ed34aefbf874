// Package gong is the adapter to Gong: the webhook payload, its URL-key and
// signed-JWT checks, and a REST client for calls and users.
package gong

import "encoding/json"

// WebhookPayload is the body of an automation rule's "Fire webhook" delivery.
// Gong may add fields at any time, so unknown fields are ignored.
type WebhookPayload struct {
	IsTest    bool     `json:"isTest"`
	IsPrivate bool     `json:"isPrivate"` // seen in one third-party fixture only; may be absent
	CallData  CallData `json:"callData"`
}

// CallData is one call as the webhook and POST /v2/calls/extensive return it.
type CallData struct {
	MetaData MetaData     `json:"metaData"`
	Context  []CRMContext `json:"context,omitempty"`
	Parties  []Party      `json:"parties,omitempty"`
	Content  *CallContent `json:"content,omitempty"`
}

// MetaData holds a call's basic facts. Id is a string of up to 20 digits.
type MetaData struct {
	ID            string `json:"id"`
	URL           string `json:"url,omitempty"`
	Title         string `json:"title,omitempty"`
	Scheduled     string `json:"scheduled,omitempty"`
	Started       string `json:"started,omitempty"`
	Duration      int64  `json:"duration,omitempty"` // seconds
	PrimaryUserID string `json:"primaryUserId,omitempty"`
	Direction     string `json:"direction,omitempty"`
	System        string `json:"system,omitempty"`
	Scope         string `json:"scope,omitempty"`
	Media         string `json:"media,omitempty"`
	Language      string `json:"language,omitempty"`
	WorkspaceID   string `json:"workspaceId,omitempty"`
	IsPrivate     bool   `json:"isPrivate,omitempty"`
}

// CRMContext links a call (or a party) to CRM objects.
type CRMContext struct {
	System  string      `json:"system,omitempty"`
	Objects []CRMObject `json:"objects,omitempty"`
}

// CRMObject is one CRM record; ObjectType "Account" carries the company's CRM id.
type CRMObject struct {
	ObjectType string     `json:"objectType,omitempty"`
	ObjectID   string     `json:"objectId,omitempty"`
	Fields     []CRMField `json:"fields,omitempty"`
}

// CRMField values are of mixed JSON types, so they stay raw.
type CRMField struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value,omitempty"`
}

// Affiliation values of a party.
const (
	AffiliationInternal = "Internal"
	AffiliationExternal = "External"
	AffiliationUnknown  = "Unknown"
)

// Party is a participant of a call. EmailAddress may be missing.
type Party struct {
	ID           string       `json:"id,omitempty"`
	EmailAddress string       `json:"emailAddress,omitempty"`
	Name         string       `json:"name,omitempty"`
	Title        string       `json:"title,omitempty"`
	UserID       string       `json:"userId,omitempty"`
	Affiliation  string       `json:"affiliation,omitempty"`
	Context      []CRMContext `json:"context,omitempty"`
}

// CallContent holds the AI summary fields Gong returns only once they are ready.
type CallContent struct {
	Brief       string       `json:"brief,omitempty"`
	KeyPoints   []KeyPoint   `json:"keyPoints,omitempty"`
	Highlights  []Highlight  `json:"highlights,omitempty"`
	CallOutcome *CallOutcome `json:"callOutcome,omitempty"`
}

// HasSummary reports whether Gong has produced any part of the AI summary yet.
func (c *CallContent) HasSummary() bool {
	return c != nil && (c.Brief != "" || len(c.KeyPoints) > 0 || len(c.Highlights) > 0)
}

// KeyPoint is one AI key point.
type KeyPoint struct {
	Text string `json:"text"`
}

// Highlight is a titled group of AI highlights (e.g. "Next steps").
type Highlight struct {
	Title string          `json:"title"`
	Items []HighlightItem `json:"items,omitempty"`
}

// HighlightItem is one line of a highlight.
type HighlightItem struct {
	Text       string    `json:"text"`
	StartTimes []float64 `json:"startTimes,omitempty"`
}

// CallOutcome is the outcome Gong AI set for the call.
type CallOutcome struct {
	ID       string `json:"id,omitempty"`
	Category string `json:"category,omitempty"`
	Name     string `json:"name,omitempty"`
}

// User is a Gong user (GET /v2/users).
type User struct {
	ID           string   `json:"id"`
	EmailAddress string   `json:"emailAddress,omitempty"`
	EmailAliases []string `json:"emailAliases,omitempty"`
	FirstName    string   `json:"firstName,omitempty"`
	LastName     string   `json:"lastName,omitempty"`
	Active       bool     `json:"active,omitempty"`
}

// Records is the paging block of every Gong list response.
type Records struct {
	TotalRecords      int    `json:"totalRecords"`
	CurrentPageSize   int    `json:"currentPageSize"`
	CurrentPageNumber int    `json:"currentPageNumber"`
	Cursor            string `json:"cursor,omitempty"`
}

// ErrorResponse is Gong's error body.
type ErrorResponse struct {
	RequestID string   `json:"requestId"`
	Errors    []string `json:"errors"`
}
