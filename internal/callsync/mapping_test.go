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
	for _, test := range []struct {
		name                       string
		parties                    []gong.Party
		wantInternal, wantExternal []string
	}{
		{
			name: "LowerCasedDeduplicatedInPartyOrder",
			parties: []gong.Party{
				internalParty(" Jen@FastTrail.com"),
				externalParty("Bob@Acme.com"),
				{EmailAddress: "guest@gmail.com", Affiliation: gong.AffiliationUnknown},
				internalParty("jen@fasttrail.com"),
				externalParty("bob@acme.com"),
				externalParty("not an email"),
				{Name: "Phone Caller #4"},
				{EmailAddress: "sam@fasttrail.com", Affiliation: "internal"},
			},
			wantInternal: []string{"jen@fasttrail.com", "sam@fasttrail.com"},
			wantExternal: []string{"bob@acme.com", "guest@gmail.com"},
		},
		{
			name: "DisplayNameForms",
			parties: []gong.Party{
				internalParty("Jen Doe <Jen@FastTrail.com>"),
				externalParty(`"Smith, Bob" <bob@acme.com>`), externalParty("bob@acme.com (Bob)"),
			},
			wantInternal: []string{"jen@fasttrail.com"},
			wantExternal: []string{"bob@acme.com"},
		},
		{
			name: "IDNADomainsInASCIIForm",
			parties: []gong.Party{
				externalParty("Anna@Bücher.de"), externalParty("anna@xn--bcher-kva.de"), externalParty("ben@XN--BCHER-KVA.DE"),
			},
			wantExternal: []string{"anna@xn--bcher-kva.de", "ben@xn--bcher-kva.de"},
		},
		{
			name: "MalformedEmailsAreLeftOut",
			parties: []gong.Party{
				externalParty("no-at-sign"), externalParty("@acme.com"), externalParty("a@b@acme.com"),
				externalParty("a@acme..com"), externalParty("a@acme.com."), externalParty("Bob <bob@acme.com"),
				externalParty("a@acme.com, b@acme.com"), externalParty("<>"), externalParty("\x00\xff@acme.com"),
				externalParty("a@localhost"), externalParty("a@10.0.0.1"), externalParty("a@xn--zz.de"),
				internalParty("jen@-fasttrail.com"), internalParty("Jen Doe"),
			},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			call := gong.CallData{Parties: test.parties}
			assert.Equal(t, test.wantInternal, InternalEmails(call))
			assert.Equal(t, test.wantExternal, ExternalEmails(call))
		})
	}
}

// People are matched by email in the same normal form as domains, so the
// Unicode and ASCII spellings of a domain, case and display names make no
// difference.
func TestBuildConversationMatchesEmailForms(t *testing.T) {
	for _, test := range []struct {
		name, partyEmail, planhatEmail string
		want                           bool
	}{
		{"UnicodePartyASCIIPlanhat", "anna@bücher.de", "anna@xn--bcher-kva.de", true},
		{"ASCIIPartyUnicodePlanhat", "Anna@XN--BCHER-KVA.DE", "anna@Bücher.de", true},
		{"DisplayNameParty", "Anna Schmidt <anna@bücher.de>", "ANNA@bücher.de", true},
		{"DisplayNamePlanhat", "anna@bücher.de", "Anna <anna@xn--bcher-kva.de>", true},
		{"OtherLocalPart", "anna@bücher.de", "anne@xn--bcher-kva.de", false},
		{"OtherDomain", "anna@bücher.de", "anna@bucher.de", false},
		{"GarbageOnBothSides", "anna@xn--zz.de", "anna@xn--zz.de", false},
	} {
		t.Run(test.name, func(t *testing.T) {
			call := gong.CallData{Parties: []gong.Party{internalParty(test.partyEmail), externalParty(test.partyEmail)}}
			users := []planhat.User{{ID: "u1", Email: test.planhatEmail, NickName: "Anna"}}
			endusers := []planhat.Enduser{{ID: "e1", Email: "other@example.com", OtherEmails: []string{test.planhatEmail}, Name: "Anna", CompanyID: "c1"}}

			got := BuildConversation(call, "c1", users, endusers, defaultConversationSettings)

			if !test.want {
				assert.Nil(t, got.Users)
				assert.Nil(t, got.Endusers)
				return
			}
			assert.Equal(t, []planhat.PersonRef{{ID: "u1", Name: "Anna"}}, got.Users)
			assert.Equal(t, []planhat.PersonRef{{ID: "e1", Name: "Anna"}}, got.Endusers)
		})
	}
}
