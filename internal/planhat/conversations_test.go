package planhat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
	"github.com/gongsync/gongsync/internal/upstream"
)

const gongCall = "Gong Call"

func ptr[T any](v T) *T { return &v }

// gongConversation is what the sync writes for a call.
func gongConversation(companyID, callID string) planhat.Conversation {
	return planhat.Conversation{
		Type:       gongCall,
		Subject:    "Renewal with Globex",
		Date:       "2026-11-20T15:01:12Z",
		CompanyID:  companyID,
		ExternalID: callID,
		Users:      []planhat.PersonRef{{ID: "u1", Name: "Ana"}},
		Endusers:   []planhat.PersonRef{{ID: "e1", Name: "Hank Scorpio"}},
		Custom:     map[string]any{"Gong URL": "https://app.gong.io/call?id=" + callID, "Call Duration": 30.0},
	}
}

func TestConversationLifecycle(t *testing.T) {
	ctx := context.Background()
	fake := planhattest.NewTest(t)
	fake.AddConversationType(gongCall)
	globex := fake.AddCompany(planhat.Company{Name: "Globex", SourceID: "0015g00000Glbx1"})
	client, _ := newClient(t, fake)
	const callID = "7782342274025937895"

	_, err := client.GetConversationByExternalID(ctx, callID)
	require.True(t, upstream.IsNotFound(err), "%v", err)

	created, err := client.CreateConversation(ctx, gongConversation("srcid-0015g00000Glbx1", callID))
	require.NoError(t, err)
	require.NotEmpty(t, created.ID)
	assert.Equal(t, globex.ID, created.CompanyID, "srcid- resolved to the company's _id")
	assert.Equal(t, gongCall, created.Type)

	found, err := client.GetConversationByExternalID(ctx, callID)
	require.NoError(t, err)
	assert.Equal(t, created, found)

	summary := "<p>Globex renews.</p>"
	withSummary, err := client.UpdateConversation(ctx, created.ID, planhat.Conversation{Description: &summary})
	require.NoError(t, err)
	assert.Equal(t, &summary, withSummary.Description)

	// A re-delivered webhook updates everything but the description.
	again := gongConversation(globex.ID, callID)
	again.Subject = "Renewal with Globex (edited)"
	again.ID = "must-not-be-sent"
	updated, err := client.UpdateConversation(ctx, created.ID, again)
	require.NoError(t, err)
	assert.Equal(t, created.ID, updated.ID)
	assert.Equal(t, "Renewal with Globex (edited)", updated.Subject)
	require.NotNil(t, updated.Description)
	assert.Equal(t, summary, *updated.Description, "an update without description keeps it")

	got, err := client.GetConversation(ctx, created.ID)
	require.NoError(t, err)
	assert.Equal(t, updated, got)
	assert.Len(t, fake.Conversations(), 1)
}

func TestCreateConversation(t *testing.T) {
	ctx := context.Background()

	t.Run("Status201WithEmptyBody", func(t *testing.T) {
		fake := planhattest.NewTest(t, planhattest.Options{CreateStatus: http.StatusCreated, EmptyCreateBody: true})
		fake.AddConversationType(gongCall)
		company := fake.AddCompany(planhat.Company{Name: "Globex"})
		client, _ := newClient(t, fake)

		created, err := client.CreateConversation(ctx, gongConversation(company.ID, "42"))
		require.NoError(t, err)
		assert.Empty(t, created.ID, "no answer, no id: the caller looks it up")
		found, err := client.GetConversationByExternalID(ctx, "42")
		require.NoError(t, err)
		assert.NotEmpty(t, found.ID)
	})

	t.Run("Status201WithBody", func(t *testing.T) {
		fake := planhattest.NewTest(t, planhattest.Options{CreateStatus: http.StatusCreated})
		company := fake.AddCompany(planhat.Company{Name: "Globex"})
		client, _ := newClient(t, fake)

		created, err := client.CreateConversation(ctx, planhat.Conversation{CompanyID: company.ID, ExternalID: "43", Type: "call"})
		require.NoError(t, err)
		assert.NotEmpty(t, created.ID)
	})

	t.Run("UnknownTypeIsStoredAsNoteAndSaidOnce", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		company := fake.AddCompany(planhat.Company{Name: "Globex"})
		client, logs := newClient(t, fake)

		for _, callID := range []string{"1", "2"} {
			created, err := client.CreateConversation(ctx, gongConversation(company.ID, callID))
			require.NoError(t, err)
			assert.Equal(t, "note", created.Type)
		}
		assert.Equal(t, 1, bytes.Count([]byte(logs.String()), []byte("create the conversation type")))
	})

	t.Run("CreatedThenGatewayTimeout", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		company := fake.AddCompany(planhat.Company{Name: "Globex"})
		client, _ := newClient(t, fake)
		fake.CreateThenFail(1)

		_, err := client.CreateConversation(ctx, gongConversation(company.ID, "44"))
		requireKind(t, upstream.KindTransient, err)
		found, err := client.GetConversationByExternalID(ctx, "44")
		require.NoError(t, err, "the record exists although the create failed")
		assert.NotEmpty(t, found.ID)
	})

	t.Run("CreatedThenConnectionDropped", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		company := fake.AddCompany(planhat.Company{Name: "Globex"})
		client, _ := newClient(t, fake)
		fake.CreateThenDrop(1)

		_, err := client.CreateConversation(ctx, gongConversation(company.ID, "45"))
		requireKind(t, upstream.KindTransient, err)
		assert.Len(t, fake.Conversations(), 1, "created once, not retried by the transport")
	})

	t.Run("UnknownCompanyIsPermanent", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		_, err := client.CreateConversation(ctx, gongConversation("000000000000000000000000", "46"))
		requireKind(t, upstream.KindPermanent, err)
	})
}

