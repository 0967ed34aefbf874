package gong

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
)

// Errors of ParseWebhook. Their messages are safe to send back to Gong: they
// name what is wrong, never echo a secret.
var (
	ErrMalformedJSON = errors.New("body is not a JSON object")
	ErrMissingCallID = errors.New("callData.metaData.id is missing")
	ErrInvalidCallID = errors.New("callData.metaData.id must be a string of 1 to 20 digits")
)

// maxCallIDDigits is Gong's documented bound: ids are "up to 20 digits".
const maxCallIDDigits = 20

// webhookProbe reads the fields whose JSON type ParseWebhook checks itself;
// everything else is decoded leniently into WebhookPayload.
type webhookProbe struct {
	IsTest    json.RawMessage `json:"isTest"`
	IsPrivate json.RawMessage `json:"isPrivate"`
	CallData  json.RawMessage `json:"callData"`
}

type callDataProbe struct {
	MetaData json.RawMessage `json:"metaData"`
}

type metaDataProbe struct {
	ID        json.RawMessage `json:"id"`
	IsPrivate json.RawMessage `json:"isPrivate"`
}

// ParseWebhook decodes and checks one delivery. The call id must be a string
// of 1–20 digits (a JSON number of that form is accepted too, kept exactly);
// a test delivery (isTest true) may come without one. A top-level isPrivate
// true marks the call private. Unknown fields are ignored, and so is a field
// of an unexpected JSON type (it stays empty), except the id and the isTest
// and isPrivate flags: those are rejected, so a test or private call is never
// synced by accident.
func ParseWebhook(body []byte) (WebhookPayload, error) {
	probe, err := probeWebhook(body)
	if err != nil {
		return WebhookPayload{}, err
	}
	// The probe already vetted the syntax, so the only errors left are type
	// mismatches in fields we do not check; Unmarshal fills in the rest.
	var payload WebhookPayload
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(body, &payload); err != nil && !errors.As(err, &typeErr) {
		return WebhookPayload{}, malformed(err)
	}
	payload.IsTest = probe.isTest
	payload.IsPrivate = probe.topPrivate
	payload.CallData.MetaData.ID = probe.callID
	payload.CallData.MetaData.IsPrivate = probe.metaPrivate || probe.topPrivate
	return payload, nil
}

// ParseWebhookID checks a delivery as ParseWebhook does (it accepts and
// rejects the same bodies) but decodes only the call id and isTest: all the
// webhook intake needs before it stores the body.
func ParseWebhookID(body []byte) (callID string, isTest bool, err error) {
	probe, err := probeWebhook(body)
	if err != nil {
		return "", false, err
	}
	return probe.callID, probe.isTest, nil
}

// probed is what probeWebhook checked.
type probed struct {
	callID                          string
	isTest, topPrivate, metaPrivate bool
}

// probeWebhook checks the syntax of the whole body and the fields whose
// JSON type ParseWebhook checks itself.
func probeWebhook(body []byte) (probed, error) {
	var p probed
	if !isJSONObject(body) {
		return p, fmt.Errorf("%w", ErrMalformedJSON)
	}
	var probe webhookProbe
	if err := json.Unmarshal(body, &probe); err != nil {
		return p, malformed(err)
	}
	var err error
	if p.isTest, err = optionalBool("isTest", probe.IsTest); err != nil {
		return p, err
	}
	if p.topPrivate, err = optionalBool("isPrivate", probe.IsPrivate); err != nil {
		return p, err
	}
	var callData callDataProbe
	if err := decodeOptionalObject("callData", probe.CallData, &callData); err != nil {
		return p, err
	}
	var meta metaDataProbe
	if err := decodeOptionalObject("callData.metaData", callData.MetaData, &meta); err != nil {
		return p, err
	}
	if p.metaPrivate, err = optionalBool("callData.metaData.isPrivate", meta.IsPrivate); err != nil {
		return p, err
	}
	p.callID, err = parseCallID(meta.ID)
	if errors.Is(err, ErrMissingCallID) && p.isTest {
		err = nil // Gong's "Test now" may send an empty callData
	}
	if err != nil {
		return probed{}, err
	}
	return p, nil
}

// parseCallID accepts "123" or 123 (exactly as written, never through a
// float) and nothing else.
func parseCallID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", fmt.Errorf("%w", ErrMissingCallID)
	}
	var id string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", fmt.Errorf("%w", ErrInvalidCallID)
		}
	default:
		// A JSON number's literal text is its exact value; json.Number keeps it.
		var number json.Number
		if err := json.Unmarshal(raw, &number); err != nil {
			return "", fmt.Errorf("%w", ErrInvalidCallID)
		}
		id = number.String()
	}
	if !IsCallID(id) {
		return "", fmt.Errorf("%w", ErrInvalidCallID)
	}
	return id, nil
}

// IsCallID reports whether s has the form of a Gong call id: 1 to 20 ASCII digits.
func IsCallID(s string) bool {
	if len(s) == 0 || len(s) > maxCallIDDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isJSONObject(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// decodeOptionalObject accepts an absent or null value as empty and rejects
// anything that is not an object.
func decodeOptionalObject(name string, raw json.RawMessage, into any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return fmt.Errorf("%w: %s must be an object", ErrMalformedJSON, name)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return malformed(err)
	}
	return nil
}

func optionalBool(name string, raw json.RawMessage) (bool, error) {
	switch string(bytes.TrimSpace(raw)) {
	case "", "null", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fmt.Errorf("%w: %s must be true or false", ErrMalformedJSON, name)
}

// malformed keeps encoding/json's description (a position and a character),
// which helps the sender and holds nothing secret.
func malformed(err error) error {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Errorf("%w: %s (offset %d)", ErrMalformedJSON, syntaxErr.Error(), syntaxErr.Offset)
	}
	return fmt.Errorf("%w: %w", ErrMalformedJSON, err)
}

// CheckURLKey compares the key from the webhook URL with the configured one
// in constant time. Hashing first keeps even the key's length from leaking.
// An empty configured key never matches.
func CheckURLKey(got, want string) bool {
	if want == "" {
		return false
	}
	gotSum, wantSum := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(gotSum[:], wantSum[:]) == 1
}
