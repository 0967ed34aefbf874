package planhat

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/rs/zerolog"

	"github.com/gongsync/gongsync/internal/upstream"
)

// GetConversation returns the conversation with Planhat id id
// (GET /conversations/{id}). Absent: upstream.IsNotFound.
func (c *Client) GetConversation(ctx context.Context, id string) (Conversation, error) {
	what := "get conversation " + id
	if strings.TrimSpace(id) == "" {
		return Conversation{}, badInput(what, "empty id")
	}
	var conversation Conversation
	if err := c.getRecord(ctx, keyablePath("conversations", "", id), &conversation, func() string { return conversation.ID }); err != nil {
		return Conversation{}, fmt.Errorf("planhat: %s: %w", what, err)
	}
	return conversation, nil
}

// GetConversationByExternalID returns the conversation whose externalId is
// externalID (GET /conversations/extid-{externalId}). Absent:
// upstream.IsNotFound. An answer about another externalId is an error, so a
// lookup can never lead to overwriting someone else's conversation.
func (c *Client) GetConversationByExternalID(ctx context.Context, externalID string) (Conversation, error) {
	what := "get conversation extid-" + externalID
	if strings.TrimSpace(externalID) == "" {
		return Conversation{}, badInput(what, "empty external id")
	}
	var conversation Conversation
	if err := c.getRecord(ctx, keyablePath("conversations", "extid-", externalID), &conversation, func() string { return conversation.ID }); err != nil {
		return Conversation{}, fmt.Errorf("planhat: %s: %w", what, err)
	}
	if conversation.ExternalID != "" && conversation.ExternalID != externalID {
		return Conversation{}, fmt.Errorf("planhat: %s: the answer is conversation %s with externalId %q", what, conversation.ID, conversation.ExternalID)
	}
	return conversation, nil
}

// CreateConversation creates conversation (POST /conversations) and returns
// it as Planhat stored it. CompanyID is required; it may also be
// "srcid-{sourceId}" or "extid-{externalId}". Any ID set is not sent.
//
// Whether Planhat answers 200 or 201, and with a body, is not confirmed: both
// are success, and an empty answer gives a Conversation with an empty ID and
// no error; the caller then finds the record by its externalId.
func (c *Client) CreateConversation(ctx context.Context, conversation Conversation) (Conversation, error) {
	what := "create conversation"
	if conversation.ExternalID != "" {
		what += " externalId " + conversation.ExternalID
	}
	if strings.TrimSpace(conversation.CompanyID) == "" {
		return Conversation{}, badInput(what, "companyId is required")
	}
	conversation.ID = ""
	req := upstream.Request{Method: http.MethodPost, Path: "/conversations", Body: conversation}
	created, err := c.sendConversation(ctx, req)
	if err != nil {
		return Conversation{}, fmt.Errorf("planhat: %s: %w", what, err)
	}
	if conversation.Type != "" && created.Type != "" && created.Type != conversation.Type {
		// Planhat stores an unknown type as "note" without an error.
		c.warnOnce("type:"+conversation.Type, func(event *zerolog.Event) {
			event.Str("requested_type", conversation.Type).Str("stored_type", created.Type).
				Msg("Planhat stored the conversation under another type: create the conversation type in Planhat (PLANHAT_CONVERSATION_TYPE)")
		})
	}
	return created, nil
}

// UpdateConversation changes the fields set in conversation on the
// conversation id (PUT /conversations/{id}) and returns the result. Only set
// fields are sent (never _id): an update without Description leaves the
// stored description alone. An empty answer gives a Conversation holding
// only the ID.
func (c *Client) UpdateConversation(ctx context.Context, id string, conversation Conversation) (Conversation, error) {
	what := "update conversation " + id
	if strings.TrimSpace(id) == "" {
		return Conversation{}, badInput(what, "empty id")
	}
	conversation.ID = ""
	req := upstream.Request{Method: http.MethodPut, Path: keyablePath("conversations", "", id), Body: conversation}
	updated, err := c.sendConversation(ctx, req)
	if err != nil {
		return Conversation{}, fmt.Errorf("planhat: %s: %w", what, err)
	}
	if updated.ID == "" {
		updated.ID = id
	}
	return updated, nil
}

func (c *Client) sendConversation(ctx context.Context, req upstream.Request) (Conversation, error) {
	body, err := c.caller.DoRaw(ctx, req, nil)
	if err != nil {
		return Conversation{}, err
	}
	var conversation Conversation
	if len(bytes.TrimSpace(body)) == 0 {
		return conversation, nil
	}
	if err := c.decode(req, body, &conversation); err != nil {
		return Conversation{}, err
	}
	return conversation, nil
}