func TestGetConversation(t *testing.T) {
	ctx := context.Background()

	t.Run("NotFound", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		_, err := client.GetConversation(ctx, "000000000000000000000000")
		assert.True(t, upstream.IsNotFound(err), "%v", err)
	})

	t.Run("ErrAnswerForAnotherExternalID", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /conversations/extid-*", Status: http.StatusOK, Count: 1,
			Body: `{"_id":"60fee824a4c764252c877c2b","externalId":"999"}`})
		_, err := client.GetConversationByExternalID(ctx, "123")
		require.Error(t, err)
		assert.False(t, upstream.IsNotFound(err))
	})

	t.Run("DecodesPlanhatSample", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /conversations/{id}", Status: http.StatusOK, Count: 1, Body: sample(t, "note-docs_conversation-get-response.json")})

		got, err := client.GetConversation(ctx, "60fee824a4c764252c877c2b")
		require.NoError(t, err)
		assert.Equal(t, planhat.Conversation{
			ID: "60fee824a4c764252c877c2b", Type: "note", Subject: "t6", Date: "2021-07-26T16:51:44.146Z",
			CompanyID: "584d9d5505ba1b622f04adb3",
			Users:     []planhat.PersonRef{{ID: "5f16fd8eee876638a9f2483c", Name: "Ernesto"}},
			Endusers:  []planhat.PersonRef{},
			Custom:    map[string]any{"Activity Count": 0.0, "Days in Phase": 0.0, "Logins": 0.0},
		}, got)
	})

	t.Run("EndusersAsBareIDs", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /conversations/{id}", Status: http.StatusOK, Count: 1,
			Body: `{"_id":"60fee824a4c764252c877c2b","endusers":["610091916d643a7c418aef42"],"description":"<p>kept</p>"}`})

		got, err := client.GetConversation(ctx, "60fee824a4c764252c877c2b")
		require.NoError(t, err)
		assert.Equal(t, []planhat.PersonRef{{ID: "610091916d643a7c418aef42"}}, got.Endusers)
		assert.Equal(t, ptr("<p>kept</p>"), got.Description)
	})
}

// TestWhatIsSent checks the requests on the wire, with the fake behind a
// recorder.
func TestWhatIsSent(t *testing.T) {
	ctx := context.Background()
	fake := planhattest.NewTest(t)
	company := fake.AddCompany(planhat.Company{Name: "Globex"})
	var mu sync.Mutex
	var bodies []map[string]any
	var authorizations []string
	recorder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var fields map[string]any
		_ = json.Unmarshal(body, &fields)
		mu.Lock()
		bodies = append(bodies, fields)
		authorizations = append(authorizations, r.Header.Get("Authorization"))
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(recorder.Close)
	client, err := planhat.NewClient(planhat.ClientOptions{BaseURL: recorder.URL, Token: fake.Token()})
	require.NoError(t, err)

	created, err := client.CreateConversation(ctx, planhat.Conversation{ID: "ignored", CompanyID: company.ID, ExternalID: "1", Subject: "s"})
	require.NoError(t, err)
	_, err = client.UpdateConversation(ctx, created.ID, planhat.Conversation{ID: created.ID, Subject: "t"})
	require.NoError(t, err)

	require.Len(t, bodies, 2)
	assert.Equal(t, map[string]any{"companyId": company.ID, "externalId": "1", "subject": "s"}, bodies[0])
	assert.Equal(t, map[string]any{"subject": "t"}, bodies[1], "only set fields, never _id or description")
	assert.Equal(t, []string{"Bearer " + fake.Token(), "Bearer " + fake.Token()}, authorizations)
}
