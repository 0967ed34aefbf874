package callsync

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

var defaultConversationSettings = ConversationSettings{Type: "Gong Call", FieldGongURL: "Gong URL", FieldCallDuration: "Call Duration"}

func TestBuildConversation(t *testing.T) {
	call := gong.CallData{
		MetaData: gong.MetaData{
			ID:        "7782342274025937895",
			URL:       "https://app.gong.io/call?id=7782342274025937895",
			Title:     "  Acme <> FastTrail: renewal  ",
			Scheduled: "2024-05-01T09:00:00Z",
			Started:   "2024-05-01T09:02:13.5-07:00",
			Duration:  1530, // 25.5 min
		},
		Parties: []gong.Party{
			internalParty("Jen@FastTrail.com"),
			externalParty("bob@acme.com"),
			internalParty("sam@fasttrail.com"),
			externalParty("ann@acme.com"),
			internalParty("jen@fasttrail.com"),     // again, other case
			externalParty("BOB@acme.com"),          // again
			externalParty("ann.private@gmail.com"), // ann's other email
			{Name: "Phone Caller #4", Affiliation: gong.AffiliationUnknown},
			internalParty("nobody@fasttrail.com"), // no Planhat user
		},
	}
	users := []planhat.User{
		{ID: "u-sam", Email: "Sam@fasttrail.com", FirstName: "Sam", LastName: "Stone"},
		{ID: "u-jen", Email: "jen@fasttrail.com ", NickName: "Jenny", FirstName: "Jennifer"},
		{ID: "u-jen-dup", Email: "JEN@fasttrail.com", NickName: "Jen again"},
		{ID: "u-bob", Email: "bob@acme.com", NickName: "Bob as a user"}, // an external party is never a user
	}
	endusers := []planhat.Enduser{
		{ID: "e-bob-other-company", Email: "bob@acme.com", Name: "Bob elsewhere", CompanyID: "c-other"},
		{ID: "e-ann", Email: "ann@acme.com", OtherEmails: []string{"Ann.Private@gmail.com"}, FirstName: "Ann", LastName: "Lee", CompanyID: "c-acme"},
		{ID: "e-bob", Email: "Bob@Acme.com", CompanyID: "c-acme"},
		{ID: "e-sam", Email: "sam@fasttrail.com", Name: "Sam as a contact", CompanyID: "c-acme"}, // an internal party is never an enduser
	}

	got := BuildConversation(call, "c-acme", users, endusers, defaultConversationSettings)

	assert.Equal(t, planhat.Conversation{
		Type:       "Gong Call",
		Subject:    "Acme <> FastTrail: renewal",
		Date:       "2024-05-01T09:02:13.5-07:00",
		CompanyID:  "c-acme",
		ExternalID: "7782342274025937895",
		Users: []planhat.PersonRef{
			{ID: "u-jen", Name: "Jenny"},
			{ID: "u-sam", Name: "Sam Stone"},
		},
		Endusers: []planhat.PersonRef{
			{ID: "e-bob", Name: "Bob@Acme.com"},
			{ID: "e-ann", Name: "Ann Lee"},
		},
		Custom: map[string]any{
			"Gong URL":      "https://app.gong.io/call?id=7782342274025937895",
			"Call Duration": int64(26),
		},
	}, got)
	assert.Nil(t, got.Description, "a mapped conversation never carries a description")
}

func TestBuildConversationFallbacks(t *testing.T) {
	for _, test := range []struct {
		name        string
		meta        gong.MetaData
		settings    ConversationSettings
		wantSubject string
		wantDate    string
		wantCustom  map[string]any
	}{
		{
			name:        "EmptyTitleAndNoStart",
			meta:        gong.MetaData{ID: "1", Title: " \t", Scheduled: "2024-05-01T09:00:00Z", URL: "https://x", Duration: 10},
			settings:    defaultConversationSettings,
			wantSubject: "Untitled Gong call",
			wantDate:    "2024-05-01T09:00:00Z",
			wantCustom:  map[string]any{"Gong URL": "https://x", "Call Duration": int64(0)},
		},
		{
			name:        "NoURLNoDuration",
			meta:        gong.MetaData{ID: "1", Title: "t", Started: "s"},
			settings:    defaultConversationSettings,
			wantSubject: "t",
			wantDate:    "s",
		},
		{
			name:        "CustomFieldsRenamed",
			meta:        gong.MetaData{ID: "1", Title: "t", URL: "https://x", Duration: 60},
			settings:    ConversationSettings{Type: "Call (Gong)", FieldGongURL: "Recording", FieldCallDuration: "Minutes"},
			wantSubject: "t",
			wantCustom:  map[string]any{"Recording": "https://x", "Minutes": int64(1)},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := BuildConversation(gong.CallData{MetaData: test.meta}, "c1", nil, nil, test.settings)
			assert.Equal(t, test.settings.Type, got.Type)
			assert.Equal(t, test.wantSubject, got.Subject)
			assert.Equal(t, test.wantDate, got.Date)
			assert.Equal(t, test.wantCustom, got.Custom)
			assert.Nil(t, got.Users)
			assert.Nil(t, got.Endusers)
		})
	}
}

func TestDurationMinutes(t *testing.T) {
	for _, test := range []struct {
		name    string
		seconds int64
		want    int64
	}{
		{"Zero", 0, 0},
		{"Negative", -90, 0},
		{"UnderHalfAMinute", 29, 0},
		{"HalfAMinuteRoundsUp", 30, 1},
		{"OneMinute", 60, 1},
		{"OneAndAHalf", 90, 2},
		{"JustUnderTwo", 119, 2},
		{"AnHour", 3600, 60},
		{"MaxInt64", 1<<63 - 1, 153722867280912930}, // remainder 7 s: no overflow, rounds down
		{"NearMaxInt64RoundsUp", 153722867280912929*60 + 30, 153722867280912930},
	} {
		t.Run(test.name, func(t *testing.T) {
			assert.Equal(t, test.want, durationMinutes(test.seconds))
		})
	}
}

func TestPartyEmails(t *testing.T) {
	call := gong.CallData{Parties: []gong.Party{
		internalParty(" Jen@FastTrail.com"),
		externalParty("Bob@Acme.com"),
		{EmailAddress: "guest@gmail.com", Affiliation: gong.AffiliationUnknown},
		internalParty("jen@fasttrail.com"),
		externalParty("bob@acme.com"),
		externalParty("not an email"),
		{Name: "Phone Caller #4"},
		{EmailAddress: "sam@fasttrail.com", Affiliation: "internal"},
	}}
	assert.Equal(t, []string{"jen@fasttrail.com", "sam@fasttrail.com"}, InternalEmails(call))
	assert.Equal(t, []string{"bob@acme.com", "guest@gmail.com"}, ExternalEmails(call))
	assert.Nil(t, InternalEmails(gong.CallData{}))
}
